//! Security defaults: session cookie attributes, `[force_ssl]` (HSTS and the
//! opt-in redirect), `secret_key_base` rotation, and the warning when dev
//! tools are let into `prod`. (The socket origin check, on by default, is
//! tested by `channels.rs`' `s5_` and `l2_` tests.)

mod support;

use phoenix::prelude::*;
use phoenix::test::{CapturedLog, ConnTest, TestResponse};
use phoenix::token::{Token, TokenError};
use support::TempApp;

mod app {
    use phoenix::prelude::*;

    pub struct PageController;

    #[derive(Default)]
    pub struct PageView;

    impl View for PageView {
        fn name(&self) -> &'static str {
            "page"
        }
    }

    #[derive(Default)]
    pub struct ErrorView;

    impl View for ErrorView {
        fn name(&self) -> &'static str {
            "error"
        }
    }

    impl Controller for PageController {
        type View = PageView;
    }

    impl PageController {
        pub async fn store(conn: Conn, _params: Params) -> Result<Conn> {
            conn.put_session("user_id", 42).await?;
            conn.text("stored")
        }

        pub async fn show(conn: Conn, _params: Params) -> Result<Conn> {
            let user: Option<u32> = conn.get_session("user_id").await?;
            conn.text(format!("{user:?}"))
        }

        pub async fn echo(conn: Conn, _params: Params) -> Result<Conn> {
            conn.text("posted")
        }
    }

    phoenix::router! {
        pipeline browser {
            plug fetch_session;
        }
        scope "/" {
            pipe_through browser;
            get "/store", PageController, store;
            get "/show", PageController, show;
            post "/echo", PageController, echo;
        }
    }
}

const SECRET_1: &str = "first-secret-key-base-first-secret-key-base-first-secret-key-base-111";
const SECRET_2: &str = "second-secret-key-base-second-secret-key-base-second-secret-key-2222";

/// An app whose `test` environment adds `overrides` to the shared config.
fn app_with(overrides: &str) -> TempApp {
    let dir = TempApp::new(&[]);
    std::fs::write(dir.path().join("config/test.toml"), overrides).unwrap();
    dir
}

fn endpoint(config: Config) -> Endpoint {
    Endpoint::builder(config, app::router())
        .view(app::ErrorView)
        .build()
        .unwrap()
}

