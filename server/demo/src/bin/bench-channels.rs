//! Channels benchmark: the demo's `RoomChannel` against a bare tokio
//! WebSocket server doing the same work (no framework), each in a child
//! process, driven by the same clients from this process over 127.0.0.1.
//!
//! Prints, with ratios to the baseline: fan-out (one broadcast to N joined
//! sockets: time until all received; deliveries per second under a burst of
//! broadcasts), echo (C clients doing push → reply: round trips per second
//! and p99) and resident memory per idle joined socket.
//!
//! `cargo run --release -p demo --bin bench-channels -- --sockets 10000`
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
    #[arg(long, default_value_t = 10_000)]
    sockets: usize,
    /// Concurrent clients for echo.
    #[arg(long, default_value_t = 100)]
    echo_clients: usize,
    /// Seconds of echo per target.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Broadcasts in the burst that measures deliveries per second.
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

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

// ---------------------------------------------------------------- servers

async fn serve_demo(dashboard: bool) -> SocketAddr {
    let mut config =
        phoenix::config::Config::load_env(demo::app_root(), "test").expect("test config");
    config.http.port = 0;
    if dashboard {
        demo::watcher::enable(&mut config);
    }
    let listening = demo::endpoint(config)
        .await
        .unwrap()
        .listen()
        .await
        .unwrap();
    let addr = listening.http_addr;
    tokio::spawn(listening.run(std::future::pending()));
    addr
}

type Topics = Arc<Mutex<HashMap<String, Vec<mpsc::UnboundedSender<Message>>>>>;

/// The baseline: V2 frames, joins, ping/echo replies and shout broadcasts
/// (encoded once, the same bytes to every subscriber), nothing else.
async fn serve_baseline() -> SocketAddr {
    // A backlog of 4,096, as the demo's default: a burst of connects queues.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener: TcpListener = socket.listen(4096).unwrap();
    let addr = listener.local_addr().unwrap();
    let topics: Topics = Arc::default();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let topics = topics.clone();
            tokio::spawn(async move {
                let config = WebSocketConfig::default().read_buffer_size(4096);
                let Ok(ws) =
                    tokio_tungstenite::accept_async_with_config(stream, Some(config)).await
                else {
                    return;
                };
                let (mut sink, mut source) = ws.split();
                let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
                tokio::spawn(async move {
                    while let Some(message) = rx.recv().await {
                        if sink.send(message).await.is_err() {
                            break;
                        }
                    }
                });
                while let Some(Ok(Message::Text(text))) = source.next().await {
                    let Ok(Value::Array(frame)) = serde_json::from_str::<Value>(&text) else {
                        break;
                    };
                    if frame.len() < 5 {
                        break;
                    }
                    let (join_ref, msg_ref, topic, event) =
                        (&frame[0], &frame[1], &frame[2], &frame[3]);
                    let topic_name = topic.as_str().unwrap_or("").to_string();
                    let reply = |response: Value| {
                        Message::text(json!([join_ref, msg_ref, topic, "phx_reply", {"status": "ok", "response": response}]).to_string())
                    };
                    match event.as_str().unwrap_or("") {
                        "phx_join" => {
                            topics
                                .lock()
                                .unwrap()
                                .entry(topic_name)
                                .or_default()
                                .push(tx.clone());
                            let _ = tx.send(reply(json!({})));
                        }
                        "ping" | "echo" | "heartbeat" => {
                            let _ = tx.send(reply(frame[4].clone()));
                        }
                        "shout" => {
                            let encoded = Message::text(
                                json!([null, null, topic, "shout", frame[4]]).to_string(),
                            );
                            let subscribers = topics
                                .lock()
                                .unwrap()
                                .get(&topic_name)
                                .cloned()
                                .unwrap_or_default();
                            for subscriber in subscribers {
                                let _ = subscriber.send(encoded.clone());
                            }
                        }
                        _ => {}
                    }
                }
            });
        }
    });
    addr
}

