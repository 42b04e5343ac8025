//! The client state machine, without I/O or clocks.
//!
//! [`Core`] is driven by its caller: it is told the time (milliseconds from
//! any origin) and what happened (the transport opened, a frame arrived, the
//! caller pushed something) and it answers with [`Output`]s to carry out
//! (open a connection, send a frame, complete a push). [`Core::next_deadline`]
//! says when it next needs [`Core::poll`]. This is the one implementation of
//! the client behaviour of the protocol spec (section 6): the native and the
//! browser drivers only move bytes and sleep.

use std::collections::{HashMap, VecDeque};

use phoenix_protocol::{events, Frame, Message, Payload, Vsn};
use serde_json::{json, Map, Value};

/// Identifies a channel of a [`Core`].
pub type ChannelId = usize;
/// Identifies a push (a join, a leave or an event) of a [`Core`].
pub type PushId = u64;

/// The LongPoll URL for a WebSocket endpoint URL: `ws`→`http`, `wss`→`https`,
/// the last `/websocket` segment → `/longpoll`, query kept (spec §2.1).
pub fn long_poll_url(ws_url: &str) -> String {
    let (base, query) = match ws_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (ws_url, None),
    };
    let base = if let Some(rest) = base.strip_prefix("wss://") {
        format!("https://{rest}")
    } else if let Some(rest) = base.strip_prefix("ws://") {
        format!("http://{rest}")
    } else {
        base.to_string()
    };
    let base = match base.strip_suffix("/websocket") {
        Some(mount) => format!("{mount}/longpoll"),
        None => base,
    };
    match query {
        Some(query) => format!("{base}?{query}"),
        None => base,
    }
}

/// Socket options (the phoenix.js defaults).
#[derive(Debug, Clone)]
pub struct Options {
    /// Connect parameters (query string).
    pub params: Map<String, Value>,
    /// Default timeout of joins, pushes and leaves, in ms.
    pub timeout_ms: u64,
    /// Heartbeat interval (and reply deadline), in ms.
    pub heartbeat_ms: u64,
    /// Reconnect delay for a given attempt (1, 2, ...), in ms.
    pub reconnect_after_ms: fn(u32) -> u64,
    /// Rejoin delay for a given attempt (1, 2, ...), in ms.
    pub rejoin_after_ms: fn(u32) -> u64,
    /// The transport to start with.
    pub transport: Transport,
    /// phoenix.js's `longPollFallbackMs`: when set, the transport is
    /// WebSocket and the WebSocket does not open and answer a ping within
    /// this many ms (or fails before it ever opened), the socket switches to
    /// LongPoll for good (spec §6.9); browsers remember it for the tab's
    /// session. Unset: no fallback.
    pub long_poll_fallback_ms: Option<u64>,
    /// phoenix.js's `longpollerTimeout`: how long each LongPoll request may
    /// take, in ms.
    pub long_poll_timeout_ms: u64,
}

/// A socket transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// One WebSocket (`<endpoint>/websocket`).
    #[default]
    WebSocket,
    /// HTTP long polling (`<endpoint>/longpoll`).
    LongPoll,
}

fn reconnect_after_ms(tries: u32) -> u64 {
    const TABLE: [u64; 9] = [10, 50, 100, 150, 200, 250, 500, 1000, 2000];
    TABLE
        .get(tries.saturating_sub(1) as usize)
        .copied()
        .unwrap_or(5000)
}

fn rejoin_after_ms(tries: u32) -> u64 {
    const TABLE: [u64; 3] = [1000, 2000, 5000];
    TABLE
        .get(tries.saturating_sub(1) as usize)
        .copied()
        .unwrap_or(10_000)
}

impl Default for Options {
    fn default() -> Self {
        Options {
            params: Map::new(),
            timeout_ms: 10_000,
            heartbeat_ms: 30_000,
            reconnect_after_ms,
            rejoin_after_ms,
            transport: Transport::WebSocket,
            long_poll_fallback_ms: None,
            long_poll_timeout_ms: 20_000,
        }
    }
}

