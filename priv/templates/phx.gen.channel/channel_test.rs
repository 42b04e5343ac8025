//! `{{ module }}Channel` over a real socket.

mod support;

use serde_json::json;

#[tokio::test]
async fn ping_replies_with_status_ok() {
    let app = support::TestApp::start().await;
    let server = app.serve().await;
    let mut socket = server.socket("/socket", &[]).await;
    socket.join("{{ snake }}:lobby", json!({})).await.assert_ok();
    let reply = socket.call("{{ snake }}:lobby", "ping", json!({ "hello": "there" })).await;
    reply.assert_ok();
    assert_eq!(reply.response, json!({ "hello": "there" }));
}

#[tokio::test]
async fn shout_broadcasts_to_the_topic() {
    let app = support::TestApp::start().await;
    let server = app.serve().await;
    let mut socket = server.socket("/socket", &[]).await;
    socket.join("{{ snake }}:lobby", json!({})).await.assert_ok();
    socket.push("{{ snake }}:lobby", "shout", json!({ "hello": "all" })).await;
    assert_eq!(socket.receive("{{ snake }}:lobby", "shout").await, json!({ "hello": "all" }));
}
