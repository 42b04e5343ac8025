//! Presence across nodes, in Phoenix.Tracker's model: each node owns its
//! entries and tells the others about them over PubSub (deltas, heartbeats,
//! whole states on request); each node keeps a replica of every other
//! node's entries and removes a replica that stays silent for the down
//! period.
//!
//! This file is the pure part: what a node does with each message, given
//! the time in milliseconds (so tests use a fake clock). The runtime part
//! (subscribing, sending, the heartbeat timer) is in `presence.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A meta map (it carries its unique `phx_ref`).
pub(crate) type Meta = Map<String, Value>;

/// One node's entries: topic → key → metas.
pub(crate) type NodeState = BTreeMap<String, BTreeMap<String, Vec<Meta>>>;

/// The PubSub topic the nodes' trackers talk on.
pub(crate) const TOPIC: &str = "phx:presence";

/// What trackers send each other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub(crate) enum Message {
    /// "I am alive, and my entries are at version `seq`."
    Heartbeat {
        /// The sender.
        node: String,
        /// The sender's run (a restarted node has a new one).
        incarnation: u64,
        /// The number of changes the sender made so far.
        seq: u64,
    },
    /// One change of the sender's entries for one key.
    Delta {
        /// The sender.
        node: String,
        /// The sender's run.
        incarnation: u64,
        /// This change's number (the previous one plus one).
        seq: u64,
        /// The topic.
        topic: String,
        /// The key.
        key: String,
        /// Metas added.
        joins: Vec<Meta>,
        /// Metas removed.
        leaves: Vec<Meta>,
    },
    /// "`to`, send me all your entries."
    StateRequest {
        /// Who asks.
        node: String,
        /// Who should answer.
        to: String,
    },
    /// All of the sender's entries.
    State {
        /// The sender.
        node: String,
        /// The sender's run.
        incarnation: u64,
        /// The number of changes its entries include.
        seq: u64,
        /// The entries.
        state: NodeState,
    },
}

/// A change of who is on a topic, as `presence_diff` sends it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Diff {
    /// Key → metas that joined.
    pub(crate) joins: BTreeMap<String, Vec<Meta>>,
    /// Key → metas that left.
    pub(crate) leaves: BTreeMap<String, Vec<Meta>>,
}

impl Diff {
    fn is_empty(&self) -> bool {
        self.joins.is_empty() && self.leaves.is_empty()
    }
}

/// What handling a message asks of the runtime.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Effects {
    /// Diffs to deliver to this node's subscribers, by topic, in order.
    pub(crate) diffs: Vec<(String, Diff)>,
    /// Messages to send to the other nodes.
    pub(crate) send: Vec<Message>,
    /// Whether to send this node's whole state (someone asked for it).
    pub(crate) send_state: bool,
    /// Nodes found down (for the log).
    pub(crate) down: Vec<String>,
}

/// What this node knows of another one.
#[derive(Debug)]
struct Replica {
    incarnation: u64,
    /// The last change applied.
    seq: u64,
    /// Whether a whole state was received (deltas apply after it).
    synced: bool,
    /// When a state was last asked for, if the answer is awaited.
    requested_at: Option<u64>,
    last_seen: u64,
    state: NodeState,
}

/// How long to wait for a state before asking again.
const REASK_MS: u64 = 2_000;

fn phx_ref(meta: &Meta) -> Option<&str> {
    meta.get("phx_ref").and_then(Value::as_str)
}

/// The diffs, by topic, that turn `old` into `new`.
fn diff_states(old: &NodeState, new: &NodeState) -> Vec<(String, Diff)> {
    let empty = BTreeMap::new();
    let mut topics: Vec<&String> = old.keys().chain(new.keys()).collect();
    topics.sort();
    topics.dedup();
    let mut out = Vec::new();
    for topic in topics {
        let before = old.get(topic).unwrap_or(&empty);
        let after = new.get(topic).unwrap_or(&empty);
        let mut diff = Diff::default();
        let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let was = before.get(key).map(Vec::as_slice).unwrap_or(&[]);
            let is = after.get(key).map(Vec::as_slice).unwrap_or(&[]);
            let joined: Vec<Meta> = is
                .iter()
                .filter(|m| !was.iter().any(|w| phx_ref(w) == phx_ref(m)))
                .cloned()
                .collect();
            let left: Vec<Meta> = was
                .iter()
                .filter(|m| !is.iter().any(|i| phx_ref(i) == phx_ref(m)))
                .cloned()
                .collect();
            if !joined.is_empty() {
                diff.joins.insert(key.clone(), joined);
            }
            if !left.is_empty() {
                diff.leaves.insert(key.clone(), left);
            }
        }
        if !diff.is_empty() {
            out.push((topic.clone(), diff));
        }
    }
    out
}

