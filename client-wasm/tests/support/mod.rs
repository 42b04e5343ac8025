//! What the native tests share: the demo server on a free (or given) port of
//! 127.0.0.1, sockets of a user, and waits that fail with a name.
#![allow(dead_code)] // each test file uses its own part

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::StreamExt;
use phoenix::prelude::Config;
use phoenix::pubsub::PubSub;
use phoenix_client::{Event, Options, Socket};
use phoenix_protocol::Payload;
use serde_json::json;
use tokio::sync::oneshot;

/// A running demo server; dropping it shuts it down.
pub struct Server {
    pub addr: SocketAddr,
    /// The server's PubSub, to broadcast from the test.
    pub pubsub: PubSub,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the demo (test environment) on `port` (0: any free port).
pub async fn serve(port: u16) -> Server {
    let mut config = Config::load_env(demo::app_root(), "test").unwrap();
    config.http.port = port;
    // A database of this server's own.
    config.database.url = "sqlite::memory:".into();
    let endpoint = demo::endpoint(config).await.expect("the demo starts");
    let pubsub = endpoint.pubsub().clone();
    // A restarted server waits until the old one has let go of the port.
    let mut tries = 0;
    let listening = loop {
        match endpoint.clone().listen().await {
            Ok(listening) => break listening,
            Err(err) if tries < 300 => {
                tries += 1;
                let _ = err;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(err) => panic!("cannot bind port {port}: {err}"),
        }
    };
    let addr = listening.http_addr;
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(listening.run(async {
        let _ = stopped.await;
    }));
    Server {
        addr,
        pubsub,
        stop: Some(stop),
    }
}

/// A connected socket of `user` at `addr`, with the default options.
pub fn socket(addr: SocketAddr, user: &str) -> Socket {
    socket_with(addr, user, Options::default())
}

/// A connected socket of `user` at `addr`, with `options`.
pub fn socket_with(addr: SocketAddr, user: &str, mut options: Options) -> Socket {
    options.params.insert("user".into(), json!(user));
    let socket = Socket::new(&format!("ws://{addr}/socket"), options);
    socket.connect();
    socket
}

/// `future`'s output, or a panic naming `what` after `secs` seconds.
pub async fn within<T>(secs: u64, what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), future)
        .await
        .unwrap_or_else(|_| panic!("timed out after {secs} s waiting for {what}"))
}

/// The payload of the next `name` event (10 s at most).
pub async fn next_event(
    events: &mut futures_channel::mpsc::UnboundedReceiver<Event>,
    name: &str,
) -> Payload {
    within(10, &format!("a {name} event"), async {
        loop {
            let event = events.next().await.expect("events");
            if event.event == name {
                return event.payload;
            }
        }
    })
    .await
}

/// Waits (10 s at most) until the socket's state is `open`.
pub async fn until_state(states: &mut futures_channel::mpsc::UnboundedReceiver<bool>, open: bool) {
    let what = if open {
        "the socket to open"
    } else {
        "the socket to close"
    };
    within(10, what, async {
        while states.next().await.expect("states") != open {}
    })
    .await
}
