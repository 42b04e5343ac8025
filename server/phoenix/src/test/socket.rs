//! Channel tests over a real socket (Phoenix's `ChannelTest`).
//!
//! [`TestServer`] serves an endpoint on a free port of 127.0.0.1;
//! [`SocketClient`] connects to one of its sockets over WebSocket (V2 JSON)
//! and joins, pushes and receives like a browser would. Every wait has a
//! timeout (5 s by default) and a lost message fails the test by name.
//!
//! ```ignore
//! let server = TestServer::start(endpoint).await;
//! let mut alice = server.socket("/socket", &[("user", "alice")]).await;
//! alice.join("room:lobby", json!({})).await.assert_ok();
//! alice.push("room:lobby", "shout", json!({ "body": "hi" })).await;
//! assert_eq!(alice.receive("room:lobby", "shout").await["body"], "hi");
//! ```

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use poem::listener::{Acceptor, Listener, TcpListener};
use serde::Serialize;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::endpoint::Endpoint;

/// An endpoint served on 127.0.0.1 on a free port; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Starts serving `endpoint`.
    pub async fn start(endpoint: Endpoint) -> TestServer {
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("a free port on 127.0.0.1");
        let addr = acceptor
            .local_addr()
            .into_iter()
            .find_map(|a| a.0.as_socket_addr().copied())
            .expect("a socket address");
        let task = tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor)
                .run(endpoint)
                .await;
        });
        TestServer { addr, task }
    }

    /// The address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Connects to the socket mounted at `path` with connect params; panics
    /// (failing the test) if the socket refuses.
    pub async fn socket(&self, path: &str, params: &[(&str, &str)]) -> SocketClient {
        match self.try_socket(path, params).await {
            Ok(client) => client,
            Err(err) => panic!("connecting to the socket at {path}: {err}"),
        }
    }

    /// Connects to the socket mounted at `path`, or says why it could not.
    pub async fn try_socket(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<SocketClient, String> {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("vsn", "2.0.0");
        for (key, value) in params {
            query.append_pair(key, value);
        }
        let url = format!(
            "ws://{}{}/websocket?{}",
            self.addr,
            path.trim_end_matches('/'),
            query.finish()
        );
        let connect = tokio_tungstenite::connect_async(url.as_str());
        let (ws, _) = tokio::time::timeout(Duration::from_secs(5), connect)
            .await
            .map_err(|_| format!("no answer from {url} within 5 s"))?
            .map_err(|e| format!("{url}: {e}"))?;
        Ok(SocketClient {
            ws,
            next_ref: 0,
            inbox: VecDeque::new(),
            timeout: Duration::from_secs(5),
            joins: Vec::new(),
        })
    }
}

/// A message the server pushed or broadcast to a joined topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Pushed {
    /// The topic.
    pub topic: String,
    /// The event.
    pub event: String,
    /// The payload.
    pub payload: Value,
}

/// The server's answer to a join, a leave or a pushed event.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelReply {
    /// `ok` or `error`.
    pub status: String,
    /// The reply's payload.
    pub response: Value,
}

impl ChannelReply {
    /// Fails the test unless the status is `ok`.
    #[track_caller]
    pub fn assert_ok(&self) {
        assert_eq!(
            self.status, "ok",
            "expected an ok reply, got {}: {}",
            self.status, self.response
        );
    }
}

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A connection to a socket, speaking V2 JSON like phoenix.js.
pub struct SocketClient {
    ws: Ws,
    next_ref: u64,
    inbox: VecDeque<Value>,
    timeout: Duration,
    joins: Vec<(String, String)>,
}

