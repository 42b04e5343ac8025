//! The dashboard's state model: what the introspection socket told us, kept
//! up to date by applying [`Update`]s (see `protocol.md` of the server's
//! `introspect` module for the wire format).
//!
//! The model is pure: no I/O, no clock, no GUI. Everything arrives through
//! [`Model::apply`], so it is unit-tested with JSON built from the spec.
//! Buffers are bounded ([`TRAFFIC_CAP`], [`REQUESTS_CAP`], [`SERIES_CAP`]),
//! oldest dropped first, so a flood of events never grows memory.

use std::collections::{BTreeMap, HashMap, VecDeque};

use phoenix_client::presence::{self, Presence, State as PresenceState};
use serde_json::{Map, Value};

/// How many traffic rows are kept (oldest dropped first).
pub const TRAFFIC_CAP: usize = 10_000;
/// How many HTTP request rows are kept (oldest dropped first).
pub const REQUESTS_CAP: usize = 5_000;
/// How many per-second stats points are kept: ten minutes.
pub const SERIES_CAP: usize = 600;

/// The state of the dashboard's connection to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    /// Not connected yet (before the first open).
    Connecting,
    /// The WebSocket is open; the `phoenix:dashboard` join is on its way.
    Connected,
    /// Joined: the snapshot arrived and pushes are flowing.
    Joined,
    /// The server refused the join, with this reason (`unauthorized`...).
    /// The client keeps retrying with its backoff.
    Refused(String),
    /// The connection closed (or could not be opened), with this reason; the
    /// client keeps reconnecting with backoff.
    Disconnected(String),
}

impl ConnState {
    /// Whether the dashboard is joined and receiving data.
    pub fn is_live(&self) -> bool {
        matches!(self, ConnState::Joined)
    }
}

/// Something that happened on the connection, to apply to a [`Model`].
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The connection state changed.
    Connection(ConnState),
    /// A full snapshot (join reply or `snapshot` reply): replaces the app
    /// info, routes, sockets, topics and presence.
    Snapshot(Value),
    /// An `events` push: `{"events": [...], "dropped": n}`.
    Events(Value),
    /// A `stats` push.
    Stats(Value),
    /// The reply to a request (`socket`, `disconnect`, `broadcast`,
    /// `payloads`, `snapshot`): the request's event and its `ok` response or
    /// the error's reason.
    Reply(String, Result<Value, String>),
}

/// What the server says about itself (`app` of the snapshot).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppInfo {
    /// The application's name.
    pub name: String,
    /// Its environment (`dev`, `prod`...).
    pub env: String,
    /// The node's name.
    pub node: String,
    /// The application's version.
    pub version: String,
    /// When the server started (Unix ms).
    pub started_at_ms: i64,
    /// How long it has been up, in ms (refreshed by every `stats`).
    pub uptime_ms: u64,
    /// Whether the dashboard may only look (no disconnect, no broadcast).
    pub read_only: bool,
    /// The server's cap on events sent per second.
    pub max_events_per_second: u64,
}

/// One route of the router.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteRow {
    /// `GET`, `POST`...
    pub verb: String,
    /// `/pages/:page`.
    pub path: String,
    /// `PageController`.
    pub controller: String,
    /// `show`.
    pub action: String,
    /// The path helper's name (empty when there is none).
    pub helper: String,
    /// The pipelines the route goes through.
    pub pipelines: Vec<String>,
}

/// One connected socket (a `SOCKET` of the protocol).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SocketRow {
    /// The dashboard's id of the connection (`s7`).
    pub id: String,
    /// The socket's mount path (`/socket`).
    pub socket: String,
    /// `websocket` or `longpoll`.
    pub transport: String,
    /// The serializer version (`2.0.0`).
    pub vsn: String,
    /// The peer address.
    pub peer: String,
    /// When it connected (Unix ms).
    pub connected_at_ms: i64,
    /// What the socket's `id` callback returned, if anything.
    pub user_id: Option<String>,
    /// The socket's assigns.
    pub assigns: Value,
    /// The topics it has joined, in join order.
    pub topics: Vec<String>,
    /// Messages received from the client.
    pub messages_in: u64,
    /// Messages sent to the client (broadcast deliveries included).
    pub messages_out: u64,
    /// Frames waiting to be written to the client.
    pub queue: u64,
    /// The capacity of that queue.
    pub queue_capacity: u64,
}

/// The kind of a [`TrafficRow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrafficKind {
    /// A client → server message.
    MessageIn,
    /// A server → client message (reply or push).
    MessageOut,
    /// A broadcast on a topic.
    Broadcast,
    /// A channel join (ok or refused).
    ChannelJoined,
    /// A channel left, closed or crashed.
    ChannelLeft,
    /// A socket connected.
    SocketConnected,
    /// A socket disconnected.
    SocketDisconnected,
}

impl TrafficKind {
    /// The kind for an event's `kind` field (`None` for other kinds).
    pub fn from_wire(kind: &str) -> Option<TrafficKind> {
        Some(match kind {
            "message_in" => TrafficKind::MessageIn,
            "message_out" => TrafficKind::MessageOut,
            "broadcast" => TrafficKind::Broadcast,
            "channel_joined" => TrafficKind::ChannelJoined,
            "channel_left" => TrafficKind::ChannelLeft,
            "socket_connected" => TrafficKind::SocketConnected,
            "socket_disconnected" => TrafficKind::SocketDisconnected,
            _ => return None,
        })
    }

    /// A short label for tables (`in`, `out`, `broadcast`, `join`...).
    pub fn label(self) -> &'static str {
        match self {
            TrafficKind::MessageIn => "in",
            TrafficKind::MessageOut => "out",
            TrafficKind::Broadcast => "broadcast",
            TrafficKind::ChannelJoined => "join",
            TrafficKind::ChannelLeft => "leave",
            TrafficKind::SocketConnected => "connect",
            TrafficKind::SocketDisconnected => "disconnect",
        }
    }
}

/// One row of the PubSub traffic log.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficRow {
    /// Sequence number: consecutive rows have consecutive numbers, so the
    /// row with sequence `n` is at index `n - traffic[0].seq`.
    pub seq: u64,
    /// When it happened (Unix ms).
    pub at_ms: i64,
    /// What happened.
    pub kind: TrafficKind,
    /// The socket concerned (none for broadcasts).
    pub socket_id: Option<String>,
    /// The topic concerned (none for socket events).
    pub topic: Option<String>,
    /// The event name; `phx_join`/`phx_leave` for channel events,
    /// `connect`/`disconnect` for socket events.
    pub event: String,
    /// Bytes of the frame, when known.
    pub size: Option<u64>,
    /// The payload (JSON text, possibly truncated), when captured.
    pub payload: Option<String>,
    /// A human summary of the other fields (status, reason, subscribers,
    /// source, peer...).
    pub detail: String,
    /// Whether this row reports a failure (refused join, crash).
    pub error: bool,
}

