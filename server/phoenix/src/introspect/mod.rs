//! Introspection: what the dev dashboard sees of a running application.
//!
//! [`Introspect`] is an [`Observer`] (see [`crate::observer`]): it keeps a
//! registry of live sockets and their topics, and, while a dashboard is
//! attached, turns the framework's events into the dashboard's (the wire
//! types of `phoenix-dashboard-protocol`). [`DashboardSocket`] is the socket
//! a dashboard connects to; [`EndpointBuilder::dashboard`] installs both
//! when `[dashboard]` is enabled in the config (by default in `dev`, with a
//! `token`), mounting the socket at `dashboard.path` like any other.
//!
//! While no dashboard is attached, traffic (requests, messages, broadcasts)
//! costs one relaxed atomic load per event ([`Introspect::watching`] is
//! false and [`Observer::wants`] says no); only connects, disconnects, joins
//! and leaves are followed, to keep the registry. With a dashboard attached,
//! events go through a bounded ring ([`EVENT_BUFFER`] slots) and a
//! per-second budget (`dashboard.max_events_per_second`, shared equally by
//! the four kinds of [`Class`], so a flood of messages does not hide joins
//! or requests); what does not fit is counted as dropped, so a flood of
//! traffic never slows the app or grows its memory.

mod channel;
mod event;
mod registry;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use phoenix_dashboard_protocol as wire;
use tokio::sync::broadcast;

pub use channel::{DashboardSocket, TOPIC};
use registry::{Registry, SocketEntry};

use crate::endpoint::EndpointBuilder;
use crate::observer::{
    self, ChannelJoined, ChannelLeft, Kind, MessageIn, MessageOut, Observer, RequestStop,
    SocketConnected, SocketDisconnected,
};
use crate::socket::Mount;

/// The wire format of the introspection socket.
#[doc = include_str!("protocol.md")]
pub mod protocol {}

/// Slots of the ring every attached dashboard reads events from.
pub const EVENT_BUFFER: usize = 8192;

/// Largest payload text put in an event, in bytes.
pub const PAYLOAD_LIMIT: usize = wire::PAYLOAD_LIMIT;

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The kinds of events that share the per-second budget equally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Sockets connecting and going, channels joining and leaving.
    Lifecycle = 0,
    /// Messages in and out.
    Messages = 1,
    /// PubSub broadcasts.
    Broadcasts = 2,
    /// HTTP requests.
    Http = 3,
}

/// One class's share of the budget in the current second.
#[derive(Default)]
struct Budget {
    second: AtomicU64,
    used: AtomicU64,
}

/// Counters of what happened while a dashboard was attached (cumulative).
#[derive(Default)]
struct Counters {
    broadcasts: AtomicU64,
    http_requests: AtomicU64,
    http_total_us: AtomicU64,
    http_max_us: AtomicU64,
    dropped: AtomicU64,
}

