//! Observers: the one seam through which the framework reports what happens
//! (as Phoenix emits telemetry events).
//!
//! The endpoint, the PubSub, sockets and channels call the [`Observer`]s
//! given to [`EndpointBuilder::observer`](crate::endpoint::EndpointBuilder::observer)
//! at each lifecycle event: HTTP requests start and stop, sockets connect and
//! disconnect, channels join, leave and crash, messages come in and go out,
//! broadcasts are delivered. Every method has a no-op default, so an
//! observer implements only what it needs. Events are small structs of
//! borrowed data: an observer that keeps something copies it.
//!
//! Costs: with no observer, each place that could report is one `None`
//! check. Before building an event the framework asks each observer whether
//! it [`wants`](Observer::wants) that kind now, so an observer that only
//! sometimes listens (the dashboard's, while no dashboard is attached) costs
//! one call and, typically, one atomic load. Observer methods run on the
//! framework's tasks, in the request or message path: they must be quick
//! and must not block (hand heavy work to a task of your own).
//!
//! Two observers ship with the framework: the dev dashboard's
//! ([`crate::introspect`]) and [`metrics::MetricsObserver`], which feeds
//! the [`metrics`](https://docs.rs/metrics) crate.
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use phoenix::observer::{Observer, RequestStop};
//!
//! /// Counts server errors.
//! #[derive(Default)]
//! struct ServerErrors(AtomicU64);
//!
//! impl Observer for ServerErrors {
//!     fn request_stop(&self, event: &RequestStop<'_>) {
//!         if event.status >= 500 {
//!             self.0.fetch_add(1, Ordering::Relaxed);
//!         }
//!     }
//! }
//! // Endpoint::builder(config, router).observer(ServerErrors::default())
//! ```

pub mod metrics;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use phoenix_protocol::{Frame, Payload};
use serde_json::{Map, Value};

use crate::pubsub;

/// The kinds of events, for [`Observer::wants`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// [`Observer::request_start`].
    RequestStart,
    /// [`Observer::request_stop`].
    RequestStop,
    /// [`Observer::socket_connected`].
    SocketConnected,
    /// [`Observer::socket_disconnected`].
    SocketDisconnected,
    /// [`Observer::channel_joined`].
    ChannelJoined,
    /// [`Observer::channel_left`].
    ChannelLeft,
    /// [`Observer::channel_crashed`].
    ChannelCrashed,
    /// [`Observer::message_in`].
    MessageIn,
    /// [`Observer::message_out`].
    MessageOut,
    /// [`Observer::broadcast`].
    Broadcast,
}

impl Kind {
    /// Whether this is a socket or channel lifecycle event (connect,
    /// disconnect, join, leave, crash), as opposed to traffic (requests,
    /// messages, broadcasts).
    pub fn is_lifecycle(self) -> bool {
        matches!(
            self,
            Kind::SocketConnected
                | Kind::SocketDisconnected
                | Kind::ChannelJoined
                | Kind::ChannelLeft
                | Kind::ChannelCrashed
        )
    }
}

/// Receives the framework's lifecycle events. Every method does nothing by
/// default.
pub trait Observer: Send + Sync + 'static {
    /// Whether this observer wants events of `kind` right now (default:
    /// always). Asked before each event is built; keep it cheap (a field or
    /// an atomic load). A socket whose connect was not wanted is not followed
    /// later: its messages, joins and disconnect are not reported to any
    /// observer that did not want its connect either.
    fn wants(&self, kind: Kind) -> bool {
        let _ = kind;
        true
    }

    /// An HTTP request arrived at the endpoint.
    fn request_start(&self, event: &RequestStart<'_>) {
        let _ = event;
    }

    /// An HTTP request was answered (error pages included).
    fn request_stop(&self, event: &RequestStop<'_>) {
        let _ = event;
    }

    /// A client connected to a socket (after the socket's `connect` accepted it).
    fn socket_connected(&self, event: &SocketConnected<'_>) {
        let _ = event;
    }

    /// A connection ended.
    fn socket_disconnected(&self, event: &SocketDisconnected<'_>) {
        let _ = event;
    }

    /// A join was answered (accepted or refused).
    fn channel_joined(&self, event: &ChannelJoined<'_>) {
        let _ = event;
    }

    /// A joined channel stopped, whatever the reason (crashes included,
    /// after [`Observer::channel_crashed`]).
    fn channel_left(&self, event: &ChannelLeft<'_>) {
        let _ = event;
    }

    /// A joined channel panicked or stopped with an error: the client is
    /// told `phx_error`. [`Observer::channel_left`] follows.
    fn channel_crashed(&self, event: &ChannelCrashed<'_>) {
        let _ = event;
    }

    /// A message arrived from a client (heartbeats and joins included).
    fn message_in(&self, event: &MessageIn<'_>) {
        let _ = event;
    }

    /// A message was encoded for one client: replies, pushes, heartbeat
    /// replies, close and error frames. Broadcast deliveries through the fast
    /// lane are not reported one by one: see [`Broadcast::subscribers`].
    fn message_out(&self, event: &MessageOut<'_>) {
        let _ = event;
    }

    /// A broadcast is about to be delivered to this node's subscribers.
    fn broadcast(&self, event: &Broadcast<'_>) {
        let _ = event;
    }
}

