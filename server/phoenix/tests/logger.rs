//! The request logger, in its own test binary: tracing caches per-callsite
//! interest process-wide, so a subscriber set for one test must not race with
//! other tests hitting the same callsites without one.

mod support;

use phoenix::prelude::*;
use phoenix::test::ConnTest;
use support::TempApp;

mod app {
    use phoenix::prelude::*;

    #[derive(Default)]
    pub struct ErrorView;

    impl View for ErrorView {
        fn name(&self) -> &'static str {
            "error"
        }
    }

    pub struct HelloController;

    impl Controller for HelloController {
        type View = ErrorView;
    }

    impl HelloController {
        pub async fn show(conn: Conn, _params: Params) -> Result<Conn> {
            conn.text("hi")
        }
    }

    phoenix::router! {
        get "/page", HelloController, show;
    }
}

#[tokio::test]
async fn request_logger_logs_method_path_status_and_duration() {
    let (captured, _guard) = phoenix::test::CapturedLog::start();
    let dir = TempApp::new(&[]);
    let endpoint = Endpoint::builder(dir.config(), app::router())
        .view(app::ErrorView)
        .build()
        .unwrap();
    let client = ConnTest::new(endpoint);
    client.get("/page?name=x").send().await;
    client.get("/missing").send().await;
    let log = captured.text();
    assert!(log.contains("GET /page"), "{log}");
    let sent = log
        .lines()
        .find(|l| l.contains("Sent 200 in"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(sent.contains("µs") || sent.contains("ms"), "{sent}");
    assert!(log.contains("GET /missing answered 404"), "{log}");
}
