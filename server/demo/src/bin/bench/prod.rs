//! The default run: the demo as it runs in production (its own process,
//! `PHX_ENV=prod`, logging to a file) against bare poem handlers serving the
//! same bytes in another process, with the log at `info` and at `warn`.

use std::net::SocketAddr;
use std::path::Path;

use phoenix::prelude::*;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::http1::request;
use super::{in_turns, Args};

/// A secret for the prod config (the demo refuses to start without one).
const SECRET: &str = "bench-secret-key-base-bench-secret-key-base-bench-secret-key-base-0123456789";

/// The child side: serves `demo` (the prod config from the environment,
/// logging set up as the demo's `main` does) or `bare` (see [`serve_bare`])
/// and prints its address.
pub async fn serve(kind: &str) {
    let (addr, _logs) = match kind {
        "demo" => {
            let mut config = Config::load(demo::app_root()).expect("the prod config");
            config.http.port = 0;
            let logs = phoenix::endpoint::init_logging_for(&config);
            let endpoint = demo::endpoint(config).await.expect("the demo endpoint");
            demo::logger::start(endpoint.pubsub());
            let listening = endpoint.listen().await.expect("listens");
            let addr = listening.http_addr;
            tokio::spawn(listening.run(std::future::pending()));
            (addr, Some(logs))
        }
        _ => (serve_bare().await, None),
    };
    println!("ADDR {addr}");
    // Serve until the parent goes away (stdin closes).
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(_)) = stdin.next_line().await {}
}

/// Bare poem doing the same work: the page's bytes (BENCH_PAGE) as they
/// are, and the users read with the demo's own query from the same database
/// and written as the same JSON (no pipeline, no session, no log).
async fn serve_bare() -> SocketAddr {
    use poem::listener::{Acceptor, Listener, TcpListener};
    use poem::web::{Data, Html, Json};
    use poem::{get, handler, EndpointExt, Route, Server};
    let page_bytes = std::fs::read_to_string(std::env::var("BENCH_PAGE").unwrap()).unwrap();
    let config = Config::load(demo::app_root()).expect("the prod config");
    let repo = phoenix::db::Repo::start(&config)
        .await
        .expect("the database");
    #[handler]
    fn page(Data(page): Data<&String>) -> Html<String> {
        Html(page.clone())
    }
    #[handler]
    async fn users(Data(repo): Data<&demo::repo::Repo>) -> poem::Result<Json<serde_json::Value>> {
        let users = demo::repo::list_users(repo)
            .await
            .map_err(poem::error::InternalServerError)?;
        let value = serde_json::to_value(demo::views::api::index(&users))
            .map_err(poem::error::InternalServerError)?;
        Ok(Json(value))
    }
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = *acceptor.local_addr()[0].0.as_socket_addr().unwrap();
    let app = Route::new()
        .at("/page", get(page))
        .at("/json", get(users))
        // The same page behind the demo's cookie session layer, and nothing else.
        .nest(
            "/session",
            super::with_cookie_session(Route::new().at("/page", get(page)), SECRET),
        )
        .data(page_bytes)
        .data(repo);
    tokio::spawn(async move {
        let _ = Server::new_with_acceptor(acceptor).run(app).await;
    });
    addr
}

/// A server child process; killed when dropped.
struct Child {
    _process: tokio::process::Child,
    addr: SocketAddr,
}

