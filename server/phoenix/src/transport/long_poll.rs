//! The LongPoll transport: `<mount>/longpoll` (spec section 7).
//!
//! A session is created by a GET without a valid token (answered
//! `{"status":410,"token":T}`); clients then POST frames (ndjson) and GET the
//! frames waiting for them, a GET being held up to `window` when there are
//! none. Every answer is HTTP 200 with the logical status in the body. A
//! session without GETs for 1.5 × `window` ends and its channels stop.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use futures_util::future::BoxFuture;
use phoenix_protocol::Frame;
use poem::http::{Method, StatusCode};
use rand::RngCore;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Mutex as AsyncMutex};

use crate::conn::Conn;
use crate::error::Result;
use crate::mailbox;
use crate::plug::Plug;
use crate::socket::connection::{Connection, Control, Outbound, Outbox};
use crate::socket::Mount;
use crate::transport::{authorize, Accepted};

/// Lines of an ndjson POST that are processed (Phoenix: 100).
const MAX_LINES: usize = 100;

struct Session {
    inbound: mpsc::Sender<Frame>,
    outbound: AsyncMutex<mailbox::Receiver<Outbound>>,
    last_poll: Mutex<Instant>,
}

type Sessions = Arc<Mutex<HashMap<String, Arc<Session>>>>;

/// The route that serves `<mount>/longpoll`.
pub struct LongPollRoute {
    mount: Mount,
    sessions: Sessions,
    window: Duration,
    /// The warning of sessions refused over `limits.max_long_poll_sessions`.
    full: crate::limits::Throttled,
}

impl LongPollRoute {
    /// A route for a mounted socket.
    pub fn new(mount: Mount) -> Self {
        let window = mount.limits.long_poll_window;
        LongPollRoute {
            mount,
            sessions: Arc::new(Mutex::new(HashMap::new())),
            window,
            full: crate::limits::Throttled::default(),
        }
    }

    fn session(&self, token: Option<&str>) -> Option<Arc<Session>> {
        let token = token?;
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)
            .cloned()
    }
}

fn answer(conn: Conn, body: Value) -> Result<Conn> {
    conn.put_resp_header("cache-control", "no-store")
        .put_resp_header("access-control-allow-origin", "*")
        .put_resp_content_type("application/json")
        .send_resp(StatusCode::OK, body.to_string())
        .map(Conn::halt)
}

fn token_of(conn: &Conn) -> Option<String> {
    conn.req_header("x-phoenix-longpoll-token")
        .map(str::to_string)
        .or_else(|| conn.query_params().get_str("token").map(str::to_string))
}

impl Plug for LongPollRoute {
    fn call(&self, conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        Box::pin(async move {
            match *conn.method() {
                Method::GET => self.get(conn).await,
                Method::POST => self.post(conn).await,
                Method::OPTIONS => {
                    let allow = conn
                        .req_header("access-control-request-headers")
                        .unwrap_or("")
                        .to_string();
                    conn.put_resp_header("access-control-allow-origin", "*")
                        .put_resp_header("access-control-allow-headers", allow)
                        .put_resp_header("access-control-allow-methods", "get, post, options")
                        .put_resp_header("access-control-max-age", "3600")
                        .send_resp(StatusCode::OK, "")
                        .map(Conn::halt)
                }
                _ => conn.send_resp(StatusCode::BAD_REQUEST, "").map(Conn::halt),
            }
        })
    }
}

