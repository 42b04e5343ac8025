//! Channel behaviours that need a purpose-built socket and channel: the
//! remaining server items of the spec's checklist (`S<n>` in the names).

#[path = "../../demo/tests/support/http.rs"]
mod http;
mod support;
#[path = "../../demo/tests/support/ws.rs"]
mod ws;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use phoenix::channel::{Channel, ChannelSocket, Event, JoinResult, Reason, Reply};
use phoenix::prelude::*;
use phoenix::protocol::Payload;
use phoenix::socket::{ChannelRoutes, ConnectError, ConnectInfo, Socket, SocketLimits};
use serde::Serialize;
use serde_json::{json, Map, Value};
use support::{ErrorView, TempApp};
use ws::{try_connect, Connect, Ws};

/// Reasons `terminate` saw, by topic: application state of the test server.
#[derive(Default)]
pub struct Terminations {
    seen: Mutex<Vec<(String, String)>>,
    changed: tokio::sync::Notify,
}

impl Terminations {
    fn record(&self, topic: &str, reason: &Reason) {
        let mut seen = self.seen.lock().unwrap();
        seen.push((topic.to_string(), format!("{reason:?}")));
        self.changed.notify_waiters();
    }

    fn has(&self, topic: &str, reason: &str) -> bool {
        let seen = self.seen.lock().unwrap();
        seen.iter().any(|(t, r)| t == topic && r == reason)
    }

    /// Waits (10 s at most) until `terminate` ran for `topic` with `reason`.
    async fn wait_for(&self, topic: &str, reason: &str) {
        let wait = async {
            loop {
                let changed = self.changed.notified();
                if self.has(topic, reason) {
                    return;
                }
                changed.await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(10), wait)
            .await
            .is_err()
        {
            panic!(
                "terminate({reason}) not called for {topic} within 10 s: {:?}",
                self.seen.lock().unwrap()
            );
        }
    }
}

/// What the test sockets keep of a connection.
#[derive(Clone, Serialize)]
pub struct TestAssigns {
    params: Map<String, Value>,
    auth_token: Option<String>,
    /// Whether `connect` could read the application's state.
    sees_state: bool,
}

#[derive(Default)]
pub struct TestSocket;

impl Socket for TestSocket {
    type Assigns = TestAssigns;

    fn channels(&self, routes: &mut ChannelRoutes<TestAssigns>) {
        routes.channel::<TestChannel>("test:*");
    }

    async fn connect(
        &self,
        params: &Params,
        info: &ConnectInfo,
    ) -> Result<TestAssigns, ConnectError> {
        match params.get_str("refuse") {
            Some("403") => return Err(ConnectError::Forbidden),
            Some("429") => return Err(ConnectError::Status(429, "slow down".into())),
            _ => {}
        }
        Ok(TestAssigns {
            params: params.as_map().clone(),
            auth_token: info.auth_token.clone(),
            sees_state: info.state::<Terminations>().is_ok(),
        })
    }
}

/// Same channels, with a short idle timeout and a tiny outbound queue.
#[derive(Default)]
pub struct TightSocket;

impl Socket for TightSocket {
    type Assigns = TestAssigns;

    fn channels(&self, routes: &mut ChannelRoutes<TestAssigns>) {
        routes.channel::<TestChannel>("test:*");
    }

    async fn connect(
        &self,
        _params: &Params,
        _info: &ConnectInfo,
    ) -> Result<TestAssigns, ConnectError> {
        Ok(TestAssigns {
            params: Map::new(),
            auth_token: None,
            sees_state: false,
        })
    }

    fn limits(&self) -> SocketLimits {
        SocketLimits {
            idle_timeout: Duration::from_millis(800),
            outbound_queue: 16,
            max_frame_size: 64 * 1024,
            long_poll_window: Duration::from_millis(300),
            ..SocketLimits::default()
        }
    }
}

/// Events of every kind, JSON or binary: the untyped form of `handle_in`.
#[derive(Default)]
pub struct TestChannel;

impl Channel for TestChannel {
    type Assigns = TestAssigns;
    type In = Event;
    type Info = &'static str;

