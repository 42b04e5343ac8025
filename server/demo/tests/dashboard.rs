//! The introspection socket the dev dashboard joins: token, snapshot, live
//! events, counters and operations, against a real demo server.

mod support;

use std::net::SocketAddr;

use serde_json::{json, Value};
use support::ws::{connect, try_connect, Connect, Ws};
use support::{config, get, serve, status_of};

const PATH: &str = "/phoenix/dashboard/websocket?vsn=2.0.0";

fn with_dashboard(read_only: bool) -> phoenix::prelude::Config {
    config(|c| {
        c.dashboard.enabled = Some(true);
        c.dashboard.token = Some("t0ken".into());
        c.dashboard.read_only = read_only;
    })
}

async fn open(addr: SocketAddr) -> Ws {
    match try_connect(addr, PATH, &[]).await {
        Connect::Open(ws) => *ws,
        Connect::Refused(status) => panic!("dashboard socket refused with {status}"),
    }
}

/// Joins with `token`; the reply's status and response.
async fn join(ws: &mut Ws, token: &str) -> (String, Value) {
    ws.push(json!(["1", "1", "phoenix:dashboard", "phx_join", {"token": token}]))
        .await;
    let reply = ws.recv().await;
    (
        reply[4]["status"].as_str().unwrap().to_string(),
        reply[4]["response"].clone(),
    )
}

/// Reads dashboard pushes until `done` has seen what it waits for (10 s at
/// most: `stats` arrive every second, so `recv` alone would never time out).
async fn events_until(ws: &mut Ws, mut done: impl FnMut(&Value) -> bool) {
    let mut seen = Vec::new();
    let wait = async {
        loop {
            let frame = ws.recv().await;
            if frame[3] == "events" {
                for event in frame[4]["events"].as_array().unwrap() {
                    seen.push(format!(
                        "{} {} {}",
                        event["kind"], event["topic"], event["event"]
                    ));
                    if done(event) {
                        return;
                    }
                }
            }
        }
    };
    if tokio::time::timeout(std::time::Duration::from_secs(10), wait)
        .await
        .is_err()
    {
        panic!("the awaited events did not all come; seen: {seen:#?}");
    }
}

/// The reply to a request pushed on the dashboard channel.
async fn request(ws: &mut Ws, r: &str, event: &str, payload: Value) -> Value {
    ws.push(json!(["1", r, "phoenix:dashboard", event, payload]))
        .await;
    loop {
        let frame = ws.recv().await;
        if frame[3] == "phx_reply" && frame[1] == r {
            return frame[4].clone();
        }
    }
}

#[tokio::test]
async fn without_the_right_token_the_join_is_refused() {
    let server = serve(with_dashboard(false)).await;
    let mut ws = open(server.addr).await;
    assert_eq!(
        join(&mut ws, "wrong").await,
        ("error".into(), json!({"reason": "unauthorized"}))
    );
    ws.push(json!(["2", "2", "phoenix:dashboard", "phx_join", {}]))
        .await;
    assert_eq!(ws.recv().await[4]["response"]["reason"], "unauthorized");
}

#[tokio::test]
async fn it_is_not_mounted_unless_enabled() {
    // The test environment leaves it off (dev turns it on with a token).
    let server = serve(config(|_| {})).await;
    assert!(matches!(
        try_connect(server.addr, PATH, &[]).await,
        Connect::Refused(404)
    ));
}

