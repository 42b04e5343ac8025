//! Request logging through `tracing`.

use std::time::Instant;

use futures_util::future::BoxFuture;

use crate::conn::Conn;
use crate::error::Result;
use crate::plug::Plug;

/// Logs each request (method, path) when it arrives and its status and
/// duration when the response is sent, at `info` level under the
/// `phoenix::request` target (Plug.Logger).
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestLogger;

/// The [`RequestLogger`] plug.
pub fn request_logger() -> RequestLogger {
    RequestLogger
}

impl Plug for RequestLogger {
    fn call(&self, mut conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        Box::pin(async move {
            if !tracing::enabled!(target: "phoenix::request", tracing::Level::INFO) {
                return Ok(conn);
            }
            let start = Instant::now();
            tracing::info!(target: "phoenix::request", "{} {}", conn.method(), conn.path());
            conn.register_before_send(move |conn: Conn| async move {
                let status = conn.status().map(|s| s.as_u16()).unwrap_or(200);
                let micros = start.elapsed().as_micros() as u64;
                tracing::info!(
                    target: "phoenix::request",
                    "Sent {status} in {} ({} {})",
                    format_duration(micros),
                    conn.method(),
                    conn.path()
                );
                Ok(conn)
            });
            Ok(conn)
        })
    }
}

fn format_duration(micros: u64) -> String {
    if micros >= 1000 {
        format!("{}ms", micros / 1000)
    } else {
        format!("{micros}µs")
    }
}
