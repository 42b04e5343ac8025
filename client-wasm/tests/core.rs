//! The client checklist of the protocol spec against the state machine,
//! with a fake clock (C1–C15; C16/C17 concern the LongPoll transport of the
//! browser driver, covered by e2e/specs/wasm.spec.mjs) and the presence checklist (P1–P6).

use phoenix_client::core::{ChannelState, Core, Options, Output};
use phoenix_client::presence::{sync_diff, Tracker};
use phoenix_protocol::{Frame, Payload};
use serde_json::{json, Value};

struct Harness {
    core: Core,
    now: u64,
    sent: Vec<Value>,
    outputs: Vec<Output>,
}

impl Harness {
    fn open() -> Harness {
        let mut h = Harness {
            core: Core::new("ws://example.com/socket", Options::default()),
            now: 0,
            sent: Vec::new(),
            outputs: Vec::new(),
        };
        h.core.connect();
        h.collect();
        h.core.opened(h.now);
        h.collect();
        h
    }

    fn collect(&mut self) {
        for output in self.core.drain() {
            if let Output::Send(Frame::Text(text)) = &output {
                self.sent.push(serde_json::from_str(text).unwrap());
            }
            self.outputs.push(output);
        }
    }

    fn tick(&mut self, ms: u64) {
        let end = self.now + ms;
        while let Some(deadline) = self.core.next_deadline().filter(|d| *d <= end) {
            self.now = deadline.max(self.now);
            self.core.poll(self.now);
            self.collect();
        }
        self.now = end;
        self.core.poll(self.now);
        self.collect();
    }

    fn server(&mut self, frame: Value) {
        self.core
            .received(self.now, &Frame::Text(frame.to_string()));
        self.collect();
    }

    fn sent_of(&self, event: &str) -> Vec<Value> {
        self.sent
            .iter()
            .filter(|f| f[3] == event)
            .cloned()
            .collect()
    }

    fn reply_last(&mut self, event: &str, topic: &str, status: &str) {
        let frame = self
            .sent
            .iter()
            .rev()
            .find(|f| f[3] == event && f[2] == topic)
            .unwrap()
            .clone();
        self.server(
            json!([frame[0], frame[1], topic, "phx_reply", {"status": status, "response": {}}]),
        );
    }

    fn joined(&mut self, topic: &str) -> usize {
        let id = self.core.channel(topic, Payload::empty());
        self.core.join(self.now, id, None);
        self.collect();
        self.reply_last("phx_join", topic, "ok");
        assert_eq!(self.core.state(id), ChannelState::Joined);
        id
    }

    fn connects(&self) -> usize {
        self.outputs
            .iter()
            .filter(|o| matches!(o, Output::Connect(_)))
            .count()
    }
}

#[test]
fn c1_url_with_params_and_vsn() {
    let mut options = Options::default();
    options.params.insert("token".into(), json!("abc"));
    options.params.insert("user".into(), json!({"id": 1}));
    let core = Core::new("wss://example.com/socket", options);
    assert_eq!(
        core.endpoint_url(),
        "wss://example.com/socket/websocket?token=abc&user%5Bid%5D=1&vsn=2.0.0"
    );
}

#[test]
fn c2_join_ref_equals_the_join_ref_and_pushes_carry_it() {
    let mut h = Harness::open();
    let id = h.joined("room:a");
    let join = h.sent_of("phx_join")[0].clone();
    assert_eq!(join[0], join[1]);
    h.core
        .push(h.now, id, "hello", json!({"a": 1}).into(), None);
    h.collect();
    let push = h.sent_of("hello")[0].clone();
    assert_eq!(push[0], join[0]);
}

#[test]
fn c3_heartbeat_after_30_s_then_30_s_after_the_reply() {
    let mut h = Harness::open();
    h.tick(29_999);
    assert!(h.sent_of("heartbeat").is_empty());
    h.tick(1);
    let hb = h.sent_of("heartbeat")[0].clone();
    assert_eq!(hb[2], "phoenix");
    h.tick(5000);
    h.server(json!([null, hb[1], "phoenix", "phx_reply", {"status": "ok", "response": {}}]));
    h.tick(29_999);
    assert_eq!(h.sent_of("heartbeat").len(), 1);
    h.tick(1);
    assert_eq!(h.sent_of("heartbeat").len(), 2);
}

