//! Channels benchmark: the demo's `RoomChannel` against a bare tokio
//! WebSocket server doing the same work (no framework), each in a child
//! process, driven by the same clients from this process over 127.0.0.1.
//!
//! `cargo run --release -p demo --bin bench-channels` prints a table of every
//! workload, the bare server's figure, ours, the ratio and its target:
//! echo (100 clients, one push in flight each: round trips per second, p99,
//! server CPU per round trip); fan-out to 5,000 subscribers one broadcast at
//! a time (time until all received) and with 16 broadcasts kept in flight
//! (deliveries per second, server CPU per delivery); fan-out to 1,000 one at
//! a time; 1,000 clients connecting and joining at once; resident memory per
//! idle joined socket. `--rounds 3` repeats it and prints median ratios.
//!
//! `--shootout` adds clients in steps of 1,000 with 4 broadcasts in flight
//! until the p95 of the time until all received passes 250 ms.
//!
//! `--mass-join N` only measures N clients connecting and joining at once.
//!
//! `--dashboard` compares the demo with the dev dashboard disabled, enabled
//! with none attached, and attached (a headless dashboard reading every event).
//!
//! `--cluster` compares the fan-out to `--sockets` subscribers on one demo
//! node with the same subscribers split over two demo nodes sharing a Redis
//! server (`[pubsub] adapter = "redis"`; it starts Debian's `redis-server` on
//! a free port unless `--redis-url` names one), and one node on Redis alone.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use poem::listener::{Acceptor, Listener};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[derive(Parser)]
struct Args {
    /// Joined sockets for fan-out and memory.
    #[arg(long, default_value_t = 5_000)]
    sockets: usize,
    /// Broadcasts kept in flight in the continuous fan-out.
    #[arg(long, default_value_t = 16)]
    in_flight: usize,
    /// Subscribers of the small fan-out (latency).
    #[arg(long, default_value_t = 1_000)]
    small_fan_out: usize,
    /// Clients that connect and join at the same moment.
    #[arg(long, default_value_t = 1_000)]
    mass_size: usize,
    /// Times the whole table is measured (the median ratio is printed too).
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Run the shootout instead: clients added in steps until the p95 of a
    /// broadcast (4 in flight) passes 250 ms.
    #[arg(long)]
    shootout: bool,
    /// Clients added per shootout step.
    #[arg(long, default_value_t = 1_000)]
    step: usize,
    /// Most clients in the shootout (each process may hold 20,000 files here).
    #[arg(long, default_value_t = 19_000)]
    max_clients: usize,
    /// Concurrent clients for echo.
    #[arg(long, default_value_t = 100)]
    echo_clients: usize,
    /// Seconds of echo per target.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Broadcasts in the burst of `--dashboard` and `--cluster`.
    #[arg(long, default_value_t = 20)]
    burst: usize,
    /// Only measure memory per joined socket of one server: `demo`,
    /// `baseline`, or `poem` (a bare poem WebSocket handler, for reference).
    #[arg(long)]
    memory_only: Option<String>,
    /// Internal: serve `demo`, `demo-dashboard`, `baseline` or `poem` and print the port.
    #[arg(long)]
    serve: Option<String>,
    /// Measure the dashboard's cost instead of the ratio to the baseline.
    #[arg(long)]
    dashboard: bool,
    /// Measure one node against two nodes on Redis instead.
    #[arg(long)]
    cluster: bool,
    /// The Redis server for `--cluster` (default: start one).
    #[arg(long)]
    redis_url: Option<String>,
    /// Only measure this many clients connecting and joining at once
    /// (time until all joined), against the baseline, 3 rounds each.
    #[arg(long)]
    mass_join: Option<usize>,
}

mod client;
mod cluster;
#[path = "../shared/procfs.rs"]
mod procfs;
mod room;
mod servers;
mod suite;
mod workloads;

