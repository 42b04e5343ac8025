//! The dashboard's state: what the introspection socket told us, kept up to
//! date by applying [`Update`]s (decoded by [`super::wire`]).
//!
//! The state is pure: no I/O, no clock, no GUI. Everything arrives through
//! [`Model::apply`], so it is unit-tested with JSON built from the spec.
//! Buffers are bounded ([`TRAFFIC_CAP`], [`REQUESTS_CAP`], [`SERIES_CAP`]),
//! oldest dropped first, so a flood of events never grows memory.

use std::collections::{BTreeMap, HashMap, VecDeque};

use phoenix_client::presence::{self, Presence, State as PresenceState};
use phoenix_dashboard_protocol::{self as protocol, EventKind, JoinStatus, Reply, RequestKind};
use serde_json::{Map, Value};

use super::filter::natural_cmp;

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

/// Something that happened on the connection, to apply to a [`Model`]
/// (the client decodes the server's messages into these, see [`super::wire`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The connection state changed.
    Connection(ConnState),
    /// A full snapshot (join reply or `snapshot` reply): replaces the app
    /// info, routes, sockets, topics and presence.
    Snapshot(Box<protocol::Snapshot>),
    /// An `events` push.
    Events(protocol::EventsPush),
    /// A `stats` push.
    Stats(Box<protocol::Stats>),
    /// The reply to a request (`socket`, `disconnect`, `broadcast`,
    /// `payloads`): its `ok` response or the error's reason.
    Reply(RequestKind, Result<Reply, String>),
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

