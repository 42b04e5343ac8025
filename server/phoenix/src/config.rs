//! Configuration per environment.
//!
//! An application's settings come from, in increasing priority:
//! `config/config.toml`, `config/{env}.toml` (the environment is `PHX_ENV`,
//! `dev` by default), then environment variables: `PORT` (`http.port`),
//! `SECRET_KEY_BASE`, `PHX_HOST` (`url.host`) and any key as
//! `PHX_SECTION__KEY` (`PHX_HTTP__IP=0.0.0.0`). Layers are merged by
//! [figment](https://docs.rs/figment). A missing, unknown or mistyped key is
//! an error naming the key and the file it came from.
//!
//! ```toml
//! # config/config.toml
//! app_name = "my_app"
//! debug_errors = false
//! log_level = "info"
//!
//! [http]
//! ip = "127.0.0.1"
//! port = 4000
//!
//! [url]            # what generated URLs use: the proxy case
//! host = "example.com"
//! port = 80
//!
//! [session]
//! store = "cookie" # or "server"
//! key = "_my_app_key"
//!
//! [render_errors]
//! view = "error"
//! accepts = ["html", "json"]
//!
//! [static]
//! at = "/"
//! from = "priv/static"
//!
//! [database]       # the `db` feature; DATABASE_URL overrides `url`
//! url = "sqlite://priv/db/my_app_dev.sqlite3"
//! ```

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Data, Env, Format, Toml};
use figment::Figment;
use serde::Deserialize;

/// The whole configuration of an application.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The application's name (logs, the dashboard, the default session key).
    pub app_name: String,
    /// The environment (`PHX_ENV`): `dev`, `test`, `prod`, ...
    #[serde(skip)]
    pub env: String,
    /// The application's root folder (holds `config/` and `priv/`).
    #[serde(skip)]
    pub root: PathBuf,
    /// Secret for signing and encrypting cookies; at least 64 bytes, required
    /// outside `dev` and `test`.
    #[serde(default)]
    pub secret_key_base: Option<String>,
    /// Secrets used before `secret_key_base`, newest first, while rotating
    /// it: session cookies and tokens they made still decrypt and verify;
    /// new ones use `secret_key_base`. Each at least 64 bytes.
    #[serde(default)]
    pub previous_secret_key_bases: Vec<String>,
    /// Plain HTTP listener.
    pub http: HttpConfig,
    /// HTTPS listener (optional).
    #[serde(default)]
    pub https: Option<HttpsConfig>,
    /// How generated URLs look (scheme, host, port).
    pub url: UrlConfig,
    /// Session store.
    pub session: SessionConfig,
    /// Show the debugging error page instead of the error view.
    pub debug_errors: bool,
    /// The view that renders error pages and the formats it handles.
    pub render_errors: RenderErrorsConfig,
    /// Static files.
    #[serde(rename = "static")]
    pub static_files: StaticConfig,
    /// Log level (`error`, `warn`, `info`, `debug`, `trace`); `RUST_LOG` wins.
    pub log_level: String,
    /// Log lines as `text` (the default; coloured only on a terminal) or
    /// `json` (one object per line, for log collectors).
    #[serde(default)]
    pub log_format: LogFormat,
    /// File templates.
    #[serde(default)]
    pub templates: TemplatesConfig,
    /// Which `Origin`s may open sockets: `true` (the `url.host`), `false`
    /// (any), or a list such as `["https://example.com", "//*.example.com"]`.
    #[serde(default)]
    pub check_origin: CheckOrigin,
    /// HTTPS-only behaviour (`[force_ssl]`, Phoenix's `force_ssl`): HSTS on
    /// HTTPS requests, an opt-in redirect of plain HTTP. Off when absent.
    #[serde(default)]
    pub force_ssl: Option<ForceSslConfig>,
    /// Limits on what clients may use (`[limits]`): sockets per endpoint and
    /// per IP, LongPoll sessions, header and body sizes.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Lets `debug_errors` and the dashboard be enabled in `prod`, with a
    /// warning in the log at startup. Without it, enabling either in `prod`
    /// is a configuration error: both show the application's internals.
    #[serde(default)]
    pub allow_dev_tools_in_prod: bool,
    /// Application-specific settings (`[app]`), free-form.
    #[serde(default)]
    pub app: serde_json::Map<String, serde_json::Value>,
    /// The introspection socket of the dev dashboard.
    #[serde(default)]
    pub dashboard: DashboardConfig,
    /// Live reload of pages when assets or the code change (see
    /// [`crate::live_reload`]).
    #[serde(default)]
    pub live_reload: LiveReloadConfig,
    /// The database (`phoenix::db`, the `db` feature).
    #[serde(default)]
    pub database: DatabaseConfig,
    /// Translations (see [`crate::i18n`]).
    #[serde(default)]
    pub i18n: I18nConfig,
    /// How broadcasts reach other nodes (see [`crate::pubsub`]).
    #[serde(default)]
    pub pubsub: PubSubConfig,
    /// Presence across nodes (see [`crate::presence`]).
    #[serde(default)]
    pub presence: PresenceConfig,
}

/// How log lines are written (`log_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines; ANSI colours only when writing to a terminal.
    #[default]
    Text,
    /// One JSON object per line, with the request id of request lines.
    Json,
}

/// The PubSub adapter (`[pubsub]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PubSubAdapterKind {
    /// In this process only (the default).
    #[default]
    Local,
    /// Through a Redis server shared by every node.
    Redis,
}

