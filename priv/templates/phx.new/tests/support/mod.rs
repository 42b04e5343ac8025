//! What the tests share: the app, built for the `test` environment{% if db %},
//! on a database of its own (tests run in parallel){% endif %}.

#![allow(dead_code)]

{% if db %}
use phoenix::db::TestDatabase;
{% endif %}
use phoenix::prelude::*;
use phoenix::test::{ConnTest, TestServer};

/// The application under test.
pub struct TestApp {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// Sends requests to it without a network, keeping cookies (ConnTest).
    pub client: ConnTest,
{% if db %}
    /// This test's own database, removed when the test ends.
    pub db: TestDatabase,
{% endif %}
}

impl TestApp {
    /// Builds the app with the `test` configuration.
    pub async fn start() -> TestApp {
        let config =
            Config::load_env({{ app_name }}::app_root(), "test").expect("config/test.toml loads");
{% if db %}
        let db = TestDatabase::new(&config)
            .await
            .expect("a test database (DATABASE_URL or [database] in config/test.toml)");
        let endpoint = {{ app_name }}::endpoint_with(config, db.repo().clone()).expect("the endpoint builds");
{% else %}
        let endpoint = {{ app_name }}::endpoint(config).await.expect("the endpoint builds");
{% endif %}
        TestApp {
            client: ConnTest::new(endpoint.clone()),
            endpoint,
{% if db %}
            db,
{% endif %}
        }
    }

    /// The CSRF token of the session (forms must send it as `_csrf_token`).
    pub async fn csrf_token(&self, path: &str) -> String {
        let page = self.client.get(path).send().await;
        let html = page.text();
        let marker = "name=\"csrf-token\" content=\"";
        let start = html.find(marker).expect("the layout has a csrf-token meta tag") + marker.len();
        html[start..].split('"').next().unwrap_or_default().to_string()
    }

    /// Serves the app on a free port of 127.0.0.1 (for socket tests).
    pub async fn serve(&self) -> TestServer {
        TestServer::start(self.endpoint.clone()).await
    }
}
