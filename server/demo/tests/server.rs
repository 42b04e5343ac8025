//! The demo as a real server: TCP, TLS, the binary, signals.

mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use support::{config, get, header_of, raw, serve, status_of};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const DEMO: &str = env!("CARGO_BIN_EXE_demo");

#[tokio::test]
async fn serves_pages_over_tcp() {
    let server = serve(config(|_| {})).await;
    let resp = get(server.addr, "/pages/about", "").await;
    assert_eq!(status_of(&resp), 200, "{resp}");
    assert!(resp.contains("Showing page about"));
}

#[tokio::test]
async fn static_path_traversal_is_refused() {
    let server = serve(config(|_| {})).await;
    for path in [
        "/js/../../config/config.toml",
        "/../Cargo.toml",
        "/js/%2e%2e/%2e%2e/Cargo.toml",
    ] {
        let resp = get(server.addr, path, "").await;
        let status = status_of(&resp);
        assert!(status == 403 || status == 404, "{path}: {resp}");
        assert!(
            !resp.contains("[workspace]") && !resp.contains("app_name"),
            "{path} leaked: {resp}"
        );
    }
    let ok = get(server.addr, "/robots.txt", "").await;
    assert_eq!(
        header_of(&ok, "content-type"),
        Some("text/plain; charset=utf-8")
    );
}

#[tokio::test]
async fn body_over_the_limit_is_413_and_the_server_goes_on() {
    let server = serve(config(|_| {})).await;
    let body = "a".repeat(9 * 1024 * 1024);
    let request = format!(
        "POST /api/users HTTP/1.1\r\nHost: x\r\nConnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let resp = raw(server.addr, &request).await;
    assert_eq!(status_of(&resp), 413, "{}", &resp[..resp.len().min(300)]);
    assert_eq!(status_of(&get(server.addr, "/", "").await), 200);
}

fn self_signed(dir: &std::path::Path) -> rustls_pki_types::CertificateDer<'static> {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
    cert.cert.der().clone()
}

