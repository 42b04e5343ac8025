//! The events a dashboard receives.

use phoenix_protocol::Payload;
use serde::Serialize;
use serde_json::Value;

use super::PAYLOAD_LIMIT;

/// One thing that happened, as sent in an `events` push.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Unix time, in ms.
    pub at_ms: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened (the `kind` field on the wire).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A client connected.
    SocketConnected {
        /// The socket, as in the snapshot.
        socket: Value,
    },
    /// A client went away.
    SocketDisconnected {
        /// The dashboard's id of the connection.
        id: String,
    },
    /// A join was answered.
    ChannelJoined {
        /// The connection.
        socket_id: String,
        /// The topic.
        topic: String,
        /// `ok` or `error`.
        status: &'static str,
    },
    /// A joined channel stopped.
    ChannelLeft {
        /// The connection.
        socket_id: String,
        /// The topic.
        topic: String,
        /// `left`, `closed`, `normal`, `shutdown`, `rejoined` or `crashed`.
        reason: &'static str,
        /// Whether the client was told `phx_error`.
        crashed: bool,
        /// The panic message or stop reason, if any.
        detail: Option<String>,
    },
    /// A message from a client.
    MessageIn {
        /// The connection.
        socket_id: String,
        /// The topic.
        topic: String,
        /// The event.
        event: String,
        /// Bytes of the frame.
        size: usize,
        /// The payload, when asked for.
        payload: Option<String>,
    },
    /// A reply or push to one client.
    MessageOut {
        /// The connection.
        socket_id: String,
        /// The topic.
        topic: String,
        /// The event.
        event: String,
        /// Bytes of the frame.
        size: usize,
        /// The payload, when asked for.
        payload: Option<String>,
    },
    /// A PubSub broadcast delivered on this node.
    Broadcast {
        /// The topic.
        topic: String,
        /// The event.
        event: String,
        /// Bytes of the (V2) frame.
        size: usize,
        /// Subscribers it was delivered to on this node.
        subscribers: usize,
        /// `local` or `dashboard`.
        source: &'static str,
        /// Text when asked for; JSON for `presence_diff`.
        payload: Option<Value>,
    },
    /// An HTTP request answered.
    HttpRequest {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// The status code.
        status: u16,
        /// Time to the response, in µs.
        duration_us: u64,
    },
}

/// A payload as text, cut at [`PAYLOAD_LIMIT`] bytes.
pub(crate) fn payload_text(payload: &Payload) -> String {
    let mut text = match payload {
        Payload::Json(value) => value.to_string(),
        Payload::Binary(bytes) => format!("<{} bytes of binary>", bytes.len()),
        Payload::BinaryReply { status, response } => {
            format!("<{status} reply: {} bytes of binary>", response.len())
        }
    };
    if text.len() > PAYLOAD_LIMIT {
        let mut cut = PAYLOAD_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// A JSON payload as is (binary ones are left out).
pub(crate) fn payload_json(payload: &Payload) -> Option<Value> {
    match payload {
        Payload::Json(value) => Some(value.clone()),
        _ => None,
    }
}

/// Bytes of a frame.
pub(crate) fn frame_len(frame: &phoenix_protocol::Frame) -> usize {
    match frame {
        phoenix_protocol::Frame::Text(text) => text.len(),
        phoenix_protocol::Frame::Binary(bytes) => bytes.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_serialize_with_their_kind() {
        let event = Event {
            at_ms: 5,
            kind: EventKind::HttpRequest {
                method: "GET".into(),
                path: "/".into(),
                status: 200,
                duration_us: 12,
            },
        };
        assert_eq!(
            serde_json::to_value(&event).unwrap(),
            json!({"at_ms": 5, "kind": "http_request", "method": "GET", "path": "/",
                   "status": 200, "duration_us": 12})
        );
    }

    #[test]
    fn long_payloads_are_cut() {
        let text = payload_text(&Payload::Json(json!({ "body": "é".repeat(3000) })));
        assert!(text.len() <= PAYLOAD_LIMIT + '…'.len_utf8());
        assert!(text.ends_with('…'));
        assert_eq!(payload_text(&Payload::Json(json!({"a": 1}))), r#"{"a":1}"#);
    }
}