/// What the driver must do, or report to the application.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Open a connection with this transport to this URL (the `/websocket`
    /// URL for WebSocket, the `/longpoll` one for LongPoll).
    Connect(Transport, String),
    /// Send a frame.
    Send(Frame),
    /// Close the transport.
    Close(u16, String),
    /// The socket opened.
    Opened,
    /// The socket closed (with the code the transport reported).
    Closed(u16),
    /// A push got a reply (`ok`, `error`, ...). Join pushes get one per (re)join.
    Reply(PushId, String, Payload),
    /// A push timed out (and will not be sent or answered).
    Timeout(PushId),
    /// An event on a channel (pushes and broadcasts, `phx_close`, `phx_error`).
    Event(ChannelId, String, Payload),
    /// A channel changed state.
    State(ChannelId, ChannelState),
    /// LongPoll opened after a fallback from a WebSocket that never proved
    /// healthy: a browser driver remembers it for the tab (phoenix.js stores
    /// `phx:fallback:LongPoll` in sessionStorage) and tells the next socket
    /// with [`Core::recall_long_poll`].
    RememberLongPoll,
}

/// The states of a channel (spec 6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelState {
    /// Not joined.
    Closed,
    /// Waiting for a rejoin.
    Errored,
    /// Joined.
    Joined,
    /// Join sent.
    Joining,
    /// Leave sent.
    Leaving,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Join,
    Leave,
    Push,
}

#[derive(Debug)]
struct Sent {
    push: PushId,
    channel: Option<ChannelId>,
    kind: Kind,
    deadline: u64,
}

#[derive(Debug)]
struct Buffered {
    push: PushId,
    event: String,
    payload: Payload,
    deadline: u64,
    timeout: u64,
}

#[derive(Debug)]
struct Channel {
    topic: String,
    params: Payload,
    state: ChannelState,
    join_ref: Option<String>,
    join_push: PushId,
    timeout: u64,
    joined_once: bool,
    rejoin_at: Option<u64>,
    rejoin_tries: u32,
    buffer: Vec<Buffered>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conn {
    Closed,
    Connecting,
    Open,
}

/// A client: one socket and its channels.
#[derive(Debug)]
pub struct Core {
    url: String,
    options: Options,
    conn: Conn,
    /// Closed on purpose (`disconnect`): no reconnect.
    manual: bool,
    hidden: bool,
    next_ref: u64,
    next_push: PushId,
    send_buffer: Vec<Message>,
    heartbeat_at: Option<u64>,
    /// The transport of the current (or next) connection.
    transport: Transport,
    /// When the WebSocket being opened must have proven healthy (§6.9).
    fallback_at: Option<u64>,
    /// Whether the fallback's health ping is out.
    checking: bool,
    /// Whether a WebSocket passed the health check once: no fallback after.
    healthy_once: bool,
    /// Whether the socket switched to LongPoll by the fallback.
    fell_back: bool,
    heartbeat_deadline: Option<u64>,
    pending_heartbeat: Option<String>,
    reconnect_at: Option<u64>,
    reconnect_tries: u32,
    channels: Vec<Channel>,
    sent: HashMap<String, Sent>,
    outputs: VecDeque<Output>,
}

fn query(params: &Map<String, Value>) -> String {
    let mut out = String::new();
    let pairs = |key: &str, value: &Value, out: &mut String| {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => return,
            other => other.to_string(),
        };
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&encode(key));
        out.push('=');
        out.push_str(&encode(&text));
    };
    for (key, value) in params {
        match value {
            Value::Object(nested) => {
                for (inner, v) in nested {
                    pairs(&format!("{key}[{inner}]"), v, &mut out);
                }
            }
            other => pairs(key, other, &mut out),
        }
    }
    out
}

/// Percent-encodes like `encodeURIComponent`.
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