#[tokio::test]
async fn https_serves_tls_with_the_configured_certificate() {
    let dir = std::env::temp_dir().join(format!("phx-tls-{}", std::process::id()));
    let der = self_signed(&dir);
    let server = serve(config(|c| {
        c.https = Some(phoenix::config::HttpsConfig {
            ip: None,
            port: 0,
            keyfile: dir.join("key.pem"),
            certfile: dir.join("cert.pem"),
        });
        c.force_ssl = Some(Default::default());
    }))
    .await;
    let https = server.https_addr.expect("https listener");

    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(der).unwrap();
    let tls = tokio_rustls::rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
    let tcp = tokio::net::TcpStream::connect(https).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let mut stream = connector.connect(name, tcp).await.expect("TLS handshake");
    stream
        .write_all(b"GET /pages/tls HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    let resp = String::from_utf8_lossy(&out);
    assert_eq!(status_of(&resp), 200, "{resp}");
    assert!(resp.contains("Showing page tls"));
    // force_ssl: HSTS over TLS; plain HTTP keeps working beside it, without.
    assert_eq!(
        header_of(&resp, "strict-transport-security"),
        Some("max-age=31536000")
    );
    let plain = get(server.addr, "/", "").await;
    assert_eq!(status_of(&plain), 200);
    assert_eq!(header_of(&plain, "strict-transport-security"), None);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn routes_command_prints_the_route_table() {
    let out = Command::new(DEMO).arg("routes").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(lines.contains(&vec![
        "page_path",
        "GET",
        "/pages/:page",
        "controllers::PageController#show"
    ]));
    assert!(lines.contains(&vec![
        "user_comment_path",
        "DELETE",
        "/users/:user_id/comments/:id",
        "controllers::CommentController#destroy"
    ]));
    assert!(lines.contains(&vec![
        "api_user_path",
        "PUT",
        "/api/users/:id",
        "controllers::api::UserController#update"
    ]));
}

#[test]
fn bad_configuration_stops_startup_naming_the_key() {
    let out = Command::new(DEMO)
        .env("PHX_ENV", "prod")
        .env_remove("SECRET_KEY_BASE")
        .env("PHX_ROOT", demo::app_root())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("secret_key_base"), "{err}");

    let out = Command::new(DEMO)
        .env("PHX_ENV", "test")
        .env("PORT", "not-a-port")
        .env("PHX_ROOT", demo::app_root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("http.port"), "{err}");
}

/// The demo binary on `port` with `env`, logging at info to a piped stderr,
/// with no database file left in the repository.
fn spawn_demo(port: u16, env: &[(&str, &str)]) -> tokio::process::Child {
    tokio::process::Command::new(DEMO)
        .env("PORT", port.to_string())
        .env("DATABASE_URL", "sqlite::memory:")
        .env("PHX_ROOT", demo::app_root())
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn binary_takes_env_overrides_and_stops_gracefully_on_sigterm() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // prod refuses to start without SECRET_KEY_BASE (see above); PORT wins
    // over the config files.
    let mut child = spawn_demo(
        port,
        &[("PHX_ENV", "prod"), ("SECRET_KEY_BASE", &"s".repeat(64))],
    );
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let listening = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("listening on http://") {
                return line;
            }
        }
        panic!("server exited before listening");
    })
    .await
    .expect("server starts");
    assert!(
        listening.contains(&format!("127.0.0.1:{port}")),
        "{listening}"
    );
    // stderr is a pipe, not a terminal: no colour codes in the log.
    assert!(!listening.contains('\u{1b}'), "{listening:?}");
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let plain = get(addr, "/", "").await;
    assert_eq!(status_of(&plain), 200);
    // prod turns force_ssl on: HSTS over HTTPS (here through a proxy's
    // x-forwarded-proto), none on plain HTTP, which still answers.
    assert_eq!(header_of(&plain, "strict-transport-security"), None);
    let proxied = get(addr, "/", "x-forwarded-proto: https\r\n").await;
    assert_eq!(status_of(&proxied), 200);
    assert_eq!(
        header_of(&proxied, "strict-transport-security"),
        Some("max-age=31536000")
    );

    let pid = child.id().unwrap() as i32;
    // SAFETY: sending a signal to our own child process.
    unsafe { libc_kill(pid, 15) };
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    while let Ok(Some(line)) = lines.next_line().await {
        rest.push_str(&line);
    }
    assert!(rest.contains("stopped"), "{rest}");
}

#[tokio::test]
async fn json_log_lines_carry_the_request_id_which_the_response_echoes() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = spawn_demo(port, &[("PHX_ENV", "test"), ("PHX_LOG_FORMAT", "json")]);
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut next_json = async || -> serde_json::Value {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the server is running");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
    };
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let line = next_json().await;
            if line["message"]
                .as_str()
                .is_some_and(|m| m.contains("listening on http://"))
            {
                break;
            }
        }
    })
    .await
    .expect("server starts");
    let addr = format!("127.0.0.1:{port}").parse().unwrap();

    // A sensible id from the client is kept, echoed and logged.
    let id = "client-chosen-id-0123456789";
    let response = get(addr, "/ping", &format!("x-request-id: {id}\r\n")).await;
    assert_eq!(header_of(&response, "x-request-id"), Some(id));
    let sent = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let line = next_json().await;
            if line["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Sent 200"))
            {
                return line;
            }
        }
    })
    .await
    .expect("the request is logged");
    assert_eq!(sent["span"]["id"], id, "{sent}");
    assert_eq!(sent["level"], "INFO", "{sent}");

    // Without one (or with a short one), each request gets a new id.
    let first = get(addr, "/ping", "x-request-id: short\r\n").await;
    let second = get(addr, "/ping", "").await;
    let (a, b) = (
        header_of(&first, "x-request-id"),
        header_of(&second, "x-request-id"),
    );
    assert!(a.is_some_and(|a| a.len() == 27) && a != b, "{a:?} {b:?}");
}

extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}
