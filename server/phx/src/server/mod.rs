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

use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::Args;
use notify::{RecursiveMode, Watcher};
use phoenix::live_reload::{BuildStatus, BUILD_STATUS_ENV};

mod fallback;

use fallback::Fallback;

use crate::build::cargo_build;
use crate::project::Project;
use crate::{ui, Failure, Outcome};

/// Arguments of `phx server`.
#[derive(Args)]
pub struct ServerArgs {
    /// The port (default: `PORT`, else the configuration's `http.port`).
    #[arg(long)]
    pub port: Option<u16>,
}

/// The status file the application's live reloader watches.
struct StatusFile {
    path: PathBuf,
    build: u64,
}

impl StatusFile {
    fn write(&self, status: &str, output: &str) {
        let status = BuildStatus {
            status: status.to_string(),
            output: phoenix::live_reload::strip_ansi(output),
            build: self.build,
        };
        let Ok(text) = serde_json::to_string(&status) else {
            return;
        };
        // Written whole then renamed: the watcher never reads half a file.
        let partial = self.path.with_extension("json.partial");
        if std::fs::write(&partial, text).is_ok() {
            let _ = std::fs::rename(&partial, &self.path);
        }
    }
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
        .env(BUILD_STATUS_ENV, status)
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
    let mut status = StatusFile {
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
