//! A headless dashboard for benchmarks: joins the introspection socket and
//! reads every push, like `phoenix-dashboard` does, without drawing anything.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

/// The token benchmarks configure.
pub const TOKEN: &str = "bench";

/// Turns the dashboard on with [`TOKEN`] (what `[dashboard]` in a config does).
pub fn enable(config: &mut phoenix::config::Config) {
    config.dashboard.enabled = Some(true);
    config.dashboard.token = Some(TOKEN.into());
}

/// A joined dashboard connection reading pushes until dropped.
pub struct Watcher {
    /// Events received so far.
    pub events: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Joins the dashboard of the server at `addr` (with payloads if asked).
pub async fn attach(addr: SocketAddr, payloads: bool) -> Watcher {
    let url = format!("ws://{addr}/phoenix/dashboard/websocket?vsn=2.0.0");
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("the dashboard socket accepts");
    let join =
        json!(["1", "1", "phoenix:dashboard", "phx_join", {"token": TOKEN, "payloads": payloads}]);
    ws.send(Message::text(join.to_string())).await.unwrap();
    loop {
        if let Some(Ok(Message::Text(text))) = ws.next().await {
            let reply: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(reply[4]["status"], "ok", "dashboard join: {reply}");
            break;
        }
    }
    let events = Arc::new(AtomicU64::new(0));
    let counted = events.clone();
    let task = tokio::spawn(async move {
        let mut heartbeat = tokio::time::interval(Duration::from_secs(20));
        loop {
            tokio::select! {
                frame = ws.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        let push: Value = serde_json::from_str(&text).unwrap_or_default();
                        if push[3] == "events" {
                            let n = push[4]["events"].as_array().map_or(0, Vec::len);
                            counted.fetch_add(n as u64, Ordering::Relaxed);
                        }
                    }
                    Some(Ok(_)) => {}
                    _ => return,
                },
                _ = heartbeat.tick() => {
                    let beat = json!([null, "hb", "phoenix", "heartbeat", {}]).to_string();
                    if ws.send(Message::text(beat)).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    Watcher { events, task }
}
