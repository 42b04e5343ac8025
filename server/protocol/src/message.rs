//! The logical message every frame decodes to.

use serde_json::{json, Value};

use crate::events;

/// A message payload: JSON, or raw bytes (V2 binary frames only).
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// A JSON value (server pushes and broadcasts use objects).
    Json(Value),
    /// Raw bytes.
    Binary(Vec<u8>),
    /// A reply whose response is binary: `{status, response: <bytes>}`.
    BinaryReply {
        /// The reply status (`ok`, `error`, ...).
        status: String,
        /// The response bytes.
        response: Vec<u8>,
    },
}

impl Payload {
    /// A JSON payload.
    pub fn json(value: Value) -> Self {
        Payload::Json(value)
    }

    /// The empty object `{}`.
    pub fn empty() -> Self {
        Payload::Json(Value::Object(Default::default()))
    }

    /// The JSON value, if this is JSON.
    pub fn as_json(&self) -> Option<&Value> {
        match self {
            Payload::Json(v) => Some(v),
            _ => None,
        }
    }

    /// Whether the payload is a JSON object or binary, the only payloads a
    /// server may push or broadcast.
    pub fn is_pushable(&self) -> bool {
        match self {
            Payload::Json(v) => v.is_object(),
            Payload::Binary(_) | Payload::BinaryReply { .. } => true,
        }
    }
}

impl From<Value> for Payload {
    fn from(value: Value) -> Self {
        Payload::Json(value)
    }
}

/// One message: `[join_ref, ref, topic, event, payload]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// The join ref of the channel incarnation, if any.
    pub join_ref: Option<String>,
    /// The client's ref (or the ref being answered).
    pub msg_ref: Option<String>,
    /// The topic.
    pub topic: String,
    /// The event.
    pub event: String,
    /// The payload.
    pub payload: Payload,
}

impl Message {
    /// A message with every field given.
    pub fn new(
        join_ref: Option<String>,
        msg_ref: Option<String>,
        topic: impl Into<String>,
        event: impl Into<String>,
        payload: Payload,
    ) -> Self {
        Message {
            join_ref,
            msg_ref,
            topic: topic.into(),
            event: event.into(),
            payload,
        }
    }

    /// The reply to `to` with a status and a response.
    pub fn reply(to: &Message, status: &str, response: Payload) -> Self {
        Message::reply_to(
            to.join_ref.clone(),
            to.msg_ref.clone(),
            &to.topic,
            status,
            response,
        )
    }

    /// A reply built from its parts.
    pub fn reply_to(
        join_ref: Option<String>,
        msg_ref: Option<String>,
        topic: &str,
        status: &str,
        response: Payload,
    ) -> Self {
        let payload = match response {
            Payload::Json(response) => {
                Payload::Json(json!({ "status": status, "response": response }))
            }
            Payload::Binary(response) | Payload::BinaryReply { response, .. } => {
                Payload::BinaryReply {
                    status: status.to_string(),
                    response,
                }
            }
        };
        Message::new(join_ref, msg_ref, topic, events::REPLY, payload)
    }

    /// A broadcast: no join ref, no ref.
    pub fn broadcast(topic: impl Into<String>, event: impl Into<String>, payload: Payload) -> Self {
        Message::new(None, None, topic, event, payload)
    }

    /// Whether this is a heartbeat.
    pub fn is_heartbeat(&self) -> bool {
        self.topic == events::HEARTBEAT_TOPIC && self.event == events::HEARTBEAT
    }
}