async fn spawn(kind: &str, env: &[(&str, String)], log: &Path) -> Child {
    let mut process = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--serve", kind])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(std::process::Stdio::piped())
        .stdin(std::process::Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
    let line = lines.next_line().await.unwrap().unwrap_or_else(|| {
        panic!(
            "the {kind} server did not start: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        )
    });
    Child {
        _process: process,
        addr: line.trim_start_matches("ADDR ").parse().unwrap(),
    }
}

fn lines_in(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

struct Target {
    name: &'static str,
    addr: SocketAddr,
    path: &'static str,
    headers: String,
    /// The row this one is compared with.
    versus: Option<usize>,
    goal: f64,
}

/// Measures the page and the JSON API of the demo in prod against bare poem.
pub async fn run(args: &Args) {
    let dir = std::env::temp_dir().join(format!("phx-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let prod = |level: &str| {
        vec![
            ("PHX_ENV", "prod".to_string()),
            ("SECRET_KEY_BASE", SECRET.to_string()),
            ("PHX_LOG_LEVEL", level.to_string()),
            ("PHX_DATABASE__MIGRATE", "true".to_string()),
            (
                "DATABASE_URL",
                format!("sqlite://{}", dir.join("bench.sqlite3").display()),
            ),
        ]
    };
    let info_log = dir.join("demo-info.log");
    let info = spawn("demo", &prod("info"), &info_log).await;
    // Five users for the JSON API to list.
    for i in 1..=5 {
        let body = format!(r#"{{"user":{{"name":"Bench user {i}"}}}}"#);
        let (status, ..) = request(
            info.addr,
            "POST /api/users HTTP/1.1\r\nContent-Type: application/json\r\nAccept: application/json\r\n",
            &body,
        )
        .await;
        assert_eq!(status, 201, "creating a user");
    }
    let (status, cookie, page) = request(
        info.addr,
        "GET /pages/hello HTTP/1.1\r\nAccept: text/html\r\n",
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert!(!cookie.is_empty(), "a new visitor gets a session cookie");
    let (status, _, json) = request(
        info.addr,
        "GET /api/users HTTP/1.1\r\nAccept: application/json\r\n",
        "",
    )
    .await;
    assert_eq!(status, 200);
    let page_file = dir.join("page.html");
    std::fs::write(&page_file, &page).unwrap();
    let warn = spawn("demo", &prod("warn"), &dir.join("demo-warn.log")).await;
    let mut bare_env = prod("warn");
    bare_env.push(("BENCH_PAGE", page_file.display().to_string()));
    let bare = spawn("bare", &bare_env, &dir.join("bare.log")).await;

    // The same bytes from both, or the comparison means nothing.
    let (_, _, bare_page) = request(bare.addr, "GET /page HTTP/1.1\r\n", "").await;
    assert_eq!(bare_page.len(), page.len(), "bare page size");
    let (_, _, bare_json) = request(bare.addr, "GET /json HTTP/1.1\r\n", "").await;
    let parse = |b: &[u8]| serde_json::from_slice::<serde_json::Value>(b).unwrap();
    assert_eq!(parse(&bare_json), parse(&json), "bare JSON");
    let (_, _, session_page) = request(bare.addr, "GET /session/page HTTP/1.1\r\n", "").await;
    assert_eq!(session_page.len(), page.len(), "bare session page size");
    let (_, session_cookie, _) = request(bare.addr, "GET /session/page HTTP/1.1\r\n", "").await;
    assert!(!session_cookie.is_empty(), "the bare session sets a cookie");
    let returning = format!("Cookie: {cookie}\r\n");
    let json_accept = "Accept: application/json\r\n".to_string();
    let targets = [
        Target {
            name: "bare poem: the same page",
            addr: bare.addr,
            path: "/page",
            headers: String::new(),
            versus: None,
            goal: 0.0,
        },
        Target {
            name: "page, new visitor, info log",
            addr: info.addr,
            path: "/pages/hello",
            headers: String::new(),
            versus: Some(0),
            goal: 0.8,
        },
        Target {
            name: "page, returning visitor, info log",
            addr: info.addr,
            path: "/pages/hello",
            headers: returning.clone(),
            versus: Some(0),
            goal: 0.8,
        },
        Target {
            name: "page, new visitor, warn",
            addr: warn.addr,
            path: "/pages/hello",
            headers: String::new(),
            versus: Some(0),
            goal: 0.8,
        },
        Target {
            name: "page, returning visitor, warn",
            addr: warn.addr,
            path: "/pages/hello",
            headers: returning,
            versus: Some(0),
            goal: 0.8,
        },
        Target {
            name: "bare poem: same query, same JSON",
            addr: bare.addr,
            path: "/json",
            headers: json_accept.clone(),
            versus: None,
            goal: 0.0,
        },
        Target {
            name: "/api/users, info log",
            addr: info.addr,
            path: "/api/users",
            headers: json_accept.clone(),
            versus: Some(5),
            goal: 0.9,
        },
        Target {
            name: "/api/users, warn",
            addr: warn.addr,
            path: "/api/users",
            headers: json_accept,
            versus: Some(5),
            goal: 0.9,
        },
        // The floor a page with a session can reach: bare poem's page behind
        // the cookie session layer alone (no pipeline, no log, no view).
        Target {
            name: "bare poem + cookie session, new",
            addr: bare.addr,
            path: "/session/page",
            headers: String::new(),
            versus: Some(0),
            goal: 0.0,
        },
        Target {
            name: "bare poem + cookie session, returning",
            addr: bare.addr,
            path: "/session/page",
            headers: format!("Cookie: {session_cookie}\r\n"),
            versus: Some(0),
            goal: 0.0,
        },
    ];
    println!(
        "the demo with PHX_ENV=prod, its log on stderr to a file; {} connections, {} s per target and round, {} rounds (median shown); page {} bytes, JSON {} bytes\n",
        args.connections,
        args.seconds,
        args.rounds,
        page.len(),
        json.len()
    );
    let lines_before = lines_in(&info_log);
    let plan: Vec<(SocketAddr, &str, &str)> = targets
        .iter()
        .map(|t| (t.addr, t.path, t.headers.as_str()))
        .collect();
    let medians = in_turns(&plan, args).await;
    println!(
        "{:<36} {:>10} {:>8} {:>8} {:>8} {:>8}",
        "target", "req/s", "p50 ms", "p99 ms", "ratio", "target"
    );
    for (t, stats) in targets.iter().zip(&medians) {
        let (ratio, goal) = match t.versus {
            Some(v) => {
                let ratio = stats.rps() / medians[v].rps();
                // Judged as printed: 0.899 shows as 0.90 and meets 0.9.
                let miss = if (ratio * 100.0).round() / 100.0 < t.goal {
                    "  <- misses"
                } else {
                    ""
                };
                let goal = if t.goal > 0.0 {
                    format!(">= {}x{miss}", t.goal)
                } else {
                    "(floor)".into()
                };
                (format!("{ratio:.2}x"), goal)
            }
            None => ("".into(), "".into()),
        };
        println!(
            "{:<36} {:>10.0} {:>8.2} {:>8.2} {:>8} {:>8}",
            t.name,
            stats.rps(),
            stats.percentile(0.5),
            stats.percentile(0.99),
            ratio,
            goal
        );
    }
    let cost = |info: usize, warn: usize| 100.0 * (1.0 - medians[info].rps() / medians[warn].rps());
    println!(
        "\nlogging at info against warn (target <= 10 %): page {:.0} % (new visitor), {:.0} % (returning); /api/users {:.0} %",
        cost(1, 3),
        cost(2, 4),
        cost(6, 7)
    );
    println!(
        "the info log file got {} lines during the run ({})",
        lines_in(&info_log) - lines_before,
        info_log.display()
    );
    // BENCH_KEEP_LOGS keeps the logs (and the database) to look at.
    if std::env::var_os("BENCH_KEEP_LOGS").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
