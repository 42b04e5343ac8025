//! The connection to the server's introspection socket.
//!
//! [`spawn`] starts a thread running a tokio runtime and the framework's own
//! Channels client (`phoenix-client`), joins `phoenix:dashboard`, and turns
//! what happens into [`Update`]s on a plain [`std::sync::mpsc`] channel, so
//! the GUI (or a test) can use it from any thread. The client reconnects with
//! backoff and rejoins by itself; every successful (re)join reply is a full
//! snapshot, sent as [`Update::Snapshot`].

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;
use std::sync::Arc;
use std::task::Poll;

use phoenix_client::{Channel, JoinError, Options, PushError, Socket};

/// How long the dashboard's WebSocket may take to open before it uses LongPoll.
pub const LONG_POLL_FALLBACK_MS: u64 = 2500;
use phoenix_dashboard_protocol::{
    self as protocol, BroadcastRequest, JoinParams, PayloadsRequest, Request, SocketId,
};
use serde_json::Value;
use tokio::sync::mpsc as tokio_mpsc;

use crate::model::{wire, ConnState, Update};

/// The topic of the introspection channel.
pub const TOPIC: &str = protocol::TOPIC;

/// Where and how to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// The server's base URL (`http://127.0.0.1:4000`; `ws://`, `https://`
    /// and `wss://` work too).
    pub url: String,
    /// The dashboard token of the server's config.
    pub token: String,
    /// Where the introspection socket is mounted (`/phoenix/dashboard`).
    pub path: String,
    /// Whether to ask for message and broadcast payloads.
    pub payloads: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            url: "http://127.0.0.1:4000".into(),
            token: "phoenix-dev".into(),
            path: protocol::DEFAULT_PATH.into(),
            payloads: false,
        }
    }
}

/// The GUI's side of the connection: updates to apply, and requests to make.
/// Dropping it closes the connection and ends the thread.
#[derive(Debug)]
pub struct ClientHandle {
    /// What happened, in order.
    pub updates: mpsc::Receiver<Update>,
    commands: tokio_mpsc::UnboundedSender<Request>,
}

impl ClientHandle {
    /// Sends a request; its reply arrives as an update.
    pub fn send(&self, request: Request) {
        let _ = self.commands.send(request);
    }

    /// Asks the server to disconnect socket `id` (reply: `disconnect`).
    pub fn disconnect_socket(&self, id: &str) {
        self.send(Request::Disconnect(SocketId { id: id.to_string() }));
    }

    /// Broadcasts `event` with `payload` (an object) on `topic` (reply:
    /// `broadcast`, `{"subscribers": n}`).
    pub fn broadcast(&self, topic: &str, event: &str, payload: Value) {
        self.send(Request::Broadcast(BroadcastRequest {
            topic: topic.to_string(),
            event: event.to_string(),
            payload: Some(payload),
        }));
    }

    /// Turns payload capture on or off (reply: `payloads`); kept across
    /// reconnects.
    pub fn set_payloads(&self, enabled: bool) {
        self.send(Request::Payloads(PayloadsRequest { enabled }));
    }

    /// Asks for fresh details of socket `id` (reply: `socket`, a `SOCKET`).
    pub fn request_socket(&self, id: &str) {
        self.send(Request::Socket(SocketId { id: id.to_string() }));
    }

    /// Asks for a new snapshot (arrives as [`Update::Snapshot`]).
    pub fn refresh(&self) {
        self.send(Request::Snapshot);
    }
}

/// The WebSocket endpoint for a base URL and mount path:
/// `http://h:4000` + `/phoenix/dashboard` → `ws://h:4000/phoenix/dashboard`
/// (the client adds `/websocket?vsn=2.0.0`).
pub fn endpoint_url(url: &str, path: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    let base = if let Some(rest) = url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if url.starts_with("ws://") || url.starts_with("wss://") {
        url.to_string()
    } else {
        format!("ws://{url}")
    };
    let path = path.trim().trim_matches('/');
    if path.is_empty() {
        base
    } else {
        format!("{base}/{path}")
    }
}

