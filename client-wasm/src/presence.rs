//! Presence state and its sync algorithms (spec section 8.3).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// A presence: its metas (each with a `phx_ref`) and any other fields.
pub type Presence = Map<String, Value>;
/// Presence state: key → presence. Keys are plain strings (`__proto__` too).
pub type State = BTreeMap<String, Presence>;

fn metas(presence: &Presence) -> Vec<Value> {
    presence
        .get("metas")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn refs(presence: &Presence) -> Vec<String> {
    metas(presence)
        .iter()
        .filter_map(|m| m.get("phx_ref").and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// The metas of `presence` whose `phx_ref` is not among those of `other`.
fn metas_not_in(presence: &Presence, other: &Presence) -> Vec<Value> {
    let other = refs(other);
    metas(presence)
        .into_iter()
        .filter(|m| {
            !m.get("phx_ref")
                .and_then(Value::as_str)
                .is_some_and(|r| other.iter().any(|o| o == r))
        })
        .collect()
}

fn with_metas(presence: &Presence, metas: Vec<Value>) -> Presence {
    let mut out = presence.clone();
    out.insert("metas".into(), Value::Array(metas));
    out
}

fn to_state(value: &Value) -> State {
    value
        .as_object()
        .map(|map| {
            map.iter()
                .filter_map(|(k, v)| v.as_object().map(|p| (k.clone(), p.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// Applies a `presence_diff` payload: joins first (existing metas stay in
/// front), then leaves (metas removed by `phx_ref`, keys without metas removed).
pub fn sync_diff(
    state: &mut State,
    diff: &Value,
    mut on_join: impl FnMut(&str, Option<&Presence>, &Presence),
    mut on_leave: impl FnMut(&str, &Presence, &Presence),
) {
    for (key, joined) in to_state(&diff["joins"]) {
        let current = state.get(&key).cloned();
        let mut next = joined.clone();
        if let Some(current) = &current {
            let mut kept = metas_not_in(current, &joined);
            kept.extend(metas(&joined));
            next = with_metas(&joined, kept);
        }
        state.insert(key.clone(), next);
        on_join(&key, current.as_ref(), &joined);
    }
    for (key, left) in to_state(&diff["leaves"]) {
        let Some(current) = state.get(&key).cloned() else {
            continue;
        };
        let remaining = metas_not_in(&current, &left);
        let current = with_metas(&current, remaining.clone());
        on_leave(&key, &current, &left);
        if remaining.is_empty() {
            state.remove(&key);
        } else {
            state.insert(key, current);
        }
    }
}

/// Applies a `presence_state` payload as the diff between it and `state`.
pub fn sync_state(
    state: &mut State,
    new_state: &Value,
    on_join: impl FnMut(&str, Option<&Presence>, &Presence),
    on_leave: impl FnMut(&str, &Presence, &Presence),
) {
    let incoming = to_state(new_state);
    let mut joins = Map::new();
    let mut leaves = Map::new();
    for (key, current) in state.iter() {
        if !incoming.contains_key(key) {
            leaves.insert(key.clone(), Value::Object(current.clone()));
        }
    }
    for (key, new) in &incoming {
        match state.get(key) {
            Some(current) => {
                let joined = metas_not_in(new, current);
                let left = metas_not_in(current, new);
                if !joined.is_empty() {
                    joins.insert(key.clone(), Value::Object(with_metas(new, joined)));
                }
                if !left.is_empty() {
                    leaves.insert(key.clone(), Value::Object(with_metas(current, left)));
                }
            }
            None => {
                joins.insert(key.clone(), Value::Object(new.clone()));
            }
        }
    }
    let diff = serde_json::json!({ "joins": joins, "leaves": leaves });
    sync_diff(state, &diff, on_join, on_leave);
}

type JoinCallback = Box<dyn FnMut(&str, Option<&Presence>, &Presence)>;
type LeaveCallback = Box<dyn FnMut(&str, &Presence, &Presence)>;

/// A channel's presence list, fed with its `presence_state` and
/// `presence_diff` events (the phoenix.js `Presence` object): diffs that
/// arrive before the state of the current join wait for it. Callbacks set
/// with [`Tracker::on_join`], [`Tracker::on_leave`] and [`Tracker::on_sync`]
/// run as phoenix.js runs `onJoin`, `onLeave` and `onSync`.
///
/// ```
/// use phoenix_client::presence::Tracker;
/// use serde_json::json;
/// use std::{cell::RefCell, rc::Rc};
///
/// let seen = Rc::new(RefCell::new(Vec::new()));
/// let mut tracker = Tracker::default();
/// let log = seen.clone();
/// tracker.on_join(move |key, _current, _joined| log.borrow_mut().push(format!("+{key}")));
/// let log = seen.clone();
/// tracker.on_sync(move || log.borrow_mut().push("sync".into()));
/// tracker.on_state(Some("1"), &json!({"ann": {"metas": [{"phx_ref": "a"}]}}));
/// assert_eq!(*seen.borrow(), ["+ann", "sync"]);
/// assert_eq!(tracker.list(|key, presence| (key.to_string(), presence["metas"].as_array().unwrap().len())),
///            [("ann".to_string(), 1)]);
/// ```
#[derive(Default)]
pub struct Tracker {
    /// The current state.
    pub state: State,
    pending: Vec<Value>,
    join_ref: Option<String>,
    on_join: Option<JoinCallback>,
    on_leave: Option<LeaveCallback>,
    on_sync: Option<Box<dyn FnMut()>>,
}

impl std::fmt::Debug for Tracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracker")
            .field("state", &self.state)
            .field("pending", &self.pending)
            .field("join_ref", &self.join_ref)
            .finish_non_exhaustive()
    }
}

impl Tracker {
    /// Runs `callback(key, current, joined)` for each join: `current` is the
    /// key's presence before the join (`None` for a new key), `joined` holds
    /// the metas that joined.
    pub fn on_join(&mut self, callback: impl FnMut(&str, Option<&Presence>, &Presence) + 'static) {
        self.on_join = Some(Box::new(callback));
    }

    /// Runs `callback(key, current, left)` for each leave: `current` is what
    /// remains of the key (no metas when it is gone), `left` the metas that left.
    pub fn on_leave(&mut self, callback: impl FnMut(&str, &Presence, &Presence) + 'static) {
        self.on_leave = Some(Box::new(callback));
    }

    /// Runs `callback()` after each state or diff has been applied.
    pub fn on_sync(&mut self, callback: impl FnMut() + 'static) {
        self.on_sync = Some(Box::new(callback));
    }

    /// A `presence_state` arrived while the channel's join ref is `join_ref`.
    pub fn on_state(&mut self, join_ref: Option<&str>, payload: &Value) {
        self.join_ref = join_ref.map(str::to_string);
        let pending = std::mem::take(&mut self.pending);
        self.sync(Some(payload), &pending);
    }

    /// A `presence_diff` arrived while the channel's join ref is `join_ref`;
    /// returns false if it waits for the next state.
    pub fn on_diff(&mut self, join_ref: Option<&str>, payload: &Value) -> bool {
        if self.join_ref.is_none() || self.join_ref.as_deref() != join_ref {
            self.pending.push(payload.clone());
            return false;
        }
        self.sync(None, std::slice::from_ref(payload));
        true
    }

    /// Applies a state (if any), then diffs, running the callbacks.
    fn sync(&mut self, state_payload: Option<&Value>, diffs: &[Value]) {
        let Tracker {
            state,
            on_join,
            on_leave,
            on_sync,
            ..
        } = self;
        let mut join = |k: &str, c: Option<&Presence>, n: &Presence| {
            if let Some(f) = on_join.as_mut() {
                f(k, c, n)
            }
        };
        let mut leave = |k: &str, c: &Presence, l: &Presence| {
            if let Some(f) = on_leave.as_mut() {
                f(k, c, l)
            }
        };
        if let Some(payload) = state_payload {
            sync_state(state, payload, &mut join, &mut leave);
        }
        for diff in diffs {
            sync_diff(state, diff, &mut join, &mut leave);
        }
        if let Some(f) = on_sync.as_mut() {
            f()
        }
    }

    /// The presences, by key order, through `chooser(key, presence)`
    /// (phoenix.js `Presence.list`).
    pub fn list<T>(&self, mut chooser: impl FnMut(&str, &Presence) -> T) -> Vec<T> {
        self.state.iter().map(|(k, p)| chooser(k, p)).collect()
    }

    /// The keys present, sorted.
    pub fn keys(&self) -> Vec<String> {
        self.state.keys().cloned().collect()
    }
}