impl<O: Observer + ?Sized> Observer for Arc<O> {
    fn wants(&self, kind: Kind) -> bool {
        (**self).wants(kind)
    }
    fn request_start(&self, event: &RequestStart<'_>) {
        (**self).request_start(event)
    }
    fn request_stop(&self, event: &RequestStop<'_>) {
        (**self).request_stop(event)
    }
    fn socket_connected(&self, event: &SocketConnected<'_>) {
        (**self).socket_connected(event)
    }
    fn socket_disconnected(&self, event: &SocketDisconnected<'_>) {
        (**self).socket_disconnected(event)
    }
    fn channel_joined(&self, event: &ChannelJoined<'_>) {
        (**self).channel_joined(event)
    }
    fn channel_left(&self, event: &ChannelLeft<'_>) {
        (**self).channel_left(event)
    }
    fn channel_crashed(&self, event: &ChannelCrashed<'_>) {
        (**self).channel_crashed(event)
    }
    fn message_in(&self, event: &MessageIn<'_>) {
        (**self).message_in(event)
    }
    fn message_out(&self, event: &MessageOut<'_>) {
        (**self).message_out(event)
    }
    fn broadcast(&self, event: &Broadcast<'_>) {
        (**self).broadcast(event)
    }
}

/// An HTTP request arrived.
#[derive(Debug, Clone, Copy)]
pub struct RequestStart<'a> {
    /// The method (`GET`).
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
}

/// An HTTP request was answered.
#[derive(Debug, Clone, Copy)]
pub struct RequestStop<'a> {
    /// The method (`GET`).
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The response status.
    pub status: u16,
    /// Time from arrival to the response.
    pub duration: Duration,
    /// The route pattern that matched (`/users/:id`), if the router matched
    /// one (also when the request ended in an error page).
    pub route: Option<&'a str>,
}

/// A client connected.
#[derive(Debug, Clone, Copy)]
pub struct SocketConnected<'a> {
    /// The connection: its id, counters, queue; it can close it.
    pub socket: &'a SocketHandle,
    /// Where the socket is mounted (`/socket`).
    pub mount: &'a str,
    /// `websocket` or `longpoll`.
    pub transport: &'static str,
    /// The serializer version (`2.0.0`).
    pub vsn: &'static str,
    /// The peer's address.
    pub peer: Option<SocketAddr>,
    /// What the socket's `id` callback returned.
    pub user_id: Option<&'a str>,
    /// The assigns its `connect` returned (shared: clone the `Arc` to keep them).
    pub assigns: &'a Arc<Map<String, Value>>,
}

/// A connection ended.
#[derive(Debug, Clone, Copy)]
pub struct SocketDisconnected<'a> {
    /// The connection.
    pub socket: &'a SocketHandle,
}

/// A join was answered.
#[derive(Debug, Clone, Copy)]
pub struct ChannelJoined<'a> {
    /// The connection.
    pub socket: &'a SocketHandle,
    /// The topic.
    pub topic: &'a str,
    /// The join's ref.
    pub join_ref: Option<&'a str>,
    /// Whether the join was accepted.
    pub ok: bool,
}

/// A joined channel stopped.
#[derive(Debug, Clone, Copy)]
pub struct ChannelLeft<'a> {
    /// The connection.
    pub socket: &'a SocketHandle,
    /// The topic.
    pub topic: &'a str,
    /// The join's ref.
    pub join_ref: Option<&'a str>,
    /// `left`, `closed`, `normal`, `shutdown`, `rejoined`, `error` or `crashed`.
    pub reason: &'static str,
    /// Whether it crashed (the client was told `phx_error`).
    pub crashed: bool,
    /// The panic message or the error reason, if any.
    pub detail: Option<&'a str>,
}

/// A joined channel crashed.
#[derive(Debug, Clone, Copy)]
pub struct ChannelCrashed<'a> {
    /// The connection.
    pub socket: &'a SocketHandle,
    /// The topic.
    pub topic: &'a str,
    /// The join's ref.
    pub join_ref: Option<&'a str>,
    /// `crashed` (a panic) or `error` (stopped with an error).
    pub reason: &'static str,
    /// The panic message or the error reason.
    pub detail: Option<&'a str>,
}

