//! Reloading translations when a `.ftl` file changes (notify), debounced on
//! a thread.

use std::path::Path;
use std::sync::{mpsc, Arc, Weak};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher as _};

use super::{I18nError, Shared, Translations};

/// Changes closer together than this make one reload.
const DEBOUNCE: Duration = Duration::from_millis(50);

/// A running watcher; dropping it ends its thread.
pub(super) struct Watcher {
    _inner: notify::RecommendedWatcher,
}

fn is_ftl(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "ftl") || path.is_dir()
}

impl Watcher {
    pub(super) fn start(shared: &Arc<Shared>) -> Result<Watcher, I18nError> {
        let error = |err: notify::Error| I18nError::Watch {
            path: shared.dir.clone(),
            message: err.to_string(),
        };
        let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
        let mut watcher = notify::recommended_watcher(tx).map_err(error)?;
        watcher
            .watch(&shared.dir, RecursiveMode::Recursive)
            .map_err(error)?;
        let weak = Arc::downgrade(shared);
        std::thread::Builder::new()
            .name("phx-i18n-reload".into())
            .spawn(move || run(rx, weak))
            .map_err(|e| I18nError::Watch {
                path: shared.dir.clone(),
                message: e.to_string(),
            })?;
        Ok(Watcher { _inner: watcher })
    }
}

/// Whether an event may change the translations.
fn relevant(event: &notify::Result<notify::Event>) -> bool {
    match event {
        Ok(event) => {
            !matches!(event.kind, EventKind::Access(_) | EventKind::Other)
                && event.paths.iter().any(|p| is_ftl(p))
        }
        Err(err) => {
            tracing::debug!("i18n: watch error: {err}");
            false
        }
    }
}

/// Waits for changes, then reloads; ends when the watcher is dropped (the
/// channel closes) or the translations are gone.
fn run(rx: mpsc::Receiver<notify::Result<notify::Event>>, shared: Weak<Shared>) {
    loop {
        let Ok(first) = rx.recv() else {
            return;
        };
        let mut changed = relevant(&first);
        loop {
            match rx.recv_timeout(DEBOUNCE) {
                Ok(event) => changed |= relevant(&event),
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        if !changed {
            continue;
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        // The error is logged and reported by `reload`.
        let _ = Translations { shared }.reload();
    }
}