/// `[pubsub]`: one node, or several sharing a Redis server.
///
/// ```toml
/// [pubsub]
/// adapter = "redis"                  # default: "local"
/// url = "redis://127.0.0.1:6379/"    # PHX_PUBSUB__URL
/// # node = "web-1"                   # default: host name, process id and a random suffix
/// # channel = "phx:my_app"           # default: "phx:" and the app name
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PubSubConfig {
    /// `local` or `redis`.
    #[serde(default)]
    pub adapter: PubSubAdapterKind,
    /// The Redis server (`redis://host:port/db`), for `adapter = "redis"`.
    #[serde(default)]
    pub url: Option<String>,
    /// This node's name, unique among the nodes; unset: a generated one.
    #[serde(default)]
    pub node: Option<String>,
    /// The Redis channel the nodes share; unset: `phx:` and the app name.
    #[serde(default)]
    pub channel: Option<String>,
}

/// `[presence]`: how nodes keep each other's presence entries
/// (Phoenix.Tracker's heartbeats and down period).
///
/// ```toml
/// [presence]
/// # heartbeat_ms = 1500      # how often a node says it is alive
/// # down_period_ms = 30000   # silent for this long: its entries are removed
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceConfig {
    /// Milliseconds between a node's heartbeats.
    #[serde(default = "presence_heartbeat_ms")]
    pub heartbeat_ms: u64,
    /// Milliseconds without a heartbeat after which a node counts as down
    /// and the others remove its entries.
    #[serde(default = "presence_down_period_ms")]
    pub down_period_ms: u64,
}

fn presence_heartbeat_ms() -> u64 {
    1500
}

fn presence_down_period_ms() -> u64 {
    30_000
}

impl Default for PresenceConfig {
    fn default() -> Self {
        PresenceConfig {
            heartbeat_ms: presence_heartbeat_ms(),
            down_period_ms: presence_down_period_ms(),
        }
    }
}

/// `[i18n]`: where translations are and which locales are served.
///
/// ```toml
/// [i18n]
/// # default_locale = "en"
/// # locales = ["en", "fr"]     # default: every folder found
/// # path = "priv/locales"
/// # reload = true              # default: true in dev, false elsewhere
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct I18nConfig {
    /// The locale used when nothing else decides, and the last fallback.
    #[serde(default = "i18n_default_locale")]
    pub default_locale: String,
    /// The supported locales; empty means every folder under `path`.
    #[serde(default)]
    pub locales: Vec<String>,
    /// The folder of `{locale}/*.ftl`, relative to the app root.
    #[serde(default = "i18n_path")]
    pub path: String,
    /// Reload when a `.ftl` file changes; unset means "in `dev` only".
    #[serde(default)]
    pub reload: Option<bool>,
}

fn i18n_default_locale() -> String {
    "en".into()
}

fn i18n_path() -> String {
    "priv/locales".into()
}

impl Default for I18nConfig {
    fn default() -> Self {
        I18nConfig {
            default_locale: i18n_default_locale(),
            locales: Vec::new(),
            path: i18n_path(),
            reload: None,
        }
    }
}

/// `[live_reload]`: the socket and script that reload open pages.
///
/// ```toml
/// [live_reload]
/// # enabled = true                  # default: true in dev, false elsewhere
/// # paths = ["priv/static"]         # default: priv/static and templates.root
/// # debounce_ms = 100
/// # path = "/phoenix/live_reload/socket"
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveReloadConfig {
    /// Mount the socket and inject the script; unset means "in `dev` only".
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Folders and files watched, relative to the app root; empty means
    /// `priv/static` plus `templates.root` if set.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Changes closer together than this many milliseconds make one event.
    #[serde(default = "live_reload_debounce")]
    pub debounce_ms: u64,
    /// Where the socket is mounted.
    #[serde(default = "live_reload_path")]
    pub path: String,
}

fn live_reload_debounce() -> u64 {
    100
}

fn live_reload_path() -> String {
    "/phoenix/live_reload/socket".into()
}

impl Default for LiveReloadConfig {
    fn default() -> Self {
        LiveReloadConfig {
            enabled: None,
            paths: Vec::new(),
            debounce_ms: live_reload_debounce(),
            path: live_reload_path(),
        }
    }
}

/// `[database]`: where `phoenix::db` connects (the `db` feature).
///
/// ```toml
/// [database]
/// url = "sqlite://priv/db/my_app_dev.sqlite3"  # or postgres://user:pass@host/db
/// # pool_size = 5
/// # migrate = true                # default: true in dev and test, false elsewhere
/// # migrations = "priv/migrations" # holds sqlite/ and postgres/
/// ```
///
/// `DATABASE_URL` (or `PHX_DATABASE__URL`) overrides `url`. Without a `url`,
/// the app uses `sqlite://priv/db/{app_name}_{env}.sqlite3`; a relative
/// SQLite path is relative to the app root.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://path`, `sqlite::memory:` or `postgres://...`; filled in by
    /// [`Config::load`] when absent.
    #[serde(default)]
    pub url: String,
    /// Connections in the pool at most (default 5).
    #[serde(default = "database_pool_size")]
    pub pool_size: u32,
    /// Apply pending migrations at startup; unset means "in `dev` and `test`".
    #[serde(default)]
    pub migrate: Option<bool>,
    /// The migrations folder, relative to the app root; it holds one folder
    /// per backend (`sqlite/`, `postgres/`).
    #[serde(default = "database_migrations")]
    pub migrations: String,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: String::new(),
            pool_size: database_pool_size(),
            migrate: None,
            migrations: database_migrations(),
        }
    }
}

fn database_pool_size() -> u32 {
    5
}

fn database_migrations() -> String {
    "priv/migrations".into()
}

