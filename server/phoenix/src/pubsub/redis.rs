//! The Redis adapter: several nodes share broadcasts through one Redis
//! channel (`[pubsub] adapter = "redis"`), as `phoenix_pubsub_redis` does.
//!
//! A broadcast is delivered to this node's subscribers at once, then queued
//! for Redis; every node receives it from the channel and delivers it to its
//! own subscribers, skipping what it published itself, so each subscriber of
//! each node gets it exactly once and the fan-out on every node stays local
//! (one encoding per serializer).
//!
//! When Redis goes away, each node keeps serving its own subscribers, logs
//! the outage, counts the broadcasts it could not send
//! ([`crate::pubsub::AdapterStatus::lost`]), reconnects with backoff and
//! subscribes again; delivery between nodes resumes when Redis is back.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures_util::StreamExt;
use phoenix_protocol::Payload;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;

use super::{Adapter, AdapterStatus, Broadcast, PubSub, WeakPubSub};

/// Broadcasts waiting to be sent to Redis; beyond this they are counted as
/// lost (a stalled link never grows memory without bound).
const QUEUE: usize = 16_384;
/// The first wait before reconnecting; it doubles up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// The longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How long connecting and each command may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// One broadcast on the wire between nodes.
#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    /// The node that published it.
    #[serde(borrow)]
    n: std::borrow::Cow<'a, str>,
    /// Topic.
    t: std::borrow::Cow<'a, str>,
    /// Event.
    e: std::borrow::Cow<'a, str>,
    /// A JSON payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    j: Option<Value>,
    /// A binary payload, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    b: Option<String>,
}

fn encode(node: &str, broadcast: &Broadcast) -> Option<Vec<u8>> {
    let (j, b) = match &broadcast.payload {
        Payload::Json(value) => (Some(value.clone()), None),
        Payload::Binary(bytes) => (None, Some(STANDARD.encode(bytes))),
        // Replies are never broadcast.
        Payload::BinaryReply { .. } => return None,
    };
    serde_json::to_vec(&Envelope {
        n: node.into(),
        t: broadcast.topic.as_str().into(),
        e: broadcast.event.as_str().into(),
        j,
        b,
    })
    .ok()
}

/// The broadcast in `bytes`, unless this node published it.
fn decode(node: &str, bytes: &[u8]) -> Result<Option<Broadcast>, String> {
    let envelope: Envelope<'_> = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if envelope.n == node {
        return Ok(None);
    }
    let payload = match (envelope.j, envelope.b) {
        (Some(json), None) => Payload::Json(json),
        (None, Some(b64)) => Payload::Binary(STANDARD.decode(b64).map_err(|e| e.to_string())?),
        _ => return Err("a broadcast needs one payload, JSON or binary".into()),
    };
    let mut broadcast = Broadcast::new(envelope.t.into_owned(), envelope.e.into_owned(), payload);
    broadcast.source = Some(Arc::from(envelope.n.as_ref()));
    Ok(Some(broadcast))
}

#[derive(Default)]
struct Counters {
    /// Whether the subscribing link is up.
    receiving: AtomicBool,
    /// Whether the publishing link is up.
    sending: AtomicBool,
    outages: AtomicU64,
    lost: AtomicU64,
    sent: AtomicU64,
    received: AtomicU64,
    /// Whether a link failed before it was ever up (said once).
    unreachable_said: AtomicBool,
}

impl Counters {
    /// Marks one side of the link down; logs and counts the outage when the
    /// link was up.
    fn down(&self, side: &AtomicBool, what: &str, err: &dyn std::fmt::Display) {
        let was_up = side.swap(false, Ordering::SeqCst);
        if !was_up && !self.unreachable_said.swap(true, Ordering::SeqCst) {
            self.outages.fetch_add(1, Ordering::Relaxed);
            tracing::error!(
                "pubsub: Redis link down ({what}: {err}), cannot reach Redis yet; serving \
                 this node's subscribers only, counting broadcasts not sent, retrying"
            );
        }
        if was_up {
            self.unreachable_said.store(true, Ordering::SeqCst);
            self.outages.fetch_add(1, Ordering::Relaxed);
            tracing::error!(
                "pubsub: Redis link down ({what}: {err}); serving this node's subscribers \
                 only, counting broadcasts not sent, reconnecting"
            );
        }
    }

