//! A raw WebSocket client speaking the Channels wire format, for tests.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// One test client.
pub struct Ws {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a connection attempt ended.
pub enum Connect {
    Open(Box<Ws>),
    Refused(u16),
}

/// Connects to `ws://addr{path_and_query}` with extra headers.
pub async fn try_connect(
    addr: SocketAddr,
    path_and_query: &str,
    headers: &[(&str, &str)],
) -> Connect {
    let mut request = format!("ws://{addr}{path_and_query}")
        .into_client_request()
        .unwrap();
    for (name, value) in headers {
        let name =
            tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
        request.headers_mut().insert(name, value.parse().unwrap());
    }
    // Without Nagle, as browsers send: small frames go at once.
    match tokio_tungstenite::connect_async_with_config(request, None, true).await {
        Ok((stream, _)) => Connect::Open(Box::new(Ws { stream })),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Connect::Refused(response.status().as_u16())
        }
        Err(err) => panic!("connect failed: {err}"),
    }
}

impl Ws {
    /// Wraps a stream opened by `tokio_tungstenite::connect_async`.
    pub fn from_stream(stream: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Ws {
        Ws { stream }
    }
}

/// Connects with V2 and the given user.
pub async fn connect(addr: SocketAddr, user: &str) -> Ws {
    match try_connect(
        addr,
        &format!("/socket/websocket?vsn=2.0.0&user={user}"),
        &[],
    )
    .await
    {
        Connect::Open(ws) => *ws,
        Connect::Refused(status) => panic!("refused with {status}"),
    }
}

const WAIT: Duration = Duration::from_secs(5);

impl Ws {
    /// Sends a text frame.
    pub async fn send(&mut self, text: &str) {
        self.stream.send(Message::text(text)).await.unwrap();
    }

    /// Sends a V2 frame built from JSON values.
    pub async fn push(&mut self, frame: Value) {
        self.send(&frame.to_string()).await;
    }

    /// Sends a binary frame.
    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.stream.send(Message::binary(bytes)).await.unwrap();
    }

    /// The next data frame or close, within 5 s.
    pub async fn next(&mut self) -> Message {
        loop {
            let message = tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("a frame within 5 s")
                .expect("the connection is open")
                .expect("a valid frame");
            match message {
                Message::Ping(_) | Message::Pong(_) => continue,
                other => return other,
            }
        }
    }

    /// The next text frame, parsed as JSON.
    pub async fn recv(&mut self) -> Value {
        match self.next().await {
            Message::Text(text) => serde_json::from_str(&text).unwrap(),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// Joins a topic with join_ref = ref = `r`, expecting the reply.
    pub async fn join(&mut self, topic: &str, r: &str) -> Value {
        self.push(serde_json::json!([r, r, topic, "phx_join", {}]))
            .await;
        self.recv().await
    }

    /// The next message of any kind; `None` once the connection is gone.
    pub async fn next_raw(&mut self) -> Option<Message> {
        match self.stream.next().await {
            Some(Ok(message)) => Some(message),
            _ => None,
        }
    }

    /// The next text frame as JSON, or `None` if none comes within `wait`.
    pub async fn recv_within(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(wait, self.stream.next())
                .await
                .ok()??
                .ok()?;
            match message {
                Message::Text(text) => return serde_json::from_str(&text).ok(),
                Message::Ping(_) | Message::Pong(_) => continue,
                _ => return None,
            }
        }
    }

    /// Proves that nothing was sent to this client before now: pushes `ping`
    /// on a joined `topic` and asserts that the very next frame is its reply
    /// (a frame queued earlier would come first).
    pub async fn assert_next_is_reply_to(&mut self, topic: &str, join_ref: &str, msg_ref: &str) {
        self.push(serde_json::json!([join_ref, msg_ref, topic, "ping", {"probe": msg_ref}]))
            .await;
        let next = self.recv().await;
        assert_eq!(
            next,
            serde_json::json!([join_ref, msg_ref, topic, "phx_reply",
                {"status": "ok", "response": {"probe": msg_ref}}]),
            "an unexpected frame came before the reply to ping {msg_ref}"
        );
    }

    /// Waits for the server to close; returns the close code.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(WAIT, self.stream.next())
                .await
                .expect("closed within 5 s")
            {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Closes from the client side.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
