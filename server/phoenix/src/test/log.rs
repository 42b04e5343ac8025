//! Capturing what is logged (ExUnit's `capture_log`).

use std::sync::{Arc, Mutex};

/// The text logged at INFO and above, collected for a test to read.
///
/// [`CapturedLog::start`] installs a subscriber for the current thread (a
/// `current_thread` tokio test, server included, runs there) until its
/// guard is dropped. A test that needs the log of other threads can hand a
/// clone to its own subscriber as the writer (`.with_writer(move ||
/// log.clone())`).
///
/// ```
/// use phoenix::test::CapturedLog;
///
/// let (log, _guard) = CapturedLog::start();
/// tracing::info!("connection refused: expired token");
/// tracing::debug!("not captured");
/// assert_eq!(log.count("expired token"), 1);
/// assert!(!log.text().contains("not captured"));
/// ```
#[derive(Clone, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
    /// Captures this thread's log at INFO and above, without colours, while
    /// the returned guard lives.
    pub fn start() -> (CapturedLog, tracing::subscriber::DefaultGuard) {
        let log = CapturedLog::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        (log, tracing::subscriber::set_default(subscriber))
    }

    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// How many lines contain `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.text().lines().filter(|l| l.contains(needle)).count()
    }
}

impl std::io::Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
