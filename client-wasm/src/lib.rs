//! The Phoenix Channels client for Rust front-ends (wasm32) and native tools.
//!
//! [`core::Core`] is the client's state machine (socket, channels, pushes,
//! heartbeat, reconnect and rejoin with backoff, send and push buffers,
//! timeouts, join_ref filtering), written once without I/O or clocks over the
//! wire types of `phoenix-protocol`. [`presence`] holds the presence
//! algorithms. [`native`] runs the core over a tokio WebSocket with an async
//! API; the browser driver (web-sys) is still to come.

pub mod core;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod presence;
