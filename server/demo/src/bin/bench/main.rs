//! HTTP benchmark: the demo endpoint against a bare poem handler, in one run,
//! driven over 127.0.0.1 by the same load generator (keep-alive HTTP/1.1
//! connections, one request in flight each). Prints requests/s, p50, p99 and
//! the ratio to bare poem.
//!
//! `cargo run --release -p demo --bin bench -- --seconds 5 --connections 32`
//!
//! `--dashboard` measures what the dev dashboard costs instead: `/ping` with
//! the dashboard disabled, enabled with none attached, and attached (a
//! headless dashboard reading every event).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use clap::Parser;
use phoenix::prelude::*;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{handler, Route, Server};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

#[derive(Parser)]
struct Args {
    /// Seconds of measurement per target (after one second of warm-up).
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Rounds; targets take turns within a round and the median round is shown,
    /// so that a slow moment of the machine does not favour one target.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Instead of the network run: call each endpoint in-process this many
    /// times and print the CPU time per request (the framework's own cost).
    #[arg(long)]
    in_process: Option<u32>,
    /// Extra demo paths to time with `--in-process`.
    #[arg(long)]
    path: Vec<String>,
    /// Compare the dashboard disabled, enabled but idle, and attached.
    #[arg(long)]
    dashboard: bool,
    /// Internal: serve `demo` (prod, from the environment) or `bare` and
    /// print the address.
    #[arg(long)]
    serve: Option<String>,
}

#[path = "../shared/http1.rs"]
mod http1;
mod prod;

use http1::read_response;

async fn in_process<E: poem::Endpoint>(endpoint: &E, path: &str, cookie: &str, n: u32) -> Duration {
    let request = || {
        let mut req = poem::Request::builder()
            .uri_str(path)
            .header("accept", "*/*")
            .finish();
        if let Some(value) = cookie.strip_prefix("Cookie: ") {
            req.headers_mut()
                .insert("cookie", value.trim().parse().unwrap());
        }
        req
    };
    for _ in 0..n / 10 {
        endpoint.get_response(request()).await;
    }
    let start = Instant::now();
    for _ in 0..n {
        let resp = endpoint.get_response(request()).await;
        assert_eq!(resp.status(), 200);
        let _ = resp.into_body().into_bytes().await;
    }
    start.elapsed() / n
}

/// The messages `/pages/about` looks up, with the argument each takes.
const ABOUT_KEYS: [(&str, Option<&str>); 12] = [
    ("page-showing", Some("page")),
    ("page-title", Some("title")),
    ("brand-suffix", None),
    ("nav-home", None),
    ("nav-about", None),
    ("nav-users", None),
    ("nav-chat", None),
    ("nav-session", None),
    ("nav-language", None),
    ("page-url", Some("url")),
    ("page-see-json", None),
    ("footer", Some("title")),
];

/// The time of [`ABOUT_KEYS`]' lookups in English, per page.
fn about_lookups(translations: &phoenix::i18n::Translations, n: u32) -> Duration {
    let lookup = || {
        let mut bytes = 0;
        for (key, argument) in ABOUT_KEYS {
            let text = match argument {
                Some(name) => translations.t("en", key, &[(name, "about".into())]),
                None => translations.t("en", key, &[]),
            };
            bytes += text.len();
        }
        std::hint::black_box(bytes)
    };
    for _ in 0..n / 10 {
        lookup();
    }
    let start = Instant::now();
    for _ in 0..n {
        lookup();
    }
    start.elapsed() / n
}

#[handler]
fn hello() -> &'static str {
    "hello"
}

/// `endpoint` behind the cookie session layer the demo's endpoint installs
/// (through the same tower bridge), touching the session as
/// `protect_from_forgery` does for a page: reads a 32-byte secret and stores
/// one for a new visitor. Its cost is the floor of any page with a session.
fn with_cookie_session<E>(endpoint: E, secret: &str) -> impl poem::Endpoint
where
    E: poem::Endpoint + 'static,
{
    use poem::EndpointExt;
    use tower_sessions::Session;
    use tower_sessions_cookie_store::{CookieSessionConfig, CookieSessionManagerLayer, Key};
    let layer = CookieSessionManagerLayer::private(Key::derive_from(secret.as_bytes()))
        .with_config(CookieSessionConfig::default().with_name("_demo_key"));
    endpoint
        .around(|inner, req| async move {
            let session = req
                .extensions()
                .get::<Session>()
                .cloned()
                .expect("a session");
            let token: Option<String> = session
                .get("_csrf_token")
                .await
                .map_err(poem::error::InternalServerError)?;
            if token.is_none() {
                session
                    .insert("_csrf_token", "x".repeat(43))
                    .await
                    .map_err(poem::error::InternalServerError)?;
            }
            inner.call(req).await
        })
        .with(phoenix::plug::TowerLayer::new(layer))
}

