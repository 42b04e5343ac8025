//! The wire types of phoenix's introspection socket, shared by the server
//! (`phoenix::introspect`) and the desktop dashboard (`phoenix-dashboard`).
//!
//! The socket is an ordinary Phoenix Channels socket; a dashboard joins
//! [`TOPIC`] with [`JoinParams`] and gets a [`Snapshot`] as the join reply,
//! then [`EventsPush`]es ([`push::EVENTS`]) and [`Stats`] ([`push::STATS`]).
//! It may send the [`Request`]s listed there; each has one reply type
//! ([`Request`] says which), and a refusal is an [`ErrorReply`].
//!
//! Every message is a JSON object with named fields (no positional arrays).
//! Structs decode leniently: a field a peer does not send takes its default,
//! and an event of a kind this version does not know decodes as
//! [`EventKind::Unknown`], so a dashboard and a server of neighbouring
//! versions still understand each other. The full description, with
//! examples, is `server/phoenix/src/introspect/protocol.md`
//! (`phoenix::introspect::protocol` in the docs).

#![warn(missing_docs)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The dashboard's topic.
pub const TOPIC: &str = "phoenix:dashboard";

/// Where the server mounts the introspection socket unless configured.
pub const DEFAULT_PATH: &str = "/phoenix/dashboard";

/// Largest payload text put in an event, in bytes (then cut, ending in `…`).
pub const PAYLOAD_LIMIT: usize = 2048;

/// The events of the server's pushes.
pub mod push {
    /// A batch of events: an [`EventsPush`](super::EventsPush).
    pub const EVENTS: &str = "events";
    /// Counters of the last second: a [`Stats`](super::Stats).
    pub const STATS: &str = "stats";
}

/// The reasons of [`ErrorReply`]s the server sends.
pub mod reasons {
    /// A missing or wrong token (join).
    pub const UNAUTHORIZED: &str = "unauthorized";
    /// No live socket has this id.
    pub const NO_SUCH_SOCKET: &str = "no such socket";
    /// The server is configured `read_only`: no operations.
    pub const READ_ONLY: &str = "read only";
    /// A test broadcast's payload was not a JSON object.
    pub const PAYLOAD_NOT_AN_OBJECT: &str = "payload must be an object";
    /// A test broadcast without topic or event.
    pub const TOPIC_AND_EVENT_REQUIRED: &str = "topic and event are required";
    /// An event that is not a request of this protocol.
    pub const UNKNOWN_REQUEST: &str = "unknown request";
    /// A request whose payload does not decode.
    pub const BAD_REQUEST: &str = "bad request";
}

/// The params of the join.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JoinParams {
    /// The `dashboard.token` of the server's config.
    pub token: String,
    /// Ask for the payloads of messages and broadcasts in events.
    pub payloads: bool,
}

/// The join reply (and the reply to [`Request::Snapshot`]): everything a
/// dashboard shows, as of now.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    /// What the server says about itself.
    pub app: AppInfo,
    /// The route table, in router order.
    pub routes: Vec<Route>,
    /// Every live socket (the dashboard's own excepted), oldest first.
    pub sockets: Vec<SocketInfo>,
    /// Topics with subscribers on this node, most subscribed first.
    pub topics: Vec<TopicInfo>,
    /// Presence per topic.
    pub presence: BTreeMap<String, PresenceState>,
    /// Gauges as of now (its per-second counts are 0), with the PubSub
    /// status ([`Stats::pubsub`]).
    pub stats: Stats,
}

/// The presences of one topic: key → `{"metas": [...]}` (metas are the
/// application's own data).
pub type PresenceState = BTreeMap<String, Map<String, Value>>;

/// The server's description of itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppInfo {
    /// The application's name.
    pub name: String,
    /// Its environment (`dev`, `prod`...).
    pub env: String,
    /// The PubSub node's name.
    pub node: String,
    /// The framework's version.
    pub version: String,
    /// When the server started (Unix ms).
    pub started_at_ms: u64,
    /// How long it has been up (ms).
    pub uptime_ms: u64,
    /// Operations (disconnect, broadcast) are refused.
    pub read_only: bool,
    /// Events sent per second at most.
    pub max_events_per_second: u64,
}

/// One route of the router.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Route {
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

