//! Publish/subscribe between any parts of an application (the seed's
//! `Phoenix.PubSub`).
//!
//! ```
//! use phoenix::pubsub::PubSub;
//! use serde_json::json;
//!
//! # tokio_test_block_on(async {
//! let pubsub = PubSub::local();
//! let mut logging = pubsub.subscribe("logging");
//! pubsub.broadcast("logging", "action", json!({"controller": "pages", "action": "index"})).unwrap();
//! let message = logging.recv().await.unwrap();
//! assert_eq!(message.event, "action");
//! assert_eq!(message.payload.as_json().unwrap()["controller"], "pages");
//! # });
//! # fn tokio_test_block_on(f: impl std::future::Future) {
//! #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f);
//! # }
//! ```
//!
//! Delivery goes through an [`Adapter`]: [`LocalAdapter`] (in-process) by
//! default; an adapter for several processes publishes to the others and
//! hands what they publish to [`PubSub::dispatch_local`].
//!
//! Channels subscribe with their socket's writer (the "fast lane"): a
//! broadcast is encoded once per serializer and the same bytes go to every
//! subscribing socket, whatever their number.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use phoenix_protocol::{EncodeError, Frame, Message, Payload, Vsn};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::config::{Config, ConfigError, PubSubAdapterKind};
use crate::observer::{self, Kind, Observers};

pub mod redis;

/// Identifies one subscription (used by `broadcast_from` to skip the sender).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriberId(u64);

/// A broadcast payload that may not be sent (it must be a JSON object or binary).
#[derive(Debug, thiserror::Error)]
#[error("a broadcast payload must be a JSON object or binary, not {0}")]
pub struct InvalidPayload(pub String);

/// One published message, shared by every subscriber.
pub struct Broadcast {
    /// The topic.
    pub topic: String,
    /// The event.
    pub event: String,
    /// The payload (a JSON object or binary).
    pub payload: Payload,
    /// The subscriber that published it with `broadcast_from`, skipped on delivery.
    pub from: Option<SubscriberId>,
    /// Where it was published from, when not an ordinary publish (for observers).
    pub(crate) origin: Option<&'static str>,
    /// The node that published it, when another node did.
    pub(crate) source: Option<Arc<str>>,
    v1: OnceLock<Result<Arc<Frame>, EncodeError>>,
    v2: OnceLock<Result<Arc<Frame>, EncodeError>>,
}

impl std::fmt::Debug for Broadcast {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broadcast")
            .field("topic", &self.topic)
            .field("event", &self.event)
            .field("payload", &self.payload)
            .finish()
    }
}

static ENCODES: AtomicU64 = AtomicU64::new(0);

/// How many broadcast frames were encoded for the fast lane since the process
/// started (one per broadcast and serializer, however many subscribers).
pub fn fastlane_encodes() -> u64 {
    ENCODES.load(Ordering::Relaxed)
}

impl Broadcast {
    /// A broadcast message.
    pub fn new(topic: impl Into<String>, event: impl Into<String>, payload: Payload) -> Self {
        Broadcast {
            topic: topic.into(),
            event: event.into(),
            payload,
            from: None,
            origin: None,
            source: None,
            v1: OnceLock::new(),
            v2: OnceLock::new(),
        }
    }

