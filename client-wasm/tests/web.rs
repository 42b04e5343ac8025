//! The browser driver in headless Chromium (wasm-bindgen-test), against a
//! demo server whose socket URL `.ci/test-wasm.sh` passes at build time in
//! `PHOENIX_TEST_SOCKET` (`ws://127.0.0.1:<port>/socket`).
#![cfg(target_arch = "wasm32")]

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use phoenix_client::{Event, JoinError, Options, PushError, Socket, Transport};
use phoenix_protocol::Payload;
use serde_json::json;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const ENDPOINT: Option<&str> = option_env!("PHOENIX_TEST_SOCKET");

fn socket(user: &str, transport: Transport) -> Socket {
    let endpoint = ENDPOINT.expect("build with PHOENIX_TEST_SOCKET=ws://127.0.0.1:<port>/socket");
    let mut options = Options {
        transport,
        ..Options::default()
    };
    options.params.insert("user".into(), json!(user));
    let socket = Socket::new(endpoint, options);
    socket.connect();
    socket
}

async fn next_event(
    events: &mut futures_channel::mpsc::UnboundedReceiver<Event>,
    name: &str,
) -> Payload {
    loop {
        let event = events.next().await.expect("events");
        if event.event == name {
            return event.payload;
        }
    }
}

async fn join_push_and_broadcast(transport: Transport, topic: &str) {
    let a = socket("wasm-a", transport);
    let b = socket("wasm-b", transport);
    let ca = a.channel(topic, json!({}));
    let cb = b.channel(topic, json!({}));
    let mut b_events = cb.events();
    assert_eq!(ca.join().await.unwrap(), json!({}));
    cb.join().await.unwrap();
    assert_eq!(a.transport(), transport);
    assert_eq!(
        ca.push("ping", json!({"n": 1})).await.unwrap(),
        json!({"n": 1})
    );
    let error = ca.push("nope", json!({})).await.unwrap_err();
    assert!(
        matches!(error, PushError::Error(ref s, _) if s == "error"),
        "{error}"
    );
    // Several pushes in one turn (over LongPoll they share one POST); the
    // channel answers `new_msg` with no reply, only the broadcast.
    let pushes = futures_util::future::join_all(
        (0..5).map(|i| ca.push("new_msg", json!({"body": format!("m{i}")}))),
    );
    let received = async {
        let mut bodies = Vec::new();
        for _ in 0..5 {
            bodies.push(next_event(&mut b_events, "new_msg").await);
        }
        bodies
    };
    let bodies = match select(Box::pin(pushes), Box::pin(received)).await {
        Either::Right((bodies, _)) => bodies,
        Either::Left(_) => panic!("the pushes timed out before the broadcasts arrived"),
    };
    let expected: Vec<Payload> = (0..5)
        .map(|i| Payload::Json(json!({"user": "wasm-a", "body": format!("m{i}")})))
        .collect();
    assert_eq!(bodies, expected);
    ca.leave().await.unwrap();
    a.disconnect();
    b.disconnect();
}

#[wasm_bindgen_test]
async fn websocket_join_push_and_broadcast() {
    join_push_and_broadcast(Transport::WebSocket, "room:wasm-ws").await;
}

#[wasm_bindgen_test]
async fn longpoll_join_push_and_broadcast() {
    join_push_and_broadcast(Transport::LongPoll, "room:wasm-lp").await;
}

#[wasm_bindgen_test]
async fn a_refused_join_over_longpoll_reports_the_reason() {
    let socket = socket("wasm-eve", Transport::LongPoll);
    let channel = socket.channel("room:secret", json!({}));
    assert_eq!(
        channel.join().await,
        Err(JoinError::Refused(json!({"reason": "unauthorized"})))
    );
    socket.disconnect();
}
