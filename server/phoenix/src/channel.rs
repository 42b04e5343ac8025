//! Channels: one conversation per topic on a socket, like a controller that
//! stays connected.
//!
//! Each joined topic runs as its own task with its own state (the channel
//! value) and a bounded mailbox. Incoming events are typed: an enum whose
//! variants are the events deserializes from the event name and payload
//! (see [`decode_event`]); one that does not decode gets an `error` reply
//! naming the problem, and the channel goes on. A panic in a callback is
//! contained: the client gets a `phx_error` for that topic, the socket and
//! its other channels go on.
//!
//! ```
//! use phoenix::channel::{Channel, ChannelSocket, JoinResult, Reply};
//! use phoenix::protocol::Payload;
//! use serde::{Deserialize, Serialize};
//! use serde_json::json;
//!
//! /// What a connection of the socket keeps (`Socket::Assigns`).
//! #[derive(Clone, Serialize)]
//! struct User { name: String }
//!
//! #[derive(Deserialize)]
//! #[serde(rename_all = "snake_case")]
//! enum RoomIn {
//!     Ping(Payload),
//!     Shout { body: String },
//! }
//!
//! #[derive(Serialize)]
//! struct Shout<'a> { from: &'a str, body: String }
//!
//! #[derive(Default)]
//! struct RoomChannel;
//!
//! impl Channel for RoomChannel {
//!     type Assigns = User;
//!     type In = RoomIn;
//!     type Info = ();
//!
//!     async fn join(&mut self, topic: &str, _payload: Payload, _socket: &mut ChannelSocket<Self>) -> JoinResult {
//!         if topic == "room:secret" {
//!             Err(json!({"reason": "unauthorized"}).into())
//!         } else {
//!             Ok(Payload::empty())
//!         }
//!     }
//!
//!     async fn handle_in(&mut self, event: RoomIn, socket: &mut ChannelSocket<Self>) -> Reply {
//!         match event {
//!             RoomIn::Ping(payload) => Reply::ok(payload),
//!             RoomIn::Shout { body } => {
//!                 let from = socket.assigns().name.clone();
//!                 let _ = socket.broadcast("shout", Shout { from: &from, body });
//!                 Reply::none()
//!             }
//!         }
//!     }
//! }
//! ```

mod event;
pub(crate) mod server;

use std::any::Any;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use phoenix_protocol::{Message, Payload, Vsn};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::mailbox;
use crate::presence::{Presence, Tracked};
use crate::pubsub::{InvalidPayload, PubSub, SubscriberId};
use crate::socket::connection::{ConnEvent, Outbox};
use crate::state::{MissingStateError, StateMap};

pub use event::{decode_event, Event, EventError};

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

/// A payload of any serializable value; one that cannot be encoded becomes
/// `{"reason": ...}` and is logged.
fn encode(value: impl Serialize) -> Payload {
    Payload::from_serialize(&value).unwrap_or_else(|err| {
        tracing::error!("a channel payload could not be encoded: {err}");
        serde_json::json!({ "reason": "the server could not encode this payload" }).into()
    })
}

impl Reply {
    /// Reply `ok` with a response: any serializable value (a struct, a
    /// `json!` value, a [`Payload`] as it is).
    pub fn ok(response: impl Serialize) -> Reply {
        Reply::Status("ok".into(), encode(response))
    }

    /// Reply `error` with a response.
    pub fn error(response: impl Serialize) -> Reply {
        Reply::Status("error".into(), encode(response))
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
    pub fn stop_with_reply(reason: Reason, status: &str, response: impl Serialize) -> Reply {
        Reply::Stop {
            reason,
            reply: Some((status.into(), encode(response))),
        }
    }
}

/// A channel implementation. A fresh value serves each join.
///
/// `Assigns` is the socket's ([`Socket::Assigns`](crate::socket::Socket)),
/// `In` the events clients push (an enum deserialized by [`decode_event`], or
/// [`Event`] for any), `Info` the messages the app sends it through a
/// [`ChannelRef`] (`()` if none).
pub trait Channel: Sized + Send + 'static {
    /// What each connection of the socket keeps.
    type Assigns: Send + Sync + 'static;
    /// The events clients push.
    type In: DeserializeOwned + Send;
    /// The messages sent to this channel from elsewhere.
    type Info: Send + 'static;

