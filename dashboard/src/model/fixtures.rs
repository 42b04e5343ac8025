//! JSON from the protocol's spec, and a joined model, for the model's tests.

use serde_json::{json, Value};

use super::{wire, ConnState, Model, Update};

pub(crate) fn socket(id: &str, topics: &[&str]) -> Value {
    json!({"id": id, "socket": "/socket", "transport": "websocket", "vsn": "2.0.0",
           "peer": "127.0.0.1:51234", "connected_at_ms": 1764258000000i64,
           "user_id": "user_socket:42", "assigns": {"user": "alice"},
           "topics": topics, "messages_in": 12, "messages_out": 30,
           "queue": 0, "queue_capacity": 1024, "node": "node-4242"})
}

pub(crate) fn stats(at_ms: i64) -> Value {
    json!({"at_ms": at_ms, "uptime_ms": 6321, "sockets": 2, "channels": 3,
           "messages_in": 10, "messages_out": 42, "broadcasts": 4, "http_requests": 7,
           "http_avg_us": 850, "http_max_us": 4100, "events_dropped": 0,
           "topics": [{"topic": "rooms:lobby", "subscribers": 2}],
           "socket_counters": [{"id": "s7", "messages_in": 12, "messages_out": 30, "queue": 0}],
           "pubsub": {"adapter": "redis", "connected": true, "outages": 0, "lost": 0,
                      "sent": 5, "received": 3, "nodes": ["node-b"]}})
}

pub(crate) fn snapshot() -> Value {
    json!({
        "app": {"name": "demo", "env": "dev", "node": "node-4242", "version": "0.1.0",
                "started_at_ms": 1764258000000i64, "uptime_ms": 5321, "read_only": false,
                "max_events_per_second": 5000},
        "routes": [
            {"verb": "GET", "path": "/pages/:page", "controller": "PageController",
             "action": "show", "helper": "page_path", "pipelines": ["browser"]},
            {"verb": "POST", "path": "/api/users", "controller": "UserController",
             "action": "create", "helper": "", "pipelines": ["api", "auth"]}
        ],
        "sockets": [socket("s7", &["rooms:lobby"]), socket("s8", &["rooms:lobby", "rooms:2"])],
        "topics": [{"topic": "rooms:lobby", "subscribers": 2}, {"topic": "rooms:2", "subscribers": 1}],
        "presence": {"rooms:lobby": {"alice": {"metas": [{"phx_ref": "F1", "online_at": 1}]}}},
        "stats": stats(1764258001000)
    })
}

/// An `events` push of these events.
pub(crate) fn events(list: Vec<Value>) -> Update {
    wire::push("events", json!({"events": list, "dropped": 0})).expect("an events push")
}

/// A `stats` push.
pub(crate) fn stats_update(stats: Value) -> Update {
    wire::push("stats", stats).expect("a stats push")
}

/// A snapshot (join reply).
pub(crate) fn snapshot_update(snapshot: Value) -> Update {
    wire::snapshot(snapshot).expect("a snapshot")
}

pub(crate) fn joined() -> Model {
    let mut model = Model::default();
    model.apply(Update::Connection(ConnState::Joined));
    model.apply(snapshot_update(snapshot()));
    model
}

pub(crate) fn message(kind: &str, n: usize) -> Value {
    json!({"kind": kind, "at_ms": 1764258002000i64 + n as i64, "socket_id": "s7",
           "topic": "rooms:lobby", "event": format!("e{n}"), "size": 40, "payload": null})
}