    fn up(&self, side: &AtomicBool, what: &str) {
        if !side.swap(true, Ordering::SeqCst) {
            tracing::info!(
                lost = self.lost.load(Ordering::Relaxed),
                "pubsub: Redis link up ({what})"
            );
        }
    }
}

/// The Redis adapter (see the module documentation).
pub struct RedisAdapter {
    node: String,
    channel: String,
    client: redis::Client,
    tx: mpsc::Sender<Vec<u8>>,
    rx: Mutex<Option<mpsc::Receiver<Vec<u8>>>>,
    counters: Arc<Counters>,
}

impl RedisAdapter {
    /// An adapter for the Redis server at `url` (`redis://host:port/db`),
    /// naming this node `node` and sharing `channel` with the other nodes.
    /// Nothing connects until the PubSub is made with it.
    pub fn new(url: &str, node: String, channel: String) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("{url:?}: {e}"))?;
        let (tx, rx) = mpsc::channel(QUEUE);
        Ok(RedisAdapter {
            node,
            channel,
            client,
            tx,
            rx: Mutex::new(Some(rx)),
            counters: Arc::new(Counters::default()),
        })
    }

    /// The Redis channel the nodes share.
    pub fn channel(&self) -> &str {
        &self.channel
    }
}

impl Adapter for RedisAdapter {
    fn node(&self) -> &str {
        &self.node
    }

    fn publish(&self, pubsub: &PubSub, broadcast: Arc<Broadcast>) {
        pubsub.dispatch_local(&broadcast);
        let Some(bytes) = encode(&self.node, &broadcast) else {
            return;
        };
        if self.tx.try_send(bytes).is_err()
            && self
                .counters
                .lost
                .fetch_add(1, Ordering::Relaxed)
                .is_multiple_of(1000)
        {
            tracing::warn!(
                "pubsub: the queue to Redis is full ({QUEUE}); broadcasts to other nodes are lost"
            );
        }
    }

    fn attach(&self, pubsub: &PubSub) {
        let Some(rx) = self.rx.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!(
                "pubsub: the Redis adapter needs a tokio runtime; broadcasts stay on this node"
            );
            return;
        };
        runtime.spawn(send_loop(
            self.client.clone(),
            self.channel.clone(),
            rx,
            self.counters.clone(),
        ));
        runtime.spawn(receive_loop(
            self.client.clone(),
            self.channel.clone(),
            self.node.clone(),
            pubsub.downgrade(),
            self.counters.clone(),
        ));
    }

    fn distributed(&self) -> bool {
        true
    }

    fn status(&self) -> AdapterStatus {
        let c = &self.counters;
        AdapterStatus {
            adapter: "redis",
            connected: c.sending.load(Ordering::SeqCst) && c.receiving.load(Ordering::SeqCst),
            outages: c.outages.load(Ordering::Relaxed),
            lost: c.lost.load(Ordering::Relaxed),
            sent: c.sent.load(Ordering::Relaxed),
            received: c.received.load(Ordering::Relaxed),
        }
    }
}

fn connection_config() -> redis::AsyncConnectionConfig {
    redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(TIMEOUT))
        .set_response_timeout(Some(TIMEOUT))
}