/// This node's view of the other nodes' entries.
#[derive(Debug)]
pub(crate) struct Replicas {
    node: String,
    down_period_ms: u64,
    replicas: BTreeMap<String, Replica>,
}

impl Replicas {
    /// The replicas of node `node`, which removes a silent node after
    /// `down_period_ms`.
    pub(crate) fn new(node: impl Into<String>, down_period_ms: u64) -> Self {
        Replicas {
            node: node.into(),
            down_period_ms,
            replicas: BTreeMap::new(),
        }
    }

    /// The nodes with a replica here.
    pub(crate) fn nodes(&self) -> Vec<String> {
        self.replicas.keys().cloned().collect()
    }

    /// Every other node's metas on `topic`, by key, node by node.
    pub(crate) fn list(&self, topic: &str) -> BTreeMap<String, Vec<Meta>> {
        let mut out: BTreeMap<String, Vec<Meta>> = BTreeMap::new();
        for replica in self.replicas.values() {
            if let Some(keys) = replica.state.get(topic) {
                for (key, metas) in keys {
                    out.entry(key.clone())
                        .or_default()
                        .extend(metas.iter().cloned());
                }
            }
        }
        out
    }

    /// Forgets a node: everything it had leaves.
    fn remove(&mut self, node: &str, effects: &mut Effects) {
        if let Some(replica) = self.replicas.remove(node) {
            effects
                .diffs
                .extend(diff_states(&replica.state, &NodeState::new()));
        }
    }

    /// Asks `node` for its state, unless an answer is already awaited.
    fn ask(&mut self, node: &str, now: u64, effects: &mut Effects) {
        let Some(replica) = self.replicas.get_mut(node) else {
            return;
        };
        if replica
            .requested_at
            .is_some_and(|at| now.saturating_sub(at) < REASK_MS)
        {
            return;
        }
        replica.requested_at = Some(now);
        effects.send.push(Message::StateRequest {
            node: self.node.clone(),
            to: node.to_string(),
        });
    }

    /// The replica of `node` in run `incarnation`, heard from at `now`: made
    /// (and asked for its state) if new, a previous run of the node
    /// forgotten first; `None` for this node's own messages.
    fn heard_from(
        &mut self,
        node: &str,
        incarnation: u64,
        now: u64,
        effects: &mut Effects,
    ) -> Option<&mut Replica> {
        if node == self.node {
            return None;
        }
        if self
            .replicas
            .get(node)
            .is_some_and(|r| r.incarnation != incarnation)
        {
            self.remove(node, effects);
        }
        if !self.replicas.contains_key(node) {
            self.replicas.insert(
                node.to_string(),
                Replica {
                    incarnation,
                    seq: 0,
                    synced: false,
                    requested_at: None,
                    last_seen: now,
                    state: NodeState::new(),
                },
            );
            self.ask(node, now, effects);
        }
        let replica = self.replicas.get_mut(node)?;
        replica.last_seen = now;
        Some(replica)
    }

