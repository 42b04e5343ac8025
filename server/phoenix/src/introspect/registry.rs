//! The live connections a dashboard can list, inspect and disconnect.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use phoenix_dashboard_protocol as wire;
use serde_json::{Map, Value};

use crate::observer::{SocketConnected, SocketHandle};

/// The dashboard's id of a connection (`s7`).
pub(super) fn wire_id(id: u64) -> String {
    format!("s{id}")
}

/// The connection id of a dashboard id.
pub(super) fn parse_id(id: &str) -> Option<u64> {
    id.strip_prefix('s')?.parse().ok()
}

/// One live connection as the dashboard sees it.
pub(super) struct SocketEntry {
    handle: SocketHandle,
    mount: String,
    transport: &'static str,
    vsn: &'static str,
    peer: Option<SocketAddr>,
    connected_at_ms: u64,
    user_id: Option<String>,
    assigns: Arc<Map<String, Value>>,
    topics: Mutex<Vec<String>>,
}

impl SocketEntry {
    pub(super) fn new(event: &SocketConnected<'_>) -> Self {
        SocketEntry {
            handle: event.socket.clone(),
            mount: event.mount.to_string(),
            transport: event.transport,
            vsn: event.vsn,
            peer: event.peer,
            connected_at_ms: super::unix_ms(),
            user_id: event.user_id.map(str::to_string),
            assigns: event.assigns.clone(),
            topics: Mutex::new(Vec::new()),
        }
    }

    fn topics(&self) -> MutexGuard<'_, Vec<String>> {
        self.topics.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The `SOCKET` of the protocol, on node `node` (this one's).
    pub(super) fn info(&self, node: &str) -> wire::SocketInfo {
        wire::SocketInfo {
            id: wire_id(self.handle.id()),
            socket: self.mount.clone(),
            transport: self.transport.to_string(),
            vsn: self.vsn.to_string(),
            peer: self.peer.map(|p| p.to_string()),
            connected_at_ms: self.connected_at_ms,
            user_id: self.user_id.clone(),
            assigns: (*self.assigns).clone(),
            topics: self.topics().clone(),
            messages_in: self.handle.messages_in(),
            messages_out: self.handle.messages_out(),
            queue: self.handle.queue_len() as u64,
            queue_capacity: self.handle.queue_capacity() as u64,
            node: node.to_string(),
        }
    }

    /// Asks the connection to close.
    pub(super) fn disconnect(&self) -> bool {
        self.handle.disconnect()
    }
}

/// Gauges and totals of the registry (see [`Registry::counts`]).
pub(super) struct Counts {
    pub(super) sockets: u64,
    pub(super) channels: u64,
    /// Messages in since the start, of every socket ever registered.
    pub(super) messages_in: u64,
    /// Frames out since the start, of every socket ever registered.
    pub(super) messages_out: u64,
    pub(super) socket_counters: Vec<wire::SocketCounters>,
}

#[derive(Default)]
struct Inner {
    sockets: HashMap<u64, Arc<SocketEntry>>,
    /// Messages of sockets gone, so totals do not drop when one leaves.
    gone_in: u64,
    gone_out: u64,
}

/// The live connections, by connection id.
#[derive(Default)]
pub(super) struct Registry {
    inner: Mutex<Inner>,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn insert(&self, entry: Arc<SocketEntry>) {
        self.lock().sockets.insert(entry.handle.id(), entry);
    }

    pub(super) fn remove(&self, handle: &SocketHandle) {
        let mut inner = self.lock();
        if inner.sockets.remove(&handle.id()).is_some() {
            inner.gone_in += handle.messages_in();
            inner.gone_out += handle.messages_out();
        }
    }

    pub(super) fn len(&self) -> usize {
        self.lock().sockets.len()
    }

    pub(super) fn get(&self, id: &str) -> Option<Arc<SocketEntry>> {
        let id = parse_id(id)?;
        self.lock().sockets.get(&id).cloned()
    }

    /// A channel of connection `id` joined `topic`.
    pub(super) fn joined(&self, id: u64, topic: &str) {
        let entry = self.lock().sockets.get(&id).cloned();
        if let Some(entry) = entry {
            entry.topics().push(topic.to_string());
        }
    }

    /// A channel of connection `id` on `topic` stopped.
    pub(super) fn left(&self, id: u64, topic: &str) {
        let entry = self.lock().sockets.get(&id).cloned();
        if let Some(entry) = entry {
            let mut topics = entry.topics();
            if let Some(at) = topics.iter().position(|t| t == topic) {
                topics.remove(at);
            }
        }
    }

    /// Every connection, oldest first.
    pub(super) fn all(&self) -> Vec<Arc<SocketEntry>> {
        let mut all: Vec<_> = self.lock().sockets.values().cloned().collect();
        all.sort_by_key(|e| (e.connected_at_ms, e.handle.id()));
        all
    }

    /// Sockets, joined channels, message totals, and the counters of up to
    /// `limit` sockets.
    pub(super) fn counts(&self, limit: usize) -> Counts {
        let (entries, gone_in, gone_out) = {
            let inner = self.lock();
            let entries: Vec<Arc<SocketEntry>> = inner.sockets.values().cloned().collect();
            (entries, inner.gone_in, inner.gone_out)
        };
        let mut counts = Counts {
            sockets: entries.len() as u64,
            channels: 0,
            messages_in: gone_in,
            messages_out: gone_out,
            socket_counters: Vec::with_capacity(entries.len().min(limit)),
        };
        for (i, entry) in entries.iter().enumerate() {
            let (messages_in, messages_out) =
                (entry.handle.messages_in(), entry.handle.messages_out());
            counts.channels += entry.topics().len() as u64;
            counts.messages_in += messages_in;
            counts.messages_out += messages_out;
            if i < limit {
                counts.socket_counters.push(wire::SocketCounters {
                    id: wire_id(entry.handle.id()),
                    messages_in,
                    messages_out,
                    queue: entry.handle.queue_len() as u64,
                });
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_ids_round_trip() {
        assert_eq!(wire_id(7), "s7");
        assert_eq!(parse_id("s7"), Some(7));
        assert_eq!(parse_id("7"), None);
        assert_eq!(parse_id("sx"), None);
    }
}
