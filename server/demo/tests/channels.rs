//! Channels over WebSocket against the demo server, one test per item of the
//! spec's conformance checklist (`S<n>` in the name).

mod support;

use serde_json::json;
use support::ws::{connect, try_connect, Connect};
use support::{config, serve};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn s1_upgrade_with_vsn_2() {
    let server = serve(config(|_| {})).await;
    let url = format!("ws://{}/socket/websocket?vsn=2.0.0", server.addr);
    let (stream, response) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the upgrade succeeds");
    assert_eq!(response.status().as_u16(), 101);
    let mut ws = support::ws::Ws::from_stream(stream);
    ws.push(json!([null, "1", "phoenix", "heartbeat", {}]))
        .await;
    assert_eq!(
        ws.recv().await,
        json!([null, "1", "phoenix", "phx_reply", {"status": "ok", "response": {}}]),
        "a V2 array frame"
    );
}

/// Two fresh sockets join one topic; the first broadcasts the moment the
/// second sees its join `ok`. The server subscribes a channel to its topic
/// before it replies, so the second always gets the broadcast (it lost it
/// about once in 200 to 600 rounds when the reply came first). Several
/// pairs run at once on a multi-threaded runtime, so that a channel task
/// can be interrupted between its reply and its subscription, as under load.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broadcast_made_as_soon_as_a_join_is_acknowledged_is_not_lost() {
    let server = serve(config(|_| {})).await;
    let addr = server.addr;
    let pairs = (0..8).map(|pair| {
        tokio::spawn(async move {
            for round in 0..400 {
                let topic = format!("room:race:{pair}:{round}");
                let mut a = connect(addr, "a").await;
                let mut b = connect(addr, "b").await;
                assert_eq!(a.join(&topic, "1").await[4]["status"], "ok");
                b.push(json!(["1", "1", &topic, "phx_join", {}])).await;
                let ok = b.recv().await;
                assert_eq!(ok[4]["status"], "ok", "{topic}: {ok}");
                a.push(json!(["1", "2", &topic, "new_msg", {"body": round}]))
                    .await;
                let got = b.recv_within(std::time::Duration::from_secs(5)).await;
                assert_eq!(
                    got,
                    Some(json!([null, null, &topic, "new_msg", {"user": "a", "body": round}])),
                    "{topic}: b lost the broadcast made right after its join"
                );
                a.close().await;
                b.close().await;
            }
        })
    });
    for pair in futures_util::future::join_all(pairs).await {
        pair.expect("every round of the pair passed");
    }
}

#[tokio::test]
async fn s2_without_vsn_replies_are_v1_objects() {
    let server = serve(config(|_| {})).await;
    let Connect::Open(mut ws) = try_connect(server.addr, "/socket/websocket", &[]).await else {
        panic!()
    };
    ws.send(r#"{"topic":"room:v1","event":"phx_join","payload":{},"ref":"1"}"#)
        .await;
    let reply = ws.recv().await;
    assert_eq!(
        reply,
        json!({"topic":"room:v1","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"1"})
    );
}

#[tokio::test]
async fn s3_unsupported_vsn_is_403() {
    let server = serve(config(|_| {})).await;
    for vsn in ["123.1.1", "2", "2.1.0"] {
        match try_connect(server.addr, &format!("/socket/websocket?vsn={vsn}"), &[]).await {
            Connect::Refused(status) => assert_eq!(status, 403, "{vsn}"),
            Connect::Open(_) => panic!("{vsn} was accepted"),
        }
    }
}

#[tokio::test]
async fn s9_non_get_to_the_websocket_path_is_400() {
    let server = serve(config(|_| {})).await;
    let resp = support::raw(
        server.addr,
        "POST /socket/websocket HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    )
    .await;
    assert_eq!(support::status_of(&resp), 400, "{resp}");
}

#[tokio::test]
async fn s10_heartbeat_is_answered_without_a_channel() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.push(json!([null, "7", "phoenix", "heartbeat", {}]))
        .await;
    assert_eq!(
        ws.recv().await,
        json!([null, "7", "phoenix", "phx_reply", {"status": "ok", "response": {}}])
    );
}

#[tokio::test]
async fn s11_join_a_routed_topic() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    assert_eq!(
        ws.join("room:a", "1").await,
        json!(["1", "1", "room:a", "phx_reply", {"status": "ok", "response": {}}])
    );
}

#[tokio::test]
async fn s13_refused_join_then_push_is_unmatched() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    assert_eq!(
        ws.join("room:secret", "1").await,
        json!(["1", "1", "room:secret", "phx_reply", {"status": "error", "response": {"reason": "unauthorized"}}])
    );
    ws.push(json!(["1", "2", "room:secret", "ping", {}])).await;
    assert_eq!(
        ws.recv().await,
        json!([null, "2", "room:secret", "phx_reply", {"status": "error", "response": {"reason": "unmatched topic"}}])
    );
}

#[tokio::test]
async fn s14_unrouted_topic_gets_null_join_ref() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    assert_eq!(
        ws.join("nope:topic", "3").await,
        json!([null, "3", "nope:topic", "phx_reply", {"status": "error", "response": {"reason": "unmatched topic"}}])
    );
}