impl Core {
    /// A client of the socket at `endpoint` (`ws://host/socket`; the
    /// `/websocket` transport path and the query are added).
    pub fn new(endpoint: &str, options: Options) -> Self {
        let transport = options.transport;
        Core {
            url: format!("{}/websocket", endpoint.trim_end_matches('/')),
            options,
            conn: Conn::Closed,
            manual: false,
            hidden: false,
            next_ref: 0,
            next_push: 0,
            send_buffer: Vec::new(),
            heartbeat_at: None,
            transport,
            fallback_at: None,
            checking: false,
            healthy_once: false,
            fell_back: false,
            heartbeat_deadline: None,
            pending_heartbeat: None,
            reconnect_at: None,
            reconnect_tries: 0,
            channels: Vec::new(),
            sent: HashMap::new(),
            outputs: VecDeque::new(),
        }
    }

    /// The options the core was made with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The WebSocket URL: the endpoint's `/websocket` with the params and `vsn`.
    pub fn endpoint_url(&self) -> String {
        let mut params = self.options.params.clone();
        params.insert("vsn".into(), Value::String(Vsn::V2.as_str().into()));
        format!("{}?{}", self.url, query(&params))
    }

    /// The transport of the current (or next) connection: the one of
    /// [`Options::transport`], or LongPoll after a fallback.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The driver found a fallback remembered from an earlier socket
    /// (phoenix.js's `phx:fallback:LongPoll` in sessionStorage, see
    /// [`Output::RememberLongPoll`]): when the fallback is enabled and the
    /// socket would start on WebSocket, it connects with LongPoll from now
    /// on (spec §6.9, step 1). Otherwise nothing changes.
    pub fn recall_long_poll(&mut self) {
        if self.options.long_poll_fallback_ms.is_some() && self.transport == Transport::WebSocket {
            self.transport = Transport::LongPoll;
            self.fell_back = true;
        }
    }

    /// Takes what the driver must do now.
    pub fn drain(&mut self) -> Vec<Output> {
        self.outputs.drain(..).collect()
    }

    /// Whether the socket is open.
    pub fn is_connected(&self) -> bool {
        self.conn == Conn::Open
    }

    fn make_ref(&mut self) -> String {
        self.next_ref += 1;
        self.next_ref.to_string()
    }

    fn make_push(&mut self) -> PushId {
        self.next_push += 1;
        self.next_push
    }

    fn send(&mut self, message: Message) {
        if self.conn == Conn::Open {
            // Only oversized binary fields fail to encode; such a push is dropped.
            if let Ok(frame) = Vsn::V2.encode_to_server(&message) {
                self.outputs.push_back(Output::Send(frame));
            }
        } else {
            self.send_buffer.push(message);
        }
    }

    // ---------------------------------------------------------------- socket

    /// Opens the connection (a no-op if one exists), with the transport of
    /// [`Core::transport`]. A WebSocket opened with the LongPoll fallback
    /// enabled has `long_poll_fallback_ms` from `now` to prove healthy.
    pub fn connect(&mut self, now: u64) {
        if self.conn != Conn::Closed {
            return;
        }
        self.manual = false;
        self.conn = Conn::Connecting;
        self.reconnect_at = None;
        self.checking = false;
        self.fallback_at = match (self.transport, self.options.long_poll_fallback_ms) {
            (Transport::WebSocket, Some(ms)) if !self.healthy_once => Some(now + ms),
            _ => None,
        };
        let url = match self.transport {
            Transport::WebSocket => self.endpoint_url(),
            Transport::LongPoll => long_poll_url(&self.endpoint_url()),
        };
        self.outputs.push_back(Output::Connect(self.transport, url));
    }

