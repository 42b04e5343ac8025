//! The Phoenix Channels client for Rust front-ends (wasm32) and native tools.
//!
//! [`core::Core`] is the client's state machine (socket, channels, pushes,
//! heartbeat, reconnect and rejoin with backoff, send and push buffers,
//! timeouts, join_ref filtering), written once without I/O or clocks over the
//! wire types of `phoenix-protocol`. [`presence`] holds the presence
//! algorithms. [`Socket`] and [`Channel`] are the async API, run by a driver:
//! natively on tokio (tokio-tungstenite's WebSocket, or LongPoll over
//! reqwest), in browsers (wasm32) on web-sys's WebSocket or LongPoll over
//! `fetch`. The core chooses the transport, LongPoll fallback included.

mod api;
pub mod core;
#[cfg(not(target_arch = "wasm32"))]
mod native;
pub mod presence;

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(not(target_arch = "wasm32"))]
use native as driver;
#[cfg(target_arch = "wasm32")]
use web as driver;

pub use api::{Channel, Event, JoinError, PushError, Socket};
pub use core::{Options, Transport};
