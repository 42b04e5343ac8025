//! Channels: one conversation per topic on a socket, like a controller that
//! stays connected.
//!
//! Each joined topic runs as its own task with its own state (the channel
//! value) and mailbox. A panic in a callback is contained: the client gets a
//! `phx_error` for that topic, the socket and its other channels go on.
//!
//! ```
//! use phoenix::channel::{Channel, ChannelSocket, JoinResult, Reply};
//! use phoenix::pubsub::InvalidPayload;
//! use phoenix_protocol::Payload;
//! use serde_json::json;
//!
//! #[derive(Default)]
//! struct RoomChannel;
//!
//! impl Channel for RoomChannel {
//!     async fn join(&mut self, topic: &str, _payload: Payload, _socket: &mut ChannelSocket) -> JoinResult {
//!         if topic == "room:secret" {
//!             Err(json!({"reason": "unauthorized"}).into())
//!         } else {
//!             Ok(Payload::empty())
//!         }
//!     }
//!
//!     async fn handle_in(&mut self, event: &str, payload: Payload, socket: &mut ChannelSocket) -> Reply {
//!         match event {
//!             "ping" => Reply::ok(payload),
//!             "shout" => {
//!                 let _ = socket.broadcast("shout", payload);
//!                 Reply::none()
//!             }
//!             _ => Reply::error(json!({"reason": "unknown event"})),
//!         }
//!     }
//! }
//! ```

pub(crate) mod server;

use std::any::Any;
use std::future::Future;

use futures_util::future::BoxFuture;
use phoenix_protocol::{Message, Payload, Vsn};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::mailbox;
use crate::presence::{Presence, Tracked};
use crate::pubsub::{InvalidPayload, PubSub, SubscriberId};
use crate::socket::connection::{ConnEvent, Outbox};

/// The outcome of a join: the reply's response, or the error response.
pub type JoinResult = Result<Payload, Payload>;

/// Why a channel stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The handler stopped normally (`phx_close`).
    Normal,
    /// The handler asked to shut down (`phx_close`).
    Shutdown,
    /// The client left (`phx_leave`).
    Left,
    /// The connection went away.
    Closed,
    /// A new join of the same topic replaced this channel.
    DuplicateJoin,
    /// The handler stopped with an error (`phx_error`).
    Error(String),
}

impl Reason {
    /// Whether the client is told `phx_close` (true) or `phx_error` (false).
    pub fn is_clean(&self) -> bool {
        !matches!(self, Reason::Error(_))
    }
}

/// What `handle_in` answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A `phx_reply` with a status (`ok`, `error`, ...) and a response.
    Status(String, Payload),
    /// No reply (the client's push eventually times out, unless replied later).
    None,
    /// Stop the channel, after an optional reply.
    Stop {
        /// Why.
        reason: Reason,
        /// A reply sent before the `phx_close`/`phx_error`.
        reply: Option<(String, Payload)>,
    },
}

impl Reply {
    /// Reply `ok` with a response.
    pub fn ok(response: impl Into<Payload>) -> Reply {
        Reply::Status("ok".into(), response.into())
    }

    /// Reply `error` with a response.
    pub fn error(response: impl Into<Payload>) -> Reply {
        Reply::Status("error".into(), response.into())
    }

    /// Reply with a status and `{}`.
    pub fn status(status: &str) -> Reply {
        Reply::Status(status.into(), Payload::empty())
    }

    /// No reply.
    pub fn none() -> Reply {
        Reply::None
    }

    /// Stop the channel.
    pub fn stop(reason: Reason) -> Reply {
        Reply::Stop {
            reason,
            reply: None,
        }
    }

    /// Reply, then stop.
    pub fn stop_with_reply(reason: Reason, status: &str, response: impl Into<Payload>) -> Reply {
        Reply::Stop {
            reason,
            reply: Some((status.into(), response.into())),
        }
    }
}

/// A message sent to a channel from elsewhere (the seed's `send socket.pid`).
pub struct Info(pub Box<dyn Any + Send>);

impl Info {
    /// The message, if it is a `T`.
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        self.0.downcast_ref::<T>()
    }
}

impl std::fmt::Debug for Info {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Info(..)")
    }
}

/// A channel implementation. A fresh value (`Default`) serves each join.
pub trait Channel: Send + 'static {
    /// Authorizes the join; `Ok(response)` joins, `Err(response)` refuses.
    fn join(
        &mut self,
        topic: &str,
        payload: Payload,
        socket: &mut ChannelSocket,
    ) -> impl Future<Output = JoinResult> + Send;

    /// Handles an event the client pushed.
    fn handle_in(
        &mut self,
        event: &str,
        payload: Payload,
        socket: &mut ChannelSocket,
    ) -> impl Future<Output = Reply> + Send;

    /// Handles a message sent with a [`ChannelRef`] or to the whole
    /// connection; returning a reason stops the channel.
    fn handle_info(
        &mut self,
        info: Info,
        socket: &mut ChannelSocket,
    ) -> impl Future<Output = Option<Reason>> + Send {
        let _ = (info, socket);
        async { None }
    }

    /// Broadcast events this channel wants to see in [`Channel::handle_out`]
    /// instead of the fast lane.
    fn intercept(&self) -> &'static [&'static str] {
        &[]
    }

    /// Handles an intercepted broadcast; pushing it (possibly changed) is up to the channel.
    fn handle_out(
        &mut self,
        event: &str,
        payload: Payload,
        socket: &mut ChannelSocket,
    ) -> impl Future<Output = ()> + Send {
        let _ = socket.push(event, payload);
        async {}
    }

    /// Runs when the channel stops (not after a crash).
    fn terminate(
        &mut self,
        reason: &Reason,
        socket: &mut ChannelSocket,
    ) -> impl Future<Output = ()> + Send {
        let _ = (reason, socket);
        async {}
    }
}