    /// Closes the connection for good (no reconnect).
    pub fn disconnect(&mut self) {
        self.manual = true;
        self.reconnect_at = None;
        self.fallback_at = None;
        self.checking = false;
        self.heartbeat_at = None;
        self.heartbeat_deadline = None;
        if self.conn != Conn::Closed {
            self.conn = Conn::Closed;
            self.outputs.push_back(Output::Close(1000, String::new()));
            self.error_channels("connection_closed");
            self.outputs.push_back(Output::Closed(1000));
        }
    }

    /// The page became hidden or visible (spec §6.10): while hidden a due
    /// reconnect waits; on becoming visible a socket that is down after an
    /// unclean close reconnects at once.
    pub fn set_visible(&mut self, now: u64, visible: bool) {
        self.hidden = !visible;
        if visible && self.conn == Conn::Closed && !self.manual && self.reconnect_at.is_some() {
            self.reconnect_at = None;
            self.connect(now);
        }
    }

    /// Whether the socket is up or on its way up (connecting, open, or
    /// waiting to reconnect), as opposed to disconnected by the application.
    pub fn is_active(&self) -> bool {
        !self.manual && (self.conn != Conn::Closed || self.reconnect_at.is_some())
    }

    /// The transport opened.
    pub fn opened(&mut self, now: u64) {
        self.conn = Conn::Open;
        self.reconnect_tries = 0;
        self.reconnect_at = None;
        self.pending_heartbeat = None;
        self.heartbeat_deadline = None;
        // LongPoll disables heartbeats (spec §6.4).
        self.heartbeat_at =
            (self.transport == Transport::WebSocket).then_some(now + self.options.heartbeat_ms);
        // Joins made while closed are in the buffer: they go out once, now.
        let mut buffered_joins = Vec::new();
        for message in std::mem::take(&mut self.send_buffer) {
            if message.event == events::JOIN {
                buffered_joins.push(message.join_ref.clone());
            }
            self.send(message);
        }
        self.outputs.push_back(Output::Opened);
        for id in 0..self.channels.len() {
            let channel = &mut self.channels[id];
            channel.rejoin_tries = 0;
            channel.rejoin_at = None;
            let join_sent = channel.state == ChannelState::Joining
                && channel.join_ref.is_some()
                && buffered_joins.contains(&channel.join_ref);
            if matches!(channel.state, ChannelState::Errored | ChannelState::Joining)
                && channel.joined_once
                && !join_sent
            {
                self.rejoin(now, id);
            }
        }
        match self.transport {
            Transport::WebSocket => {
                if let (Some(_), Some(ms)) = (self.fallback_at, self.options.long_poll_fallback_ms)
                {
                    // Prove the WebSocket carries traffic (§6.9, step 3): ping,
                    // and give the reply another full period.
                    self.fallback_at = Some(now + ms);
                    self.checking = true;
                    self.ping(now);
                }
            }
            Transport::LongPoll => {
                if self.fell_back && !self.healthy_once {
                    self.outputs.push_back(Output::RememberLongPoll);
                }
            }
        }
    }

    fn error_channels(&mut self, reason: &str) {
        for id in 0..self.channels.len() {
            let state = self.channels[id].state;
            if matches!(state, ChannelState::Joined | ChannelState::Joining) {
                self.set_state(id, ChannelState::Errored);
                self.channels[id].join_ref = None;
                self.outputs.push_back(Output::Event(
                    id,
                    events::ERROR.into(),
                    json!({"source": "transport", "reason": reason}).into(),
                ));
            }
        }
    }

    /// The transport closed with `code`, or failed to open. A WebSocket that
    /// fails before it ever opened, with the fallback armed, makes the socket
    /// fall back to LongPoll (§6.9, step 2).
    pub fn closed(&mut self, now: u64, code: u16) {
        if self.conn == Conn::Connecting
            && self.transport == Transport::WebSocket
            && self.fallback_at.is_some()
        {
            self.fall_back(now);
            return;
        }
        self.fallback_at = None;
        self.checking = false;
        let was_open = self.conn != Conn::Closed;
        self.conn = Conn::Closed;
        self.heartbeat_at = None;
        self.heartbeat_deadline = None;
        self.pending_heartbeat = None;
        if !was_open && self.manual {
            return;
        }
        self.error_channels("connection_closed");
        if !self.manual && code != 1000 {
            self.schedule_reconnect(now);
        }
        self.outputs.push_back(Output::Closed(code));
    }

