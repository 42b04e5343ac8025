//! Signed tokens end to end: the chat page signs one for its user, and the
//! socket takes that user from it over WebSocket and LongPoll, refusing
//! expired and tampered tokens with 403; without a token the `user` param
//! still names the user.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use demo::channels::{USER_TOKEN_MAX_AGE, USER_TOKEN_SALT};
use phoenix::test::CapturedLog;
use phoenix::token::Token;
use serde_json::{json, Value};
use support::ws::{try_connect, Connect, Ws};
use support::{config, serve};

/// The token of the chat page at `path` (a real page, as a browser gets it).
async fn page_token(addr: SocketAddr, path: &str) -> String {
    let response = support::get(addr, path, "").await;
    assert_eq!(support::status_of(&response), 200, "{response}");
    let html = support::http::body_of(&response);
    let marker = r#"id="user-token" type="hidden" value=""#;
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no token in {html}"))
        + marker.len();
    let token = html[start..].split('"').next().unwrap().to_string();
    assert!(token.starts_with("SFMyNTY."), "{token}");
    token
}

/// The query of a V2 connection with `params` (values URL-safe as they are).
fn query(params: &[(&str, &str)]) -> String {
    let mut query = String::from("vsn=2.0.0");
    for (key, value) in params {
        query.push_str(&format!("&{key}={value}"));
    }
    query
}

/// Connects over WebSocket; the HTTP status of a refusal otherwise.
async fn ws(addr: SocketAddr, params: &[(&str, &str)]) -> Result<Ws, u16> {
    match try_connect(addr, &format!("/socket/websocket?{}", query(params)), &[]).await {
        Connect::Open(ws) => Ok(*ws),
        Connect::Refused(status) => Err(status),
    }
}

/// Who the server thinks the WebSocket's user is: the one presence tracks
/// when it joins `topic`.
async fn ws_user(ws: &mut Ws, topic: &str) -> Vec<String> {
    let reply = ws.join(topic, "1").await;
    assert_eq!(reply[4]["status"], "ok", "{reply}");
    let state = ws.recv().await;
    assert_eq!(state[3], "presence_state", "{state}");
    state[4].as_object().unwrap().keys().cloned().collect()
}