/// Starts the connection on its own thread; `notify` runs after updates are
/// sent (the GUI passes a repaint request).
pub fn spawn(config: ClientConfig, notify: impl Fn() + Send + Sync + 'static) -> ClientHandle {
    let (updates_tx, updates) = mpsc::channel();
    let (commands, commands_rx) = tokio_mpsc::unbounded_channel();
    let sink = Sink {
        updates: updates_tx,
        notify: Arc::new(notify),
    };
    let thread_sink = sink.clone();
    let started = std::thread::Builder::new()
        .name("dashboard-client".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(runtime) => runtime.block_on(run(config, thread_sink, commands_rx)),
                Err(e) => {
                    thread_sink.send(Update::Connection(ConnState::Disconnected(format!(
                        "cannot start the client runtime: {e}"
                    ))));
                }
            }
        });
    if let Err(e) = started {
        sink.send(Update::Connection(ConnState::Disconnected(format!(
            "cannot start the client thread: {e}"
        ))));
    }
    ClientHandle { updates, commands }
}

/// Sends updates to the GUI and wakes it.
#[derive(Clone)]
struct Sink {
    updates: mpsc::Sender<Update>,
    notify: Arc<dyn Fn() + Send + Sync>,
}

impl Sink {
    /// Sends; false once the receiving side is gone.
    fn send(&self, update: Update) -> bool {
        let sent = self.updates.send(update).is_ok();
        if sent {
            (self.notify)();
        }
        sent
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

fn push_error_text(error: &PushError) -> String {
    match error {
        PushError::Error(_, response) => wire::reason_of(response),
        PushError::Timeout => "timed out".into(),
        PushError::Closed => "not connected".into(),
        PushError::Json(e) => format!("bad JSON: {e}"),
    }
}

/// A join attempt: resolves with the next reply to the channel's join (the
/// first join, then every rejoin after an error or a reconnect).
fn next_join(channel: &Channel) -> BoxFuture<Result<Value, JoinError>> {
    let channel = channel.clone();
    Box::pin(async move { channel.join().await })
}

/// The join attempt, if any (never resolves when there is none).
async fn pending_join(
    join: &mut Option<BoxFuture<Result<Value, JoinError>>>,
) -> Result<Value, JoinError> {
    match join.as_mut() {
        Some(join) => join.await,
        None => std::future::pending().await,
    }
}

/// A request and the update its reply becomes.
fn request(channel: &Channel, request: Request) -> BoxFuture<Update> {
    let channel = channel.clone();
    Box::pin(async move {
        let kind = request.kind();
        let result = channel.push(kind.event(), request.payload()).await;
        wire::reply(kind, result.map_err(|e| push_error_text(&e)))
    })
}

/// Polls every pending request; resolves with the first reply.
fn next_reply(pending: &mut Vec<BoxFuture<Update>>) -> impl Future<Output = Update> + '_ {
    std::future::poll_fn(move |cx| {
        for i in 0..pending.len() {
            if let Poll::Ready(update) = pending[i].as_mut().poll(cx) {
                drop(pending.swap_remove(i));
                return Poll::Ready(update);
            }
        }
        Poll::Pending
    })
}

/// The connection's life: one task, so updates keep the order in which the
/// client delivered them (a snapshot before the events that follow it).
///
/// The socket falls back to LongPoll when its WebSocket has not opened and
/// answered within [`LONG_POLL_FALLBACK_MS`].
async fn run(
    config: ClientConfig,
    sink: Sink,
    mut commands: tokio_mpsc::UnboundedReceiver<Request>,
) {
    let endpoint = endpoint_url(&config.url, &config.path);
    sink.send(Update::Connection(ConnState::Connecting));
    // Where WebSockets are blocked (a proxy that refuses upgrades), the
    // dashboard goes on over LongPoll, as phoenix.js does.
    let options = Options {
        long_poll_fallback_ms: Some(LONG_POLL_FALLBACK_MS),
        ..Options::default()
    };
    let socket = Socket::new(&endpoint, options);
    let mut states = socket.states();
    let params = JoinParams {
        token: config.token.clone(),
        payloads: config.payloads,
    };
    let channel = socket.channel(TOPIC, serde_json::to_value(params).unwrap_or(Value::Null));
    let mut events = channel.events();
    socket.connect();

    // The first join waits for the socket to open: a join sent earlier is
    // sent again by the client on open, and the server sees two joins.
    let mut join: Option<BoxFuture<Result<Value, JoinError>>> = None;
    let mut pending: Vec<BoxFuture<Update>> = Vec::new();
    // The join params carry the initial payloads setting; a later change is
    // pushed again after each rejoin.
    let mut payloads = config.payloads;
    // The states stream starts with the current state (closed).
    let mut first_state = true;
    let mut open = false;
    let mut ever_open = false;
    let mut last_state: Option<ConnState> = None;
    let report = |state: ConnState, last: &mut Option<ConnState>| -> bool {
        if last.as_ref() == Some(&state) {
            return true;
        }
        *last = Some(state.clone());
        sink.send(Update::Connection(state))
    };

    loop {
        tokio::select! {
            biased;
            result = pending_join(&mut join) => {
                join = Some(next_join(&channel));
                let alive = match result {
                    Ok(snapshot) => {
                        if payloads != config.payloads {
                            let enabled = PayloadsRequest { enabled: payloads };
                            pending.push(request(&channel, Request::Payloads(enabled)));
                        }
                        match wire::snapshot(snapshot) {
                            Ok(update) => {
                                report(ConnState::Joined, &mut last_state) && sink.send(update)
                            }
                            Err(e) => report(ConnState::Disconnected(e), &mut last_state),
                        }
                    }
                    Err(JoinError::Refused(response)) => {
                        report(ConnState::Refused(wire::reason_of(&response)), &mut last_state)
                    }
                    // Before the socket opens, the state already says why.
                    Err(JoinError::Timeout) if !open => true,
                    Err(JoinError::Timeout) => report(
                        ConnState::Disconnected("join timed out, retrying".into()),
                        &mut last_state,
                    ),
                    Err(JoinError::Closed) => break,
                };
                if !alive {
                    break;
                }
            }
            update = next_reply(&mut pending) => {
                if !sink.send(update) {
                    break;
                }
            }
            event = events.recv() => {
                let Ok(event) = event else { break };
                let payload = event.payload.as_json().cloned().unwrap_or(Value::Null);
                let alive = match event.event.as_str() {
                    "phx_close" => report(
                        ConnState::Disconnected("the server closed the dashboard channel".into()),
                        &mut last_state,
                    ),
                    other => match wire::push(other, payload) {
                        Some(update) => sink.send(update),
                        None => true, // phx_error: the states stream tells the story
                    },
                };
                if !alive {
                    break;
                }
            }
            state = states.recv() => {
                let Ok(now_open) = state else { break };
                let initial = std::mem::replace(&mut first_state, false);
                if initial && !now_open {
                    continue;
                }
                let alive = if now_open && !open {
                    ever_open = true;
                    if join.is_none() {
                        join = Some(next_join(&channel));
                    }
                    report(ConnState::Connected, &mut last_state)
                } else if !now_open && (open || !ever_open) {
                    let reason = if open {
                        "connection closed".to_string()
                    } else {
                        format!("cannot connect to {endpoint}")
                    };
                    report(ConnState::Disconnected(reason), &mut last_state)
                } else {
                    true
                };
                open = now_open;
                if !alive {
                    break;
                }
            }
            command = commands.recv() => {
                let Some(command) = command else { break };
                if let Request::Payloads(request) = &command {
                    payloads = request.enabled;
                }
                pending.push(request(&channel, command));
            }
        }
    }
    socket.disconnect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn endpoints_use_websocket_schemes() {
        assert_eq!(
            endpoint_url("http://127.0.0.1:4000", "/phoenix/dashboard"),
            "ws://127.0.0.1:4000/phoenix/dashboard"
        );
        assert_eq!(
            endpoint_url("https://example.com/", "phoenix/dashboard/"),
            "wss://example.com/phoenix/dashboard"
        );
        assert_eq!(endpoint_url("ws://h:1", "/x"), "ws://h:1/x");
        assert_eq!(endpoint_url("wss://h", ""), "wss://h");
        assert_eq!(
            endpoint_url("localhost:4000", "/d"),
            "ws://localhost:4000/d"
        );
    }

    #[test]
    fn an_unreachable_server_reports_connecting_then_disconnected() {
        // Port 9 (discard) on localhost: nothing listens, connections fail fast.
        let handle = spawn(
            ClientConfig {
                url: "http://127.0.0.1:9".into(),
                ..ClientConfig::default()
            },
            || (),
        );
        let first = handle
            .updates
            .recv_timeout(Duration::from_secs(5))
            .expect("an update");
        assert_eq!(first, Update::Connection(ConnState::Connecting));
        let second = handle
            .updates
            .recv_timeout(Duration::from_secs(10))
            .expect("an update");
        match second {
            Update::Connection(ConnState::Disconnected(reason)) => {
                assert!(
                    reason.contains("ws://127.0.0.1:9/phoenix/dashboard"),
                    "{reason}"
                )
            }
            other => panic!("unexpected {other:?}"),
        }
        // Retries do not repeat the same state.
        assert!(handle
            .updates
            .recv_timeout(Duration::from_millis(300))
            .is_err());
    }
}