    /// Switches to LongPoll for good. An open or opening WebSocket counts as
    /// lost (its channels error, like the browser driver always did), and the
    /// reconnect after the first backoff step opens LongPoll.
    fn fall_back(&mut self, now: u64) {
        self.transport = Transport::LongPoll;
        self.fell_back = true;
        self.fallback_at = None;
        self.checking = false;
        if self.conn != Conn::Closed {
            self.closed(now, 1006);
        }
    }

    fn schedule_reconnect(&mut self, now: u64) {
        self.reconnect_tries += 1;
        self.reconnect_at = Some(now + (self.options.reconnect_after_ms)(self.reconnect_tries));
    }

    /// A frame arrived.
    pub fn received(&mut self, now: u64, frame: &Frame) {
        let Ok(message) = Vsn::V2.decode_from_server(frame) else {
            return;
        };
        if message.msg_ref.is_some() && message.msg_ref == self.pending_heartbeat {
            self.pending_heartbeat = None;
            self.heartbeat_deadline = None;
            self.heartbeat_at = Some(now + self.options.heartbeat_ms);
            if self.checking {
                // The WebSocket answered the fallback's ping: it is healthy.
                self.checking = false;
                self.fallback_at = None;
                self.healthy_once = true;
            }
            return;
        }
        if message.event == events::REPLY {
            self.reply(now, message);
            return;
        }
        for id in 0..self.channels.len() {
            let channel = &self.channels[id];
            if channel.topic != message.topic {
                continue;
            }
            if message.join_ref.is_some() && message.join_ref != channel.join_ref {
                continue; // an older incarnation
            }
            match message.event.as_str() {
                events::CLOSE => self.close_channel(id),
                events::ERROR => {
                    let rejoin = channel.state != ChannelState::Leaving;
                    self.set_state(id, ChannelState::Errored);
                    self.channels[id].join_ref = None;
                    if rejoin {
                        self.schedule_rejoin(now, id);
                    }
                    self.outputs.push_back(Output::Event(
                        id,
                        message.event.clone(),
                        message.payload.clone(),
                    ));
                }
                _ => self.outputs.push_back(Output::Event(
                    id,
                    message.event.clone(),
                    message.payload.clone(),
                )),
            }
        }
    }

    fn reply(&mut self, now: u64, message: Message) {
        let Some(reference) = message.msg_ref.clone() else {
            return;
        };
        let Some(sent) = self.sent.remove(&reference) else {
            return; // timed out, or not ours
        };
        let (status, response) = match message.payload {
            Payload::Json(Value::Object(mut map)) => {
                let status = map
                    .remove("status")
                    .and_then(|s| s.as_str().map(str::to_string))
                    .unwrap_or_default();
                let response = map.remove("response").unwrap_or(Value::Object(Map::new()));
                (status, Payload::Json(response))
            }
            Payload::BinaryReply { status, response } => (status, Payload::Binary(response)),
            other => (String::new(), other),
        };
        match (sent.kind, sent.channel) {
            (Kind::Join, Some(id)) => {
                if self.channels[id].join_ref.as_deref() != Some(reference.as_str()) {
                    return; // the reply of an abandoned join
                }
                if status == "ok" {
                    self.set_state(id, ChannelState::Joined);
                    self.channels[id].rejoin_tries = 0;
                    self.channels[id].rejoin_at = None;
                    self.outputs
                        .push_back(Output::Reply(sent.push, status, response));
                    self.flush_channel_buffer(now, id);
                } else {
                    self.set_state(id, ChannelState::Errored);
                    self.outputs
                        .push_back(Output::Reply(sent.push, status, response));
                    self.schedule_rejoin(now, id);
                }
            }
            (Kind::Leave, Some(id)) => {
                self.outputs
                    .push_back(Output::Reply(sent.push, status, response));
                self.close_channel(id);
            }
            _ => self
                .outputs
                .push_back(Output::Reply(sent.push, status, response)),
        }
    }

