//! Framework behaviour the demo does not show: tower layers and poem
//! middleware as plugs, halting plugs, template engines and reloading,
//! startup checks.

mod support;

use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use phoenix::prelude::*;
use phoenix::test::ConnTest;
use support::TempApp;

mod app {
    use phoenix::prelude::*;
    use phoenix::view::File;

    #[derive(serde::Deserialize)]
    pub struct NameQuery {
        pub name: Option<String>,
    }

    #[derive(Default)]
    pub struct ThingView;

    impl View for ThingView {
        fn name(&self) -> &'static str {
            "thing"
        }
    }

    #[derive(Default)]
    pub struct ErrorView;

    /// Who is asking, set by the `who` plug.
    pub const WHO: Key<String> = Key::new("who");

    /// The test error: I'm a teapot.
    #[derive(Debug, thiserror::Error)]
    #[error("short and stout")]
    pub struct Teapot;

    impl Exception for Teapot {
        fn status(&self) -> StatusCode {
            StatusCode::IM_A_TEAPOT
        }
    }

    pub async fn who(conn: Conn) -> Result<Conn> {
        Ok(conn.assign(WHO, "ann"))
    }

    impl View for ErrorView {
        fn name(&self) -> &'static str {
            "error"
        }

        /// `418.html` shows the error and an assign of the failed conn.
        fn render(&self, template: &str, conn: &Conn) -> Option<Result<Rendered>> {
            (template == "418.html").then(|| {
                let who = conn.get_assign(WHO).map(String::as_str).unwrap_or("nobody");
                let error = conn.fetch_assign(phoenix::error::ERROR)?;
                Ok(maud::html! { p { (error.message) " for " (who) } }.into())
            })
        }
    }

    pub struct ThingController;

    #[derive(Default)]
    pub struct OtherView;

    impl View for OtherView {
        fn name(&self) -> &'static str {
            "other"
        }

        fn render(&self, template: &str, _conn: &Conn) -> Option<Result<Rendered>> {
            (template == "hello.html")
                .then(|| Ok(maud::html! { b { "from the other view" } }.into()))
        }
    }

    impl Controller for ThingController {
        type View = ThingView;
    }

    /// Data a poem middleware put in the request.
    #[derive(Clone)]
    pub struct Greeting(pub &'static str);

    impl ThingController {
        pub async fn stamped(conn: Conn, _params: Params) -> Result<Conn> {
            let stamp = conn
                .request()
                .extensions()
                .get::<String>()
                .cloned()
                .unwrap_or_default();
            let greeting = conn
                .request()
                .extensions()
                .get::<Greeting>()
                .map(|g| g.0)
                .unwrap_or("");
            conn.text(format!("{stamp}/{greeting}"))
        }

        pub async fn page(conn: Conn, Query(q): Query<NameQuery>) -> Result<Conn> {
            let name = q.name.unwrap_or_else(|| "nobody".into());
            conn.put_layout(false)
                .render(File::new("page.html", &serde_json::json!({ "name": name })))
                .await
        }

        pub async fn allow(conn: Conn, _params: Params) -> Result<Conn> {
            conn.put_resp_header("allow", "GET, OPTIONS")
                .send_resp(StatusCode::NO_CONTENT, "")
        }

        pub async fn away(conn: Conn, _params: Params) -> Result<Conn> {
            conn.redirect_external("https://example.org/elsewhere")
        }

        pub async fn unsafe_redirect(conn: Conn, _params: Params) -> Result<Conn> {
            conn.redirect_to("//evil.example/")
        }

        pub async fn other_view(conn: Conn, _params: Params) -> Result<Conn> {
            conn.put_view(OtherView)
                .put_layout(false)
                .render(File::new("hello.html", &()))
                .await
        }

        pub async fn teapot(_conn: Conn) -> Result<Conn> {
            Err(Teapot)?
        }

        pub async fn shout(conn: Conn, _params: Params) -> Result<Conn> {
            conn.put_layout(false)
                .render(File::new("shout.txt", &serde_json::json!({ "name": "jo" })))
                .await
        }
    }

    #[derive(Clone)]
    pub struct Auth {
        pub token: &'static str,
    }

    /// Halts with 401 unless `?token=` matches.
    pub async fn require_token(conn: Conn, opts: Auth) -> Result<Conn> {
        if conn.params().get_str("token") == Some(opts.token) {
            Ok(conn)
        } else {
            conn.put_status(StatusCode::UNAUTHORIZED)
                .text("no entry")
                .map(Conn::halt)
        }
    }

    phoenix::router! {
        pipeline identified {
            plug super::app::who;
        }
        scope "/" {
            pipe_through identified;
            get "/teapot", ThingController, teapot;
        }
        pipeline layered {
            layer super::Stamp;
            middleware poem::middleware::AddData::new(Greeting("hi"));
            middleware poem::middleware::SetHeader::new().overriding("x-mw", "1");
        }
        scope "/" {
            pipe_through layered;
            get "/stamped", ThingController, stamped;
        }
        scope "/" {
            get "/page", ThingController, page;
            get "/shout", ThingController, shout;
            options "/things", ThingController, allow;
            get "/away", ThingController, away;
            get "/unsafe", ThingController, unsafe_redirect;
            get "/other", ThingController, other_view;
        }
    }
}

