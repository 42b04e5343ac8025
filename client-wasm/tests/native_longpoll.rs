//! The native client over LongPoll against the demo server on 127.0.0.1:
//! join, push and reply, broadcasts with a WebSocket client, presence, a
//! server restart, and the fallback from a WebSocket that is refused or mute
//! (behind a small proxy in front of the demo).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use phoenix_client::presence::Tracker;
use phoenix_client::{Options, PushError, Transport};
use phoenix_protocol::Payload;
use serde_json::json;
use support::{next_event, serve, socket, socket_with, until_state, within};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

fn long_poll() -> Options {
    Options {
        transport: Transport::LongPoll,
        ..Options::default()
    }
}

fn with_fallback(ms: u64) -> Options {
    Options {
        long_poll_fallback_ms: Some(ms),
        ..Options::default()
    }
}

#[tokio::test]
async fn longpoll_join_push_reply_and_leave() {
    let server = serve(0).await;
    let socket = socket_with(server.addr, "lp-ann", long_poll());
    assert_eq!(socket.transport(), Transport::LongPoll);
    let channel = socket.channel("room:lp", json!({}));
    assert_eq!(channel.join().await.unwrap(), json!({}));
    assert_eq!(
        channel.push("ping", json!({"n": 1})).await.unwrap(),
        json!({"n": 1})
    );
    // Several pushes at once go out in one POST and are answered in order.
    let (a, b, c) = tokio::join!(
        channel.push("echo", json!({"i": 1})),
        channel.push("echo", json!({"i": 2})),
        channel.push("echo", json!({"i": 3})),
    );
    assert_eq!(
        [a.unwrap(), b.unwrap(), c.unwrap()],
        [json!({"i": 1}), json!({"i": 2}), json!({"i": 3})]
    );
    let error = channel.push("nope", json!({})).await.unwrap_err();
    assert!(
        matches!(error, PushError::Error(ref s, _) if s == "error"),
        "{error}"
    );
    channel.leave().await.unwrap();
    assert_eq!(socket.transport(), Transport::LongPoll);
}

#[tokio::test]
async fn broadcasts_between_a_longpoll_and_a_websocket_client() {
    let server = serve(0).await;
    let lp_socket = socket_with(server.addr, "lp-amy", long_poll());
    let ws_socket = socket(server.addr, "ws-bob");
    let lp = lp_socket.channel("room:lpbc", json!({}));
    let ws = ws_socket.channel("room:lpbc", json!({}));
    let mut lp_events = lp.events();
    let mut ws_events = ws.events();
    lp.join().await.unwrap();
    ws.join().await.unwrap();
    assert_eq!(ws_socket.transport(), Transport::WebSocket);
    // `new_msg` is not answered: push without waiting for a reply.
    let sender = lp.clone();
    tokio::spawn(async move { sender.push("new_msg", json!({"body": "from lp"})).await });
    assert_eq!(
        next_event(&mut ws_events, "new_msg").await,
        Payload::Json(json!({"user": "lp-amy", "body": "from lp"}))
    );
    // The LongPoll client hears its own broadcast, then the other's.
    assert_eq!(
        next_event(&mut lp_events, "new_msg").await,
        Payload::Json(json!({"user": "lp-amy", "body": "from lp"}))
    );
    let sender = ws.clone();
    tokio::spawn(async move { sender.push("new_msg", json!({"body": "from ws"})).await });
    assert_eq!(
        next_event(&mut lp_events, "new_msg").await,
        Payload::Json(json!({"user": "ws-bob", "body": "from ws"}))
    );
    // A binary push goes up as a base64 ndjson line; the WebSocket client
    // gets the broadcast as binary (LongPoll cannot carry binary down).
    let sender = lp.clone();
    tokio::spawn(async move {
        sender
            .push_payload("shout", Payload::Binary(vec![0, 1, 2, 255]))
            .await
    });
    assert_eq!(
        next_event(&mut ws_events, "shout").await,
        Payload::Binary(vec![0, 1, 2, 255])
    );
}

