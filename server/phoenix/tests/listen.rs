//! Serving on a socket bound by someone else: `Endpoint::listen_on`, and a
//! socket inherited by the systemd socket-activation protocol, as `phx
//! server` passes it (fd 3, `LISTEN_FDS=1`, no `LISTEN_PID`).

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use phoenix::prelude::*;
use support::{ErrorView, TempApp};

mod app {
    use phoenix::prelude::*;

    pub struct PingController;

    impl Controller for PingController {
        type View = PingView;
    }

    #[derive(Default)]
    pub struct PingView;

    impl View for PingView {
        fn name(&self) -> &'static str {
            "ping"
        }
    }

    impl PingController {
        pub async fn ping(conn: Conn) -> Result<Conn> {
            conn.text(format!("pong from {}", std::process::id()))
        }
    }

    phoenix::router! {
        get "/ping", PingController, ping;
    }
}

fn endpoint(config: Config) -> Endpoint {
    Endpoint::builder(config, app::router())
        .view(ErrorView)
        .build()
        .unwrap()
}

/// Connects and sends a request at once (it waits in the backlog if
/// nothing accepts yet), in a thread; the thread returns the response.
fn queued_request(addr: SocketAddr) -> std::thread::JoinHandle<String> {
    let mut stream = TcpStream::connect(addr).expect("the kernel accepts into the backlog");
    stream
        .write_all(b"GET /ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    std::thread::spawn(move || {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_queued_before_the_server_accepts_are_answered() {
    let dir = TempApp::new(&[]);
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    // Nothing accepts yet: as while `phx server` rebuilds the app.
    let waiting: Vec<_> = (0..5).map(|_| queued_request(addr)).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let listening = endpoint(dir.config()).listen_on(socket).await.unwrap();
    assert_eq!(listening.http_addr, addr);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(listening.run(async {
        let _ = stopped.await;
    }));
    for thread in waiting {
        let response = tokio::task::spawn_blocking(move || thread.join().unwrap())
            .await
            .unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.ends_with(&format!("pong from {}", std::process::id())));
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(stop);
    server.await.unwrap().unwrap();
}

const CHILD: &str = "TEST_INHERITED_CHILD_ROOT";

/// Spawns this test binary again, running only `inherited_socket_child`,
/// with `socket` as fd 3 and the given environment.
fn spawn_child(
    socket: &TcpListener,
    app_root: &std::path::Path,
    env: &[(&str, &str)],
) -> std::process::Child {
    use std::os::fd::AsRawFd;
    let fd = socket.as_raw_fd();
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["inherited_socket_child", "--exact", "--nocapture"])
        .env(CHILD, app_root)
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDS")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    unsafe {
        command.pre_exec(move || {
            // As `phx server` does: the socket at fd 3, inherited. dup2
            // clears close-on-exec, but dup2(3, 3) does nothing: when the
            // socket already is fd 3 (a fresh test process), clear the flag.
            let done = if fd == 3 {
                libc::fcntl(3, libc::F_SETFD, 0)
            } else {
                libc::dup2(fd, 3)
            };
            if done < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.spawn().unwrap()
}

/// Waits (30 s at most) until the child prints its "serving on" line,
/// then kills it and returns what it printed on stderr.
fn finish(mut child: std::process::Child) -> String {
    use std::io::BufRead;
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut printed = String::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                printed.push_str(&line);
                printed.push('\n');
                if line.contains("serving on") {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    printed
}

#[test]
fn an_inherited_socket_is_served_and_its_backlog_answered() {
    let dir = TempApp::new(&[]);
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    // Queued before the child even exists.
    let waiting = queued_request(addr);
    let child = spawn_child(&socket, dir.path(), &[("LISTEN_FDS", "1")]);
    let child_pid = child.id();
    let response = waiting.join().unwrap();
    let printed = finish(child);
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "{response}\n{printed}"
    );
    assert!(
        response.ends_with(&format!("pong from {child_pid}")),
        "answered by the child: {response}"
    );
    assert!(
        printed.contains("inherited from the parent process"),
        "one line says so: {printed}"
    );
    assert!(printed.contains(&format!("serving on {addr}")), "{printed}");
}

#[test]
fn a_socket_meant_for_another_process_is_not_used() {
    let dir = TempApp::new(&[]);
    let socket = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    let child = spawn_child(
        &socket,
        dir.path(),
        &[("LISTEN_FDS", "1"), ("LISTEN_PID", "1")],
    );
    // The child binds its own port (port 0 in the test config) instead.
    let printed = finish(child);
    assert!(printed.contains("serving on 127.0.0.1:"), "{printed}");
    assert!(
        !printed.contains(&format!("serving on {addr}")),
        "{printed}"
    );
    assert!(!printed.contains("inherited"), "{printed}");
}

/// The child's side: runs only when spawned by the tests above.
#[test]
fn inherited_socket_child() {
    let Some(root) = std::env::var_os(CHILD) else {
        return;
    };
    phoenix::endpoint::init_logging("info");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = Config::load_env(&root, "test").unwrap();
        let listening = endpoint(config).listen().await.unwrap();
        assert!(
            std::env::var_os("LISTEN_FDS").is_none(),
            "the variables are not passed on to processes the app starts"
        );
        eprintln!("serving on {}", listening.http_addr);
        let _ = tokio::time::timeout(
            Duration::from_secs(30),
            listening.run(std::future::pending()),
        )
        .await;
    });
}