/// `[dashboard]`: the introspection socket `phoenix-dashboard` connects to.
///
/// ```toml
/// [dashboard]
/// token = "a long random string"   # required: without it nothing is mounted
/// # enabled = true                 # default: true in dev, false elsewhere
/// # read_only = false              # refuse disconnects and test broadcasts
/// # path = "/phoenix/dashboard"
/// # max_events_per_second = 5000   # events listed per second; counters stay exact
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardConfig {
    /// Mount the socket; unset means "in `dev` only".
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The token a dashboard must join with.
    #[serde(default)]
    pub token: Option<String>,
    /// Refuse operations (disconnecting sockets, test broadcasts).
    #[serde(default)]
    pub read_only: bool,
    /// Where the socket is mounted.
    #[serde(default = "dashboard_path")]
    pub path: String,
    /// Events sent to dashboards per second at most, shared equally by
    /// lifecycle, message, broadcast and HTTP events (the rest are counted
    /// as dropped).
    #[serde(default = "dashboard_rate")]
    pub max_events_per_second: u64,
}

fn dashboard_path() -> String {
    "/phoenix/dashboard".into()
}

fn dashboard_rate() -> u64 {
    5000
}

impl DatabaseConfig {
    /// The default URL of an app's database: a SQLite file per environment.
    pub fn default_url(app_name: &str, env: &str) -> String {
        format!("sqlite://priv/db/{app_name}_{env}.sqlite3")
    }
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            enabled: None,
            token: None,
            read_only: false,
            path: dashboard_path(),
            max_events_per_second: dashboard_rate(),
        }
    }
}

/// The `check_origin` setting.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum CheckOrigin {
    /// `true`: the origin's host must be `url.host`; `false`: no check.
    Enabled(bool),
    /// Allowed origins; scheme and port are compared only when given, and
    /// `//*.example.com` allows the domain and its subdomains.
    List(Vec<String>),
}

impl Default for CheckOrigin {
    fn default() -> Self {
        CheckOrigin::Enabled(true)
    }
}

impl CheckOrigin {
    /// Whether an `Origin` header value is allowed, given the endpoint's host.
    pub fn allows(&self, origin: &str, url_host: &str) -> bool {
        let Some(origin) = Origin::parse(origin) else {
            return false;
        };
        match self {
            CheckOrigin::Enabled(false) => true,
            CheckOrigin::Enabled(true) => origin.host.eq_ignore_ascii_case(url_host),
            CheckOrigin::List(list) => {
                list.iter().filter_map(|o| Origin::parse(o)).any(|allowed| {
                    let host_ok = match allowed.host.strip_prefix("*.") {
                        Some(domain) => {
                            origin.host.eq_ignore_ascii_case(domain)
                                || origin
                                    .host
                                    .to_ascii_lowercase()
                                    .ends_with(&format!(".{}", domain.to_ascii_lowercase()))
                        }
                        None => origin.host.eq_ignore_ascii_case(&allowed.host),
                    };
                    let scheme_ok = allowed.scheme.is_none() || allowed.scheme == origin.scheme;
                    let port_ok = allowed.port.is_none() || allowed.port == origin.port;
                    host_ok && scheme_ok && port_ok
                })
            }
        }
    }
}

struct Origin {
    scheme: Option<String>,
    host: String,
    port: Option<u16>,
}

impl Origin {
    /// `https://host:port`, `//host:port` or `host`.
    fn parse(text: &str) -> Option<Origin> {
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
            None => (None, text.strip_prefix("//").unwrap_or(text)),
        };
        let authority = rest.split('/').next()?;
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
                (host.to_string(), Some(port.parse().ok()?))
            }
            _ => (authority.to_string(), None),
        };
        let port = port.or(match scheme.as_deref() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        (!host.is_empty()).then_some(Origin { scheme, host, port })
    }
}

/// `[http]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Address to bind.
    pub ip: IpAddr,
    /// Port to bind (0 picks a free port).
    pub port: u16,
    /// Connections the kernel queues before they are accepted (capped by
    /// `net.core.somaxconn`). A burst of connects larger than this waits for
    /// SYN retransmits (a second or more), so the default is high.
    #[serde(default = "http_backlog")]
    pub backlog: u32,
}

fn http_backlog() -> u32 {
    4096
}

/// `[https]`: relative `keyfile`/`certfile` paths resolve against `priv/`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpsConfig {
    /// Address to bind (defaults to `http.ip`).
    #[serde(default)]
    pub ip: Option<IpAddr>,
    /// Port to bind.
    pub port: u16,
    /// PEM private key (PKCS#1, PKCS#8 or SEC1).
    pub keyfile: PathBuf,
    /// PEM certificate chain.
    pub certfile: PathBuf,
}

/// `[url]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrlConfig {
    /// `http` or `https`.
    #[serde(default = "default_scheme")]
    pub scheme: String,
    /// Host name used in full URLs.
    pub host: String,
    /// Port used in full URLs (omitted when it is the scheme's default).
    #[serde(default)]
    pub port: Option<u16>,
}

fn default_scheme() -> String {
    "http".into()
}

/// Where session data lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStore {
    /// In the cookie itself, encrypted and signed with `secret_key_base`.
    Cookie,
    /// On the server (in memory); the cookie holds a signed id.
    Server,
}

/// `[session]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// `cookie` or `server`.
    pub store: SessionStore,
    /// The cookie's name.
    pub key: String,
    /// Send the cookie over HTTPS only (`Secure`); by default, whenever
    /// `url.scheme` is `https` (see [`Config::session_secure`]).
    #[serde(default)]
    pub secure: Option<bool>,
    /// The cookie's `SameSite` attribute: `lax` (the default), `strict`, or
    /// `none` (which browsers accept only on a secure cookie).
    #[serde(default)]
    pub same_site: SameSitePolicy,
    /// Lifetime in seconds; none means a browser-session cookie.
    #[serde(default)]
    pub max_age: Option<i64>,
}