#[tokio::test]
async fn s16_the_101st_channel_is_refused() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    for i in 0..100 {
        let r = format!("{i}");
        let reply = ws.join(&format!("room:many:{i}"), &r).await;
        assert_eq!(reply[4]["status"], "ok", "{reply}");
    }
    assert_eq!(
        ws.join("room:many:100", "100").await,
        json!(["100", "100", "room:many:100", "phx_reply", {"status": "error", "response": {"reason": "too many channels joined"}}])
    );
}

#[tokio::test]
async fn s17_duplicate_join_replies_then_closes_the_old_incarnation() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.join("room:dup", "1").await;
    assert_eq!(
        ws.join("room:dup", "2").await,
        json!(["2", "2", "room:dup", "phx_reply", {"status": "ok", "response": {}}])
    );
    assert_eq!(
        ws.recv().await,
        json!(["1", "1", "room:dup", "phx_close", {}])
    );
    ws.push(json!(["2", "3", "room:dup", "ping", {"x": 1}]))
        .await;
    assert_eq!(
        ws.recv().await,
        json!(["2", "3", "room:dup", "phx_reply", {"status": "ok", "response": {"x": 1}}])
    );
}

#[tokio::test]
async fn s19_push_to_an_unjoined_topic() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.push(json!(["1", "5", "room:x", "ping", {}])).await;
    assert_eq!(
        ws.recv().await,
        json!([null, "5", "room:x", "phx_reply", {"status": "error", "response": {"reason": "unmatched topic"}}])
    );
}

#[tokio::test]
async fn s20_s24_replies_carry_the_join_ref_and_null_join_ref_is_delivered() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.join("room:a", "1").await;
    ws.push(json!(["1", "2", "room:a", "ping", {"a": 1}])).await;
    assert_eq!(
        ws.recv().await,
        json!(["1", "2", "room:a", "phx_reply", {"status": "ok", "response": {"a": 1}}])
    );
    ws.push(json!([null, "3", "room:a", "echo", {"b": 2}]))
        .await;
    assert_eq!(
        ws.recv().await,
        json!(["1", "3", "room:a", "phx_reply", {"status": "ok", "response": {"b": 2}}])
    );
}

#[tokio::test]
async fn s21_error_replies() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.join("room:a", "1").await;
    ws.push(json!(["1", "2", "room:a", "what", {}])).await;
    let reply = ws.recv().await;
    assert_eq!(reply[4]["status"], "error", "{reply}");
    // A typed channel names the event it does not know, and goes on.
    let reason = reply[4]["response"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(r#"unknown event "what", expected one of"#),
        "{reason}"
    );
    ws.assert_next_is_reply_to("room:a", "1", "3").await;
}

