//! What several fuzz targets share: a small application (router with
//! static, dynamic and glob segments, resources, pipelines with the session,
//! flash and CSRF plugs, controllers with every extractor), its endpoint
//! built in-process, a runtime to drive it, a lenient parser of raw HTTP
//! requests, and forgers of what only the server can make.

use std::sync::OnceLock;

use phoenix::config::Config;
use phoenix::endpoint::Endpoint;
use phoenix::poem::http::{HeaderName, HeaderValue, Method, Uri};
use phoenix::poem::{Endpoint as _, Request};

/// The application's secret (at least 64 bytes, as the config requires).
pub const SECRET: &str = "fuzzing-secret-key-base-of-at-least-sixty-four-bytes-0123456789abcdef";

/// The session cookie's name.
pub const SESSION_KEY: &str = "_fuzz_key";

/// The configuration of the fuzzed application, `store` being `cookie` or
/// `server` (the server store's sessions expire after two weeks of inactivity,
/// the cookie store's with the browser session).
pub fn config(store: &str) -> Config {
    let max_age = if store == "server" {
        "max_age = 1209600"
    } else {
        ""
    };
    let base = format!(
        r#"
app_name = "fuzz"
debug_errors = false
log_level = "error"
secret_key_base = "{SECRET}"
[http]
ip = "127.0.0.1"
port = 0
[url]
host = "localhost"
[session]
store = "{store}"
key = "{SESSION_KEY}"
{max_age}
[render_errors]
view = "error"
accepts = ["html", "json"]
[static]
at = "/"
from = "priv/static"
"#
    );
    let root = std::env::temp_dir().join("phoenix-fuzz-app-without-files");
    Config::from_toml_str(root, "test", &base, "").expect("the fuzz app's configuration loads")
}

/// A current-thread runtime, made once per process.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// The application's endpoint with a cookie session store (`server`: a
/// server-side store, the cookie holding only the session id).
pub fn endpoint(server_store: bool) -> &'static Endpoint {
    static COOKIE: OnceLock<Endpoint> = OnceLock::new();
    static SERVER: OnceLock<Endpoint> = OnceLock::new();
    let (cell, store) = if server_store {
        (&SERVER, "server")
    } else {
        (&COOKIE, "cookie")
    };
    cell.get_or_init(|| {
        runtime().block_on(async {
            Endpoint::builder(config(store), router())
                .view(app::ErrorView)
                .build()
                .expect("the fuzz app's endpoint builds")
        })
    })
}

/// Runs a request through an endpoint and reads the whole response.
pub fn send(endpoint: &Endpoint, request: Request) -> (u16, Vec<u8>) {
    runtime().block_on(async {
        let response = endpoint.get_response(request).await;
        let status = response.status().as_u16();
        let body = response.into_body().into_vec().await.unwrap_or_default();
        (status, body)
    })
}

/// Bytes a URI cannot hold: percent-encoded before parsing, as a client would.
const NOT_IN_URI: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b'#');

/// A request from raw HTTP/1.1-like bytes: `METHOD TARGET` on the first
/// line, `name: value` header lines, an empty line, the body. Lenient: this
/// is not a fuzzer of an HTTP parser (hyper's), only a way to write requests
/// in a seed corpus; what a real server would refuse to parse is dropped.
pub fn parse_request(data: &[u8]) -> Option<Request> {
    let (head, body) = match find(data, b"\r\n\r\n") {
        Some(i) => (&data[..i], &data[i + 4..]),
        None => match find(data, b"\n\n") {
            Some(i) => (&data[..i], &data[i + 2..]),
            None => (data, &[][..]),
        },
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.split('\n').map(|l| l.trim_end_matches('\r'));
    let first = lines.next()?;
    let (method, target) = first.split_once(' ')?;
    let method = Method::from_bytes(method.as_bytes()).ok()?;
    let target = target.strip_suffix(" HTTP/1.1").unwrap_or(target);
    let target = percent_encoding::utf8_percent_encode(target, NOT_IN_URI).to_string();
    let uri = if target.starts_with('/') {
        Uri::try_from(target).ok()?
    } else {
        Uri::try_from(format!("/{target}")).ok()?
    };
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .body(body.to_vec());
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value.trim()),
        ) else {
            continue;
        };
        request.headers_mut().append(name, value);
    }
    Some(request)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Forges a value only the server can make, around fuzzed contents.
pub mod forge {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use cookie::{Cookie, CookieJar, Key};
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    use super::{SECRET, SESSION_KEY};

    /// The salt of [`token`]'s tokens.
    pub const TOKEN_SALT: &str = "user socket";