#[test]
fn the_long_poll_url_derives_from_the_websocket_url() {
    use phoenix_client::core::long_poll_url;
    assert_eq!(
        long_poll_url("ws://h:4000/socket/websocket?vsn=2.0.0&user=a"),
        "http://h:4000/socket/longpoll?vsn=2.0.0&user=a"
    );
    assert_eq!(
        long_poll_url("wss://h/ws/websocket/websocket"),
        "https://h/ws/websocket/longpoll"
    );
    let core = Core::new("ws://h/socket", Options::default());
    assert!(long_poll_url(&core.endpoint_url()).starts_with("http://h/socket/longpoll?vsn=2.0.0"));
}

#[test]
fn longpoll_has_no_heartbeats() {
    let mut h = Harness {
        core: Core::new("ws://example.com/socket", Options::default()),
        now: 0,
        sent: Vec::new(),
        outputs: Vec::new(),
    };
    h.core.set_long_poll(true);
    h.core.connect();
    h.core.opened(0);
    h.collect();
    h.tick(120_000);
    assert!(h.sent_of("heartbeat").is_empty());
    assert_eq!(h.core.next_deadline(), None);
}

#[test]
fn a_ping_sends_a_heartbeat_now_and_reports_its_reply() {
    let mut h = Harness::open();
    h.tick(1000);
    h.core.ping(h.now);
    h.collect();
    let hb = h.sent_of("heartbeat");
    assert_eq!(hb.len(), 1);
    assert!(h.core.heartbeat_pending());
    h.core.ping(h.now); // one at a time
    h.collect();
    assert_eq!(h.sent_of("heartbeat").len(), 1);
    h.server(json!([null, hb[0][1], "phoenix", "phx_reply", {"status": "ok", "response": {}}]));
    assert!(!h.core.heartbeat_pending());
    // The next one is due 30 s after the reply.
    h.tick(29_999);
    assert_eq!(h.sent_of("heartbeat").len(), 1);
    h.tick(1);
    assert_eq!(h.sent_of("heartbeat").len(), 2);
}

#[test]
fn c4_heartbeat_timeout_closes_errors_and_reconnects_after_10_ms() {
    let mut h = Harness::open();
    let id = h.joined("room:a");
    h.tick(60_000);
    assert!(h
        .outputs
        .contains(&Output::Close(1000, "heartbeat timeout".into())));
    assert_eq!(h.core.state(id), ChannelState::Errored);
    let before = h.connects();
    h.tick(10);
    assert_eq!(h.connects(), before + 1);
}

#[test]
fn a_hidden_page_holds_a_due_reconnect_until_visible() {
    let mut h = Harness::open();
    h.core.set_visible(false);
    h.core.closed(h.now, 1006);
    h.collect();
    let connects = |h: &Harness| {
        h.outputs
            .iter()
            .filter(|o| matches!(o, Output::Connect(_)))
            .count()
    };
    assert_eq!(connects(&h), 1);
    h.tick(60_000);
    assert_eq!(connects(&h), 1, "no reconnect while hidden");
    assert!(h.core.is_active());
    h.core.set_visible(true);
    h.collect();
    assert_eq!(connects(&h), 2, "reconnects as soon as visible");
    // A disconnected socket stays down when the page shows again.
    h.core.disconnect();
    h.core.set_visible(false);
    h.core.set_visible(true);
    h.collect();
    assert_eq!(connects(&h), 2);
    assert!(!h.core.is_active());
}

#[test]
fn c5_no_reconnect_after_1000_backoff_after_1006() {
    let mut h = Harness::open();
    h.core.closed(h.now, 1000);
    h.tick(60_000);
    assert_eq!(h.connects(), 1);

    let mut h = Harness::open();
    h.core.closed(h.now, 1006);
    for delay in [10, 50, 100, 150] {
        let before = h.connects();
        h.tick(delay - 1);
        assert_eq!(h.connects(), before, "not before {delay} ms");
        h.tick(1);
        assert_eq!(h.connects(), before + 1, "after {delay} ms");
        h.core.closed(h.now, 1006);
    }
}