impl SocketClient {
    /// How long each wait lasts before failing the test (default 5 s).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    fn join_ref(&self, topic: &str) -> Value {
        self.joins
            .iter()
            .find(|(t, _)| t == topic)
            .map(|(_, r)| Value::String(r.clone()))
            .unwrap_or(Value::Null)
    }

    async fn send(&mut self, topic: &str, event: &str, payload: Value, join_ref: Value) -> String {
        self.next_ref += 1;
        let reference = self.next_ref.to_string();
        let frame = json!([join_ref, reference, topic, event, payload]).to_string();
        self.ws
            .send(Frame::text(frame))
            .await
            .unwrap_or_else(|e| panic!("sending {event} on {topic}: {e}"));
        reference
    }

    /// The next frame from the server, or `None` at the deadline.
    async fn next_frame(&mut self, deadline: tokio::time::Instant) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()?;
            match frame {
                Some(Ok(Frame::Text(text))) => {
                    if let Ok(value) = serde_json::from_str::<Value>(&text) {
                        return Some(value);
                    }
                }
                Some(Ok(Frame::Close(close))) => {
                    panic!("the server closed the socket: {close:?}")
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("the socket failed: {e}"),
                None => panic!("the server closed the socket"),
            }
        }
    }

    async fn reply_to(&mut self, reference: &str, what: &str) -> ChannelReply {
        let is_reply = |frame: &Value| frame[3] == "phx_reply" && frame[1] == reference;
        let as_reply = |frame: Value| ChannelReply {
            status: frame[4]["status"].as_str().unwrap_or_default().to_string(),
            response: frame[4]["response"].clone(),
        };
        // A reply that came while waiting for another one is kept.
        if let Some(at) = self.inbox.iter().position(is_reply) {
            if let Some(frame) = self.inbox.remove(at) {
                return as_reply(frame);
            }
        }
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let Some(frame) = self.next_frame(deadline).await else {
                panic!("no reply to {what} within {:?}", self.timeout);
            };
            if is_reply(&frame) {
                return as_reply(frame);
            }
            self.inbox.push_back(frame);
        }
    }

    /// Joins a topic and waits for the reply.
    pub async fn join(&mut self, topic: &str, payload: impl Serialize) -> ChannelReply {
        let payload = serde_json::to_value(payload).unwrap_or(Value::Null);
        self.next_ref += 1;
        let join_ref = self.next_ref.to_string();
        self.next_ref -= 1;
        self.joins.retain(|(t, _)| t != topic);
        self.joins.push((topic.to_string(), join_ref.clone()));
        let reference = self
            .send(topic, "phx_join", payload, Value::String(join_ref))
            .await;
        self.reply_to(&reference, &format!("the join of {topic}"))
            .await
    }

    /// Pushes an event without waiting for anything; its ref.
    pub async fn push(&mut self, topic: &str, event: &str, payload: impl Serialize) -> String {
        let payload = serde_json::to_value(payload).unwrap_or(Value::Null);
        let join_ref = self.join_ref(topic);
        self.send(topic, event, payload, join_ref).await
    }

    /// Pushes an event and waits for the channel's reply.
    pub async fn call(
        &mut self,
        topic: &str,
        event: &str,
        payload: impl Serialize,
    ) -> ChannelReply {
        let reference = self.push(topic, event, payload).await;
        self.reply_to(&reference, &format!("{event} on {topic}"))
            .await
    }

    /// Waits for the reply to a message sent with [`SocketClient::push`]
    /// (its ref), keeping other messages for later.
    pub async fn reply(&mut self, reference: &str) -> ChannelReply {
        self.reply_to(reference, &format!("the message with ref {reference}"))
            .await
    }

    /// Leaves a topic and waits for the reply.
    pub async fn leave(&mut self, topic: &str) -> ChannelReply {
        let reply = self.call(topic, "phx_leave", json!({})).await;
        self.joins.retain(|(t, _)| t != topic);
        reply
    }

    fn take_buffered(&mut self, topic: &str, event: &str) -> Option<Value> {
        let at = self
            .inbox
            .iter()
            .position(|f| f[2] == topic && f[3] == event)?;
        self.inbox.remove(at).map(|f| f[4].clone())
    }

    /// Waits for the next `event` pushed or broadcast on `topic`, keeping
    /// other messages for later; fails the test after the timeout.
    pub async fn receive(&mut self, topic: &str, event: &str) -> Value {
        if let Some(payload) = self.take_buffered(topic, event) {
            return payload;
        }
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let Some(frame) = self.next_frame(deadline).await else {
                let seen: Vec<String> = self
                    .inbox
                    .iter()
                    .map(|f| format!("{} on {}", f[3], f[2]))
                    .collect();
                panic!(
                    "no {event} on {topic} within {:?} (received meanwhile: {})",
                    self.timeout,
                    if seen.is_empty() {
                        "nothing".to_string()
                    } else {
                        seen.join(", ")
                    }
                );
            };
            if frame[2] == topic && frame[3] == event {
                return frame[4].clone();
            }
            self.inbox.push_back(frame);
        }
    }

    /// Fails the test if `event` arrives on `topic` within `within`.
    pub async fn refute_receive(&mut self, topic: &str, event: &str, within: Duration) {
        if let Some(payload) = self.take_buffered(topic, event) {
            panic!("unexpected {event} on {topic}: {payload}");
        }
        let deadline = tokio::time::Instant::now() + within;
        while let Some(frame) = self.next_frame(deadline).await {
            if frame[2] == topic && frame[3] == event {
                panic!("unexpected {event} on {topic}: {}", frame[4]);
            }
            self.inbox.push_back(frame);
        }
    }

    /// Every message received but not yet taken, oldest first.
    pub fn buffered(&self) -> Vec<Pushed> {
        self.inbox
            .iter()
            .map(|f| Pushed {
                topic: f[2].as_str().unwrap_or_default().to_string(),
                event: f[3].as_str().unwrap_or_default().to_string(),
                payload: f[4].clone(),
            })
            .collect()
    }
}
