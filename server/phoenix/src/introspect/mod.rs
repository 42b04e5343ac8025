//! Introspection: what the dev dashboard sees of a running application.
//!
//! When `[dashboard]` is enabled (by default in `dev`, with a `token`), the
//! endpoint mounts an introspection socket (see [`protocol`]) and the
//! framework keeps a registry of live sockets. Everything else (events,
//! per-second counters) costs one relaxed atomic load per hook while no
//! dashboard is attached: [`Introspect::watching`] is false and nothing is
//! built or sent.
//!
//! With a dashboard attached, events go through a bounded ring
//! ([`EVENT_BUFFER`] slots) and a per-second budget
//! (`dashboard.max_events_per_second`, shared equally by the four kinds of
//! [`Class`], so a flood of messages does not hide joins or requests); what
//! does not fit is counted as dropped, so a flood of traffic never slows the
//! app or grows its memory.

mod channel;
mod event;
pub(crate) mod registry;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::sync::broadcast;

pub(crate) use channel::mount;
pub(crate) use event::frame_len;
pub use event::{Event, EventKind};
use registry::Registry;
pub(crate) use registry::{Probe, SocketEntry};

/// The wire format of the introspection socket.
#[doc = include_str!("protocol.md")]
pub mod protocol {}

/// Slots of the ring every attached dashboard reads events from.
pub const EVENT_BUFFER: usize = 8192;

/// Largest payload text put in an event, in bytes.
pub const PAYLOAD_LIMIT: usize = 2048;

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
pub(crate) struct Counters {
    pub(crate) messages_in: AtomicU64,
    pub(crate) messages_out: AtomicU64,
    pub(crate) broadcasts: AtomicU64,
    pub(crate) http_requests: AtomicU64,
    pub(crate) http_total_us: AtomicU64,
    pub(crate) http_max_us: AtomicU64,
    pub(crate) dropped: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// The introspection hub of an application.
pub struct Introspect {
    enabled: bool,
    watchers: AtomicUsize,
    payload_watchers: AtomicUsize,
    events: broadcast::Sender<Arc<Event>>,
    budgets: [Budget; 4],
    max_per_second: u64,
    pub(crate) counters: Counters,
    pub(crate) registry: Registry,
    started: Instant,
    started_at_ms: u64,
}

impl Default for Introspect {
    fn default() -> Self {
        Introspect::new(false, 5000)
    }
}

impl Introspect {
    /// A hub; a disabled one keeps no registry and reports nothing.
    pub fn new(enabled: bool, max_events_per_second: u64) -> Self {
        Introspect {
            enabled,
            watchers: AtomicUsize::new(0),
            payload_watchers: AtomicUsize::new(0),
            events: broadcast::channel(EVENT_BUFFER).0,
            budgets: Default::default(),
            max_per_second: max_events_per_second.max(1),
            counters: Counters::default(),
            registry: Registry::default(),
            started: Instant::now(),
            started_at_ms: unix_ms(),
        }
    }

    /// Whether the dashboard socket is mounted (sockets are registered).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether a dashboard is attached right now: hooks do nothing otherwise.
    #[inline]
    pub fn watching(&self) -> bool {
        self.watchers.load(Ordering::Relaxed) > 0
    }