    /// A `Phoenix.Token` with any payload bytes (JSON or not), correctly
    /// signed for [`TOKEN_SALT`]: the key is derived as `phoenix::token`
    /// derives it (PBKDF2-HMAC-SHA256, 1000 iterations, 32 bytes).
    pub fn token(payload: &[u8]) -> String {
        static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
        let key = KEY.get_or_init(|| {
            let mut key = [0u8; 32];
            pbkdf2::pbkdf2_hmac::<Sha256>(SECRET.as_bytes(), TOKEN_SALT.as_bytes(), 1000, &mut key);
            key
        });
        let signed = format!("SFMyNTY.{}", URL_SAFE_NO_PAD.encode(payload));
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key size");
        mac.update(signed.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signed}.{signature}")
    }

    /// A session cookie (`name=value`) whose encrypted value is `plaintext`,
    /// made with the key the endpoint derives from the secret.
    pub fn session_cookie(plaintext: &str) -> String {
        let key = Key::derive_from(SECRET.as_bytes());
        let mut jar = CookieJar::new();
        jar.private_mut(&key)
            .add(Cookie::new(SESSION_KEY, plaintext.to_string()));
        let value = jar
            .get(SESSION_KEY)
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        format!("{SESSION_KEY}={value}")
    }

    /// The cookie session store's encoding of a record given as JSON text
    /// (`{"v":1,"record":{"id":..,"data":{..},"expiry_date":..}}`).
    pub fn cookie_store_value(envelope_json: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(envelope_json)
    }
}

/// The fuzzed application.
pub mod app {
    use std::collections::HashMap;

    use phoenix::plug::fetch_csrf_token;
    use phoenix::prelude::*;
    use serde::{Deserialize, Serialize};
    use serde_json::Value;

    /// The error view the configuration names, with no templates.
    #[derive(Default)]
    pub struct ErrorView;

