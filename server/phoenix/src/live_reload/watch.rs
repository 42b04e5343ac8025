//! Watching assets and the build status file (notify), debounced on a thread.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher as _};
use serde_json::json;
use tokio::sync::broadcast;

use super::{events, BuildStatus, LiveReload, Push};

/// Reads and parses a build status file; `None` if absent or not valid yet.
pub(super) fn read_status(file: &Path) -> Option<BuildStatus> {
    let text = std::fs::read_to_string(file).ok()?;
    serde_json::from_str(&text).ok()
}

/// A running watcher; dropping it ends its thread.
pub(crate) struct Watcher {
    _inner: Mutex<notify::RecommendedWatcher>,
}

/// The build status file, as events name it.
struct StatusFile {
    path: PathBuf,
    /// Its folder, canonical, as the watcher reports it.
    dir: PathBuf,
    name: std::ffi::OsString,
}

impl StatusFile {
    fn is(&self, path: &Path) -> bool {
        path.file_name() == Some(self.name.as_os_str())
            && path.parent().is_some_and(|dir| {
                dir == self.dir || dir.canonicalize().ok().as_deref() == Some(&self.dir)
            })
    }
}

/// Editors' temporary files, which change nothing a page shows.
fn ignored(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.is_empty()
        || name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913"
        || path.is_dir()
}

/// The files under a folder (not ignored ones), a few levels deep.
fn files_under(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    fn walk(dir: &Path, depth: usize, out: &mut BTreeSet<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if depth < 8 {
                    walk(&path, depth + 1, out);
                }
            } else if !ignored(&path) {
                out.insert(path);
            }
        }
    }
    walk(dir, 0, out);
}

impl Watcher {
    pub(super) fn start(
        settings: &LiveReload,
        events: broadcast::Sender<Push>,
        status: Arc<Mutex<Option<BuildStatus>>>,
    ) -> notify::Result<Watcher> {
        let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
        let mut watcher = notify::recommended_watcher(tx)?;
        for path in &settings.paths {
            if !path.exists() {
                tracing::debug!(
                    "live reload: {} does not exist, not watched",
                    path.display()
                );
                continue;
            }
            watcher.watch(path, RecursiveMode::Recursive)?;
        }
        let status_file = match &settings.status_file {
            Some(file) => {
                let dir = file
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                match dir.canonicalize() {
                    Ok(dir) => {
                        watcher.watch(&dir, RecursiveMode::NonRecursive)?;
                        Some(StatusFile {
                            path: file.clone(),
                            dir,
                            name: file.file_name().unwrap_or_default().to_os_string(),
                        })
                    }
                    Err(err) => {
                        tracing::warn!(
                            "live reload: the folder of the build status file {} cannot be \
                             watched: {err}",
                            file.display()
                        );
                        None
                    }
                }
            }
            None => None,
        };
        let debounce = settings.debounce;
        std::thread::Builder::new()
            .name("phx-live-reload".into())
            .spawn(move || run(rx, debounce, status_file, events, status))
            .map_err(|e| notify::Error::generic(&e.to_string()))?;
        Ok(Watcher {
            _inner: Mutex::new(watcher),
        })
    }
}

/// Collects events until `debounce` passes without one, then pushes.
/// Ends when the watcher is dropped (the channel closes).
fn run(
    rx: mpsc::Receiver<notify::Result<notify::Event>>,
    debounce: Duration,
    status_file: Option<StatusFile>,
    events: broadcast::Sender<Push>,
    status: Arc<Mutex<Option<BuildStatus>>>,
) {
    loop {
        let Ok(first) = rx.recv() else {
            return;
        };
        let mut assets = BTreeSet::new();
        let mut status_changed = false;
        let mut note = |event: notify::Result<notify::Event>| match event {
            Ok(event) => {
                if matches!(event.kind, EventKind::Access(_) | EventKind::Other) {
                    return;
                }
                let created = matches!(event.kind, EventKind::Create(_));
                for path in event.paths {
                    if status_file.as_ref().is_some_and(|s| s.is(&path)) {
                        status_changed = true;
                    } else if created && path.is_dir() {
                        // Files written into a new folder before the watcher
                        // watched it raise no event of their own.
                        files_under(&path, &mut assets);
                    } else if !ignored(&path) {
                        assets.insert(path);
                    }
                }
            }
            Err(err) => tracing::debug!("live reload: watch error: {err}"),
        };
        note(first);
        loop {
            match rx.recv_timeout(debounce) {
                Ok(event) => note(event),
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        if status_changed {
            if let Some(file) = &status_file {
                if let Some(now) = read_status(&file.path) {
                    let mut last = status.lock().unwrap_or_else(|e| e.into_inner());
                    if last.as_ref() != Some(&now) {
                        if let Some(push) = now.push() {
                            tracing::debug!("live reload: build {} {}", now.build, now.status);
                            let _ = events.send(push);
                        }
                        *last = Some(now);
                    }
                }
            }
        }
        if !assets.is_empty() {
            let kind = |p: &PathBuf| {
                p.extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default()
            };
            // One full reload covers everything; stylesheets alone reload in place.
            let asset_type = assets
                .iter()
                .map(kind)
                .find(|k| k != "css")
                .unwrap_or_else(|| "css".into());
            tracing::debug!("live reload: {asset_type} changed: {assets:?}");
            let _ = events.send(Push {
                event: events::ASSETS_CHANGE,
                payload: json!({ "asset_type": asset_type }),
            });
        }
    }
}