/// `[limits]`: what one endpoint lets its clients use. Each limit, when hit,
/// gives the documented answer and one warning in the log (at most one a
/// second per limit, with the count of the others); the server and other
/// clients go on. Per-socket limits (channels, frame size, message and join
/// rates) are the socket's [`SocketLimits`](crate::socket::SocketLimits).
///
/// ```toml
/// [limits]
/// max_sockets = 100000        # socket connections at once (WebSocket and LongPoll)
/// max_sockets_per_ip = 0      # 0: none (behind a proxy every client has its IP)
/// max_long_poll_sessions = 10000  # per socket
/// max_header_bytes = 32768    # all request headers, names and values
/// json_body_bytes = 8000000   # application/json bodies the parsers read
/// form_body_bytes = 8000000   # application/x-www-form-urlencoded bodies
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Socket connections open at once; past it a new one gets HTTP 503 (a
    /// LongPoll session `{"status": 503}`).
    #[serde(default = "max_sockets")]
    pub max_sockets: usize,
    /// Socket connections open at once from one IP address (0: no limit);
    /// past it a new one gets HTTP 429 (LongPoll: `{"status": 429}`).
    #[serde(default)]
    pub max_sockets_per_ip: usize,
    /// LongPoll sessions at once, per socket; past it a new one gets
    /// `{"status": 503}`.
    #[serde(default = "max_long_poll_sessions")]
    pub max_long_poll_sessions: usize,
    /// Bytes of request headers (names and values); past it, HTTP 431.
    #[serde(default = "max_header_bytes")]
    pub max_header_bytes: usize,
    /// Largest `application/json` body the parsers read; past it, HTTP 413.
    #[serde(default = "body_bytes")]
    pub json_body_bytes: usize,
    /// Largest `application/x-www-form-urlencoded` body; past it, HTTP 413.
    #[serde(default = "body_bytes")]
    pub form_body_bytes: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_sockets: max_sockets(),
            max_sockets_per_ip: 0,
            max_long_poll_sessions: max_long_poll_sessions(),
            max_header_bytes: max_header_bytes(),
            json_body_bytes: body_bytes(),
            form_body_bytes: body_bytes(),
        }
    }
}

fn max_sockets() -> usize {
    100_000
}

fn max_long_poll_sessions() -> usize {
    10_000
}

fn max_header_bytes() -> usize {
    32 * 1024
}

fn body_bytes() -> usize {
    8_000_000
}

/// `[force_ssl]`: see [`crate::endpoint`]'s force-SSL section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForceSslConfig {
    /// Send `Strict-Transport-Security` on every HTTPS response (default true).
    #[serde(default = "yes")]
    pub hsts: bool,
    /// HSTS `max-age` in seconds (default a year).
    #[serde(default = "hsts_max_age")]
    pub max_age: u64,
    /// HSTS for the subdomains too.
    #[serde(default)]
    pub include_subdomains: bool,
    /// Ask to be on browsers' HSTS preload lists.
    #[serde(default)]
    pub preload: bool,
    /// Redirect plain HTTP requests to HTTPS (default false: plain HTTP still
    /// answers, with no HSTS).
    #[serde(default)]
    pub redirect: bool,
    /// Request headers set by a trusted proxy that tell the original scheme:
    /// `["x-forwarded-proto"]` behind a TLS-terminating proxy.
    #[serde(default)]
    pub rewrite_on: Vec<String>,
    /// Hosts never redirected (default `["localhost"]`).
    #[serde(default = "ssl_exclude")]
    pub exclude: Vec<String>,
}

impl Default for ForceSslConfig {
    /// HSTS for a year on HTTPS responses, no redirect, no proxy header trusted.
    fn default() -> Self {
        ForceSslConfig {
            hsts: true,
            max_age: hsts_max_age(),
            include_subdomains: false,
            preload: false,
            redirect: false,
            rewrite_on: Vec::new(),
            exclude: ssl_exclude(),
        }
    }
}

fn hsts_max_age() -> u64 {
    31_536_000
}

fn ssl_exclude() -> Vec<String> {
    vec!["localhost".into()]
}

/// The session cookie's `SameSite` attribute (`session.same_site`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SameSitePolicy {
    /// Sent on top-level navigations from other sites, not on their
    /// subrequests or form posts (the default, as in Phoenix).
    #[default]
    Lax,
    /// Never sent on requests started by another site.
    Strict,
    /// Sent on every request (cross-site embeds); needs a secure cookie.
    None,
}

/// `[render_errors]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenderErrorsConfig {
    /// Name of the registered view that renders `404.html`, `500.json`, ...
    pub view: String,
    /// Formats the error view renders; others fall back to the first.
    pub accepts: Vec<String>,
}

/// `[static]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticConfig {
    /// Serve static files at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// URL prefix.
    pub at: String,
    /// Folder, relative to the app root.
    pub from: PathBuf,
    /// The manifest written by [`crate::digest::digest`], relative to the
    /// app root (e.g. `"priv/static/cache_manifest.json"`; set it in prod):
    /// `static_path` then names digested files, which are served with a
    /// far-future `cache-control`.
    #[serde(default)]
    pub cache_manifest: Option<String>,
}

fn yes() -> bool {
    true
}

/// `[templates]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplatesConfig {
    /// Folder of file templates (`<view>/<name>.<format>.<engine>`), relative to the app root.
    #[serde(default)]
    pub root: Option<PathBuf>,
    /// Reload file templates when they change (for development).
    #[serde(default)]
    pub reload: bool,
}