async fn start<E>(endpoint: E) -> SocketAddr
where
    E: poem::Endpoint + 'static,
{
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = *acceptor.local_addr()[0].0.as_socket_addr().unwrap();
    tokio::spawn(Server::new_with_acceptor(acceptor).run(endpoint));
    addr
}

struct Stats {
    requests: usize,
    latencies_us: Vec<u32>,
    elapsed: Duration,
}

impl Stats {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(i).copied().unwrap_or(0) as f64 / 1000.0
    }
}

/// Drives each target (address, path, extra header lines) in turn, a
/// second of warm-up and then `--seconds`, `--rounds` times, and keeps each
/// target's median round by requests per second: a slow moment of the
/// machine does not favour one target.
async fn in_turns(targets: &[(SocketAddr, &str, &str)], args: &Args) -> Vec<Stats> {
    let mut results: Vec<Vec<Stats>> = targets.iter().map(|_| Vec::new()).collect();
    for _ in 0..args.rounds.max(1) {
        for (i, (addr, path, headers)) in targets.iter().enumerate() {
            load(
                *addr,
                path,
                headers,
                args.connections,
                Duration::from_secs(1),
            )
            .await;
            let seconds = Duration::from_secs(args.seconds);
            results[i].push(load(*addr, path, headers, args.connections, seconds).await);
        }
    }
    results
        .into_iter()
        .map(|mut rounds| {
            rounds.sort_by(|a, b| a.rps().total_cmp(&b.rps()));
            rounds.swap_remove(rounds.len() / 2)
        })
        .collect()
}

async fn load(
    addr: SocketAddr,
    path: &str,
    cookie: &str,
    connections: usize,
    duration: Duration,
) -> Stats {
    // `cookie` holds extra header lines; HTML is asked for unless they say.
    let accept = if cookie.contains("Accept:") {
        ""
    } else {
        "Accept: text/html\r\n"
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{accept}{cookie}\r\n");
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let mut buf = Vec::with_capacity(16384);
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                stream.write_all(request.as_bytes()).await.unwrap();
                let status = read_response(&mut stream, &mut buf).await.unwrap();
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&buf));
                latencies.push(t.elapsed().as_micros() as u32);
            }
            latencies
        }));
    }
    let mut latencies_us = Vec::new();
    for task in tasks {
        latencies_us.extend(task.await.unwrap());
    }
    Stats {
        requests: latencies_us.len(),
        latencies_us,
        elapsed: start.elapsed(),
    }
}