/// One row of the HTTP request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRow {
    /// Sequence number (consecutive, like [`TrafficRow::seq`]).
    pub seq: u64,
    /// When it finished (Unix ms).
    pub at_ms: i64,
    /// `GET`, `POST`...
    pub method: String,
    /// The request path.
    pub path: String,
    /// The response status.
    pub status: u16,
    /// How long it took, in µs.
    pub duration_us: u64,
}

/// One second of server statistics (a `stats` push).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatsPoint {
    /// When (Unix ms).
    pub at_ms: i64,
    /// The server's uptime then, in ms.
    pub uptime_ms: u64,
    /// Connected sockets.
    pub sockets: u64,
    /// Joined channels.
    pub channels: u64,
    /// Messages in during the last second.
    pub messages_in: u64,
    /// Messages out during the last second (deliveries included).
    pub messages_out: u64,
    /// Broadcasts during the last second.
    pub broadcasts: u64,
    /// HTTP requests during the last second.
    pub http_requests: u64,
    /// Their average duration, in µs.
    pub http_avg_us: u64,
    /// Their longest duration, in µs.
    pub http_max_us: u64,
    /// The server's `events_dropped` counter.
    pub events_dropped: u64,
}

/// A summary of HTTP requests (see [`request_summary`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestSummary {
    /// How many requests.
    pub count: usize,
    /// Their average duration, in µs.
    pub avg_us: u64,
    /// The 95th percentile of their durations, in µs (nearest rank).
    pub p95_us: u64,
    /// The longest, in µs.
    pub max_us: u64,
    /// How many answered 4xx.
    pub client_errors: usize,
    /// How many answered 5xx.
    pub server_errors: usize,
}

/// The filter of the traffic view: a topic pattern and an event pattern,
/// each empty (anything), a substring, or a `*` wildcard pattern matched
/// against the whole text (`rooms:*`). Matching ignores ASCII case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TrafficFilter {
    /// Pattern for the topic (rows without a topic only match when empty).
    pub topic: String,
    /// Pattern for the event name.
    pub event: String,
}

impl TrafficFilter {
    /// Whether the filter lets everything through.
    pub fn is_empty(&self) -> bool {
        self.topic.trim().is_empty() && self.event.trim().is_empty()
    }
}

/// The dashboard's state.
#[derive(Debug)]
pub struct Model {
    /// The connection state.
    pub conn_state: ConnState,
    /// What the server says about itself.
    pub app: AppInfo,
    /// Whether a snapshot has been applied since start.
    pub has_snapshot: bool,
    /// How many snapshots have been applied.
    pub snapshots: u64,
    /// The routes, in router order.
    pub routes: Vec<RouteRow>,
    /// The connected sockets by id.
    pub sockets: BTreeMap<String, SocketRow>,
    /// Topics and their subscriber counts.
    pub topics: BTreeMap<String, u64>,
    /// Presence per topic: key → presence (`{"metas": [...]}`).
    pub presence: BTreeMap<String, PresenceState>,
    /// The PubSub traffic log, oldest first, at most [`TRAFFIC_CAP`] rows.
    pub traffic: VecDeque<TrafficRow>,
    /// The HTTP request log, oldest first, at most [`REQUESTS_CAP`] rows.
    pub requests: VecDeque<RequestRow>,
    /// Per-second stats, oldest first, at most [`SERIES_CAP`] points.
    pub series: VecDeque<StatsPoint>,
    /// Events the server did not send us (sum of the `dropped` of `events`).
    pub dropped: u64,
    /// Events received (all kinds).
    pub events_received: u64,
    /// The server's clock as last heard (Unix ms): stats, snapshot, events.
    pub server_time_ms: i64,
    /// The last reply of each request kind (`socket`, `broadcast`...).
    pub replies: BTreeMap<String, Result<Value, String>>,
    /// How many replies of each kind have arrived (to tell a new reply
    /// from an old one).
    pub reply_counts: BTreeMap<String, u64>,
    /// Bumped whenever routes, the set of sockets, their topics, topics or
    /// presence change (views cache sorted orders keyed on it).
    pub revision: u64,
    /// Live joins per (socket, topic): a channel rejoined on the same
    /// socket reports its second join before the first one's leave, so a
    /// topic stays listed until its last join has left.
    joins: HashMap<(String, String), u32>,
    /// The sequence number the next traffic row gets.
    next_traffic_seq: u64,
    /// The sequence number the next request row gets.
    next_request_seq: u64,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            conn_state: ConnState::Connecting,
            app: AppInfo::default(),
            has_snapshot: false,
            snapshots: 0,
            routes: Vec::new(),
            sockets: BTreeMap::new(),
            topics: BTreeMap::new(),
            presence: BTreeMap::new(),
            traffic: VecDeque::new(),
            requests: VecDeque::new(),
            series: VecDeque::new(),
            dropped: 0,
            events_received: 0,
            server_time_ms: 0,
            replies: BTreeMap::new(),
            reply_counts: BTreeMap::new(),
            revision: 0,
            joins: HashMap::new(),
            next_traffic_seq: 0,
            next_request_seq: 0,
        }
    }
}

// ------------------------------------------------------------------ JSON

fn str_of(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn opt_str_of(value: &Value, key: &str) -> Option<String> {
    match value.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    }
}

fn u64_of(value: &Value, key: &str) -> u64 {
    value.get(key).map(as_u64).unwrap_or(0)
}

fn i64_of(value: &Value, key: &str) -> i64 {
    match value.get(key) {
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .unwrap_or(0),
        _ => 0,
    }
}

fn as_u64(value: &Value) -> u64 {
    match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().map(|f| f.max(0.0) as u64))
            .unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

fn strings_of(value: &Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A payload field: a string as is, JSON (presence diffs) as JSON text.
fn payload_of(value: &Value) -> Option<String> {
    match value.get("payload") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    }
}

fn socket_of(value: &Value) -> Option<SocketRow> {
    let id = opt_str_of(value, "id")?;
    Some(SocketRow {
        id,
        socket: str_of(value, "socket"),
        transport: str_of(value, "transport"),
        vsn: str_of(value, "vsn"),
        peer: str_of(value, "peer"),
        connected_at_ms: i64_of(value, "connected_at_ms"),
        user_id: opt_str_of(value, "user_id"),
        assigns: value.get("assigns").cloned().unwrap_or(Value::Null),
        topics: strings_of(value, "topics"),
        messages_in: u64_of(value, "messages_in"),
        messages_out: u64_of(value, "messages_out"),
        queue: u64_of(value, "queue"),
        queue_capacity: u64_of(value, "queue_capacity"),
    })
}

fn route_of(value: &Value) -> RouteRow {
    RouteRow {
        verb: str_of(value, "verb"),
        path: str_of(value, "path"),
        controller: str_of(value, "controller"),
        action: str_of(value, "action"),
        helper: str_of(value, "helper"),
        pipelines: strings_of(value, "pipelines"),
    }
}