/// One live connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SocketInfo {
    /// The dashboard's id of the connection (`s7`).
    pub id: String,
    /// Where its socket is mounted (`/socket`).
    pub socket: String,
    /// `websocket` or `longpoll`.
    pub transport: String,
    /// The serializer version (`2.0.0`).
    pub vsn: String,
    /// The peer's address.
    pub peer: Option<String>,
    /// When it connected (Unix ms).
    pub connected_at_ms: u64,
    /// What the socket's `id` callback returned.
    pub user_id: Option<String>,
    /// The socket's assigns.
    pub assigns: Map<String, Value>,
    /// The topics joined, in join order.
    pub topics: Vec<String>,
    /// Messages received from the client.
    pub messages_in: u64,
    /// Frames sent to the client (broadcast deliveries included).
    pub messages_out: u64,
    /// Frames waiting to be written to the client.
    pub queue: u64,
    /// The capacity of that queue.
    pub queue_capacity: u64,
    /// The PubSub node of the server it is connected to (empty from servers
    /// that do not say).
    #[serde(default)]
    pub node: String,
}

/// A topic and its subscribers on this node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TopicInfo {
    /// The topic.
    pub topic: String,
    /// Its subscribers on this node.
    pub subscribers: u64,
}

/// The counters of one socket, in [`Stats::socket_counters`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SocketCounters {
    /// The socket's id.
    pub id: String,
    /// Messages received from the client, since it connected.
    pub messages_in: u64,
    /// Frames sent to the client, since it connected.
    pub messages_out: u64,
    /// Frames waiting to be written now.
    pub queue: u64,
}

/// Counters of the last second (a `stats` push), and gauges as of now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// When (Unix ms).
    pub at_ms: u64,
    /// The server's uptime then (ms).
    pub uptime_ms: u64,
    /// Live sockets (gauge).
    pub sockets: u64,
    /// Joined channels (gauge).
    pub channels: u64,
    /// Messages received during the last second.
    pub messages_in: u64,
    /// Frames sent during the last second (broadcast deliveries included).
    pub messages_out: u64,
    /// Broadcasts during the last second.
    pub broadcasts: u64,
    /// HTTP requests answered during the last second.
    pub http_requests: u64,
    /// Their average duration (µs).
    pub http_avg_us: u64,
    /// The slowest request since the previous `stats` of any dashboard (µs).
    pub http_max_us: u64,
    /// Events not sent to dashboards since the server started.
    pub events_dropped: u64,
    /// Up to 1000 topics, most subscribed first.
    pub topics: Vec<TopicInfo>,
    /// Counters of up to 2000 sockets.
    pub socket_counters: Vec<SocketCounters>,
    /// How the server's PubSub reaches the other nodes, as of now (`None`
    /// from servers that do not say).
    #[serde(default)]
    pub pubsub: Option<PubSubStatus>,
}

/// How a server's PubSub adapter reaches the other nodes (in [`Stats`], so
/// in the snapshot and every second): outages and the broadcasts lost
/// during them show up live.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PubSubStatus {
    /// The adapter: `local` (one process) or `redis`.
    pub adapter: String,
    /// Whether broadcasts reach the other nodes right now (always true for
    /// `local`).
    pub connected: bool,
    /// Outages since the server started (the link went down, whether it
    /// came back or not).
    pub outages: u64,
    /// Broadcasts published on this node that the other nodes did not get
    /// (during an outage, or with the outgoing queue full); this node's own
    /// subscribers got them.
    pub lost: u64,
    /// Broadcasts sent to the other nodes.
    pub sent: u64,
    /// Broadcasts received from the other nodes.
    pub received: u64,
    /// The other nodes this server knows of (through presence), sorted.
    pub nodes: Vec<String>,
}

impl PubSubStatus {
    /// Whether something is wrong: the link is down, or broadcasts were lost.
    pub fn is_degraded(&self) -> bool {
        !self.connected || self.lost > 0
    }
}

/// An `events` push.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventsPush {
    /// What happened, oldest first.
    pub events: Vec<Event>,
    /// Events not sent since the previous push (over budget, or this
    /// dashboard fell behind); the counters of `stats` still count them.
    pub dropped: u64,
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When (Unix ms).
    pub at_ms: u64,
    /// What happened (the `kind` field and the others).
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Whether a join was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinStatus {
    /// Joined.
    Ok,
    /// Refused (or the join crashed).
    Error,
}

/// Where a broadcast comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BroadcastSource {
    /// Published on this node.
    #[default]
    Local,
    /// Published by another node of the PubSub.
    Remote,
    /// A test broadcast sent by a dashboard.
    Dashboard,
}

/// A presence diff (`presence_diff` broadcasts).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PresenceDiff {
    /// Presences that joined.
    pub joins: PresenceState,
    /// Presences that left.
    pub leaves: PresenceState,
}