fn add(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

/// The dashboard's observer: registry, counters, and the events of
/// attached dashboards.
pub struct Introspect {
    watchers: AtomicUsize,
    payload_watchers: AtomicUsize,
    events: broadcast::Sender<Arc<wire::Event>>,
    budgets: [Budget; 4],
    max_per_second: u64,
    counters: Counters,
    registry: Registry,
    started: Instant,
    started_at_ms: u64,
    /// This node's name, set when the first dashboard joins (the hub is
    /// made before the endpoint's PubSub is).
    node: OnceLock<Arc<str>>,
}

impl Default for Introspect {
    fn default() -> Self {
        Introspect::new(5000)
    }
}

impl Introspect {
    /// A hub sending attached dashboards at most `max_events_per_second`.
    pub fn new(max_events_per_second: u64) -> Self {
        Introspect {
            watchers: AtomicUsize::new(0),
            payload_watchers: AtomicUsize::new(0),
            events: broadcast::channel(EVENT_BUFFER).0,
            budgets: Default::default(),
            max_per_second: max_events_per_second.max(1),
            counters: Counters::default(),
            registry: Registry::default(),
            started: Instant::now(),
            started_at_ms: unix_ms(),
            node: OnceLock::new(),
        }
    }

    /// Records this node's name (its PubSub's), which sockets and local
    /// broadcasts are reported with; the first name given stays.
    pub fn set_node(&self, node: &str) {
        let _ = self.node.get_or_init(|| node.into());
    }

    /// This node's name, as given to [`Introspect::set_node`] (empty
    /// before).
    pub fn node(&self) -> &str {
        self.node.get().map_or("", |node| node)
    }

    /// The `SOCKET` of the protocol for a registered connection.
    fn socket_info(&self, entry: &SocketEntry) -> wire::SocketInfo {
        entry.info(self.node())
    }

    /// Whether a dashboard is attached right now: traffic is ignored otherwise.
    #[inline]
    pub fn watching(&self) -> bool {
        self.watchers.load(Ordering::Relaxed) > 0
    }

    /// Whether an attached dashboard asked for payloads.
    #[inline]
    fn payloads(&self) -> bool {
        self.payload_watchers.load(Ordering::Relaxed) > 0
    }

    /// Milliseconds since the hub (the application) started.
    pub fn uptime_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Unix time the application started, in ms.
    pub fn started_at_ms(&self) -> u64 {
        self.started_at_ms
    }

    /// Live sockets registered.
    pub fn socket_count(&self) -> usize {
        self.registry.len()
    }

    /// Attaches a dashboard: events flow until the returned guard drops.
    fn attach(self: &Arc<Self>, payloads: bool) -> Watch {
        let receiver = self.events.subscribe();
        self.watchers.fetch_add(1, Ordering::SeqCst);
        let mut watch = Watch {
            hub: self.clone(),
            receiver: Some(receiver),
            payloads: false,
        };
        watch.set_payloads(payloads);
        watch
    }

    /// Whether one more event of `class` fits in this second's budget.
    fn within_budget(&self, class: Class) -> bool {
        let budget = &self.budgets[class as usize];
        let second = self.started.elapsed().as_secs() + 1;
        if budget.second.load(Ordering::Relaxed) != second
            && budget.second.swap(second, Ordering::Relaxed) != second
        {
            budget.used.store(0, Ordering::Relaxed);
        }
        let share = (self.max_per_second / self.budgets.len() as u64).max(1);
        budget.used.fetch_add(1, Ordering::Relaxed) < share
    }

    /// Sends an event to attached dashboards, if its class's budget allows.
    fn emit(&self, class: Class, kind: impl FnOnce(bool) -> wire::EventKind) {
        if !self.within_budget(class) {
            add(&self.counters.dropped, 1);
            return;
        }
        let event = wire::Event {
            at_ms: unix_ms(),
            kind: kind(self.payloads()),
        };
        let _ = self.events.send(Arc::new(event));
    }

    /// Counters of the last interval, computed against `last` (updated).
    fn stats(&self, last: &mut [u64; 5]) -> wire::Stats {
        let c = &self.counters;
        let counts = self.registry.counts(2000);
        let now = [
            counts.messages_in,
            counts.messages_out,
            c.broadcasts.load(Ordering::Relaxed),
            c.http_requests.load(Ordering::Relaxed),
            c.http_total_us.load(Ordering::Relaxed),
        ];
        let mut delta = [0u64; 5];
        for (i, d) in delta.iter_mut().enumerate() {
            *d = now[i].saturating_sub(last[i]);
        }
        *last = now;
        wire::Stats {
            at_ms: unix_ms(),
            uptime_ms: self.uptime_ms(),
            sockets: counts.sockets,
            channels: counts.channels,
            messages_in: delta[0],
            messages_out: delta[1],
            broadcasts: delta[2],
            http_requests: delta[3],
            http_avg_us: delta[4].checked_div(delta[3]).unwrap_or(0),
            http_max_us: c.http_max_us.swap(0, Ordering::Relaxed),
            events_dropped: c.dropped.load(Ordering::Relaxed),
            topics: Vec::new(),
            socket_counters: counts.socket_counters,
            pubsub: None,
        }
    }
}

impl Observer for Introspect {
    /// Connects, disconnects, joins and leaves always (the registry);
    /// requests, messages and broadcasts only while a dashboard is attached.
    #[inline]
    fn wants(&self, kind: Kind) -> bool {
        match kind {
            Kind::RequestStart | Kind::ChannelCrashed => false,
            Kind::SocketConnected
            | Kind::SocketDisconnected
            | Kind::ChannelJoined
            | Kind::ChannelLeft => true,
            Kind::RequestStop | Kind::MessageIn | Kind::MessageOut | Kind::Broadcast => {
                self.watching()
            }
        }
    }

    fn request_stop(&self, event: &RequestStop<'_>) {
        let duration_us = event.duration.as_micros() as u64;
        add(&self.counters.http_requests, 1);
        add(&self.counters.http_total_us, duration_us);
        self.counters
            .http_max_us
            .fetch_max(duration_us, Ordering::Relaxed);
        self.emit(Class::Http, |_| wire::EventKind::HttpRequest {
            method: event.method.to_string(),
            path: event.path.to_string(),
            status: event.status,
            duration_us,
            route: event.route.map(str::to_string),
        });
    }

    fn socket_connected(&self, event: &SocketConnected<'_>) {
        let entry = Arc::new(SocketEntry::new(event));
        self.registry.insert(entry.clone());
        if self.watching() {
            self.emit(Class::Lifecycle, |_| wire::EventKind::SocketConnected {
                socket: self.socket_info(&entry),
            });
        }
    }

    fn socket_disconnected(&self, event: &SocketDisconnected<'_>) {
        self.registry.remove(event.socket);
        if self.watching() {
            self.emit(Class::Lifecycle, |_| wire::EventKind::SocketDisconnected {
                id: registry::wire_id(event.socket.id()),
            });
        }
    }

    fn channel_joined(&self, event: &ChannelJoined<'_>) {
        if event.ok {
            self.registry.joined(event.socket.id(), event.topic);
        }
        if self.watching() {
            self.emit(Class::Lifecycle, |_| wire::EventKind::ChannelJoined {
                socket_id: registry::wire_id(event.socket.id()),
                topic: event.topic.to_string(),
                status: if event.ok {
                    wire::JoinStatus::Ok
                } else {
                    wire::JoinStatus::Error
                },
            });
        }
    }

    fn channel_left(&self, event: &ChannelLeft<'_>) {
        self.registry.left(event.socket.id(), event.topic);
        if self.watching() {
            self.emit(Class::Lifecycle, |_| wire::EventKind::ChannelLeft {
                socket_id: registry::wire_id(event.socket.id()),
                topic: event.topic.to_string(),
                reason: event.reason.to_string(),
                crashed: event.crashed,
                detail: event.detail.map(str::to_string),
            });
        }
    }

    fn message_in(&self, event: &MessageIn<'_>) {
        self.emit(Class::Messages, |payloads| wire::EventKind::MessageIn {
            socket_id: registry::wire_id(event.socket.id()),
            topic: event.message.topic.clone(),
            event: event.message.event.clone(),
            size: event.size as u64,
            payload: payloads.then(|| event::payload_text(&event.message.payload)),
        });
    }

    fn message_out(&self, event: &MessageOut<'_>) {
        self.emit(Class::Messages, |payloads| wire::EventKind::MessageOut {
            socket_id: registry::wire_id(event.socket.id()),
            topic: event.message.topic.clone(),
            event: event.message.event.clone(),
            size: event.size as u64,
            payload: payloads.then(|| event::payload_text(&event.message.payload)),
        });
    }

    fn broadcast(&self, event: &observer::Broadcast<'_>) {
        add(&self.counters.broadcasts, 1);
        self.emit(Class::Broadcasts, |payloads| wire::EventKind::Broadcast {
            topic: event.topic().to_string(),
            event: event.event().to_string(),
            size: event.size() as u64,
            subscribers: event.subscribers as u64,
            source: match (event.source_node(), event.origin()) {
                (Some(_), _) => wire::BroadcastSource::Remote,
                (None, Some(channel::ORIGIN)) => wire::BroadcastSource::Dashboard,
                (None, _) => wire::BroadcastSource::Local,
            },
            source_node: event.source_node().unwrap_or(self.node()).to_string(),
            payload: payloads.then(|| event::payload_text(event.payload())),
            diff: (event.event() == crate::presence::DIFF_EVENT)
                .then(|| event::presence_diff(event.payload()))
                .flatten(),
        });
    }
}

/// An attached dashboard; detaches on drop.
struct Watch {
    hub: Arc<Introspect>,
    receiver: Option<broadcast::Receiver<Arc<wire::Event>>>,
    payloads: bool,
}

impl Watch {
    /// Turns payload capture on or off for this dashboard.
    fn set_payloads(&mut self, on: bool) {
        if on != self.payloads {
            if on {
                self.hub.payload_watchers.fetch_add(1, Ordering::SeqCst);
            } else {
                self.hub.payload_watchers.fetch_sub(1, Ordering::SeqCst);
            }
            self.payloads = on;
        }
    }

    /// Takes the event receiver (once).
    fn take_receiver(&mut self) -> Option<broadcast::Receiver<Arc<wire::Event>>> {
        self.receiver.take()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.set_payloads(false);
        self.hub.watchers.fetch_sub(1, Ordering::SeqCst);
    }
}

impl EndpointBuilder {
    /// Installs the dev dashboard's introspection when the config enables
    /// it (`[dashboard]`: by default in `dev`, when a `token` is set):
    /// an [`Introspect`] observer, and its [`DashboardSocket`] mounted at
    /// `dashboard.path` (its own connections are not reported). Does
    /// nothing otherwise.
    pub fn dashboard(self) -> Self {
        let config = self.config();
        if !config.dashboard_enabled() {
            return self;
        }
        let hub = Arc::new(Introspect::new(config.dashboard.max_events_per_second));
        let path = config.dashboard.path.clone();
        let socket = DashboardSocket::new(hub.clone(), config, self.routes());
        tracing::info!(
            "dashboard socket at {path} (phoenix-dashboard --url {} --token ...)",
            config.url_base()
        );
        self.observer(hub)
            .socket(&path, Mount::new(&path, socket).unobserved())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_class_has_its_share_of_the_budget() {
        // 8 per second: 2 per class.
        let hub = Arc::new(Introspect::new(8));
        let mut watch = hub.attach(false);
        let mut events = watch.take_receiver().unwrap();
        for _ in 0..5 {
            hub.request_stop(&RequestStop {
                method: "GET",
                path: "/",
                status: 200,
                duration: std::time::Duration::from_micros(10),
                route: None,
            });
        }
        hub.emit(Class::Lifecycle, |_| wire::EventKind::SocketDisconnected {
            id: "s1".into(),
        });
        let mut kinds = Vec::new();
        while let Ok(event) = events.try_recv() {
            kinds.push(match &event.kind {
                wire::EventKind::HttpRequest { .. } => "http",
                wire::EventKind::SocketDisconnected { .. } => "gone",
                _ => "other",
            });
        }
        // The flood of requests used up its share only; the counters saw all.
        assert_eq!(kinds, ["http", "http", "gone"]);
        assert_eq!(hub.counters.dropped.load(Ordering::Relaxed), 3);
        assert_eq!(hub.counters.http_requests.load(Ordering::Relaxed), 5);
    }

    /// The broadcast events a hub sent, as `(source, source_node, topic)`.
    fn broadcasts(
        events: &mut broadcast::Receiver<Arc<wire::Event>>,
    ) -> Vec<(wire::BroadcastSource, String, String)> {
        let mut out = Vec::new();
        while let Ok(event) = events.try_recv() {
            if let wire::EventKind::Broadcast {
                source,
                source_node,
                topic,
                ..
            } = &event.kind
            {
                out.push((*source, source_node.clone(), topic.clone()));
            }
        }
        out
    }

    #[tokio::test]
    async fn broadcasts_are_reported_with_the_node_they_were_published_on() {
        let pubsub = crate::pubsub::PubSub::local();
        let hub = Arc::new(Introspect::new(1000));
        pubsub.observe(observer::Observers::new(vec![hub.clone()]));
        hub.set_node(pubsub.node());
        let mut watch = hub.attach(false);
        let mut events = watch.take_receiver().unwrap();
        let _subscriber = pubsub.subscribe("rooms:1");

        pubsub
            .broadcast("rooms:1", "new_msg", serde_json::json!({"body": "hi"}))
            .unwrap();
        // What an adapter hands over from another node.
        let mut remote = crate::pubsub::Broadcast::new(
            "rooms:1",
            "new_msg",
            serde_json::json!({"body": "from b"}).into(),
        );
        remote.source = Some("node-b".into());
        pubsub.dispatch_local(&Arc::new(remote));
        pubsub
            .broadcast_with_origin(channel::ORIGIN, "rooms:2", "ping", serde_json::json!({}))
            .unwrap();

        let me = pubsub.node().to_string();
        assert!(!me.is_empty() && me != "node-b");
        assert_eq!(
            broadcasts(&mut events),
            [
                (wire::BroadcastSource::Local, me.clone(), "rooms:1".into()),
                (
                    wire::BroadcastSource::Remote,
                    "node-b".into(),
                    "rooms:1".into()
                ),
                (wire::BroadcastSource::Dashboard, me, "rooms:2".into()),
            ]
        );
    }

    #[test]
    fn the_first_node_name_stays() {
        let hub = Introspect::new(8);
        assert_eq!(hub.node(), "");
        hub.set_node("node-a");
        hub.set_node("node-b");
        assert_eq!(hub.node(), "node-a");
    }

    #[test]
    fn hooks_watch_only_while_a_dashboard_is_attached() {
        let hub = Arc::new(Introspect::new(8));
        assert!(!hub.watching());
        assert!(!hub.wants(Kind::MessageIn) && hub.wants(Kind::SocketConnected));
        let watch = hub.attach(true);
        assert!(hub.watching() && hub.payloads());
        assert!(hub.wants(Kind::MessageIn) && hub.wants(Kind::RequestStop));
        drop(watch);
        assert!(!hub.watching() && !hub.payloads());
    }
}