/// A message from a client.
#[derive(Debug, Clone, Copy)]
pub struct MessageIn<'a> {
    /// The connection.
    pub socket: &'a SocketHandle,
    /// The decoded message (topic, event, refs, payload).
    pub message: &'a phoenix_protocol::Message,
    /// Bytes of the frame.
    pub size: usize,
}

/// A message to one client.
#[derive(Debug, Clone, Copy)]
pub struct MessageOut<'a> {
    /// The connection.
    pub socket: &'a SocketHandle,
    /// The message (topic, event, refs, payload).
    pub message: &'a phoenix_protocol::Message,
    /// Bytes of the encoded frame.
    pub size: usize,
}

/// A broadcast delivered on this node.
#[derive(Debug, Clone, Copy)]
pub struct Broadcast<'a> {
    /// The broadcast (topic, event, payload).
    pub broadcast: &'a pubsub::Broadcast,
    /// The subscribers on this node it goes to (a socket's channel is one).
    pub subscribers: usize,
}

impl Broadcast<'_> {
    /// The topic.
    pub fn topic(&self) -> &str {
        &self.broadcast.topic
    }

    /// The event.
    pub fn event(&self) -> &str {
        &self.broadcast.event
    }

    /// The payload.
    pub fn payload(&self) -> &Payload {
        &self.broadcast.payload
    }

    /// Bytes of the V2 frame sent to subscribers (encoded once and shared
    /// with the fast lane, so asking costs nothing more).
    pub fn size(&self) -> usize {
        self.broadcast
            .encoded(phoenix_protocol::Vsn::V2)
            .map_or(0, |frame| frame_len(&frame))
    }

    /// Where it was published from, when not an ordinary publish (the
    /// dashboard's test broadcasts say `dashboard`).
    pub fn origin(&self) -> Option<&'static str> {
        self.broadcast.origin
    }

    /// The node that published it when another node did (it came through
    /// the PubSub adapter); `None` when it was published on this node.
    pub fn source_node(&self) -> Option<&str> {
        self.broadcast.source_node()
    }
}

/// Bytes of a frame.
pub fn frame_len(frame: &Frame) -> usize {
    match frame {
        Frame::Text(text) => text.len(),
        Frame::Binary(bytes) => bytes.len(),
    }
}

static NEXT_SOCKET_ID: AtomicU64 = AtomicU64::new(1);

/// What a connection lets observers do (implemented by the connection).
pub(crate) trait SocketControl: Send + Sync {
    /// Frames waiting to be written, and the queue's capacity.
    fn queue(&self) -> (usize, usize);
    /// Asks the connection to close; false if it is gone.
    fn disconnect(&self) -> bool;
}

struct SocketShared {
    id: u64,
    messages_in: AtomicU64,
    messages_out: AtomicU64,
    control: Box<dyn SocketControl>,
}

/// An observed connection, as observers see it: an id unique in the
/// process, its counters and queue, and a way to close it. Cloning gives
/// another handle to the same connection; a handle kept after the
/// connection ended reads its last counters, and `disconnect` returns false.
#[derive(Clone)]
pub struct SocketHandle(Arc<SocketShared>);

impl std::fmt::Debug for SocketHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketHandle")
            .field("id", &self.id())
            .finish()
    }
}

impl SocketHandle {
    pub(crate) fn new(control: impl SocketControl + 'static) -> Self {
        SocketHandle(Arc::new(SocketShared {
            id: NEXT_SOCKET_ID.fetch_add(1, Ordering::Relaxed),
            messages_in: AtomicU64::new(0),
            messages_out: AtomicU64::new(0),
            control: Box::new(control),
        }))
    }

    /// The connection's id, unique in this process.
    pub fn id(&self) -> u64 {
        self.0.id
    }

    /// Messages received from the client so far.
    pub fn messages_in(&self) -> u64 {
        self.0.messages_in.load(Ordering::Relaxed)
    }

    /// Frames queued for the client so far (broadcast deliveries included).
    pub fn messages_out(&self) -> u64 {
        self.0.messages_out.load(Ordering::Relaxed)
    }

    /// Frames waiting to be written to the client now.
    pub fn queue_len(&self) -> usize {
        self.0.control.queue().0
    }

    /// The capacity of the outbound queue (0 once the connection is gone).
    pub fn queue_capacity(&self) -> usize {
        self.0.control.queue().1
    }

    /// Asks the connection to close (as a `"disconnect"` broadcast on its id
    /// would); false if it is already gone.
    pub fn disconnect(&self) -> bool {
        self.0.control.disconnect()
    }

    pub(crate) fn count_in(&self) {
        self.0.messages_in.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn count_out(&self) {
        self.0.messages_out.fetch_add(1, Ordering::Relaxed);
    }
}

type List = Arc<[Arc<dyn Observer>]>;

/// The observers of an application: what the core calls. Empty by default;
/// cloning is cheap.
#[derive(Clone, Default)]
pub struct Observers(Option<List>);

impl std::fmt::Debug for Observers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Observers({})", self.0.as_ref().map_or(0, |l| l.len()))
    }
}

