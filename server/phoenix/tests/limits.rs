//! The limits of `[limits]` and of a socket's `SocketLimits`: past each, the
//! documented answer and at most one warning a second in the log, while the
//! server and the other clients go on.

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use phoenix::channel::{Channel, ChannelSocket, JoinResult, Reply};
use phoenix::prelude::*;
use phoenix::protocol::Payload;
use phoenix::socket::{ChannelRoutes, ConnectError, ConnectInfo, Socket, SocketLimits};
use phoenix::test::{CapturedLog, ConnTest, SocketClient, TestServer};
use serde::Deserialize;
use serde_json::{json, Value};
use support::{ErrorView, TempApp};
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[derive(Default)]
pub struct LimitedSocket;

impl Socket for LimitedSocket {
    type Assigns = ();

    fn channels(&self, routes: &mut ChannelRoutes<()>) {
        routes.channel::<EchoChannel>("room:*");
    }

    async fn connect(&self, _params: &Params, _info: &ConnectInfo) -> Result<(), ConnectError> {
        Ok(())
    }

    fn limits(&self) -> SocketLimits {
        SocketLimits {
            messages_per_second: 5,
            joins_per_second: 3,
            max_frame_size: 1024,
            ..SocketLimits::default()
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EchoIn {
    Ping(Payload),
}

#[derive(Default)]
pub struct EchoChannel;

impl Channel for EchoChannel {
    type Assigns = ();
    type In = EchoIn;
    type Info = ();

    async fn join(&mut self, _: &str, _: Payload, _: &mut ChannelSocket<Self>) -> JoinResult {
        Ok(Payload::empty())
    }

    async fn handle_in(&mut self, event: EchoIn, _: &mut ChannelSocket<Self>) -> Reply {
        match event {
            EchoIn::Ping(payload) => Reply::ok(payload),
        }
    }
}

mod app {
    use phoenix::prelude::*;

    pub struct FormController;

    #[derive(Default)]
    pub struct FormView;

    impl View for FormView {
        fn name(&self) -> &'static str {
            "form"
        }
    }

    impl Controller for FormController {
        type View = FormView;
    }

    impl FormController {
        pub async fn create(conn: Conn, params: Params) -> Result<Conn> {
            let size = params.get_str("text").map_or(0, str::len);
            conn.text(format!("{size}"))
        }
    }

    phoenix::router! {
        socket "/socket", super::LimitedSocket;
        scope "/" {
            post "/forms", FormController, create;
        }
    }
}

/// An app whose `test` environment sets `[limits]` to `limits`.
fn app_with(limits: &str) -> TempApp {
    let dir = TempApp::new(&[]);
    std::fs::write(
        dir.path().join("config/test.toml"),
        format!("[limits]\n{limits}"),
    )
    .unwrap();
    dir
}

fn endpoint(dir: &TempApp) -> Endpoint {
    Endpoint::builder(dir.config(), app::router())
        .view(ErrorView)
        .build()
        .unwrap()
}

/// Connects until it works (a closed connection gives its slot back when
/// its task ends), failing after 5 s.
async fn connect_eventually(server: &TestServer) -> SocketClient {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match server.try_socket("/socket", &[]).await {
            Ok(client) => return client,
            Err(err) if tokio::time::Instant::now() < deadline => {
                assert!(err.contains("503") || err.contains("429"), "{err}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(err) => panic!("no slot came back within 5 s: {err}"),
        }
    }
}

#[tokio::test]
async fn sockets_past_max_sockets_get_503_and_the_others_go_on() {
    let dir = app_with("max_sockets = 2\n");
    let server = TestServer::start(endpoint(&dir)).await;
    let mut first = server.socket("/socket", &[]).await;
    let second = server.socket("/socket", &[]).await;
    let (log, _guard) = CapturedLog::start();
    let started = std::time::Instant::now();
    for _ in 0..10 {
        let refused = server.try_socket("/socket", &[]).await.err();
        let refused = refused.expect("a third socket is refused");
        assert!(refused.contains("503"), "{refused}");
    }
    let lines = log.count("socket refused with 503");
    let seconds = started.elapsed().as_secs() as usize;
    assert!(
        lines >= 1 && lines <= seconds + 2,
        "ten refusals in {seconds} s log at most a line a second: {}",
        log.text()
    );
    // The connected ones go on.
    first.join("room:a", json!({})).await.assert_ok();
    first
        .call("room:a", "ping", json!({"n": 1}))
        .await
        .assert_ok();
    // A closed one gives its place back.
    drop(second);
    let mut third = connect_eventually(&server).await;
    third.join("room:b", json!({})).await.assert_ok();
}

#[tokio::test]
async fn sockets_past_max_sockets_per_ip_get_429() {
    let dir = app_with("max_sockets_per_ip = 1\n");
    let server = TestServer::start(endpoint(&dir)).await;
    let mut only = server.socket("/socket", &[]).await;
    let refused = server.try_socket("/socket", &[]).await.err();
    assert!(refused.expect("refused").contains("429"));
    only.join("room:a", json!({})).await.assert_ok();
    drop(only);
    connect_eventually(&server).await;
}

#[tokio::test]
async fn messages_over_the_rate_get_an_error_reply_and_are_not_handled() {
    let dir = app_with("");
    let server = TestServer::start(endpoint(&dir)).await;
    let mut client = server.socket("/socket", &[]).await;
    client.join("room:a", json!({})).await.assert_ok();
    let mut refs = Vec::new();
    let started = std::time::Instant::now();
    for n in 0..20 {
        refs.push(client.push("room:a", "ping", json!({ "n": n })).await);
    }
    let mut ok = 0;
    let mut limited = 0;
    for reference in &refs {
        let reply = client.reply(reference).await;
        match reply.status.as_str() {
            "ok" => ok += 1,
            "error" => {
                assert_eq!(reply.response, json!({"reason": "rate limited"}));
                limited += 1;
            }
            other => panic!("unexpected reply {other}"),
        }
    }
    // A burst of five, and five a second more while the pushes went out.
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        ok >= 5 && ok as f64 <= 6.0 + 5.0 * seconds,
        "{ok} handled, {limited} refused in {seconds:.2} s"
    );
    assert_eq!(ok + limited, 20);
    // Tokens come back at five a second: a later ping is handled again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let reply = client.call("room:a", "ping", json!({})).await;
        if reply.status == "ok" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no token within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Another connection has its own bucket.
    let mut other = server.socket("/socket", &[]).await;
    other.join("room:a", json!({})).await.assert_ok();
    other.call("room:a", "ping", json!({})).await.assert_ok();
}

#[tokio::test]
async fn joins_over_the_rate_are_refused() {
    let dir = app_with("");
    let server = TestServer::start(endpoint(&dir)).await;
    let mut client = server.socket("/socket", &[]).await;
    let mut refused = 0;
    let started = std::time::Instant::now();
    for n in 0..8 {
        let reply = client.join(&format!("room:{n}"), json!({})).await;
        if reply.status == "error" {
            assert_eq!(reply.response, json!({"reason": "too many joins"}));
            refused += 1;
        }
    }
    // A burst of three, and three a second more while the joins went on.
    let seconds = started.elapsed().as_secs_f64();
    let joined = 8 - refused;
    assert!(
        joined >= 3 && joined as f64 <= 4.0 + 3.0 * seconds,
        "{joined} of 8 joined in {seconds:.2} s"
    );
    // The joined channels work.
    client.call("room:0", "ping", json!({})).await.assert_ok();
}

#[tokio::test]
async fn a_frame_over_max_frame_size_closes_the_websocket_with_1009() {
    let dir = app_with("");
    let server = TestServer::start(endpoint(&dir)).await;
    let url = format!("ws://{}/socket/websocket?vsn=2.0.0", server.addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    let big = json!([null, "1", "room:a", "ping", {"text": "x".repeat(2000)}]).to_string();
    ws.send(WsMessage::Text(big.into())).await.unwrap();
    let close = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(frame) = ws.next().await {
            if let Ok(WsMessage::Close(close)) = frame {
                return close;
            }
        }
        None
    })
    .await
    .expect("a close frame within 5 s")
    .expect("a close frame with a code");
    assert_eq!(u16::from(close.code), 1009, "{close:?}");
    // The server goes on.
    let mut client = server.socket("/socket", &[]).await;
    client.join("room:a", json!({})).await.assert_ok();
}

/// A LongPoll request's JSON answer.
async fn long_poll(client: &ConnTest, method: &str, token: Option<&str>, body: &str) -> Value {
    let path = match token {
        Some(token) => format!("/socket/longpoll?vsn=2.0.0&token={token}"),
        None => "/socket/longpoll?vsn=2.0.0".to_string(),
    };
    let request = match method {
        "GET" => client.get(&path),
        _ => client.post(&path).body("text/plain", body),
    };
    let resp = request.send().await;
    assert_eq!(resp.status(), StatusCode::OK, "{}", resp.text());
    resp.json()
}

#[tokio::test]
async fn long_poll_sessions_and_bodies_have_limits() {
    let dir = app_with("max_long_poll_sessions = 1\n");
    let client = ConnTest::new(endpoint(&dir));
    let opened = long_poll(&client, "GET", None, "").await;
    assert_eq!(opened["status"], 410, "{opened}");
    let token = opened["token"].as_str().unwrap().to_string();
    let refused = long_poll(&client, "GET", None, "").await;
    assert_eq!(refused, json!({"status": 503}));
    // A message over `max_frame_size` is refused; the session goes on.
    let big = json!([null, "1", "room:a", "phx_join", {"text": "x".repeat(2000)}]).to_string();
    let too_big = long_poll(&client, "POST", Some(&token), &big).await;
    assert_eq!(too_big, json!({"status": 413}));
    let join = json!(["1", "1", "room:a", "phx_join", {}]).to_string();
    let posted = long_poll(&client, "POST", Some(&token), &join).await;
    assert_eq!(posted["status"], 200, "{posted}");
}

#[tokio::test]
async fn headers_and_bodies_over_their_limits_get_431_and_413() {
    let dir = app_with("max_header_bytes = 1024\njson_body_bytes = 100\nform_body_bytes = 1000\n");
    let client = ConnTest::new(endpoint(&dir));
    let big_header = client
        .post("/forms")
        .header("x-padding", &"p".repeat(2000))
        .send()
        .await;
    assert_eq!(
        big_header.status(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
    // Per content type: this JSON body is over 100 bytes, the same text as a
    // form is under 1000.
    let text = "t".repeat(300);
    let json_body = client
        .post("/forms")
        .json(&json!({ "text": text }))
        .send()
        .await;
    assert_eq!(json_body.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let form = client.post("/forms").form(&[("text", &text)]).send().await;
    assert_eq!(form.status(), StatusCode::OK, "{}", form.text());
    assert_eq!(form.text(), "300");
    let big_form = client
        .post("/forms")
        .form(&[("text", "f".repeat(2000))])
        .send()
        .await;
    assert_eq!(big_form.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