    // ---------------------------------------------------------------- channels

    fn set_state(&mut self, id: ChannelId, state: ChannelState) {
        if self.channels[id].state != state {
            self.channels[id].state = state;
            self.outputs.push_back(Output::State(id, state));
        }
    }

    /// Creates a channel for `topic` (not joined yet).
    pub fn channel(&mut self, topic: &str, params: Payload) -> ChannelId {
        let join_push = self.make_push();
        self.channels.push(Channel {
            topic: topic.to_string(),
            params,
            state: ChannelState::Closed,
            join_ref: None,
            join_push,
            timeout: self.options.timeout_ms,
            joined_once: false,
            rejoin_at: None,
            rejoin_tries: 0,
            buffer: Vec::new(),
        });
        self.channels.len() - 1
    }

    /// A channel's state.
    pub fn state(&self, id: ChannelId) -> ChannelState {
        self.channels[id].state
    }

    /// A channel's topic.
    pub fn topic(&self, id: ChannelId) -> &str {
        &self.channels[id].topic
    }

    /// A channel's current join ref.
    pub fn join_ref(&self, id: ChannelId) -> Option<&str> {
        self.channels[id].join_ref.as_deref()
    }

    /// Joins; the returned push gets a [`Output::Reply`] on every (re)join.
    /// A channel joins once: later calls give the same push.
    pub fn join(&mut self, now: u64, id: ChannelId, timeout: Option<u64>) -> PushId {
        let channel = &mut self.channels[id];
        if let Some(timeout) = timeout {
            channel.timeout = timeout;
        }
        if !channel.joined_once {
            channel.joined_once = true;
            self.rejoin(now, id);
        }
        self.channels[id].join_push
    }

    fn rejoin(&mut self, now: u64, id: ChannelId) {
        if self.channels[id].state == ChannelState::Leaving {
            return;
        }
        // Another channel object of the same topic leaves (C15).
        let topic = self.channels[id].topic.clone();
        for other in 0..self.channels.len() {
            if other != id
                && self.channels[other].topic == topic
                && matches!(
                    self.channels[other].state,
                    ChannelState::Joined | ChannelState::Joining
                )
            {
                self.leave(now, other, None);
            }
        }
        self.set_state(id, ChannelState::Joining);
        let reference = self.make_ref();
        let channel = &mut self.channels[id];
        channel.join_ref = Some(reference.clone());
        channel.rejoin_at = None;
        let deadline = now + channel.timeout;
        let push = channel.join_push;
        let message = Message::new(
            Some(reference.clone()),
            Some(reference.clone()),
            channel.topic.clone(),
            events::JOIN,
            channel.params.clone(),
        );
        self.sent.insert(
            reference,
            Sent {
                push,
                channel: Some(id),
                kind: Kind::Join,
                deadline,
            },
        );
        self.send(message);
    }

    fn schedule_rejoin(&mut self, now: u64, id: ChannelId) {
        if self.conn != Conn::Open {
            return; // the next open rejoins
        }
        let channel = &mut self.channels[id];
        channel.rejoin_tries += 1;
        channel.rejoin_at = Some(now + (self.options.rejoin_after_ms)(channel.rejoin_tries));
    }

    /// A message of channel `id` under its join ref, with a fresh ref
    /// (returned too, to await the reply).
    fn channel_message(
        &mut self,
        id: ChannelId,
        event: impl Into<String>,
        payload: Payload,
    ) -> (String, Message) {
        let reference = self.make_ref();
        let channel = &self.channels[id];
        let message = Message::new(
            channel.join_ref.clone(),
            Some(reference.clone()),
            channel.topic.clone(),
            event,
            payload,
        );
        (reference, message)
    }