    async fn join(
        &mut self,
        topic: &str,
        _payload: Payload,
        socket: &mut ChannelSocket<Self>,
    ) -> JoinResult {
        match topic {
            "test:reply" => Ok(json!({"x": 1}).into()),
            "test:crash" => panic!("join crashes on purpose"),
            "test:push" => {
                socket.push("welcome", json!({"hello": "you"})).unwrap();
                Ok(Payload::empty())
            }
            "test:assigns" => Ok(serde_json::to_value(socket.assigns()).unwrap().into()),
            _ => Ok(Payload::empty()),
        }
    }

    fn intercept(&self) -> &'static [&'static str] {
        &["filtered"]
    }

    async fn handle_out(
        &mut self,
        event: &str,
        payload: Payload,
        socket: &mut ChannelSocket<Self>,
    ) {
        let value = payload.as_json().cloned().unwrap_or_default();
        if value["drop"] != json!(true) {
            let _ = socket.push(event, json!({"intercepted": true, "was": value}));
        }
    }

    async fn handle_in(&mut self, event: Event, socket: &mut ChannelSocket<Self>) -> Reply {
        let Event { event, payload } = event;
        match event.as_str() {
            "later" => {
                let reply = socket.reply_ref();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    reply.reply("ok", json!({"later": true}));
                });
                Reply::none()
            }
            "push" => {
                socket.push("pushed", payload).unwrap();
                Reply::none()
            }
            "broadcast" => {
                let value = payload.as_json().cloned().unwrap_or_default();
                let event = value["event"].as_str().unwrap_or("b").to_string();
                socket.broadcast(&event, value["payload"].clone()).unwrap();
                Reply::none()
            }
            "stop" => Reply::stop(Reason::Normal),
            "stop_reply" => Reply::stop_with_reply(Reason::Shutdown, "ok", json!({"bye": true})),
            "stop_error" => Reply::stop(Reason::Error("bad state".into())),
            "info_all" => {
                socket.connection().send_info(|| "pong");
                Reply::none()
            }
            "status" => Reply::status("error"),
            "describe" => match payload {
                Payload::Binary(bytes) => Reply::ok(json!({"binary": true, "len": bytes.len()})),
                other => Reply::ok(json!({"binary": false, "value": other.as_json()})),
            },
            "flood" => {
                for i in 0..10_000 {
                    if socket
                        .push("flood", json!({"i": i, "pad": "x".repeat(100)}))
                        .is_err()
                    {
                        break;
                    }
                }
                Reply::none()
            }
            _ => Reply::ok(payload),
        }
    }

    async fn handle_info(
        &mut self,
        info: &'static str,
        socket: &mut ChannelSocket<Self>,
    ) -> Option<Reason> {
        let _ = socket.push("info", json!({"message": info}));
        None
    }

    async fn terminate(&mut self, reason: &Reason, socket: &mut ChannelSocket<Self>) {
        if let Ok(terminations) = socket.state::<Terminations>() {
            terminations.record(socket.topic(), reason);
        }
    }
}

mod app {
    phoenix::router! {
        socket "/socket", super::TestSocket;
        socket "/tight", super::TightSocket;
        socket "/users/:user_id/socket", super::TestSocket;
    }
}

struct Server {
    addr: SocketAddr,
    pubsub: phoenix::pubsub::PubSub,
    terminated: Arc<Terminations>,
    _stop: tokio::sync::oneshot::Sender<()>,
    _dir: TempApp,
}

async fn server() -> Server {
    let dir = TempApp::new(&[]);
    let terminated = Arc::new(Terminations::default());
    let endpoint = Endpoint::builder(dir.config(), app::router())
        .state_arc(terminated.clone())
        .view(ErrorView)
        .build()
        .unwrap();
    let pubsub = endpoint.pubsub().clone();
    let (addr, stop) = support::listen(endpoint).await;
    Server {
        addr,
        pubsub,
        terminated,
        _stop: stop,
        _dir: dir,
    }
}

async fn open(addr: SocketAddr, path: &str) -> Ws {
    match try_connect(addr, path, &[]).await {
        Connect::Open(ws) => *ws,
        Connect::Refused(status) => panic!("refused with {status}"),
    }
}