/// A tower layer that adds a request extension and a response header.
#[derive(Clone)]
pub struct Stamp;

#[derive(Clone)]
pub struct StampService<S>(S);

impl<S> tower_layer::Layer<S> for Stamp {
    type Service = StampService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        StampService(inner)
    }
}

impl<S, B, R> tower_service::Service<http::Request<B>> for StampService<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<R>> + Send,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        req.extensions_mut().insert(String::from("stamped"));
        let fut = self.0.call(req);
        Box::pin(async move {
            let mut res = fut.await?;
            res.headers_mut()
                .insert("x-stamp", http::HeaderValue::from_static("yes"));
            Ok(res)
        })
    }
}

fn endpoint(config: Config) -> Endpoint {
    Endpoint::builder(config, app::router())
        .view(app::ErrorView)
        .build()
        .unwrap()
}

#[tokio::test]
async fn tower_layers_and_poem_middleware_are_plugs() {
    let dir = TempApp::new(&[]);
    let client = ConnTest::new(endpoint(dir.config()));
    let resp = client.get("/stamped").send().await;
    assert_eq!(resp.status(), StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.text(), "stamped/hi");
    assert_eq!(resp.header("x-stamp"), Some("yes"));
    assert_eq!(resp.header("x-mw"), Some("1"));
}

#[tokio::test]
async fn the_error_page_keeps_the_assigns_of_the_conn_the_error_came_from() {
    let dir = TempApp::new(&[]);
    let mut config = dir.config();
    config.debug_errors = false;
    let client = ConnTest::new(endpoint(config));
    let resp = client.get("/teapot").send().await;
    assert_eq!(
        resp.status(),
        StatusCode::IM_A_TEAPOT,
        "no registration needed"
    );
    assert_eq!(resp.text(), "<p>short and stout for ann</p>");
}

/// The status and route of a finished request.
type Finished = (u16, Option<String>);

/// Remembers the route of every finished request.
#[derive(Default, Clone)]
struct RouteLog(std::sync::Arc<std::sync::Mutex<Vec<Finished>>>);

impl phoenix::observer::Observer for RouteLog {
    fn request_stop(&self, event: &phoenix::observer::RequestStop<'_>) {
        let entry = (event.status, event.route.map(str::to_string));
        self.0.lock().unwrap().push(entry);
    }
}

#[tokio::test]
async fn observers_see_the_route_of_requests_that_end_in_an_error_page() {
    let dir = TempApp::new(&[]);
    let log = RouteLog::default();
    let endpoint = Endpoint::builder(dir.config(), app::router())
        .view(app::ErrorView)
        .observer(log.clone())
        .build()
        .unwrap();
    let client = ConnTest::new(endpoint);
    assert_eq!(
        client.get("/teapot").send().await.status(),
        StatusCode::IM_A_TEAPOT
    );
    assert_eq!(client.get("/away").send().await.status(), StatusCode::FOUND);
    assert_eq!(
        client.get("/nowhere").send().await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        *log.0.lock().unwrap(),
        [
            (418, Some("/teapot".to_string())),
            (302, Some("/away".to_string())),
            (404, None),
        ]
    );
}