    fn send_push(
        &mut self,
        now: u64,
        id: ChannelId,
        push: PushId,
        event: String,
        payload: Payload,
        timeout: u64,
    ) {
        let (reference, message) = self.channel_message(id, event, payload);
        self.sent.insert(
            reference,
            Sent {
                push,
                channel: Some(id),
                kind: Kind::Push,
                deadline: now + timeout,
            },
        );
        self.send(message);
    }

    fn flush_channel_buffer(&mut self, now: u64, id: ChannelId) {
        for buffered in std::mem::take(&mut self.channels[id].buffer) {
            // A buffered push keeps its deadline for being sent; once sent it
            // gets a full timeout of its own (spec 6.6).
            self.send_push(
                now,
                id,
                buffered.push,
                buffered.event,
                buffered.payload,
                buffered.timeout,
            );
        }
    }

    /// Pushes an event; sent now if joined, else when the join succeeds
    /// (its timeout runs from now).
    pub fn push(
        &mut self,
        now: u64,
        id: ChannelId,
        event: &str,
        payload: Payload,
        timeout: Option<u64>,
    ) -> PushId {
        let push = self.make_push();
        let timeout = timeout.unwrap_or(self.channels[id].timeout);
        if self.conn == Conn::Open && self.channels[id].state == ChannelState::Joined {
            self.send_push(now, id, push, event.to_string(), payload, timeout);
        } else {
            self.channels[id].buffer.push(Buffered {
                push,
                event: event.to_string(),
                payload,
                deadline: now + timeout,
                timeout,
            });
        }
        push
    }

    /// Leaves; the channel closes on the reply or the timeout, at once if it
    /// cannot push.
    pub fn leave(&mut self, now: u64, id: ChannelId, timeout: Option<u64>) -> PushId {
        let could_push = self.conn == Conn::Open && self.channels[id].state == ChannelState::Joined;
        let push = self.make_push();
        let timeout = timeout.unwrap_or(self.channels[id].timeout);
        self.channels[id].rejoin_at = None;
        self.set_state(id, ChannelState::Leaving);
        let (reference, message) = self.channel_message(id, events::LEAVE, Payload::empty());
        self.send(message);
        if could_push {
            self.sent.insert(
                reference,
                Sent {
                    push,
                    channel: Some(id),
                    kind: Kind::Leave,
                    deadline: now + timeout,
                },
            );
        } else {
            self.outputs
                .push_back(Output::Reply(push, "ok".into(), Payload::empty()));
            self.close_channel(id);
        }
        push
    }

    fn close_channel(&mut self, id: ChannelId) {
        self.channels[id].rejoin_at = None;
        self.channels[id].join_ref = None;
        self.set_state(id, ChannelState::Closed);
        self.outputs
            .push_back(Output::Event(id, events::CLOSE.into(), Payload::empty()));
    }

    // ---------------------------------------------------------------- time

    /// When [`Core::poll`] must next run, if ever.
    pub fn next_deadline(&self) -> Option<u64> {
        let socket = [
            self.heartbeat_at,
            self.heartbeat_deadline,
            self.fallback_at,
            // A hidden page's reconnect waits for `set_visible(true)`.
            self.reconnect_at.filter(|_| !self.hidden),
        ]
        .into_iter()
        .flatten();
        let channels = self.channels.iter().flat_map(|c| {
            c.rejoin_at
                .into_iter()
                .chain(c.buffer.iter().map(|b| b.deadline))
        });
        let sent = self.sent.values().map(|s| s.deadline);
        socket.chain(channels).chain(sent).min()
    }

    /// Sends a heartbeat now, on an open connection (phoenix.js's `ping`;
    /// the LongPoll fallback's health check, spec §6.9);
    /// [`Core::heartbeat_pending`] tells when its reply has arrived.
    pub fn ping(&mut self, now: u64) {
        if self.conn == Conn::Open && self.pending_heartbeat.is_none() {
            self.heartbeat_at = Some(now);
            self.poll(now);
        }
    }