async fn set_cookie(overrides: &str) -> String {
    let dir = app_with(overrides);
    let client = ConnTest::new(endpoint(dir.config()));
    let resp = client.get("/store").send().await;
    assert_eq!(resp.status(), StatusCode::OK, "{}", resp.text());
    resp.header("set-cookie")
        .expect("a session cookie")
        .to_string()
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_secure_under_https() {
    let plain = set_cookie("").await;
    assert!(plain.contains("HttpOnly"), "{plain}");
    assert!(plain.contains("SameSite=Lax"), "{plain}");
    assert!(!plain.contains("Secure"), "plain http: {plain}");

    let https = set_cookie("[url]\nscheme = \"https\"\nhost = \"example.com\"\n").await;
    assert!(https.contains("Secure"), "{https}");
    assert!(https.contains("HttpOnly"), "{https}");

    let strict =
        set_cookie("[session]\nstore = \"cookie\"\nkey = \"_t\"\nsame_site = \"strict\"\n").await;
    assert!(strict.contains("SameSite=Strict"), "{strict}");
    let opted_out = set_cookie(
        "[url]\nscheme = \"https\"\nhost = \"example.com\"\n\
         [session]\nstore = \"cookie\"\nkey = \"_t\"\nsecure = false\n",
    )
    .await;
    assert!(!opted_out.contains("Secure"), "{opted_out}");
}

/// `GET path` as a TLS-terminating proxy forwards it.
async fn proxied_https(client: &ConnTest, path: &str) -> TestResponse {
    client
        .get(path)
        .header("x-forwarded-proto", "https")
        .send()
        .await
}

const BEHIND_PROXY: &str = "[force_ssl]\nrewrite_on = [\"x-forwarded-proto\"]\n";

#[tokio::test]
async fn force_ssl_sends_hsts_on_https_requests_only() {
    let dir = app_with(BEHIND_PROXY);
    let client = ConnTest::new(endpoint(dir.config()));
    let https = proxied_https(&client, "/show").await;
    assert_eq!(https.status(), StatusCode::OK);
    assert_eq!(
        https.header("strict-transport-security"),
        Some("max-age=31536000")
    );
    // Plain HTTP still answers (the redirect is opt-in), without HSTS:
    // browsers ignore it over HTTP, and it must not pin a plain host.
    let plain = client.get("/show").send().await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(plain.header("strict-transport-security"), None);
    let chained = client
        .get("/show")
        .header("x-forwarded-proto", "https, http")
        .send()
        .await;
    assert!(chained.header("strict-transport-security").is_some());

    // Without `rewrite_on`, the header is anyone's to send: not trusted.
    let dir = app_with("[force_ssl]\ninclude_subdomains = true\npreload = true\n");
    let client = ConnTest::new(endpoint(dir.config()));
    let spoofed = proxied_https(&client, "/show").await;
    assert_eq!(spoofed.header("strict-transport-security"), None);
    // Without `[force_ssl]` nothing changes.
    let dir = app_with("");
    let client = ConnTest::new(endpoint(dir.config()));
    let https = proxied_https(&client, "/show").await;
    assert_eq!(https.header("strict-transport-security"), None);
}

#[tokio::test]
async fn force_ssl_redirects_plain_http_to_the_url_host_when_asked() {
    let dir = app_with(
        "[url]\nscheme = \"https\"\nhost = \"example.com\"\nport = 8443\n\
         [force_ssl]\nredirect = true\nmax_age = 60\nrewrite_on = [\"x-forwarded-proto\"]\n",
    );
    let client = ConnTest::new(endpoint(dir.config()));
    let get = client
        .get("/show?page=2")
        .header("host", "evil.example")
        .send()
        .await;
    assert_eq!(get.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        get.header("location"),
        Some("https://example.com:8443/show?page=2"),
        "to url.host, never to the request's Host"
    );
    // Other methods keep their method and body: 307.
    let post = client
        .post("/echo")
        .header("host", "example.com")
        .send()
        .await;
    assert_eq!(post.status(), StatusCode::TEMPORARY_REDIRECT);
    // HTTPS is served, with HSTS; `localhost` is excluded by default.
    let https = proxied_https(&client, "/show").await;
    assert_eq!(https.status(), StatusCode::OK);
    assert_eq!(
        https.header("strict-transport-security"),
        Some("max-age=60")
    );
    let local = client
        .get("/show")
        .header("host", "localhost:4000")
        .send()
        .await;
    assert_eq!(local.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_rotated_secret_still_opens_old_sessions_and_tokens() {
    let old = app_with(&format!("secret_key_base = \"{SECRET_1}\"\n"));
    let before = ConnTest::new(endpoint(old.config()));
    before.get("/store").send().await;
    let cookie = before.cookie("_t").expect("a session cookie");

    // The new secret, the old one kept as previous: the old cookie opens.
    let rotated = app_with(&format!(
        "secret_key_base = \"{SECRET_2}\"\nprevious_secret_key_bases = [\"{SECRET_1}\"]\n"
    ));
    let after = ConnTest::new(endpoint(rotated.config()));
    after.set_cookie("_t", &cookie);
    assert_eq!(after.get("/show").send().await.text(), "Some(42)");
    // New cookies are made with the new secret: the old one cannot open them.
    let fresh = ConnTest::new(endpoint(rotated.config()));
    fresh.get("/store").send().await;
    let new_cookie = fresh.cookie("_t").expect("a session cookie");
    let old_only = ConnTest::new(endpoint(old.config()));
    old_only.set_cookie("_t", &new_cookie);
    assert_eq!(old_only.get("/show").send().await.text(), "None");
    // Once the old secret is dropped, its cookies no longer open.
    let dropped = app_with(&format!("secret_key_base = \"{SECRET_2}\"\n"));
    let later = ConnTest::new(endpoint(dropped.config()));
    later.set_cookie("_t", &cookie);
    assert_eq!(later.get("/show").send().await.text(), "None");

    // Tokens the same way.
    let token = Token::sign(&old.config(), "user", &7u32);
    let max_age = std::time::Duration::from_secs(60);
    assert_eq!(
        Token::verify::<u32>(&rotated.config(), "user", &token, max_age),
        Ok(7)
    );
    assert_eq!(
        Token::verify::<u32>(&dropped.config(), "user", &token, max_age),
        Err(TokenError::Invalid)
    );
    let new_token = Token::sign(&rotated.config(), "user", &8u32);
    assert_eq!(
        Token::verify::<u32>(&old.config(), "user", &new_token, max_age),
        Err(TokenError::Invalid),
        "signed with the current secret"
    );
}

#[tokio::test]
async fn dev_tools_let_into_prod_are_logged_at_startup() {
    let dir = TempApp::new(&[]);
    let prod = |extra: &str| {
        std::fs::write(
            dir.path().join("config/prod.toml"),
            format!("secret_key_base = \"{SECRET_1}\"\n{extra}"),
        )
        .unwrap();
        Config::load_env(dir.path(), "prod")
    };
    // The shared test config has `debug_errors = true`: refused in prod.
    let err = prod("").unwrap_err().to_string();
    assert!(err.contains("allow_dev_tools_in_prod"), "{err}");
    let config = prod("allow_dev_tools_in_prod = true\n").unwrap();
    let (log, _guard) = CapturedLog::start();
    let _endpoint = endpoint(config);
    assert_eq!(
        log.count("debug error pages enabled in prod"),
        1,
        "{}",
        log.text()
    );
    let config = prod("debug_errors = false\n").unwrap();
    let (log, _guard) = CapturedLog::start();
    let _endpoint = endpoint(config);
    assert_eq!(log.count("in prod"), 0, "{}", log.text());
}
