//! The load side: server child processes and the clients that talk to them.

use super::*;

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Child {
    pub process: tokio::process::Child,
    pub addr: SocketAddr,
}

impl Child {
    /// Ends the server the way it ends itself (its stdin closes), so a tool
    /// wrapping it (BENCH_SERVER_WRAPPER) can write its report; killed after
    /// a minute.
    pub async fn stop(mut self) {
        drop(self.process.stdin.take());
        if tokio::time::timeout(Duration::from_secs(60), self.process.wait())
            .await
            .is_err()
        {
            let _ = self.process.kill().await;
        }
    }
}

pub async fn spawn_server(kind: &str) -> Child {
    spawn_server_with(kind, &[]).await
}

/// A server child process with extra environment variables (the demo reads
/// `PHX_*` settings from them).
pub async fn spawn_server_with(kind: &str, env: &[(&str, String)]) -> Child {
    // BENCH_SERVER_WRAPPER runs each server under a tool, e.g.
    // `valgrind --tool=massif` or `perf record -F 999 -o demo.perf --`.
    let wrapper = std::env::var("BENCH_SERVER_WRAPPER").unwrap_or_default();
    let mut words = wrapper.split_whitespace();
    let exe = std::env::current_exe().unwrap();
    let mut command = match words.next() {
        Some(tool) => {
            let mut command = tokio::process::Command::new(tool);
            command.args(words).arg(exe);
            command
        }
        None => tokio::process::Command::new(exe),
    };
    let mut process = command
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

/// Resident memory of process `pid`, in KB.
pub fn rss_kb(pid: u32) -> u64 {
    crate::procfs::Status::read(&pid.to_string()).get("VmRSS")
}

pub async fn connect(addr: SocketAddr, user: &str) -> Ws {
    let url = format!("ws://{addr}/socket/websocket?vsn=2.0.0&user={user}");
    for _ in 0..20 {
        if let Ok((ws, _)) = tokio_tungstenite::connect_async(&url).await {
            return ws;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("cannot connect to {url}");
}

pub async fn recv_json(ws: &mut Ws) -> Value {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(_)) => continue,
            other => panic!("connection ended: {other:?}"),
        }
    }
}

pub async fn join(ws: &mut Ws, topic: &str) {
    ws.send(Message::text(
        json!(["1", "1", topic, "phx_join", {}]).to_string(),
    ))
    .await
    .unwrap();
    let reply = recv_json(ws).await;
    assert_eq!(reply[4]["status"], "ok", "{reply}");
}

/// CPU time (user and system) the process `pid` has used so far.
pub fn cpu_time(pid: u32) -> Duration {
    // Fields 14 and 15 of /proc/PID/stat, in clock ticks (USER_HZ, 100 on
    // Linux for every architecture this runs on); the name in field 2 may
    // hold spaces, so count from the closing parenthesis.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // After the name: state is index 0, utime index 11, stime index 12.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}