/// One route of the router: the protocol's own type.
pub use protocol::Route as RouteRow;

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
    /// The PubSub node of the server it is connected to (empty from
    /// servers that do not say).
    pub node: String,
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
    /// The kind of a traffic row for an event (`None` for HTTP requests
    /// and kinds this version does not know).
    pub fn of(kind: &EventKind) -> Option<TrafficKind> {
        Some(match kind {
            EventKind::MessageIn { .. } => TrafficKind::MessageIn,
            EventKind::MessageOut { .. } => TrafficKind::MessageOut,
            EventKind::Broadcast { .. } => TrafficKind::Broadcast,
            EventKind::ChannelJoined { .. } => TrafficKind::ChannelJoined,
            EventKind::ChannelLeft { .. } => TrafficKind::ChannelLeft,
            EventKind::SocketConnected { .. } => TrafficKind::SocketConnected,
            EventKind::SocketDisconnected { .. } => TrafficKind::SocketDisconnected,
            EventKind::HttpRequest { .. } | EventKind::Unknown => return None,
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
    /// The node concerned, when known: where a broadcast was published,
    /// or the node a connecting socket is on.
    pub node: Option<String>,
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
    /// How the server's PubSub reaches the other nodes, as of the last
    /// snapshot or `stats` (`None` until one says).
    pub pubsub: Option<protocol::PubSubStatus>,
    /// Events the server did not send us (sum of the `dropped` of `events`).
    pub dropped: u64,
    /// Events received (all kinds).
    pub events_received: u64,
    /// The server's clock as last heard (Unix ms): stats, snapshot, events.
    pub server_time_ms: i64,
    /// The last reply of each request kind (`socket`, `broadcast`...).
    pub replies: BTreeMap<RequestKind, Result<Reply, String>>,
    /// How many replies of each kind have arrived (to tell a new reply
    /// from an old one).
    pub reply_counts: BTreeMap<RequestKind, u64>,
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
            pubsub: None,
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

// ------------------------------------------------------- from the protocol

impl From<&protocol::AppInfo> for AppInfo {
    fn from(app: &protocol::AppInfo) -> Self {
        AppInfo {
            name: app.name.clone(),
            env: app.env.clone(),
            node: app.node.clone(),
            version: app.version.clone(),
            started_at_ms: app.started_at_ms as i64,
            uptime_ms: app.uptime_ms,
            read_only: app.read_only,
            max_events_per_second: app.max_events_per_second,
        }
    }
}

impl From<&protocol::SocketInfo> for SocketRow {
    fn from(socket: &protocol::SocketInfo) -> Self {
        SocketRow {
            id: socket.id.clone(),
            socket: socket.socket.clone(),
            transport: socket.transport.clone(),
            vsn: socket.vsn.clone(),
            peer: socket.peer.clone().unwrap_or_default(),
            connected_at_ms: socket.connected_at_ms as i64,
            user_id: socket.user_id.clone(),
            assigns: Value::Object(socket.assigns.clone()),
            topics: socket.topics.clone(),
            messages_in: socket.messages_in,
            messages_out: socket.messages_out,
            queue: socket.queue,
            queue_capacity: socket.queue_capacity,
            node: socket.node.clone(),
        }
    }
}

impl From<&protocol::Stats> for StatsPoint {
    fn from(stats: &protocol::Stats) -> Self {
        StatsPoint {
            at_ms: stats.at_ms as i64,
            uptime_ms: stats.uptime_ms,
            sockets: stats.sockets,
            channels: stats.channels,
            messages_in: stats.messages_in,
            messages_out: stats.messages_out,
            broadcasts: stats.broadcasts,
            http_requests: stats.http_requests,
            http_avg_us: stats.http_avg_us,
            http_max_us: stats.http_max_us,
            events_dropped: stats.events_dropped,
        }
    }
}

fn topics_of(topics: &[protocol::TopicInfo]) -> BTreeMap<String, u64> {
    topics
        .iter()
        .map(|t| (t.topic.clone(), t.subscribers))
        .collect()
}

/// Where a broadcast comes from, for people: `local`, `from node-b`,
/// `dashboard`.
fn source_label(source: protocol::BroadcastSource, node: &str) -> String {
    match source {
        protocol::BroadcastSource::Local => "local".into(),
        protocol::BroadcastSource::Remote if node.is_empty() => "remote".into(),
        protocol::BroadcastSource::Remote => format!("from {node}"),
        protocol::BroadcastSource::Dashboard => "dashboard".into(),
    }
}

/// A PubSub status in a few words:
/// `redis: connected · 1 outage · 3 lost`, or `local` for one process
/// that has never lost anything.
pub fn pubsub_summary(status: &protocol::PubSubStatus) -> String {
    let adapter = if status.adapter.is_empty() {
        "pubsub"
    } else {
        status.adapter.as_str()
    };
    if status.adapter == "local" && status.connected && status.outages == 0 && status.lost == 0 {
        return adapter.to_string();
    }
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{adapter}: {} · {} · {} lost",
        if status.connected {
            "connected"
        } else {
            "disconnected"
        },
        plural(status.outages, "outage", "outages"),
        status.lost
    )
}

/// The metas of a presence (empty when malformed).
pub fn metas_of(presence: &Presence) -> &[Value] {
    presence
        .get("metas")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
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
    pub fn apply_snapshot(&mut self, snapshot: &protocol::Snapshot) {
        // The snapshot's `stats` are not a point of the series: a snapshot
        // arrives at any moment, and its counters do not cover "the last
        // second" like those of the `stats` pushes. Sockets, topics and
        // uptime come from the rest.
        self.app = AppInfo::from(&snapshot.app);
        // The PubSub status is a gauge: the snapshot's is as of now.
        self.pubsub = snapshot.stats.pubsub.clone();
        let now = self.app.started_at_ms + self.app.uptime_ms as i64;
        self.server_time_ms = self.server_time_ms.max(now);
        self.routes = snapshot.routes.clone();
        self.sockets = snapshot
            .sockets
            .iter()
            .filter(|s| !s.id.is_empty())
            .map(|s| (s.id.clone(), SocketRow::from(s)))
            .collect();
        self.joins.clear();
        let sockets: Vec<SocketRow> = self.sockets.values().cloned().collect();
        for socket in &sockets {
            self.seed_joins(socket);
        }
        // The snapshot's own topic list wins over the one of its stats.
        self.topics = topics_of(&snapshot.topics);
        self.presence = snapshot
            .presence
            .iter()
            .filter(|(_, state)| !state.is_empty())
            .map(|(topic, state)| (topic.clone(), state.clone()))
            .collect();
        self.has_snapshot = true;
        self.snapshots += 1;
        self.revision += 1;
    }

    /// Applies an `events` push.
    pub fn apply_events(&mut self, push: &protocol::EventsPush) {
        self.dropped += push.dropped;
        for event in &push.events {
            self.apply_event(event);
        }
    }

    /// Applies one event.
    pub fn apply_event(&mut self, event: &protocol::Event) {
        self.events_received += 1;
        let at_ms = event.at_ms as i64;
        self.server_time_ms = self.server_time_ms.max(at_ms);
        if let EventKind::HttpRequest {
            method,
            path,
            status,
            duration_us,
            ..
        } = &event.kind
        {
            self.push_request(RequestRow {
                seq: 0,
                at_ms,
                method: method.clone(),
                path: path.clone(),
                status: *status,
                duration_us: *duration_us,
            });
            return;
        }
        let Some(kind) = TrafficKind::of(&event.kind) else {
            return; // a kind from a newer server
        };
        let mut row = TrafficRow {
            seq: 0,
            at_ms,
            kind,
            socket_id: None,
            topic: None,
            event: String::new(),
            size: None,
            payload: None,
            node: None,
            detail: String::new(),
            error: false,
        };
        match &event.kind {
            EventKind::SocketConnected { socket } => {
                let socket = SocketRow::from(socket);
                row.event = "connect".into();
                row.socket_id = Some(socket.id.clone());
                row.detail = format!(
                    "{} {} from {}",
                    socket.socket, socket.transport, socket.peer
                );
                if let Some(user) = &socket.user_id {
                    row.detail.push_str(&format!(" as {user}"));
                }
                row.node = (!socket.node.is_empty()).then(|| socket.node.clone());
                self.seed_joins(&socket);
                self.sockets.insert(socket.id.clone(), socket);
                self.revision += 1;
            }
            EventKind::SocketDisconnected { id } => {
                row.event = "disconnect".into();
                if let Some(socket) = self.sockets.remove(id) {
                    row.detail = format!("{} {}", socket.socket, socket.peer);
                    self.revision += 1;
                }
                self.joins.retain(|(socket, _), _| socket != id);
                row.socket_id = Some(id.clone());
            }
            EventKind::ChannelJoined {
                socket_id,
                topic,
                status,
            } => {
                row.event = "phx_join".into();
                row.socket_id = Some(socket_id.clone());
                row.topic = Some(topic.clone());
                row.error = *status != JoinStatus::Ok;
                row.detail = format!("status {}", if row.error { "error" } else { "ok" });
                if !row.error {
                    self.joined(socket_id, topic);
                }
            }
            EventKind::ChannelLeft {
                socket_id,
                topic,
                reason,
                crashed,
                detail,
            } => {
                row.event = "phx_leave".into();
                row.socket_id = Some(socket_id.clone());
                row.topic = Some(topic.clone());
                row.error = *crashed;
                row.detail = match detail {
                    Some(detail) => format!("{reason}: {detail}"),
                    None => reason.clone(),
                };
                self.left(socket_id, topic);
            }
            EventKind::MessageIn {
                socket_id,
                topic,
                event,
                size,
                payload,
            }
            | EventKind::MessageOut {
                socket_id,
                topic,
                event,
                size,
                payload,
            } => {
                row.socket_id = Some(socket_id.clone());
                row.topic = Some(topic.clone());
                row.event = event.clone();
                row.size = Some(*size);
                row.payload = payload.clone();
                if let Some(socket) = self.sockets.get_mut(socket_id) {
                    if kind == TrafficKind::MessageIn {
                        socket.messages_in += 1;
                    } else {
                        socket.messages_out += 1;
                    }
                }
            }
            EventKind::Broadcast {
                topic,
                event,
                size,
                subscribers,
                source,
                source_node,
                payload,
                diff,
            } => {
                row.topic = Some(topic.clone());
                row.event = event.clone();
                row.size = Some(*size);
                row.node = (!source_node.is_empty()).then(|| source_node.clone());
                row.detail = format!(
                    "{subscribers} subscribers, {}",
                    source_label(*source, source_node)
                );
                row.payload = payload
                    .clone()
                    .or_else(|| diff.as_ref().and_then(|d| serde_json::to_string(d).ok()));
                if event == "presence_diff" || diff.is_some() {
                    self.apply_presence_diff(topic, diff.as_ref(), payload.as_deref());
                }
            }
            EventKind::HttpRequest { .. } | EventKind::Unknown => {}
        }
        self.push_traffic(row);
    }

    /// A channel of socket `id` joined `topic`.
    fn joined(&mut self, id: &str, topic: &str) {
        *self
            .joins
            .entry((id.to_string(), topic.to_string()))
            .or_insert(0) += 1;
        if let Some(socket) = self.sockets.get_mut(id) {
            if !socket.topics.iter().any(|t| t == topic) {
                socket.topics.push(topic.to_string());
            }
        }
        *self.topics.entry(topic.to_string()).or_insert(0) += 1;
        self.revision += 1;
    }

    /// A channel of socket `id` on `topic` stopped.
    fn left(&mut self, id: &str, topic: &str) {
        let key = (id.to_string(), topic.to_string());
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

    /// Counts one join for each topic a socket is known to have joined.
    fn seed_joins(&mut self, socket: &SocketRow) {
        for topic in &socket.topics {
            self.joins.insert((socket.id.clone(), topic.clone()), 1);
        }
    }

    /// Applies a presence diff: the event's `diff`, or else its payload
    /// text (payload capture on, from a server that sends no `diff`).
    fn apply_presence_diff(
        &mut self,
        topic: &str,
        diff: Option<&protocol::PresenceDiff>,
        text: Option<&str>,
    ) {
        let value = match (diff, text) {
            (Some(diff), _) => serde_json::to_value(diff).ok(),
            (None, Some(text)) => serde_json::from_str::<Value>(text).ok(), // truncated: none
            (None, None) => None,
        };
        let Some(diff) = value.filter(Value::is_object) else {
            return;
        };
        let state = self.presence.entry(topic.to_string()).or_default();
        presence::sync_diff(state, &diff, |_, _, _| {}, |_, _, _| {});
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
    pub fn apply_stats(&mut self, stats: &protocol::Stats) {
        let point = StatsPoint::from(stats);
        if stats.uptime_ms > 0 {
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
        self.pubsub = stats.pubsub.clone();
        let topics = topics_of(&stats.topics);
        if topics != self.topics {
            self.topics = topics;
            self.revision += 1;
        }
        for counters in &stats.socket_counters {
            if let Some(socket) = self.sockets.get_mut(&counters.id) {
                socket.messages_in = counters.messages_in;
                socket.messages_out = counters.messages_out;
                socket.queue = counters.queue;
            }
        }
    }

    fn apply_reply(&mut self, what: RequestKind, result: Result<Reply, String>) {
        if let Ok(Reply::Socket(fresh)) = &result {
            // Only refresh a socket we still know: a late reply must not
            // bring back one that disconnected meanwhile.
            if self.sockets.contains_key(&fresh.id) {
                let fresh = SocketRow::from(&**fresh);
                let id = fresh.id.clone();
                self.joins.retain(|(socket, _), _| *socket != id);
                self.seed_joins(&fresh);
                if self.sockets.get(&id).map(|s| &s.topics) != Some(&fresh.topics) {
                    self.revision += 1;
                }
                self.sockets.insert(id, fresh);
            }
        }
        *self.reply_counts.entry(what).or_insert(0) += 1;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::*;
    use crate::model::wire;
    use serde_json::json;

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
        model.apply(snapshot_update(next));
        assert_eq!(model.sockets.keys().collect::<Vec<_>>(), ["s9"]);
        assert!(model.topics.is_empty());
        assert!(model.presence.is_empty());
        assert!(model.routes.is_empty());
        assert_eq!(model.snapshots, 2);
        model.apply(snapshot_update(snapshot()));
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
    fn nodes_and_the_pubsub_status_come_with_the_snapshot_and_stats() {
        let mut model = joined();
        assert_eq!(model.app.node, "node-4242");
        assert_eq!(model.sockets["s7"].node, "node-4242");
        let status = model.pubsub.clone().expect("the snapshot's pubsub status");
        assert_eq!(
            (status.adapter.as_str(), status.connected, status.nodes),
            ("redis", true, vec!["node-b".to_string()])
        );
        assert_eq!(
            pubsub_summary(model.pubsub.as_ref().unwrap()),
            "redis: connected · 0 outages · 0 lost"
        );
        // An outage shows with the next stats, and so do its lost broadcasts.
        let mut down = stats(1764258002000);
        down["pubsub"] = json!({"adapter": "redis", "connected": false, "outages": 1,
                                "lost": 3, "sent": 5, "received": 3, "nodes": []});
        model.apply(stats_update(down));
        let status = model.pubsub.as_ref().unwrap();
        assert!(status.is_degraded());
        assert_eq!(
            pubsub_summary(status),
            "redis: disconnected · 1 outage · 3 lost"
        );
        // A server that does not say clears it.
        let mut older = stats(1764258003000);
        older.as_object_mut().unwrap().remove("pubsub");
        model.apply(stats_update(older));
        assert_eq!(model.pubsub, None);
    }

    #[test]
    fn a_local_pubsub_is_summed_up_in_one_word_until_something_goes_wrong() {
        let mut status = protocol::PubSubStatus {
            adapter: "local".into(),
            connected: true,
            ..Default::default()
        };
        assert_eq!(pubsub_summary(&status), "local");
        status.lost = 2;
        assert_eq!(
            pubsub_summary(&status),
            "local: connected · 0 outages · 2 lost"
        );
    }

    #[test]
    fn broadcasts_name_the_node_they_come_from() {
        let mut model = joined();
        model.apply(events(vec![
            json!({"kind": "broadcast", "at_ms": 6, "topic": "rooms:lobby", "event": "new_msg",
                   "size": 40, "subscribers": 2, "source": "local", "source_node": "node-4242"}),
            json!({"kind": "broadcast", "at_ms": 7, "topic": "rooms:lobby", "event": "new_msg",
                   "size": 40, "subscribers": 2, "source": "remote", "source_node": "node-b"}),
            json!({"kind": "socket_connected", "at_ms": 8, "socket": socket("s9", &[])}),
        ]));
        let rows: Vec<(Option<&str>, &str)> = model
            .traffic
            .iter()
            .map(|r| (r.node.as_deref(), r.detail.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                (Some("node-4242"), "2 subscribers, local"),
                (Some("node-b"), "2 subscribers, from node-b"),
                (
                    Some("node-4242"),
                    "/socket websocket from 127.0.0.1:51234 as user_socket:42"
                ),
            ]
        );
        assert_eq!(model.sockets["s9"].node, "node-4242");
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
        assert_eq!(model.traffic[1].node, None, "an older server names no node");
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
            "diff": {"joins": {"bob": {"metas": [{"phx_ref": "F2"}]}},
                        "leaves": {"alice": {"metas": [{"phx_ref": "F1", "online_at": 1}]}}}}),
        ]));
        let lobby = model.presence_of("rooms:lobby").expect("presence");
        assert_eq!(lobby.keys().collect::<Vec<_>>(), ["bob"]);
        // A diff only as payload text (payload capture on, from a server
        // that sends no `diff`) works too, on a new topic.
        model.apply(events(vec![json!({"kind": "broadcast", "at_ms": 6, "topic": "rooms:2",
            "event": "presence_diff", "size": 90, "subscribers": 1, "source": "local",
            "payload": "{\"joins\":{\"carol\":{\"metas\":[{\"phx_ref\":\"F3\"},{\"phx_ref\":\"F4\"}]}},\"leaves\":{}}"})]));
        let room2 = model.presence_of("rooms:2").expect("presence");
        assert_eq!(metas_of(&room2["carol"]).len(), 2);
        // Everyone leaving removes the topic's presence.
        model.apply(events(vec![
            json!({"kind": "broadcast", "at_ms": 7, "topic": "rooms:lobby",
            "event": "presence_diff", "size": 90, "subscribers": 2, "source": "local",
            "diff": {"joins": {}, "leaves": {"bob": {"metas": [{"phx_ref": "F2"}]}}}}),
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
        model.apply(wire::push("events", json!({"events": [], "dropped": 7})).unwrap());
        model.apply(wire::push("events", json!({"events": [], "dropped": 5})).unwrap());
        assert_eq!(model.dropped, 12);
    }

    #[test]
    fn stats_make_series_points_and_update_counters() {
        let mut model = joined();
        let mut s = stats(1764258002000);
        s["socket_counters"] = json!([
            {"id": "s7", "messages_in": 100, "messages_out": 200, "queue": 3},
            {"id": "gone", "messages_in": 1, "messages_out": 1, "queue": 1}
        ]);
        s["topics"] = json!([{"topic": "rooms:lobby", "subscribers": 5}]);
        s["uptime_ms"] = json!(9999);
        model.apply(stats_update(s));
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
        model.apply(stats_update(stats(1764258002000)));
        assert_eq!(model.series.len(), 1);
        model.apply(stats_update(stats(1764258003000)));
        assert_eq!(model.series.len(), 2);
    }

    #[test]
    fn series_is_capped_at_ten_minutes() {
        let mut model = Model::default();
        for n in 0..700 {
            model.apply(stats_update(stats(1_000_000 + n * 1000)));
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
        model.apply(wire::reply(RequestKind::Socket, Ok(fresh)));
        assert_eq!(model.sockets["s7"].assigns["admin"], true);
        assert_eq!(model.sockets["s7"].topics.len(), 2);
        model.apply(wire::reply(RequestKind::Socket, Ok(socket("s99", &[]))));
        assert!(!model.sockets.contains_key("s99"));
        model.apply(wire::reply(
            RequestKind::Disconnect,
            Err("read only".into()),
        ));
        assert_eq!(
            model.replies[&RequestKind::Disconnect],
            Err("read only".to_string())
        );
        assert_eq!(model.reply_counts[&RequestKind::Socket], 2);
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
}
