//! `phx server` on a generated application: requests made while it rebuilds
//! and restarts the application wait and are answered, none fails; a failed
//! build leaves the last good one serving; SIGTERM stops everything.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET `path`: the status and body, or why it failed.
fn get(addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| e.to_string())?;
    // A rebuild can take a while: the request waits in the socket's queue.
    stream
        .set_read_timeout(Some(Duration::from_secs(300)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP response: {response:?}"))?;
    Ok((status, response))
}

/// Waits until `check` holds for the home page (at most `limit`).
fn wait_for(addr: SocketAddr, limit: Duration, what: &str, check: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok((200, body)) = get(addr, "/") {
            if check(&body) {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // The whole process group (phx and the application it started).
        // Through the system call: procps' `kill -9 -12345` reads `-1` as
        // the pid and kills every process on the machine.
        // SAFETY: a signal to the group this test started.
        unsafe { libc::kill(-(self.0.id() as libc::pid_t), libc::SIGKILL) };
        let _ = self.0.wait();
    }
}

fn replace(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn requests_wait_through_rebuilds_and_a_broken_build_keeps_the_old_one_serving() {
    let base = std::env::temp_dir().join(format!("phx-server-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_phx"))
        .args(["new", "live_site", "--no-db"])
        .current_dir(&base)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let app = base.join("live_site");
    let page = app.join("src/views/page.rs");

    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut command = Command::new(env!("CARGO_BIN_EXE_phx"));
    command
        .arg("server")
        .current_dir(&app)
        .env("PORT", port.to_string())
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("PHX_ENV")
        .stdin(Stdio::null());
    // Its own process group, so the test can stop phx and the app together.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let server = Server(command.spawn().unwrap());
    wait_for(addr, Duration::from_secs(900), "first build", |body| {
        body.contains("Welcome to LiveSite!")
    });

    // Edit, then keep asking while phx rebuilds and restarts the app.
    replace(
        &page,
        "(t(conn, \"welcome\"))",
        "\"Welcome back to LiveSite!\"",
    );
    let asking = std::thread::spawn(move || {
        let mut answers = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(300);
        while Instant::now() < deadline {
            let answer = get(addr, "/");
            let done = matches!(&answer, Ok((_, body)) if body.contains("Welcome back"));
            answers.push(answer.map(|(status, _)| status));
            if done {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        answers
    });
    let answers = asking.join().unwrap();
    let failed: Vec<_> = answers.iter().filter(|a| *a != &Ok(200)).collect();
    println!(
        "{} requests during the rebuild, failures: {failed:?}",
        answers.len()
    );
    assert!(
        failed.is_empty(),
        "requests failed during the rebuild: {failed:?}"
    );
    assert!(answers.len() > 1, "the rebuild was not observed");

    // A broken build: the last good one keeps answering.
    replace(
        &page,
        "\"Welcome back to LiveSite!\"",
        "\"Welcome back\" + 1",
    );
    let status_file = |app: &Path| -> String {
        std::fs::read_dir(app.join("target"))
            .unwrap()
            .flatten()
            .find(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("phx-build-status-")
            })
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .unwrap_or_default()
    };
    let deadline = Instant::now() + Duration::from_secs(300);
    while !status_file(&app).contains("\"status\":\"error\"") {
        assert!(Instant::now() < deadline, "no build error reported");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert!(status_file(&app).contains("src/views/page.rs"));
    let (status, body) = get(addr, "/").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("Welcome back to LiveSite!"));

    // Fixed: the new build serves.
    replace(&page, "\"Welcome back\" + 1", "\"Fixed LiveSite\"");
    wait_for(addr, Duration::from_secs(300), "the fixed build", |body| {
        body.contains("Fixed LiveSite")
    });

    // SIGTERM stops phx and the app: the port is free again.
    let pid = server.0.id();
    // SAFETY: a signal to the child this test started.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    let mut server = server;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(Some(status)) = server.0.try_wait() {
            assert!(status.success(), "phx server exited with {status}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "phx server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpListener::bind(addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "the port stayed in use: the app outlived phx"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(server);
    std::fs::remove_dir_all(&base).unwrap();
}
