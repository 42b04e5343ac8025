//! Live reload: the script and its injection, asset changes and build
//! status pushed to a joined client over a real WebSocket.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use phoenix::live_reload::{LiveReload, SCRIPT_PATH, TOPIC};
use phoenix::prelude::*;
use phoenix::test::ConnTest;
use serde_json::{json, Value};
use support::{listen, ErrorView, TempApp};
use tokio_tungstenite::tungstenite::Message;

mod app {
    use phoenix::prelude::*;

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
        pub async fn page(conn: Conn) -> Result<Conn> {
            conn.html("<!DOCTYPE html><html><head></head><body><h1>Hi</h1></body></html>")
        }

        pub async fn fragment(conn: Conn) -> Result<Conn> {
            conn.html("<p>no body tag</p>")
        }

        pub async fn api(conn: Conn) -> Result<Conn> {
            conn.json(&serde_json::json!({"html": "</body>"}))
        }
    }

    phoenix::router! {
        get "/page", PageController, page;
        get "/fragment", PageController, fragment;
        get "/api", PageController, api;
    }
}

const TAG: &str = r#"<script src="/phoenix/live_reload/live_reload.js" defer></script>"#;
const WAIT: Duration = Duration::from_secs(10);

/// A temp app with live reload enabled in `test` and a `priv/static`.
fn temp_app() -> TempApp {
    let dir = TempApp::new(&[]);
    std::fs::create_dir_all(dir.path().join("priv/static/css")).unwrap();
    std::fs::write(
        dir.path().join("priv/static/page.html"),
        "<html><body>static</body></html>",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("config/test.toml"),
        "[live_reload]\nenabled = true\ndebounce_ms = 50\n",
    )
    .unwrap();
    dir
}

