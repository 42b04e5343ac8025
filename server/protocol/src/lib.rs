//! The Phoenix Channels wire format, written once and shared by the server,
//! the wasm client and the dashboard.
//!
//! A frame decodes to a [`Message`] of five fields. Two serializers exist:
//! V1 (`vsn=1.0.0`, JSON objects, text only) and V2 (`vsn=2.0.0`, JSON arrays
//! in text frames plus binary frames for binary payloads).
//!
//! ```
//! use phoenix_protocol::{Frame, Message, Payload, Vsn};
//!
//! let frame = Frame::Text(r#"["1","2","room:lobby","ping",{"a":1}]"#.into());
//! let msg = Vsn::V2.decode_from_client(&frame).unwrap();
//! assert_eq!(msg.topic, "room:lobby");
//! let reply = Message::reply(&msg, "ok", Payload::json(serde_json::json!({"a": 1})));
//! assert_eq!(
//!     Vsn::V2.encode_to_client(&reply).unwrap(),
//!     Frame::Text(r#"["1","2","room:lobby","phx_reply",{"response":{"a":1},"status":"ok"}]"#.into())
//! );
//! ```

mod binary;
mod error;
mod message;
mod payload_serde;
mod vsn;

pub use error::{DecodeError, EncodeError};
pub use message::{Message, Payload};
pub use vsn::Vsn;

/// One encoded message: a text or a binary WebSocket frame (or LongPoll line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A JSON text frame.
    Text(String),
    /// A V2 binary frame.
    Binary(Vec<u8>),
}

/// Reserved event names.
pub mod events {
    /// Join a topic.
    pub const JOIN: &str = "phx_join";
    /// Leave a topic.
    pub const LEAVE: &str = "phx_leave";
    /// A reply to a client message.
    pub const REPLY: &str = "phx_reply";
    /// The channel closed normally.
    pub const CLOSE: &str = "phx_close";
    /// The channel crashed.
    pub const ERROR: &str = "phx_error";
    /// The connection's keep-alive, on topic [`HEARTBEAT_TOPIC`].
    pub const HEARTBEAT: &str = "heartbeat";
    /// The topic of heartbeats.
    pub const HEARTBEAT_TOPIC: &str = "phoenix";
}
