//! # phoenix
//!
//! A Phoenix-style web framework for Rust on poem and tokio: a router DSL with
//! compiler-checked route helpers, conns flowing through plugs, controllers,
//! views with maud and file templates, flash, sessions, error pages, static
//! files and configuration per environment.
//!
//! Start with [`router!`], [`controller`], [`view`] and [`endpoint`]; the
//! demo application (`server/demo`) shows every piece of the seed README.

#![warn(missing_docs)]

#[doc(hidden)]
pub mod __fuzz;
pub mod app;
pub mod assigns;
pub mod changeset;
pub mod channel;
pub mod config;
pub mod conn;
pub mod controller;
#[cfg(feature = "db")]
pub mod db;
pub mod digest;
pub mod endpoint;
pub mod error;
pub mod extract;
pub mod format;
pub mod html;
pub mod i18n;
pub mod introspect;
pub(crate) mod limits;
pub mod live_reload;
mod mailbox;
pub mod observer;
pub mod params;
pub mod plug;
pub mod prelude;
pub mod presence;
pub mod pubsub;
pub mod router;
pub mod socket;
pub mod state;
pub mod template;
pub mod test;
pub mod token;
pub mod transport;
pub mod view;

#[doc = include_str!("router/dsl.md")]
pub use phoenix_macros::router;

pub use maud;
pub use phoenix_protocol as protocol;
pub use poem;