/// What happened, by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A client connected.
    SocketConnected {
        /// The socket, as in the snapshot.
        socket: SocketInfo,
    },
    /// A client went away.
    SocketDisconnected {
        /// The socket's id.
        id: String,
    },
    /// A join was answered.
    ChannelJoined {
        /// The socket's id.
        socket_id: String,
        /// The topic.
        topic: String,
        /// Accepted or refused.
        status: JoinStatus,
    },
    /// A joined channel stopped.
    ChannelLeft {
        /// The socket's id.
        socket_id: String,
        /// The topic.
        topic: String,
        /// `left`, `closed`, `normal`, `shutdown`, `rejoined`, `error` or `crashed`.
        reason: String,
        /// Whether the client was told `phx_error`.
        crashed: bool,
        /// The panic message or error reason, if any.
        #[serde(default)]
        detail: Option<String>,
    },
    /// A message from a client.
    MessageIn {
        /// The socket's id.
        socket_id: String,
        /// The topic.
        topic: String,
        /// The event.
        event: String,
        /// Bytes of the frame.
        size: u64,
        /// The payload as JSON text (cut at [`PAYLOAD_LIMIT`]), when asked for.
        #[serde(default)]
        payload: Option<String>,
    },
    /// A reply or push to one client (broadcast deliveries are counted in
    /// `stats`, not listed).
    MessageOut {
        /// The socket's id.
        socket_id: String,
        /// The topic.
        topic: String,
        /// The event.
        event: String,
        /// Bytes of the frame.
        size: u64,
        /// The payload as JSON text (cut at [`PAYLOAD_LIMIT`]), when asked for.
        #[serde(default)]
        payload: Option<String>,
    },
    /// A PubSub broadcast delivered on this node.
    Broadcast {
        /// The topic.
        topic: String,
        /// The event.
        event: String,
        /// Bytes of the (V2) frame.
        size: u64,
        /// Subscribers on this node it was delivered to.
        subscribers: u64,
        /// Where it comes from.
        #[serde(default)]
        source: BroadcastSource,
        /// The node it was published on: the server's own node for a local
        /// publish, another node's name for a [`BroadcastSource::Remote`]
        /// one (empty from servers that do not say).
        #[serde(default)]
        source_node: String,
        /// The payload as JSON text (cut at [`PAYLOAD_LIMIT`]), when asked for.
        #[serde(default)]
        payload: Option<String>,
        /// The diff of a `presence_diff` broadcast (always sent, whole, so a
        /// dashboard can keep presence lists up to date).
        #[serde(default)]
        diff: Option<PresenceDiff>,
    },
    /// An HTTP request answered.
    HttpRequest {
        /// The method.
        method: String,
        /// The path.
        path: String,
        /// The response status.
        status: u16,
        /// Time to the response (µs).
        duration_us: u64,
        /// The route pattern that matched (`/pages/:page`), if any.
        #[serde(default)]
        route: Option<String>,
    },
    /// A kind this version does not know (from a newer server).
    #[serde(other)]
    Unknown,
}

/// The operations a dashboard may ask for, by event name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RequestKind {
    /// `snapshot`.
    Snapshot,
    /// `socket`.
    Socket,
    /// `payloads`.
    Payloads,
    /// `disconnect`.
    Disconnect,
    /// `broadcast`.
    Broadcast,
}

impl RequestKind {
    /// Every request.
    pub const ALL: [RequestKind; 5] = [
        RequestKind::Snapshot,
        RequestKind::Socket,
        RequestKind::Payloads,
        RequestKind::Disconnect,
        RequestKind::Broadcast,
    ];

    /// The event name on the wire.
    pub fn event(self) -> &'static str {
        match self {
            RequestKind::Snapshot => "snapshot",
            RequestKind::Socket => "socket",
            RequestKind::Payloads => "payloads",
            RequestKind::Disconnect => "disconnect",
            RequestKind::Broadcast => "broadcast",
        }
    }

    /// The request of an event name.
    pub fn from_event(event: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.event() == event)
    }
}

/// A request from a dashboard.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// A fresh [`Snapshot`] (reply: a [`Snapshot`]).
    Snapshot,
    /// The details of a socket (reply: a [`SocketInfo`]).
    Socket(SocketId),
    /// Turn payload capture on or off (reply: [`Empty`]).
    Payloads(PayloadsRequest),
    /// Close a socket (reply: [`Empty`]).
    Disconnect(SocketId),
    /// Send a test broadcast (reply: a [`BroadcastReply`]).
    Broadcast(BroadcastRequest),
}