/// A poem WebSocket endpoint that only answers joins (to see poem's own cost).
async fn serve_poem() -> SocketAddr {
    use poem::web::websocket::{Message as PMessage, WebSocket};
    use poem::{get, handler, IntoResponse, Route, Server};
    #[handler]
    fn ws(ws: WebSocket) -> impl IntoResponse {
        ws.config(WebSocketConfig::default().read_buffer_size(4096)).on_upgrade(|stream| async move {
            let (mut sink, mut source) = stream.split();
            while let Some(Ok(PMessage::Text(text))) = source.next().await {
                let frame: Value = serde_json::from_str(&text).unwrap_or_default();
                let reply = json!([frame[0], frame[1], frame[2], "phx_reply", {"status": "ok", "response": {}}]);
                if sink.send(PMessage::Text(reply.to_string())).await.is_err() {
                    break;
                }
            }
        })
    }
    let acceptor = poem::listener::TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = *acceptor.local_addr()[0].0.as_socket_addr().unwrap();
    tokio::spawn(
        Server::new_with_acceptor(acceptor).run(Route::new().at("/socket/websocket", get(ws))),
    );
    addr
}

// ---------------------------------------------------------------- clients

struct Child {
    process: tokio::process::Child,
    addr: SocketAddr,
}

async fn spawn_server(kind: &str) -> Child {
    spawn_server_with(kind, &[]).await
}

/// A server child process with extra environment variables (the demo reads
/// `PHX_*` settings from them).
async fn spawn_server_with(kind: &str, env: &[(&str, String)]) -> Child {
    let mut process = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--serve", kind])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(std::process::Stdio::piped())
        .stdin(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
    let line = lines
        .next_line()
        .await
        .unwrap()
        .expect("the server prints its address");
    let addr = line.trim_start_matches("ADDR ").parse().unwrap();
    Child { process, addr }
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| {
                    l.strip_prefix("VmRSS:")
                        .map(|v| v.trim().trim_end_matches(" kB").parse().ok())
                })
                .flatten()
        })
        .unwrap_or(0)
}

async fn connect(addr: SocketAddr, user: &str) -> Ws {
    let url = format!("ws://{addr}/socket/websocket?vsn=2.0.0&user={user}");
    for _ in 0..20 {
        if let Ok((ws, _)) = tokio_tungstenite::connect_async(&url).await {
            return ws;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cannot connect to {url}");
}

async fn recv_json(ws: &mut Ws) -> Value {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(_)) => continue,
            other => panic!("connection ended: {other:?}"),
        }
    }
}

async fn join(ws: &mut Ws, topic: &str) {
    ws.send(Message::text(
        json!(["1", "1", topic, "phx_join", {}]).to_string(),
    ))
    .await
    .unwrap();
    let reply = recv_json(ws).await;
    assert_eq!(reply[4]["status"], "ok", "{reply}");
}

struct FanOut {
    first_all_ms: f64,
    deliveries_per_s: f64,
    rss_per_socket_kb: f64,
}

/// Opens `n` joined sockets, measures memory, one broadcast, then a burst.
async fn fan_out(server: &Child, n: usize, burst: usize) -> FanOut {
    fan_out_on(&[server], n, burst).await
}

