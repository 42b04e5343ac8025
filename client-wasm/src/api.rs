//! The async API of the client: [`Socket`] and [`Channel`], over the
//! [`Core`] run by a driver task (tokio natively, the page's event loop in
//! browsers).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use phoenix_client::{Options, Socket};
//! use serde_json::json;
//!
//! let socket = Socket::new("ws://127.0.0.1:4000/socket", Options::default());
//! socket.connect();
//! let lobby = socket.channel("room:lobby", json!({}));
//! lobby.join().await?;
//! let reply = lobby.push("ping", json!({"n": 1})).await?;
//! assert_eq!(reply, json!({"n": 1}));
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use futures_channel::{mpsc, oneshot};
use phoenix_protocol::{Frame, Payload};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::core::{ChannelId, Core, Output, PushId};
use crate::{Options, Transport};

/// Why a join failed.
#[derive(Debug, Clone, PartialEq)]
pub enum JoinError {
    /// The server refused, with this response (`{"reason": ...}`).
    Refused(Value),
    /// No reply within the timeout (the channel keeps retrying).
    Timeout,
    /// The socket is gone.
    Closed,
}

/// Why a push failed.
#[derive(Debug, Clone, PartialEq)]
pub enum PushError {
    /// The server replied with another status than `ok`.
    Error(String, Value),
    /// No reply within the timeout.
    Timeout,
    /// The socket is gone.
    Closed,
    /// The payload or the response did not (de)serialize.
    Json(String),
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Refused(response) => write!(f, "join refused: {response}"),
            JoinError::Timeout => f.write_str("join timed out"),
            JoinError::Closed => f.write_str("the socket is closed"),
        }
    }
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::Error(status, response) => write!(f, "push answered {status}: {response}"),
            PushError::Timeout => f.write_str("push timed out"),
            PushError::Closed => f.write_str("the socket is closed"),
            PushError::Json(e) => write!(f, "JSON: {e}"),
        }
    }
}

impl std::error::Error for JoinError {}
impl std::error::Error for PushError {}

/// An event on a channel: its name and payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `new_msg`, `presence_diff`, `phx_error`, ...
    pub event: String,
    /// The payload.
    pub payload: Payload,
}

pub(crate) type Reply = Result<(String, Payload), ()>;

pub(crate) enum Command {
    Connect,
    Disconnect,
    Channel(String, Value),
    Join(ChannelId, oneshot::Sender<Reply>),
    Push(ChannelId, String, Payload, oneshot::Sender<Reply>),
    Leave(ChannelId, oneshot::Sender<Reply>),
    Subscribe(ChannelId, mpsc::UnboundedSender<Event>),
    State(mpsc::UnboundedSender<bool>),
}

/// A socket: a handle to the task that runs the connection (cloneable).
#[derive(Clone)]
pub struct Socket {
    commands: mpsc::UnboundedSender<Command>,
    /// The driver creates channels in command order, so ids match.
    next_channel: Arc<AtomicUsize>,
    /// Whether connections use LongPoll (kept by the dispatcher).
    long_poll: Arc<AtomicBool>,
}

/// A channel of a [`Socket`] (cloneable).
#[derive(Clone)]
pub struct Channel {
    socket: Socket,
    id: ChannelId,
    topic: String,
}

impl Socket {
    /// A socket for `endpoint` (`ws://host/socket`; LongPoll uses the same
    /// endpoint, as `http://host/socket/longpoll`). Natively it needs a tokio
    /// runtime; in browsers it runs on the page's event loop.
    pub fn new(endpoint: &str, options: Options) -> Socket {
        let (commands, rx) = mpsc::unbounded();
        let dispatcher = Dispatcher::new(Core::new(endpoint, options));
        let long_poll = dispatcher.long_poll.clone();
        crate::driver::spawn(dispatcher, rx);
        Socket {
            commands,
            next_channel: Arc::new(AtomicUsize::new(0)),
            long_poll,
        }
    }

    fn send(&self, command: Command) {
        let _ = self.commands.unbounded_send(command);
    }

