//! Presence: who is on a topic, with metadata per connection.
//!
//! A channel tracks its client under a key with a meta map; the tracker adds a
//! unique `phx_ref`. Every change is broadcast on the topic as
//! `presence_diff` `{joins, leaves}`, and entries disappear when their channel
//! stops. Lists are maps `key → {"metas": [...]}`, the shape Phoenix's
//! clients expect (spec section 8).
//!
//! With a distributed PubSub (the Redis adapter), presence spans the nodes
//! as Phoenix.Tracker does: each node owns its entries and sends the others
//! a delta for each change and a heartbeat every `presence.heartbeat_ms`;
//! each node keeps a replica of the others' entries (asking for a whole
//! state when it is new or missed a change) and removes the entries of a
//! node silent for `presence.down_period_ms`. `list` and the diffs each node
//! sends its clients include the users of every node; the same key on two
//! nodes is one key with the metas of both.
//!
//! ```
//! use phoenix::presence::Presence;
//! use phoenix::pubsub::PubSub;
//! use serde_json::json;
//!
//! let presence = Presence::new(PubSub::local());
//! let entry = presence.track("room:lobby", "alice", json!({"device": "web"}));
//! let list = presence.list("room:lobby");
//! assert_eq!(list["alice"]["metas"][0]["device"], "web");
//! presence.untrack(&entry);
//! assert!(presence.list("room:lobby").as_object().unwrap().is_empty());
//! ```

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde_json::{json, Map, Value};

use crate::config::PresenceConfig;
use crate::pubsub::{Broadcast, PubSub, Subscriber};

mod tracker;

use tracker::{Diff, Effects, Message, NodeState, Replicas};

/// The diff event name.
pub const DIFF_EVENT: &str = "presence_diff";
/// The state event name.
pub const STATE_EVENT: &str = "presence_state";

/// A tracked entry, to untrack or update it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    topic: String,
    key: String,
    id: u64,
}

struct Entry {
    id: u64,
    meta: Map<String, Value>,
}

type Keys = BTreeMap<String, Vec<Entry>>;

/// This node's own entries.
#[derive(Default)]
struct Own {
    topics: HashMap<String, Keys>,
    /// Changes made so far (the other nodes apply them in this order).
    seq: u64,
}

/// What a node of a cluster keeps of the others.
struct Cluster {
    node: String,
    /// This run of the node (a restarted node is told apart from its
    /// previous run).
    incarnation: u64,
    replicas: Mutex<Replicas>,
    started: Instant,
}