/// [`Channel`] behind a pointer (what the socket's routes hold).
pub(crate) trait DynChannel: Send {
    fn join<'a>(
        &'a mut self,
        topic: &'a str,
        payload: Payload,
        socket: &'a mut ChannelSocket,
    ) -> BoxFuture<'a, JoinResult>;
    fn handle_in<'a>(
        &'a mut self,
        event: &'a str,
        payload: Payload,
        socket: &'a mut ChannelSocket,
    ) -> BoxFuture<'a, Reply>;
    fn handle_info<'a>(
        &'a mut self,
        info: Info,
        socket: &'a mut ChannelSocket,
    ) -> BoxFuture<'a, Option<Reason>>;
    fn intercept(&self) -> &'static [&'static str];
    fn handle_out<'a>(
        &'a mut self,
        event: &'a str,
        payload: Payload,
        socket: &'a mut ChannelSocket,
    ) -> BoxFuture<'a, ()>;
    fn terminate<'a>(
        &'a mut self,
        reason: &'a Reason,
        socket: &'a mut ChannelSocket,
    ) -> BoxFuture<'a, ()>;
}

impl<C: Channel> DynChannel for C {
    fn join<'a>(
        &'a mut self,
        topic: &'a str,
        payload: Payload,
        socket: &'a mut ChannelSocket,
    ) -> BoxFuture<'a, JoinResult> {
        Box::pin(Channel::join(self, topic, payload, socket))
    }
    fn handle_in<'a>(
        &'a mut self,
        event: &'a str,
        payload: Payload,
        socket: &'a mut ChannelSocket,
    ) -> BoxFuture<'a, Reply> {
        Box::pin(Channel::handle_in(self, event, payload, socket))
    }
    fn handle_info<'a>(
        &'a mut self,
        info: Info,
        socket: &'a mut ChannelSocket,
    ) -> BoxFuture<'a, Option<Reason>> {
        Box::pin(Channel::handle_info(self, info, socket))
    }
    fn intercept(&self) -> &'static [&'static str] {
        Channel::intercept(self)
    }
    fn handle_out<'a>(
        &'a mut self,
        event: &'a str,
        payload: Payload,
        socket: &'a mut ChannelSocket,
    ) -> BoxFuture<'a, ()> {
        Box::pin(Channel::handle_out(self, event, payload, socket))
    }
    fn terminate<'a>(
        &'a mut self,
        reason: &'a Reason,
        socket: &'a mut ChannelSocket,
    ) -> BoxFuture<'a, ()> {
        Box::pin(Channel::terminate(self, reason, socket))
    }
}

/// What a channel task's mailbox carries (kept small: tokio allocates
/// mailbox slots in blocks, per channel).
pub(crate) enum ChannelMsg {
    In(Box<Message>),
    Leave(Box<Message>),
    Info(Info),
    Out(std::sync::Arc<crate::pubsub::Broadcast>),
    Shutdown(Reason),
}

/// Sends messages to one channel's [`Channel::handle_info`].
#[derive(Clone)]
pub struct ChannelRef {
    tx: mailbox::Sender<ChannelMsg>,
}

impl ChannelRef {
    /// Sends a message; false if the channel is gone.
    pub fn send(&self, message: impl Any + Send) -> bool {
        self.tx
            .send(ChannelMsg::Info(Info(Box::new(message))))
            .is_ok()
    }
}

/// Sends messages to every channel of one connection (the seed's
/// `send socket.pid "pong"`, received as "info" by all its channels).
#[derive(Clone)]
pub struct ConnectionRef {
    pub(crate) events: mailbox::Sender<ConnEvent>,
}

impl ConnectionRef {
    /// Delivers `make()` to every channel of the connection; false if it is gone.
    pub fn send_info<F, T>(&self, make: F) -> bool
    where
        F: Fn() -> T + Send + Sync + 'static,
        T: Any + Send,
    {
        let make: Box<dyn Fn() -> Info + Send + Sync> = Box::new(move || Info(Box::new(make())));
        self.events.send(ConnEvent::InfoAll(make)).is_ok()
    }
}

/// Replies to one client message later, from any task (the socket
/// reference of Phoenix's asynchronous replies).
#[derive(Clone)]
pub struct ReplyRef {
    topic: String,
    join_ref: Option<String>,
    msg_ref: Option<String>,
    vsn: Vsn,
    outbox: Outbox,
}

