//! What the dashboard's integration tests share: a demo server with the
//! dashboard on, chat users, page views.

#![allow(dead_code)]

use std::net::SocketAddr;

use phoenix::prelude::Config;
use phoenix_client::{Options, Socket};
use serde_json::{Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

/// The PubSub node name of the test servers.
pub const NODE: &str = "node-a";

/// A demo server (test environment, dashboard on with `token`, PubSub node
/// [`NODE`]); stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the demo on 127.0.0.1:`port` (0: any free port).
pub async fn serve(port: u16, token: &str) -> Server {
    let mut config = Config::load_env(demo::app_root(), "test").expect("test config");
    config.http.port = port;
    config.dashboard.enabled = Some(true);
    config.dashboard.token = Some(token.into());
    config.pubsub.node = Some(NODE.into());
    // A database of this server's own.
    config.database.url = "sqlite::memory:".into();
    let listening = demo::endpoint(config)
        .await
        .expect("the demo starts")
        .listen()
        .await
        .expect("binds");
    let addr = listening.http_addr;
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(listening.run(async {
        let _ = stopped.await;
    }));
    Server {
        addr,
        stop: Some(stop),
    }
}

/// A chat user's socket (the demo's `UserSocket` takes `user`), connecting.
pub fn user_socket(addr: SocketAddr, user: &str) -> Socket {
    let mut params = Map::new();
    params.insert("user".into(), Value::String(user.into()));
    let socket = Socket::new(
        &format!("ws://{addr}/socket"),
        Options {
            params,
            ..Options::default()
        },
    );
    socket.connect();
    socket
}

/// GETs `path`; the status code, 0 if the request failed.
pub async fn http_get(addr: SocketAddr, path: &str) -> u16 {
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else {
        return 0;
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return 0;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response).await;
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A proxy in front of `upstream` that refuses every WebSocket upgrade
/// (403, as a corporate proxy might) and relays everything else.
pub async fn refusing_websockets(upstream: SocketAddr) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(relay(client, upstream));
        }
    });
    addr
}

async fn relay(mut client: tokio::net::TcpStream, upstream: SocketAddr) {
    // One request per connection: the head tells whether it is an upgrade.
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
    if text.contains("upgrade: websocket") {
        let refusal = b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let _ = client.write_all(refusal).await;
        return;
    }
    let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
        return;
    };
    if server.write_all(&head).await.is_ok() {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}