    /// Whether a heartbeat is waiting for its reply.
    pub fn heartbeat_pending(&self) -> bool {
        self.pending_heartbeat.is_some()
    }

    /// Runs whatever is due at `now`.
    pub fn poll(&mut self, now: u64) {
        if self.fallback_at.is_some_and(|t| t <= now) {
            // The WebSocket did not open, or did not answer the ping, in time.
            if self.conn != Conn::Closed {
                self.outputs
                    .push_back(Output::Close(1000, "falling back to LongPoll".into()));
            }
            self.fall_back(now);
        }
        if self.heartbeat_deadline.is_some_and(|t| t <= now) && self.pending_heartbeat.is_some() {
            // C4: no reply to the heartbeat.
            self.heartbeat_deadline = None;
            self.pending_heartbeat = None;
            self.error_channels("heartbeat_timeout");
            self.conn = Conn::Closed;
            self.outputs
                .push_back(Output::Close(1000, "heartbeat timeout".into()));
            self.outputs.push_back(Output::Closed(1000));
            self.schedule_reconnect(now);
        }
        if self.heartbeat_at.is_some_and(|t| t <= now) && self.conn == Conn::Open {
            self.heartbeat_at = None;
            let reference = self.make_ref();
            self.pending_heartbeat = Some(reference.clone());
            self.heartbeat_deadline = Some(now + self.options.heartbeat_ms);
            self.send(Message::new(
                None,
                Some(reference),
                events::HEARTBEAT_TOPIC,
                events::HEARTBEAT,
                Payload::empty(),
            ));
        }
        if self.reconnect_at.is_some_and(|t| t <= now) && !self.hidden {
            self.reconnect_at = None;
            self.connect(now);
        }
        // Timeouts of sent pushes.
        let expired: Vec<String> = self
            .sent
            .iter()
            .filter(|(_, s)| s.deadline <= now)
            .map(|(r, _)| r.clone())
            .collect();
        for reference in expired {
            let Some(sent) = self.sent.remove(&reference) else {
                continue;
            };
            match (sent.kind, sent.channel) {
                (Kind::Join, Some(id))
                    if self.channels[id].join_ref.as_deref() == Some(reference.as_str()) =>
                {
                    // C6: leave the timed-out incarnation, then rejoin later.
                    let topic = self.channels[id].topic.clone();
                    let leave_ref = self.make_ref();
                    self.send(Message::new(
                        Some(reference.clone()),
                        Some(leave_ref),
                        topic,
                        events::LEAVE,
                        Payload::empty(),
                    ));
                    self.channels[id].join_ref = None;
                    self.set_state(id, ChannelState::Errored);
                    self.outputs.push_back(Output::Timeout(sent.push));
                    self.schedule_rejoin(now, id);
                }
                (Kind::Join, _) => {}
                (Kind::Leave, Some(id)) => {
                    self.outputs.push_back(Output::Timeout(sent.push));
                    self.close_channel(id);
                }
                _ => self.outputs.push_back(Output::Timeout(sent.push)),
            }
        }
        for id in 0..self.channels.len() {
            // Buffered pushes whose time ran out are never sent (C8).
            let (expired, kept): (Vec<Buffered>, Vec<Buffered>) =
                std::mem::take(&mut self.channels[id].buffer)
                    .into_iter()
                    .partition(|b| b.deadline <= now);
            self.channels[id].buffer = kept;
            for buffered in expired {
                self.outputs.push_back(Output::Timeout(buffered.push));
            }
            if self.channels[id].rejoin_at.is_some_and(|t| t <= now) {
                self.channels[id].rejoin_at = None;
                if self.conn == Conn::Open && self.channels[id].state == ChannelState::Errored {
                    self.rejoin(now, id);
                }
            }
        }
    }
}