fn endpoint(config: Config, status_file: Option<&Path>) -> Endpoint {
    let settings = LiveReload::new(&config).status_file(status_file);
    Endpoint::builder(config, app::router())
        .view(ErrorView)
        .live_reload_with(settings)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_script_is_injected_into_html_responses_only() {
    let dir = temp_app();
    let client = ConnTest::new(
        Endpoint::builder(dir.config(), app::router())
            .view(ErrorView)
            .live_reload()
            .build()
            .unwrap(),
    );
    let page = client.get("/page").send().await;
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text();
    assert!(
        body.ends_with(&format!("<h1>Hi</h1>{TAG}</body></html>")),
        "{body}"
    );
    assert_eq!(
        page.header("content-length"),
        Some(body.len().to_string().as_str())
    );

    let api = client.get("/api").send().await;
    assert_eq!(api.text(), r#"{"html":"</body>"}"#, "JSON is left alone");
    let fragment = client.get("/fragment").send().await;
    assert_eq!(fragment.text(), "<p>no body tag</p>");
    let statik = client.get("/page.html").send().await;
    assert_eq!(statik.status(), StatusCode::OK);
    assert!(!statik.text().contains("live_reload"), "static files too");
    // Error pages are HTML responses of the app: they reload too.
    let missing = client.get("/nope").send().await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    let script = client.get(SCRIPT_PATH).send().await;
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    let js = script.text();
    for needle in [
        "phx-live-reload-error",
        "phoenix:live_reload",
        "assets_change",
        "compile_error",
        "vsn=2.0.0",
    ] {
        assert!(js.contains(needle), "the script mentions {needle}");
    }
}

#[tokio::test]
async fn nothing_is_installed_when_the_config_does_not_enable_it() {
    let dir = TempApp::new(&[]);
    let client = ConnTest::new(
        Endpoint::builder(dir.config(), app::router())
            .view(ErrorView)
            .live_reload()
            .build()
            .unwrap(),
    );
    assert!(!client.get("/page").send().await.text().contains("script"));
    assert_eq!(
        client.get(SCRIPT_PATH).send().await.status(),
        StatusCode::NOT_FOUND
    );
}

type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A V2 client joined to `phoenix:live_reload`, with the join reply.
async fn join(addr: SocketAddr) -> (Stream, Value) {
    let url = format!("ws://{addr}/phoenix/live_reload/socket/websocket?vsn=2.0.0");
    let (mut ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(url))
        .await
        .expect("connects in time")
        .expect("connects");
    ws.send(Message::text(
        json!(["1", "1", TOPIC, "phx_join", {}]).to_string(),
    ))
    .await
    .unwrap();
    let reply = next(&mut ws).await;
    assert_eq!(reply[3], "phx_reply", "{reply}");
    assert_eq!(reply[4]["status"], "ok", "{reply}");
    (ws, reply)
}

/// The next frame, as JSON, within 10 s.
async fn next(ws: &mut Stream) -> Value {
    loop {
        let message = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a frame within 10 s")
            .expect("open")
            .expect("valid");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// The next push of `event` on the topic (other frames are skipped).
async fn push_of(ws: &mut Stream, event: &str) -> Value {
    loop {
        let frame = next(ws).await;
        if frame[2] == TOPIC && frame[3] == event {
            return frame[4].clone();
        }
    }
}

/// Writes the status file whole, as `phx server` does (temp file, rename).
fn write_status(path: &Path, status: Value) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, status.to_string()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[tokio::test]
async fn a_joined_page_hears_of_changed_stylesheets_and_other_assets() {
    let dir = temp_app();
    let (addr, _stop) = listen(endpoint(dir.config(), None)).await;
    let (mut ws, reply) = join(addr).await;
    let boot = reply[4]["response"]["boot"].as_str().unwrap().to_string();
    assert!(boot.len() >= 8, "{reply}");

    std::fs::write(dir.path().join("priv/static/css/app.css"), "body{}").unwrap();
    let css = push_of(&mut ws, "assets_change").await;
    assert_eq!(css, json!({"asset_type": "css"}));

    std::fs::create_dir_all(dir.path().join("priv/static/js")).unwrap();
    std::fs::write(dir.path().join("priv/static/js/app.js"), "1").unwrap();
    // (A late event of the stylesheet's write may still come first.)
    let js = loop {
        let push = push_of(&mut ws, "assets_change").await;
        if push != json!({"asset_type": "css"}) {
            break push;
        }
    };
    assert_eq!(js, json!({"asset_type": "js"}));

    // Another endpoint (a restarted server) has another boot id.
    let (addr2, _stop2) = listen(endpoint(dir.config(), None)).await;
    let (_ws2, reply2) = join(addr2).await;
    assert_ne!(reply2[4]["response"]["boot"], boot);
}

#[tokio::test]
async fn build_status_is_pushed_and_a_broken_build_is_shown_on_join() {
    let dir = temp_app();
    let status = dir.path().join("build-status.json");
    write_status(
        &status,
        json!({"status": "error", "build": 3,
               "output": "\u{1b}[1m\u{1b}[38;5;9merror[E0425]\u{1b}[0m: cannot find value `x`"}),
    );
    let (addr, _stop) = listen(endpoint(dir.config(), Some(&status))).await;

    // Opened while the build is broken: the error comes right after the reply.
    let (mut ws, _) = join(addr).await;
    let first = next(&mut ws).await;
    assert_eq!(first[3], "compile_error", "{first}");
    assert_eq!(
        first[4],
        json!({"output": "error[E0425]: cannot find value `x`", "build": 3})
    );

    write_status(&status, json!({"status": "building", "build": 4}));
    assert_eq!(push_of(&mut ws, "building").await, json!({"build": 4}));
    write_status(
        &status,
        json!({"status": "error", "build": 4, "output": "error: expected `;`"}),
    );
    assert_eq!(
        push_of(&mut ws, "compile_error").await,
        json!({"output": "error: expected `;`", "build": 4})
    );
    write_status(&status, json!({"status": "ok", "build": 5}));
    assert_eq!(push_of(&mut ws, "compile_ok").await, json!({"build": 5}));

    // Once the build is fine, a new page gets no error after its join.
    let (mut ws2, _) = join(addr).await;
    ws2.send(Message::text(
        json!([null, "9", "phoenix", "heartbeat", {}]).to_string(),
    ))
    .await
    .unwrap();
    let frame = next(&mut ws2).await;
    assert_eq!(
        frame[2], "phoenix",
        "the heartbeat reply comes first: {frame}"
    );
}

#[tokio::test]
async fn the_socket_works_over_long_poll_and_v1() {
    let dir = temp_app();
    let (addr, _stop) = listen(endpoint(dir.config(), None)).await;
    // V1 JSON objects over WebSocket.
    let url = format!("ws://{addr}/phoenix/live_reload/socket/websocket?vsn=1.0.0");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    ws.send(Message::text(
        json!({"topic": TOPIC, "event": "phx_join", "payload": {}, "ref": "1"}).to_string(),
    ))
    .await
    .unwrap();
    let reply = next(&mut ws).await;
    assert_eq!(reply["event"], "phx_reply", "{reply}");
    assert!(reply["payload"]["response"]["boot"].is_string(), "{reply}");

    // LongPoll (V2): open, join, poll for the reply.
    let client = ConnTest::new(endpoint(dir.config(), None));
    let mount = "/phoenix/live_reload/socket/longpoll?vsn=2.0.0";
    let opened: Value = client.get(mount).send().await.json();
    assert_eq!(opened["status"], 410, "{opened}");
    let token = opened["token"].as_str().unwrap();
    let url = format!("{mount}&token={token}");
    let join = json!(["1", "1", TOPIC, "phx_join", {}]).to_string();
    let posted: Value = client
        .post(&url)
        .body("application/x-ndjson", join)
        .send()
        .await
        .json();
    assert_eq!(posted["status"], 200, "{posted}");
    let polled: Value = tokio::time::timeout(WAIT, client.get(&url).send())
        .await
        .expect("a poll answer within 10 s")
        .json();
    let reply: Value =
        serde_json::from_str(polled["messages"][0].as_str().expect("a message")).unwrap();
    assert_eq!(reply[3], "phx_reply", "{reply}");
    assert!(reply[4]["response"]["boot"].is_string(), "{reply}");
}
