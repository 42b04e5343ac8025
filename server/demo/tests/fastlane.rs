//! S30: a broadcast to many subscribers is encoded once per serializer. Alone
//! in its binary, so that no other test moves the process-wide encode counter.

mod support;

use phoenix::pubsub::fastlane_encodes;
use serde_json::json;
use support::ws::{connect, try_connect, Connect};
use support::{config, serve};

#[tokio::test]
async fn s30_one_encode_per_serializer_whatever_the_subscriber_count() {
    let server = serve(config(|_| {})).await;
    let mut v2 = Vec::new();
    for i in 0..20 {
        let mut ws = connect(server.addr, &format!("u{i}")).await;
        ws.join("room:fanout", "1").await;
        v2.push(ws);
    }
    let mut v1 = Vec::new();
    for _ in 0..5 {
        let Connect::Open(mut ws) = try_connect(server.addr, "/socket/websocket", &[]).await else {
            panic!()
        };
        ws.send(r#"{"topic":"room:fanout","event":"phx_join","payload":{},"ref":"1"}"#)
            .await;
        ws.recv().await;
        v1.push(ws);
    }
    let before = fastlane_encodes();
    server
        .pubsub
        .broadcast("room:fanout", "tick", json!({"n": 1}))
        .unwrap();
    for ws in &mut v2 {
        assert_eq!(
            ws.recv().await,
            json!([null, null, "room:fanout", "tick", {"n": 1}])
        );
    }
    for ws in &mut v1 {
        assert_eq!(ws.recv().await["event"], "tick");
    }
    assert_eq!(
        fastlane_encodes() - before,
        2,
        "one V2 and one V1 encode for 25 sockets"
    );
}