    /// Authorizes the join; `Ok(response)` joins, `Err(response)` refuses.
    fn join(
        &mut self,
        topic: &str,
        payload: Payload,
        socket: &mut ChannelSocket<Self>,
    ) -> impl Future<Output = JoinResult> + Send;

    /// Handles an event the client pushed.
    fn handle_in(
        &mut self,
        event: Self::In,
        socket: &mut ChannelSocket<Self>,
    ) -> impl Future<Output = Reply> + Send;

    /// Handles a message sent with a [`ChannelRef`] or to the whole
    /// connection; returning a reason stops the channel.
    fn handle_info(
        &mut self,
        info: Self::Info,
        socket: &mut ChannelSocket<Self>,
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
        socket: &mut ChannelSocket<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = socket.push(event, payload);
        async {}
    }

    /// Runs when the channel stops (not after a crash).
    fn terminate(
        &mut self,
        reason: &Reason,
        socket: &mut ChannelSocket<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (reason, socket);
        async {}
    }
}

/// A message for a channel's `handle_info`, of the channel's `Info` type
/// (a connection-wide message may be of any type: see [`ConnectionRef`]).
pub(crate) type Info = Box<dyn Any + Send>;

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
pub struct ChannelRef<I> {
    tx: mailbox::Sender<ChannelMsg>,
    _info: PhantomData<fn(I)>,
}

impl<I> Clone for ChannelRef<I> {
    fn clone(&self) -> Self {
        ChannelRef {
            tx: self.tx.clone(),
            _info: PhantomData,
        }
    }
}

impl<I: Send + 'static> ChannelRef<I> {
    /// Sends a message; false if the channel is gone, or if its mailbox is
    /// full ([`SocketLimits::channel_mailbox`](crate::socket::SocketLimits)),
    /// which stops the channel (its client gets `phx_error`).
    pub fn send(&self, info: I) -> bool {
        self.tx.try_send(ChannelMsg::Info(Box::new(info))).is_ok()
    }
}

/// Sends messages to every channel of one connection (the seed's
/// `send socket.pid "pong"`, received as "info" by all its channels).
#[derive(Clone)]
pub struct ConnectionRef {
    pub(crate) events: mailbox::Sender<ConnEvent>,
}

impl ConnectionRef {
    /// Delivers `make()` to every channel of the connection whose `Info` is
    /// `T` (the others ignore it); false if the connection is gone or has
    /// more such requests waiting than it can hold.
    pub fn send_info<F, T>(&self, make: F) -> bool
    where
        F: Fn() -> T + Send + Sync + 'static,
        T: Any + Send,
    {
        let make: Box<dyn Fn() -> Info + Send + Sync> = Box::new(move || Box::new(make()));
        self.events.try_send(ConnEvent::InfoAll(make)).is_ok()
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
    /// Sends the reply (any serializable value, or a [`Payload`]).
    pub fn reply(&self, status: &str, response: impl Serialize) {
        let message = Message::reply_to(
            self.join_ref.clone(),
            self.msg_ref.clone(),
            &self.topic,
            status,
            encode(response),
        );
        self.outbox.send_message(self.vsn, &message);
    }
}

/// What a channel's socket holds whatever the channel's type.
pub(crate) struct SocketCore {
    pub(crate) topic: String,
    pub(crate) join_ref: Option<String>,
    pub(crate) msg_ref: Option<String>,
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
    pub(crate) state: StateMap,
}

impl SocketCore {
    pub(crate) fn reply_ref(&self) -> ReplyRef {
        ReplyRef {
            topic: self.topic.clone(),
            join_ref: self.join_ref.clone(),
            msg_ref: self.msg_ref.clone(),
            vsn: self.vsn,
            outbox: self.outbox.clone(),
        }
    }

    pub(crate) fn untrack_all(&mut self) {
        for tracked in std::mem::take(&mut self.tracked) {
            self.presence.untrack(&tracked);
        }
    }