/// The session cookie a browser sends back after visiting a page (an HTML
/// page puts the CSRF secret in the session).
async fn session_cookie(addr: SocketAddr) -> String {
    let (_, cookie, _) = http1::request(addr, "GET / HTTP/1.1\r\n", "").await;
    if cookie.is_empty() {
        cookie
    } else {
        format!("Cookie: {cookie}\r\n")
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Some(kind) = &args.serve {
        prod::serve(kind).await;
        return;
    }
    if args.in_process.is_none() && !args.dashboard {
        prod::run(&args).await;
        return;
    }
    // The test environment: no debug pages, no template reloading; no log
    // subscriber is installed, so logging costs next to nothing.
    let mut config = Config::load_env(demo::app_root(), "test").expect("test config");
    config.http.port = 0;
    let demo_addr = start(demo::endpoint(config).await.expect("demo endpoint")).await;
    let bare_addr = start(Route::new().at("/", poem::get(hello))).await;
    let cookie = session_cookie(demo_addr).await;
    if let Some(n) = args.in_process {
        let mut config = Config::load_env(demo::app_root(), "test").expect("test config");
        config.http.port = 0;
        // BENCH_LOG=info logs as the demo does (to stderr: redirect it) to
        // time the request log's cost on the request path.
        let _logs = std::env::var("BENCH_LOG").ok().map(|level| {
            let mut logged = config.clone();
            logged.log_level = level;
            phoenix::endpoint::init_logging_for(&logged)
        });
        let secret = config.secret().to_string();
        let demo = demo::endpoint(config).await.unwrap();
        let bare = Route::new().at("/", poem::get(hello));
        let base = in_process(&bare, "/", "", n).await;
        let sessioned = with_cookie_session(Route::new().at("/", poem::get(hello)), &secret);
        let session_new = in_process(&sessioned, "/", "", n).await;
        let session_cookie = {
            let resp = poem::Endpoint::get_response(
                &sessioned,
                poem::Request::builder().uri_str("/").finish(),
            )
            .await;
            let set = resp.headers()["set-cookie"].to_str().unwrap();
            format!("Cookie: {}\r\n", set.split(';').next().unwrap())
        };
        let session_back = in_process(&sessioned, "/", &session_cookie, n).await;
        println!(
            "in-process, bare poem behind the cookie session layer: {session_new:?} new visitor, \
             {session_back:?} returning"
        );
        let fresh = in_process(&demo, "/ping", "", n).await;
        let ping = in_process(&demo, "/ping", &cookie, n).await;
        let page = in_process(&demo, "/pages/about", &cookie, n).await;
        println!(
            "in-process, per request: bare poem {base:?}; /ping {fresh:?} new visitor, \
             {ping:?} with session; /pages/about {page:?} with session"
        );
        // The lookups `/pages/about` makes (layout and page), timed alone:
        // what translating the page costs out of its time per request.
        let translations = phoenix::i18n::Translations::from_config(
            &Config::load_env(demo::app_root(), "test").expect("test config"),
        )
        .expect("translations");
        let lookups = about_lookups(&translations, n);
        println!(
            "translating /pages/about (its {} lookups): {lookups:?} per request, {:.0} % of the page",
            ABOUT_KEYS.len(),
            100.0 * lookups.as_secs_f64() / page.as_secs_f64()
        );
        for path in &args.path {
            let with = in_process(&demo, path, &cookie, n).await;
            let without = in_process(&demo, path, "", n).await;
            println!("{path}: {with:?} with the session cookie, {without:?} without");
        }
        return;
    }

    assert!(!cookie.is_empty(), "the demo sets a session cookie");
    let mut watcher = None;
    let targets: Vec<(&str, SocketAddr, &str, &str)> = if args.dashboard {
        let with_dashboard = async || {
            let mut config = Config::load_env(demo::app_root(), "test").expect("test config");
            config.http.port = 0;
            demo::watcher::enable(&mut config);
            demo::endpoint(config).await.expect("demo endpoint")
        };
        let idle_addr = start(with_dashboard().await).await;
        let watched_addr = start(with_dashboard().await).await;
        watcher = Some(demo::watcher::attach(watched_addr, false).await);
        vec![
            ("bare poem handler (baseline)", bare_addr, "/", ""),
            ("/ping, dashboard disabled", demo_addr, "/ping", &cookie),
            (
                "/ping, dashboard on, none attached",
                idle_addr,
                "/ping",
                &cookie,
            ),
            ("/ping, dashboard attached", watched_addr, "/ping", &cookie),
        ]
    } else {
        vec![
            ("bare poem handler (baseline)", bare_addr, "/", ""),
            (
                "text, browser pipeline, new visitor",
                demo_addr,
                "/ping",
                "",
            ),
            (
                "text, browser pipeline, with session",
                demo_addr,
                "/ping",
                &cookie,
            ),
            (
                "maud page + layout, with session",
                demo_addr,
                "/pages/about",
                &cookie,
            ),
        ]
    };
    println!(
        "{} connections, {}s per target and round, {} rounds (median shown), {} cores\n",
        args.connections,
        args.seconds,
        args.rounds,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let plan: Vec<(SocketAddr, &str, &str)> = targets
        .iter()
        .map(|(_, addr, path, cookie)| (*addr, *path, *cookie))
        .collect();
    let medians = in_turns(&plan, &args).await;
    let base = medians[0].rps();
    println!(
        "{:<38} {:>10} {:>9} {:>9} {:>7}",
        "target", "req/s", "p50 ms", "p99 ms", "ratio"
    );
    for ((name, ..), stats) in targets.iter().zip(&medians) {
        println!(
            "{:<38} {:>10.0} {:>9.2} {:>9.2} {:>6.2}x",
            name,
            stats.rps(),
            stats.percentile(0.5),
            stats.percentile(0.99),
            stats.rps() / base
        );
    }
    if let Some(watcher) = watcher {
        let off = medians[1].rps();
        println!(
            "\ndashboard vs disabled: none attached {:.2}x, attached {:.2}x ({} events read by the dashboard)",
            medians[2].rps() / off,
            medians[3].rps() / off,
            watcher.events.load(std::sync::atomic::Ordering::Relaxed)
        );
    }
}