    /// The node that published it when it came from another node (through
    /// the adapter); `None` when it was published on this one.
    pub fn source_node(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The frame `[null, null, topic, event, payload]` for a serializer,
    /// encoded on first use and shared afterwards.
    pub fn encoded(&self, vsn: Vsn) -> Result<Arc<Frame>, EncodeError> {
        let cell = match vsn {
            Vsn::V1 => &self.v1,
            Vsn::V2 => &self.v2,
        };
        cell.get_or_init(|| {
            ENCODES.fetch_add(1, Ordering::Relaxed);
            let message =
                Message::broadcast(self.topic.clone(), self.event.clone(), self.payload.clone());
            vsn.encode_to_client(&message).map(Arc::new)
        })
        .clone()
    }
}

/// Receives broadcasts for a subscription.
pub trait Subscriber: Send + Sync {
    /// Called for every broadcast on the topic (except its own `broadcast_from`).
    fn deliver(&self, broadcast: &Arc<Broadcast>);
}

/// Broadcasts one [`Subscription`] holds at most, unless
/// [`PubSub::subscribe_with_capacity`] says otherwise.
pub const SUBSCRIPTION_CAPACITY: usize = 1024;

struct MailboxSubscriber {
    tx: mpsc::Sender<Arc<Broadcast>>,
    missed: Arc<AtomicU64>,
}

impl Subscriber for MailboxSubscriber {
    fn deliver(&self, broadcast: &Arc<Broadcast>) {
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(broadcast.clone()) {
            if self.missed.fetch_add(1, Ordering::Relaxed) == 0 {
                tracing::warn!(
                    topic = %broadcast.topic,
                    capacity = self.tx.max_capacity(),
                    "a PubSub subscription is full: it misses broadcasts until it is read"
                );
            }
        }
    }
}

/// Carries broadcasts between processes (or stays in this one).
pub trait Adapter: Send + Sync {
    /// This node's name, unique among the processes sharing the PubSub.
    fn node(&self) -> &str;
    /// Publishes to every node, this one included (which calls
    /// `pubsub.dispatch_local`).
    fn publish(&self, pubsub: &PubSub, broadcast: Arc<Broadcast>);
    /// Called once the PubSub exists, to start receiving what other nodes
    /// publish (an adapter keeps a [`WeakPubSub`], so dropping the PubSub
    /// stops it).
    fn attach(&self, pubsub: &PubSub) {
        let _ = pubsub;
    }
    /// Whether other nodes may share this PubSub (presence then replicates
    /// its entries to them).
    fn distributed(&self) -> bool {
        false
    }
    /// How the link to the other nodes is doing.
    fn status(&self) -> AdapterStatus {
        AdapterStatus {
            adapter: "local",
            connected: true,
            ..AdapterStatus::default()
        }
    }
}

/// How an adapter's link to the other nodes is doing
/// ([`PubSub::adapter_status`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AdapterStatus {
    /// `local` or `redis`.
    pub adapter: &'static str,
    /// Whether broadcasts reach the other nodes right now.
    pub connected: bool,
    /// Outages since start (the link went down and came back, or is down).
    pub outages: u64,
    /// Broadcasts this node could not send to the other nodes (during an
    /// outage, or with its outgoing queue full); its own subscribers got them.
    pub lost: u64,
    /// Broadcasts sent to the other nodes.
    pub sent: u64,
    /// Broadcasts received from the other nodes.
    pub received: u64,
}

/// A handle that does not keep a [`PubSub`] alive (for adapters' tasks).
#[derive(Clone)]
pub struct WeakPubSub(std::sync::Weak<Inner>);

impl WeakPubSub {
    /// The PubSub, if it still exists.
    pub fn upgrade(&self) -> Option<PubSub> {
        self.0.upgrade().map(|inner| PubSub { inner })
    }
}

/// A node name unique among processes: the host, the process id and a
/// random suffix (a restarted process is a new node).
pub fn default_node_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into());
    format!(
        "{host}-{}-{:04x}",
        std::process::id(),
        rand::random::<u16>()
    )
}

/// The in-process adapter.
pub struct LocalAdapter {
    node: String,
}

impl Adapter for LocalAdapter {
    fn node(&self) -> &str {
        &self.node
    }

    fn publish(&self, pubsub: &PubSub, broadcast: Arc<Broadcast>) {
        pubsub.dispatch_local(&broadcast);
    }
}

type Subscribers = Vec<(SubscriberId, Arc<dyn Subscriber>)>;

#[derive(Default)]
struct Topics {
    by_topic: HashMap<String, Subscribers>,
}

struct Inner {
    topics: RwLock<Topics>,
    next_id: AtomicU64,
    adapter: Box<dyn Adapter>,
    /// The observers of the first endpoint that uses this PubSub.
    observers: OnceLock<Observers>,
}