#[tokio::test]
async fn the_snapshot_shows_routes_sockets_topics_and_presence() {
    let server = serve(with_dashboard(false)).await;
    let mut alice = connect(server.addr, "alice").await;
    alice.join("room:lobby", "1").await;
    let mut ws = open(server.addr).await;
    let (status, snapshot) = join(&mut ws, "t0ken").await;
    assert_eq!(status, "ok");
    assert_eq!(snapshot["app"]["name"], "demo");
    assert_eq!(snapshot["app"]["env"], "test");
    assert_eq!(snapshot["app"]["read_only"], false);
    assert!(snapshot["app"]["uptime_ms"].as_u64().is_some());
    let routes = snapshot["routes"].as_array().unwrap();
    assert!(routes.iter().any(|r| r["helper"] == "page_path"
        && r["verb"] == "GET"
        && r["pipelines"] == json!(["browser"])));
    // Alice only: the dashboard's own socket is not listed.
    let sockets = snapshot["sockets"].as_array().unwrap();
    assert_eq!(sockets.len(), 1, "{sockets:?}");
    let socket = &sockets[0];
    assert_eq!(socket["user_id"], "user_socket:alice");
    assert_eq!(socket["assigns"], json!({"user": "alice"}));
    assert_eq!(socket["topics"], json!(["room:lobby"]));
    assert_eq!(socket["transport"], "websocket");
    assert_eq!(socket["vsn"], "2.0.0");
    assert_eq!(socket["queue_capacity"], 1024);
    assert!(socket["peer"].as_str().unwrap().starts_with("127.0.0.1:"));
    assert_eq!(socket["messages_in"], 1, "the join");
    let topics = snapshot["topics"].as_array().unwrap();
    assert!(topics.contains(&json!({"topic": "room:lobby", "subscribers": 1})));
    assert_eq!(
        snapshot["presence"]["room:lobby"]["alice"]["metas"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn live_events_and_counters_follow_the_traffic() {
    let server = serve(with_dashboard(false)).await;
    let mut ws = open(server.addr).await;
    assert_eq!(join(&mut ws, "t0ken").await.0, "ok");

    let mut bob = connect(server.addr, "bob").await;
    bob.join("room:lobby", "1").await;
    bob.push(json!(["1", "2", "room:lobby", "new_msg", {"body": "hi"}]))
        .await;
    bob.join("room:crash", "3").await;
    bob.push(json!(["3", "4", "room:crash", "crash", {}])).await;
    assert_eq!(status_of(&get(server.addr, "/", "").await), 200);

    let mut want = vec![
        "socket_connected",
        "channel_joined",
        "message_in",
        "message_out",
        "broadcast new_msg",
        "broadcast presence_diff",
        "channel_left",
        "http_request",
    ];
    let mut bob_id = String::new();
    events_until(&mut ws, |e| {
        let seen = match e["kind"].as_str().unwrap() {
            "socket_connected" if e["socket"]["user_id"] == "user_socket:bob" => {
                bob_id = e["socket"]["id"].as_str().unwrap().to_string();
                "socket_connected"
            }
            "channel_joined" if e["topic"] == "room:lobby" && e["status"] == "ok" => {
                "channel_joined"
            }
            "message_in" if e["event"] == "new_msg" && e["size"].as_u64() > Some(20) => {
                "message_in"
            }
            "message_out" if e["event"] == "phx_reply" && e["topic"] == "room:lobby" => {
                "message_out"
            }
            "broadcast" if e["event"] == "new_msg" && e["subscribers"] == 1 => {
                assert_eq!(e["payload"], Value::Null, "payloads were not asked for");
                "broadcast new_msg"
            }
            "broadcast" if e["event"] == "presence_diff" => {
                assert!(e["diff"]["joins"]["bob"].is_object(), "{e}");
                "broadcast presence_diff"
            }
            "channel_left" if e["topic"] == "room:crash" => {
                assert_eq!(e["reason"], "crashed");
                assert_eq!(e["crashed"], true);
                assert!(e["detail"].as_str().unwrap().contains("on purpose"), "{e}");
                "channel_left"
            }
            "http_request" if e["path"] == "/" => {
                assert_eq!(
                    (e["method"].as_str(), e["status"].as_u64()),
                    (Some("GET"), Some(200))
                );
                "http_request"
            }
            _ => return false,
        };
        want.retain(|w| *w != seen);
        want.is_empty()
    })
    .await;
    assert!(bob_id.starts_with('s'));

    // Counters arrive every second and count what happened in it.
    let (mut messages_in, mut broadcasts, mut http) = (0, 0, 0);
    let last = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let frame = ws.recv().await;
            if frame[3] != "stats" {
                continue;
            }
            let stats = frame[4].clone();
            messages_in += stats["messages_in"].as_u64().unwrap();
            broadcasts += stats["broadcasts"].as_u64().unwrap();
            http += stats["http_requests"].as_u64().unwrap();
            if messages_in >= 4 && broadcasts >= 2 && http >= 1 {
                return stats;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("counters: in {messages_in}, broadcasts {broadcasts}, http {http}"));
    assert_eq!(last["sockets"], 1);
    assert_eq!(last["channels"], 1, "room:lobby (room:crash crashed)");
    assert!(last["topics"]
        .as_array()
        .unwrap()
        .contains(&json!({"topic": "room:lobby", "subscribers": 1})));
    let counters = last["socket_counters"].as_array().unwrap();
    assert_eq!(counters[0]["id"], bob_id.as_str());

    // Details of one socket.
    let reply = request(&mut ws, "10", "socket", json!({"id": bob_id})).await;
    assert_eq!(reply["status"], "ok");
    assert_eq!(reply["response"]["topics"], json!(["room:lobby"]));
    assert!(reply["response"]["messages_out"].as_u64().unwrap() >= 4);
    let reply = request(&mut ws, "11", "socket", json!({"id": "nope"})).await;
    assert_eq!(reply["response"]["reason"], "no such socket");
}

#[tokio::test]
async fn payloads_are_sent_when_asked_for() {
    let server = serve(with_dashboard(false)).await;
    let mut ws = open(server.addr).await;
    assert_eq!(join(&mut ws, "t0ken").await.0, "ok");
    let reply = request(&mut ws, "5", "payloads", json!({"enabled": true})).await;
    assert_eq!(reply["status"], "ok");
    let mut bob = connect(server.addr, "bob").await;
    bob.join("room:p", "1").await;
    bob.push(json!(["1", "2", "room:p", "new_msg", {"body": "visible"}]))
        .await;
    let mut seen = (false, false);
    events_until(&mut ws, |e| {
        if e["event"] == "new_msg" && e["kind"] == "message_in" {
            assert_eq!(e["payload"], r#"{"body":"visible"}"#);
            seen.0 = true;
        }
        if e["event"] == "new_msg" && e["kind"] == "broadcast" {
            assert_eq!(e["payload"], r#"{"body":"visible","user":"bob"}"#);
            seen.1 = true;
        }
        seen == (true, true)
    })
    .await;
}

#[tokio::test]
async fn operations_disconnect_a_socket_and_send_a_test_broadcast() {
    let server = serve(with_dashboard(false)).await;
    let mut carol = connect(server.addr, "carol").await;
    carol.join("room:ops", "1").await;
    let mut ws = open(server.addr).await;
    let (_, snapshot) = join(&mut ws, "t0ken").await;
    let id = snapshot["sockets"][0]["id"].as_str().unwrap().to_string();

    let reply = request(
        &mut ws,
        "2",
        "broadcast",
        json!({"topic": "room:ops", "event": "test", "payload": {"x": 1}}),
    )
    .await;
    assert_eq!(
        reply,
        json!({"status": "ok", "response": {"subscribers": 1}})
    );
    assert_eq!(
        carol.recv().await,
        json!([null, null, "room:ops", "test", {"x": 1}])
    );
    events_until(&mut ws, |e| {
        e["kind"] == "broadcast" && e["source"] == "dashboard"
    })
    .await;
    let reply = request(
        &mut ws,
        "3",
        "broadcast",
        json!({"topic": "room:ops", "event": "test", "payload": [1]}),
    )
    .await;
    assert_eq!(reply["response"]["reason"], "payload must be an object");

    let reply = request(&mut ws, "4", "disconnect", json!({"id": id})).await;
    assert_eq!(reply["status"], "ok");
    assert_eq!(carol.closed().await, Some(1001));
    events_until(&mut ws, |e| {
        e["kind"] == "socket_disconnected" && e["id"] == id.as_str()
    })
    .await;
    let reply = request(&mut ws, "5", "disconnect", json!({"id": id})).await;
    assert_eq!(reply["response"]["reason"], "no such socket");
}

#[tokio::test]
async fn a_read_only_dashboard_only_watches() {
    let server = serve(with_dashboard(true)).await;
    let _dora = connect(server.addr, "dora").await;
    let mut ws = open(server.addr).await;
    let (_, snapshot) = join(&mut ws, "t0ken").await;
    assert_eq!(snapshot["app"]["read_only"], true);
    let id = snapshot["sockets"][0]["id"].clone();
    let reply = request(&mut ws, "2", "disconnect", json!({"id": id})).await;
    assert_eq!(reply["response"]["reason"], "read only");
    let reply = request(
        &mut ws,
        "3",
        "broadcast",
        json!({"topic": "room:x", "event": "test", "payload": {}}),
    )
    .await;
    assert_eq!(reply["response"]["reason"], "read only");
}