#[tokio::test]
async fn a_halting_plug_stops_the_pipeline() {
    let pipeline = Pipeline::new().plug_with(app::require_token, app::Auth { token: "t0k" });
    let action: std::sync::Arc<dyn Plug> =
        std::sync::Arc::new(|conn: Conn| async move { conn.text("the secret") });
    let chain = pipeline.into_chain(action);
    let conn = |uri: &str| {
        let mut conn = Conn::new(
            poem::Request::builder().uri_str(uri).finish(),
            std::sync::Arc::new(phoenix::app::App::default()),
        );
        let query =
            Params::from_urlencoded(uri.split_once('?').map(|(_, q)| q).unwrap_or("")).unwrap();
        conn.params_mut().merge(query);
        conn
    };
    let refused = chain.run(conn("/secret")).await.unwrap();
    assert!(refused.halted());
    assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED));
    let allowed = chain.run(conn("/secret?token=t0k")).await.unwrap();
    assert!(!allowed.halted());
    assert_eq!(allowed.status(), Some(StatusCode::OK));
}

#[tokio::test]
async fn file_templates_reload_when_they_change_if_configured() {
    let dir = TempApp::new(&[("thing/page.html.jinja", "v1 {{ name }}")]);
    let mut config = dir.config();
    config.templates.reload = true;
    let client = ConnTest::new(endpoint(config));
    assert_eq!(client.get("/page?name=a").send().await.text(), "v1 a");
    // A different length makes the change visible even within one mtime tick.
    dir.write("thing/page.html.jinja", "version 2 {{ name }}");
    assert_eq!(
        client.get("/page?name=a").send().await.text(),
        "version 2 a"
    );

    let fixed = ConnTest::new(endpoint(dir.config()));
    dir.write("thing/page.html.jinja", "v3 {{ name }}");
    assert_eq!(
        fixed.get("/page?name=b").send().await.text(),
        "version 2 b",
        "precompiled"
    );
}

#[tokio::test]
async fn a_template_syntax_error_is_a_startup_error_naming_the_file() {
    let dir = TempApp::new(&[("thing/page.html.jinja", "{% if %}")]);
    let err = Endpoint::builder(dir.config(), app::router())
        .view(app::ErrorView)
        .build()
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("thing/page.html.jinja"), "{err}");
}

/// A toy engine: replaces `$name` with the assign and upper-cases the result.
struct Shout(std::collections::HashMap<String, String>);

impl phoenix::template::TemplateEngine for Shout {
    fn add(&mut self, name: &str, source: &str) -> Result<(), String> {
        self.0.insert(name.to_string(), source.to_string());
        Ok(())
    }

    fn render(
        &self,
        name: &str,
        context: &serde_json::Value,
        _inner: Option<&str>,
    ) -> Result<String, String> {
        let source = self.0.get(name).ok_or("missing")?;
        let value = context["name"].as_str().unwrap_or("");
        Ok(source.replace("$name", value).to_uppercase())
    }
}

#[tokio::test]
async fn template_engines_are_registered_by_extension() {
    let dir = TempApp::new(&[("thing/shout.txt.shout", "hello $name")]);
    let endpoint = Endpoint::builder(dir.config(), app::router())
        .view(app::ErrorView)
        .template_engine("shout", || Shout(Default::default()))
        .build()
        .unwrap();
    let client = ConnTest::new(endpoint);
    let resp = client.get("/shout").send().await;
    assert_eq!(resp.text(), "HELLO JO");
    assert_eq!(
        resp.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
}

#[tokio::test]
async fn missing_template_is_a_clear_500() {
    let dir = TempApp::new(&[]);
    let client = ConnTest::new(endpoint(dir.config()));
    let resp = client.get("/page").send().await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(resp.text().contains("thing/page.html"), "{}", resp.text());
    assert!(dir.path().exists());
}

#[tokio::test]
async fn render_errors_must_name_a_registered_view() {
    let dir = TempApp::new(&[]);
    let err = Endpoint::builder(dir.config(), app::router())
        .build()
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("render_errors.view"), "{err}");
}

#[tokio::test]
async fn options_routes_redirects_and_put_view() {
    let dir = TempApp::new(&[]);
    let client = ConnTest::new(endpoint(dir.config()));
    let allow = client
        .request(poem::http::Method::OPTIONS, "/things")
        .send()
        .await;
    assert_eq!(allow.status(), StatusCode::NO_CONTENT);
    assert_eq!(allow.header("allow"), Some("GET, OPTIONS"));
    let away = client.get("/away").send().await;
    assert_eq!(away.redirected_to(), Some("https://example.org/elsewhere"));
    let refused = client.get("/unsafe").send().await;
    assert_eq!(refused.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        refused.text().contains("redirect_to expects a local path"),
        "{}",
        refused.text()
    );
    let other = client.get("/other").send().await;
    assert_eq!(other.text(), "<b>from the other view</b>");
}
