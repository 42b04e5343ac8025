//! The demo's socket and channel, following Phoenix's generated ones so the
//! same clients and load tools work against both.

use std::sync::atomic::{AtomicBool, Ordering};

use phoenix::channel::{Channel, ChannelSocket, JoinResult, Reply};
use phoenix::params::Params;
use phoenix::protocol::Payload;
use phoenix::socket::{ChannelRoutes, ConnectError, ConnectInfo, Socket};
use serde_json::{json, Map, Value};

static CRASH_ALLOWED: AtomicBool = AtomicBool::new(false);

/// Lets the `crash` event panic (dev and test only).
pub fn allow_crash(allowed: bool) {
    CRASH_ALLOWED.store(allowed, Ordering::Relaxed);
}

/// Accepts any connection; assigns `user` from the `user` param.
#[derive(Default)]
pub struct UserSocket;

impl Socket for UserSocket {
    fn channels(&self, routes: &mut ChannelRoutes) {
        routes.channel::<RoomChannel>("room:*");
    }

    async fn connect(
        &self,
        params: &Params,
        _info: &ConnectInfo,
    ) -> Result<Map<String, Value>, ConnectError> {
        let user = params.get_str("user").unwrap_or("anonymous");
        let mut assigns = Map::new();
        assigns.insert("user".into(), Value::String(user.to_string()));
        Ok(assigns)
    }

    fn id(&self, assigns: &Map<String, Value>) -> Option<String> {
        assigns
            .get("user")
            .and_then(Value::as_str)
            .map(|user| format!("user_socket:{user}"))
    }
}

/// `room:*` topics: the chat and the events load tools use.
#[derive(Default)]
pub struct RoomChannel;

impl Channel for RoomChannel {
    async fn join(
        &mut self,
        topic: &str,
        _payload: Payload,
        socket: &mut ChannelSocket,
    ) -> JoinResult {
        if topic == "room:secret" {
            return Err(json!({ "reason": "unauthorized" }).into());
        }
        if topic == "room:lobby" || topic.starts_with("room:presence:") {
            let user: String = socket.get_assign("user").unwrap_or_default();
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

    async fn handle_in(
        &mut self,
        event: &str,
        payload: Payload,
        socket: &mut ChannelSocket,
    ) -> Reply {
        match event {
            "ping" | "echo" => Reply::ok(payload),
            "shout" => {
                let _ = socket.broadcast("shout", payload);
                Reply::none()
            }
            "new_msg" => {
                let body = payload
                    .as_json()
                    .and_then(|p| p.get("body"))
                    .cloned()
                    .unwrap_or(Value::Null);
                let user: String = socket.get_assign("user").unwrap_or_default();
                let _ = socket.broadcast("new_msg", json!({ "user": user, "body": body }));
                Reply::none()
            }
            "others" => {
                let _ = socket.broadcast_from("others", payload);
                Reply::none()
            }
            "crash" if CRASH_ALLOWED.load(Ordering::Relaxed) => {
                panic!("the crash event crashes on purpose")
            }
            _ => Reply::error(json!({ "reason": format!("unknown event {event:?}") })),
        }
    }
}