/// Sockets are dispatched before the endpoint's plugs, as in Phoenix: a plug
/// that refuses every request does not refuse WebSocket upgrades (a socket
/// authenticates in `connect`), except on a socket path with parameters,
/// which is routed like any other request.
#[tokio::test]
async fn websocket_upgrades_skip_the_endpoints_plugs() {
    let dir = TempApp::new(&[]);
    let refuse_all = |conn: Conn| async move {
        Ok(conn
            .send_resp(poem::http::StatusCode::UNAUTHORIZED, "no")?
            .halt())
    };
    let endpoint = Endpoint::builder(dir.config(), app::router())
        .plug(refuse_all)
        .view(ErrorView)
        .build()
        .unwrap();
    let (addr, _stop) = support::listen(endpoint).await;
    let page = http::get(addr, "/socket/longpoll?vsn=2.0.0", "").await;
    assert!(page.starts_with("HTTP/1.1 401"), "{page}");
    let mut ws = open(addr, "/socket/websocket?vsn=2.0.0&user=a").await;
    ws.push(json!(["1", "1", "test:a", "phx_join", {}])).await;
    let reply = ws.recv().await;
    assert_eq!(reply[4]["status"], "ok", "{reply}");
    let Connect::Refused(status) =
        try_connect(addr, "/users/7/socket/websocket?vsn=2.0.0", &[]).await
    else {
        panic!("a socket path with parameters passed the endpoint's plugs")
    };
    assert_eq!(status, 401);
}

#[tokio::test]
async fn s4_refused_connections() {
    let s = server().await;
    let Connect::Refused(status) =
        try_connect(s.addr, "/socket/websocket?vsn=2.0.0&refuse=403", &[]).await
    else {
        panic!("accepted")
    };
    assert_eq!(status, 403);
    let Connect::Refused(status) =
        try_connect(s.addr, "/socket/websocket?vsn=2.0.0&refuse=429", &[]).await
    else {
        panic!("accepted")
    };
    assert_eq!(status, 429);
}

#[tokio::test]
async fn s5_origin_not_allowed_is_403_and_no_origin_is_fine() {
    let s = server().await;
    let bad = try_connect(
        s.addr,
        "/socket/websocket?vsn=2.0.0",
        &[("origin", "http://notallowed.com")],
    )
    .await;
    assert!(matches!(bad, Connect::Refused(403)));
    let good = try_connect(
        s.addr,
        "/socket/websocket?vsn=2.0.0",
        &[("origin", "http://localhost:4000")],
    )
    .await;
    assert!(matches!(good, Connect::Open(_)));
    assert!(matches!(
        try_connect(s.addr, "/socket/websocket?vsn=2.0.0", &[]).await,
        Connect::Open(_)
    ));
}

#[tokio::test]
async fn s6_all_params_reach_connect_nested_and_path_params_merged() {
    let s = server().await;
    let mut ws = open(
        s.addr,
        "/users/42/socket/websocket?vsn=2.0.0&token=abc&user%5Bid%5D=1",
    )
    .await;
    let reply = ws.join("test:assigns", "1").await;
    let params = &reply[4]["response"]["params"];
    assert_eq!(params["vsn"], "2.0.0");
    assert_eq!(params["token"], "abc");
    assert_eq!(params["user"]["id"], "1");
    assert_eq!(params["user_id"], "42");
    assert_eq!(
        reply[4]["response"]["sees_state"], true,
        "connect reads app state"
    );
}

#[tokio::test]
async fn s7_auth_token_from_the_subprotocol() {
    let s = server().await;
    let Connect::Open(mut ws) = try_connect(
        s.addr,
        "/socket/websocket?vsn=2.0.0",
        &[(
            "sec-websocket-protocol",
            "phoenix, base64url.bearer.phx.MTIzNA",
        )],
    )
    .await
    else {
        panic!("refused")
    };
    let reply = ws.join("test:assigns", "1").await;
    assert_eq!(reply[4]["response"]["auth_token"], "1234");
}

#[tokio::test]
async fn s8_idle_connections_are_closed_and_heartbeats_keep_them_open() {
    let s = server().await;
    let mut idle = open(s.addr, "/tight/websocket?vsn=2.0.0").await;
    let mut alive = open(s.addr, "/tight/websocket?vsn=2.0.0").await;
    for i in 0..6 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        alive
            .push(json!([null, format!("{i}"), "phoenix", "heartbeat", {}]))
            .await;
        alive.recv().await;
    }
    assert!(idle.closed().await.is_some());
    alive
        .push(json!([null, "9", "phoenix", "heartbeat", {}]))
        .await;
    assert_eq!(alive.recv().await[1], "9");
}

