//! What the clients do to a server, and what is measured.

use super::*;

pub struct FanOut {
    pub first_all_ms: f64,
    pub deliveries_per_s: f64,
    pub rss_per_socket_kb: f64,
}

/// Opens `n` joined sockets, measures memory, one broadcast, then a burst.
pub async fn fan_out(server: &Child, n: usize, burst: usize) -> FanOut {
    fan_out_on(&[server], n, burst).await
}

/// [`fan_out`] with the sockets spread over `servers` in turn (the sender,
/// and so every broadcast, on the first); memory is the first server's.
pub async fn fan_out_on(servers: &[&Child], n: usize, burst: usize) -> FanOut {
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