/// The payload of requests about one socket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SocketId {
    /// The socket's id.
    pub id: String,
}

/// The payload of `payloads`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PayloadsRequest {
    /// Capture payloads from now on.
    pub enabled: bool,
}

/// The payload of `broadcast`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BroadcastRequest {
    /// The topic.
    pub topic: String,
    /// The event.
    pub event: String,
    /// The payload (must be a JSON object; `{}` when absent).
    pub payload: Option<Value>,
}

/// The reply to `broadcast`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BroadcastReply {
    /// Subscribers of the topic on the server's node when it was sent.
    pub subscribers: u64,
}

/// The empty reply (`{}`) of `payloads` and `disconnect`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// A refusal: the `error` reply of a join or a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ErrorReply {
    /// Why (see [`reasons`]).
    pub reason: String,
}

impl ErrorReply {
    /// A refusal with this reason.
    pub fn new(reason: &str) -> Self {
        ErrorReply {
            reason: reason.to_string(),
        }
    }
}

/// A request that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// Not an event of this protocol.
    Unknown(String),
    /// The payload does not fit the request.
    Invalid(String),
}

impl RequestError {
    /// The reason to reply with.
    pub fn reason(&self) -> &'static str {
        match self {
            RequestError::Unknown(_) => reasons::UNKNOWN_REQUEST,
            RequestError::Invalid(_) => reasons::BAD_REQUEST,
        }
    }
}

fn body<T: serde::de::DeserializeOwned + Default>(payload: Value) -> Result<T, RequestError> {
    match payload {
        Value::Null => Ok(T::default()),
        payload => {
            serde_json::from_value(payload).map_err(|e| RequestError::Invalid(e.to_string()))
        }
    }
}

impl Request {
    /// Which request this is.
    pub fn kind(&self) -> RequestKind {
        match self {
            Request::Snapshot => RequestKind::Snapshot,
            Request::Socket(_) => RequestKind::Socket,
            Request::Payloads(_) => RequestKind::Payloads,
            Request::Disconnect(_) => RequestKind::Disconnect,
            Request::Broadcast(_) => RequestKind::Broadcast,
        }
    }

    /// The payload to push with [`RequestKind::event`].
    pub fn payload(&self) -> Value {
        let value = match self {
            Request::Snapshot => serde_json::to_value(Empty {}),
            Request::Socket(id) | Request::Disconnect(id) => serde_json::to_value(id),
            Request::Payloads(request) => serde_json::to_value(request),
            Request::Broadcast(request) => serde_json::to_value(request),
        };
        value.unwrap_or(Value::Null)
    }

    /// The request pushed as `event` with `payload`.
    pub fn decode(event: &str, payload: Value) -> Result<Request, RequestError> {
        let kind =
            RequestKind::from_event(event).ok_or_else(|| RequestError::Unknown(event.into()))?;
        Ok(match kind {
            RequestKind::Snapshot => Request::Snapshot,
            RequestKind::Socket => Request::Socket(body(payload)?),
            RequestKind::Payloads => Request::Payloads(body(payload)?),
            RequestKind::Disconnect => Request::Disconnect(body(payload)?),
            RequestKind::Broadcast => Request::Broadcast(body(payload)?),
        })
    }
}

/// A successful reply, decoded by the request it answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// To [`Request::Snapshot`].
    Snapshot(Box<Snapshot>),
    /// To [`Request::Socket`].
    Socket(Box<SocketInfo>),
    /// To [`Request::Payloads`] and [`Request::Disconnect`].
    Done,
    /// To [`Request::Broadcast`].
    Broadcast(BroadcastReply),
}

impl Reply {
    /// Decodes the `ok` response to a request of `kind`.
    pub fn decode(kind: RequestKind, response: Value) -> Result<Reply, serde_json::Error> {
        Ok(match kind {
            RequestKind::Snapshot => Reply::Snapshot(Box::new(serde_json::from_value(response)?)),
            RequestKind::Socket => Reply::Socket(Box::new(serde_json::from_value(response)?)),
            RequestKind::Payloads | RequestKind::Disconnect => Reply::Done,
            RequestKind::Broadcast => Reply::Broadcast(serde_json::from_value(response)?),
        })
    }
}

