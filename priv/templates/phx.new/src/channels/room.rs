//! `RoomChannel`: `room:*` topics.

use phoenix::channel::{Channel, ChannelSocket, JoinResult, Reply};
use phoenix::protocol::Payload;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::User;

/// The events clients push on `room:*` topics.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomIn {
    /// Answered with its own payload.
    Ping(Payload),
    /// Broadcast to everyone on the topic, with its author.
    Shout {
        /// What was said.
        body: String,
    },
}

/// A shout, as everyone on the topic receives it.
#[derive(Debug, Serialize)]
pub struct Shout<'a> {
    /// Who said it.
    pub user: &'a str,
    /// What they said.
    pub body: &'a str,
}

/// A room: anyone may join `room:lobby`; other rooms are private.
#[derive(Default)]
pub struct RoomChannel;

impl Channel for RoomChannel {
    type Assigns = User;
    type In = RoomIn;
    type Info = ();

    async fn join(
        &mut self,
        topic: &str,
        _payload: Payload,
        _socket: &mut ChannelSocket<Self>,
    ) -> JoinResult {
        if topic == "room:lobby" {
            Ok(Payload::empty())
        } else {
            Err(json!({ "reason": "unauthorized" }).into())
        }
    }

    async fn handle_in(&mut self, event: RoomIn, socket: &mut ChannelSocket<Self>) -> Reply {
        match event {
            RoomIn::Ping(payload) => Reply::ok(payload),
            RoomIn::Shout { body } => {
                let shout = Shout {
                    user: &socket.assigns().name,
                    body: body.trim(),
                };
                let _ = socket.broadcast("shout", shout);
                Reply::none()
            }
        }
    }
}
