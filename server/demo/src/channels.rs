//! The demo's socket and channel, following Phoenix's generated ones so the
//! same clients and load tools work against both.

use phoenix::channel::{Channel, ChannelSocket, JoinResult, Reply};
use phoenix::params::Params;
use phoenix::protocol::Payload;
use phoenix::socket::{ChannelRoutes, ConnectError, ConnectInfo, Socket};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::DemoSettings;

/// What every channel of a connection knows of it: who is connected.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// The `user` param of the connection (`anonymous` without one).
    pub user: String,
}

/// Accepts any connection; its user is the `user` param.
#[derive(Default)]
pub struct UserSocket;

impl Socket for UserSocket {
    type Assigns = User;

    fn channels(&self, routes: &mut ChannelRoutes<User>) {
        routes.channel::<RoomChannel>("room:*");
    }

    async fn connect(&self, params: &Params, _info: &ConnectInfo) -> Result<User, ConnectError> {
        let user = params.get_str("user").unwrap_or("anonymous");
        Ok(User {
            user: user.to_string(),
        })
    }

    fn id(&self, assigns: &User) -> Option<String> {
        Some(format!("user_socket:{}", assigns.user))
    }
}

/// The events clients push on `room:*` topics.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomIn {
    /// Answered with its own payload (load tools use both names).
    Ping(Payload),
    /// Same as `ping`.
    Echo(Payload),
    /// Broadcast as is to the topic.
    Shout(Payload),
    /// A chat message, broadcast with its author.
    NewMsg {
        /// The text (any JSON value, as Phoenix's generated chat allows).
        #[serde(default)]
        body: serde_json::Value,
    },
    /// Broadcast to everyone on the topic but the sender.
    Others(Payload),
    /// Panics, to show a crash is contained (dev and test only).
    Crash,
}

/// The chat message everyone on the topic receives.
#[derive(Debug, Serialize)]
pub struct NewMsg<'a> {
    /// Who wrote it.
    pub user: &'a str,
    /// What they wrote.
    pub body: serde_json::Value,
}

/// `room:*` topics: the chat and the events load tools use.
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
        socket: &mut ChannelSocket<Self>,
    ) -> JoinResult {
        if topic == "room:secret" {
            return Err(json!({ "reason": "unauthorized" }).into());
        }
        if topic == "room:lobby" || topic.starts_with("room:presence:") {
            let user = socket.assigns().user.clone();
            let online_at = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            socket.track(&user, json!({ "online_at": online_at }));
            // Sent right after the join reply.
            socket.push_presence_state();
        }
        Ok(Payload::empty())
    }

    async fn handle_in(&mut self, event: RoomIn, socket: &mut ChannelSocket<Self>) -> Reply {
        match event {
            RoomIn::Ping(payload) | RoomIn::Echo(payload) => Reply::ok(payload),
            RoomIn::Shout(payload) => {
                let _ = socket.broadcast("shout", payload);
                Reply::none()
            }
            RoomIn::NewMsg { body } => {
                let message = NewMsg {
                    user: &socket.assigns().user,
                    body,
                };
                let _ = socket.broadcast("new_msg", message);
                Reply::none()
            }
            RoomIn::Others(payload) => {
                let _ = socket.broadcast_from("others", payload);
                Reply::none()
            }
            RoomIn::Crash => {
                let allowed = socket
                    .state::<DemoSettings>()
                    .is_ok_and(|settings| settings.crash_allowed);
                if allowed {
                    panic!("the crash event crashes on purpose")
                }
                Reply::error(json!({ "reason": "unknown event \"crash\"" }))
            }
        }
    }
}