    /// Whether an attached dashboard asked for payloads.
    #[inline]
    pub(crate) fn payloads(&self) -> bool {
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
    pub(crate) fn attach(self: &Arc<Self>, payloads: bool) -> Watch {
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
    pub(crate) fn emit(&self, class: Class, kind: impl FnOnce(bool) -> EventKind) {
        if !self.within_budget(class) {
            Counters::add(&self.counters.dropped, 1);
            return;
        }
        let event = Event {
            at_ms: unix_ms(),
            kind: kind(self.payloads()),
        };
        let _ = self.events.send(Arc::new(event));
    }

    /// A message from a client (hook of the connection).
    pub(crate) fn message_in(
        &self,
        socket: &SocketEntry,
        message: &phoenix_protocol::Message,
        size: usize,
    ) {
        Counters::add(&self.counters.messages_in, 1);
        self.emit(Class::Messages, |payloads| EventKind::MessageIn {
            socket_id: socket.id.clone(),
            topic: message.topic.clone(),
            event: message.event.clone(),
            size,
            payload: payloads.then(|| event::payload_text(&message.payload)),
        });
    }

    /// A reply or push to one client (hook of the outbox).
    pub(crate) fn message_out(
        &self,
        socket: &SocketEntry,
        message: &phoenix_protocol::Message,
        size: usize,
    ) {
        self.emit(Class::Messages, |payloads| EventKind::MessageOut {
            socket_id: socket.id.clone(),
            topic: message.topic.clone(),
            event: message.event.clone(),
            size,
            payload: payloads.then(|| event::payload_text(&message.payload)),
        });
    }

    /// A broadcast delivered to this node's subscribers (hook of the PubSub).
    pub(crate) fn broadcast(&self, broadcast: &crate::pubsub::Broadcast, subscribers: usize) {
        Counters::add(&self.counters.broadcasts, 1);
        self.emit(Class::Broadcasts, |payloads| {
            let size = broadcast
                .encoded(phoenix_protocol::Vsn::V2)
                .map_or(0, |frame| event::frame_len(&frame));
            let payload = if broadcast.event == crate::presence::DIFF_EVENT {
                event::payload_json(&broadcast.payload)
            } else if payloads {
                Some(Value::String(event::payload_text(&broadcast.payload)))
            } else {
                None
            };
            EventKind::Broadcast {
                topic: broadcast.topic.clone(),
                event: broadcast.event.clone(),
                size,
                subscribers,
                source: if broadcast.from_dashboard {
                    "dashboard"
                } else {
                    "local"
                },
                payload,
            }
        });
    }

    /// An HTTP request answered (hook of the endpoint).
    pub(crate) fn http_request(&self, method: &str, path: &str, status: u16, duration_us: u64) {
        Counters::add(&self.counters.http_requests, 1);
        Counters::add(&self.counters.http_total_us, duration_us);
        self.counters
            .http_max_us
            .fetch_max(duration_us, Ordering::Relaxed);
        self.emit(Class::Http, |_| EventKind::HttpRequest {
            method: method.to_string(),
            path: path.to_string(),
            status,
            duration_us,
        });
    }

    /// Registers a connection (when enabled) and reports it.
    pub(crate) fn register(self: &Arc<Self>, entry: SocketEntry) -> Option<Arc<Probe>> {
        if !self.enabled {
            return None;
        }
        let entry = Arc::new(entry);
        self.registry.insert(entry.clone());
        if self.watching() {
            self.emit(Class::Lifecycle, |_| EventKind::SocketConnected {
                socket: entry.to_json(),
            });
        }
        Some(Arc::new(Probe {
            hub: self.clone(),
            entry,
        }))
    }

    /// Counters of the last interval, computed against `last` (updated).
    pub(crate) fn stats(&self, last: &mut [u64; 5]) -> Value {
        let c = &self.counters;
        let now = [
            c.messages_in.load(Ordering::Relaxed),
            c.messages_out.load(Ordering::Relaxed),
            c.broadcasts.load(Ordering::Relaxed),
            c.http_requests.load(Ordering::Relaxed),
            c.http_total_us.load(Ordering::Relaxed),
        ];
        let delta: Vec<u64> = now
            .iter()
            .zip(last.iter())
            .map(|(n, l)| n.saturating_sub(*l))
            .collect();
        *last = now;
        let http_avg_us = delta[4].checked_div(delta[3]).unwrap_or(0);
        let (sockets, channels, socket_counters) = self.registry.counts(2000);
        json!({
            "at_ms": unix_ms(),
            "uptime_ms": self.uptime_ms(),
            "sockets": sockets,
            "channels": channels,
            "messages_in": delta[0],
            "messages_out": delta[1],
            "broadcasts": delta[2],
            "http_requests": delta[3],
            "http_avg_us": http_avg_us,
            "http_max_us": c.http_max_us.swap(0, Ordering::Relaxed),
            "events_dropped": c.dropped.load(Ordering::Relaxed),
            "socket_counters": socket_counters,
        })
    }
}

/// An attached dashboard; detaches on drop.
pub(crate) struct Watch {
    hub: Arc<Introspect>,
    receiver: Option<broadcast::Receiver<Arc<Event>>>,
    payloads: bool,
}

impl Watch {
    /// Turns payload capture on or off for this dashboard.
    pub(crate) fn set_payloads(&mut self, on: bool) {
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
    pub(crate) fn take_receiver(&mut self) -> Option<broadcast::Receiver<Arc<Event>>> {
        self.receiver.take()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.set_payloads(false);
        self.hub.watchers.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_class_has_its_share_of_the_budget() {
        // 8 per second: 2 per class.
        let hub = Arc::new(Introspect::new(true, 8));
        let mut watch = hub.attach(false);
        let mut events = watch.take_receiver().unwrap();
        for _ in 0..5 {
            hub.http_request("GET", "/", 200, 10);
        }
        hub.emit(Class::Lifecycle, |_| EventKind::SocketDisconnected {
            id: "s1".into(),
        });
        let mut kinds = Vec::new();
        while let Ok(event) = events.try_recv() {
            kinds.push(match &event.kind {
                EventKind::HttpRequest { .. } => "http",
                EventKind::SocketDisconnected { .. } => "gone",
                _ => "other",
            });
        }
        // The flood of requests used up its share only; the counters saw all.
        assert_eq!(kinds, ["http", "http", "gone"]);
        assert_eq!(hub.counters.dropped.load(Ordering::Relaxed), 3);
        assert_eq!(hub.counters.http_requests.load(Ordering::Relaxed), 5);
    }

    #[test]
    fn hooks_watch_only_while_a_dashboard_is_attached() {
        let hub = Arc::new(Introspect::new(true, 8));
        assert!(!hub.watching());
        let watch = hub.attach(true);
        assert!(hub.watching() && hub.payloads());
        drop(watch);
        assert!(!hub.watching() && !hub.payloads());
    }
}