/// One LongPoll request; its JSON body (every answer is HTTP 200).
async fn lp(addr: SocketAddr, method: &str, path_and_query: &str, body: &str) -> Value {
    let request = format!(
        "{method} {path_and_query} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/x-ndjson\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let response = support::raw(addr, &request).await;
    assert_eq!(support::status_of(&response), 200, "{response}");
    serde_json::from_str(support::http::body_of(&response)).unwrap()
}

/// Opens a LongPoll session: its token, or the status of a refusal.
async fn lp_open(addr: SocketAddr, params: &[(&str, &str)]) -> Result<String, Value> {
    let opened = lp(
        addr,
        "GET",
        &format!("/socket/longpoll?{}", query(params)),
        "",
    )
    .await;
    match opened["status"].as_u64() {
        Some(410) => Ok(opened["token"].as_str().unwrap().to_string()),
        _ => Err(opened),
    }
}

/// Who the server thinks the LongPoll session's user is (as [`ws_user`]).
async fn lp_user(addr: SocketAddr, session: &str, topic: &str) -> Vec<String> {
    let path = format!("/socket/longpoll?vsn=2.0.0&token={session}");
    let join = json!(["1", "1", topic, "phx_join", {}]).to_string();
    assert_eq!(lp(addr, "POST", &path, &join).await, json!({"status": 200}));
    let mut frames = Vec::new();
    while frames.len() < 2 {
        let got = lp(addr, "GET", &path, "").await;
        assert_eq!(got["status"], 200, "{got}");
        for message in got["messages"].as_array().unwrap() {
            frames.push(serde_json::from_str::<Value>(message.as_str().unwrap()).unwrap());
        }
    }
    assert_eq!(frames[0][4]["status"], "ok", "{frames:?}");
    assert_eq!(frames[1][3], "presence_state", "{frames:?}");
    frames[1][4].as_object().unwrap().keys().cloned().collect()
}

/// The token with its payload replaced by one for `mallory`, its signature kept.
fn tampered(token: &str) -> String {
    let forged = Token::sign(&config(|_| {}), USER_TOKEN_SALT, "mallory");
    let (payload, _) = forged.rsplit_once('.').unwrap();
    let (_, signature) = token.rsplit_once('.').unwrap();
    format!("{payload}.{signature}")
}

/// A token for `user` signed longer ago than the socket accepts.
fn expired(user: &str) -> String {
    let long_ago = SystemTime::now() - USER_TOKEN_MAX_AGE - Duration::from_secs(60);
    Token::sign_at(&config(|_| {}), USER_TOKEN_SALT, user, long_ago)
}

#[tokio::test]
async fn the_chat_pages_token_names_the_user_over_websocket_whatever_the_user_param() {
    let server = serve(config(|_| {})).await;
    let token = page_token(server.addr, "/chat?user=tina").await;
    let mut socket = ws(server.addr, &[("user_token", &token), ("user", "mallory")])
        .await
        .expect("the page's token is accepted");
    assert_eq!(ws_user(&mut socket, "room:presence:ws").await, ["tina"]);
}

#[tokio::test]
async fn the_chat_pages_token_names_the_user_over_long_poll_whatever_the_user_param() {
    let server = serve(config(|_| {})).await;
    let token = page_token(server.addr, "/chat?user=tina").await;
    let session = lp_open(server.addr, &[("user_token", &token), ("user", "mallory")])
        .await
        .expect("the page's token is accepted");
    assert_eq!(
        lp_user(server.addr, &session, "room:presence:lp").await,
        ["tina"]
    );
}

#[tokio::test]
async fn the_wasm_page_signs_a_token_too() {
    let server = serve(config(|_| {})).await;
    let token = page_token(server.addr, "/wasm?user=ferris").await;
    let mut socket = ws(server.addr, &[("user_token", &token)]).await.unwrap();
    assert_eq!(ws_user(&mut socket, "room:presence:wasm").await, ["ferris"]);
}

#[tokio::test]
async fn the_user_is_kept_in_the_session_for_the_next_page() {
    let client = support::client().await;
    let page = client.get("/chat?user=tina").send().await;
    assert_eq!(
        page.session::<String>("chat_user").await.as_deref(),
        Some("tina")
    );
    // Without ?user= the session's user comes back, with a token for it.
    let html = client.get("/chat").send().await.text();
    assert!(
        html.contains(r#"id="user" type="hidden" value="tina""#),
        "{html}"
    );
    let marker = r#"id="user-token" type="hidden" value=""#;
    let start = html.find(marker).unwrap() + marker.len();
    let token = html[start..].split('"').next().unwrap();
    let user: String = Token::verify(
        client.endpoint(),
        USER_TOKEN_SALT,
        token,
        USER_TOKEN_MAX_AGE,
    )
    .unwrap();
    assert_eq!(user, "tina");
}

#[tokio::test]
async fn a_first_visit_without_a_user_gets_a_guest_name() {
    let client = support::client().await;
    let html = client.get("/chat").send().await.text();
    let marker = r#"id="user" type="hidden" value=""#;
    let start = html.find(marker).unwrap() + marker.len();
    let user = html[start..].split('"').next().unwrap();
    let number = user
        .strip_prefix("guest-")
        .unwrap_or_else(|| panic!("{user}"));
    assert!(
        (1000..10000).contains(&number.parse::<u32>().unwrap()),
        "{user}"
    );
}

#[tokio::test]
async fn expired_and_tampered_tokens_are_refused_with_403_over_websocket() {
    // The server runs on this test's thread (current-thread runtime): its
    // log is captured.
    let (log, _guard) = CapturedLog::start();
    let server = serve(config(|_| {})).await;
    let token = page_token(server.addr, "/chat?user=tina").await;
    let refused = ws(server.addr, &[("user_token", &expired("tina"))]).await;
    assert_eq!(refused.err(), Some(403));
    assert_eq!(log.count("connection refused: expired token"), 1);
    let refused = ws(server.addr, &[("user_token", &tampered(&token))]).await;
    assert_eq!(refused.err(), Some(403));
    assert_eq!(log.count("connection refused: invalid token"), 1);
    let refused = ws(
        server.addr,
        &[("user_token", "not-a-token"), ("user", "tina")],
    )
    .await;
    assert_eq!(
        refused.err(),
        Some(403),
        "the user param is no way around a bad token"
    );
    assert_eq!(log.count("connection refused: invalid token"), 2);
}

#[tokio::test]
async fn expired_and_tampered_tokens_are_refused_with_403_over_long_poll() {
    let (log, _guard) = CapturedLog::start();
    let server = serve(config(|_| {})).await;
    let token = page_token(server.addr, "/chat?user=tina").await;
    let refused = lp_open(server.addr, &[("user_token", &expired("tina"))]).await;
    assert_eq!(refused, Err(json!({"status": 403})));
    assert_eq!(log.count("connection refused: expired token"), 1);
    let refused = lp_open(server.addr, &[("user_token", &tampered(&token))]).await;
    assert_eq!(refused, Err(json!({"status": 403})));
    assert_eq!(log.count("connection refused: invalid token"), 1);
}

#[tokio::test]
async fn a_token_for_another_salt_is_refused() {
    let server = serve(config(|_| {})).await;
    let other = Token::sign(&config(|_| {}), "password reset", "tina");
    assert_eq!(
        ws(server.addr, &[("user_token", &other)]).await.err(),
        Some(403)
    );
}

#[tokio::test]
async fn without_a_token_the_user_param_names_the_user_over_both_transports() {
    let server = serve(config(|_| {})).await;
    let mut socket = ws(server.addr, &[("user", "loadbot")]).await.unwrap();
    assert_eq!(
        ws_user(&mut socket, "room:presence:anon").await,
        ["loadbot"]
    );
    let session = lp_open(server.addr, &[("user", "pollbot")]).await.unwrap();
    assert_eq!(
        lp_user(server.addr, &session, "room:presence:anon").await,
        ["loadbot", "pollbot"]
    );
}
