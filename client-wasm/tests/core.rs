//! The client checklist of the protocol spec against the state machine,
//! with a fake clock (C1–C16; C16 is the LongPoll fallback decision, whose
//! browser memory and the LongPoll transport itself (C17) are driver matters,
//! covered by e2e/specs/wasm.spec.mjs and tests/native_longpoll.rs) and the
//! presence checklist (P1–P6).

use phoenix_client::core::{ChannelState, Core, Options, Output};
use phoenix_client::presence::{sync_diff, Tracker};
use phoenix_client::Transport;
use phoenix_protocol::{Frame, Payload};
use serde_json::{json, Value};

struct Harness {
    core: Core,
    now: u64,
    sent: Vec<Value>,
    outputs: Vec<Output>,
}

impl Harness {
    /// A harness whose core has not connected yet.
    fn new(options: Options) -> Harness {
        Harness {
            core: Core::new("ws://example.com/socket", options),
            now: 0,
            sent: Vec::new(),
            outputs: Vec::new(),
        }
    }

    /// The transports of every connect so far.
    fn transports(&self) -> Vec<Transport> {
        self.outputs
            .iter()
            .filter_map(|o| match o {
                Output::Connect(transport, _) => Some(*transport),
                _ => None,
            })
            .collect()
    }

    fn open() -> Harness {
        let mut h = Harness {
            core: Core::new("ws://example.com/socket", Options::default()),
            now: 0,
            sent: Vec::new(),
            outputs: Vec::new(),
        };
        h.core.connect(h.now);
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
            .filter(|o| matches!(o, Output::Connect(..)))
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
fn the_longpoll_transport_connects_to_longpoll_and_has_no_heartbeats() {
    let mut h = Harness::new(Options {
        transport: Transport::LongPoll,
        ..Options::default()
    });
    assert_eq!(h.core.transport(), Transport::LongPoll);
    h.core.connect(h.now);
    h.collect();
    assert_eq!(
        h.outputs,
        [Output::Connect(
            Transport::LongPoll,
            "http://example.com/socket/longpoll?vsn=2.0.0".into()
        )]
    );
    h.core.opened(0);
    h.collect();
    h.tick(120_000);
    assert!(h.sent_of("heartbeat").is_empty());
    assert_eq!(h.core.next_deadline(), None);
}

fn with_fallback(ms: u64) -> Options {
    Options {
        long_poll_fallback_ms: Some(ms),
        ..Options::default()
    }
}

fn heartbeat_reply(h: &mut Harness) {
    let hb = h.sent_of("heartbeat").last().unwrap().clone();
    h.server(json!([null, hb[1], "phoenix", "phx_reply", {"status": "ok", "response": {}}]));
}

#[test]
fn c16_without_the_option_a_failing_websocket_stays_websocket() {
    let mut h = Harness::new(Options::default());
    h.core.connect(h.now);
    h.core.closed(h.now, 1006);
    h.collect();
    h.tick(10_000);
    assert!(h.transports().len() > 1);
    assert!(h.transports().iter().all(|t| *t == Transport::WebSocket));
    assert!(!h.outputs.contains(&Output::RememberLongPoll));
}

#[test]
fn c16_a_websocket_failing_before_it_opens_falls_back_at_once_and_for_good() {
    let mut h = Harness::new(with_fallback(2500));
    let id = h.core.channel("room:a", Payload::empty());
    h.core.join(h.now, id, None);
    h.core.connect(h.now);
    h.collect();
    assert_eq!(h.transports(), [Transport::WebSocket]);
    h.tick(100);
    h.core.closed(h.now, 1006); // refused
    h.collect();
    assert_eq!(h.core.transport(), Transport::LongPoll);
    assert!(h.outputs.contains(&Output::Closed(1006)));
    assert_eq!(h.core.state(id), ChannelState::Errored);
    // The first reconnect step opens LongPoll.
    h.tick(9);
    assert_eq!(h.transports().len(), 1);
    h.tick(1);
    assert_eq!(h.transports(), [Transport::WebSocket, Transport::LongPoll]);
    assert!(h.outputs.iter().any(|o| matches!(o,
        Output::Connect(Transport::LongPoll, url) if url == "http://example.com/socket/longpoll?vsn=2.0.0")));
    h.core.opened(h.now);
    h.collect();
    // Remembered for the tab, joined over LongPoll, without heartbeats.
    assert!(h.outputs.contains(&Output::RememberLongPoll));
    h.reply_last("phx_join", "room:a", "ok");
    assert_eq!(h.core.state(id), ChannelState::Joined);
    h.tick(100_000);
    assert!(h.sent_of("heartbeat").is_empty());
    // A lost LongPoll session comes back as LongPoll.
    h.core.closed(h.now, 1011);
    h.collect();
    h.tick(10);
    assert_eq!(h.transports().last(), Some(&Transport::LongPoll));
}

#[test]
fn c16_a_websocket_that_does_not_open_in_time_is_abandoned() {
    let mut h = Harness::new(with_fallback(2500));
    h.core.connect(h.now);
    h.collect();
    h.tick(2499);
    assert!(h.outputs.iter().all(|o| !matches!(o, Output::Close(..))));
    h.tick(1);
    assert!(h.outputs.iter().any(|o| matches!(o, Output::Close(..))));
    assert!(h.outputs.contains(&Output::Closed(1006)));
    h.tick(10);
    assert_eq!(h.transports(), [Transport::WebSocket, Transport::LongPoll]);
}

#[test]
fn c16_an_open_websocket_must_answer_a_ping_in_time() {
    let mut h = Harness::new(with_fallback(2500));
    h.core.connect(h.now);
    h.tick(1000);
    h.core.opened(h.now);
    h.collect();
    // The health check: a heartbeat at once, a full period for its reply.
    assert_eq!(h.sent_of("heartbeat").len(), 1);
    h.tick(2499);
    assert!(h.outputs.iter().all(|o| !matches!(o, Output::Close(..))));
    h.tick(1);
    assert!(h.outputs.iter().any(|o| matches!(o, Output::Close(..))));
    assert!(h.outputs.contains(&Output::Closed(1006)));
    h.tick(10);
    assert_eq!(h.transports(), [Transport::WebSocket, Transport::LongPoll]);
}

#[test]
fn c16_a_websocket_that_answers_the_ping_is_kept_and_never_abandoned_later() {
    let mut h = Harness::new(with_fallback(2500));
    h.core.connect(h.now);
    h.collect();
    h.tick(100);
    h.core.opened(h.now);
    h.collect();
    h.tick(50);
    heartbeat_reply(&mut h);
    h.tick(10_000);
    assert!(h.outputs.iter().all(|o| !matches!(o, Output::Close(..))));
    // Heartbeats go on 30 s after the health check's reply.
    assert_eq!(h.sent_of("heartbeat").len(), 1);
    h.tick(20_000);
    assert_eq!(h.sent_of("heartbeat").len(), 2);
    // Once healthy, a server that goes away is not a reason to fall back:
    // refused or slow reconnects stay on WebSocket.
    h.core.closed(h.now, 1006);
    h.collect();
    h.tick(10);
    h.core.closed(h.now, 1006);
    h.collect();
    h.tick(60_000);
    assert!(h.transports().iter().all(|t| *t == Transport::WebSocket));
    assert_eq!(h.core.transport(), Transport::WebSocket);
}

#[test]
fn c16_a_websocket_lost_during_the_check_is_retried_as_websocket() {
    let mut h = Harness::new(with_fallback(2500));
    h.core.connect(h.now);
    h.core.opened(h.now);
    h.collect();
    h.tick(100);
    h.core.closed(h.now, 1006); // it had opened: an ordinary close
    h.collect();
    h.tick(10);
    assert_eq!(h.transports(), [Transport::WebSocket, Transport::WebSocket]);
    // The new attempt has the fallback armed again (second backoff step: 50 ms).
    h.core.closed(h.now, 1006);
    h.collect();
    h.tick(50);
    assert_eq!(h.transports().last(), Some(&Transport::LongPoll));
}

#[test]
fn c16_a_remembered_fallback_starts_on_longpoll() {
    let mut h = Harness::new(with_fallback(2500));
    h.core.recall_long_poll();
    h.core.connect(h.now);
    h.core.opened(h.now);
    h.collect();
    assert_eq!(h.transports(), [Transport::LongPoll]);
    assert!(h.outputs.contains(&Output::RememberLongPoll));
    assert_eq!(h.core.next_deadline(), None);
    // Without the fallback option the memory is not used.
    let mut h = Harness::new(Options::default());
    h.core.recall_long_poll();
    h.core.connect(h.now);
    h.collect();
    assert_eq!(h.transports(), [Transport::WebSocket]);
}

#[test]
fn c16_disconnect_cancels_the_fallback() {
    let mut h = Harness::new(with_fallback(2500));
    h.core.connect(h.now);
    h.tick(100);
    h.core.disconnect();
    h.collect();
    assert_eq!(h.core.next_deadline(), None);
    h.tick(10_000);
    assert_eq!(h.transports(), [Transport::WebSocket]);
    assert_eq!(h.core.transport(), Transport::WebSocket);
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
    h.core.set_visible(h.now, false);
    h.core.closed(h.now, 1006);
    h.collect();
    let connects = |h: &Harness| {
        h.outputs
            .iter()
            .filter(|o| matches!(o, Output::Connect(..)))
            .count()
    };
    assert_eq!(connects(&h), 1);
    h.tick(60_000);
    assert_eq!(connects(&h), 1, "no reconnect while hidden");
    assert!(h.core.is_active());
    h.core.set_visible(h.now, true);
    h.collect();
    assert_eq!(connects(&h), 2, "reconnects as soon as visible");
    // A disconnected socket stays down when the page shows again.
    h.core.disconnect();
    h.core.set_visible(h.now, false);
    h.core.set_visible(h.now, true);
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
    h.core.connect(h.now);
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
