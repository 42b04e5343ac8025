//! Sockets: where clients connect, and which channel serves which topic.
//!
//! A socket type authorizes connections, giving each its typed assigns, and
//! routes topics to channels; the router mounts it (`socket "/socket",
//! UserSocket;`), which serves the WebSocket transport at
//! `/socket/websocket` and LongPoll at `/socket/longpoll`.
//!
//! ```
//! use phoenix::params::Params;
//! use phoenix::socket::{ChannelRoutes, ConnectError, ConnectInfo, Socket};
//! use serde::Serialize;
//! # use phoenix::channel::{Channel, ChannelSocket, Event, JoinResult, Reply};
//! # use phoenix::protocol::Payload;
//! # #[derive(Default)] struct RoomChannel;
//! # impl Channel for RoomChannel {
//! #     type Assigns = User; type In = Event; type Info = ();
//! #     async fn join(&mut self, _: &str, _: Payload, _: &mut ChannelSocket<Self>) -> JoinResult { Ok(Payload::empty()) }
//! #     async fn handle_in(&mut self, _: Event, _: &mut ChannelSocket<Self>) -> Reply { Reply::none() }
//! # }
//!
//! /// What every channel of a connection knows of it.
//! #[derive(Clone, Serialize)]
//! pub struct User { name: String }
//!
//! #[derive(Default)]
//! struct UserSocket;
//!
//! impl Socket for UserSocket {
//!     type Assigns = User;
//!
//!     fn channels(&self, routes: &mut ChannelRoutes<User>) {
//!         routes.channel::<RoomChannel>("room:*");
//!     }
//!
//!     async fn connect(&self, params: &Params, _info: &ConnectInfo) -> Result<User, ConnectError> {
//!         match params.get_str("user") {
//!             Some(name) if !name.is_empty() => Ok(User { name: name.to_string() }),
//!             _ => Err(ConnectError::Forbidden),
//!         }
//!     }
//!
//!     fn id(&self, user: &User) -> Option<String> {
//!         Some(format!("user_socket:{}", user.name))
//!     }
//! }
//! ```

pub(crate) mod connection;

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use poem::http::HeaderMap;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::channel::{server, Channel, ChannelMsg, ChannelSocket, SocketCore};
use crate::mailbox;
use crate::params::Params;
use crate::socket::connection::ConnEvent;
use crate::state::{MissingStateError, StateMap};

/// A refused connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectError {
    /// Refuse with 403.
    Forbidden,
    /// Refuse with another HTTP status (e.g. 429) and a reason for the log.
    Status(u16, String),
}

/// What a connect callback may know of the request (no cookies: they would
/// allow cross-site WebSocket hijacking).
#[derive(Debug, Clone, Default)]
pub struct ConnectInfo {
    /// The peer's address.
    pub peer: Option<SocketAddr>,
    /// `x-*` headers, `user-agent`, `traceparent` and `tracestate`.
    pub headers: HashMap<String, String>,
    /// The request URI.
    pub uri: String,
    /// The token sent in `Sec-WebSocket-Protocol` (`base64url.bearer.phx.…`).
    pub auth_token: Option<String>,
    /// The application's state.
    pub(crate) state: StateMap,
    /// The configuration, for its `secret_key_base` (signed tokens: see
    /// [`crate::token`]).
    pub(crate) secret: crate::token::SharedSecret,
}

impl ConnectInfo {
    /// Application state of type `T` (see [`crate::state`]).
    pub fn state<T: Send + Sync + 'static>(&self) -> Result<&T, MissingStateError> {
        self.state.get::<T>()
    }

    /// Takes the token out of `Sec-WebSocket-Protocol: phoenix, base64url.bearer.phx.<B64>`
    /// (standard or URL-safe base64, without padding).
    pub(crate) fn auth_token(headers: &HeaderMap) -> Option<String> {
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        use base64::Engine;
        let protocols = headers.get("sec-websocket-protocol")?.to_str().ok()?;
        protocols.split(',').map(str::trim).find_map(|p| {
            let encoded = p.strip_prefix("base64url.bearer.phx.")?;
            let encoded = encoded.trim_end_matches('=');
            let bytes = STANDARD_NO_PAD
                .decode(encoded)
                .or_else(|_| URL_SAFE_NO_PAD.decode(encoded))
                .ok()?;
            String::from_utf8(bytes).ok()
        })
    }

    pub(crate) fn from_request(headers: &HeaderMap, peer: Option<SocketAddr>, uri: String) -> Self {
        let headers_map = headers
            .iter()
            .filter(|(name, _)| {
                let name = name.as_str();
                name.starts_with("x-")
                    || matches!(name, "user-agent" | "traceparent" | "tracestate")
            })
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string())))
            .collect();
        ConnectInfo {
            peer,
            headers: headers_map,
            uri,
            auth_token: None,
            state: StateMap::default(),
            secret: Default::default(),
        }
    }
}