#[tokio::test]
async fn s12_s15_join_reply_data_and_join_crash() {
    let s = server().await;
    let mut ws = open(s.addr, "/socket/websocket?vsn=2.0.0").await;
    assert_eq!(
        ws.join("test:reply", "1").await,
        json!(["1", "1", "test:reply", "phx_reply", {"status": "ok", "response": {"x": 1}}])
    );
    assert_eq!(
        ws.join("test:crash", "2").await,
        json!(["2", "2", "test:crash", "phx_reply", {"status": "error", "response": {"reason": "join crashed"}}])
    );
    ws.push(json!([null, "3", "phoenix", "heartbeat", {}]))
        .await;
    assert_eq!(ws.recv().await[1], "3", "the socket survives a join crash");
}

#[tokio::test]
async fn s18_s26_pushes_follow_the_join_reply_and_carry_the_join_ref() {
    let s = server().await;
    let mut ws = open(s.addr, "/socket/websocket?vsn=2.0.0").await;
    assert_eq!(ws.join("test:push", "4").await[3], "phx_reply");
    assert_eq!(
        ws.recv().await,
        json!(["4", null, "test:push", "welcome", {"hello": "you"}])
    );
    ws.push(json!(["4", "5", "test:push", "push", {"a": 1}]))
        .await;
    assert_eq!(
        ws.recv().await,
        json!(["4", null, "test:push", "pushed", {"a": 1}])
    );
}

#[tokio::test]
async fn s23_a_later_reply_carries_the_original_refs() {
    let s = server().await;
    let mut ws = open(s.addr, "/socket/websocket?vsn=2.0.0").await;
    ws.join("test:later", "1").await;
    ws.push(json!(["1", "7", "test:later", "later", {}])).await;
    assert_eq!(
        ws.recv().await,
        json!(["1", "7", "test:later", "phx_reply", {"status": "ok", "response": {"later": true}}])
    );
}

#[tokio::test]
async fn s21_bare_status_reply() {
    let s = server().await;
    let mut ws = open(s.addr, "/socket/websocket?vsn=2.0.0").await;
    ws.join("test:s", "1").await;
    ws.push(json!(["1", "2", "test:s", "status", {}])).await;
    assert_eq!(
        ws.recv().await[4],
        json!({"status": "error", "response": {}})
    );
}

#[tokio::test]
async fn s29_intercepted_events_go_through_handle_out() {
    let s = server().await;
    let mut a = open(s.addr, "/socket/websocket?vsn=2.0.0").await;
    let mut b = open(s.addr, "/socket/websocket?vsn=2.0.0").await;
    a.join("test:out", "1").await;
    b.join("test:out", "2").await;
    s.pubsub
        .broadcast("test:out", "filtered", json!({"n": 1}))
        .unwrap();
    assert_eq!(
        a.recv().await,
        json!(["1", null, "test:out", "filtered", {"intercepted": true, "was": {"n": 1}}])
    );
    assert_eq!(
        b.recv().await,
        json!(["2", null, "test:out", "filtered", {"intercepted": true, "was": {"n": 1}}])
    );
    s.pubsub
        .broadcast("test:out", "filtered", json!({"drop": true}))
        .unwrap();
    s.pubsub
        .broadcast("test:out", "plain", json!({"n": 2}))
        .unwrap();
    assert_eq!(
        a.recv().await,
        json!([null, null, "test:out", "plain", {"n": 2}]),
        "dropped one sends nothing"
    );
}

#[tokio::test]
async fn s36_s37_stops_close_the_channel() {
    let s = server().await;
    let mut ws = open(s.addr, "/socket/websocket?vsn=2.0.0").await;
    ws.join("test:stop", "1").await;
    ws.push(json!(["1", "2", "test:stop", "stop", {}])).await;
    assert_eq!(
        ws.recv().await,
        json!(["1", "1", "test:stop", "phx_close", {}])
    );
    ws.join("test:stop", "3").await;
    ws.push(json!(["3", "4", "test:stop", "stop_reply", {}]))
        .await;
    assert_eq!(
        ws.recv().await,
        json!(["3", "4", "test:stop", "phx_reply", {"status": "ok", "response": {"bye": true}}])
    );
    assert_eq!(
        ws.recv().await,
        json!(["3", "3", "test:stop", "phx_close", {}])
    );
    ws.join("test:stop", "5").await;
    ws.push(json!(["5", "6", "test:stop", "stop_error", {}]))
        .await;
    assert_eq!(
        ws.recv().await,
        json!(["5", "5", "test:stop", "phx_error", {"reason": "channel_crash"}])
    );
}