impl ReplyRef {
    /// Sends the reply.
    pub fn reply(&self, status: &str, response: impl Into<Payload>) {
        let message = Message::reply_to(
            self.join_ref.clone(),
            self.msg_ref.clone(),
            &self.topic,
            status,
            response.into(),
        );
        self.outbox.send_message(self.vsn, &message);
    }
}

/// The socket as a channel sees it: topic, assigns, and ways to talk.
pub struct ChannelSocket {
    pub(crate) topic: String,
    pub(crate) join_ref: Option<String>,
    pub(crate) msg_ref: Option<String>,
    /// Shared with the connection until this channel assigns (copy on write).
    pub(crate) assigns: std::sync::Arc<Map<String, Value>>,
    pub(crate) vsn: Vsn,
    pub(crate) outbox: Outbox,
    pub(crate) pubsub: PubSub,
    pub(crate) subscriber: Option<SubscriberId>,
    pub(crate) joined: bool,
    pub(crate) pending: Vec<Message>,
    pub(crate) me: mailbox::Sender<ChannelMsg>,
    pub(crate) connection: ConnectionRef,
    pub(crate) presence: Presence,
    pub(crate) tracked: Vec<Tracked>,
}

impl ChannelSocket {
    /// The channel's topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The join ref of this incarnation.
    pub fn join_ref(&self) -> Option<&str> {
        self.join_ref.as_deref()
    }

    /// Stores a value for later callbacks (the seed's "holding state in socket
    /// connections"); this channel's copy only.
    pub fn assign(&mut self, key: impl Into<String>, value: impl Serialize) {
        std::sync::Arc::make_mut(&mut self.assigns).insert(
            key.into(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
    }

    /// A stored value (the seed's `get_assign`).
    pub fn get_assign<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.assigns.get(key).and_then(|v| T::deserialize(v).ok())
    }

    /// Every assign.
    pub fn assigns(&self) -> &Map<String, Value> {
        &self.assigns
    }

    /// Pushes an event to this client only (`[J, null, topic, event, payload]`).
    /// Pushes made while joining are sent right after the join reply.
    pub fn push(&mut self, event: &str, payload: impl Into<Payload>) -> Result<(), InvalidPayload> {
        let payload = payload.into();
        if !payload.is_pushable() {
            return Err(InvalidPayload("not an object".into()));
        }
        let message = Message::new(
            self.join_ref.clone(),
            None,
            self.topic.clone(),
            event,
            payload,
        );
        if self.joined {
            self.outbox.send_message(self.vsn, &message);
        } else {
            self.pending.push(message);
        }
        Ok(())
    }

    /// Broadcasts to every subscriber of this topic, this client included.
    pub fn broadcast(
        &self,
        event: &str,
        payload: impl Into<Payload>,
    ) -> Result<(), InvalidPayload> {
        self.pubsub.broadcast(&self.topic, event, payload)
    }

    /// Broadcasts to every subscriber of this topic but this channel.
    pub fn broadcast_from(
        &self,
        event: &str,
        payload: impl Into<Payload>,
    ) -> Result<(), InvalidPayload> {
        match self.subscriber {
            Some(me) => self.pubsub.broadcast_from(me, &self.topic, event, payload),
            None => self.pubsub.broadcast(&self.topic, event, payload),
        }
    }

    /// A handle to reply to the message being handled, later.
    pub fn reply_ref(&self) -> ReplyRef {
        ReplyRef {
            topic: self.topic.clone(),
            join_ref: self.join_ref.clone(),
            msg_ref: self.msg_ref.clone(),
            vsn: self.vsn,
            outbox: self.outbox.clone(),
        }
    }

    /// A handle to send this channel messages (its `handle_info`).
    pub fn channel_ref(&self) -> ChannelRef {
        ChannelRef {
            tx: self.me.clone(),
        }
    }

    /// A handle to send every channel of this connection a message.
    pub fn connection(&self) -> ConnectionRef {
        self.connection.clone()
    }

    /// The application's PubSub.
    pub fn pubsub(&self) -> &PubSub {
        &self.pubsub
    }

    /// The application's presence tracker.
    pub fn presence(&self) -> &Presence {
        &self.presence
    }

    /// Tracks this client on the channel's topic under `key`; the entry goes
    /// away when the channel stops.
    pub fn track(&mut self, key: &str, meta: Value) -> Tracked {
        let tracked = self.presence.track(&self.topic, key, meta);
        self.tracked.push(tracked.clone());
        tracked
    }

    /// Stops tracking an entry of this channel.
    pub fn untrack(&mut self, tracked: &Tracked) {
        self.tracked.retain(|t| t != tracked);
        self.presence.untrack(tracked);
    }

    /// Pushes `presence_state` (everyone on the topic) to this client.
    pub fn push_presence_state(&mut self) {
        let state = self.presence.list(&self.topic);
        let _ = self.push(crate::presence::STATE_EVENT, state);
    }

    pub(crate) fn untrack_all(&mut self) {
        for tracked in std::mem::take(&mut self.tracked) {
            self.presence.untrack(&tracked);
        }
    }
}