use client::*;
use cluster::*;
use servers::*;
use suite::*;
use workloads::*;

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Some(kind) = args.serve {
        let addr = match kind.as_str() {
            "demo" => serve_demo(false).await,
            "demo-dashboard" => serve_demo(true).await,
            "poem" => serve_poem().await,
            _ => serve_baseline().await,
        };
        println!("ADDR {addr}");
        // Serve until the parent goes away (stdin closes).
        let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(_)) = stdin.next_line().await {}
        return;
    }
    println!(
        "{} joined sockets for fan-out and memory, {} echo clients for {} s, {} broadcasts in flight (bursts of {} for --dashboard and --cluster)\n",
        args.sockets, args.echo_clients, args.seconds, args.in_flight, args.burst
    );
    if args.cluster {
        cluster(&args).await;
        return;
    }
    if let Some(n) = args.mass_join {
        println!("{n} clients connecting and joining at once: time until all joined (server CPU)");
        for round in 1..=3 {
            let mut figures = Vec::new();
            for kind in ["baseline", "demo"] {
                let server = spawn_server(kind).await;
                let pid = server.process.id().unwrap();
                let cpu = cpu_time(pid);
                let time = mass_join(&server, n).await;
                figures.push((time, cpu_time(pid) - cpu));
                server.stop().await;
            }
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            println!(
                "round {round}: baseline {:.0} ms ({:.0} ms), demo {:.0} ms ({:.0} ms), ratio {:.2}x",
                ms(figures[0].0),
                ms(figures[0].1),
                ms(figures[1].0),
                ms(figures[1].1),
                ms(figures[1].0) / ms(figures[0].0)
            );
        }
        return;
    }
    let mut results = Vec::new();
    if let Some(kind) = args.memory_only {
        let server = spawn_server(&kind).await;
        let pid = server.process.id().unwrap();
        let (room, per_socket) =
            joined_room(&[server.addr], pid, "room:fanout", args.sockets).await;
        println!("{kind}: {per_socket:.1} KB per joined socket");
        drop(room);
        server.stop().await;
        return;
    }
    if args.shootout {
        shootout(&args).await;
        return;
    }
    if !args.dashboard {
        suite(&args).await;
        return;
    }
    let kinds = ["demo", "demo-dashboard", "demo-watched"];
    let mut events = 0;
    for kind in kinds {
        let serve = if kind == "demo-watched" {
            "demo-dashboard"
        } else {
            kind
        };
        let watch = |server: &Child| {
            let addr = server.addr;
            async move {
                match kind {
                    "demo-watched" => Some(demo::watcher::attach(addr, false).await),
                    _ => None,
                }
            }
        };
        let server = spawn_server(serve).await;
        let watcher = watch(&server).await;
        let fan = fan_out(&server, args.sockets, args.burst).await;
        drop(server);
        let server = spawn_server(serve).await;
        let watcher2 = watch(&server).await;
        let echo = echo(&server, args.echo_clients, args.seconds).await;
        drop(server);
        for w in [watcher, watcher2].into_iter().flatten() {
            events += w.events.load(std::sync::atomic::Ordering::Relaxed);
        }
        results.push((kind, fan, echo));
    }
    println!(
        "{:<15} {:>14} {:>18} {:>12} {:>10} {:>14}",
        "dashboard", "fan-out ms", "deliveries/s", "echo rt/s", "echo p99", "RSS/socket KB"
    );
    let (_, off_fan, off_echo) = &results[0];
    for (kind, fan, echo) in &results {
        println!(
            "{:<15} {:>14.1} {:>18.0} {:>12.0} {:>9.2}ms {:>14.1}   ratios to disabled: deliveries {:.2}x, echo {:.2}x, memory {:.2}x",
            kind,
            fan.first_all_ms,
            fan.deliveries_per_s,
            echo.per_s,
            echo.p99_ms,
            fan.rss_per_socket_kb,
            fan.deliveries_per_s / off_fan.deliveries_per_s,
            echo.per_s / off_echo.per_s,
            fan.rss_per_socket_kb / off_fan.rss_per_socket_kb,
        );
    }
    println!("\n(the attached dashboard read {events} events)");
}