    /// Handles one message received at `now` (milliseconds).
    pub(crate) fn handle(&mut self, message: Message, now: u64) -> Effects {
        let mut effects = Effects::default();
        match message {
            Message::Heartbeat {
                node,
                incarnation,
                seq,
            } => {
                let Some(replica) = self.heard_from(&node, incarnation, now, &mut effects) else {
                    return effects;
                };
                if !replica.synced || replica.seq < seq {
                    self.ask(&node, now, &mut effects);
                }
            }
            Message::Delta {
                node,
                incarnation,
                seq,
                topic,
                key,
                joins,
                leaves,
            } => {
                let Some(replica) = self.heard_from(&node, incarnation, now, &mut effects) else {
                    return effects;
                };
                if !replica.synced || seq <= replica.seq {
                    // Before the state arrives (it will include this change),
                    // or a change already applied.
                    return effects;
                }
                if seq != replica.seq + 1 {
                    // A change was missed: the whole state repairs it.
                    self.ask(&node, now, &mut effects);
                    return effects;
                }
                replica.seq = seq;
                let metas = replica
                    .state
                    .entry(topic.clone())
                    .or_default()
                    .entry(key.clone())
                    .or_default();
                let mut diff = Diff::default();
                let left: Vec<Meta> = leaves
                    .into_iter()
                    .filter(|leave| {
                        let before = metas.len();
                        metas.retain(|m| phx_ref(m) != phx_ref(leave));
                        metas.len() != before
                    })
                    .collect();
                metas.extend(joins.iter().cloned());
                if metas.is_empty() {
                    let keys = replica.state.get_mut(&topic).expect("entry above");
                    keys.remove(&key);
                    if keys.is_empty() {
                        replica.state.remove(&topic);
                    }
                }
                if !joins.is_empty() {
                    diff.joins.insert(key.clone(), joins);
                }
                if !left.is_empty() {
                    diff.leaves.insert(key, left);
                }
                if !diff.is_empty() {
                    effects.diffs.push((topic, diff));
                }
            }
            Message::StateRequest { to, .. } => {
                effects.send_state = to == self.node;
            }
            Message::State {
                node,
                incarnation,
                seq,
                state,
            } => {
                let Some(replica) = self.heard_from(&node, incarnation, now, &mut effects) else {
                    return effects;
                };
                if replica.synced && seq < replica.seq {
                    return effects;
                }
                effects.diffs.extend(diff_states(&replica.state, &state));
                replica.state = state;
                replica.seq = seq;
                replica.synced = true;
                replica.requested_at = None;
            }
        }
        effects
    }