/// A PubSub server; cloning gives another handle to the same one.
#[derive(Clone)]
pub struct PubSub {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PubSub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PubSub")
            .field("node", &self.node())
            .finish()
    }
}

impl Default for PubSub {
    fn default() -> Self {
        PubSub::local()
    }
}

impl PubSub {
    /// An in-process PubSub.
    pub fn local() -> Self {
        PubSub::with_adapter(LocalAdapter {
            node: default_node_name(),
        })
    }

    /// A PubSub over another adapter.
    pub fn with_adapter(adapter: impl Adapter + 'static) -> Self {
        let pubsub = PubSub {
            inner: Arc::new(Inner {
                topics: RwLock::new(Topics::default()),
                next_id: AtomicU64::new(1),
                adapter: Box::new(adapter),
                observers: OnceLock::new(),
            }),
        };
        pubsub.inner.adapter.attach(&pubsub);
        pubsub
    }

    /// The PubSub the `[pubsub]` configuration asks for: local, or on Redis
    /// (which must be called inside a tokio runtime; the link is made in the
    /// background and retried until the server answers).
    pub fn from_config(config: &Config) -> Result<PubSub, ConfigError> {
        let settings = &config.pubsub;
        let node = settings.node.clone().unwrap_or_else(default_node_name);
        match settings.adapter {
            PubSubAdapterKind::Local => Ok(PubSub::with_adapter(LocalAdapter { node })),
            PubSubAdapterKind::Redis => {
                let url = settings.url.as_deref().unwrap_or_default();
                let channel = settings
                    .channel
                    .clone()
                    .unwrap_or_else(|| format!("phx:{}", config.app_name));
                let adapter = redis::RedisAdapter::new(url, node, channel)
                    .map_err(|e| ConfigError(format!("key `pubsub.url`: {e}")))?;
                Ok(PubSub::with_adapter(adapter))
            }
        }
    }

    /// A handle that does not keep this PubSub alive.
    pub fn downgrade(&self) -> WeakPubSub {
        WeakPubSub(Arc::downgrade(&self.inner))
    }

    /// This node's name.
    pub fn node(&self) -> &str {
        self.inner.adapter.node()
    }

    /// Whether other nodes may share this PubSub.
    pub fn is_distributed(&self) -> bool {
        self.inner.adapter.distributed()
    }

    /// How the adapter's link to the other nodes is doing (outages and
    /// broadcasts lost during them are counted).
    pub fn adapter_status(&self) -> AdapterStatus {
        self.inner.adapter.status()
    }

    /// Subscribes the returned handle to `topic` (the seed's
    /// `PubSub.subscribe(self, "foo")`); dropping it unsubscribes. It holds
    /// [`SUBSCRIPTION_CAPACITY`] unread broadcasts; more are missed and
    /// counted ([`Subscription::missed`]), so a reader that stops reading
    /// never grows memory.
    pub fn subscribe(&self, topic: &str) -> Subscription {
        self.subscribe_with_capacity(topic, SUBSCRIPTION_CAPACITY)
    }

    /// [`PubSub::subscribe`] holding at most `capacity` unread broadcasts.
    pub fn subscribe_with_capacity(&self, topic: &str, capacity: usize) -> Subscription {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let missed = Arc::new(AtomicU64::new(0));
        let subscriber = MailboxSubscriber {
            tx,
            missed: missed.clone(),
        };
        let id = self.subscribe_with(topic, Arc::new(subscriber));
        Subscription {
            id,
            topic: topic.to_string(),
            pubsub: self.clone(),
            rx,
            missed,
        }
    }

