//! `RoomChannel` over a real socket (Phoenix's ChannelTest).

mod support;

use serde_json::json;

#[tokio::test]
async fn a_shout_reaches_everyone_in_the_room() {
    let app = support::TestApp::start().await;
    let server = app.serve().await;
    let mut alice = server.socket("/socket", &[("user", "alice")]).await;
    let mut bob = server.socket("/socket", &[("user", "bob")]).await;
    alice.join("room:lobby", json!({})).await.assert_ok();
    bob.join("room:lobby", json!({})).await.assert_ok();

    alice.push("room:lobby", "shout", json!({ "body": "hello" })).await;
    let shout = bob.receive("room:lobby", "shout").await;
    assert_eq!(shout, json!({ "user": "alice", "body": "hello" }));
}

#[tokio::test]
async fn ping_replies_with_its_payload() {
    let app = support::TestApp::start().await;
    let server = app.serve().await;
    let mut socket = server.socket("/socket", &[]).await;
    socket.join("room:lobby", json!({})).await.assert_ok();
    let reply = socket.call("room:lobby", "ping", json!({ "n": 1 })).await;
    reply.assert_ok();
    assert_eq!(reply.response, json!({ "n": 1 }));
}

#[tokio::test]
async fn other_rooms_are_private() {
    let app = support::TestApp::start().await;
    let server = app.serve().await;
    let mut socket = server.socket("/socket", &[]).await;
    let reply = socket.join("room:secret", json!({})).await;
    assert_eq!(reply.status, "error");
    assert_eq!(reply.response, json!({ "reason": "unauthorized" }));
}
