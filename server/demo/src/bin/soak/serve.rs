//! The server: the demo as in production in a child process that samples
//! itself each second, and the parent's handle on it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use phoenix::observer::{
    ChannelJoined, ChannelLeft, Kind, Observer, SocketConnected, SocketDisconnected, SocketHandle,
};
use phoenix::prelude::*;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::ChildStdout;

use crate::procfs::Status;
use crate::sample::ServerSample;

/// A secret for the prod config (the demo refuses to start without one).
const SECRET: &str = "soak-secret-key-base-soak-secret-key-base-soak-secret-key-base-0123456789ab";

/// Follows the live sockets and joined channels, for the samples.
#[derive(Default)]
struct Follow {
    sockets: Mutex<HashMap<u64, SocketHandle>>,
    channels: AtomicI64,
}

impl Observer for Follow {
    fn wants(&self, kind: Kind) -> bool {
        kind.is_lifecycle()
    }

    fn socket_connected(&self, event: &SocketConnected<'_>) {
        let mut sockets = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        sockets.insert(event.socket.id(), event.socket.clone());
    }

    fn socket_disconnected(&self, event: &SocketDisconnected<'_>) {
        let mut sockets = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        sockets.remove(&event.socket.id());
    }

    fn channel_joined(&self, event: &ChannelJoined<'_>) {
        if event.ok {
            self.channels.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn channel_left(&self, _event: &ChannelLeft<'_>) {
        self.channels.fetch_sub(1, Ordering::Relaxed);
    }
}

fn take_sample(follow: &Follow, app: &phoenix::app::App) -> ServerSample {
    let metrics = tokio::runtime::Handle::current().metrics();
    let (sockets, out_queued, out_queue_max) = {
        let sockets = follow.sockets.lock().unwrap_or_else(|e| e.into_inner());
        let queues = sockets.values().map(SocketHandle::queue_len);
        let (total, max) = queues.fold((0, 0), |(t, m), q| (t + q, m.max(q)));
        (sockets.len(), total, max)
    };
    let topics = app.pubsub.topics();
    let presences = app
        .presence
        .topics()
        .iter()
        .map(|topic| {
            let list = app.presence.list(topic);
            list.as_object().map_or(0, |keys| {
                keys.values()
                    .map(|entry| entry["metas"].as_array().map_or(0, Vec::len))
                    .sum::<usize>()
            })
        })
        .sum::<usize>();
    let status = Status::read("self");
    ServerSample {
        rss_kb: status.get("VmRSS"),
        open_files: std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count()) as u64,
        threads: status.get("Threads"),
        tasks: metrics.num_alive_tasks() as u64,
        runtime_queue: metrics.global_queue_depth() as u64,
        sockets: sockets as u64,
        channels: follow.channels.load(Ordering::Relaxed).max(0) as u64,
        out_queued: out_queued as u64,
        out_queue_max: out_queue_max as u64,
        topics: topics.len() as u64,
        subscriptions: topics.iter().map(|(_, n)| *n as u64).sum(),
        presences: presences as u64,
    }
}

/// The child side: the demo with the prod config from the environment
/// (logging set up as the demo's `main` does); prints `ADDR host:port`,
/// then `SAMPLE {json}` each second until its stdin closes.
pub async fn run() {
    let mut config = Config::load(demo::app_root()).expect("the prod config");
    config.http.port = 0;
    let _logs = phoenix::endpoint::init_logging_for(&config);
    let repo = phoenix::db::Repo::start(&config)
        .await
        .expect("the database");
    let follow = Arc::new(Follow::default());
    let endpoint = demo::builder_with(config, repo)
        .expect("the demo's config")
        .observer(follow.clone())
        .build()
        .expect("the demo endpoint");
    demo::logger::start(endpoint.pubsub());
    let app = endpoint.app().clone();
    let listening = endpoint.listen().await.expect("listens");
    println!("ADDR {}", listening.http_addr);
    tokio::spawn(listening.run(std::future::pending()));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let sample = take_sample(&follow, &app);
            println!("SAMPLE {}", serde_json::to_string(&sample).unwrap());
        }
    });
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(_)) = stdin.next_line().await {}
}

/// The parent's handle on the server child.
pub struct Child {
    process: tokio::process::Child,
    samples: Lines<BufReader<ChildStdout>>,
    log: PathBuf,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Child {
    /// Starts `soak --serve` with the prod config: its database and log in
    /// `out`, logging at `level`.
    pub async fn spawn(out: &Path, level: &str) -> Child {
        let database = out.join("soak.sqlite3");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
        }
        let log = out.join("server.log");
        let mut process = tokio::process::Command::new(std::env::current_exe().unwrap())
            .arg("--serve")
            .env("PHX_ENV", "prod")
            .env("SECRET_KEY_BASE", SECRET)
            .env("PHX_LOG_LEVEL", level)
            .env("PHX_DATABASE__MIGRATE", "true")
            .env("DATABASE_URL", format!("sqlite://{}", database.display()))
            .stdout(std::process::Stdio::piped())
            .stdin(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("the server log"))
            .kill_on_drop(true)
            .spawn()
            .expect("starts the server");
        let mut samples = BufReader::new(process.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(Duration::from_secs(60), samples.next_line())
            .await
            .ok()
            .and_then(|line| line.ok().flatten())
            .unwrap_or_else(|| {
                panic!(
                    "the server did not start: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                )
            });
        let addr = line.trim_start_matches("ADDR ").parse().unwrap();
        Child {
            process,
            samples,
            log,
            addr,
        }
    }

    /// The server's next sample; `None` if none comes within `wait` or the
    /// server ended.
    pub async fn next_sample(&mut self, wait: Duration) -> Option<ServerSample> {
        loop {
            let line = tokio::time::timeout(wait, self.samples.next_line())
                .await
                .ok()?
                .ok()??;
            if let Some(json) = line.strip_prefix("SAMPLE ") {
                return serde_json::from_str(json).ok();
            }
        }
    }

    /// Drops the samples the server printed while nobody read them (while
    /// the clients connected), so that the next one is of now.
    pub async fn skip_queued(&mut self) {
        while let Ok(Ok(Some(_))) =
            tokio::time::timeout(Duration::from_millis(5), self.samples.next_line()).await
        {}
    }

    /// The last lines of the server's log.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Ends the server as a supervisor would (its stdin closes); killed
    /// after 30 s. What is left is its log.
    pub async fn stop(mut self) -> Log {
        drop(self.process.stdin.take());
        if tokio::time::timeout(Duration::from_secs(30), self.process.wait())
            .await
            .is_err()
        {
            let _ = self.process.kill().await;
        }
        Log(self.log)
    }
}

/// The log of a server that has stopped.
pub struct Log(PathBuf);

impl Log {
    /// Connections the server closed because their client did not read
    /// fast enough (its warnings).
    pub fn slow_consumers_closed(&self) -> usize {
        std::fs::read_to_string(&self.0)
            .unwrap_or_default()
            .matches("does not read fast enough")
            .count()
    }
}