fn stats_point_of(value: &Value) -> StatsPoint {
    StatsPoint {
        at_ms: i64_of(value, "at_ms"),
        uptime_ms: u64_of(value, "uptime_ms"),
        sockets: u64_of(value, "sockets"),
        channels: u64_of(value, "channels"),
        messages_in: u64_of(value, "messages_in"),
        messages_out: u64_of(value, "messages_out"),
        broadcasts: u64_of(value, "broadcasts"),
        http_requests: u64_of(value, "http_requests"),
        http_avg_us: u64_of(value, "http_avg_us"),
        http_max_us: u64_of(value, "http_max_us"),
        events_dropped: u64_of(value, "events_dropped"),
    }
}

fn topics_of(value: &Value) -> Option<BTreeMap<String, u64>> {
    let items = value.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|t| Some((opt_str_of(t, "topic")?, u64_of(t, "subscribers"))))
            .collect(),
    )
}

fn presence_state_of(value: &Value) -> PresenceState {
    value
        .as_object()
        .map(|map| {
            map.iter()
                .filter_map(|(key, p)| p.as_object().map(|p| (key.clone(), p.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// The metas of a presence (empty when malformed).
pub fn metas_of(presence: &Presence) -> &[Value] {
    presence
        .get("metas")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

// ----------------------------------------------------------------- apply

impl Model {
    /// Applies an update.
    pub fn apply(&mut self, update: Update) {
        match update {
            Update::Connection(state) => self.conn_state = state,
            Update::Snapshot(snapshot) => self.apply_snapshot(&snapshot),
            Update::Events(push) => self.apply_events(&push),
            Update::Stats(stats) => self.apply_stats(&stats),
            Update::Reply(what, result) => self.apply_reply(what, result),
        }
    }

    /// Replaces the app info, routes, sockets, topics and presence with a
    /// snapshot's (logs, series and counters are history and stay; the
    /// snapshot's `stats` are ignored, see the comment inside).
    pub fn apply_snapshot(&mut self, snapshot: &Value) {
        // The snapshot's `stats` are not a point of the series: a snapshot
        // arrives at any moment, and its counters do not cover "the last
        // second" like those of the `stats` pushes (the server computes them
        // since its start). Sockets, topics and uptime come from the rest.
        if let Some(app) = snapshot.get("app") {
            self.app = AppInfo {
                name: str_of(app, "name"),
                env: str_of(app, "env"),
                node: str_of(app, "node"),
                version: str_of(app, "version"),
                started_at_ms: i64_of(app, "started_at_ms"),
                uptime_ms: u64_of(app, "uptime_ms"),
                read_only: app
                    .get("read_only")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                max_events_per_second: u64_of(app, "max_events_per_second"),
            };
            let now = self.app.started_at_ms + self.app.uptime_ms as i64;
            self.server_time_ms = self.server_time_ms.max(now);
        }
        self.routes = snapshot
            .get("routes")
            .and_then(Value::as_array)
            .map(|routes| routes.iter().map(route_of).collect())
            .unwrap_or_default();
        self.sockets = snapshot
            .get("sockets")
            .and_then(Value::as_array)
            .map(|sockets| {
                sockets
                    .iter()
                    .filter_map(socket_of)
                    .map(|s| (s.id.clone(), s))
                    .collect()
            })
            .unwrap_or_default();
        self.joins.clear();
        let sockets: Vec<SocketRow> = self.sockets.values().cloned().collect();
        for socket in &sockets {
            self.seed_joins(socket);
        }
        // The snapshot's own topic list wins over the one of its stats.
        self.topics = snapshot
            .get("topics")
            .and_then(topics_of)
            .unwrap_or_default();
        self.presence = snapshot
            .get("presence")
            .and_then(Value::as_object)
            .map(|topics| {
                topics
                    .iter()
                    .map(|(topic, state)| (topic.clone(), presence_state_of(state)))
                    .filter(|(_, state)| !state.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        self.has_snapshot = true;
        self.snapshots += 1;
        self.revision += 1;
    }

    /// Applies an `events` push.
    pub fn apply_events(&mut self, push: &Value) {
        self.dropped += u64_of(push, "dropped");
        let Some(events) = push.get("events").and_then(Value::as_array) else {
            return;
        };
        for event in events {
            self.apply_event(event);
        }
    }

    /// Applies one `EVENT`.
    pub fn apply_event(&mut self, event: &Value) {
        self.events_received += 1;
        let at_ms = i64_of(event, "at_ms");
        self.server_time_ms = self.server_time_ms.max(at_ms);
        let kind = event.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind == "http_request" {
            self.push_request(RequestRow {
                seq: 0,
                at_ms,
                method: str_of(event, "method"),
                path: str_of(event, "path"),
                status: u64_of(event, "status").min(u16::MAX as u64) as u16,
                duration_us: u64_of(event, "duration_us"),
            });
            return;
        }
        let Some(kind) = TrafficKind::from_wire(kind) else {
            return; // a kind from a newer server
        };
        let mut row = TrafficRow {
            seq: 0,
            at_ms,
            kind,
            socket_id: opt_str_of(event, "socket_id"),
            topic: opt_str_of(event, "topic"),
            event: str_of(event, "event"),
            size: event.get("size").map(as_u64),
            payload: payload_of(event),
            detail: String::new(),
            error: false,
        };
        match kind {
            TrafficKind::SocketConnected => {
                let socket = event.get("socket").and_then(socket_of);
                row.event = "connect".into();
                if let Some(socket) = socket {
                    row.socket_id = Some(socket.id.clone());
                    row.detail = format!(
                        "{} {} from {}",
                        socket.socket, socket.transport, socket.peer
                    );
                    if let Some(user) = &socket.user_id {
                        row.detail.push_str(&format!(" as {user}"));
                    }
                    self.seed_joins(&socket);
                    self.sockets.insert(socket.id.clone(), socket);
                    self.revision += 1;
                }
            }
            TrafficKind::SocketDisconnected => {
                row.event = "disconnect".into();
                if let Some(id) = opt_str_of(event, "id") {
                    if let Some(socket) = self.sockets.remove(&id) {
                        row.detail = format!("{} {}", socket.socket, socket.peer);
                        self.revision += 1;
                    }
                    self.joins.retain(|(socket, _), _| *socket != id);
                    row.socket_id = Some(id);
                }
            }
            TrafficKind::ChannelJoined => {
                row.event = "phx_join".into();
                let status = str_of(event, "status");
                row.error = status != "ok";
                row.detail = format!("status {status}");
                if !row.error {
                    if let (Some(id), Some(topic)) = (&row.socket_id, &row.topic) {
                        *self.joins.entry((id.clone(), topic.clone())).or_insert(0) += 1;
                        if let Some(socket) = self.sockets.get_mut(id) {
                            if !socket.topics.contains(topic) {
                                socket.topics.push(topic.clone());
                            }
                        }
                        *self.topics.entry(topic.clone()).or_insert(0) += 1;
                        self.revision += 1;
                    }
                }
            }
            TrafficKind::ChannelLeft => {
                row.event = "phx_leave".into();
                let reason = str_of(event, "reason");
                let crashed = event
                    .get("crashed")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                row.error = crashed;
                row.detail = match opt_str_of(event, "detail") {
                    Some(detail) => format!("{reason}: {detail}"),
                    None => reason,
                };
                if let (Some(id), Some(topic)) = (&row.socket_id, &row.topic) {
                    let key = (id.clone(), topic.clone());
                    let still_joined = match self.joins.get_mut(&key) {
                        Some(count) if *count > 1 => {
                            *count -= 1;
                            true
                        }
                        _ => {
                            self.joins.remove(&key);
                            false
                        }
                    };
                    if !still_joined {
                        if let Some(socket) = self.sockets.get_mut(id) {
                            socket.topics.retain(|t| t != topic);
                        }
                    }
                    if let Some(count) = self.topics.get_mut(topic) {
                        *count = count.saturating_sub(1);
                        if *count == 0 {
                            self.topics.remove(topic);
                        }
                    }
                    self.revision += 1;
                }
            }
            TrafficKind::MessageIn | TrafficKind::MessageOut => {
                if let Some(socket) = row
                    .socket_id
                    .as_ref()
                    .and_then(|id| self.sockets.get_mut(id))
                {
                    if kind == TrafficKind::MessageIn {
                        socket.messages_in += 1;
                    } else {
                        socket.messages_out += 1;
                    }
                }
            }
            TrafficKind::Broadcast => {
                let source = str_of(event, "source");
                row.detail = format!("{} subscribers, {source}", u64_of(event, "subscribers"));
                if row.event == "presence_diff" {
                    if let Some(topic) = &row.topic {
                        self.apply_presence_diff(topic, event.get("payload"));
                    }
                }
            }
        }
        self.push_traffic(row);
    }

    /// Counts one join for each topic a socket is known to have joined.
    fn seed_joins(&mut self, socket: &SocketRow) {
        for topic in &socket.topics {
            self.joins.insert((socket.id.clone(), topic.clone()), 1);
        }
    }

    fn apply_presence_diff(&mut self, topic: &str, payload: Option<&Value>) {
        let parsed;
        let diff = match payload {
            Some(value @ Value::Object(_)) => value,
            Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(value) => {
                    parsed = value;
                    &parsed
                }
                Err(_) => return, // truncated: nothing safe to apply
            },
            _ => return,
        };
        let state = self.presence.entry(topic.to_string()).or_default();
        presence::sync_diff(state, diff, |_, _, _| {}, |_, _, _| {});
        if state.is_empty() {
            self.presence.remove(topic);
        }
        self.revision += 1;
    }

    fn push_traffic(&mut self, mut row: TrafficRow) {
        row.seq = self.next_traffic_seq;
        self.next_traffic_seq += 1;
        if self.traffic.len() == TRAFFIC_CAP {
            self.traffic.pop_front();
        }
        self.traffic.push_back(row);
    }

    fn push_request(&mut self, mut row: RequestRow) {
        row.seq = self.next_request_seq;
        self.next_request_seq += 1;
        if self.requests.len() == REQUESTS_CAP {
            self.requests.pop_front();
        }
        self.requests.push_back(row);
    }

    /// Applies a `stats` push: a point of the series, socket counters,
    /// topic counts and the uptime.
    pub fn apply_stats(&mut self, stats: &Value) {
        let point = stats_point_of(stats);
        if stats.get("uptime_ms").is_some() {
            self.app.uptime_ms = point.uptime_ms;
        }
        self.server_time_ms = self.server_time_ms.max(point.at_ms);
        match self.series.back_mut() {
            Some(last) if last.at_ms == point.at_ms => *last = point,
            _ => {
                if self.series.len() == SERIES_CAP {
                    self.series.pop_front();
                }
                self.series.push_back(point);
            }
        }
        if let Some(topics) = stats.get("topics").and_then(topics_of) {
            if topics != self.topics {
                self.topics = topics;
                self.revision += 1;
            }
        }
        if let Some(counters) = stats.get("socket_counters").and_then(Value::as_array) {
            for entry in counters {
                let Some(fields) = entry.as_array() else {
                    continue;
                };
                let id = match fields.first() {
                    Some(Value::String(id)) => id.as_str(),
                    _ => continue,
                };
                if let Some(socket) = self.sockets.get_mut(id) {
                    socket.messages_in = fields.get(1).map(as_u64).unwrap_or(socket.messages_in);
                    socket.messages_out = fields.get(2).map(as_u64).unwrap_or(socket.messages_out);
                    socket.queue = fields.get(3).map(as_u64).unwrap_or(socket.queue);
                }
            }
        }
    }

    fn apply_reply(&mut self, what: String, result: Result<Value, String>) {
        if what == "socket" {
            if let Some(fresh) = result.as_ref().ok().and_then(socket_of) {
                // Only refresh a socket we still know: a late reply must not
                // bring back one that disconnected meanwhile.
                if self.sockets.contains_key(&fresh.id) {
                    let id = fresh.id.clone();
                    self.joins.retain(|(socket, _), _| *socket != id);
                    self.seed_joins(&fresh);
                    if self.sockets.get(&id).map(|s| &s.topics) != Some(&fresh.topics) {
                        self.revision += 1;
                    }
                    self.sockets.insert(id, fresh);
                }
            }
        }
        *self.reply_counts.entry(what.clone()).or_insert(0) += 1;
        self.replies.insert(what, result);
    }

    // ------------------------------------------------------------ queries

    /// The latest stats point.
    pub fn last_stats(&self) -> Option<&StatsPoint> {
        self.series.back()
    }

    /// The traffic row with sequence number `seq`, if still buffered.
    pub fn traffic_by_seq(&self, seq: u64) -> Option<&TrafficRow> {
        let first = self.traffic.front()?.seq;
        let index = seq.checked_sub(first)?;
        self.traffic.get(usize::try_from(index).ok()?)
    }

    /// The sequence number the next traffic row will get.
    pub fn next_traffic_seq(&self) -> u64 {
        self.next_traffic_seq
    }

    /// The request row with sequence number `seq`, if still buffered.
    pub fn request_by_seq(&self, seq: u64) -> Option<&RequestRow> {
        let first = self.requests.front()?.seq;
        let index = seq.checked_sub(first)?;
        self.requests.get(usize::try_from(index).ok()?)
    }

    /// The sequence number the next request row will get.
    pub fn next_request_seq(&self) -> u64 {
        self.next_request_seq
    }

    /// The last `limit` traffic rows of socket `id`, oldest first.
    pub fn socket_traffic(&self, id: &str, limit: usize) -> Vec<&TrafficRow> {
        let mut rows: Vec<&TrafficRow> = self
            .traffic
            .iter()
            .rev()
            .filter(|row| row.socket_id.as_deref() == Some(id))
            .take(limit)
            .collect();
        rows.reverse();
        rows
    }

    /// Topics, most subscribed first (then by name).
    pub fn topics_by_subscribers(&self) -> Vec<(&str, u64)> {
        let mut topics: Vec<(&str, u64)> =
            self.topics.iter().map(|(t, n)| (t.as_str(), *n)).collect();
        topics.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        topics
    }

    /// Socket ids in connection order (then by id).
    pub fn sockets_by_age(&self) -> Vec<&str> {
        let mut sockets: Vec<&SocketRow> = self.sockets.values().collect();
        sockets.sort_by(|a, b| {
            a.connected_at_ms
                .cmp(&b.connected_at_ms)
                .then_with(|| natural_cmp(&a.id, &b.id))
        });
        sockets.into_iter().map(|s| s.id.as_str()).collect()
    }

    /// The presence of `topic` (empty when none).
    pub fn presence_of(&self, topic: &str) -> Option<&PresenceState> {
        self.presence.get(topic)
    }
}

/// Compares strings with embedded numbers numerically (`s2` < `s10`).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let split = |s: &str| {
        let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (head, tail) = s.split_at(s.len() - digits);
        (head.to_string(), tail.parse::<u128>().ok())
    };
    let (ha, na) = split(a);
    let (hb, nb) = split(b);
    ha.cmp(&hb).then(na.cmp(&nb)).then_with(|| a.cmp(b))
}

// --------------------------------------------------------------- filters

/// Whether `haystack` contains `needle`, ignoring ASCII case.
pub fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    if n.len() > h.len() {
        return false;
    }
    h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Whether `text` matches the wildcard `pattern` as a whole (`*` matches
/// any run of characters, everything else itself, ignoring ASCII case).
pub fn wildcard_matches(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Whether `text` matches a filter pattern: empty matches everything, a
/// pattern with `*` is a whole-text wildcard, anything else a substring
/// (ASCII case ignored, surrounding spaces trimmed).
pub fn pattern_matches(pattern: &str, text: &str) -> bool {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        true
    } else if pattern.contains('*') {
        wildcard_matches(pattern, text)
    } else {
        contains_ignore_case(text, pattern)
    }
}

/// Whether a traffic row passes the filter.
pub fn traffic_matches(row: &TrafficRow, filter: &TrafficFilter) -> bool {
    let topic_ok = filter.topic.trim().is_empty()
        || row
            .topic
            .as_deref()
            .is_some_and(|topic| pattern_matches(&filter.topic, topic));
    topic_ok && pattern_matches(&filter.event, &row.event)
}

/// Whether a route passes the filter: every whitespace-separated word must
/// be a substring (ASCII case ignored) of its verb, path, controller,
/// action, `controller#action` or helper.
pub fn route_matches(route: &RouteRow, filter: &str) -> bool {
    filter.split_whitespace().all(|word| {
        [
            route.verb.as_str(),
            route.path.as_str(),
            route.controller.as_str(),
            route.action.as_str(),
            route.helper.as_str(),
        ]
        .iter()
        .any(|field| contains_ignore_case(field, word))
            || contains_controller_action(route, word)
    })
}

fn contains_controller_action(route: &RouteRow, word: &str) -> bool {
    word.contains('#')
        && contains_ignore_case(&format!("{}#{}", route.controller, route.action), word)
}

/// Whether a request row passes the filter: every whitespace-separated word
/// must match its method, path or status (`5xx` style classes too).
pub fn request_matches(row: &RequestRow, filter: &str) -> bool {
    filter.split_whitespace().all(|word| {
        contains_ignore_case(&row.method, word)
            || pattern_matches(word, &row.path)
            || status_matches(row.status, word)
    })
}

fn status_matches(status: u16, word: &str) -> bool {
    let word = word.as_bytes();
    if word.len() == 3 && word[1..].eq_ignore_ascii_case(b"xx") && word[0].is_ascii_digit() {
        return u16::from(word[0] - b'0') == status / 100;
    }
    let text = status.to_string();
    word == text.as_bytes()
}

/// Count, average, p95, max and error counts of some requests.
pub fn request_summary<'a>(rows: impl IntoIterator<Item = &'a RequestRow>) -> RequestSummary {
    let mut durations: Vec<u64> = Vec::new();
    let mut summary = RequestSummary::default();
    let mut total: u128 = 0;
    for row in rows {
        durations.push(row.duration_us);
        total += u128::from(row.duration_us);
        summary.max_us = summary.max_us.max(row.duration_us);
        match row.status / 100 {
            4 => summary.client_errors += 1,
            5 => summary.server_errors += 1,
            _ => {}
        }
    }
    summary.count = durations.len();
    if summary.count == 0 {
        return summary;
    }
    summary.avg_us = (total / summary.count as u128) as u64;
    // Nearest rank: the smallest value with at least 95% of values ≤ it.
    let rank = (summary.count * 95).div_ceil(100).max(1) - 1;
    let (_, p95, _) = durations.select_nth_unstable(rank);
    summary.p95_us = *p95;
    summary
}

/// A presence's metas as compact JSON (for tables).
pub fn metas_json(presence: &Presence) -> String {
    Value::Array(metas_of(presence).to_vec()).to_string()
}

/// Builds the JSON object of a presence (for tests and tools).
pub fn presence_value(state: &PresenceState) -> Value {
    Value::Object(
        state
            .iter()
            .map(|(k, p)| (k.clone(), Value::Object(p.clone())))
            .collect::<Map<String, Value>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn socket(id: &str, topics: &[&str]) -> Value {
        json!({"id": id, "socket": "/socket", "transport": "websocket", "vsn": "2.0.0",
               "peer": "127.0.0.1:51234", "connected_at_ms": 1764258000000i64,
               "user_id": "user_socket:42", "assigns": {"user": "alice"},
               "topics": topics, "messages_in": 12, "messages_out": 30,
               "queue": 0, "queue_capacity": 1024})
    }

    fn stats(at_ms: i64) -> Value {
        json!({"at_ms": at_ms, "uptime_ms": 6321, "sockets": 2, "channels": 3,
               "messages_in": 10, "messages_out": 42, "broadcasts": 4, "http_requests": 7,
               "http_avg_us": 850, "http_max_us": 4100, "events_dropped": 0,
               "topics": [{"topic": "rooms:lobby", "subscribers": 2}],
               "socket_counters": [["s7", 12, 30, 0]]})
    }

    fn snapshot() -> Value {
        json!({
            "app": {"name": "demo", "env": "dev", "node": "node-4242", "version": "0.1.0",
                    "started_at_ms": 1764258000000i64, "uptime_ms": 5321, "read_only": false,
                    "max_events_per_second": 5000},
            "routes": [
                {"verb": "GET", "path": "/pages/:page", "controller": "PageController",
                 "action": "show", "helper": "page_path", "pipelines": ["browser"]},
                {"verb": "POST", "path": "/api/users", "controller": "UserController",
                 "action": "create", "helper": null, "pipelines": ["api", "auth"]}
            ],
            "sockets": [socket("s7", &["rooms:lobby"]), socket("s8", &["rooms:lobby", "rooms:2"])],
            "topics": [{"topic": "rooms:lobby", "subscribers": 2}, {"topic": "rooms:2", "subscribers": 1}],
            "presence": {"rooms:lobby": {"alice": {"metas": [{"phx_ref": "F1", "online_at": 1}]}}},
            "stats": stats(1764258001000)
        })
    }

    fn events(list: Vec<Value>) -> Update {
        Update::Events(json!({"events": list, "dropped": 0}))
    }

    fn joined() -> Model {
        let mut model = Model::default();
        model.apply(Update::Connection(ConnState::Joined));
        model.apply(Update::Snapshot(snapshot()));
        model
    }

    fn message(kind: &str, n: usize) -> Value {
        json!({"kind": kind, "at_ms": 1764258002000i64 + n as i64, "socket_id": "s7",
               "topic": "rooms:lobby", "event": format!("e{n}"), "size": 40, "payload": null})
    }

    #[test]
    fn snapshot_fills_app_routes_sockets_topics_presence() {
        let model = joined();
        assert_eq!(model.conn_state, ConnState::Joined);
        assert_eq!(model.app.name, "demo");
        assert_eq!(model.app.env, "dev");
        assert_eq!(model.app.node, "node-4242");
        assert_eq!(model.app.uptime_ms, 5321);
        assert!(!model.app.read_only);
        assert_eq!(model.app.max_events_per_second, 5000);
        assert_eq!(model.routes.len(), 2);
        assert_eq!(model.routes[0].verb, "GET");
        assert_eq!(model.routes[0].helper, "page_path");
        assert_eq!(model.routes[1].helper, "");
        assert_eq!(model.routes[1].pipelines, ["api", "auth"]);
        assert_eq!(model.sockets.len(), 2);
        let s7 = &model.sockets["s7"];
        assert_eq!(s7.peer, "127.0.0.1:51234");
        assert_eq!(s7.user_id.as_deref(), Some("user_socket:42"));
        assert_eq!(s7.assigns, json!({"user": "alice"}));
        assert_eq!(s7.topics, ["rooms:lobby"]);
        assert_eq!(
            (s7.messages_in, s7.messages_out, s7.queue_capacity),
            (12, 30, 1024)
        );
        assert_eq!(model.topics.get("rooms:lobby"), Some(&2));
        assert_eq!(model.topics.get("rooms:2"), Some(&1));
        let lobby = model.presence_of("rooms:lobby").expect("presence");
        assert_eq!(lobby.keys().collect::<Vec<_>>(), ["alice"]);
        assert_eq!(metas_of(&lobby["alice"]).len(), 1);
        assert!(
            model.series.is_empty(),
            "the snapshot's stats are not a point"
        );
        assert_eq!(model.topics_by_subscribers()[0], ("rooms:lobby", 2));
    }

    #[test]
    fn a_new_snapshot_replaces_state() {
        let mut model = joined();
        let mut next = snapshot();
        next["sockets"] = json!([socket("s9", &[])]);
        next["topics"] = json!([]);
        next["presence"] = json!({});
        next["routes"] = json!([]);
        model.apply(Update::Snapshot(next));
        assert_eq!(model.sockets.keys().collect::<Vec<_>>(), ["s9"]);
        assert!(model.topics.is_empty());
        assert!(model.presence.is_empty());
        assert!(model.routes.is_empty());
        assert_eq!(model.snapshots, 2);
        model.apply(Update::Snapshot(snapshot()));
        assert_eq!(
            model.sockets.len(),
            2,
            "no duplicates on a repeated snapshot"
        );
        assert_eq!(model.routes.len(), 2);
    }

    #[test]
    fn socket_events_add_and_remove_sockets() {
        let mut model = joined();
        model.apply(events(vec![
            json!({"kind": "socket_connected", "at_ms": 1764258002000i64,
                                         "socket": socket("s10", &[])}),
        ]));
        assert!(model.sockets.contains_key("s10"));
        assert_eq!(model.sockets_by_age().len(), 3);
        let row = model.traffic.back().expect("row");
        assert_eq!(row.kind, TrafficKind::SocketConnected);
        assert_eq!(row.socket_id.as_deref(), Some("s10"));
        model.apply(events(vec![
            json!({"kind": "socket_disconnected", "at_ms": 1764258003000i64, "id": "s10"}),
        ]));
        assert!(!model.sockets.contains_key("s10"));
        assert_eq!(
            model.traffic.back().expect("row").kind,
            TrafficKind::SocketDisconnected
        );
        assert_eq!(model.traffic.len(), 2);
    }

    #[test]
    fn channel_events_track_topics_of_sockets() {
        let mut model = joined();
        model.apply(events(vec![
            json!({"kind": "channel_joined", "at_ms": 1, "socket_id": "s7",
                                         "topic": "rooms:9", "status": "ok"}),
        ]));
        assert_eq!(model.sockets["s7"].topics, ["rooms:lobby", "rooms:9"]);
        assert_eq!(model.topics.get("rooms:9"), Some(&1));
        model.apply(events(vec![
            json!({"kind": "channel_joined", "at_ms": 2, "socket_id": "s7",
                                         "topic": "rooms:secret", "status": "error"}),
        ]));
        assert_eq!(
            model.sockets["s7"].topics,
            ["rooms:lobby", "rooms:9"],
            "refused joins add nothing"
        );
        assert!(model.traffic.back().expect("row").error);
        model.apply(events(vec![
            json!({"kind": "channel_left", "at_ms": 3, "socket_id": "s7",
                                         "topic": "rooms:lobby", "reason": "crashed",
                                         "crashed": true, "detail": "boom"}),
        ]));
        assert_eq!(model.sockets["s7"].topics, ["rooms:9"]);
        assert_eq!(model.topics.get("rooms:lobby"), Some(&1));
        let row = model.traffic.back().expect("row");
        assert_eq!(row.kind, TrafficKind::ChannelLeft);
        assert!(row.error);
        assert_eq!(row.detail, "crashed: boom");
    }

    #[test]
    fn a_rejoin_keeps_the_topic_when_the_old_incarnation_leaves_late() {
        let mut model = joined();
        // s8 is in rooms:2 (snapshot); it rejoins: the new join is reported
        // before the old incarnation's leave ("rejoined").
        model.apply(events(vec![
            json!({"kind": "channel_joined", "at_ms": 1, "socket_id": "s8",
                   "topic": "rooms:2", "status": "ok"}),
            json!({"kind": "channel_left", "at_ms": 2, "socket_id": "s8", "topic": "rooms:2",
                   "reason": "rejoined", "crashed": false, "detail": null}),
        ]));
        assert_eq!(model.sockets["s8"].topics, ["rooms:lobby", "rooms:2"]);
        assert_eq!(model.topics.get("rooms:2"), Some(&1));
        // The same on a topic joined after the snapshot.
        model.apply(events(vec![
            json!({"kind": "channel_joined", "at_ms": 3, "socket_id": "s7",
                   "topic": "rooms:3", "status": "ok"}),
            json!({"kind": "channel_joined", "at_ms": 4, "socket_id": "s7",
                   "topic": "rooms:3", "status": "ok"}),
            json!({"kind": "channel_left", "at_ms": 5, "socket_id": "s7", "topic": "rooms:3",
                   "reason": "rejoined", "crashed": false, "detail": null}),
        ]));
        assert_eq!(model.sockets["s7"].topics, ["rooms:lobby", "rooms:3"]);
        assert_eq!(model.topics.get("rooms:3"), Some(&1));
        // The last leave removes it.
        model.apply(events(vec![
            json!({"kind": "channel_left", "at_ms": 6, "socket_id": "s7",
            "topic": "rooms:3", "reason": "left", "crashed": false, "detail": null}),
        ]));
        assert_eq!(model.sockets["s7"].topics, ["rooms:lobby"]);
        assert_eq!(model.topics.get("rooms:3"), None);
    }

    #[test]
    fn messages_and_broadcasts_become_traffic_rows() {
        let mut model = joined();
        model.apply(events(vec![
            json!({"kind": "message_in", "at_ms": 5, "socket_id": "s7", "topic": "rooms:lobby",
                   "event": "new_msg", "size": 58, "payload": "{\"body\":\"hi\"}"}),
            json!({"kind": "broadcast", "at_ms": 6, "topic": "rooms:lobby", "event": "new_msg",
                   "size": 40, "subscribers": 2, "source": "local", "payload": null}),
            json!({"kind": "message_out", "at_ms": 7, "socket_id": "s7", "topic": "rooms:lobby",
                   "event": "phx_reply", "size": 30, "payload": null}),
            json!({"kind": "something_new", "at_ms": 8}),
        ]));
        assert_eq!(model.traffic.len(), 3);
        let first = &model.traffic[0];
        assert_eq!(first.kind, TrafficKind::MessageIn);
        assert_eq!(first.event, "new_msg");
        assert_eq!(first.size, Some(58));
        assert_eq!(first.payload.as_deref(), Some("{\"body\":\"hi\"}"));
        assert_eq!(model.traffic[1].kind, TrafficKind::Broadcast);
        assert_eq!(model.traffic[1].socket_id, None);
        assert_eq!(model.traffic[1].detail, "2 subscribers, local");
        assert_eq!(model.traffic[2].kind, TrafficKind::MessageOut);
        assert_eq!(model.sockets["s7"].messages_in, 13);
        assert_eq!(model.sockets["s7"].messages_out, 31);
        assert_eq!(model.events_received, 4);
        assert_eq!(model.socket_traffic("s7", 10).len(), 2);
        assert_eq!(model.socket_traffic("s8", 10).len(), 0);
        let seq = model.traffic[1].seq;
        assert_eq!(
            model.traffic_by_seq(seq).map(|r| r.kind),
            Some(TrafficKind::Broadcast)
        );
    }

    #[test]
    fn http_requests_become_request_rows() {
        let mut model = joined();
        model.apply(events(vec![
            json!({"kind": "http_request", "at_ms": 9, "method": "GET", "path": "/pages/1",
                   "status": 200, "duration_us": 850}),
            json!({"kind": "http_request", "at_ms": 10, "method": "POST", "path": "/api/users",
                   "status": 500, "duration_us": 4100}),
        ]));
        assert_eq!(model.requests.len(), 2);
        assert_eq!(model.requests[0].path, "/pages/1");
        assert_eq!(model.requests[1].status, 500);
        assert_eq!(model.requests[1].duration_us, 4100);
        assert!(model.traffic.is_empty(), "requests are not traffic");
    }

    #[test]
    fn presence_diff_broadcasts_update_presence() {
        let mut model = joined();
        model.apply(events(vec![
            json!({"kind": "broadcast", "at_ms": 5, "topic": "rooms:lobby",
            "event": "presence_diff", "size": 90, "subscribers": 2, "source": "local",
            "payload": {"joins": {"bob": {"metas": [{"phx_ref": "F2"}]}},
                        "leaves": {"alice": {"metas": [{"phx_ref": "F1", "online_at": 1}]}}}}),
        ]));
        let lobby = model.presence_of("rooms:lobby").expect("presence");
        assert_eq!(lobby.keys().collect::<Vec<_>>(), ["bob"]);
        // A diff as text (payload capture on) works too, on a new topic.
        model.apply(events(vec![json!({"kind": "broadcast", "at_ms": 6, "topic": "rooms:2",
            "event": "presence_diff", "size": 90, "subscribers": 1, "source": "local",
            "payload": "{\"joins\":{\"carol\":{\"metas\":[{\"phx_ref\":\"F3\"},{\"phx_ref\":\"F4\"}]}},\"leaves\":{}}"})]));
        let room2 = model.presence_of("rooms:2").expect("presence");
        assert_eq!(metas_of(&room2["carol"]).len(), 2);
        // Everyone leaving removes the topic's presence.
        model.apply(events(vec![
            json!({"kind": "broadcast", "at_ms": 7, "topic": "rooms:lobby",
            "event": "presence_diff", "size": 90, "subscribers": 2, "source": "local",
            "payload": {"joins": {}, "leaves": {"bob": {"metas": [{"phx_ref": "F2"}]}}}}),
        ]));
        assert!(model.presence_of("rooms:lobby").is_none());
        assert_eq!(
            presence_value(&model.presence["rooms:2"])["carol"]["metas"][1]["phx_ref"],
            "F4"
        );
    }

    #[test]
    fn traffic_is_capped_newest_last() {
        let mut model = joined();
        let batch: Vec<Value> = (0..20_000).map(|n| message("message_in", n)).collect();
        for chunk in batch.chunks(1000) {
            model.apply(events(chunk.to_vec()));
        }
        assert_eq!(model.traffic.len(), TRAFFIC_CAP);
        assert_eq!(model.traffic.back().expect("row").event, "e19999");
        assert_eq!(model.traffic.front().expect("row").event, "e10000");
        let front = model.traffic.front().expect("row").seq;
        assert_eq!(front, 10_000);
        assert_eq!(
            model.traffic_by_seq(front + 5).expect("row").event,
            "e10005"
        );
        assert!(model.traffic_by_seq(front - 1).is_none());
        assert_eq!(model.next_traffic_seq(), 20_000);
    }

    #[test]
    fn requests_are_capped_newest_last() {
        let mut model = joined();
        let batch: Vec<Value> = (0..7_000)
            .map(|n| {
                json!({"kind": "http_request", "at_ms": n, "method": "GET",
                            "path": format!("/p/{n}"), "status": 200, "duration_us": n})
            })
            .collect();
        model.apply(events(batch));
        assert_eq!(model.requests.len(), REQUESTS_CAP);
        assert_eq!(model.requests.back().expect("row").path, "/p/6999");
        assert_eq!(model.requests.front().expect("row").path, "/p/2000");
        assert_eq!(model.request_by_seq(6999).expect("row").path, "/p/6999");
    }

    #[test]
    fn dropped_counts_add_up() {
        let mut model = joined();
        model.apply(Update::Events(json!({"events": [], "dropped": 7})));
        model.apply(Update::Events(json!({"events": [], "dropped": 5})));
        assert_eq!(model.dropped, 12);
    }

    #[test]
    fn stats_make_series_points_and_update_counters() {
        let mut model = joined();
        let mut s = stats(1764258002000);
        s["socket_counters"] = json!([["s7", 100, 200, 3], ["gone", 1, 1, 1]]);
        s["topics"] = json!([{"topic": "rooms:lobby", "subscribers": 5}]);
        s["uptime_ms"] = json!(9999);
        model.apply(Update::Stats(s));
        assert_eq!(model.series.len(), 1);
        let last = model.last_stats().expect("point");
        assert_eq!(last.at_ms, 1764258002000);
        assert_eq!(
            (last.messages_in, last.messages_out, last.broadcasts),
            (10, 42, 4)
        );
        assert_eq!((last.http_requests, last.http_avg_us), (7, 850));
        assert_eq!((last.sockets, last.channels), (2, 3));
        let s7 = &model.sockets["s7"];
        assert_eq!((s7.messages_in, s7.messages_out, s7.queue), (100, 200, 3));
        assert!(!model.sockets.contains_key("gone"));
        assert_eq!(model.topics.len(), 1);
        assert_eq!(model.topics["rooms:lobby"], 5);
        assert_eq!(model.app.uptime_ms, 9999);
        assert!(model.server_time_ms >= 1764258002000);
        // The same second again replaces its point.
        model.apply(Update::Stats(stats(1764258002000)));
        assert_eq!(model.series.len(), 1);
        model.apply(Update::Stats(stats(1764258003000)));
        assert_eq!(model.series.len(), 2);
    }

    #[test]
    fn series_is_capped_at_ten_minutes() {
        let mut model = Model::default();
        for n in 0..700 {
            model.apply(Update::Stats(stats(1_000_000 + n * 1000)));
        }
        assert_eq!(model.series.len(), SERIES_CAP);
        assert_eq!(
            model.series.front().expect("point").at_ms,
            1_000_000 + 100 * 1000
        );
        assert_eq!(
            model.series.back().expect("point").at_ms,
            1_000_000 + 699 * 1000
        );
    }

    #[test]
    fn socket_replies_refresh_known_sockets_only() {
        let mut model = joined();
        let mut fresh = socket("s7", &["rooms:lobby", "rooms:x"]);
        fresh["assigns"] = json!({"user": "alice", "admin": true});
        model.apply(Update::Reply("socket".into(), Ok(fresh)));
        assert_eq!(model.sockets["s7"].assigns["admin"], true);
        assert_eq!(model.sockets["s7"].topics.len(), 2);
        model.apply(Update::Reply("socket".into(), Ok(socket("s99", &[]))));
        assert!(!model.sockets.contains_key("s99"));
        model.apply(Update::Reply("disconnect".into(), Err("read only".into())));
        assert_eq!(model.replies["disconnect"], Err("read only".to_string()));
        assert_eq!(model.reply_counts["socket"], 2);
    }

    #[test]
    fn connection_states_are_kept() {
        let mut model = Model::default();
        assert_eq!(model.conn_state, ConnState::Connecting);
        model.apply(Update::Connection(ConnState::Refused(
            "unauthorized".into(),
        )));
        assert_eq!(model.conn_state, ConnState::Refused("unauthorized".into()));
        assert!(!model.conn_state.is_live());
    }

    fn row(topic: Option<&str>, event: &str) -> TrafficRow {
        TrafficRow {
            seq: 0,
            at_ms: 0,
            kind: TrafficKind::MessageIn,
            socket_id: Some("s1".into()),
            topic: topic.map(str::to_string),
            event: event.into(),
            size: None,
            payload: None,
            detail: String::new(),
            error: false,
        }
    }

    fn filter(topic: &str, event: &str) -> TrafficFilter {
        TrafficFilter {
            topic: topic.into(),
            event: event.into(),
        }
    }

    #[test]
    fn traffic_filters_use_substrings_and_wildcards() {
        let lobby = row(Some("rooms:lobby"), "new_msg");
        assert!(traffic_matches(&lobby, &filter("", "")));
        assert!(traffic_matches(&lobby, &filter("rooms:*", "")));
        assert!(traffic_matches(&lobby, &filter("lobby", "msg")));
        assert!(traffic_matches(&lobby, &filter("ROOMS:*", "new_*")));
        assert!(traffic_matches(&lobby, &filter("*:lobby", "*")));
        assert!(!traffic_matches(&lobby, &filter("users:*", "")));
        assert!(!traffic_matches(&lobby, &filter("rooms:*", "presence*")));
        assert!(!traffic_matches(&lobby, &filter("rooms", "ping")));
        assert!(!traffic_matches(&lobby, &filter("rooms:lob", "new_msg*x")));
        let no_topic = row(None, "connect");
        assert!(traffic_matches(&no_topic, &filter("", "conn")));
        assert!(!traffic_matches(&no_topic, &filter("rooms:*", "")));
        assert!(wildcard_matches("a*b*c", "axxbyyc"));
        assert!(!wildcard_matches("a*b*c", "axxbyy"));
        assert!(wildcard_matches("**", ""));
    }

    #[test]
    fn route_filter_matches_any_field() {
        let model = joined();
        let matching = |f: &str| -> Vec<&str> {
            model
                .routes
                .iter()
                .filter(|r| route_matches(r, f))
                .map(|r| r.path.as_str())
                .collect()
        };
        assert_eq!(matching("").len(), 2);
        assert_eq!(matching("page"), ["/pages/:page"]);
        assert_eq!(matching("post"), ["/api/users"]);
        assert_eq!(matching("usercontroller#create"), ["/api/users"]);
        assert_eq!(matching("page_path"), ["/pages/:page"]);
        assert_eq!(matching("get users"), Vec::<&str>::new());
        assert_eq!(matching("nothing"), Vec::<&str>::new());
    }

    #[test]
    fn request_filter_and_summary() {
        let rows: Vec<RequestRow> = (1..=100)
            .map(|n| RequestRow {
                seq: n,
                at_ms: 0,
                method: if n % 2 == 0 { "GET" } else { "POST" }.into(),
                path: format!("/api/{n}"),
                status: if n > 90 {
                    500
                } else if n > 80 {
                    404
                } else {
                    200
                },
                duration_us: n * 10,
            })
            .collect();
        let summary = request_summary(&rows);
        assert_eq!(summary.count, 100);
        assert_eq!(summary.avg_us, 505);
        assert_eq!(summary.p95_us, 950);
        assert_eq!(summary.max_us, 1000);
        assert_eq!((summary.client_errors, summary.server_errors), (10, 10));
        let errors = rows.iter().filter(|r| request_matches(r, "5xx")).count();
        assert_eq!(errors, 10);
        assert_eq!(
            rows.iter()
                .filter(|r| request_matches(r, "get 404"))
                .count(),
            5
        );
        assert_eq!(
            rows.iter()
                .filter(|r| request_matches(r, "/api/1*"))
                .count(),
            12
        );
        assert_eq!(request_summary(&[]), RequestSummary::default());
    }

    #[test]
    fn natural_order_of_ids() {
        let mut ids = vec!["s10", "s2", "s1", "x"];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(ids, ["s1", "s2", "s10", "x"]);
    }
}