#[tokio::test]
async fn presence_state_and_diffs_over_longpoll() {
    let server = serve(0).await;
    let alice_socket = socket_with(server.addr, "alice", long_poll());
    let alice = alice_socket.channel("room:presence:lp", json!({}));
    let mut events = alice.events();
    alice.join().await.unwrap();
    let mut tracker = Tracker::default();
    let Payload::Json(state) = next_event(&mut events, "presence_state").await else {
        panic!("a JSON presence_state")
    };
    tracker.on_state(Some("x"), &state);
    assert_eq!(tracker.keys(), ["alice"]);
    let bob_socket = socket(server.addr, "bob");
    bob_socket
        .channel("room:presence:lp", json!({}))
        .join()
        .await
        .unwrap();
    let Payload::Json(diff) = next_event(&mut events, "presence_diff").await else {
        panic!("a JSON presence_diff")
    };
    tracker.on_diff(Some("x"), &diff);
    assert_eq!(tracker.keys(), ["alice", "bob"]);
    bob_socket.disconnect();
    let Payload::Json(diff) = next_event(&mut events, "presence_diff").await else {
        panic!("a JSON presence_diff")
    };
    tracker.on_diff(Some("x"), &diff);
    assert_eq!(tracker.keys(), ["alice"]);
}

#[tokio::test]
async fn longpoll_reconnects_and_rejoins_after_a_server_restart() {
    let server = serve(0).await;
    let port = server.addr.port();
    let socket = socket_with(server.addr, "lp-phoenix", long_poll());
    let mut states = socket.states();
    let channel = socket.channel("room:lprestart", json!({}));
    let mut events = channel.events();
    channel.join().await.unwrap();
    until_state(&mut states, true).await;
    drop(server);
    until_state(&mut states, false).await;
    next_event(&mut events, "phx_error").await;
    let _again = serve(port).await;
    until_state(&mut states, true).await;
    // The push waits for the rejoin, then goes out.
    assert_eq!(
        within(
            20,
            "the push after the restart",
            channel.push("ping", json!({"after": "restart"}))
        )
        .await,
        Ok(json!({"after": "restart"}))
    );
    assert_eq!(socket.transport(), Transport::LongPoll);
}

#[tokio::test]
async fn c17_a_session_the_server_ended_is_replaced_and_the_channel_rejoined() {
    let server = serve(0).await;
    let socket = socket_with(server.addr, "lp-kicked", long_poll());
    let mut states = socket.states();
    let channel = socket.channel("room:lpkick", json!({}));
    let mut events = channel.events();
    channel.join().await.unwrap();
    until_state(&mut states, true).await;
    // Ends the LongPoll session on the server: the next GET, holding the
    // old token, gets a new session's 410, which closes the socket (3410).
    server
        .pubsub
        .broadcast("user_socket:lp-kicked", "disconnect", json!({}))
        .unwrap();
    until_state(&mut states, false).await;
    next_event(&mut events, "phx_error").await;
    until_state(&mut states, true).await;
    assert_eq!(
        within(
            20,
            "the push after the new session",
            channel.push("ping", json!({"session": "new"}))
        )
        .await,
        Ok(json!({"session": "new"}))
    );
    assert_eq!(socket.transport(), Transport::LongPoll);
}

/// What the proxy does with `/socket/websocket`.
#[derive(Clone, Copy)]
enum Blocked {
    /// Answers 403: the WebSocket fails before it opens.
    Refuse,
    /// Completes the handshake itself, then never says anything.
    Mute,
}

/// A proxy in front of `upstream` that blocks WebSocket upgrades and passes
/// everything else through; counts the WebSocket attempts.
async fn proxy(upstream: SocketAddr, blocked: Blocked) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let attempts = Arc::new(AtomicUsize::new(0));
    let counted = attempts.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(relay(client, upstream, blocked, counted.clone()));
        }
    });
    (addr, attempts)
}