/// Decodes an `events` push leniently: an event that does not decode is
/// skipped (and counted in the returned number) instead of losing the batch.
pub fn decode_events(payload: Value) -> (EventsPush, usize) {
    if let Ok(push) = serde_json::from_value::<EventsPush>(payload.clone()) {
        return (push, 0);
    }
    let dropped = payload.get("dropped").and_then(Value::as_u64).unwrap_or(0);
    let list = match payload {
        Value::Object(mut map) => match map.remove("events") {
            Some(Value::Array(list)) => list,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let total = list.len();
    let events: Vec<Event> = list
        .into_iter()
        .filter_map(|e| serde_json::from_value(e).ok())
        .collect();
    let skipped = total - events.len();
    (EventsPush { events, dropped }, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_carry_their_kind_and_time_flat() {
        let event = Event {
            at_ms: 5,
            kind: EventKind::HttpRequest {
                method: "GET".into(),
                path: "/".into(),
                status: 200,
                duration_us: 12,
                route: Some("/".into()),
            },
        };
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(
            value,
            json!({"at_ms": 5, "kind": "http_request", "method": "GET", "path": "/",
                   "status": 200, "duration_us": 12, "route": "/"})
        );
        assert_eq!(serde_json::from_value::<Event>(value).unwrap(), event);
    }

    #[test]
    fn unknown_kinds_and_missing_fields_decode() {
        let event: Event =
            serde_json::from_value(json!({"at_ms": 8, "kind": "something_new", "x": 1})).unwrap();
        assert_eq!(event.kind, EventKind::Unknown);
        let socket: SocketInfo = serde_json::from_value(json!({"id": "s1"})).unwrap();
        assert_eq!((socket.id.as_str(), socket.queue), ("s1", 0));
        let event: Event = serde_json::from_value(json!({"at_ms": 1, "kind": "broadcast",
            "topic": "t", "event": "e", "size": 3, "subscribers": 2}))
        .unwrap();
        assert!(matches!(
            &event.kind,
            EventKind::Broadcast {
                source: BroadcastSource::Local,
                source_node,
                ..
            } if source_node.is_empty()
        ));
        let socket: SocketInfo = serde_json::from_value(json!({"id": "s1"})).unwrap();
        assert_eq!(socket.node, "");
        let stats: Stats = serde_json::from_value(json!({"at_ms": 1})).unwrap();
        assert_eq!(stats.pubsub, None);
        let status: PubSubStatus =
            serde_json::from_value(json!({"adapter": "redis", "connected": false})).unwrap();
        assert!(status.is_degraded() && status.nodes.is_empty());
    }

    #[test]
    fn the_pubsub_status_is_degraded_when_down_or_lossy() {
        let mut status = PubSubStatus {
            adapter: "redis".into(),
            connected: true,
            ..PubSubStatus::default()
        };
        assert!(!status.is_degraded());
        status.lost = 1;
        assert!(status.is_degraded());
        status.lost = 0;
        status.connected = false;
        assert!(status.is_degraded());
    }

    #[test]
    fn a_bad_event_does_not_lose_its_batch() {
        let (push, skipped) = decode_events(json!({"dropped": 3, "events": [
            {"at_ms": 1, "kind": "socket_disconnected", "id": "s1"},
            {"at_ms": 2, "kind": "socket_disconnected"},
        ]}));
        assert_eq!((push.events.len(), push.dropped, skipped), (1, 3, 1));
    }

    #[test]
    fn requests_round_trip() {
        let requests = [
            Request::Snapshot,
            Request::Socket(SocketId { id: "s7".into() }),
            Request::Payloads(PayloadsRequest { enabled: true }),
            Request::Disconnect(SocketId { id: "s7".into() }),
            Request::Broadcast(BroadcastRequest {
                topic: "t".into(),
                event: "e".into(),
                payload: Some(json!({"x": 1})),
            }),
        ];
        for request in requests {
            let decoded = Request::decode(request.kind().event(), request.payload()).unwrap();
            assert_eq!(decoded, request);
        }
        assert_eq!(
            Request::Disconnect(SocketId { id: "s7".into() }).payload(),
            json!({"id": "s7"})
        );
        assert!(matches!(
            Request::decode("nope", json!({})),
            Err(RequestError::Unknown(_))
        ));
        assert!(matches!(
            Request::decode("socket", json!({"id": 7})),
            Err(RequestError::Invalid(_))
        ));
    }

    #[test]
    fn replies_decode_by_request() {
        assert_eq!(
            Reply::decode(RequestKind::Broadcast, json!({"subscribers": 2})).unwrap(),
            Reply::Broadcast(BroadcastReply { subscribers: 2 })
        );
        assert_eq!(
            Reply::decode(RequestKind::Disconnect, json!({})).unwrap(),
            Reply::Done
        );
        assert!(Reply::decode(RequestKind::Socket, json!([1])).is_err());
    }
}
