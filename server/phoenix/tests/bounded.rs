//! Bounded everywhere (decision 6): a client flooding a slow channel and a
//! PubSub subscriber that never reads cost a bounded amount of memory. Each
//! test measures the process's resident memory before and after, so the
//! tests of this file run one at a time.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use phoenix::channel::{Channel, ChannelSocket, JoinResult, Reply};
use phoenix::prelude::*;
use phoenix::protocol::Payload;
use phoenix::pubsub::PubSub;
use phoenix::socket::{ChannelRoutes, ConnectError, ConnectInfo, Socket, SocketLimits};
use serde::Deserialize;
use serde_json::{json, Value};
use support::{ErrorView, TempApp};
use tokio_tungstenite::tungstenite::Message;

/// Memory figures are per process: one test at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Resident memory of this process, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS");
    kb * 1024
}

const MB: u64 = 1024 * 1024;

#[derive(Default)]
pub struct FloodSocket;

impl Socket for FloodSocket {
    type Assigns = ();

    fn channels(&self, routes: &mut ChannelRoutes<()>) {
        routes.channel::<SlowChannel>("slow:*");
    }

    async fn connect(&self, _params: &Params, _info: &ConnectInfo) -> Result<(), ConnectError> {
        Ok(())
    }

    fn limits(&self) -> SocketLimits {
        SocketLimits {
            channel_mailbox: 16,
            ..SocketLimits::default()
        }
    }
}

/// The events of the slow channel.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlowIn {
    /// Takes 50 ms.
    Slow(Payload),
    /// Answered at once.
    Ping(Payload),
}

#[derive(Default)]
pub struct SlowChannel;

impl Channel for SlowChannel {
    type Assigns = ();
    type In = SlowIn;
    type Info = ();

    async fn join(&mut self, _: &str, _: Payload, _: &mut ChannelSocket<Self>) -> JoinResult {
        Ok(Payload::empty())
    }

    async fn handle_in(&mut self, event: SlowIn, _: &mut ChannelSocket<Self>) -> Reply {
        match event {
            SlowIn::Slow(payload) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Reply::ok(payload)
            }
            SlowIn::Ping(payload) => Reply::ok(payload),
        }
    }
}

mod app {
    phoenix::router! {
        socket "/socket", super::FloodSocket;
    }
}

async fn server(dir: &TempApp) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let endpoint = Endpoint::builder(dir.config(), app::router())
        .view(ErrorView)
        .build()
        .unwrap();
    support::listen(endpoint).await
}

/// Waits for a frame that `wanted` accepts, reading past the others.
async fn wait_for(
    frames: &mut tokio::sync::mpsc::UnboundedReceiver<Value>,
    what: &str,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match tokio::time::timeout_at(deadline, frames.recv()).await {
            Ok(Some(frame)) if wanted(&frame) => return frame,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the connection closed while waiting for {what}"),
            Err(_) => panic!("no {what} within 30 s"),
        }
    }
}

#[tokio::test]
async fn a_client_flooding_a_slow_channel_stops_that_channel_only_in_bounded_memory() {
    let _one = ONE_AT_A_TIME.lock().await;
    let dir = TempApp::new(&[]);
    let (addr, _stop) = server(&dir).await;
    let url = format!("ws://{addr}/socket/websocket?vsn=2.0.0");
    let (stream, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let (mut sink, mut stream) = stream.split();
    // Every frame the server sends, read as fast as it comes.
    let (tx, mut frames) = tokio::sync::mpsc::unbounded_channel::<Value>();
    tokio::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            if let Message::Text(text) = message {
                let frame: Value = serde_json::from_str(&text).unwrap();
                // Errors for the stopped topic are many and of no interest.
                if frame[4]["response"]["reason"] != "unmatched topic" {
                    let _ = tx.send(frame);
                }
            }
        }
    });
    for (r, topic) in [("1", "slow:flooded"), ("2", "slow:calm")] {
        let join = json!([r, r, topic, "phx_join", {}]).to_string();
        sink.send(Message::text(join)).await.unwrap();
        let reply = wait_for(&mut frames, "the join reply", |f| f[1] == r).await;
        assert_eq!(reply[4]["status"], "ok", "{reply}");
    }

    let before = rss();
    // 1,000 pushes of 40 KB (40 MB) at a handler that takes 50 ms each: an
    // unbounded mailbox would hold nearly all of them. (Fewer than the
    // socket's outbound queue, so the error replies to the pushes that come
    // after the channel stopped never make the client a slow reader.)
    let pad = "x".repeat(40 * 1024);
    for n in 0..1_000u32 {
        let push = json!(["1", n.to_string(), "slow:flooded", "slow", {"pad": pad}]);
        sink.send(Message::text(push.to_string())).await.unwrap();
    }
    let error = wait_for(&mut frames, "phx_error on the flooded topic", |f| {
        f[2] == "slow:flooded" && f[3] == "phx_error"
    })
    .await;
    assert_eq!(error[0], "1", "{error}");
    let grown = rss().saturating_sub(before);

    // The socket and its other channel go on.
    let ping = json!(["2", "ping", "slow:calm", "ping", {"still": "here"}]);
    sink.send(Message::text(ping.to_string())).await.unwrap();
    let reply = wait_for(&mut frames, "the calm channel's reply", |f| f[1] == "ping").await;
    assert_eq!(reply[4]["response"]["still"], "here", "{reply}");
    // The flooded topic can be joined again.
    let rejoin = json!(["3", "3", "slow:flooded", "phx_join", {}]).to_string();
    sink.send(Message::text(rejoin)).await.unwrap();
    let reply = wait_for(&mut frames, "the rejoin reply", |f| f[1] == "3").await;
    assert_eq!(reply[4]["status"], "ok", "{reply}");

    println!(
        "resident memory grew by {:.1} MB during a 40 MB flood",
        grown as f64 / MB as f64
    );
    assert!(
        grown < 16 * MB,
        "resident memory grew by {grown} bytes during the flood"
    );
}

#[tokio::test]
async fn a_subscriber_that_never_reads_misses_broadcasts_in_bounded_memory() {
    let _one = ONE_AT_A_TIME.lock().await;
    let pubsub = PubSub::local();
    let idle = pubsub.subscribe("news");
    let mut reader = pubsub.subscribe("news");
    let pad = "y".repeat(1024);
    // Warm up the allocator with what a bounded subscription holds.
    for n in 0..2048 {
        pubsub
            .broadcast("news", "item", json!({"n": n, "pad": pad}))
            .unwrap();
        reader.recv().await.unwrap();
    }
    let before = rss();
    // 100,000 broadcasts of 1 KB (100 MB) that `idle` never reads.
    for n in 0..100_000 {
        pubsub
            .broadcast("news", "item", json!({"n": n, "pad": pad}))
            .unwrap();
        let got = reader.recv().await.unwrap();
        assert_eq!(got.payload.as_json().unwrap()["n"], n);
    }
    let grown = rss().saturating_sub(before);
    assert_eq!(
        idle.missed(),
        2048 + 100_000 - phoenix::pubsub::SUBSCRIPTION_CAPACITY as u64
    );
    assert_eq!(reader.missed(), 0, "a reader that keeps up misses nothing");
    println!(
        "resident memory grew by {:.1} MB during 100 MB of broadcasts",
        grown as f64 / MB as f64
    );
    assert!(grown < 16 * MB, "resident memory grew by {grown} bytes");
}
