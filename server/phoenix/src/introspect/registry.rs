//! The live connections a dashboard can list, inspect and disconnect.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

use super::{Class, EventKind, Introspect};
use crate::mailbox;
use crate::socket::connection::{ConnEvent, Outbound};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One live connection as the dashboard sees it.
pub(crate) struct SocketEntry {
    pub(crate) id: String,
    pub(crate) mount: String,
    pub(crate) transport: &'static str,
    pub(crate) vsn: &'static str,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) connected_at_ms: u64,
    pub(crate) user_id: Option<String>,
    pub(crate) assigns: Arc<Map<String, Value>>,
    pub(crate) topics: Mutex<Vec<String>>,
    pub(crate) messages_in: AtomicU64,
    pub(crate) messages_out: AtomicU64,
    pub(crate) queue: tokio::sync::mpsc::WeakSender<Outbound>,
    pub(crate) events: mailbox::Sender<ConnEvent>,
}

/// What the registry needs to describe a new connection.
pub(crate) struct NewSocket {
    pub(crate) mount: String,
    pub(crate) transport: &'static str,
    pub(crate) vsn: &'static str,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) user_id: Option<String>,
    pub(crate) assigns: Arc<Map<String, Value>>,
    pub(crate) queue: tokio::sync::mpsc::WeakSender<Outbound>,
    pub(crate) events: mailbox::Sender<ConnEvent>,
}

impl SocketEntry {
    pub(crate) fn new(socket: NewSocket) -> Self {
        SocketEntry {
            id: format!("s{}", NEXT_ID.fetch_add(1, Ordering::Relaxed)),
            mount: socket.mount,
            transport: socket.transport,
            vsn: socket.vsn,
            peer: socket.peer,
            connected_at_ms: super::unix_ms(),
            user_id: socket.user_id,
            assigns: socket.assigns,
            topics: Mutex::new(Vec::new()),
            messages_in: AtomicU64::new(0),
            messages_out: AtomicU64::new(0),
            queue: socket.queue,
            events: socket.events,
        }
    }

    /// Frames waiting to be written, and the queue's capacity.
    fn queue(&self) -> (usize, usize) {
        match self.queue.upgrade() {
            Some(tx) => (tx.max_capacity() - tx.capacity(), tx.max_capacity()),
            None => (0, 0),
        }
    }

    fn topics(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.topics.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The `SOCKET` object of the protocol.
    pub(crate) fn to_json(&self) -> Value {
        let (queue, capacity) = self.queue();
        json!({
            "id": self.id,
            "socket": self.mount,
            "transport": self.transport,
            "vsn": self.vsn,
            "peer": self.peer.map(|p| p.to_string()),
            "connected_at_ms": self.connected_at_ms,
            "user_id": self.user_id,
            "assigns": *self.assigns,
            "topics": *self.topics(),
            "messages_in": self.messages_in.load(Ordering::Relaxed),
            "messages_out": self.messages_out.load(Ordering::Relaxed),
            "queue": queue,
            "queue_capacity": capacity,
        })
    }
}

/// A registered connection's link to the hub: its counters and hooks.
pub(crate) struct Probe {
    pub(crate) hub: Arc<Introspect>,
    pub(crate) entry: Arc<SocketEntry>,
}

impl Probe {
    /// A channel of this connection answered its join.
    pub(crate) fn joined(&self, topic: &str, ok: bool) {
        if ok {
            self.entry.topics().push(topic.to_string());
        }
        if self.hub.watching() {
            self.hub
                .emit(Class::Lifecycle, |_| EventKind::ChannelJoined {
                    socket_id: self.entry.id.clone(),
                    topic: topic.to_string(),
                    status: if ok { "ok" } else { "error" },
                });
        }
    }

    /// A joined channel of this connection stopped.
    pub(crate) fn left(
        &self,
        topic: &str,
        reason: &'static str,
        crashed: bool,
        detail: Option<String>,
    ) {
        {
            let mut topics = self.entry.topics();
            if let Some(at) = topics.iter().position(|t| t == topic) {
                topics.remove(at);
            }
        }
        if self.hub.watching() {
            self.hub.emit(Class::Lifecycle, |_| EventKind::ChannelLeft {
                socket_id: self.entry.id.clone(),
                topic: topic.to_string(),
                reason,
                crashed,
                detail,
            });
        }
    }
}

impl Probe {
    /// The connection ended: it leaves the registry.
    pub(crate) fn disconnected(&self) {
        self.hub.registry.remove(&self.entry.id);
        if self.hub.watching() {
            self.hub
                .emit(Class::Lifecycle, |_| EventKind::SocketDisconnected {
                    id: self.entry.id.clone(),
                });
        }
    }
}

/// The live connections, by dashboard id.
#[derive(Default)]
pub(crate) struct Registry {
    sockets: Mutex<HashMap<String, Arc<SocketEntry>>>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<SocketEntry>>> {
        self.sockets.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn insert(&self, entry: Arc<SocketEntry>) {
        self.lock().insert(entry.id.clone(), entry);
    }

    pub(crate) fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<SocketEntry>> {
        self.lock().get(id).cloned()
    }

    /// Every connection, oldest first.
    pub(crate) fn all(&self) -> Vec<Arc<SocketEntry>> {
        let mut all: Vec<_> = self.lock().values().cloned().collect();
        all.sort_by_key(|e| (e.connected_at_ms, e.id.len(), e.id.clone()));
        all
    }

    /// Sockets, joined channels, and `[id, in, out, queue]` of up to `limit` sockets.
    pub(crate) fn counts(&self, limit: usize) -> (usize, usize, Vec<Value>) {
        let entries: Vec<Arc<SocketEntry>> = self.lock().values().cloned().collect();
        let channels = entries.iter().map(|e| e.topics().len()).sum();
        let counters = entries
            .iter()
            .take(limit)
            .map(|e| {
                json!([
                    e.id,
                    e.messages_in.load(Ordering::Relaxed),
                    e.messages_out.load(Ordering::Relaxed),
                    e.queue().0
                ])
            })
            .collect();
        (entries.len(), channels, counters)
    }

    /// Asks a connection to close; false if there is none with this id.
    pub(crate) fn disconnect(&self, id: &str) -> bool {
        match self.get(id) {
            Some(entry) => entry.events.send_control(ConnEvent::Disconnect).is_ok(),
            None => false,
        }
    }
}