    fn push(&mut self, event: &str, payload: Payload) -> Result<(), InvalidPayload> {
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
}

/// The socket as channel `C` sees it: topic, typed assigns, application
/// state, and ways to talk.
pub struct ChannelSocket<C: Channel> {
    pub(crate) core: SocketCore,
    /// Shared with the connection until this channel changes them (copy on write).
    pub(crate) assigns: Arc<C::Assigns>,
}

impl<C: Channel> ChannelSocket<C> {
    /// The channel's topic.
    pub fn topic(&self) -> &str {
        &self.core.topic
    }

    /// The join ref of this incarnation.
    pub fn join_ref(&self) -> Option<&str> {
        self.core.join_ref.as_deref()
    }

    /// The connection's assigns, as its socket's `connect` returned them.
    pub fn assigns(&self) -> &C::Assigns {
        &self.assigns
    }

    /// The assigns, to change them for this channel only (the seed's
    /// "holding state in socket connections"; state of the channel alone
    /// is better kept in the channel value itself).
    pub fn assigns_mut(&mut self) -> &mut C::Assigns
    where
        C::Assigns: Clone,
    {
        Arc::make_mut(&mut self.assigns)
    }

    /// Application state of type `T` (see [`crate::state`]).
    pub fn state<T: Send + Sync + 'static>(&self) -> Result<&T, MissingStateError> {
        self.core.state.get::<T>()
    }

    /// Pushes an event to this client only (`[J, null, topic, event, payload]`):
    /// any serializable value that is a JSON object, or binary. Pushes made
    /// while joining are sent right after the join reply.
    pub fn push(&mut self, event: &str, payload: impl Serialize) -> Result<(), InvalidPayload> {
        let payload = Payload::from_serialize(&payload).map_err(|e| InvalidPayload(e.0))?;
        self.core.push(event, payload)
    }

    /// Broadcasts to every subscriber of this topic, this client included.
    pub fn broadcast(&self, event: &str, payload: impl Serialize) -> Result<(), InvalidPayload> {
        self.core.pubsub.broadcast(&self.core.topic, event, payload)
    }

    /// Broadcasts to every subscriber of this topic but this channel.
    pub fn broadcast_from(
        &self,
        event: &str,
        payload: impl Serialize,
    ) -> Result<(), InvalidPayload> {
        match self.core.subscriber {
            Some(me) => self
                .core
                .pubsub
                .broadcast_from(me, &self.core.topic, event, payload),
            None => self.core.pubsub.broadcast(&self.core.topic, event, payload),
        }
    }

    /// A handle to reply to the message being handled, later.
    pub fn reply_ref(&self) -> ReplyRef {
        self.core.reply_ref()
    }

    /// A handle to send this channel messages (its `handle_info`).
    pub fn channel_ref(&self) -> ChannelRef<C::Info> {
        ChannelRef {
            tx: self.core.me.clone(),
            _info: PhantomData,
        }
    }

    /// A handle to send every channel of this connection a message.
    pub fn connection(&self) -> ConnectionRef {
        self.core.connection.clone()
    }

    /// The application's PubSub.
    pub fn pubsub(&self) -> &PubSub {
        &self.core.pubsub
    }

    /// The application's presence tracker.
    pub fn presence(&self) -> &Presence {
        &self.core.presence
    }

    /// Tracks this client on the channel's topic under `key`; the entry goes
    /// away when the channel stops.
    pub fn track(&mut self, key: &str, meta: Value) -> Tracked {
        let tracked = self.core.presence.track(&self.core.topic, key, meta);
        self.core.tracked.push(tracked.clone());
        tracked
    }

    /// Stops tracking an entry of this channel.
    pub fn untrack(&mut self, tracked: &Tracked) {
        self.core.tracked.retain(|t| t != tracked);
        self.core.presence.untrack(tracked);
    }

    /// Pushes `presence_state` (everyone on the topic) to this client.
    pub fn push_presence_state(&mut self) {
        let state = self.core.presence.list(&self.core.topic);
        let _ = self.core.push(crate::presence::STATE_EVENT, state.into());
    }
}