#[tokio::test]
async fn s39_closing_the_socket_terminates_its_channels() {
    let s = server().await;
    let mut ws = open(s.addr, "/socket/websocket?vsn=2.0.0").await;
    ws.join("test:s39a", "1").await;
    ws.join("test:s39b", "2").await;
    ws.close().await;
    s.terminated.wait_for("test:s39a", "Closed").await;
    s.terminated.wait_for("test:s39b", "Closed").await;
}

#[tokio::test]
async fn seed_info_reaches_every_channel_of_the_connection() {
    let s = server().await;
    let mut ws = open(s.addr, "/socket/websocket?vsn=2.0.0").await;
    ws.join("test:i1", "1").await;
    ws.join("test:i2", "2").await;
    ws.push(json!(["1", "3", "test:i1", "info_all", {}])).await;
    let mut got = [ws.recv().await, ws.recv().await];
    got.sort_by_key(|m| m[2].as_str().unwrap().to_string());
    assert_eq!(
        got[0],
        json!(["1", null, "test:i1", "info", {"message": "pong"}])
    );
    assert_eq!(
        got[1],
        json!(["2", null, "test:i2", "info", {"message": "pong"}])
    );
}

#[tokio::test]
async fn oversized_frames_close_the_socket_and_nothing_else() {
    let s = server().await;
    let mut big = open(s.addr, "/tight/websocket?vsn=2.0.0").await;
    let mut other = open(s.addr, "/tight/websocket?vsn=2.0.0").await;
    other.join("test:calm", "1").await;
    big.join("test:big", "1").await;
    big.push(json!(["1", "2", "test:big", "echo", {"pad": "x".repeat(100 * 1024)}]))
        .await;
    assert_eq!(big.closed().await, Some(1009));
    other
        .push(json!(["1", "2", "test:calm", "echo", {"still": "here"}]))
        .await;
    assert_eq!(other.recv().await[4]["response"]["still"], "here");
}

#[tokio::test]
async fn a_client_that_does_not_read_is_disconnected() {
    let s = server().await;
    let mut slow = open(s.addr, "/tight/websocket?vsn=2.0.0").await;
    slow.join("test:flood", "1").await;
    // 10 000 pushes of ~130 bytes into a 16-frame queue while the client reads nothing.
    slow.push(json!(["1", "2", "test:flood", "flood", {}]))
        .await;
    // The queue overflowed while the client read nothing: the server closes
    // the connection, which terminates its channel.
    s.terminated.wait_for("test:flood", "Closed").await;
    let mut received = 0;
    let ended = loop {
        match tokio::time::timeout(Duration::from_secs(5), slow.next_raw()).await {
            Ok(Some(_)) => received += 1,
            Ok(None) => break true,
            Err(_) => break false,
        }
    };
    assert!(ended, "the connection was closed");
    assert!(received < 10_000, "not everything was queued: {received}");
}

/// The state of this process's IPv4 TCP connection from local `port`, as
/// `/proc/net/tcp` gives it ("01" established, "08" close-wait: the peer
/// closed its side).
fn tcp_state(port: u16) -> Option<String> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let local = format!("0100007F:{port:04X}");
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.get(1) == Some(&local.as_str())).then(|| fields[3].to_string())
    })
}