/// A configuration problem, naming the key and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Loads the configuration of the app rooted at `root` for the environment
    /// named by `PHX_ENV` (default `dev`).
    pub fn load(root: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let env = std::env::var("PHX_ENV").unwrap_or_else(|_| "dev".into());
        Config::load_env(root, &env)
    }

    /// Loads the configuration for an explicit environment.
    pub fn load_env(root: impl AsRef<Path>, env: &str) -> Result<Config, ConfigError> {
        let root = root.as_ref().to_path_buf();
        let base = root.join("config").join("config.toml");
        let env_file = root.join("config").join(format!("{env}.toml"));
        if !base.is_file() {
            return Err(ConfigError(format!(
                "{} is missing (PHX_ENV={env})",
                base.display()
            )));
        }
        Config::extract(root, env, Toml::file(&base), Toml::file(&env_file))
    }

    /// The configuration given as the texts of `config/config.toml` and
    /// `config/{env}.toml` instead of files (the environment variables still
    /// apply), checked as [`Config::load_env`] checks files; `root` is where
    /// relative paths resolve.
    pub fn from_toml_str(
        root: impl AsRef<Path>,
        env: &str,
        base: &str,
        env_text: &str,
    ) -> Result<Config, ConfigError> {
        let root = root.as_ref().to_path_buf();
        Config::extract(root, env, Toml::string(base), Toml::string(env_text))
    }

    fn extract(
        root: PathBuf,
        env: &str,
        base_layer: Data<Toml>,
        env_layer: Data<Toml>,
    ) -> Result<Config, ConfigError> {
        let base = root.join("config").join("config.toml");
        let env_file = root.join("config").join(format!("{env}.toml"));
        let figment = Figment::new()
            .merge(base_layer)
            .merge(env_layer)
            .merge(Env::raw().only(&["PORT"]).map(|_| "http.port".into()))
            .merge(Env::raw().only(&["SECRET_KEY_BASE"]))
            .merge(Env::raw().only(&["PHX_HOST"]).map(|_| "url.host".into()))
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database.url".into()),
            )
            .merge(
                Env::prefixed("PHX_")
                    .ignore(&["env", "host", "root", "build_status"])
                    .split("__"),
            );
        let mut config: Config = figment
            .extract()
            .map_err(|e| describe(e, &base, &env_file))?;
        config.env = env.to_string();
        config.root = root;
        config.validate(&base, &env_file)?;
        Ok(config)
    }

    fn validate(&mut self, base: &Path, env_file: &Path) -> Result<(), ConfigError> {
        let files = format!("{} or {}", base.display(), env_file.display());
        match &self.secret_key_base {
            None if !matches!(self.env.as_str(), "dev" | "test") => {
                return Err(ConfigError(format!(
                    "missing key `secret_key_base`: it is required in the `{}` environment \
                     (set it in {files} or with SECRET_KEY_BASE)",
                    self.env
                )));
            }
            Some(secret) if secret.len() < 64 => {
                return Err(ConfigError(format!(
                    "key `secret_key_base` (in {files} or SECRET_KEY_BASE) must be at least 64 bytes long, it is {}",
                    secret.len()
                )));
            }
            _ => {}
        }
        if let Some((i, old)) = self
            .previous_secret_key_bases
            .iter()
            .enumerate()
            .find(|(_, old)| old.len() < 64)
        {
            return Err(ConfigError(format!(
                "key `previous_secret_key_bases` (in {files}): entry {} must be at least 64 \
                 bytes long, it is {}",
                i + 1,
                old.len()
            )));
        }
        if self.pubsub.adapter == PubSubAdapterKind::Redis && self.pubsub.url.is_none() {
            return Err(ConfigError(format!(
                "key `pubsub.url` is missing: `pubsub.adapter = \"redis\"` needs the server's \
                 URL, e.g. \"redis://127.0.0.1:6379/\" (set it in {files} or with PHX_PUBSUB__URL)"
            )));
        }
        if self.presence.heartbeat_ms == 0
            || self.presence.down_period_ms <= self.presence.heartbeat_ms
        {
            return Err(ConfigError(format!(
                "keys `presence.heartbeat_ms` ({}) and `presence.down_period_ms` ({}): the \
                 heartbeat must be above 0 and shorter than the down period (in {files})",
                self.presence.heartbeat_ms, self.presence.down_period_ms
            )));
        }
        if let Some(https) = &mut self.https {
            for (key, path) in [
                ("https.keyfile", &mut https.keyfile),
                ("https.certfile", &mut https.certfile),
            ] {
                if path.is_relative() {
                    *path = self.root.join("priv").join(&*path);
                }
                if !path.is_file() {
                    return Err(ConfigError(format!(
                        "key `{key}` (in {files}): no file at {}",
                        path.display()
                    )));
                }
            }
        }
        if !matches!(self.url.scheme.as_str(), "http" | "https") {
            return Err(ConfigError(format!(
                "key `url.scheme` (in {files}) must be \"http\" or \"https\", not {:?}",
                self.url.scheme
            )));
        }
        if self.session.same_site == SameSitePolicy::None && !self.session_secure() {
            return Err(ConfigError(format!(
                "key `session.same_site` (in {files}) is \"none\", which browsers accept only \
                 on a secure cookie: set `session.secure = true` or use `url.scheme = \"https\"`"
            )));
        }
        if let Some(ssl) = &self.force_ssl {
            if let Some(header) = ssl
                .rewrite_on
                .iter()
                .find(|h| !h.eq_ignore_ascii_case("x-forwarded-proto"))
            {
                return Err(ConfigError(format!(
                    "key `force_ssl.rewrite_on` (in {files}) names {header:?}; the one header \
                     understood is \"x-forwarded-proto\""
                )));
            }
        }
        if self.env == "prod" && !self.allow_dev_tools_in_prod {
            let enabled: Vec<&str> = [
                ("debug_errors", self.debug_errors),
                ("dashboard.enabled", self.dashboard.enabled == Some(true)),
            ]
            .into_iter()
            .filter_map(|(key, on)| on.then_some(key))
            .collect();
            if !enabled.is_empty() {
                return Err(ConfigError(format!(
                    "key `{}` (in {files}) is on in `prod`, where it would show the \
                     application's internals to anyone; turn it off, or set \
                     `allow_dev_tools_in_prod = true` (PHX_ALLOW_DEV_TOOLS_IN_PROD=true) to \
                     allow it anyway",
                    enabled.join("` and `")
                )));
            }
        }
        let dashboard = &self.dashboard;
        if dashboard.enabled == Some(true) && dashboard.token.as_deref().unwrap_or("").is_empty() {
            return Err(ConfigError(format!(
                "key `dashboard.token` (in {files} or PHX_DASHBOARD__TOKEN) is required when \
                 `dashboard.enabled` is true"
            )));
        }
        if !dashboard.path.starts_with('/') || dashboard.path.ends_with('/') {
            return Err(ConfigError(format!(
                "key `dashboard.path` (in {files}) must start with `/` and not end with one, not {:?}",
                dashboard.path
            )));
        }
        let live = &self.live_reload.path;
        if !live.starts_with('/') || live.ends_with('/') {
            return Err(ConfigError(format!(
                "key `live_reload.path` (in {files}) must start with `/` and not end with one, not {live:?}"
            )));
        }
        if self.database.url.trim().is_empty() {
            self.database.url = DatabaseConfig::default_url(&self.app_name, &self.env);
        }
        if self.database.pool_size == 0 {
            return Err(ConfigError(format!(
                "key `database.pool_size` (in {files}) must be at least 1"
            )));
        }
        if !self.static_files.at.starts_with('/') {
            return Err(ConfigError(format!(
                "key `static.at` (in {files}) must start with `/`, not {:?}",
                self.static_files.at
            )));
        }
        Ok(())
    }

    /// Whether [`EndpointBuilder::live_reload`](crate::endpoint::EndpointBuilder::live_reload)
    /// installs live reload: `live_reload.enabled`, by default in `dev` only.
    pub fn live_reload_enabled(&self) -> bool {
        self.live_reload.enabled.unwrap_or(self.env == "dev")
    }

    /// Whether the endpoint mounts the dashboard socket: `dashboard.enabled`
    /// (by default, in `dev` only) and a token.
    pub fn dashboard_enabled(&self) -> bool {
        let token = self.dashboard.token.as_deref().unwrap_or("");
        self.dashboard.enabled.unwrap_or(self.env == "dev") && !token.is_empty()
    }

    /// Whether the session cookie is `Secure`: `session.secure`, by default
    /// whenever `url.scheme` is `https`.
    pub fn session_secure(&self) -> bool {
        self.session.secure.unwrap_or(self.url.scheme == "https")
    }

    /// What `allow_dev_tools_in_prod` let through in `prod` (debug error
    /// pages, the dashboard), for the warning the endpoint logs at startup.
    pub fn dev_tools_in_prod(&self) -> Vec<&'static str> {
        if self.env != "prod" {
            return Vec::new();
        }
        [
            ("debug error pages", self.debug_errors),
            ("the dashboard", self.dashboard_enabled()),
        ]
        .into_iter()
        .filter_map(|(what, on)| on.then_some(what))
        .collect()
    }

    /// Whether `phoenix::db::Repo::start` applies pending migrations:
    /// `database.migrate`, by default in `dev` and `test` only.
    pub fn database_migrate(&self) -> bool {
        self.database
            .migrate
            .unwrap_or(matches!(self.env.as_str(), "dev" | "test"))
    }

    /// The secret for cookies: `secret_key_base`, or in dev and test a fixed
    /// development secret (never used elsewhere: [`Config::load`] refuses).
    pub fn secret(&self) -> &str {
        self.secret_key_base.as_deref().unwrap_or(
            "dev-and-test-only-secret-key-base-that-is-long-enough-for-cookie-keys-0123456789",
        )
    }

    /// `scheme://host[:port]` for full URLs.
    pub fn url_base(&self) -> String {
        let default_port = match self.url.scheme.as_str() {
            "https" => 443,
            _ => 80,
        };
        match self.url.port {
            Some(port) if port != default_port => {
                format!("{}://{}:{port}", self.url.scheme, self.url.host)
            }
            _ => format!("{}://{}", self.url.scheme, self.url.host),
        }
    }

    /// A path relative to the app root.
    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }
}