    /// Connects (and keeps reconnecting with backoff until `disconnect`).
    pub fn connect(&self) {
        self.send(Command::Connect);
    }

    /// The transport of the current (or next) connection: LongPoll when
    /// [`Options::transport`] asks for it or after a fallback
    /// ([`Options::long_poll_fallback_ms`]).
    pub fn transport(&self) -> Transport {
        if self.long_poll.load(Ordering::SeqCst) {
            Transport::LongPoll
        } else {
            Transport::WebSocket
        }
    }

    /// Disconnects for good.
    pub fn disconnect(&self) {
        self.send(Command::Disconnect);
    }

    /// The connection state: `true` when open, on every change.
    pub fn states(&self) -> mpsc::UnboundedReceiver<bool> {
        let (tx, rx) = mpsc::unbounded();
        self.send(Command::State(tx));
        rx
    }

    /// A channel for `topic`, to be joined with `params`.
    pub fn channel(&self, topic: &str, params: Value) -> Channel {
        let id = self.next_channel.fetch_add(1, Ordering::SeqCst);
        self.send(Command::Channel(topic.to_string(), params));
        Channel {
            socket: self.clone(),
            id,
            topic: topic.to_string(),
        }
    }
}

async fn wait(rx: oneshot::Receiver<Reply>) -> Result<(String, Payload), Option<()>> {
    match rx.await {
        Ok(Ok(reply)) => Ok(reply),
        Ok(Err(())) => Err(Some(())),
        Err(_) => Err(None),
    }
}

fn json_of(payload: Payload) -> Value {
    match payload {
        Payload::Json(value) => value,
        _ => Value::Null,
    }
}

impl Channel {
    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Every event of the channel from now on (pushes, broadcasts,
    /// `phx_error`, `phx_close`).
    pub fn events(&self) -> mpsc::UnboundedReceiver<Event> {
        let (tx, rx) = mpsc::unbounded();
        self.socket.send(Command::Subscribe(self.id, tx));
        rx
    }

    /// Joins; resolves with the first reply. The channel rejoins by itself
    /// after errors and reconnects.
    pub async fn join(&self) -> Result<Value, JoinError> {
        let (tx, rx) = oneshot::channel();
        self.socket.send(Command::Join(self.id, tx));
        match wait(rx).await {
            Ok((status, response)) if status == "ok" => Ok(json_of(response)),
            Ok((_, response)) => Err(JoinError::Refused(json_of(response))),
            Err(Some(())) => Err(JoinError::Timeout),
            Err(None) => Err(JoinError::Closed),
        }
    }

    /// Pushes an event and waits for the `ok` reply's response.
    pub async fn push(&self, event: &str, payload: Value) -> Result<Value, PushError> {
        self.push_payload(event, Payload::Json(payload))
            .await
            .map(json_of)
    }

    /// Pushes any payload (binary too) and waits for the reply.
    pub async fn push_payload(&self, event: &str, payload: Payload) -> Result<Payload, PushError> {
        let (tx, rx) = oneshot::channel();
        self.socket
            .send(Command::Push(self.id, event.to_string(), payload, tx));
        match wait(rx).await {
            Ok((status, response)) if status == "ok" => Ok(response),
            Ok((status, response)) => Err(PushError::Error(status, json_of(response))),
            Err(Some(())) => Err(PushError::Timeout),
            Err(None) => Err(PushError::Closed),
        }
    }

    /// Pushes a serializable value and deserializes the response.
    pub async fn push_json<T: Serialize, R: DeserializeOwned>(
        &self,
        event: &str,
        payload: &T,
    ) -> Result<R, PushError> {
        let value = serde_json::to_value(payload).map_err(|e| PushError::Json(e.to_string()))?;
        let response = self.push(event, value).await?;
        serde_json::from_value(response).map_err(|e| PushError::Json(e.to_string()))
    }

    /// Leaves the channel.
    pub async fn leave(&self) -> Result<(), PushError> {
        let (tx, rx) = oneshot::channel();
        self.socket.send(Command::Leave(self.id, tx));
        match wait(rx).await {
            Ok(_) => Ok(()),
            Err(Some(())) => Err(PushError::Timeout),
            Err(None) => Err(PushError::Closed),
        }
    }
}

/// What a driver must do with its transport.
pub(crate) enum Io {
    /// Open a connection with this transport to this URL.
    Connect(Transport, String),
    Send(Frame),
    Close,
    /// Remember the LongPoll fallback for later sockets (browsers).
    RememberLongPoll,
}

/// The core plus the application's waiting pushes and subscriptions: all a
/// driver needs besides its transport and clock.
pub(crate) struct Dispatcher {
    pub(crate) core: Core,
    replies: HashMap<PushId, Vec<oneshot::Sender<Reply>>>,
    subscribers: HashMap<ChannelId, Vec<mpsc::UnboundedSender<Event>>>,
    states: Vec<mpsc::UnboundedSender<bool>>,
    /// Whether the driver connects with LongPoll (read by [`Socket::transport`]).
    pub(crate) long_poll: Arc<AtomicBool>,
}

impl Dispatcher {
    pub(crate) fn new(core: Core) -> Self {
        let long_poll = core.transport() == Transport::LongPoll;
        Dispatcher {
            core,
            replies: HashMap::new(),
            subscribers: HashMap::new(),
            states: Vec::new(),
            long_poll: Arc::new(AtomicBool::new(long_poll)),
        }
    }

