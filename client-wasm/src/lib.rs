//! The Phoenix Channels client for Rust front-ends (wasm32) and native tools.
//!
//! [`core::Core`] is the client's state machine (socket, channels, pushes,
//! heartbeat, reconnect and rejoin with backoff, send and push buffers,
//! timeouts, join_ref filtering), written once without I/O or clocks over the
//! wire types of `phoenix-protocol`. [`presence`] holds the presence
//! algorithms. The drivers that run the core over a transport (tokio
//! natively, web-sys in browsers) are still to come.

pub mod core;
pub mod presence;