#[test]
fn c6_join_timeout_leaves_and_rejoins_with_backoff() {
    let mut h = Harness::open();
    let id = h.core.channel("room:slow", Payload::empty());
    h.core.join(h.now, id, None);
    h.collect();
    let join = h.sent_of("phx_join")[0].clone();
    h.tick(10_000);
    let leave = h.sent_of("phx_leave")[0].clone();
    assert_eq!(leave[0], join[0]);
    assert_eq!(h.core.state(id), ChannelState::Errored);
    for delay in [1000, 2000, 5000] {
        let joins = h.sent_of("phx_join").len();
        h.tick(delay - 1);
        assert_eq!(h.sent_of("phx_join").len(), joins);
        h.tick(1);
        assert_eq!(
            h.sent_of("phx_join").len(),
            joins + 1,
            "rejoin after {delay} ms"
        );
        assert_ne!(h.sent_of("phx_join").last().unwrap()[0], join[0]);
        h.tick(10_000);
    }
}

#[test]
fn c7_join_error_is_retried() {
    let mut h = Harness::open();
    let id = h.core.channel("room:no", Payload::empty());
    h.core.join(h.now, id, None);
    h.collect();
    h.reply_last("phx_join", "room:no", "error");
    assert_eq!(h.core.state(id), ChannelState::Errored);
    h.tick(1000);
    assert_eq!(h.sent_of("phx_join").len(), 2);
}

#[test]
fn c8_pushes_wait_for_the_join_and_expire_unsent() {
    let mut h = Harness::open();
    let id = h.core.channel("room:b", Payload::empty());
    h.core.join(h.now, id, None);
    h.core.push(h.now, id, "early", Payload::empty(), None);
    h.collect();
    assert!(h.sent_of("early").is_empty());
    h.reply_last("phx_join", "room:b", "ok");
    assert_eq!(h.sent_of("early").len(), 1);

    let other = h.core.channel("room:c", Payload::empty());
    h.core.join(h.now, other, None);
    let late = h
        .core
        .push(h.now, other, "late", Payload::empty(), Some(500));
    h.collect();
    h.tick(500);
    assert!(h.outputs.contains(&Output::Timeout(late)));
    h.reply_last("phx_join", "room:c", "ok");
    assert!(h.sent_of("late").is_empty());
}

#[test]
fn c9_a_timeout_once_and_late_replies_ignored() {
    let mut h = Harness::open();
    let id = h.joined("room:a");
    let push = h.core.push(h.now, id, "slow", Payload::empty(), None);
    h.collect();
    h.tick(10_000);
    h.reply_last("slow", "room:a", "ok");
    let timeouts = h
        .outputs
        .iter()
        .filter(|o| **o == Output::Timeout(push))
        .count();
    let replies = h
        .outputs
        .iter()
        .filter(|o| matches!(o, Output::Reply(p, ..) if *p == push))
        .count();
    assert_eq!((timeouts, replies), (1, 0));
}

#[test]
fn c10_other_join_refs_dropped_broadcasts_delivered() {
    let mut h = Harness::open();
    let id = h.joined("room:a");
    let join_ref = h.core.join_ref(id).unwrap().to_string();
    h.server(json!(["999", null, "room:a", "news", {"n": 1}]));
    h.server(json!([null, null, "room:a", "news", {"n": 2}]));
    h.server(json!([join_ref, null, "room:a", "news", {"n": 3}]));
    let got: Vec<Value> = h
        .outputs
        .iter()
        .filter_map(|o| match o {
            Output::Event(_, e, Payload::Json(p)) if e == "news" => Some(p["n"].clone()),
            _ => None,
        })
        .collect();
    assert_eq!(got, [json!(2), json!(3)]);
}