    fn resolve(&mut self, push: PushId, reply: Reply) {
        for tx in self.replies.remove(&push).unwrap_or_default() {
            let _ = tx.send(reply.clone());
        }
    }

    /// Applies an application command.
    pub(crate) fn command(&mut self, now: u64, command: Command) {
        match command {
            Command::Connect => self.core.connect(now),
            Command::Disconnect => self.core.disconnect(),
            Command::Channel(topic, params) => {
                self.core.channel(&topic, Payload::Json(params));
            }
            Command::Join(id, tx) => {
                let push = self.core.join(now, id, None);
                self.replies.entry(push).or_default().push(tx);
            }
            Command::Push(id, event, payload, tx) => {
                let push = self.core.push(now, id, &event, payload, None);
                self.replies.entry(push).or_default().push(tx);
            }
            Command::Leave(id, tx) => {
                let push = self.core.leave(now, id, None);
                self.replies.entry(push).or_default().push(tx);
            }
            Command::Subscribe(id, tx) => self.subscribers.entry(id).or_default().push(tx),
            Command::State(tx) => {
                let _ = tx.unbounded_send(self.core.is_connected());
                self.states.push(tx);
            }
        }
    }

    /// Delivers replies, events and states; returns the transport work.
    pub(crate) fn io(&mut self) -> Vec<Io> {
        // Before any state goes out, so that whoever sees it reads the right
        // transport.
        self.long_poll.store(
            self.core.transport() == Transport::LongPoll,
            Ordering::SeqCst,
        );
        let mut io = Vec::new();
        for output in self.core.drain() {
            match output {
                Output::Connect(transport, url) => io.push(Io::Connect(transport, url)),
                Output::Send(frame) => io.push(Io::Send(frame)),
                Output::Close(..) => io.push(Io::Close),
                Output::Opened => self.states.retain(|tx| tx.unbounded_send(true).is_ok()),
                Output::Closed(_) => self.states.retain(|tx| tx.unbounded_send(false).is_ok()),
                Output::Reply(push, status, response) => self.resolve(push, Ok((status, response))),
                Output::Timeout(push) => self.resolve(push, Err(())),
                Output::Event(channel, event, payload) => {
                    if let Some(list) = self.subscribers.get_mut(&channel) {
                        let event = Event { event, payload };
                        list.retain(|tx| tx.unbounded_send(event.clone()).is_ok());
                    }
                }
                Output::State(..) => {}
                Output::RememberLongPoll => io.push(Io::RememberLongPoll),
            }
        }
        io
    }
}
