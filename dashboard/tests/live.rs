//! The dashboard's client and model against a real demo server: traffic made
//! by real clients (channels, broadcasts, HTTP) shows up in the model, and
//! the dashboard reconnects by itself when the server restarts.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

mod support;

use phoenix_dashboard::client::{spawn, ClientConfig, ClientHandle};
use phoenix_dashboard::model::{pubsub_summary, ConnState, Model, TrafficKind};
use phoenix_dashboard_protocol::RequestKind;
use serde_json::json;
use support::{http_get, user_socket, NODE};

const TOKEN: &str = "live-test";

fn dashboard(addr: SocketAddr, token: &str) -> ClientHandle {
    spawn(
        ClientConfig {
            url: format!("http://{addr}"),
            token: token.into(),
            ..ClientConfig::default()
        },
        || {},
    )
}

/// Applies updates until `done(model)`, or fails after `secs` showing the model.
fn wait_for(
    model: &mut Model,
    handle: &ClientHandle,
    secs: u64,
    what: &str,
    done: impl Fn(&Model) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done(model) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: state {:?}, {} sockets, {} traffic rows, {} requests, {} points",
            model.conn_state,
            model.sockets.len(),
            model.traffic.len(),
            model.requests.len(),
            model.series.len()
        );
        if let Ok(update) = handle.updates.recv_timeout(Duration::from_millis(50)) {
            model.apply(update);
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A demo server and a dashboard joined to it, with the snapshot applied.
fn joined(rt: &tokio::runtime::Runtime) -> (support::Server, ClientHandle, Model) {
    let server = rt.block_on(support::serve(0, TOKEN));
    let handle = dashboard(server.addr, TOKEN);
    let mut model = Model::default();
    wait_for(&mut model, &handle, 10, "the join", |m| {
        m.conn_state == ConnState::Joined && m.has_snapshot
    });
    (server, handle, model)
}

#[test]
fn the_model_sees_sockets_channels_messages_broadcasts_and_requests() {
    let rt = runtime();
    let (server, handle, mut model) = joined(&rt);
    let addr = server.addr;
    assert_eq!(model.app.name, "demo");
    assert_eq!(model.app.env, "test");
    assert!(model.routes.iter().any(|r| r.helper == "page_path"));
    assert!(
        model.sockets.is_empty(),
        "the dashboard does not list itself"
    );

    // Two chat users join the lobby; one talks; one leaves; HTTP requests.
    let (alice, bob) = rt.block_on(async {
        let alice = user_socket(addr, "alice");
        let bob = user_socket(addr, "bob");
        let lobby_a = alice.channel("room:lobby", json!({}));
        lobby_a.join().await.expect("alice joins");
        let lobby_b = bob.channel("room:lobby", json!({}));
        lobby_b.join().await.expect("bob joins");
        // `new_msg` broadcasts and gets no reply: do not wait for one.
        let talk = lobby_a.clone();
        tokio::spawn(async move {
            talk.push("new_msg", json!({"body": "hello from alice"}))
                .await
        });
        let side = bob.channel("room:side", json!({}));
        side.join().await.expect("bob joins the side room");
        side.leave().await.expect("bob leaves the side room");
        assert_eq!(http_get(addr, "/").await, 200);
        assert_eq!(http_get(addr, "/no/such/page").await, 404);
        (alice, bob)
    });

    wait_for(&mut model, &handle, 10, "the chat traffic", |m| {
        let users: Vec<_> = m
            .sockets
            .values()
            .filter_map(|s| s.user_id.clone())
            .collect();
        let has = |kind: TrafficKind, event: &str| {
            m.traffic.iter().any(|r| r.kind == kind && r.event == event)
        };
        users.contains(&"user_socket:alice".to_string())
            && users.contains(&"user_socket:bob".to_string())
            && m.sockets
                .values()
                .all(|s| s.topics == vec!["room:lobby".to_string()])
            && m.topics.get("room:lobby") == Some(&2)
            && has(TrafficKind::MessageIn, "new_msg")
            && has(TrafficKind::Broadcast, "new_msg")
            && m.traffic.iter().any(|r| {
                r.kind == TrafficKind::ChannelLeft && r.topic.as_deref() == Some("room:side")
            })
            && m.requests.iter().any(|r| r.path == "/" && r.status == 200)
            && m.requests
                .iter()
                .any(|r| r.path == "/no/such/page" && r.status == 404)
    });
    // Presence is kept up to date from the snapshot and presence_diff events.
    wait_for(&mut model, &handle, 5, "presence of both users", |m| {
        m.presence_of("room:lobby")
            .is_some_and(|p| p.contains_key("alice") && p.contains_key("bob"))
    });
    // Counters arrive every second.
    wait_for(&mut model, &handle, 5, "per-second counters", |m| {
        m.series.iter().map(|p| p.messages_in).sum::<u64>() >= 3
            && m.series.iter().map(|p| p.http_requests).sum::<u64>() >= 2
            && m.last_stats()
                .is_some_and(|s| s.sockets == 2 && s.channels == 2)
    });

    // Disconnecting a socket from the dashboard.
    let bob_id = model
        .sockets
        .values()
        .find(|s| s.user_id.as_deref() == Some("user_socket:bob"))
        .unwrap()
        .id
        .clone();
    drop(bob); // the client would reconnect; without it the socket stays gone
    wait_for(&mut model, &handle, 5, "bob's socket to go", |m| {
        !m.sockets.contains_key(&bob_id)
    });
    let alice_id = model.sockets.keys().next().unwrap().clone();
    handle.disconnect_socket(&alice_id);
    wait_for(&mut model, &handle, 5, "the disconnect reply", |m| {
        matches!(m.replies.get(&RequestKind::Disconnect), Some(Ok(_)))
    });
    wait_for(&mut model, &handle, 5, "alice's socket to go", |m| {
        !m.sockets.contains_key(&alice_id)
    });
    drop(alice);
    drop(server);
}

#[test]
fn the_dashboard_shows_the_node_its_pubsub_status_and_where_broadcasts_come_from() {
    let rt = runtime();
    let (server, handle, mut model) = joined(&rt);
    let addr = server.addr;
    // The snapshot names the node and how its PubSub is doing.
    assert_eq!(model.app.node, NODE);
    let status = model
        .pubsub
        .clone()
        .expect("the snapshot carries the PubSub status");
    assert_eq!(
        (
            status.adapter.as_str(),
            status.connected,
            status.outages,
            status.lost
        ),
        ("local", true, 0, 0)
    );
    assert!(status.nodes.is_empty(), "no other node: {:?}", status.nodes);
    assert_eq!(pubsub_summary(&status), "local");

    // A chat user joins and talks: its socket is on this node, and so is
    // the broadcast its message makes.
    let alice = rt.block_on(async {
        let alice = user_socket(addr, "alice");
        let lobby = alice.channel("room:lobby", json!({}));
        lobby.join().await.expect("alice joins");
        tokio::spawn(async move { lobby.push("new_msg", json!({"body": "hi"})).await });
        alice
    });
    wait_for(
        &mut model,
        &handle,
        10,
        "alice's socket and broadcast",
        |m| {
            m.sockets
                .values()
                .any(|s| s.user_id.as_deref() == Some("user_socket:alice") && s.node == NODE)
                && m.traffic.iter().any(|r| {
                    r.kind == TrafficKind::Broadcast
                        && r.event == "new_msg"
                        && r.node.as_deref() == Some(NODE)
                        && r.detail.ends_with(", local")
                })
        },
    );
    // The connect event carried the node too.
    assert!(model
        .traffic
        .iter()
        .any(|r| r.kind == TrafficKind::SocketConnected && r.node.as_deref() == Some(NODE)));

    // The status comes again with every `stats`.
    model.pubsub = None;
    wait_for(&mut model, &handle, 5, "the status in a stats push", |m| {
        m.pubsub
            .as_ref()
            .is_some_and(|s| s.adapter == "local" && s.connected)
    });
    drop(alice);
}

#[test]
fn a_wrong_token_is_shown_as_refused() {
    let rt = runtime();
    let server = rt.block_on(support::serve(0, TOKEN));
    let handle = dashboard(server.addr, "not-the-token");
    let mut model = Model::default();
    wait_for(
        &mut model,
        &handle,
        10,
        "the refusal",
        |m| matches!(&m.conn_state, ConnState::Refused(reason) if reason == "unauthorized"),
    );
    assert!(!model.has_snapshot);
}

#[test]
fn it_reconnects_when_the_server_restarts() {
    let rt = runtime();
    let (server, handle, mut model) = joined(&rt);
    let addr = server.addr;
    let first_start = model.app.started_at_ms;
    let before = model.snapshots;

    drop(server);
    wait_for(&mut model, &handle, 10, "the disconnect", |m| {
        matches!(
            m.conn_state,
            ConnState::Disconnected(_) | ConnState::Connecting
        )
    });
    // A new server (a new process, in real life) on the same port.
    let server = rt.block_on(support::serve(addr.port(), TOKEN));
    wait_for(
        &mut model,
        &handle,
        20,
        "the rejoin and a new snapshot",
        |m| m.conn_state == ConnState::Joined && m.snapshots > before,
    );
    assert!(model.app.started_at_ms >= first_start);
    let _ = rt.block_on(http_get(server.addr, "/"));
    wait_for(&mut model, &handle, 5, "requests after the restart", |m| {
        m.requests.iter().any(|r| r.path == "/")
    });
}

#[test]
fn where_websockets_are_refused_the_dashboard_works_over_longpoll() {
    let rt = runtime();
    let server = rt.block_on(support::serve(0, TOKEN));
    let proxy = rt.block_on(support::refusing_websockets(server.addr));
    let handle = dashboard(proxy, TOKEN);
    let mut model = Model::default();
    wait_for(&mut model, &handle, 15, "the join over LongPoll", |m| {
        m.conn_state == ConnState::Joined && m.has_snapshot
    });
    assert!(model.routes.iter().any(|r| r.helper == "page_path"));
    // Live events arrive over LongPoll too.
    rt.block_on(async { assert_eq!(http_get(server.addr, "/").await, 200) });
    wait_for(&mut model, &handle, 10, "the request event", |m| {
        m.requests.iter().any(|r| r.path == "/" && r.status == 200)
    });
}
