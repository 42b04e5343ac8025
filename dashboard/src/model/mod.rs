//! The dashboard's model: what the introspection socket told us (see
//! `protocol.md` of the server's `introspect` module, and the shared types
//! of `phoenix-dashboard-protocol`).
//!
//! - [`wire`]: decoding the server's messages into [`Update`]s;
//! - [`state`]: the [`Model`], reduced from those updates;
//! - [`filter`]: the views' filters and summaries.

pub mod filter;
pub mod state;
pub mod wire;

#[cfg(test)]
pub(crate) mod fixtures;

pub use filter::*;
pub use state::*;
