//! `--cluster`: one node against two nodes sharing Redis.

use super::*;

/// A `redis-server` child on a free port of 127.0.0.1 (no persistence).
pub async fn start_redis() -> (tokio::process::Child, String) {
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
pub async fn cluster(args: &Args) {
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
