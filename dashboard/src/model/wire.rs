//! Decoding what the server sends into [`Update`]s, with the protocol's
//! shared types (`phoenix-dashboard-protocol`).
//!
//! Decoding is lenient where it costs nothing to be: fields a server does
//! not send take their defaults, events of unknown kinds are kept as
//! [`EventKind::Unknown`](protocol::EventKind::Unknown) (and ignored by the
//! state), and an event that does not decode is skipped and counted as
//! dropped rather than losing its whole batch.

use phoenix_dashboard_protocol::{self as protocol, Reply, RequestKind};
use serde_json::Value;

use super::state::Update;

/// The update a server push makes (`events`, `stats`); `None` for other
/// events and for a `stats` that does not decode.
pub fn push(event: &str, payload: Value) -> Option<Update> {
    match event {
        protocol::push::EVENTS => {
            let (mut push, skipped) = protocol::decode_events(payload);
            push.dropped += skipped as u64;
            Some(Update::Events(push))
        }
        protocol::push::STATS => serde_json::from_value(payload)
            .ok()
            .map(|stats| Update::Stats(Box::new(stats))),
        _ => None,
    }
}

/// The update of a snapshot (the join reply, or a `snapshot` reply).
pub fn snapshot(response: Value) -> Result<Update, String> {
    serde_json::from_value::<protocol::Snapshot>(response)
        .map(|snapshot| Update::Snapshot(Box::new(snapshot)))
        .map_err(|e| format!("the snapshot does not decode: {e}"))
}

/// The update of a request's reply: its `ok` response, or the reason of
/// its error. A `snapshot` reply is a snapshot update.
pub fn reply(kind: RequestKind, result: Result<Value, String>) -> Update {
    match (kind, result) {
        (RequestKind::Snapshot, Ok(response)) => {
            snapshot(response).unwrap_or_else(|e| Update::Reply(RequestKind::Snapshot, Err(e)))
        }
        (kind, Ok(response)) => Update::Reply(
            kind,
            Reply::decode(kind, response).map_err(|e| format!("bad reply: {e}")),
        ),
        (kind, Err(reason)) => Update::Reply(kind, Err(reason)),
    }
}

/// The text of an error response: its `reason`, or the JSON.
pub fn reason_of(response: &Value) -> String {
    match serde_json::from_value::<protocol::ErrorReply>(response.clone()) {
        Ok(error) if !error.reason.is_empty() => error.reason,
        _ => response.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pushes_decode_into_updates() {
        let Some(Update::Events(push)) = push(
            "events",
            json!({"dropped": 1, "events": [
                {"kind": "socket_disconnected", "at_ms": 1, "id": "s1"},
                {"kind": "socket_disconnected", "at_ms": 2},
                {"kind": "from_the_future", "at_ms": 3}
            ]}),
        ) else {
            panic!("an events update");
        };
        assert_eq!(push.events.len(), 2, "the malformed event is skipped");
        assert_eq!(push.dropped, 2, "and counted as dropped");
        assert_eq!(push.events[1].kind, protocol::EventKind::Unknown);
        assert!(matches!(
            super::push("stats", json!({"at_ms": 5})),
            Some(Update::Stats(stats)) if stats.at_ms == 5
        ));
        assert_eq!(super::push("phx_close", json!({})), None);
    }

    #[test]
    fn replies_decode_by_request() {
        assert_eq!(
            reply(RequestKind::Broadcast, Ok(json!({"subscribers": 3}))),
            Update::Reply(
                RequestKind::Broadcast,
                Ok(Reply::Broadcast(protocol::BroadcastReply {
                    subscribers: 3
                }))
            )
        );
        assert!(matches!(
            reply(RequestKind::Snapshot, Ok(json!({"routes": []}))),
            Update::Snapshot(_)
        ));
        assert!(matches!(
            reply(RequestKind::Socket, Ok(json!("nope"))),
            Update::Reply(RequestKind::Socket, Err(e)) if e.starts_with("bad reply")
        ));
        assert_eq!(reason_of(&json!({"reason": "read only"})), "read only");
        assert_eq!(reason_of(&json!({"x": 1})), r#"{"x":1}"#);
    }
}