    impl View for ErrorView {
        fn name(&self) -> &'static str {
            "error"
        }
    }

    /// The view of every controller (controllers answer text and JSON).
    #[derive(Default)]
    pub struct AnyView;

    impl View for AnyView {
        fn name(&self) -> &'static str {
            "any"
        }
    }

    /// A form with fields of every kind the text deserializer parses.
    #[derive(Debug, Deserialize, Serialize)]
    #[allow(dead_code)]
    pub struct UserForm {
        pub name: String,
        pub age: Option<u8>,
        pub admin: Option<bool>,
        #[serde(default)]
        pub tags: Vec<String>,
        pub score: Option<f64>,
        pub role: Option<Role>,
        pub address: Option<Address>,
        #[serde(default)]
        pub extra: HashMap<String, String>,
        pub pair: Option<(i32, String)>,
    }

    /// An enum parsed from its name.
    #[derive(Debug, Deserialize, Serialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Role {
        Admin,
        Member,
        Guest,
    }

    /// A nested object (`user[address][city]`).
    #[derive(Debug, Deserialize, Serialize)]
    pub struct Address {
        pub city: String,
        pub zip: Option<u32>,
    }

    /// The query of the index page.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    pub struct Page {
        pub page: Option<u64>,
        pub per: Option<i16>,
        pub q: Option<String>,
        pub sort: Option<Vec<String>>,
    }

    /// `Form<..>` wrapping the form under its `user` key.
    #[derive(Debug, Deserialize)]
    pub struct UserParams {
        pub user: UserForm,
    }

    /// The controllers.
    pub mod controllers {
        use super::*;

        macro_rules! controller {
            ($name:ident) => {
                /// A controller of the fuzzed application.
                pub struct $name;
                impl Controller for $name {
                    type View = AnyView;
                }
            };
        }
        controller!(PageController);
        controller!(FileController);
        controller!(UserController);
        controller!(CommentController);
        controller!(SessionController);
        controller!(ApiController);

        impl PageController {
            pub async fn index(conn: Conn, Query(page): Query<Page>) -> Result<Conn> {
                conn.text(format!("{page:?}"))
            }
            pub async fn show(conn: Conn, Path(page): Path<String>) -> Result<Conn> {
                conn.text(page)
            }
        }

        impl FileController {
            pub async fn show(conn: Conn, Path(segments): Path<Vec<String>>) -> Result<Conn> {
                conn.text(segments.join("/"))
            }
        }

        impl UserController {
            pub async fn index(conn: Conn, params: Params) -> Result<Conn> {
                let page: Page = phoenix::extract::from_params(params.as_map())?;
                conn.text(format!("{page:?}"))
            }
            pub async fn show(conn: Conn, Path(id): Path<u64>) -> Result<Conn> {
                conn.text(id.to_string())
            }
            pub async fn new(conn: Conn) -> Result<Conn> {
                conn.text("new")
            }
            pub async fn create(conn: Conn, Form(form): Form<UserParams>) -> Result<Conn> {
                conn.put_flash("info", form.user.name.clone())
                    .redirect_to(crate::helpers::user_path::show(1))
            }
            pub async fn edit(conn: Conn, Path(id): Path<u64>) -> Result<Conn> {
                conn.text(id.to_string())
            }
            pub async fn update(
                conn: Conn,
                Path(id): Path<u64>,
                Form(form): Form<UserParams>,
            ) -> Result<Conn> {
                conn.json(&serde_json::json!({ "id": id, "user": form.user }))
            }
            pub async fn destroy(conn: Conn, Path(id): Path<u64>) -> Result<Conn> {
                conn.text(id.to_string())
            }
            pub async fn search(conn: Conn, params: Params) -> Result<Conn> {
                let user: UserForm = params.extract_at("user")?;
                conn.json(&user)
            }
        }

        impl CommentController {
            pub async fn index(conn: Conn, Path(user_id): Path<u64>) -> Result<Conn> {
                conn.text(user_id.to_string())
            }
            pub async fn show(
                conn: Conn,
                Path((user_id, id)): Path<(u64, String)>,
            ) -> Result<Conn> {
                conn.text(format!("{user_id}/{id}"))
            }
            pub async fn new(conn: Conn, Path(user_id): Path<u64>) -> Result<Conn> {
                conn.text(user_id.to_string())
            }
            pub async fn create(
                conn: Conn,
                Path(user_id): Path<u64>,
                params: Params,
            ) -> Result<Conn> {
                conn.json(&serde_json::json!({ "user_id": user_id, "params": params }))
            }
            pub async fn edit(conn: Conn, Path((user_id, id)): Path<(u64, u64)>) -> Result<Conn> {
                conn.text(format!("{user_id}/{id}"))
            }
            pub async fn update(conn: Conn, Path((user_id, id)): Path<(u64, u64)>) -> Result<Conn> {
                conn.text(format!("{user_id}/{id}"))
            }
            pub async fn destroy(
                conn: Conn,
                Path((user_id, id)): Path<(u64, u64)>,
            ) -> Result<Conn> {
                conn.text(format!("{user_id}/{id}"))
            }
        }

        impl SessionController {
            /// Reads everything the session may hold, renders a CSRF token.
            pub async fn show(mut conn: Conn) -> Result<Conn> {
                let user: Option<Value> = conn.get_session("user").await?;
                let count: Option<u64> = conn.get_session("count").await.unwrap_or(None);
                let flash = conn.get_flash("info").map(str::to_string);
                fetch_csrf_token(&mut conn).await?;
                let token = csrf_token(&conn);
                conn.put_session("count", count.unwrap_or(0).saturating_add(1))
                    .await?;
                conn.json(&serde_json::json!({
                    "user": user, "count": count, "flash": flash, "csrf": token,
                }))
            }
            /// Logs in (a POST behind the CSRF check).
            pub async fn create(conn: Conn, params: Params) -> Result<Conn> {
                conn.renew_session().await?;
                conn.put_session("user", Value::Object(params.as_map().clone()))
                    .await?;
                conn.put_flash("info", "welcome").redirect_to("/session")
            }
            /// Logs out.
            pub async fn delete(conn: Conn) -> Result<Conn> {
                conn.clear_session().await?;
                conn.redirect_to("/")
            }
        }

        impl ApiController {
            pub async fn create(conn: Conn, Json(user): Json<UserForm>) -> Result<Conn> {
                conn.json(&user)
            }
            /// A form without the browser pipeline's CSRF check: `Path` and `Form`.
            pub async fn update(
                conn: Conn,
                Path(id): Path<u64>,
                Form(form): Form<UserParams>,
            ) -> Result<Conn> {
                conn.json(&serde_json::json!({ "id": id, "user": form.user }))
            }
            /// A typed query string.
            pub async fn search(conn: Conn, Query(query): Query<UserParams>) -> Result<Conn> {
                conn.json(&query.user)
            }
            pub async fn echo(conn: Conn, Json(value): Json<Value>) -> Result<Conn> {
                conn.json(&value)
            }
        }
    }
}

use phoenix::prelude::*;

phoenix::router! {
    pipeline browser {
        plug accepts(["html", "json"]);
        plug fetch_session;
        plug fetch_flash;
        plug protect_from_forgery;
        plug put_secure_browser_headers;
    }
    pipeline api {
        plug accepts(["json"]);
    }

    scope "/", alias app::controllers {
        pipe_through browser;

        get "/", PageController, index;
        get "/pages/:page", PageController, show;
        get "/files/*path", FileController, show;
        get "/session", SessionController, show;
        post "/session", SessionController, create;
        delete "/session", SessionController, delete;

        resources "/users", UserController {
            collection { get "search", search; }
            resources "/comments", CommentController;
        }
    }

    scope "/api", alias app::controllers, as api {
        pipe_through api;
        post "/users", ApiController, create;
        put "/users/:id", ApiController, update;
        get "/search", ApiController, search;
        post "/echo/*rest", ApiController, echo;
    }
}