/// A client that stops reading (its receive window full) is cut off when
/// its queue overflows: the server closes its side at once instead of
/// waiting for the client to drain what is queued, so the client sees the
/// close (close-wait here) without reading a byte. (The test above reads
/// everything, which cannot tell the two apart.)
#[tokio::test]
async fn a_client_that_stops_reading_is_cut_off() {
    use tokio_tungstenite::MaybeTlsStream;
    let s = server().await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(s.addr).await.unwrap();
    let port = stream.local_addr().unwrap().port();
    assert_eq!(
        tcp_state(port).as_deref(),
        Some("01"),
        "found as established"
    );
    let url = format!("ws://{}/tight/websocket?vsn=2.0.0", s.addr);
    let (ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream))
        .await
        .unwrap();
    let mut slow = Ws::from_stream(ws);
    slow.join("test:flood", "1").await;
    slow.push(json!(["1", "2", "test:flood", "flood", {}]))
        .await;
    s.terminated.wait_for("test:flood", "Closed").await;
    // Nothing is read from here on: only the kernel tells the state.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut state = tcp_state(port);
    while state.as_deref() == Some("01") && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
        state = tcp_state(port);
    }
    // Close-wait (the server's FIN), or gone (had it reset the connection).
    assert!(
        matches!(state.as_deref(), Some("08") | None),
        "the server closed its side: {state:?} (01 is still established)"
    );
}

// ---- LongPoll ----