impl Cluster {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

struct Inner {
    pubsub: PubSub,
    own: Mutex<Own>,
    next: AtomicU64,
    cluster: Option<Cluster>,
}

/// The presence tracker of an application (cloning shares it).
#[derive(Clone)]
pub struct Presence {
    inner: Arc<Inner>,
}

fn phx_ref() -> String {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Metas are objects; any other value is kept under `"value"`.
fn meta_map(meta: Value) -> Map<String, Value> {
    match meta {
        Value::Object(map) => map,
        other => {
            let mut map = Map::new();
            map.insert("value".into(), other);
            map
        }
    }
}

fn shaped(key: &str, metas: Vec<Value>) -> Value {
    let mut map = Map::new();
    map.insert(key.to_string(), json!({ "metas": metas }));
    Value::Object(map)
}

impl Presence {
    /// A tracker broadcasting its diffs on `pubsub`, with the default
    /// heartbeat and down period.
    pub fn new(pubsub: PubSub) -> Self {
        Presence::with_config(pubsub, &PresenceConfig::default())
    }

    /// A tracker on `pubsub`; when the PubSub spans several nodes, it
    /// replicates entries with the heartbeat and down period of `config`
    /// (and must be made inside a tokio runtime, for its heartbeat).
    pub fn with_config(pubsub: PubSub, config: &PresenceConfig) -> Self {
        let cluster = pubsub.is_distributed().then(|| Cluster {
            node: pubsub.node().to_string(),
            incarnation: rand::random(),
            replicas: Mutex::new(Replicas::new(pubsub.node(), config.down_period_ms)),
            started: Instant::now(),
        });
        let presence = Presence {
            inner: Arc::new(Inner {
                pubsub,
                own: Mutex::new(Own::default()),
                next: AtomicU64::new(1),
                cluster,
            }),
        };
        if presence.inner.cluster.is_some() {
            presence.join_cluster(Duration::from_millis(config.heartbeat_ms));
        }
        presence
    }

    /// Listens to the other nodes' trackers and starts the heartbeat.
    fn join_cluster(&self, heartbeat: Duration) {
        let weak = Arc::downgrade(&self.inner);
        self.inner.pubsub.subscribe_with(
            tracker::TOPIC,
            Arc::new(TrackerSubscriber {
                inner: weak.clone(),
            }),
        );
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::error!("presence: no tokio runtime, so no heartbeat: other nodes will drop this one's entries");
            return;
        };
        runtime.spawn(async move {
            let mut ticks = tokio::time::interval(heartbeat);
            loop {
                ticks.tick().await;
                let Some(inner) = weak.upgrade() else {
                    return;
                };
                let presence = Presence { inner };
                presence.heartbeat();
            }
        });
    }

    /// Sends a heartbeat, and removes the entries of silent nodes.
    fn heartbeat(&self) {
        let Some(cluster) = &self.inner.cluster else {
            return;
        };
        let seq = self.inner.own.lock().unwrap_or_else(|e| e.into_inner()).seq;
        self.send(&Message::Heartbeat {
            node: cluster.node.clone(),
            incarnation: cluster.incarnation,
            seq,
        });
        let effects = cluster
            .replicas
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .sweep(cluster.now_ms());
        self.apply(effects);
    }

    /// Sends a message to the other nodes' trackers.
    fn send(&self, message: &Message) {
        if let Err(err) =
            self.inner
                .pubsub
                .broadcast_with_origin("presence", tracker::TOPIC, "tracker", message)
        {
            tracing::warn!("presence: message not sent: {err}");
        }
    }

    /// Carries out what handling a tracker message asked for.
    fn apply(&self, effects: Effects) {
        for node in &effects.down {
            tracing::warn!("presence: node {node} is silent for longer than the down period; its entries leave");
        }
        for (topic, diff) in effects.diffs {
            self.local_diff(&topic, &diff);
        }
        for message in &effects.send {
            self.send(message);
        }
        if effects.send_state {
            if let Some(cluster) = &self.inner.cluster {
                let own = self.inner.own.lock().unwrap_or_else(|e| e.into_inner());
                let state: NodeState = own
                    .topics
                    .iter()
                    .map(|(topic, keys)| {
                        let keys = keys
                            .iter()
                            .map(|(key, entries)| {
                                (
                                    key.clone(),
                                    entries.iter().map(|e| e.meta.clone()).collect(),
                                )
                            })
                            .collect();
                        (topic.clone(), keys)
                    })
                    .collect();
                // Sent under the lock, so no change of a later number goes
                // out before it.
                self.send(&Message::State {
                    node: cluster.node.clone(),
                    incarnation: cluster.incarnation,
                    seq: own.seq,
                    state,
                });
            }
        }
    }

    /// Delivers a diff from another node to this node's subscribers.
    fn local_diff(&self, topic: &str, diff: &Diff) {
        let shape = |side: &BTreeMap<String, Vec<tracker::Meta>>| {
            let mut map = Map::new();
            for (key, metas) in side {
                let metas: Vec<Value> = metas.iter().cloned().map(Value::Object).collect();
                map.insert(key.clone(), json!({ "metas": metas }));
            }
            Value::Object(map)
        };
        let payload = json!({ "joins": shape(&diff.joins), "leaves": shape(&diff.leaves) });
        if let Err(err) = self
            .inner
            .pubsub
            .local_broadcast(topic, DIFF_EVENT, payload)
        {
            tracing::warn!("presence diff not sent: {err}");
        }
    }

    /// Topics with someone present (on this node).
    pub fn topics(&self) -> Vec<String> {
        let own = self.inner.own.lock().unwrap_or_else(|e| e.into_inner());
        own.topics
            .iter()
            .filter(|(_, keys)| !keys.is_empty())
            .map(|(topic, _)| topic.clone())
            .collect()
    }

    /// The other nodes whose entries this node holds.
    pub fn nodes(&self) -> Vec<String> {
        match &self.inner.cluster {
            Some(cluster) => cluster
                .replicas
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .nodes(),
            None => Vec::new(),
        }
    }

    /// Records a change of this node's entries (called with them locked, so
    /// changes go out in order) and tells the other nodes.
    fn changed(&self, own: &mut Own, topic: &str, key: &str, joins: &[Value], leaves: &[Value]) {
        own.seq += 1;
        let Some(cluster) = &self.inner.cluster else {
            return;
        };
        let metas = |values: &[Value]| -> Vec<tracker::Meta> {
            values
                .iter()
                .filter_map(|v| v.as_object().cloned())
                .collect()
        };
        self.send(&Message::Delta {
            node: cluster.node.clone(),
            incarnation: cluster.incarnation,
            seq: own.seq,
            topic: topic.to_string(),
            key: key.to_string(),
            joins: metas(joins),
            leaves: metas(leaves),
        });
    }

    /// Sends a diff of this node's entries: to every node's subscribers on
    /// one node, to this node's when the other nodes learn it by delta.
    fn diff(&self, topic: &str, joins: Value, leaves: Value) {
        let payload = json!({ "joins": joins, "leaves": leaves });
        let sent = if self.inner.cluster.is_some() {
            self.inner
                .pubsub
                .local_broadcast(topic, DIFF_EVENT, payload)
        } else {
            self.inner.pubsub.broadcast(topic, DIFF_EVENT, payload)
        };
        if let Err(err) = sent {
            tracing::warn!("presence diff not sent: {err}");
        }
    }

    /// Tracks `key` on `topic` with `meta` (an object; other values are put
    /// under `"value"`); broadcasts the join.
    pub fn track(&self, topic: &str, key: &str, meta: Value) -> Tracked {
        let mut meta = meta_map(meta);
        meta.insert("phx_ref".into(), Value::String(phx_ref()));
        let id = self.inner.next.fetch_add(1, Ordering::Relaxed);
        let joined = Value::Object(meta.clone());
        {
            let mut own = self.inner.own.lock().unwrap_or_else(|e| e.into_inner());
            own.topics
                .entry(topic.to_string())
                .or_default()
                .entry(key.to_string())
                .or_default()
                .push(Entry { id, meta });
            self.changed(&mut own, topic, key, std::slice::from_ref(&joined), &[]);
        }
        self.diff(topic, shaped(key, vec![joined]), json!({}));
        Tracked {
            topic: topic.to_string(),
            key: key.to_string(),
            id,
        }
    }

    /// Replaces the meta of a tracked entry (a new `phx_ref`, the old one as
    /// `phx_ref_prev`); broadcasts the join of the new meta and the leave of the old.
    pub fn update(&self, tracked: &Tracked, meta: Value) {
        let mut meta = meta_map(meta);
        let old = {
            let mut own = self.inner.own.lock().unwrap_or_else(|e| e.into_inner());
            let Some(entry) = own
                .topics
                .get_mut(&tracked.topic)
                .and_then(|keys| keys.get_mut(&tracked.key))
                .and_then(|entries| entries.iter_mut().find(|e| e.id == tracked.id))
            else {
                return;
            };
            if let Some(prev) = entry.meta.get("phx_ref").cloned() {
                meta.insert("phx_ref_prev".into(), prev);
            }
            meta.insert("phx_ref".into(), Value::String(phx_ref()));
            let old = std::mem::replace(&mut entry.meta, meta.clone());
            self.changed(
                &mut own,
                &tracked.topic,
                &tracked.key,
                &[Value::Object(meta.clone())],
                &[Value::Object(old.clone())],
            );
            old
        };
        self.diff(
            &tracked.topic,
            shaped(&tracked.key, vec![Value::Object(meta)]),
            shaped(&tracked.key, vec![Value::Object(old)]),
        );
    }

    /// Stops tracking an entry; broadcasts the leave.
    pub fn untrack(&self, tracked: &Tracked) {
        let removed = {
            let mut own = self.inner.own.lock().unwrap_or_else(|e| e.into_inner());
            let topics = &mut own.topics;
            let Some(keys) = topics.get_mut(&tracked.topic) else {
                return;
            };
            let Some(entries) = keys.get_mut(&tracked.key) else {
                return;
            };
            let Some(index) = entries.iter().position(|e| e.id == tracked.id) else {
                return;
            };
            let entry = entries.remove(index);
            if entries.is_empty() {
                keys.remove(&tracked.key);
            }
            if keys.is_empty() {
                topics.remove(&tracked.topic);
            }
            let left = Value::Object(entry.meta.clone());
            self.changed(&mut own, &tracked.topic, &tracked.key, &[], &[left]);
            entry.meta
        };
        self.diff(
            &tracked.topic,
            json!({}),
            shaped(&tracked.key, vec![Value::Object(removed)]),
        );
    }

    /// Everyone on a topic, on every node: `{key: {"metas": [...]}}` (this
    /// node's metas first).
    pub fn list(&self, topic: &str) -> Value {
        let mut by_key: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        {
            let own = self.inner.own.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(keys) = own.topics.get(topic) {
                for (key, entries) in keys {
                    by_key
                        .entry(key.clone())
                        .or_default()
                        .extend(entries.iter().map(|e| Value::Object(e.meta.clone())));
                }
            }
        }
        if let Some(cluster) = &self.inner.cluster {
            let replicas = cluster.replicas.lock().unwrap_or_else(|e| e.into_inner());
            for (key, metas) in replicas.list(topic) {
                by_key
                    .entry(key)
                    .or_default()
                    .extend(metas.into_iter().map(Value::Object));
            }
        }
        let out: Map<String, Value> = by_key
            .into_iter()
            .map(|(key, metas)| (key, json!({ "metas": metas })))
            .collect();
        Value::Object(out)
    }
}

/// Hands the other nodes' tracker messages to this node's tracker.
struct TrackerSubscriber {
    inner: Weak<Inner>,
}

impl Subscriber for TrackerSubscriber {
    fn deliver(&self, broadcast: &Arc<Broadcast>) {
        // This node's own messages come back from a local dispatch.
        if broadcast.source_node().is_none() {
            return;
        }
        let Some(inner) = self.inner.upgrade() else {
            return;
        };
        let Some(json) = broadcast.payload.as_json() else {
            return;
        };
        let message: Message = match serde_json::from_value(json.clone()) {
            Ok(message) => message,
            Err(err) => {
                tracing::warn!("presence: a tracker message that does not parse: {err}");
                return;
            }
        };
        let presence = Presence { inner };
        let Some(cluster) = &presence.inner.cluster else {
            return;
        };
        let effects = cluster
            .replicas
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .handle(message, cluster.now_ms());
        presence.apply(effects);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn track_update_untrack_broadcast_diffs() {
        let pubsub = PubSub::local();
        let presence = Presence::new(pubsub.clone());
        let mut diffs = pubsub.subscribe("t");
        let alice = presence.track("t", "alice", json!({"device": "web"}));
        let first = diffs.recv().await.unwrap();
        let joins = &first.payload.as_json().unwrap()["joins"]["alice"]["metas"];
        let phx_ref = joins[0]["phx_ref"].as_str().unwrap().to_string();
        assert_eq!(phx_ref.len(), 16);

        presence.update(&alice, json!({"device": "ios"}));
        let update = diffs.recv().await.unwrap();
        let payload = update.payload.as_json().unwrap();
        assert_eq!(
            payload["joins"]["alice"]["metas"][0]["phx_ref_prev"],
            phx_ref
        );
        assert_eq!(payload["leaves"]["alice"]["metas"][0]["phx_ref"], phx_ref);
        assert_eq!(
            presence.list("t")["alice"]["metas"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        presence.untrack(&alice);
        let leave = diffs.recv().await.unwrap();
        assert_eq!(
            leave.payload.as_json().unwrap()["leaves"]["alice"]["metas"][0]["device"],
            "ios"
        );
        assert_eq!(presence.list("t"), json!({}));
    }

    #[test]
    fn several_metas_per_key() {
        let presence = Presence::new(PubSub::local());
        presence.track("t", "bob", json!({"device": "web"}));
        presence.track("t", "bob", json!({"device": "ios"}));
        assert_eq!(
            presence.list("t")["bob"]["metas"].as_array().unwrap().len(),
            2
        );
    }
}