    /// Subscribes a custom subscriber (channels use this for the fast lane).
    pub fn subscribe_with(&self, topic: &str, subscriber: Arc<dyn Subscriber>) -> SubscriberId {
        let id = SubscriberId(self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let mut topics = self.inner.topics.write().unwrap_or_else(|e| e.into_inner());
        topics
            .by_topic
            .entry(topic.to_string())
            .or_default()
            .push((id, subscriber));
        id
    }

    /// Removes a subscription.
    pub fn unsubscribe(&self, topic: &str, id: SubscriberId) {
        let mut topics = self.inner.topics.write().unwrap_or_else(|e| e.into_inner());
        if let Some(list) = topics.by_topic.get_mut(topic) {
            list.retain(|(sub, _)| *sub != id);
            if list.is_empty() {
                topics.by_topic.remove(topic);
            }
        }
    }

    /// Reports broadcasts to these observers (the first endpoint's).
    pub(crate) fn observe(&self, observers: Observers) {
        let _ = self.inner.observers.set(observers);
    }

    /// Every topic with subscribers on this node, and their number.
    pub fn topics(&self) -> Vec<(String, usize)> {
        let topics = self.inner.topics.read().unwrap_or_else(|e| e.into_inner());
        topics
            .by_topic
            .iter()
            .map(|(topic, list)| (topic.clone(), list.len()))
            .collect()
    }

    /// The number of subscribers of a topic on this node.
    pub fn subscriber_count(&self, topic: &str) -> usize {
        let topics = self.inner.topics.read().unwrap_or_else(|e| e.into_inner());
        topics.by_topic.get(topic).map_or(0, Vec::len)
    }

    fn make(
        topic: &str,
        event: &str,
        payload: impl Serialize,
    ) -> Result<Broadcast, InvalidPayload> {
        let payload = Payload::from_serialize(&payload).map_err(|e| InvalidPayload(e.0))?;
        if !payload.is_pushable() {
            let kind = match &payload {
                Payload::Json(Value::Array(_)) => "an array",
                Payload::Json(Value::String(_)) => "a string",
                Payload::Json(Value::Number(_)) => "a number",
                Payload::Json(Value::Bool(_)) => "a boolean",
                Payload::Json(Value::Null) => "null",
                _ => "this payload",
            };
            return Err(InvalidPayload(kind.into()));
        }
        Ok(Broadcast::new(topic, event, payload))
    }

    /// Publishes to every subscriber of `topic` on every node; the payload is
    /// any serializable value that is a JSON object, or binary.
    pub fn broadcast(
        &self,
        topic: &str,
        event: &str,
        payload: impl Serialize,
    ) -> Result<(), InvalidPayload> {
        let message = PubSub::make(topic, event, payload)?;
        self.inner.adapter.publish(self, Arc::new(message));
        Ok(())
    }

    /// Publishes to every subscriber but `from`.
    pub fn broadcast_from(
        &self,
        from: SubscriberId,
        topic: &str,
        event: &str,
        payload: impl Serialize,
    ) -> Result<(), InvalidPayload> {
        let mut message = PubSub::make(topic, event, payload)?;
        message.from = Some(from);
        self.inner.adapter.publish(self, Arc::new(message));
        Ok(())
    }

    /// Publishes a broadcast that observers see coming from `origin`.
    pub(crate) fn broadcast_with_origin(
        &self,
        origin: &'static str,
        topic: &str,
        event: &str,
        payload: impl Serialize,
    ) -> Result<(), InvalidPayload> {
        let mut message = PubSub::make(topic, event, payload)?;
        message.origin = Some(origin);
        self.inner.adapter.publish(self, Arc::new(message));
        Ok(())
    }

    /// Publishes to the subscribers on this node only.
    pub fn local_broadcast(
        &self,
        topic: &str,
        event: &str,
        payload: impl Serialize,
    ) -> Result<(), InvalidPayload> {
        let message = PubSub::make(topic, event, payload)?;
        self.dispatch_local(&Arc::new(message));
        Ok(())
    }

    /// Delivers a broadcast to this node's subscribers (adapters call this).
    pub fn dispatch_local(&self, broadcast: &Arc<Broadcast>) {
        let subscribers: Vec<Arc<dyn Subscriber>> = {
            let topics = self.inner.topics.read().unwrap_or_else(|e| e.into_inner());
            match topics.by_topic.get(&broadcast.topic) {
                Some(list) => list
                    .iter()
                    .filter(|(id, _)| Some(*id) != broadcast.from)
                    .map(|(_, s)| s.clone())
                    .collect(),
                None => Vec::new(),
            }
        };
        if let Some(observers) = self.inner.observers.get() {
            observers.each(Kind::Broadcast, |o| {
                o.broadcast(&observer::Broadcast {
                    broadcast,
                    subscribers: subscribers.len(),
                })
            });
        }
        for subscriber in subscribers {
            subscriber.deliver(broadcast);
        }
    }
}

/// A subscription made with [`PubSub::subscribe`].
pub struct Subscription {
    id: SubscriberId,
    topic: String,
    pubsub: PubSub,
    rx: mpsc::Receiver<Arc<Broadcast>>,
    missed: Arc<AtomicU64>,
}

impl Subscription {
    /// The next broadcast; `None` once the PubSub is gone.
    pub async fn recv(&mut self) -> Option<Arc<Broadcast>> {
        self.rx.recv().await
    }

