//! PubSub and Presence across two nodes (two PubSubs in this process) over a
//! real `redis-server` (Debian's), which the test starts on a free port:
//! exactly-once delivery, `broadcast_from`, binary payloads, an outage
//! counted and recovered from, presence replicated and dropped after the
//! down period.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use phoenix::config::PresenceConfig;
use phoenix::presence::Presence;
use phoenix::protocol::Payload;
use phoenix::pubsub::redis::RedisAdapter;
use phoenix::pubsub::{PubSub, Subscription};
use serde_json::json;

/// Fails naming `what` unless `check` holds within 10 s.
async fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The next broadcast of a subscription (5 s at most).
async fn next(sub: &mut Subscription, what: &str) -> std::sync::Arc<phoenix::pubsub::Broadcast> {
    tokio::time::timeout(Duration::from_secs(5), sub.recv())
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
        .expect("subscription open")
}

struct Redis {
    port: u16,
    child: Option<Child>,
}

impl Redis {
    fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = Redis { port, child: None };
        redis.spawn();
        redis
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package) must be installed");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

fn node(redis: &Redis, name: &str, channel: &str) -> PubSub {
    PubSub::with_adapter(RedisAdapter::new(&redis.url(), name.into(), channel.into()).unwrap())
}

async fn connected(nodes: &[&PubSub]) {
    for pubsub in nodes {
        until(&format!("{} to reach Redis", pubsub.node()), || {
            pubsub.adapter_status().connected
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_reach_every_node_once_and_survive_an_outage() {
    let mut redis = Redis::start();
    let a = node(&redis, "a", "phx:test-broadcasts");
    let b = node(&redis, "b", "phx:test-broadcasts");
    assert!(a.is_distributed());
    let mut on_a = a.subscribe("room");
    let mut on_b = b.subscribe("room");
    connected(&[&a, &b]).await;

    a.broadcast("room", "hello", json!({"n": 1})).unwrap();
    a.broadcast("room", "marker", json!({})).unwrap();
    for (sub, name) in [(&mut on_a, "a"), (&mut on_b, "b")] {
        let first = next(sub, &format!("hello on {name}")).await;
        assert_eq!(first.event, "hello");
        // Delivered once: the next one is the marker, not a copy.
        assert_eq!(
            next(sub, &format!("marker on {name}")).await.event,
            "marker"
        );
    }
    let from_a = {
        b.broadcast("room", "from b", json!({})).unwrap();
        next(&mut on_a, "b's broadcast on a").await
    };
    assert_eq!(from_a.source_node(), Some("b"));
    assert_eq!(
        next(&mut on_b, "b's own broadcast on b")
            .await
            .source_node(),
        None
    );

    // broadcast_from: not to the sender, to everyone else on every node.
    a.broadcast_from(on_a.id(), "room", "others", json!({}))
        .unwrap();
    a.broadcast("room", "marker", json!({})).unwrap();
    assert_eq!(next(&mut on_a, "marker on a").await.event, "marker");
    assert_eq!(next(&mut on_b, "others on b").await.event, "others");
    assert_eq!(next(&mut on_b, "marker on b").await.event, "marker");

    // Binary payloads cross as they are.
    a.broadcast("room", "bytes", Payload::Binary(vec![0, 1, 2, 255]))
        .unwrap();
    next(&mut on_a, "bytes on a").await;
    let bytes = next(&mut on_b, "bytes on b").await;
    assert!(matches!(&bytes.payload, Payload::Binary(b) if b == &[0, 1, 2, 255]));

    // Redis goes away: each node still serves its own subscribers, and what
    // it could not send is counted.
    redis.kill();
    until("a to see the outage", || !a.adapter_status().connected).await;
    a.broadcast("room", "during", json!({})).unwrap();
    assert_eq!(
        next(&mut on_a, "a's own broadcast during the outage")
            .await
            .event,
        "during"
    );
    until("a to count what it lost", || a.adapter_status().lost >= 1).await;
    assert!(a.adapter_status().outages >= 1);

    // Redis comes back: both nodes reconnect and delivery resumes.
    redis.spawn();
    connected(&[&a, &b]).await;
    let mut got = None;
    for i in 0..100 {
        // The sender may retry its link after a backoff: send until one arrives.
        a.broadcast("room", "after", json!({ "i": i })).unwrap();
        next(&mut on_a, "a's own broadcast after the outage").await;
        if let Ok(Some(message)) =
            tokio::time::timeout(Duration::from_millis(100), on_b.recv()).await
        {
            got = Some(message);
            break;
        }
    }
    let got = got.expect("a broadcast from a reaches b after Redis is back");
    assert_eq!(got.event, "after");
    let status = a.adapter_status();
    assert!(status.sent >= 5 && status.connected, "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_spans_the_nodes_and_drops_a_silent_one() {
    let redis = Redis::start();
    let config = PresenceConfig {
        heartbeat_ms: 100,
        down_period_ms: 800,
    };
    let a = node(&redis, "a", "phx:test-presence");
    let b = node(&redis, "b", "phx:test-presence");
    connected(&[&a, &b]).await;
    let on_a = Presence::with_config(a.clone(), &config);
    let on_b = Presence::with_config(b.clone(), &config);
    let mut diffs_on_b = b.subscribe("room:1");

    let alice = on_a.track("room:1", "alice", json!({"device": "web"}));
    let diff = next(&mut diffs_on_b, "alice's join on b").await;
    assert_eq!(diff.event, "presence_diff");
    assert_eq!(
        diff.payload.as_json().unwrap()["joins"]["alice"]["metas"][0]["device"],
        "web"
    );
    // The same key on both nodes: one key, two metas, listed on each node.
    on_b.track("room:1", "alice", json!({"device": "phone"}));
    next(&mut diffs_on_b, "b's own join").await;
    for (presence, name) in [(&on_a, "a"), (&on_b, "b")] {
        until(&format!("{name} to list alice with two metas"), || {
            presence.list("room:1")["alice"]["metas"]
                .as_array()
                .is_some_and(|m| m.len() == 2)
        })
        .await;
    }
    assert_eq!(on_b.nodes(), ["a"]);

    on_a.untrack(&alice);
    let left = next(&mut diffs_on_b, "alice's leave on b").await;
    assert_eq!(
        left.payload.as_json().unwrap()["leaves"]["alice"]["metas"][0]["device"],
        "web"
    );

    // Node a goes silent (its tracker and PubSub dropped, as in a crash):
    // after the down period b drops its entries and says so in a diff.
    on_a.track("room:1", "carol", json!({}));
    let joined = next(&mut diffs_on_b, "carol's join on b").await;
    assert!(joined.payload.as_json().unwrap()["joins"]
        .get("carol")
        .is_some());
    drop(on_a);
    drop(a);
    let gone = next(&mut diffs_on_b, "carol's leave after the down period").await;
    assert!(gone.payload.as_json().unwrap()["leaves"]
        .get("carol")
        .is_some());
    until("b to forget node a", || on_b.nodes().is_empty()).await;
    assert!(on_b.list("room:1").get("carol").is_none());
}