/// What starting a channel task needs, whatever the channel's type.
pub(crate) struct Start {
    pub(crate) join: phoenix_protocol::Message,
    pub(crate) core: SocketCore,
    pub(crate) assigns: Arc<dyn Any + Send + Sync>,
    pub(crate) mailbox: mailbox::Receiver<ChannelMsg>,
    pub(crate) events: mailbox::Sender<ConnEvent>,
}

/// Starts the task of a channel of one type.
pub(crate) type Spawner = Arc<dyn Fn(Start) + Send + Sync>;

/// Topic patterns and the channels that serve them, first match wins; `A`
/// is the socket's assigns, which every channel shares.
pub struct ChannelRoutes<A> {
    routes: Vec<(String, Spawner)>,
    _assigns: PhantomData<fn() -> A>,
}

impl<A> Default for ChannelRoutes<A> {
    fn default() -> Self {
        ChannelRoutes {
            routes: Vec::new(),
            _assigns: PhantomData,
        }
    }
}

impl<A: Send + Sync + 'static> ChannelRoutes<A> {
    /// Routes `pattern` (an exact topic, or a prefix ending in `*`) to channel `C`.
    pub fn channel<C: Channel<Assigns = A> + Default>(&mut self, pattern: &str) -> &mut Self {
        self.channel_fn(pattern, C::default)
    }

    /// Routes `pattern` to channels made by `make` (for channels that need
    /// something a `Default` value cannot have).
    pub fn channel_fn<C, F>(&mut self, pattern: &str, make: F) -> &mut Self
    where
        C: Channel<Assigns = A>,
        F: Fn() -> C + Send + Sync + 'static,
    {
        let spawner: Spawner = Arc::new(move |start: Start| {
            let assigns = match start.assigns.downcast::<A>() {
                Ok(assigns) => assigns,
                Err(_) => unreachable!("a socket's channels share its assigns type"),
            };
            let socket = ChannelSocket::<C> {
                core: start.core,
                assigns,
            };
            tokio::spawn(server::run(
                make(),
                Box::new(start.join),
                socket,
                start.mailbox,
                start.events,
            ));
        });
        self.routes.push((pattern.to_string(), spawner));
        self
    }

    /// The patterns, in order.
    pub fn patterns(&self) -> Vec<String> {
        self.routes.iter().map(|(p, _)| p.clone()).collect()
    }
}

/// The channel routes of a mounted socket, its assigns type erased.
#[derive(Default, Clone)]
pub(crate) struct Routes(Vec<(String, Spawner)>);

impl Routes {
    pub(crate) fn find(&self, topic: &str) -> Option<Spawner> {
        self.0.iter().find_map(|(pattern, spawner)| {
            let matched = match pattern.strip_suffix('*') {
                Some(prefix) => topic.starts_with(prefix),
                None => topic == pattern,
            };
            matched.then(|| spawner.clone())
        })
    }
}

/// A socket: authorizes connections and routes their topics to channels.
pub trait Socket: Send + Sync + 'static {
    /// What each connection keeps, shared by its channels (a user, a
    /// session id...). It is shown, serialized, by the dev dashboard.
    type Assigns: Serialize + Send + Sync + 'static;

    /// Declares the channel routes (`channel "room:*", RoomChannel`).
    fn channels(&self, routes: &mut ChannelRoutes<Self::Assigns>);

    /// Accepts a connection with its assigns, or refuses it.
    fn connect(
        &self,
        params: &Params,
        info: &ConnectInfo,
    ) -> impl Future<Output = Result<Self::Assigns, ConnectError>> + Send;

    /// The id of the connection (`"user_socket:42"`): every connection with
    /// that id can be disconnected at once by broadcasting `"disconnect"` on it.
    fn id(&self, assigns: &Self::Assigns) -> Option<String> {
        let _ = assigns;
        None
    }

    /// Limits of this socket's connections.
    fn limits(&self) -> SocketLimits {
        SocketLimits::default()
    }
}

/// An accepted connection's assigns, type erased, with what the framework
/// reads of them.
pub(crate) struct Connected {
    pub(crate) assigns: Arc<dyn Any + Send + Sync>,
    pub(crate) id: Option<String>,
    /// The assigns as a JSON object, for observers (computed only for them).
    pub(crate) json: fn(&(dyn Any + Send + Sync)) -> Map<String, Value>,
}

