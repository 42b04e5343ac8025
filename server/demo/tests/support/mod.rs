//! Helpers for the demo's tests: endpoints with test configs, CSRF tokens,
//! real servers on free ports and a raw HTTP/1.1 client.

#![allow(dead_code)]

pub mod ws;

use std::net::SocketAddr;

use phoenix::prelude::*;
use phoenix::test::ConnTest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// The demo's `test` configuration, adjusted by `change`.
pub fn config(change: impl FnOnce(&mut Config)) -> Config {
    let mut config = Config::load_env(demo::app_root(), "test").expect("test config loads");
    change(&mut config);
    config
}

/// A client of the demo endpoint built from `config`.
pub fn client_with(config: Config) -> ConnTest {
    ConnTest::new(demo::endpoint(config).expect("demo endpoint builds"))
}

/// A client of the demo with its test configuration.
pub fn client() -> ConnTest {
    client_with(config(|_| {}))
}

/// The CSRF token of the form on the page at `path` (and the session cookie it set).
pub async fn csrf_token(client: &ConnTest, path: &str) -> String {
    let page = client.get(path).send().await;
    assert_eq!(page.status(), StatusCode::OK, "{}", page.text());
    let html = page.text();
    let marker = "name=\"_csrf_token\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// A demo server listening on a free port; stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub https_addr: Option<SocketAddr>,
    pub pubsub: phoenix::pubsub::PubSub,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the demo with `config` (its http port set to 0) on 127.0.0.1.
pub async fn serve(mut config: Config) -> TestServer {
    config.http.port = 0;
    let endpoint = demo::endpoint(config).unwrap();
    let pubsub = endpoint.pubsub().clone();
    let listening = endpoint.listen().await.expect("binds");
    let (stop, stopped) = oneshot::channel::<()>();
    let addr = listening.http_addr;
    let https_addr = listening.https_addr;
    tokio::spawn(listening.run(async {
        let _ = stopped.await;
    }));
    TestServer {
        addr,
        https_addr,
        pubsub,
        stop: Some(stop),
    }
}

/// A raw HTTP/1.1 exchange: sends `request` as is while reading until the
/// server closes (a server may answer before reading a whole body).
pub async fn raw(addr: SocketAddr, request: &str) -> String {
    let stream = TcpStream::connect(addr).await.expect("connects");
    let (mut read, mut write) = stream.into_split();
    let bytes = request.as_bytes().to_vec();
    let writer = tokio::spawn(async move {
        let _ = write.write_all(&bytes).await;
        write
    });
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    drop(writer.await);
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET path` over a real connection, with extra header lines.
pub async fn get(addr: SocketAddr, path: &str, headers: &str) -> String {
    raw(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n"),
    )
    .await
}

/// The status code of a raw response.
pub fn status_of(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A header of a raw response.
pub fn header_of<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next()?;
    head.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}
