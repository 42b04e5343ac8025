//! What the clients do to a server, and what is measured.

use super::room::{Room, Until};
use super::*;

pub struct FanOut {
    pub first_all_ms: f64,
    pub deliveries_per_s: f64,
    pub rss_per_socket_kb: f64,
}

/// Opens a room of `n` joined subscribers spread over `servers` in turn
/// (its sender on the first), and measures the resident memory per
/// subscriber of the first server, the process `pid`, once they are idle.
pub async fn joined_room(servers: &[SocketAddr], pid: u32, topic: &str, n: usize) -> (Room, f64) {
    let before = rss_kb(pid);
    let mut room = Room::open(servers[0], topic).await;
    room.grow(servers, n).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let on_first = n.div_ceil(servers.len());
    let per_socket = rss_kb(pid).saturating_sub(before) as f64 / on_first as f64;
    (room, per_socket)
}

/// Opens `n` joined sockets, measures memory, one broadcast, then a burst.
pub async fn fan_out(server: &Child, n: usize, burst: usize) -> FanOut {
    fan_out_on(&[server], n, burst).await
}

/// [`fan_out`] with the sockets spread over `servers` in turn (the sender,
/// and so every broadcast, on the first); memory is the first server's.
pub async fn fan_out_on(servers: &[&Child], n: usize, burst: usize) -> FanOut {
    let addrs: Vec<SocketAddr> = servers.iter().map(|s| s.addr).collect();
    let pid = servers[0].process.id().unwrap();
    let (mut room, rss_per_socket_kb) = joined_room(&addrs, pid, "room:fanout", n).await;
    // One broadcast: time until every socket has it (the sender included).
    let first = room.run(1, Until::Count(1)).await;
    // A burst, all sent at once: deliveries per second.
    let burst = room.run(burst, Until::Count(burst as u64)).await;
    FanOut {
        first_all_ms: first.quantile(0.5).as_secs_f64() * 1000.0,
        deliveries_per_s: burst.deliveries_per_s(),
        rss_per_socket_kb,
    }
}

/// `n` clients connect and join at the same moment: the time until the last
/// join is answered.
pub async fn mass_join(server: &Child, n: usize) -> Duration {
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
    let elapsed = start.elapsed();
    for mut ws in sockets {
        let _ = ws.close(None).await;
    }
    elapsed
}

/// What [`echo`] measured.
pub struct Echo {
    pub per_s: f64,
    pub p99_ms: f64,
    /// Server CPU time per round trip, in microseconds.
    pub cpu_us: f64,
}

/// `clients` joined clients each keep one push in flight for `seconds`
/// (measured after all have joined): round trips per second, p99, and the
/// server's CPU time per round trip.
pub async fn echo(server: &Child, clients: usize, seconds: u64) -> Echo {
    let joined = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let go = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let deadline = Arc::new(Mutex::new(Instant::now()));
    let mut tasks = Vec::new();
    for i in 0..clients {
        let (addr, joined, go) = (server.addr, joined.clone(), go.clone());
        let deadline = deadline.clone();
        tasks.push(tokio::spawn(async move {
            let mut ws = connect(addr, &format!("echo{i}")).await;
            join(&mut ws, "room:bench").await;
            joined.wait().await;
            go.wait().await;
            let deadline = *deadline.lock().unwrap();
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
    let pid = server.process.id().unwrap();
    // The clock (and the CPU count) starts once everyone has joined.
    joined.wait().await;
    let cpu = cpu_time(pid);
    *deadline.lock().unwrap() = Instant::now() + Duration::from_secs(seconds);
    go.wait().await;
    let start = Instant::now();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    let cpu = cpu_time(pid) - cpu;
    all.sort_unstable();
    let p99 = all
        .get(((all.len() as f64 - 1.0) * 0.99) as usize)
        .copied()
        .unwrap_or(0);
    Echo {
        per_s: all.len() as f64 / elapsed,
        p99_ms: p99 as f64 / 1000.0,
        cpu_us: cpu.as_secs_f64() * 1e6 / all.len().max(1) as f64,
    }
}
