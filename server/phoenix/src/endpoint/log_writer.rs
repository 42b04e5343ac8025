//! The log's writer: lines are appended to a shared buffer and a thread of
//! its own writes them out in batches.
//!
//! `tracing-appender`'s non-blocking writer sends each line through a
//! channel and wakes its thread for each one: measured in process, that
//! wake-up (a futex call per line, then the thread's sleep) was most of the
//! cost of the two request log lines, about 5 µs per line on this machine.
//! Here a line costs a lock and a copy; the thread is woken only when the
//! buffer holds [`WAKE_AT`] bytes, and otherwise writes what accumulated
//! every [`EVERY`]. Nothing is dropped: past [`MAX_BUFFERED`] bytes a
//! logging thread waits for the writer, and dropping the [`Flusher`] writes
//! out the rest.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// The writer thread runs at least this often when lines are waiting.
const EVERY: Duration = Duration::from_millis(10);
/// Buffered bytes that wake the writer thread at once.
const WAKE_AT: usize = 64 * 1024;
/// Buffered bytes past which logging threads wait for the writer.
const MAX_BUFFERED: usize = 8 * 1024 * 1024;

#[derive(Default)]
struct State {
    lines: Vec<u8>,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Wakes the writer thread (a full buffer, or closing).
    wake: Condvar,
    /// Wakes logging threads waiting for room.
    drained: Condvar,
}

/// Where the subscriber writes: cloneable, one `write` per line.
#[derive(Clone)]
pub(crate) struct BatchWriter {
    shared: Arc<Shared>,
}

/// Writes out what is buffered and stops the writer thread when dropped.
pub(crate) struct Flusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A batch writer to `out`, and the guard that flushes it.
pub(crate) fn batch_writer<W: Write + Send + 'static>(out: W) -> (BatchWriter, Flusher) {
    let shared = Arc::new(Shared::default());
    let worker = shared.clone();
    let thread = std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || write_batches(&worker, out))
        .expect("a thread for the log writer");
    (
        BatchWriter {
            shared: shared.clone(),
        },
        Flusher {
            shared,
            thread: Some(thread),
        },
    )
}

fn write_batches<W: Write>(shared: &Shared, mut out: W) {
    let mut batch = Vec::with_capacity(WAKE_AT);
    loop {
        let closed = {
            let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            if state.lines.is_empty() && !state.closed {
                state = shared
                    .wake
                    .wait_timeout(state, EVERY)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            std::mem::swap(&mut batch, &mut state.lines);
            state.closed
        };
        shared.drained.notify_all();
        if !batch.is_empty() {
            // A log that cannot be written has nowhere to report to.
            let _ = out.write_all(&batch).and_then(|()| out.flush());
            batch.clear();
        }
        if closed {
            let state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            if state.lines.is_empty() {
                return;
            }
        }
    }
}

impl Write for BatchWriter {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        let shared = &self.shared;
        let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.lines.len() >= MAX_BUFFERED && !state.closed {
            state = shared
                .drained
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
        let before = state.lines.len();
        state.lines.extend_from_slice(line);
        if before < WAKE_AT && state.lines.len() >= WAKE_AT {
            shared.wake.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = BatchWriter;

    fn make_writer(&'a self) -> BatchWriter {
        self.clone()
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .closed = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test::CapturedLog;

    #[test]
    fn every_line_is_written_in_order_and_dropping_flushes_the_rest() {
        let sink = CapturedLog::default();
        let (writer, flusher) = batch_writer(sink.clone());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let mut writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..20_000 {
                        writer
                            .write_all(format!("thread {t} line {i}\n").as_bytes())
                            .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        drop(flusher);
        let text = sink.text();
        assert_eq!(text.lines().count(), 80_000);
        for t in 0..4 {
            let prefix = format!("thread {t} line ");
            let numbers: Vec<usize> = text
                .lines()
                .filter_map(|l| l.strip_prefix(&prefix))
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(numbers, (0..20_000).collect::<Vec<_>>(), "thread {t}");
        }
    }

    #[test]
    fn a_quiet_log_is_written_within_a_few_periods() {
        let sink = CapturedLog::default();
        let (mut writer, _flusher) = batch_writer(sink.clone());
        writer.write_all(b"one line\n").unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while sink.text().is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "a buffered line was not written within 5 s"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(sink.text(), "one line\n");
    }
}