impl Observers {
    /// These observers (none if the list is empty).
    pub fn new(list: Vec<Arc<dyn Observer>>) -> Self {
        Observers((!list.is_empty()).then(|| list.into()))
    }

    /// Whether there is none.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Whether any observer wants events of `kind` now.
    #[inline]
    pub fn wants(&self, kind: Kind) -> bool {
        match &self.0 {
            None => false,
            Some(list) => list.iter().any(|o| o.wants(kind)),
        }
    }

    /// Calls `f` on each observer that wants `kind`.
    #[inline]
    pub(crate) fn each(&self, kind: Kind, f: impl Fn(&dyn Observer)) {
        if let Some(list) = &self.0 {
            for observer in list.iter() {
                if observer.wants(kind) {
                    f(&**observer);
                }
            }
        }
    }

    /// The observers following a new connection, reported to them; `None`
    /// when none wants it (the connection then reports nothing).
    pub(crate) fn connect(
        &self,
        control: impl SocketControl + 'static,
        describe: impl FnOnce(&SocketHandle) -> SocketConnectedOwned,
    ) -> Option<Arc<ObservedSocket>> {
        let list = self.0.as_ref()?;
        let following: Vec<Arc<dyn Observer>> = list
            .iter()
            .filter(|o| o.wants(Kind::SocketConnected))
            .cloned()
            .collect();
        if following.is_empty() {
            return None;
        }
        let handle = SocketHandle::new(control);
        let info = describe(&handle);
        let event = SocketConnected {
            socket: &handle,
            mount: &info.mount,
            transport: info.transport,
            vsn: info.vsn,
            peer: info.peer,
            user_id: info.user_id.as_deref(),
            assigns: &info.assigns,
        };
        for observer in &following {
            observer.socket_connected(&event);
        }
        let observers = if following.len() == list.len() {
            self.clone()
        } else {
            Observers::new(following)
        };
        Some(Arc::new(ObservedSocket { observers, handle }))
    }
}

/// What describes a new connection (the owned parts of [`SocketConnected`]).
pub(crate) struct SocketConnectedOwned {
    pub(crate) mount: String,
    pub(crate) transport: &'static str,
    pub(crate) vsn: &'static str,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) user_id: Option<String>,
    pub(crate) assigns: Arc<Map<String, Value>>,
}

/// A connection followed by observers: the dispatcher its outbox, channels
/// and connection report through.
pub(crate) struct ObservedSocket {
    observers: Observers,
    handle: SocketHandle,
}

impl ObservedSocket {
    /// A message from the client.
    #[inline]
    pub(crate) fn message_in(&self, message: &phoenix_protocol::Message, frame: &Frame) {
        self.handle.count_in();
        self.observers.each(Kind::MessageIn, |o| {
            o.message_in(&MessageIn {
                socket: &self.handle,
                message,
                size: frame_len(frame),
            })
        });
    }

    /// A frame queued for the client.
    #[inline]
    pub(crate) fn frame_out(&self) {
        self.handle.count_out();
    }

    /// A message encoded for the client.
    #[inline]
    pub(crate) fn message_out(&self, message: &phoenix_protocol::Message, frame: &Frame) {
        self.observers.each(Kind::MessageOut, |o| {
            o.message_out(&MessageOut {
                socket: &self.handle,
                message,
                size: frame_len(frame),
            })
        });
    }

    /// A join was answered.
    pub(crate) fn joined(&self, topic: &str, join_ref: Option<&str>, ok: bool) {
        self.observers.each(Kind::ChannelJoined, |o| {
            o.channel_joined(&ChannelJoined {
                socket: &self.handle,
                topic,
                join_ref,
                ok,
            })
        });
    }

    /// A joined channel stopped.
    pub(crate) fn left(
        &self,
        topic: &str,
        join_ref: Option<&str>,
        reason: &'static str,
        crashed: bool,
        detail: Option<&str>,
    ) {
        if crashed {
            self.observers.each(Kind::ChannelCrashed, |o| {
                o.channel_crashed(&ChannelCrashed {
                    socket: &self.handle,
                    topic,
                    join_ref,
                    reason,
                    detail,
                })
            });
        }
        self.observers.each(Kind::ChannelLeft, |o| {
            o.channel_left(&ChannelLeft {
                socket: &self.handle,
                topic,
                join_ref,
                reason,
                crashed,
                detail,
            })
        });
    }

    /// The connection ended.
    pub(crate) fn disconnected(&self) {
        self.observers.each(Kind::SocketDisconnected, |o| {
            o.socket_disconnected(&SocketDisconnected {
                socket: &self.handle,
            })
        });
    }
}