    /// This subscription's id.
    pub fn id(&self) -> SubscriberId {
        self.id
    }

    /// Broadcasts missed because the subscription was full.
    pub fn missed(&self) -> u64 {
        self.missed.load(Ordering::Relaxed)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.pubsub.unsubscribe(&self.topic, self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn subscribers_get_broadcasts_and_broadcast_from_skips_the_sender() {
        let pubsub = PubSub::local();
        let mut a = pubsub.subscribe("t");
        let mut b = pubsub.subscribe("t");
        pubsub.broadcast("t", "e", json!({"n": 1})).unwrap();
        assert_eq!(a.recv().await.unwrap().event, "e");
        assert_eq!(b.recv().await.unwrap().event, "e");
        pubsub
            .broadcast_from(a.id(), "t", "from_a", json!({}))
            .unwrap();
        assert_eq!(b.recv().await.unwrap().event, "from_a");
        pubsub.local_broadcast("t", "last", json!({})).unwrap();
        assert_eq!(a.recv().await.unwrap().event, "last", "a skipped from_a");
    }

    #[test]
    fn s31_non_object_payloads_are_refused() {
        let pubsub = PubSub::local();
        assert!(pubsub.broadcast("t", "e", json!([1])).is_err());
        assert!(pubsub.broadcast("t", "e", json!("text")).is_err());
        assert!(pubsub.broadcast("t", "e", Payload::Binary(vec![1])).is_ok());
    }

    #[tokio::test]
    async fn a_full_subscription_misses_and_counts_instead_of_growing() {
        let pubsub = PubSub::local();
        let mut sub = pubsub.subscribe_with_capacity("t", 3);
        for n in 0..10 {
            pubsub.broadcast("t", "e", json!({ "n": n })).unwrap();
        }
        assert_eq!(sub.missed(), 7);
        for n in 0..3 {
            let got = sub.recv().await.unwrap();
            assert_eq!(got.payload.as_json().unwrap()["n"], n);
        }
        pubsub.broadcast("t", "e", json!({ "n": 10 })).unwrap();
        assert_eq!(
            sub.recv().await.unwrap().payload.as_json().unwrap()["n"],
            10
        );
        assert_eq!(sub.missed(), 7);
    }

    #[test]
    fn dropping_a_subscription_unsubscribes() {
        let pubsub = PubSub::local();
        let sub = pubsub.subscribe("t");
        assert_eq!(pubsub.subscriber_count("t"), 1);
        drop(sub);
        assert_eq!(pubsub.subscriber_count("t"), 0);
    }

    #[test]
    fn a_broadcast_is_encoded_once_per_serializer() {
        let message = Broadcast::new("t", "e", json!({"a": 1}).into());
        let first = message.encoded(Vsn::V2).unwrap();
        let second = message.encoded(Vsn::V2).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(*first, Frame::Text(r#"[null,null,"t","e",{"a":1}]"#.into()));
    }
}