#[test]
fn c11_close_is_final_error_rejoins() {
    let mut h = Harness::open();
    let closing = h.joined("room:close");
    let j = h.core.join_ref(closing).unwrap().to_string();
    h.server(json!([j, j, "room:close", "phx_close", {}]));
    assert_eq!(h.core.state(closing), ChannelState::Closed);
    h.tick(20_000);
    assert_eq!(
        h.sent_of("phx_join")
            .iter()
            .filter(|f| f[2] == "room:close")
            .count(),
        1
    );

    let erroring = h.joined("room:err");
    let j = h.core.join_ref(erroring).unwrap().to_string();
    h.server(json!([j, j, "room:err", "phx_error", {}]));
    assert_eq!(h.core.state(erroring), ChannelState::Errored);
    h.tick(1000);
    assert_eq!(
        h.sent_of("phx_join")
            .iter()
            .filter(|f| f[2] == "room:err")
            .count(),
        2
    );
}

#[test]
fn c12_errored_channels_rejoin_on_reopen() {
    let mut h = Harness::open();
    h.joined("room:x");
    h.joined("room:y");
    h.core.closed(h.now, 1006);
    h.tick(10);
    let before = h.sent_of("phx_join").len();
    h.core.opened(h.now);
    h.collect();
    assert_eq!(h.sent_of("phx_join").len(), before + 2);
}

#[test]
fn c12_a_join_made_before_the_socket_opens_is_sent_once() {
    let mut h = Harness {
        core: Core::new("ws://example.com/socket", Options::default()),
        now: 0,
        sent: Vec::new(),
        outputs: Vec::new(),
    };
    let id = h.core.channel("room:early", Payload::Json(json!({})));
    h.core.join(h.now, id, None);
    h.core.connect();
    h.collect();
    assert!(h.sent_of("phx_join").is_empty(), "buffered until open");
    h.core.opened(h.now);
    h.collect();
    let joins = h.sent_of("phx_join");
    assert_eq!(joins.len(), 1, "{joins:?}");
    assert_eq!(joins[0][2], "room:early");
}

#[test]
fn c13_disconnect_never_reconnects() {
    let mut h = Harness::open();
    h.core.disconnect();
    h.collect();
    h.core.closed(h.now, 1000);
    h.tick(60_000);
    assert_eq!(h.connects(), 1);
    assert!(!h.core.is_connected());
}

#[test]
fn c14_leave_closes_on_ok_on_timeout_or_at_once() {
    let mut h = Harness::open();
    let a = h.joined("room:l1");
    h.core.leave(h.now, a, None);
    h.collect();
    assert_eq!(h.core.state(a), ChannelState::Leaving);
    h.reply_last("phx_leave", "room:l1", "ok");
    assert_eq!(h.core.state(a), ChannelState::Closed);

    let b = h.joined("room:l2");
    h.core.leave(h.now, b, None);
    h.tick(10_000);
    assert_eq!(h.core.state(b), ChannelState::Closed);

    let c = h.joined("room:l3");
    h.core.closed(h.now, 1006);
    h.core.leave(h.now, c, None);
    assert_eq!(h.core.state(c), ChannelState::Closed);
}

#[test]
fn c15_a_second_channel_of_the_topic_leaves_the_first() {
    let mut h = Harness::open();
    let first = h.joined("room:dup");
    let first_ref = h.core.join_ref(first).unwrap().to_string();
    let second = h.core.channel("room:dup", Payload::empty());
    h.core.join(h.now, second, None);
    h.collect();
    assert_eq!(h.sent_of("phx_leave")[0][0], json!(first_ref));
    assert_eq!(h.core.state(first), ChannelState::Leaving);
}

fn meta(r: &str) -> Value {
    json!({"phx_ref": r})
}