/// [`fan_out`] with the sockets spread over `servers` in turn (the sender,
/// and so every broadcast, on the first); memory is the first server's.
async fn fan_out_on(servers: &[&Child], n: usize, burst: usize) -> FanOut {
    let server = servers[0];
    let pid = server.process.id().unwrap();
    let before = rss_kb(pid);
    let (tx, mut rx) = mpsc::unbounded_channel::<Instant>();
    let mut sender = connect(server.addr, "sender").await;
    join(&mut sender, "room:fanout").await;
    let mut tasks = Vec::new();
    let mut opened = 0;
    while opened < n {
        let batch = (n - opened).min(250);
        let mut joins = Vec::new();
        for i in 0..batch {
            let addr = servers[(opened + i) % servers.len()].addr;
            joins.push(tokio::spawn(async move {
                let mut ws = connect(addr, &format!("u{}", opened + i)).await;
                join(&mut ws, "room:fanout").await;
                ws
            }));
        }
        for handle in joins {
            let mut ws = handle.await.unwrap();
            let tx = tx.clone();
            tasks.push(tokio::spawn(async move {
                while let Some(Ok(message)) = ws.next().await {
                    if let Message::Text(text) = message {
                        if text.contains("\"shout\"") && tx.send(Instant::now()).is_err() {
                            break;
                        }
                    }
                }
            }));
        }
        opened += batch;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kb(pid);
    let on_first = n.div_ceil(servers.len());

    // One broadcast: time until every socket has it (the sender included).
    let start = Instant::now();
    sender
        .send(Message::text(
            json!(["1", "2", "room:fanout", "shout", {"n": 0}]).to_string(),
        ))
        .await
        .unwrap();
    let mut last = start;
    for _ in 0..n {
        last = rx.recv().await.unwrap();
    }
    let first_all = last - start;
    recv_json(&mut sender).await;

    // A burst: deliveries per second.
    let start = Instant::now();
    for i in 1..=burst {
        sender
            .send(Message::text(
                json!(["1", format!("b{i}"), "room:fanout", "shout", {"n": i}]).to_string(),
            ))
            .await
            .unwrap();
    }
    for _ in 0..n * burst {
        last = rx.recv().await.unwrap();
    }
    let burst_time = last - start;
    for task in tasks {
        task.abort();
    }
    FanOut {
        first_all_ms: first_all.as_secs_f64() * 1000.0,
        deliveries_per_s: (n * burst) as f64 / burst_time.as_secs_f64(),
        rss_per_socket_kb: after.saturating_sub(before) as f64 / on_first as f64,
    }
}

/// `n` clients connect and join at the same moment: the time until the last
/// join is answered.
async fn mass_join(server: &Child, n: usize) -> Duration {
    let go = Arc::new(tokio::sync::Barrier::new(n + 1));
    let mut tasks = Vec::new();
    for i in 0..n {
        let (addr, go) = (server.addr, go.clone());
        tasks.push(tokio::spawn(async move {
            go.wait().await;
            let mut ws = connect(addr, &format!("mass{i}")).await;
            join(&mut ws, "room:mass").await;
            ws
        }));
    }
    go.wait().await;
    let start = Instant::now();
    let mut sockets = Vec::new();
    for task in tasks {
        sockets.push(task.await.unwrap());
    }
    start.elapsed()
}

/// A `redis-server` child on a free port of 127.0.0.1 (no persistence).
async fn start_redis() -> (tokio::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("redis-server (Debian's redis-server package), or pass --redis-url");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.contains("Ready to accept connections") {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, format!("redis://127.0.0.1:{port}/"))
}

/// One node against two nodes sharing Redis, with the same subscribers.
async fn cluster(args: &Args) {
    let (_redis, url) = match &args.redis_url {
        Some(url) => (None, url.clone()),
        None => {
            let (child, url) = start_redis().await;
            (Some(child), url)
        }
    };
    let on_redis = |node: &str| {
        vec![
            ("PHX_PUBSUB__ADAPTER", "redis".to_string()),
            ("PHX_PUBSUB__URL", url.clone()),
            ("PHX_PUBSUB__NODE", node.to_string()),
        ]
    };
    let mut rows = Vec::new();
    for round in 0..2 {
        let one = spawn_server("demo").await;
        rows.push((
            "one node, local PubSub",
            round,
            fan_out(&one, args.sockets, args.burst).await,
        ));
        drop(one);
        let alone = spawn_server_with("demo", &on_redis("solo")).await;
        rows.push((
            "one node on Redis",
            round,
            fan_out(&alone, args.sockets, args.burst).await,
        ));
        drop(alone);
        let a = spawn_server_with("demo", &on_redis("node-a")).await;
        let b = spawn_server_with("demo", &on_redis("node-b")).await;
        rows.push((
            "two nodes on Redis",
            round,
            fan_out_on(&[&a, &b], args.sockets, args.burst).await,
        ));
    }
    println!(
        "{:<24} {:>6} {:>16} {:>16} {:>18}",
        "setup", "round", "all received ms", "deliveries/s", "ratio to one node"
    );
    for (name, round, fan) in &rows {
        let one = &rows[round * 3].2;
        println!(
            "{:<24} {:>6} {:>16.1} {:>16.0} {:>17.2}x",
            name,
            round + 1,
            fan.first_all_ms,
            fan.deliveries_per_s,
            fan.deliveries_per_s / one.deliveries_per_s
        );
    }
}

struct Echo {
    per_s: f64,
    p99_ms: f64,
}

async fn echo(server: &Child, clients: usize, seconds: u64) -> Echo {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for i in 0..clients {
        let addr = server.addr;
        tasks.push(tokio::spawn(async move {
            let mut ws = connect(addr, &format!("echo{i}")).await;
            join(&mut ws, "room:bench").await;
            let mut latencies = Vec::new();
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let t = Instant::now();
                ws.send(Message::text(
                    json!(["1", n.to_string(), "room:bench", "ping", {"n": n}]).to_string(),
                ))
                .await
                .unwrap();
                let reply = recv_json(&mut ws).await;
                debug_assert_eq!(reply[4]["status"], "ok");
                latencies.push(t.elapsed().as_micros() as u32);
            }
            latencies
        }));
    }
    let start = Instant::now();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64().max(seconds as f64);
    all.sort_unstable();
    let p99 = all
        .get(((all.len() as f64 - 1.0) * 0.99) as usize)
        .copied()
        .unwrap_or(0);
    Echo {
        per_s: all.len() as f64 / elapsed,
        p99_ms: p99 as f64 / 1000.0,
    }
}

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
        "{} joined sockets for fan-out and memory, {} echo clients for {} s, bursts of {} broadcasts\n",
        args.sockets, args.echo_clients, args.seconds, args.burst
    );
    if args.cluster {
        cluster(&args).await;
        return;
    }
    if let Some(n) = args.mass_join {
        println!("{n} clients connecting and joining at once: time until all joined");
        for round in 1..=3 {
            let mut times = Vec::new();
            for kind in ["baseline", "demo"] {
                let server = spawn_server(kind).await;
                times.push(mass_join(&server, n).await);
            }
            println!(
                "round {round}: baseline {:.0} ms, demo {:.0} ms, ratio {:.2}x",
                times[0].as_secs_f64() * 1000.0,
                times[1].as_secs_f64() * 1000.0,
                times[1].as_secs_f64() / times[0].as_secs_f64()
            );
        }
        return;
    }
    let mut results = Vec::new();
    if let Some(kind) = args.memory_only {
        let server = spawn_server(&kind).await;
        let pid = server.process.id().unwrap();
        let before = rss_kb(pid);
        let mut sockets = Vec::new();
        for i in 0..args.sockets {
            let mut ws = connect(server.addr, &format!("m{i}")).await;
            join(&mut ws, "room:fanout").await;
            sockets.push(ws);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        println!(
            "{kind}: {:.1} KB per joined socket",
            (rss_kb(pid) - before) as f64 / args.sockets as f64
        );
        return;
    }
    let kinds: &[&str] = if args.dashboard {
        &["demo", "demo-dashboard", "demo-watched"]
    } else {
        &["baseline", "demo"]
    };
    let mut events = 0;
    for &kind in kinds {
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
    if args.dashboard {
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
        return;
    }
    let (_, base_fan, base_echo) = &results[0];
    println!(
        "{:<10} {:>14} {:>18} {:>12} {:>10} {:>14}",
        "server", "fan-out ms", "deliveries/s", "echo rt/s", "echo p99", "RSS/socket KB"
    );
    for (kind, fan, echo) in &results {
        println!(
            "{:<10} {:>14.1} {:>18.0} {:>12.0} {:>9.2}ms {:>14.1}",
            kind,
            fan.first_all_ms,
            fan.deliveries_per_s,
            echo.per_s,
            echo.p99_ms,
            fan.rss_per_socket_kb
        );
    }
    let (_, fan, echo) = &results[1];
    println!(
        "\nratios to the baseline: fan-out speed {:.2}x (time {:.2}x), deliveries/s {:.2}x, echo {:.2}x, memory per socket {:.2}x",
        base_fan.first_all_ms / fan.first_all_ms,
        fan.first_all_ms / base_fan.first_all_ms,
        fan.deliveries_per_s / base_fan.deliveries_per_s,
        echo.per_s / base_echo.per_s,
        fan.rss_per_socket_kb / base_fan.rss_per_socket_kb
    );
}
