//! Presence: who is on a topic, with metadata per connection.
//!
//! A channel tracks its client under a key with a meta map; the tracker adds a
//! unique `phx_ref`. Every change is broadcast on the topic as
//! `presence_diff` `{joins, leaves}`, and entries disappear when their channel
//! stops. Lists are maps `key → {"metas": [...]}`, the shape Phoenix's
//! clients expect (spec section 8).
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
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde_json::{json, Map, Value};

use crate::pubsub::PubSub;

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

struct Inner {
    pubsub: PubSub,
    topics: Mutex<HashMap<String, Keys>>,
    next: AtomicU64,
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
    /// A tracker broadcasting its diffs on `pubsub`.
    pub fn new(pubsub: PubSub) -> Self {
        Presence {
            inner: Arc::new(Inner {
                pubsub,
                topics: Mutex::new(HashMap::new()),
                next: AtomicU64::new(1),
            }),
        }
    }

    /// Topics with someone present.
    pub fn topics(&self) -> Vec<String> {
        let topics = self.inner.topics.lock().unwrap_or_else(|e| e.into_inner());
        topics
            .iter()
            .filter(|(_, keys)| !keys.is_empty())
            .map(|(topic, _)| topic.clone())
            .collect()
    }

    fn diff(&self, topic: &str, joins: Value, leaves: Value) {
        let payload = json!({ "joins": joins, "leaves": leaves });
        if let Err(err) = self.inner.pubsub.broadcast(topic, DIFF_EVENT, payload) {
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
            let mut topics = self.inner.topics.lock().unwrap_or_else(|e| e.into_inner());
            topics
                .entry(topic.to_string())
                .or_default()
                .entry(key.to_string())
                .or_default()
                .push(Entry { id, meta });
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
            let mut topics = self.inner.topics.lock().unwrap_or_else(|e| e.into_inner());
            let Some(entry) = topics
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
            std::mem::replace(&mut entry.meta, meta.clone())
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
            let mut topics = self.inner.topics.lock().unwrap_or_else(|e| e.into_inner());
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
            entry.meta
        };
        self.diff(
            &tracked.topic,
            json!({}),
            shaped(&tracked.key, vec![Value::Object(removed)]),
        );
    }

    /// Everyone on a topic: `{key: {"metas": [...]}}`.
    pub fn list(&self, topic: &str) -> Value {
        let topics = self.inner.topics.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Map::new();
        if let Some(keys) = topics.get(topic) {
            for (key, entries) in keys {
                let metas: Vec<Value> = entries
                    .iter()
                    .map(|e| Value::Object(e.meta.clone()))
                    .collect();
                out.insert(key.clone(), json!({ "metas": metas }));
            }
        }
        Value::Object(out)
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