#[test]
fn p1_callbacks_join_each_key_then_sync_once() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let log = Rc::new(RefCell::new(Vec::<String>::new()));
    let mut tracker = Tracker::default();
    let l = log.clone();
    tracker.on_join(move |key, current, joined| {
        l.borrow_mut().push(format!(
            "join {key} new={} n={}",
            current.is_none(),
            joined["metas"].as_array().unwrap().len()
        ))
    });
    let l = log.clone();
    tracker.on_leave(move |key, current, left| {
        l.borrow_mut().push(format!(
            "leave {key} rest={} left={}",
            current["metas"].as_array().unwrap().len(),
            left["metas"].as_array().unwrap().len()
        ))
    });
    let l = log.clone();
    tracker.on_sync(move || l.borrow_mut().push("sync".into()));
    tracker.on_state(
        Some("1"),
        &json!({"a": {"metas": [meta("1")]}, "b": {"metas": [meta("2")]}}),
    );
    assert_eq!(
        *log.borrow(),
        ["join a new=true n=1", "join b new=true n=1", "sync"]
    );
    log.borrow_mut().clear();
    tracker.on_diff(
        Some("1"),
        &json!({"joins": {"a": {"metas": [meta("3")]}}, "leaves": {"b": {"metas": [meta("2")]}}}),
    );
    assert_eq!(
        *log.borrow(),
        ["join a new=false n=1", "leave b rest=0 left=1", "sync"]
    );
    assert_eq!(
        tracker.list(|key, p| format!("{key}:{}", p["metas"].as_array().unwrap().len())),
        ["a:2"]
    );
}

#[test]
fn p1_p2_state_then_buffered_diffs() {
    let mut tracker = Tracker::default();
    assert!(!tracker.on_diff(
        Some("1"),
        &json!({"joins": {"c": {"metas": [meta("3")]}}, "leaves": {}})
    ));
    tracker.on_state(
        Some("1"),
        &json!({"a": {"metas": [meta("1")]}, "b": {"metas": [meta("2")]}}),
    );
    assert_eq!(tracker.keys(), ["a", "b", "c"]);
    assert!(
        !tracker.on_diff(
            Some("2"),
            &json!({"joins": {"d": {"metas": [meta("4")]}}, "leaves": {}})
        ),
        "after a rejoin"
    );
    tracker.on_state(Some("2"), &json!({"a": {"metas": [meta("1")]}}));
    assert_eq!(tracker.keys(), ["a", "d"]);
}

#[test]
fn p3_p4_p5_joins_append_leaves_remove_updates_keep_one() {
    let mut state = Default::default();
    sync_diff(
        &mut state,
        &json!({"joins": {"u": {"metas": [meta("1")]}}, "leaves": {}}),
        |_, _, _| {},
        |_, _, _| {},
    );
    let mut previous = None;
    sync_diff(
        &mut state,
        &json!({"joins": {"u": {"metas": [meta("2")]}}, "leaves": {}}),
        |_, current, _| previous = current.cloned(),
        |_, _, _| {},
    );
    assert_eq!(state["u"]["metas"], json!([meta("1"), meta("2")]));
    assert_eq!(previous.unwrap()["metas"], json!([meta("1")]));
    sync_diff(
        &mut state,
        &json!({"joins": {}, "leaves": {"u": {"metas": [meta("1")]}}}),
        |_, _, _| {},
        |_, _, _| {},
    );
    assert_eq!(state["u"]["metas"], json!([meta("2")]));
    sync_diff(
        &mut state,
        &json!({"joins": {"u": {"metas": [{"phx_ref": "3", "phx_ref_prev": "2"}]}}, "leaves": {"u": {"metas": [meta("2")]}}}),
        |_, _, _| {},
        |_, _, _| {},
    );
    assert_eq!(state["u"]["metas"].as_array().unwrap().len(), 1);
    sync_diff(
        &mut state,
        &json!({"joins": {}, "leaves": {"u": {"metas": [{"phx_ref": "3"}]}}}),
        |_, _, _| {},
        |_, _, _| {},
    );
    assert!(!state.contains_key("u"));
}

#[test]
fn p6_prototype_names_are_plain_keys() {
    let mut tracker = Tracker::default();
    tracker.on_state(
        Some("1"),
        &json!({"__proto__": {"metas": [meta("1")]}, "constructor": {"metas": [meta("2")]}}),
    );
    assert_eq!(tracker.keys(), ["__proto__", "constructor"]);
}
