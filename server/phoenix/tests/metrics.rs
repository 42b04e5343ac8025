//! The `metrics` observer against real traffic: HTTP requests, a WebSocket
//! client joining, pushing, broadcasting and crashing a channel, counted by
//! `metrics-util`'s debugging recorder (installed globally: one test here).

#[path = "../../demo/tests/support/http.rs"]
mod http;
mod support;
#[path = "../../demo/tests/support/ws.rs"]
mod ws;

use std::collections::BTreeMap;
use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use phoenix::channel::{Channel, ChannelSocket, JoinResult, Reply};
use phoenix::observer::metrics::{self as m, MetricsObserver};
use phoenix::prelude::*;
use phoenix::protocol::Payload;
use phoenix::socket::{ChannelRoutes, ConnectError, ConnectInfo, Socket};
use serde_json::json;
use support::{ErrorView, TempApp};
use ws::{try_connect, Connect};

#[derive(Default)]
pub struct RoomSocket;

impl Socket for RoomSocket {
    type Assigns = ();

    fn channels(&self, routes: &mut ChannelRoutes<()>) {
        routes.channel::<RoomChannel>("room:*");
    }

    async fn connect(&self, _params: &Params, _info: &ConnectInfo) -> Result<(), ConnectError> {
        Ok(())
    }
}

/// The events of the room.
#[derive(serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomIn {
    Shout,
    Boom,
    Ping,
}

#[derive(Default)]
pub struct RoomChannel;

impl Channel for RoomChannel {
    type Assigns = ();
    type In = RoomIn;
    type Info = ();

    async fn join(&mut self, topic: &str, _: Payload, _: &mut ChannelSocket<Self>) -> JoinResult {
        if topic == "room:refused" {
            return Err(json!({"reason": "no"}).into());
        }
        Ok(Payload::empty())
    }

    async fn handle_in(&mut self, event: RoomIn, socket: &mut ChannelSocket<Self>) -> Reply {
        match event {
            RoomIn::Shout => {
                socket.broadcast("shouted", json!({"loud": true})).unwrap();
                Reply::none()
            }
            RoomIn::Boom => panic!("crashes on purpose"),
            RoomIn::Ping => Reply::ok(json!({"pong": true})),
        }
    }
}

pub struct PageController;

impl Controller for PageController {
    type View = PageView;
}

#[derive(Default)]
pub struct PageView;

impl View for PageView {
    fn name(&self) -> &'static str {
        "page"
    }
}

impl PageController {
    pub async fn index(conn: Conn, _params: Params) -> Result<Conn> {
        conn.text("hi")
    }
}

mod app {
    phoenix::router! {
        socket "/socket", super::RoomSocket;
        get "/", super::PageController, index;
    }
}

/// Figures summed over snapshots (the recorder resets what it reports),
/// by `name` or `name{label=value}`.
#[derive(Default)]
struct Figures {
    values: BTreeMap<String, f64>,
    histograms: BTreeMap<String, Vec<f64>>,
}

impl Figures {
    fn take(&mut self, snapshotter: &Snapshotter) {
        for (key, _, _, value) in snapshotter.snapshot().into_vec() {
            let key = key.key();
            let labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            let name = if labels.is_empty() {
                key.name().to_string()
            } else {
                format!("{}{{{}}}", key.name(), labels.join(","))
            };
            match value {
                DebugValue::Counter(n) => *self.values.entry(name).or_default() += n as f64,
                DebugValue::Gauge(v) => *self.values.entry(name).or_default() += v.into_inner(),
                DebugValue::Histogram(v) => self
                    .histograms
                    .entry(name)
                    .or_default()
                    .extend(v.into_iter().map(|x| x.into_inner())),
            }
        }
    }

    fn get(&self, name: &str) -> f64 {
        self.values.get(name).copied().unwrap_or(0.0)
    }
}

/// Takes snapshots until `done` holds (5 s at most).
async fn until(snapshotter: &Snapshotter, figures: &mut Figures, done: impl Fn(&Figures) -> bool) {
    for _ in 0..100 {
        figures.take(snapshotter);
        if done(figures) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("figures: {:#?}", figures.values);
}

#[tokio::test]
async fn real_traffic_shows_in_the_metrics() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder
        .install()
        .expect("the only recorder of this test binary");

    let dir = TempApp::new(&[]);
    let endpoint = Endpoint::builder(dir.config(), app::router())
        .view(ErrorView)
        .observer(MetricsObserver::new())
        .build()
        .unwrap();
    let (addr, stop) = support::listen(endpoint).await;

    assert_eq!(http::status_of(&http::get(addr, "/", "").await), 200);
    assert_eq!(http::status_of(&http::get(addr, "/nope", "").await), 404);

    let Connect::Open(ws) = try_connect(addr, "/socket/websocket?vsn=2.0.0", &[]).await else {
        panic!("refused");
    };
    let mut ws = *ws;
    assert_eq!(ws.join("room:a", "1").await[4]["status"], "ok");
    assert_eq!(ws.join("room:refused", "2").await[4]["status"], "error");
    assert_eq!(ws.join("room:b", "3").await[4]["status"], "ok");
    ws.push(json!(["1", "4", "room:a", "ping", {}])).await;
    assert_eq!(ws.recv().await[4]["response"]["pong"], true);
    ws.push(json!(["1", "5", "room:a", "shout", {}])).await;
    assert_eq!(ws.recv().await[3], "shouted");
    ws.push(json!(["3", "6", "room:b", "boom", {}])).await;
    assert_eq!(ws.recv().await[3], "phx_error");

    let mut figures = Figures::default();
    until(&snapshotter, &mut figures, |f| {
        f.get(m::CRASHES) == 1.0 && f.get(m::CHANNELS) == 1.0
    })
    .await;
    assert_eq!(
        f64::from(1),
        figures.get(&format!("{}{{status_class=2xx}}", m::HTTP_REQUESTS))
    );
    assert_eq!(
        1.0,
        figures.get(&format!("{}{{status_class=4xx}}", m::HTTP_REQUESTS))
    );
    assert_eq!(
        1.0,
        figures.get(&format!("{}{{status_class=1xx}}", m::HTTP_REQUESTS)),
        "the WebSocket upgrade"
    );
    let durations = &figures.histograms[&format!("{}{{status_class=2xx}}", m::HTTP_DURATION)];
    assert!(
        durations.len() == 1 && durations[0] > 0.0 && durations[0] < 5.0,
        "{durations:?}"
    );
    assert_eq!(figures.get(m::SOCKETS), 1.0);
    assert_eq!(figures.get(&format!("{}{{status=ok}}", m::JOINS)), 2.0);
    assert_eq!(figures.get(&format!("{}{{status=error}}", m::JOINS)), 1.0);
    assert_eq!(
        figures.get(m::MESSAGES_IN),
        6.0,
        "3 joins, ping, shout, boom"
    );
    // 3 join replies, the ping's reply and phx_error; the broadcast went
    // through the fast lane and counts as a delivery.
    assert_eq!(figures.get(m::MESSAGES_OUT), 5.0);
    assert_eq!(figures.get(m::BROADCASTS), 1.0);
    assert_eq!(figures.get(m::DELIVERIES), 1.0);

    ws.close().await;
    until(&snapshotter, &mut figures, |f| f.get(m::SOCKETS) == 0.0).await;
    until(&snapshotter, &mut figures, |f| f.get(m::CHANNELS) == 0.0).await;
    let _ = stop.send(());
}