/// A socket's assigns as a JSON object: a struct's fields, or the value
/// under `assigns`, or the error under `error`.
fn assigns_json<A: Serialize + 'static>(assigns: &(dyn Any + Send + Sync)) -> Map<String, Value> {
    let mut map = Map::new();
    match assigns.downcast_ref::<A>().map(serde_json::to_value) {
        Some(Ok(Value::Object(fields))) => return fields,
        Some(Ok(Value::Null)) | None => {}
        Some(Ok(other)) => {
            map.insert("assigns".into(), other);
        }
        Some(Err(err)) => {
            map.insert("error".into(), Value::String(err.to_string()));
        }
    }
    map
}

/// A mounted socket, as the router holds it.
pub(crate) trait DynSocket: Send + Sync {
    fn connect<'a>(
        &'a self,
        params: &'a Params,
        info: &'a ConnectInfo,
    ) -> BoxFuture<'a, Result<Connected, ConnectError>>;
}

impl<S: Socket> DynSocket for S {
    fn connect<'a>(
        &'a self,
        params: &'a Params,
        info: &'a ConnectInfo,
    ) -> BoxFuture<'a, Result<Connected, ConnectError>> {
        Box::pin(async move {
            let assigns = Socket::connect(self, params, info).await?;
            let id = Socket::id(self, &assigns);
            Ok(Connected {
                assigns: Arc::new(assigns),
                id,
                json: assigns_json::<S::Assigns>,
            })
        })
    }
}

/// Limits of the connections of a socket.
#[derive(Debug, Clone, Copy)]
pub struct SocketLimits {
    /// Channels one connection may join at once (Phoenix: 100).
    pub max_channels: usize,
    /// Frames waiting to be written to one client before it is disconnected
    /// as too slow.
    pub outbound_queue: usize,
    /// Messages waiting for one channel (client pushes, intercepted
    /// broadcasts, infos) before the channel is stopped with `phx_error`
    /// as unable to keep up; the socket and its other channels go on.
    pub channel_mailbox: usize,
    /// A connection that sends nothing for this long is closed (Phoenix: 60 s).
    pub idle_timeout: std::time::Duration,
    /// Largest inbound frame, in bytes; a larger one closes the WebSocket
    /// with code 1009 (message too big), or gets HTTP 413 over LongPoll.
    pub max_frame_size: usize,
    /// Messages one connection may send per second, on average, with bursts
    /// of as many (a token bucket; heartbeats and joins are not counted; 0:
    /// no limit). A message over the rate is not handled: it gets an error
    /// reply `{"reason": "rate limited"}`.
    pub messages_per_second: u32,
    /// Joins one connection may ask for per second, with bursts of as many
    /// (0: no limit). A join over the rate gets an error reply
    /// `{"reason": "too many joins"}`.
    pub joins_per_second: u32,
    /// How long a LongPoll GET waits for frames (Phoenix: 10 s); a session
    /// without GETs for 1.5 times this ends.
    pub long_poll_window: std::time::Duration,
}

impl Default for SocketLimits {
    fn default() -> Self {
        SocketLimits {
            max_channels: 100,
            outbound_queue: 1024,
            channel_mailbox: 1024,
            idle_timeout: std::time::Duration::from_secs(60),
            max_frame_size: 1024 * 1024,
            messages_per_second: 5000,
            joins_per_second: 100,
            long_poll_window: std::time::Duration::from_secs(10),
        }
    }
}

/// A socket mounted at a path: its handler, channel routes and limits.
#[derive(Clone)]
pub struct Mount {
    pub(crate) name: String,
    pub(crate) socket: Arc<dyn DynSocket>,
    pub(crate) routes: Arc<Routes>,
    pub(crate) limits: SocketLimits,
    /// Whether observers hear of its connections (see [`Mount::unobserved`]).
    pub(crate) observed: bool,
}

impl Mount {
    /// Mounts a socket value (used by the code `router!` generates).
    pub fn new<S: Socket>(name: &str, socket: S) -> Mount {
        let mut routes = ChannelRoutes::<S::Assigns>::default();
        socket.channels(&mut routes);
        Mount {
            name: name.to_string(),
            limits: socket.limits(),
            socket: Arc::new(socket),
            routes: Arc::new(Routes(routes.routes)),
            observed: true,
        }
    }

    /// Hides this socket's connections from observers (a monitoring
    /// socket's own traffic, such as the dev dashboard's).
    pub fn unobserved(mut self) -> Mount {
        self.observed = false;
        self
    }
}
