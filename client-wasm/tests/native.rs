//! The native client against the demo server on 127.0.0.1.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use phoenix_client::presence::Tracker;
use phoenix_client::JoinError;
use phoenix_protocol::Payload;
use serde_json::json;
use support::{next_event, serve, socket};

#[tokio::test]
async fn join_push_reply_and_typed_push() {
    let server = serve(0).await;
    let socket = socket(server.addr, "ann");
    let channel = socket.channel("room:native", json!({}));
    assert_eq!(channel.join().await.unwrap(), json!({}));
    assert_eq!(
        channel.push("ping", json!({"n": 1})).await.unwrap(),
        json!({"n": 1})
    );
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Echo {
        text: String,
    }
    let echoed: Echo = channel
        .push_json(
            "echo",
            &Echo {
                text: "typed".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        echoed,
        Echo {
            text: "typed".into()
        }
    );
    let error = channel.push("nope", json!({})).await.unwrap_err();
    assert!(
        matches!(error, phoenix_client::PushError::Error(ref s, _) if s == "error"),
        "{error}"
    );
    channel.leave().await.unwrap();
}

#[tokio::test]
async fn refused_join_reports_the_reason() {
    let server = serve(0).await;
    let socket = socket(server.addr, "eve");
    let channel = socket.channel("room:secret", json!({}));
    assert_eq!(
        channel.join().await,
        Err(JoinError::Refused(json!({"reason": "unauthorized"})))
    );
}

#[tokio::test]
async fn broadcasts_reach_the_other_socket() {
    let server = serve(0).await;
    let a = socket(server.addr, "amy").channel("room:nbc", json!({}));
    let b = socket(server.addr, "bob").channel("room:nbc", json!({}));
    let mut b_events = b.events();
    a.join().await.unwrap();
    b.join().await.unwrap();
    a.push("new_msg", json!({"body": "hi"})).await.ok();
    let payload = next_event(&mut b_events, "new_msg").await;
    assert_eq!(payload, Payload::Json(json!({"user": "amy", "body": "hi"})));
}

#[tokio::test]
async fn a_crashed_channel_rejoins_by_itself() {
    let server = serve(0).await;
    let channel = socket(server.addr, "cat").channel("room:ncrash", json!({}));
    let mut events = channel.events();
    channel.join().await.unwrap();
    let _ = channel.push("crash", json!({})).await;
    next_event(&mut events, "phx_error").await;
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if channel.push("ping", json!({"back": true})).await == Ok(json!({"back": true})) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("rejoined within 10 s");
}

#[tokio::test]
async fn presence_state_and_diffs_feed_a_tracker() {
    let server = serve(0).await;
    let alice = socket(server.addr, "alice").channel("room:presence:native", json!({}));
    let mut events = alice.events();
    alice.join().await.unwrap();
    let mut tracker = Tracker::default();
    let Payload::Json(state) = next_event(&mut events, "presence_state").await else {
        panic!()
    };
    tracker.on_state(Some("x"), &state);
    assert_eq!(tracker.keys(), ["alice"]);
    let bob_socket = socket(server.addr, "bob");
    bob_socket
        .channel("room:presence:native", json!({}))
        .join()
        .await
        .unwrap();
    let Payload::Json(diff) = next_event(&mut events, "presence_diff").await else {
        panic!()
    };
    tracker.on_diff(Some("x"), &diff);
    assert_eq!(tracker.keys(), ["alice", "bob"]);
    bob_socket.disconnect();
    let Payload::Json(diff) = next_event(&mut events, "presence_diff").await else {
        panic!()
    };
    tracker.on_diff(Some("x"), &diff);
    assert_eq!(tracker.keys(), ["alice"]);
}

#[tokio::test]
async fn reconnects_and_rejoins_after_a_server_restart() {
    let server = serve(0).await;
    let port = server.addr.port();
    let socket = socket(server.addr, "phoenix");
    let mut states = socket.states();
    let channel = socket.channel("room:nrestart", json!({}));
    channel.join().await.unwrap();
    drop(server);
    // Closed by the drain (1012), then open again once the server is back.
    tokio::time::timeout(Duration::from_secs(10), async {
        while states.next().await != Some(false) {}
    })
    .await
    .expect("saw the close");
    let _again = serve(port).await;
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if channel.push("ping", json!({"after": "restart"})).await
                == Ok(json!({"after": "restart"}))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("rejoined after the restart");
}
