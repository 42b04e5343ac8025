//! Helpers for the demo's tests: endpoints with test configs, CSRF tokens,
//! real servers on free ports and a raw HTTP/1.1 client.

#![allow(dead_code)]

pub mod http;
pub mod ws;

#[allow(unused_imports)]
pub use http::{get, header_of, raw, status_of};

use std::net::SocketAddr;

use phoenix::db::TestDatabase;
use phoenix::prelude::*;
use phoenix::test::ConnTest;
use tokio::sync::oneshot;

/// The demo's `test` configuration, adjusted by `change`.
pub fn config(change: impl FnOnce(&mut Config)) -> Config {
    let mut config = Config::load_env(demo::app_root(), "test").expect("test config loads");
    change(&mut config);
    config
}

/// A database of its own for one test: fresh, migrated (the seed's users),
/// removed when dropped; so tests run in parallel.
pub async fn test_database(config: &Config) -> TestDatabase {
    TestDatabase::new(config)
        .await
        .expect("a test database (config/test.toml's [database] or DATABASE_URL)")
}

/// The demo's endpoint built from `config`, on a database of its own (kept
/// alive by the returned guard).
pub async fn endpoint(config: Config) -> (Endpoint, TestDatabase) {
    let db = test_database(&config).await;
    let endpoint = demo::endpoint_with(config, db.repo().clone()).expect("demo endpoint builds");
    (endpoint, db)
}

/// A client of the demo endpoint, with the test database it owns.
pub struct Client {
    conn: ConnTest,
    _db: TestDatabase,
}

impl std::ops::Deref for Client {
    type Target = ConnTest;

    fn deref(&self) -> &ConnTest {
        &self.conn
    }
}

/// A client of the demo endpoint built from `config`, on a fresh database.
pub async fn client_with(config: Config) -> Client {
    let (endpoint, db) = endpoint(config).await;
    Client {
        conn: ConnTest::new(endpoint),
        _db: db,
    }
}

/// A client of the demo with its test configuration, on a fresh database.
pub async fn client() -> Client {
    client_with(config(|_| {})).await
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
    _db: TestDatabase,
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
    let (endpoint, db) = endpoint(config).await;
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
        _db: db,
    }
}
