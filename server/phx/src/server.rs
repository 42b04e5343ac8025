//! `phx server`: serves the application in dev and keeps it current.
//!
//! `phx` binds the HTTP port itself and hands the listening socket to the
//! application (socket activation: `LISTEN_FDS=1`, the socket at fd 3). When
//! code, configuration or migrations change it rebuilds; a good build
//! replaces the running application, and the socket stays open all along, so
//! requests made meanwhile wait in its queue instead of failing. A failed
//! build leaves the last good one serving; the compiler's output goes to the
//! terminal and, through the status file the application watches
//! (`PHX_BUILD_STATUS`), to the open pages as an overlay. Open pages reload
//! after a restart through the application's `phoenix:live_reload` channel.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Args;
use notify::{RecursiveMode, Watcher};
use serde_json::json;

use crate::project::Project;
use crate::{ui, Failure, Outcome};

/// Arguments of `phx server`.
#[derive(Args)]
pub struct ServerArgs {
    /// The port (default: `PORT`, else the configuration's `http.port`).
    #[arg(long)]
    pub port: Option<u16>,
}

/// The cargo to run: `CARGO` when phx runs under cargo, else `cargo`.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Builds the application's binary; on success its path, on failure the
/// compiler's errors (with colours, as printed).
pub fn cargo_build(root: &Path, bin: &str) -> Result<PathBuf, Failure> {
    let spinner = ui::Spinner::start(&format!("compiling {bin}"));
    let mut child = Command::new(cargo())
        .args([
            "build",
            "--bin",
            bin,
            "--message-format=json-diagnostic-rendered-ansi",
        ])
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::new(format!("cannot run cargo: {e} (is Rust installed?)")))?;
    // Cargo's own lines ("Compiling x", errors of its own) come on stderr.
    let mut stderr = child.stderr.take().expect("piped");
    let cargo_lines = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut executable = None;
    let mut errors = Vec::new();
    let stdout = child.stdout.take().expect("piped");
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact") if message["target"]["name"] == bin => {
                if let Some(path) = message["executable"].as_str() {
                    executable = Some(PathBuf::from(path));
                }
            }
            Some("compiler-message") => {
                if let Some(rendered) = message["message"]["rendered"].as_str() {
                    spinner.println(rendered.trim_end());
                    if message["message"]["level"] == "error" {
                        errors.push(rendered.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let status = child
        .wait()
        .map_err(|e| Failure::new(format!("cargo did not finish: {e}")))?;
    let cargo_text = cargo_lines.join().unwrap_or_default();
    match (status.success(), executable) {
        (true, Some(path)) => {
            spinner.finish(&format!("compiled {bin}"));
            Ok(path)
        }
        (true, None) => {
            spinner.clear();
            Err(Failure::new(format!(
                "cargo built no binary named {bin}: check [[bin]] in Cargo.toml"
            )))
        }
        (false, _) => {
            spinner.clear();
            let mut output = errors.join("\n");
            if output.is_empty() {
                output = cargo_text;
            }
            Err(Failure::new(output))
        }
    }
}

/// The status file the application's live reloader watches.
struct BuildStatus {
    path: PathBuf,
    build: u64,
}

impl BuildStatus {
    fn write(&self, status: &str, output: &str) {
        let text = json!({
            "status": status,
            "output": phoenix::live_reload::strip_ansi(output),
            "build": self.build,
        })
        .to_string();
        // Written whole then renamed: the watcher never reads half a file.
        let partial = self.path.with_extension("json.partial");
        if std::fs::write(&partial, text).is_ok() {
            let _ = std::fs::rename(&partial, &self.path);
        }
    }
}

/// What `phx` answers while no build of the application runs (the first
/// build failed, or the application stopped): a page with the reason that
/// refreshes itself until the application is back.
#[derive(Default)]
struct Fallback {
    /// Why nothing serves; `None` while the application runs.
    reason: std::sync::Mutex<Option<String>>,
}

impl Fallback {
    fn set(&self, reason: Option<String>) {
        *self.reason.lock().unwrap_or_else(|e| e.into_inner()) = reason;
    }

    fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Answers connections while there is a reason, on its own thread.
    fn serve(self: std::sync::Arc<Self>, listener: TcpListener) {
        std::thread::spawn(move || loop {
            let Some(reason) = self.reason() else {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            };
            match listener.accept() {
                Ok((stream, _)) => answer(stream, &reason),
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        });
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A 503 page showing `reason`, refreshing every 2 seconds.
fn answer(mut stream: std::net::TcpStream, reason: &str) {
    use std::io::Write;
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    // The request itself does not matter; read what has arrived.
    let mut head = [0u8; 4096];
    let _ = stream.read(&mut head);
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"2\"><title>phx: not running</title></head>\
         <body style=\"font-family:system-ui;margin:2rem\"><h1>The application is not running</h1>\
         <p>phx rebuilds it when you save a change; this page refreshes by itself.</p>\
         <pre id=\"phx-build-error\" style=\"background:#1f2328;color:#f6f8fa;padding:1rem;\
         white-space:pre-wrap\">{}</pre></body></html>",
        escape(&phoenix::live_reload::strip_ansi(reason))
    );
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/html; charset=utf-8\r\n\
         content-length: {}\r\ncache-control: no-store\r\nretry-after: 2\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

/// The running application.
struct App {
    child: Child,
    started: Instant,
}

fn start(
    exe: &Path,
    project: &Project,
    listener: &TcpListener,
    status: &Path,
) -> Result<App, Failure> {
    let fd = listener.as_raw_fd();
    let mut command = Command::new(exe);
    command
        .current_dir(&project.root)
        .env("PHX_ROOT", &project.root)
        .env("PHX_BUILD_STATUS", status)
        .env("LISTEN_FDS", "1")
        .env_remove("LISTEN_PID")
        .env_remove("LISTEN_FDNAMES");
    // SAFETY: between fork and exec only async-signal-safe calls (dup2, fcntl).
    unsafe {
        command.pre_exec(move || {
            if fd == 3 {
                // Already in place: only clear close-on-exec.
                if libc::fcntl(3, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(fd, 3) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = command
        .spawn()
        .map_err(|e| Failure::new(format!("cannot start {}: {e}", exe.display())))?;
    Ok(App {
        child,
        started: Instant::now(),
    })
}

/// Stops the application: SIGTERM, then SIGKILL after 15 seconds.
fn stop(app: &mut App) {
    if let Ok(Some(_)) = app.child.try_wait() {
        return;
    }
    // SAFETY: kill with a pid we own.
    unsafe {
        libc::kill(app.child.id() as libc::pid_t, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = app.child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    ui::warn("the application did not stop within 15 s of SIGTERM: killing it");
    let _ = app.child.kill();
    let _ = app.child.wait();
}

/// What the file watcher reports, sorted by what it takes.
#[derive(Debug, PartialEq)]
enum Change {
    /// Code, configuration or migrations: rebuild and restart.
    Rebuild(PathBuf),
    /// Nothing `phx` acts on (static files: the application reloads those).
    Ignore,
}

fn classify(root: &Path, path: &Path) -> Change {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let name = relative
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Editors' swap and backup files.
    if name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") || name == "4913" {
        return Change::Ignore;
    }
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    match first.as_str() {
        "src" | "config" | "templates" | "build.rs" | "Cargo.toml" => {
            Change::Rebuild(relative.to_path_buf())
        }
        "priv" if relative.starts_with("priv/migrations") => {
            Change::Rebuild(relative.to_path_buf())
        }
        _ => Change::Ignore,
    }
}

enum Event {
    Changed(PathBuf),
    Signal,
}

/// Serves the application until Ctrl-C.
pub fn run(args: ServerArgs) -> Outcome {
    let project = Project::find()?;
    let config = project.config()?;
    let port = args.port.unwrap_or(config.http.port);
    let listener = TcpListener::bind((config.http.ip, port)).map_err(|e| {
        Failure::new(format!(
            "cannot listen on {}:{port}: {e}. Stop what uses that port, or choose another \
             with PORT=4001 phx server",
            config.http.ip
        ))
    })?;
    let address = listener.local_addr()?;
    // The application's runtime wants it non-blocking too (the flag is shared).
    listener.set_nonblocking(true)?;
    let fallback = std::sync::Arc::new(Fallback::default());
    fallback.clone().serve(listener.try_clone()?);
    let target = project.path("target");
    std::fs::create_dir_all(&target)?;
    let status_path = target.join(format!("phx-build-status-{}.json", std::process::id()));
    let mut status = BuildStatus {
        path: status_path.clone(),
        build: 1,
    };
    status.write("building", "");

    let (events, inbox) = mpsc::channel::<Event>();
    let signals = events.clone();
    ctrlc::set_handler(move || {
        let _ = signals.send(Event::Signal);
    })
    .map_err(|e| Failure::new(format!("cannot handle Ctrl-C: {e}")))?;
    let root = project.root.clone();
    let watched = events.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if matches!(event.kind, notify::EventKind::Access(_)) {
                return;
            }
            for path in event.paths {
                if let Change::Rebuild(path) = classify(&root, &path) {
                    let _ = watched.send(Event::Changed(path));
                }
            }
        }
    })
    .map_err(|e| Failure::new(format!("cannot watch files: {e}")))?;
    for (relative, mode) in [
        ("src", RecursiveMode::Recursive),
        ("config", RecursiveMode::Recursive),
        ("templates", RecursiveMode::Recursive),
        ("priv/migrations", RecursiveMode::Recursive),
        ("Cargo.toml", RecursiveMode::NonRecursive),
        ("build.rs", RecursiveMode::NonRecursive),
    ] {
        let path = project.path(relative);
        if path.exists() {
            watcher
                .watch(&path, mode)
                .map_err(|e| Failure::new(format!("cannot watch {}: {e}", path.display())))?;
        }
    }

    ui::info(&format!(
        "phx: serving {} on http://{address} (Ctrl-C stops)",
        project.name
    ));
    let mut app: Option<App> = None;
    let mut rebuild = true;
    loop {
        if rebuild {
            rebuild = false;
            status.write("building", "");
            match cargo_build(&project.root, &project.name) {
                Ok(exe) => {
                    if let Some(mut old) = app.take() {
                        ui::step("restarting", &project.name);
                        stop(&mut old);
                    }
                    status.write("ok", "");
                    fallback.set(None);
                    app = Some(start(&exe, &project, &listener, &status_path)?);
                }
                Err(failure) => {
                    status.write("error", &failure.0);
                    if app.is_none() {
                        fallback.set(Some(failure.0.clone()));
                    }
                    ui::error(&format!(
                        "{} does not compile{}; fix it and save: phx rebuilds on every change",
                        project.name,
                        if app.is_some() {
                            " (the last good build keeps serving)"
                        } else {
                            ""
                        }
                    ));
                }
            }
            status.build += 1;
        }
        // Wait for a change, a signal, or the application's end.
        let event = match inbox.recv_timeout(Duration::from_millis(250)) {
            Ok(event) => event,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Some(running) = &mut app {
                    if let Ok(Some(exit)) = running.child.try_wait() {
                        ui::error(&format!(
                            "{} stopped ({exit}) after {:.0?}; phx restarts it on the next change",
                            project.name,
                            running.started.elapsed()
                        ));
                        fallback.set(Some(format!(
                            "{} stopped ({exit}); see the terminal for why. phx restarts it \
                             on the next change.",
                            project.name
                        )));
                        app = None;
                    }
                }
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Event::Signal,
        };
        match event {
            Event::Signal => break,
            Event::Changed(path) => {
                // Editors save in bursts: take every change of the next moments.
                let mut changed = vec![path];
                let quiet = Instant::now() + Duration::from_millis(150);
                while let Ok(Event::Changed(path)) =
                    inbox.recv_timeout(quiet.saturating_duration_since(Instant::now()))
                {
                    changed.push(path);
                }
                changed.sort();
                changed.dedup();
                let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
                ui::step("changed", &names.join(", "));
                rebuild = true;
            }
        }
    }
    ui::info("phx: stopping");
    if let Some(mut running) = app.take() {
        stop(&mut running);
    }
    let _ = std::fs::remove_file(&status_path);
    drop(watcher);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fallback_page_shows_the_reason_escaped() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let address = listener.local_addr().unwrap();
        let fallback = std::sync::Arc::new(Fallback::default());
        fallback.set(Some("error[E0308]: <mismatched> types".into()));
        fallback.clone().serve(listener);
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        use std::io::Write;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            .unwrap();
        let mut page = String::new();
        stream.read_to_string(&mut page).unwrap();
        assert!(page.starts_with("HTTP/1.1 503"), "{page}");
        assert!(
            page.contains("error[E0308]: &lt;mismatched&gt; types"),
            "{page}"
        );
    }

    #[test]
    fn changes_are_classified() {
        let root = Path::new("/app");
        for rebuild in [
            "/app/src/main.rs",
            "/app/config/dev.toml",
            "/app/Cargo.toml",
            "/app/priv/migrations/sqlite/1_x.sql",
        ] {
            assert!(
                matches!(classify(root, Path::new(rebuild)), Change::Rebuild(_)),
                "{rebuild}"
            );
        }
        for ignore in [
            "/app/priv/static/css/app.css",
            "/app/src/.main.rs.swp",
            "/app/src/main.rs~",
            "/app/target/debug/app",
        ] {
            assert_eq!(
                classify(root, Path::new(ignore)),
                Change::Ignore,
                "{ignore}"
            );
        }
    }
}