    /// Removes the nodes silent for longer than the down period.
    pub(crate) fn sweep(&mut self, now: u64) -> Effects {
        let mut effects = Effects::default();
        let down: Vec<String> = self
            .replicas
            .iter()
            .filter(|(_, r)| now.saturating_sub(r.last_seen) > self.down_period_ms)
            .map(|(node, _)| node.clone())
            .collect();
        for node in down {
            self.remove(&node, &mut effects);
            effects.down.push(node);
        }
        effects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(r: &str) -> Meta {
        json!({ "phx_ref": r, "device": "web" })
            .as_object()
            .unwrap()
            .clone()
    }

    fn refs(metas: &[Meta]) -> Vec<&str> {
        metas.iter().filter_map(phx_ref).collect()
    }

    fn state(entries: &[(&str, &str, &str)]) -> NodeState {
        let mut state = NodeState::new();
        for (topic, key, r) in entries {
            state
                .entry(topic.to_string())
                .or_default()
                .entry(key.to_string())
                .or_default()
                .push(meta(r));
        }
        state
    }

    fn delta(seq: u64, key: &str, joins: &[&str], leaves: &[&str]) -> Message {
        Message::Delta {
            node: "b".into(),
            incarnation: 7,
            seq,
            topic: "room".into(),
            key: key.into(),
            joins: joins.iter().map(|r| meta(r)).collect(),
            leaves: leaves.iter().map(|r| meta(r)).collect(),
        }
    }

    /// Node `a` learns of node `b` and takes its state.
    fn synced() -> Replicas {
        let mut a = Replicas::new("a", 30_000);
        let first = a.handle(
            Message::Heartbeat {
                node: "b".into(),
                incarnation: 7,
                seq: 1,
            },
            0,
        );
        assert_eq!(
            first.send,
            vec![Message::StateRequest {
                node: "a".into(),
                to: "b".into()
            }]
        );
        let joined = a.handle(
            Message::State {
                node: "b".into(),
                incarnation: 7,
                seq: 1,
                state: state(&[("room", "alice", "r1")]),
            },
            10,
        );
        assert_eq!(joined.diffs.len(), 1);
        assert_eq!(refs(&joined.diffs[0].1.joins["alice"]), ["r1"]);
        a
    }

    #[test]
    fn joins_and_leaves_apply_in_order() {
        let mut a = synced();
        let joined = a.handle(delta(2, "alice", &["r2"], &[]), 20);
        assert_eq!(refs(&joined.diffs[0].1.joins["alice"]), ["r2"]);
        // The same key on two connections: one key, two metas.
        assert_eq!(refs(&a.list("room")["alice"]), ["r1", "r2"]);
        let left = a.handle(delta(3, "alice", &[], &["r1"]), 30);
        assert_eq!(refs(&left.diffs[0].1.leaves["alice"]), ["r1"]);
        assert_eq!(refs(&a.list("room")["alice"]), ["r2"]);
        let gone = a.handle(delta(4, "alice", &[], &["r2"]), 40);
        assert_eq!(refs(&gone.diffs[0].1.leaves["alice"]), ["r2"]);
        assert!(a.list("room").is_empty());
        // A change seen twice is applied once.
        assert_eq!(
            a.handle(delta(4, "alice", &[], &["r2"]), 41),
            Effects::default()
        );
    }

    #[test]
    fn a_missed_change_asks_for_the_state_which_repairs_it() {
        let mut a = synced();
        let gap = a.handle(delta(3, "bob", &["r3"], &[]), 20);
        assert!(gap.diffs.is_empty());
        assert!(matches!(gap.send[..], [Message::StateRequest { .. }]));
        // Not asked again while the answer is awaited.
        assert!(a.handle(delta(4, "bob", &["r4"], &[]), 30).send.is_empty());
        let repaired = a.handle(
            Message::State {
                node: "b".into(),
                incarnation: 7,
                seq: 4,
                state: state(&[("room", "bob", "r3"), ("room", "bob", "r4")]),
            },
            40,
        );
        // alice (r1) left between the state b had and this one.
        let diff = &repaired.diffs[0].1;
        assert_eq!(refs(&diff.joins["bob"]), ["r3", "r4"]);
        assert_eq!(refs(&diff.leaves["alice"]), ["r1"]);
        assert_eq!(a.handle(delta(5, "bob", &[], &["r3"]), 50).diffs.len(), 1);
    }

    #[test]
    fn a_silent_node_is_removed_after_the_down_period() {
        let mut a = synced();
        assert!(a.sweep(30_010).diffs.is_empty(), "not yet");
        a.handle(
            Message::Heartbeat {
                node: "b".into(),
                incarnation: 7,
                seq: 1,
            },
            30_000,
        );
        assert!(a.sweep(60_000).diffs.is_empty(), "the heartbeat counts");
        let swept = a.sweep(60_001);
        assert_eq!(swept.down, ["b"]);
        assert_eq!(refs(&swept.diffs[0].1.leaves["alice"]), ["r1"]);
        assert!(a.nodes().is_empty());
        assert!(a.list("room").is_empty());
    }

    #[test]
    fn a_replica_rejoining_after_being_removed_comes_back_whole() {
        let mut a = synced();
        a.sweep(40_000);
        // It was only cut off: its heartbeats come back with the same run.
        let back = a.handle(
            Message::Heartbeat {
                node: "b".into(),
                incarnation: 7,
                seq: 1,
            },
            41_000,
        );
        assert!(matches!(back.send[..], [Message::StateRequest { .. }]));
        let rejoined = a.handle(
            Message::State {
                node: "b".into(),
                incarnation: 7,
                seq: 1,
                state: state(&[("room", "alice", "r1")]),
            },
            41_010,
        );
        assert_eq!(refs(&rejoined.diffs[0].1.joins["alice"]), ["r1"]);
    }

    #[test]
    fn a_restarted_node_replaces_its_previous_run() {
        let mut a = synced();
        let restarted = a.handle(
            Message::Heartbeat {
                node: "b".into(),
                incarnation: 8,
                seq: 0,
            },
            100,
        );
        // Its previous run's entries leave; the new run is asked for its state.
        assert_eq!(refs(&restarted.diffs[0].1.leaves["alice"]), ["r1"]);
        assert!(matches!(restarted.send[..], [Message::StateRequest { .. }]));
    }

    #[test]
    fn own_messages_are_ignored_and_requests_answered() {
        let mut a = Replicas::new("a", 30_000);
        let own = Message::Heartbeat {
            node: "a".into(),
            incarnation: 1,
            seq: 3,
        };
        assert_eq!(a.handle(own, 0), Effects::default());
        let asked = a.handle(
            Message::StateRequest {
                node: "b".into(),
                to: "a".into(),
            },
            0,
        );
        assert!(asked.send_state);
        let other = a.handle(
            Message::StateRequest {
                node: "b".into(),
                to: "c".into(),
            },
            0,
        );
        assert!(!other.send_state);
    }

    #[test]
    fn messages_round_trip_through_json() {
        let message = delta(2, "alice", &["r2"], &[]);
        let text = serde_json::to_string(&message).unwrap();
        assert!(text.contains("\"t\":\"delta\""), "{text}");
        assert_eq!(serde_json::from_str::<Message>(&text).unwrap(), message);
    }
}