#[tokio::test]
async fn s22_s25_no_reply_and_stale_join_refs_send_nothing() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.join("room:quiet", "1").await;
    ws.push(json!(["0", "2", "room:quiet", "ping", {}])).await; // stale join_ref
    ws.push(json!(["1", "3", "room:quiet", "others", {}])).await; // no reply, and others only
    ws.assert_next_is_reply_to("room:quiet", "1", "4").await;
}

#[tokio::test]
async fn s27_s28_broadcast_reaches_everyone_and_broadcast_from_skips_the_sender() {
    let server = serve(config(|_| {})).await;
    let mut a = connect(server.addr, "alice").await;
    let mut b = connect(server.addr, "bob").await;
    a.join("room:bc", "1").await;
    b.join("room:bc", "1").await;
    a.push(json!(["1", "2", "room:bc", "shout", {"body": "hi"}]))
        .await;
    let expected = json!([null, null, "room:bc", "shout", {"body": "hi"}]);
    assert_eq!(a.recv().await, expected);
    assert_eq!(b.recv().await, expected);
    a.push(json!(["1", "3", "room:bc", "new_msg", {"body": "hello"}]))
        .await;
    let expected = json!([null, null, "room:bc", "new_msg", {"user": "alice", "body": "hello"}]);
    assert_eq!(a.recv().await, expected);
    assert_eq!(b.recv().await, expected);
    a.push(json!(["1", "4", "room:bc", "others", {"n": 1}]))
        .await;
    assert_eq!(
        b.recv().await,
        json!([null, null, "room:bc", "others", {"n": 1}])
    );
    // The sender does not get its broadcast_from: the reply to a later ping
    // comes first.
    a.assert_next_is_reply_to("room:bc", "1", "5").await;
}

#[tokio::test]
async fn s32_leave_replies_then_closes() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.join("room:l", "1").await;
    ws.push(json!(["1", "5", "room:l", "phx_leave", {}])).await;
    assert_eq!(
        ws.recv().await,
        json!(["1", "5", "room:l", "phx_reply", {"status": "ok", "response": {}}])
    );
    assert_eq!(
        ws.recv().await,
        json!(["1", "1", "room:l", "phx_close", {}])
    );
    ws.push(json!(["1", "6", "room:l", "ping", {}])).await;
    assert_eq!(ws.recv().await[4]["response"]["reason"], "unmatched topic");
}

#[tokio::test]
async fn s33_s34_leave_unjoined_is_ok_and_stale_leave_is_ignored() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.push(json!(["9", "10", "room:never", "phx_leave", {}]))
        .await;
    assert_eq!(
        ws.recv().await,
        json!(["9", "10", "room:never", "phx_reply", {"status": "ok", "response": {}}])
    );
    ws.join("room:s", "1").await;
    ws.push(json!(["0", "11", "room:s", "phx_leave", {}])).await;
    // Still joined, and the stale leave got no reply before this one.
    ws.assert_next_is_reply_to("room:s", "1", "12").await;
}

#[tokio::test]
async fn s35_a_crash_errors_that_topic_only_and_rejoin_works() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.join("room:crash", "1").await;
    ws.join("room:calm", "2").await;
    ws.push(json!(["1", "3", "room:crash", "crash", {}])).await;
    assert_eq!(
        ws.recv().await,
        json!(["1", "1", "room:crash", "phx_error", {"reason": "channel_crash"}])
    );
    ws.push(json!(["2", "4", "room:calm", "ping", {}])).await;
    assert_eq!(
        ws.recv().await[4]["status"],
        "ok",
        "the other channel goes on"
    );
    ws.push(json!(["1", "5", "room:crash", "ping", {}])).await;
    assert_eq!(ws.recv().await[4]["response"]["reason"], "unmatched topic");
    assert_eq!(
        ws.join("room:crash", "6").await[4]["status"],
        "ok",
        "rejoin works"
    );
}

