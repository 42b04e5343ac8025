//! `{{ module }}Channel`: `{{ snake }}:*` topics.

use phoenix::channel::{Channel, ChannelSocket, JoinResult, Reply};
use phoenix::protocol::Payload;
use serde::Deserialize;
use serde_json::json;

use super::User;

/// The events clients push on `{{ snake }}:*` topics.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum {{ module }}In {
    /// Answered with its own payload.
    Ping(Payload),
    /// Broadcast to everyone on the topic.
    Shout(Payload),
}

/// `{{ snake }}:*`: authorize joins in `join`, handle events in `handle_in`.
#[derive(Default)]
pub struct {{ module }}Channel;

impl Channel for {{ module }}Channel {
    type Assigns = User;
    type In = {{ module }}In;
    type Info = ();

    async fn join(
        &mut self,
        _topic: &str,
        payload: Payload,
        _socket: &mut ChannelSocket<Self>,
    ) -> JoinResult {
        if authorized(&payload) {
            Ok(Payload::empty())
        } else {
            Err(json!({ "reason": "unauthorized" }).into())
        }
    }

    async fn handle_in(&mut self, event: {{ module }}In, socket: &mut ChannelSocket<Self>) -> Reply {
        match event {
            {{ module }}In::Ping(payload) => Reply::ok(payload),
            {{ module }}In::Shout(payload) => {
                let _ = socket.broadcast("shout", payload);
                Reply::none()
            }
        }
    }
}

/// Add your authorization logic here.
fn authorized(_payload: &Payload) -> bool {
    true
}
