//! The demo's socket and channel, following Phoenix's generated ones so the
//! same clients and load tools work against both.

use phoenix::channel::{Channel, ChannelSocket, JoinResult, Reply};
use phoenix::params::Params;
use phoenix::protocol::Payload;
use phoenix::socket::{ChannelRoutes, ConnectError, ConnectInfo, Socket};
use phoenix::token::Token;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::DemoSettings;

/// The salt of the tokens the chat pages sign for [`UserSocket`].
pub const USER_TOKEN_SALT: &str = "user socket";

/// How long a chat page's token lets its user connect (Phoenix's guides
/// use two weeks).
pub const USER_TOKEN_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(14 * 24 * 3600);

/// The connect param holding that token. Not `token`: the LongPoll
/// transport's own session token travels as the `token` query param, and
/// would take its place in the params of a LongPoll request.
pub const USER_TOKEN_PARAM: &str = "user_token";

/// What every channel of a connection knows of it: who is connected.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// The user the connection's token was signed for; without a token,
    /// the `user` param (`anonymous` without one).
    pub user: String,
}

/// Its user is the one its `user_token` param was signed for (the chat
/// pages hand one out), refused with 403 if that token is invalid or
/// expired; a connection without a token is taken at its word, its user
/// being the `user` param (load tools and the API pages connect so).
#[derive(Default)]
pub struct UserSocket;

impl Socket for UserSocket {
    type Assigns = User;

    fn channels(&self, routes: &mut ChannelRoutes<User>) {
        routes.channel::<RoomChannel>("room:*");
    }

    async fn connect(&self, params: &Params, info: &ConnectInfo) -> Result<User, ConnectError> {
        if let Some(token) = params.get_str(USER_TOKEN_PARAM) {
            // The token's user, whatever the `user` param says.
            return Token::verify(info, USER_TOKEN_SALT, token, USER_TOKEN_MAX_AGE)
                .map(|user| User { user })
                .map_err(|err| ConnectError::Status(403, err.to_string()));
        }
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
