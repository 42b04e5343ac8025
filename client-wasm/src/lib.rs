//! The Phoenix Channels client for Rust front-ends (wasm32) and native tools.
//! It is built on `phoenix-protocol`; the client itself comes with the
//! client-wasm work and is not available yet.