impl LongPollRoute {
    async fn get(&self, conn: Conn) -> Result<Conn> {
        let token = token_of(&conn);
        let Some(session) = self.session(token.as_deref()) else {
            return self.open(conn).await;
        };
        *session.last_poll.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        let token = token.unwrap_or_default();
        let mut outbound = session.outbound.lock().await;
        let mut messages = Vec::new();
        let mut closed = false;
        let received = tokio::select! {
            received = tokio::time::timeout(self.window, outbound.recv()) => received.ok(),
            () = conn.app().shutting_down() => None,
        };
        match received {
            Some(Some(first)) => {
                closed |= push(&mut messages, first);
                while let Some(next) = outbound.try_recv() {
                    closed |= push(&mut messages, next);
                }
            }
            Some(None) => closed = true,
            None => {}
        }
        drop(outbound);
        *session.last_poll.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        if closed && messages.is_empty() {
            self.sessions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&token);
            return self.open(conn).await;
        }
        let status = if messages.is_empty() { 204 } else { 200 };
        answer(
            conn,
            json!({ "status": status, "token": token, "messages": messages }),
        )
    }

    /// Creates a session: `{"status":410,"token":T}` or `{"status":403}`.
    async fn open(&self, conn: Conn) -> Result<Conn> {
        let max = conn
            .app()
            .config
            .as_ref()
            .map_or(usize::MAX, |c| c.limits.max_long_poll_sessions);
        let open = self
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len();
        if open >= max {
            self.full.warn(|held_back| {
                tracing::warn!(
                    socket = %self.mount.name,
                    held_back,
                    "LongPoll session refused with 503: {open} sessions open, \
                     `limits.max_long_poll_sessions`"
                );
            });
            return answer(conn, json!({ "status": 503 }));
        }
        let auth_token = conn.req_header("x-phoenix-authtoken").map(str::to_string);
        let accepted = match authorize(&self.mount, &conn, auth_token).await {
            Ok(accepted) => accepted,
            // 403 (origin, vsn, the socket's `connect`), or 503 and 429 (limits).
            Err(status) => return answer(conn, json!({ "status": status.as_u16() })),
        };
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let app = conn.app().clone();
        let session = start(
            self.mount.clone(),
            accepted,
            app,
            self.sessions.clone(),
            token.clone(),
            self.window,
        );
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token.clone(), session);
        answer(
            conn,
            json!({ "status": 410, "token": token, "messages": [] }),
        )
    }

    async fn post(&self, mut conn: Conn) -> Result<Conn> {
        let Some(session) = self.session(token_of(&conn).as_deref()) else {
            return answer(conn, json!({ "status": 410 }));
        };
        let ndjson = conn
            .req_header("content-type")
            .is_some_and(|ct| ct.split(';').next().unwrap_or("").trim() == "application/x-ndjson");
        let body = if conn.body_params().is_empty() {
            let limit = self.mount.limits.max_frame_size;
            let bytes = match conn.request_mut().take_body().into_bytes_limit(limit).await {
                Ok(bytes) => bytes,
                Err(poem::error::ReadBodyError::PayloadTooLarge) => {
                    tracing::warn!(
                        socket = %self.mount.name,
                        "LongPoll message refused: over {limit} bytes (`max_frame_size`)"
                    );
                    return answer(conn, json!({ "status": 413 }));
                }
                Err(err) => {
                    tracing::info!(socket = %self.mount.name, "LongPoll body unreadable: {err}");
                    return answer(conn, json!({ "status": 400 }));
                }
            };
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            // A JSON body was already parsed into params: the V1 object itself.
            let params = conn.body_params();
            params
                .get("_json")
                .cloned()
                .unwrap_or_else(|| Value::Object(params.as_map().clone()))
                .to_string()
        };
        for frame in frames_of(body, ndjson) {
            if tokio::time::timeout(self.window, session.inbound.send(frame))
                .await
                .is_err()
            {
                return answer(conn, json!({ "status": 408 }));
            }
        }
        answer(conn, json!({ "status": 200 }))
    }
}

/// The frames of a POST body: one text frame, or with `ndjson` up to
/// [`MAX_LINES`] non-empty lines, each a JSON text frame (`[...`) or a
/// base64 binary frame (lines that are neither are skipped).
pub(crate) fn frames_of(body: String, ndjson: bool) -> Vec<Frame> {
    if !ndjson {
        return vec![Frame::Text(body)];
    }
    body.lines()
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.is_empty())
        .take(MAX_LINES)
        .filter_map(|line| {
            if line.starts_with('[') {
                Some(Frame::Text(line.to_string()))
            } else {
                STANDARD.decode(line).ok().map(Frame::Binary)
            }
        })
        .collect()
}

/// Adds a frame to a GET's messages; true if it closes the session.
fn push(messages: &mut Vec<String>, item: Outbound) -> bool {
    match item {
        Outbound::Frame(frame) => {
            match frame.as_ref() {
                Frame::Text(text) => messages.push(text.clone()),
                Frame::Binary(_) => {
                    tracing::warn!("a binary frame cannot be sent over LongPoll; dropped")
                }
            }
            false
        }
        Outbound::Close(..) => true,
    }
}

/// Starts a session's connection task.
fn start(
    mount: Mount,
    accepted: Accepted,
    app: Arc<crate::app::App>,
    sessions: Sessions,
    token: String,
    window: Duration,
) -> Arc<Session> {
    let (outbox, outbound) = Outbox::new(mount.limits.outbound_queue);
    let (inbound, mut inbound_rx) = mpsc::channel::<Frame>(MAX_LINES);
    let session = Arc::new(Session {
        inbound,
        outbound: AsyncMutex::new(outbound),
        last_poll: Mutex::new(Instant::now()),
    });
    let (mut connection, mut events) =
        Connection::open(mount, accepted, "longpoll", &app, outbox.clone());
    let inactive_after = window + window / 2;
    let watched = session.clone();
    tokio::spawn(async move {
        let mut check = tokio::time::interval(inactive_after / 3);
        loop {
            tokio::select! {
                Some(frame) = inbound_rx.recv() => {
                    if let Err(err) = connection.handle_frame(&frame) {
                        tracing::info!("closing a LongPoll session after a protocol error: {err}");
                        break;
                    }
                }
                Some(event) = events.recv() => {
                    if connection.handle_event(event) == Control::Disconnect {
                        break;
                    }
                }
                () = outbox.overflowed() => {
                    tracing::warn!("closing a LongPoll session whose client does not poll fast enough");
                    break;
                }
                _ = check.tick() => {
                    let last = *watched.last_poll.lock().unwrap_or_else(|e| e.into_inner());
                    let polling = watched.outbound.try_lock().is_err();
                    if !polling && last.elapsed() > inactive_after {
                        break;
                    }
                }
            }
        }
        sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&token);
        connection.shutdown();
        outbox.close(1000, "session ended");
    });
    session
}