async fn relay(
    mut client: TcpStream,
    upstream: SocketAddr,
    blocked: Blocked,
    attempts: Arc<AtomicUsize>,
) {
    // Read the request head, to see its path.
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let path = text.split(' ').nth(1).unwrap_or("");
    if path.starts_with("/socket/websocket") {
        attempts.fetch_add(1, Ordering::SeqCst);
        match blocked {
            Blocked::Refuse => {
                let _ = client
                    .write_all(
                        b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                    )
                    .await;
            }
            Blocked::Mute => {
                let key = text
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("sec-websocket-key")
                            .then(|| value.trim().to_string())
                    })
                    .unwrap_or_default();
                let answer = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: {}\r\n\r\n",
                    derive_accept_key(key.as_bytes())
                );
                if client.write_all(answer.as_bytes()).await.is_ok() {
                    // Swallow whatever comes (the health ping) until the client goes.
                    while matches!(client.read(&mut buf).await, Ok(n) if n > 0) {}
                }
            }
        }
        return;
    }
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    if server.write_all(&head).await.is_ok() {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    }
}

#[tokio::test]
async fn a_refused_websocket_falls_back_to_longpoll_at_once_and_for_good() {
    let server = serve(0).await;
    let (addr, attempts) = proxy(server.addr, Blocked::Refuse).await;
    // A long fallback period: only the refusal can make it switch in time.
    let socket = socket_with(addr, "fb-ann", with_fallback(60_000));
    let mut states = socket.states();
    let channel = socket.channel("room:fallback", json!({}));
    let mut events = channel.events();
    assert_eq!(
        within(10, "the join over the fallback", channel.join()).await,
        Ok(json!({}))
    );
    assert_eq!(socket.transport(), Transport::LongPoll);
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert_eq!(
        channel.push("ping", json!({"via": "fallback"})).await,
        Ok(json!({"via": "fallback"}))
    );
    // A WebSocket client straight on the server hears it, and back.
    let bob = support::socket(server.addr, "fb-bob");
    let other = bob.channel("room:fallback", json!({}));
    other.join().await.unwrap();
    tokio::spawn(async move { other.push("new_msg", json!({"body": "hello lp"})).await });
    assert_eq!(
        next_event(&mut events, "new_msg").await,
        Payload::Json(json!({"user": "fb-bob", "body": "hello lp"}))
    );
    // A lost session comes back on LongPoll, without trying the WebSocket.
    until_state(&mut states, true).await;
    let port = server.addr.port();
    drop(server);
    until_state(&mut states, false).await;
    let _again = serve(port).await;
    until_state(&mut states, true).await;
    assert_eq!(
        within(
            20,
            "the push after the restart",
            channel.push("ping", json!({"after": "restart"}))
        )
        .await,
        Ok(json!({"after": "restart"}))
    );
    assert_eq!(socket.transport(), Transport::LongPoll);
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_mute_websocket_is_abandoned_for_longpoll_after_the_period() {
    let server = serve(0).await;
    let (addr, attempts) = proxy(server.addr, Blocked::Mute).await;
    let socket = socket_with(addr, "fb-mute", with_fallback(1000));
    let channel = socket.channel("room:presence:mute", json!({}));
    let mut events = channel.events();
    assert_eq!(
        within(10, "the join after the fallback", channel.join()).await,
        Ok(json!({}))
    );
    assert_eq!(socket.transport(), Transport::LongPoll);
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    let Payload::Json(state) = next_event(&mut events, "presence_state").await else {
        panic!("a JSON presence_state")
    };
    assert!(state.get("fb-mute").is_some(), "{state}");
}

#[tokio::test]
async fn a_healthy_websocket_keeps_its_transport_with_the_fallback_on() {
    let server = serve(0).await;
    let socket = socket_with(server.addr, "fb-ok", with_fallback(1000));
    let mut states = socket.states();
    let channel = socket.channel("room:healthy", json!({}));
    channel.join().await.unwrap();
    until_state(&mut states, true).await;
    assert_eq!(channel.push("ping", json!({})).await, Ok(json!({})));
    // Twice the period later, still the same WebSocket.
    let closed = tokio::time::timeout(Duration::from_secs(2), async {
        while states.next().await.expect("states") {}
    })
    .await;
    assert!(closed.is_err(), "the socket closed: it fell back");
    assert_eq!(socket.transport(), Transport::WebSocket);
}