#[tokio::test]
async fn s38_disconnect_on_the_socket_id_closes_with_1001() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "dora").await;
    ws.join("room:d", "1").await;
    // Other events on the id topic are ignored.
    server
        .pubsub
        .broadcast("user_socket:dora", "whatever", json!({}))
        .unwrap();
    ws.push(json!(["1", "2", "room:d", "ping", {}])).await;
    assert_eq!(ws.recv().await[4]["status"], "ok");
    server
        .pubsub
        .broadcast("user_socket:dora", "disconnect", json!({}))
        .unwrap();
    assert_eq!(ws.closed().await, Some(1001));
}

#[tokio::test]
async fn s40_a_malformed_frame_closes_the_connection() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.send(r#"["1","2","room:a","phx_join"]"#).await;
    assert_eq!(ws.closed().await, Some(1011));
    let mut ws = connect(server.addr, "a").await;
    ws.send(r#"["1","2","room:a","phx_join",{},"extra"]"#).await;
    assert_eq!(ws.recv().await[4]["status"], "ok");
}

#[tokio::test]
async fn s42_s43_binary_push_gets_a_binary_reply() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.join("room:bin", "1").await;
    // kind 0, join_ref "1", ref "2", topic "room:bin", event "echo", payload 01 02 03 ff
    let mut frame = vec![0, 1, 1, 8, 4];
    frame.extend_from_slice(b"12room:binecho");
    frame.extend_from_slice(&[1, 2, 3, 0xff]);
    ws.send_binary(frame).await;
    let Message::Binary(reply) = ws.next().await else {
        panic!("expected a binary reply")
    };
    let mut expected = vec![1, 1, 1, 8, 2];
    expected.extend_from_slice(b"12room:binok");
    expected.extend_from_slice(&[1, 2, 3, 0xff]);
    assert_eq!(reply.to_vec(), expected);
}

#[tokio::test]
async fn mounted_at_ws_as_in_the_seed() {
    let server = serve(config(|_| {})).await;
    let Connect::Open(mut ws) = try_connect(server.addr, "/ws/websocket?vsn=2.0.0", &[]).await
    else {
        panic!()
    };
    assert_eq!(ws.join("room:seed", "1").await[4]["status"], "ok");
}

#[tokio::test]
async fn presence_state_after_join_and_diffs_on_join_and_leave() {
    let server = serve(config(|_| {})).await;
    let mut alice = connect(server.addr, "alice").await;
    alice.join("room:presence:p1", "1").await;
    let state = alice.recv().await;
    assert_eq!(state[0], "1");
    assert_eq!(state[1], serde_json::Value::Null);
    assert_eq!(state[3], "presence_state");
    let metas = &state[4]["alice"]["metas"];
    assert!(metas[0]["online_at"].is_u64(), "{state}");
    assert_eq!(metas[0]["phx_ref"].as_str().unwrap().len(), 16);

    let mut bob = connect(server.addr, "bob").await;
    bob.join("room:presence:p1", "1").await;
    let bob_state = bob.recv().await;
    assert!(
        bob_state[4].get("alice").is_some() && bob_state[4].get("bob").is_some(),
        "{bob_state}"
    );
    let diff = alice.recv().await;
    assert_eq!(diff[3], "presence_diff");
    assert_eq!(diff[0], serde_json::Value::Null, "a diff is a broadcast");
    assert!(diff[4]["joins"].get("bob").is_some(), "{diff}");

    bob.close().await;
    let diff = alice.recv().await;
    assert!(
        diff[4]["leaves"].get("bob").is_some(),
        "the dead socket's presence goes away: {diff}"
    );
}

#[tokio::test]
async fn other_rooms_track_nothing() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "carol").await;
    ws.join("room:bench", "1").await;
    // No presence_state outside room:lobby and room:presence:*: the reply to
    // a later ping is the next frame.
    ws.assert_next_is_reply_to("room:bench", "1", "2").await;
}

#[tokio::test]
async fn shutdown_drains_sockets_with_1012() {
    let server = serve(config(|_| {})).await;
    let mut ws = connect(server.addr, "a").await;
    ws.join("room:drain", "1").await;
    drop(server);
    assert_eq!(ws.closed().await, Some(1012));
}