async fn lp(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (String, Value) {
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    let response = http::raw(addr, &request).await;
    assert_eq!(http::status_of(&response), 200, "{response}");
    let json = serde_json::from_str(http::body_of(&response)).unwrap_or(Value::Null);
    (response, json)
}

async fn lp_open(addr: SocketAddr, mount: &str) -> String {
    let (_, body) = lp(addr, "GET", &format!("{mount}/longpoll?vsn=2.0.0"), &[], "").await;
    assert_eq!(body["status"], 410, "{body}");
    body["token"].as_str().unwrap().to_string()
}

async fn lp_post(addr: SocketAddr, mount: &str, token: &str, lines: &[String]) -> Value {
    let body = lines.join("\n");
    lp(
        addr,
        "POST",
        &format!("{mount}/longpoll?vsn=2.0.0&token={token}"),
        &[("content-type", "application/x-ndjson")],
        &body,
    )
    .await
    .1
}

async fn lp_get(addr: SocketAddr, mount: &str, token: &str) -> Value {
    lp(
        addr,
        "GET",
        &format!("{mount}/longpoll?vsn=2.0.0&token={token}"),
        &[],
        "",
    )
    .await
    .1
}

fn frames(body: &Value) -> Vec<Value> {
    body["messages"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|m| serde_json::from_str(m.as_str().unwrap()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn l1_a_get_without_token_opens_a_session() {
    let s = server().await;
    let (raw, body) = lp(s.addr, "GET", "/socket/longpoll?vsn=2.0.0", &[], "").await;
    assert_eq!(body["status"], 410);
    assert_eq!(body["messages"], json!([]));
    assert!(body["token"].as_str().unwrap().len() >= 32);
    assert_eq!(
        http::header_of(&raw, "content-type"),
        Some("application/json")
    );
    assert_eq!(http::header_of(&raw, "cache-control"), Some("no-store"));
    assert_eq!(
        http::header_of(&raw, "access-control-allow-origin"),
        Some("*")
    );
}

#[tokio::test]
async fn l2_refused_connect_or_origin_is_status_403() {
    let s = server().await;
    let (_, body) = lp(
        s.addr,
        "GET",
        "/socket/longpoll?vsn=2.0.0&refuse=403",
        &[],
        "",
    )
    .await;
    assert_eq!(body, json!({"status": 403}));
    let (_, body) = lp(
        s.addr,
        "GET",
        "/socket/longpoll?vsn=2.0.0",
        &[("origin", "http://evil.com")],
        "",
    )
    .await;
    assert_eq!(body, json!({"status": 403}));
}

#[tokio::test]
async fn l3_l8_post_a_join_then_get_the_reply_with_the_token_in_query_or_header() {
    let s = server().await;
    let token = lp_open(s.addr, "/socket").await;
    let posted = lp_post(
        s.addr,
        "/socket",
        &token,
        &[json!(["1", "1", "test:lp", "phx_join", {}]).to_string()],
    )
    .await;
    assert_eq!(posted, json!({"status": 200}));
    let got = lp_get(s.addr, "/socket", &token).await;
    assert_eq!(got["status"], 200);
    assert_eq!(
        frames(&got),
        [json!(["1", "1", "test:lp", "phx_reply", {"status": "ok", "response": {}}])]
    );
    // The token in the X-Phoenix-LongPoll-Token header works as well.
    lp(
        s.addr,
        "POST",
        "/socket/longpoll?vsn=2.0.0",
        &[
            ("content-type", "application/x-ndjson"),
            ("x-phoenix-longpoll-token", &token),
        ],
        &json!(["1", "2", "test:lp", "echo", {"via": "header"}]).to_string(),
    )
    .await;
    let (_, got) = lp(
        s.addr,
        "GET",
        "/socket/longpoll?vsn=2.0.0",
        &[("x-phoenix-longpoll-token", &token)],
        "",
    )
    .await;
    assert_eq!(frames(&got)[0][4]["response"]["via"], "header");
}

#[tokio::test]
async fn l4_an_empty_poll_waits_then_answers_204_or_200_when_something_arrives() {
    let s = server().await;
    let token = lp_open(s.addr, "/tight").await;
    let started = std::time::Instant::now();
    let got = lp_get(s.addr, "/tight", &token).await;
    assert_eq!(got["status"], 204);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "held for the window"
    );
    lp_post(
        s.addr,
        "/tight",
        &token,
        &[json!(["1", "1", "test:l4", "phx_join", {}]).to_string()],
    )
    .await;
    let pending = tokio::spawn(async move { lp_get(s.addr, "/tight", &token).await });
    let got = pending.await.unwrap();
    assert_eq!(got["status"], 200);
}

#[tokio::test]
async fn l5_post_with_an_unknown_token_is_410() {
    let s = server().await;
    assert_eq!(
        lp_post(s.addr, "/socket", "nope", &["[]".into()]).await,
        json!({"status": 410})
    );
}

#[tokio::test]
async fn l6_only_the_first_100_lines_of_a_post_are_processed() {
    let s = server().await;
    let token = lp_open(s.addr, "/socket").await;
    let lines: Vec<String> = (1..=101)
        .map(|i| json!([null, format!("{i}"), "phoenix", "heartbeat", {}]).to_string())
        .collect();
    lp_post(s.addr, "/socket", &token, &lines).await;
    let got = frames(&lp_get(s.addr, "/socket", &token).await);
    assert_eq!(got.len(), 100);
    assert_eq!(got[99][1], "100");
}

#[tokio::test]
async fn l7_a_base64_line_is_a_binary_frame() {
    use base64::Engine;
    let s = server().await;
    let token = lp_open(s.addr, "/socket").await;
    let mut frame = vec![0u8, 1, 1, 7, 8];
    frame.extend_from_slice(b"12test:l7describe");
    frame.extend_from_slice(&[9, 9, 9]);
    let line = base64::engine::general_purpose::STANDARD.encode(frame);
    lp_post(
        s.addr,
        "/socket",
        &token,
        &[
            json!(["1", "1", "test:l7", "phx_join", {}]).to_string(),
            line,
        ],
    )
    .await;
    let got = frames(&lp_get(s.addr, "/socket", &token).await);
    assert_eq!(
        got[1],
        json!(["1", "2", "test:l7", "phx_reply", {"status": "ok", "response": {"binary": true, "len": 3}}])
    );
}

#[tokio::test]
async fn l9_a_session_without_polls_ends_and_its_channels_stop() {
    let s = server().await;
    let token = lp_open(s.addr, "/tight").await;
    lp_post(
        s.addr,
        "/tight",
        &token,
        &[json!(["1", "1", "test:l9", "phx_join", {}]).to_string()],
    )
    .await;
    lp_get(s.addr, "/tight", &token).await;
    s.terminated.wait_for("test:l9", "Closed").await;
    let (_, body) = lp(
        s.addr,
        "GET",
        &format!("/tight/longpoll?vsn=2.0.0&token={token}"),
        &[],
        "",
    )
    .await;
    assert_eq!(body["status"], 410);
    assert_ne!(body["token"], json!(token), "a new session");
}

#[tokio::test]
async fn l10_options_answers_cors() {
    let s = server().await;
    let (raw, _) = lp(
        s.addr,
        "OPTIONS",
        "/socket/longpoll",
        &[("access-control-request-headers", "x-phoenix-longpoll-token")],
        "",
    )
    .await;
    assert_eq!(
        http::header_of(&raw, "access-control-allow-methods"),
        Some("get, post, options")
    );
    assert_eq!(
        http::header_of(&raw, "access-control-allow-headers"),
        Some("x-phoenix-longpoll-token")
    );
    assert_eq!(
        http::header_of(&raw, "access-control-max-age"),
        Some("3600")
    );
}