/// Sends queued broadcasts to Redis; while the link is down, what is queued
/// is counted as lost (and the subscribers of this node already had it).
async fn send_loop(
    client: redis::Client,
    channel: String,
    mut rx: mpsc::Receiver<Vec<u8>>,
    counters: Arc<Counters>,
) {
    let mut connection: Option<redis::aio::MultiplexedConnection> = None;
    let mut backoff = MIN_BACKOFF;
    let mut retry_at = tokio::time::Instant::now();
    loop {
        // Connect at once, and again after each failure once its backoff
        // has passed, whether or not anything waits to be sent (so the
        // status says when the link is back).
        if connection.is_none() && tokio::time::Instant::now() >= retry_at {
            match client
                .get_multiplexed_async_connection_with_config(&connection_config())
                .await
            {
                Ok(conn) => {
                    connection = Some(conn);
                    backoff = MIN_BACKOFF;
                    counters.up(&counters.sending, "publishing");
                }
                Err(err) => {
                    counters.down(&counters.sending, "publishing", &err);
                    retry_at = tokio::time::Instant::now() + backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        let next = if connection.is_none() {
            tokio::select! {
                next = rx.recv() => next,
                _ = tokio::time::sleep_until(retry_at) => continue,
            }
        } else {
            rx.recv().await
        };
        let Some(bytes) = next else {
            // The adapter is gone.
            return;
        };
        let Some(conn) = connection.as_mut() else {
            counters.lost.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let result: redis::RedisResult<i64> = redis::cmd("PUBLISH")
            .arg(&channel)
            .arg(bytes)
            .query_async(conn)
            .await;
        match result {
            Ok(_) => {
                counters.sent.fetch_add(1, Ordering::Relaxed);
            }
            Err(err) => {
                counters.lost.fetch_add(1, Ordering::Relaxed);
                counters.down(&counters.sending, "publishing", &err);
                connection = None;
                retry_at = tokio::time::Instant::now() + backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Receives what the other nodes publish and delivers it here; subscribes
/// again after every outage, until the PubSub is dropped.
async fn receive_loop(
    client: redis::Client,
    channel: String,
    node: String,
    pubsub: WeakPubSub,
    counters: Arc<Counters>,
) {
    let mut backoff = MIN_BACKOFF;
    loop {
        if pubsub.upgrade().is_none() {
            return;
        }
        let subscribed = async {
            let mut link = tokio::time::timeout(TIMEOUT, client.get_async_pubsub())
                .await
                .map_err(|_| "timed out connecting".to_string())?
                .map_err(|e| e.to_string())?;
            tokio::time::timeout(TIMEOUT, link.subscribe(&channel))
                .await
                .map_err(|_| "timed out subscribing".to_string())?
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(link)
        }
        .await;
        let link = match subscribed {
            Ok(link) => link,
            Err(err) => {
                counters.down(&counters.receiving, "subscribing", &err);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        };
        backoff = MIN_BACKOFF;
        counters.up(&counters.receiving, "subscribed");
        let mut messages = link.into_on_message();
        while let Some(message) = messages.next().await {
            let Some(pubsub) = pubsub.upgrade() else {
                return;
            };
            match decode(&node, message.get_payload_bytes()) {
                Ok(Some(broadcast)) => {
                    counters.received.fetch_add(1, Ordering::Relaxed);
                    pubsub.dispatch_local(&Arc::new(broadcast));
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!("pubsub: a message on {channel} is not a broadcast: {err}")
                }
            }
        }
        counters.down(&counters.receiving, "subscribed", &"the connection closed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes_round_trip_and_skip_their_own_node() {
        let json = Broadcast::new("room:1", "new_msg", Payload::Json(json!({"body": "hi"})));
        let bytes = encode("a", &json).unwrap();
        assert!(decode("a", &bytes).unwrap().is_none());
        let got = decode("b", &bytes).unwrap().unwrap();
        assert_eq!(
            (got.topic.as_str(), got.event.as_str()),
            ("room:1", "new_msg")
        );
        assert_eq!(got.payload.as_json().unwrap()["body"], "hi");
        assert_eq!(got.source_node(), Some("a"));

        let binary = Broadcast::new("t", "bin", Payload::Binary(vec![0, 1, 255]));
        let got = decode("b", &encode("a", &binary).unwrap())
            .unwrap()
            .unwrap();
        assert!(matches!(got.payload, Payload::Binary(ref b) if b == &[0, 1, 255]));
        assert!(decode("b", b"not json").is_err());
    }
}