fn describe(err: figment::Error, base: &Path, env_file: &Path) -> ConfigError {
    let mut messages = Vec::new();
    for e in err {
        let key = e.path.join(".");
        let source = e
            .metadata
            .as_ref()
            .and_then(|m| m.source.as_ref())
            .map(|s| s.to_string())
            .or_else(|| e.metadata.as_ref().map(|m| m.name.to_string()));
        let text = match &e.kind {
            figment::error::Kind::MissingField(field) => {
                let full = if key.is_empty() {
                    field.to_string()
                } else {
                    format!("{key}.{field}")
                };
                format!(
                    "missing key `{full}` (set it in {} or {})",
                    base.display(),
                    env_file.display()
                )
            }
            figment::error::Kind::UnknownField(field, expected) => {
                let full = if key.is_empty() {
                    field.to_string()
                } else if key == *field || key.ends_with(&format!(".{field}")) {
                    key.clone()
                } else {
                    format!("{key}.{field}")
                };
                format!(
                    "unknown key `{full}` in {}; expected one of: {}",
                    source.unwrap_or_else(|| "the configuration".into()),
                    expected.join(", ")
                )
            }
            kind => format!(
                "key `{key}` in {}: {kind}",
                source.unwrap_or_else(|| "the configuration".into())
            ),
        };
        messages.push(text);
    }
    ConfigError(messages.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
app_name = "t"
debug_errors = false
log_level = "info"
[http]
ip = "127.0.0.1"
port = 4000
[url]
host = "example.com"
[session]
store = "cookie"
key = "_t_key"
[render_errors]
view = "error"
accepts = ["html", "json"]
[static]
at = "/"
from = "priv/static"
"#;

    fn app(files: &[(&str, &str)]) -> tempdir::TempDir {
        let dir = tempdir::TempDir::new();
        std::fs::create_dir_all(dir.0.join("config")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.0.join("config").join(name), text).unwrap();
        }
        dir
    }

    mod tempdir {
        use std::path::PathBuf;
        use std::sync::atomic::{AtomicUsize, Ordering};

        pub struct TempDir(pub PathBuf);

        impl TempDir {
            pub fn new() -> Self {
                static N: AtomicUsize = AtomicUsize::new(0);
                let path = std::env::temp_dir().join(format!(
                    "phx-config-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::SeqCst)
                ));
                std::fs::create_dir_all(&path).unwrap();
                TempDir(path)
            }
        }

        impl Drop for TempDir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn env_file_overrides_base() {
        let dir = app(&[
            ("config.toml", BASE),
            ("test.toml", "[http]\nport = 4002\n"),
        ]);
        let config = Config::load_env(&dir.0, "test").unwrap();
        assert_eq!(config.http.port, 4002);
        assert_eq!(config.env, "test");
        assert_eq!(config.url_base(), "http://example.com");
    }

    #[test]
    fn url_port_appears_unless_default() {
        let dir = app(&[
            ("config.toml", BASE),
            ("dev.toml", "[url]\nhost = \"h\"\nport = 8080\n"),
        ]);
        let config = Config::load_env(&dir.0, "dev").unwrap();
        assert_eq!(config.url_base(), "http://h:8080");
    }

    #[test]
    fn missing_key_names_key_and_files() {
        let text = BASE.replace("port = 4000\n", "");
        let dir = app(&[("config.toml", &text)]);
        let err = Config::load_env(&dir.0, "dev").unwrap_err().to_string();
        assert!(err.contains("missing key `http.port`"), "{err}");
        assert!(err.contains("config.toml"), "{err}");
    }

    #[test]
    fn wrong_type_names_key_and_file() {
        let dir = app(&[
            ("config.toml", BASE),
            ("dev.toml", "[http]\nport = \"four\"\n"),
        ]);
        let err = Config::load_env(&dir.0, "dev").unwrap_err().to_string();
        assert!(err.contains("`http.port`"), "{err}");
        assert!(err.contains("dev.toml"), "{err}");
    }

    #[test]
    fn unknown_key_is_refused() {
        let dir = app(&[("config.toml", BASE), ("dev.toml", "[http]\nprot = 1\n")]);
        let err = Config::load_env(&dir.0, "dev").unwrap_err().to_string();
        assert!(err.contains("unknown key `http.prot`"), "{err}");
        assert!(err.contains("dev.toml"), "{err}");
    }

    #[test]
    fn prod_requires_secret_key_base() {
        let dir = app(&[("config.toml", BASE)]);
        let err = Config::load_env(&dir.0, "prod").unwrap_err().to_string();
        assert!(err.contains("secret_key_base"), "{err}");
    }

    const PROD_SECRET: &str =
        "secret_key_base = \"0123456789012345678901234567890123456789012345678901234567890123\"\n";

    #[test]
    fn session_cookie_is_secure_under_https_and_same_site_is_configurable() {
        let dir = app(&[("config.toml", BASE)]);
        let plain = Config::load_env(&dir.0, "dev").unwrap();
        assert!(!plain.session_secure(), "http: not secure by default");
        assert_eq!(plain.session.same_site, SameSitePolicy::Lax);
        let dir = app(&[
            ("config.toml", BASE),
            (
                "dev.toml",
                "[url]\nscheme = \"https\"\nhost = \"example.com\"\n",
            ),
        ]);
        assert!(Config::load_env(&dir.0, "dev").unwrap().session_secure());
        let dir = app(&[
            ("config.toml", BASE),
            (
                "dev.toml",
                "[session]\nstore = \"cookie\"\nkey = \"k\"\nsecure = true\nsame_site = \"strict\"\n",
            ),
        ]);
        let strict = Config::load_env(&dir.0, "dev").unwrap();
        assert!(strict.session_secure());
        assert_eq!(strict.session.same_site, SameSitePolicy::Strict);
        // `none` on a cookie sent over plain http: browsers would drop it.
        let dir = app(&[
            ("config.toml", BASE),
            (
                "dev.toml",
                "[session]\nstore = \"cookie\"\nkey = \"k\"\nsame_site = \"none\"\n",
            ),
        ]);
        let err = Config::load_env(&dir.0, "dev").unwrap_err().to_string();
        assert!(
            err.contains("session.same_site") && err.contains("secure"),
            "{err}"
        );
    }

    #[test]
    fn debug_errors_and_the_dashboard_need_an_override_in_prod() {
        let base = BASE.replacen(
            "app_name = \"t\"\n",
            &format!("app_name = \"t\"\n{PROD_SECRET}"),
            1,
        );
        let debug = app(&[
            ("config.toml", &base),
            ("prod.toml", "debug_errors = true\n"),
        ]);
        let err = Config::load_env(&debug.0, "prod").unwrap_err().to_string();
        assert!(
            err.contains("`debug_errors`") && err.contains("allow_dev_tools_in_prod"),
            "{err}"
        );
        let dashboard = app(&[
            ("config.toml", &base),
            ("prod.toml", "[dashboard]\nenabled = true\ntoken = \"t\"\n"),
        ]);
        let err = Config::load_env(&dashboard.0, "prod")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`dashboard.enabled`"), "{err}");
        let allowed = app(&[
            ("config.toml", &base),
            (
                "prod.toml",
                "debug_errors = true\nallow_dev_tools_in_prod = true\n[dashboard]\nenabled = true\ntoken = \"t\"\n",
            ),
        ]);
        let config = Config::load_env(&allowed.0, "prod").unwrap();
        assert_eq!(
            config.dev_tools_in_prod(),
            ["debug error pages", "the dashboard"]
        );
        let off = app(&[("config.toml", &base)]);
        assert!(Config::load_env(&off.0, "prod")
            .unwrap()
            .dev_tools_in_prod()
            .is_empty());
    }

    #[test]
    fn dashboard_is_on_in_dev_with_a_token_and_needs_one_when_forced() {
        let dir = app(&[
            ("config.toml", BASE),
            ("dev.toml", "[dashboard]\ntoken = \"t\"\n"),
        ]);
        assert!(Config::load_env(&dir.0, "dev").unwrap().dashboard_enabled());
        assert!(!Config::load_env(&dir.0, "test")
            .unwrap()
            .dashboard_enabled());
        let dir = app(&[("config.toml", BASE)]);
        let dev = Config::load_env(&dir.0, "dev").unwrap();
        assert!(!dev.dashboard_enabled(), "no token, no dashboard");
        assert_eq!(dev.dashboard.path, "/phoenix/dashboard");
        let dir = app(&[
            ("config.toml", BASE),
            ("test.toml", "[dashboard]\nenabled = true\n"),
        ]);
        let err = Config::load_env(&dir.0, "test").unwrap_err().to_string();
        assert!(
            err.contains("dashboard.token") && err.contains("test.toml"),
            "{err}"
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure returns figment::Error
    fn database_defaults_to_a_sqlite_file_per_environment() {
        // A Jail serializes the tests that change the environment.
        figment::Jail::expect_with(|jail| {
            let from_env = ["DATABASE_URL", "PHX_DATABASE__URL"]
                .iter()
                .any(|v| std::env::var_os(v).is_some());
            let dir = app(&[("config.toml", BASE)]);
            let dev = Config::load_env(&dir.0, "dev").unwrap();
            if !from_env {
                assert_eq!(dev.database.url, "sqlite://priv/db/t_dev.sqlite3");
            }
            assert_eq!(dev.database.pool_size, 5);
            assert_eq!(dev.database.migrations, "priv/migrations");
            assert!(dev.database_migrate());
            let test = Config::load_env(&dir.0, "test").unwrap();
            if !from_env {
                assert_eq!(test.database.url, "sqlite://priv/db/t_test.sqlite3");
            }
            assert!(test.database_migrate());
            jail.set_env("SECRET_KEY_BASE", "s".repeat(64));
            let prod = Config::load_env(&dir.0, "prod").unwrap();
            assert!(!prod.database_migrate(), "prod migrates only when asked");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure returns figment::Error
    fn database_url_comes_from_the_file_then_database_url_then_phx_database_url() {
        figment::Jail::expect_with(|jail| {
            let dir = app(&[
                ("config.toml", BASE),
                (
                    "dev.toml",
                    "[database]\nurl = \"sqlite://from_file.db\"\npool_size = 2\nmigrate = false\n",
                ),
            ]);
            let config = Config::load_env(&dir.0, "dev").unwrap();
            if std::env::var_os("DATABASE_URL").is_none() {
                assert_eq!(config.database.url, "sqlite://from_file.db");
            }
            assert_eq!(config.database.pool_size, 2);
            assert!(!config.database_migrate());
            jail.set_env("DATABASE_URL", "postgres://u@h/from_env");
            let config = Config::load_env(&dir.0, "dev").unwrap();
            assert_eq!(config.database.url, "postgres://u@h/from_env");
            jail.set_env("PHX_DATABASE__URL", "postgres://u@h/phx");
            let config = Config::load_env(&dir.0, "dev").unwrap();
            assert_eq!(config.database.url, "postgres://u@h/phx");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's closure returns figment::Error
    fn database_keys_are_checked() {
        figment::Jail::expect_with(|_jail| {
            let dir = app(&[
                ("config.toml", BASE),
                ("dev.toml", "[database]\nurll = 1\n"),
            ]);
            let err = Config::load_env(&dir.0, "dev").unwrap_err().to_string();
            assert!(err.contains("unknown key `database.urll`"), "{err}");
            let dir = app(&[
                ("config.toml", BASE),
                ("dev.toml", "[database]\npool_size = 0\n"),
            ]);
            let err = Config::load_env(&dir.0, "dev").unwrap_err().to_string();
            assert!(err.contains("database.pool_size"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn s5_origin_checks() {
        let host = CheckOrigin::Enabled(true);
        assert!(host.allows("https://example.com", "example.com"));
        assert!(host.allows("http://example.com:4000", "example.com"));
        assert!(!host.allows("http://notallowed.com", "example.com"));
        assert!(CheckOrigin::Enabled(false).allows("http://anything", "example.com"));
        let list = CheckOrigin::List(vec![
            "https://example.com".into(),
            "//another.com:888".into(),
            "//*.other.com".into(),
        ]);
        assert!(list.allows("https://example.com", "x"));
        assert!(
            !list.allows("http://example.com", "x"),
            "scheme given: compared"
        );
        assert!(list.allows("http://another.com:888", "x"));
        assert!(
            !list.allows("http://another.com", "x"),
            "port given: compared"
        );
        assert!(list.allows("https://other.com", "x") && list.allows("https://a.b.other.com", "x"));
        assert!(!list.allows("https://notother.com", "x"));
    }

    #[test]
    fn relative_tls_paths_resolve_in_priv() {
        let dir = app(&[(
            "config.toml",
            &format!("{BASE}\n[https]\nport = 4443\nkeyfile = \"ssl/key.pem\"\ncertfile = \"ssl/cert.pem\"\n"),
        )]);
        let err = Config::load_env(&dir.0, "dev").unwrap_err().to_string();
        assert!(err.contains("https.keyfile"), "{err}");
        assert!(err.contains("priv/ssl/key.pem"), "{err}");
    }
}
