//! Sockets: where clients connect, and which channel serves which topic.
//!
//! A socket type authorizes connections and routes topics to channels; the
//! router mounts it (`socket "/socket", UserSocket;`), which serves the
//! WebSocket transport at `/socket/websocket`.
//!
//! ```
//! use phoenix::params::Params;
//! use phoenix::socket::{ChannelRoutes, ConnectError, ConnectInfo, Socket};
//! use serde_json::{Map, Value};
//! # use phoenix::channel::{Channel, ChannelSocket, JoinResult, Reply};
//! # use phoenix_protocol::Payload;
//! # #[derive(Default)] struct RoomChannel;
//! # impl Channel for RoomChannel {
//! #     async fn join(&mut self, _: &str, _: Payload, _: &mut ChannelSocket) -> JoinResult { Ok(Payload::empty()) }
//! #     async fn handle_in(&mut self, _: &str, _: Payload, _: &mut ChannelSocket) -> Reply { Reply::none() }
//! # }
//!
//! #[derive(Default)]
//! struct UserSocket;
//!
//! impl Socket for UserSocket {
//!     fn channels(&self, routes: &mut ChannelRoutes) {
//!         routes.channel::<RoomChannel>("room:*");
//!     }
//!
//!     async fn connect(&self, params: &Params, _info: &ConnectInfo) -> Result<Map<String, Value>, ConnectError> {
//!         let mut assigns = Map::new();
//!         let user = params.get_str("user").unwrap_or("anonymous");
//!         assigns.insert("user".into(), Value::String(user.into()));
//!         Ok(assigns)
//!     }
//! }
//! ```

pub(crate) mod connection;

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use poem::http::HeaderMap;
use serde_json::{Map, Value};

use crate::channel::DynChannel;
use crate::params::Params;

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
}

impl ConnectInfo {
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
        }
    }
}

type Factory = Arc<dyn Fn() -> Box<dyn DynChannel> + Send + Sync>;

/// Topic patterns and the channels that serve them, first match wins.
#[derive(Default, Clone)]
pub struct ChannelRoutes {
    routes: Vec<(String, Factory)>,
}

impl ChannelRoutes {
    /// Routes `pattern` (an exact topic, or a prefix ending in `*`) to channel `C`.
    pub fn channel<C: crate::channel::Channel + Default>(&mut self, pattern: &str) -> &mut Self {
        let factory: Factory = Arc::new(|| Box::new(C::default()));
        self.routes.push((pattern.to_string(), factory));
        self
    }

    /// Routes `pattern` to channels made by `make` (for channels that need
    /// something a `Default` value cannot have, such as a shared handle).
    pub fn channel_fn<C, F>(&mut self, pattern: &str, make: F) -> &mut Self
    where
        C: crate::channel::Channel,
        F: Fn() -> C + Send + Sync + 'static,
    {
        let factory: Factory = Arc::new(move || Box::new(make()));
        self.routes.push((pattern.to_string(), factory));
        self
    }

    /// The patterns, in order.
    pub fn patterns(&self) -> Vec<String> {
        self.routes.iter().map(|(p, _)| p.clone()).collect()
    }

    pub(crate) fn find(&self, topic: &str) -> Option<Box<dyn DynChannel>> {
        self.routes.iter().find_map(|(pattern, factory)| {
            let matched = match pattern.strip_suffix('*') {
                Some(prefix) => topic.starts_with(prefix),
                None => topic == pattern,
            };
            matched.then(|| factory())
        })
    }
}

/// A socket: authorizes connections and routes their topics to channels.
pub trait Socket: Send + Sync + 'static {
    /// Declares the channel routes (`channel "room:*", RoomChannel`).
    fn channels(&self, routes: &mut ChannelRoutes);

    /// Accepts a connection with its assigns (copied into every channel), or refuses it.
    fn connect(
        &self,
        params: &Params,
        info: &ConnectInfo,
    ) -> impl Future<Output = Result<Map<String, Value>, ConnectError>> + Send;

    /// The id of the connection (`"user_socket:42"`): every connection with
    /// that id can be disconnected at once by broadcasting `"disconnect"` on it.
    fn id(&self, assigns: &Map<String, Value>) -> Option<String> {
        let _ = assigns;
        None
    }

    /// Limits of this socket's connections.
    fn limits(&self) -> SocketLimits {
        SocketLimits::default()
    }
}

/// A mounted socket, as the router holds it.
pub(crate) trait DynSocket: Send + Sync {
    fn connect<'a>(
        &'a self,
        params: &'a Params,
        info: &'a ConnectInfo,
    ) -> BoxFuture<'a, Result<Map<String, Value>, ConnectError>>;
    fn id(&self, assigns: &Map<String, Value>) -> Option<String>;
}

impl<S: Socket> DynSocket for S {
    fn connect<'a>(
        &'a self,
        params: &'a Params,
        info: &'a ConnectInfo,
    ) -> BoxFuture<'a, Result<Map<String, Value>, ConnectError>> {
        Box::pin(Socket::connect(self, params, info))
    }

    fn id(&self, assigns: &Map<String, Value>) -> Option<String> {
        Socket::id(self, assigns)
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
    /// A connection that sends nothing for this long is closed (Phoenix: 60 s).
    pub idle_timeout: std::time::Duration,
    /// Largest inbound frame, in bytes.
    pub max_frame_size: usize,
    /// How long a LongPoll GET waits for frames (Phoenix: 10 s); a session
    /// without GETs for 1.5 times this ends.
    pub long_poll_window: std::time::Duration,
}

impl Default for SocketLimits {
    fn default() -> Self {
        SocketLimits {
            max_channels: 100,
            outbound_queue: 1024,
            idle_timeout: std::time::Duration::from_secs(60),
            max_frame_size: 1024 * 1024,
            long_poll_window: std::time::Duration::from_secs(10),
        }
    }
}

/// A socket mounted at a path: its handler, channel routes and limits.
#[derive(Clone)]
pub struct Mount {
    pub(crate) name: String,
    pub(crate) socket: Arc<dyn DynSocket>,
    pub(crate) routes: Arc<ChannelRoutes>,
    pub(crate) limits: SocketLimits,
    /// Whether observers hear of its connections (see [`Mount::unobserved`]).
    pub(crate) observed: bool,
}

impl Mount {
    /// Mounts a socket value (used by the code `router!` generates).
    pub fn new<S: Socket>(name: &str, socket: S) -> Mount {
        let mut routes = ChannelRoutes::default();
        socket.channels(&mut routes);
        Mount {
            name: name.to_string(),
            limits: socket.limits(),
            socket: Arc::new(socket),
            routes: Arc::new(routes),
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
