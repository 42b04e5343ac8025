//! `phoenix-dashboard`: the desktop dashboard of a running phoenix server.
//!
//! It connects to the server's introspection socket (a Channels socket at
//! `/phoenix/dashboard`, topic `phoenix:dashboard`) and shows what happens:
//! routes, sockets, topics and presence, PubSub traffic, HTTP requests and
//! per-second stats.
//!
//! - [`model`]: the state, pure and unit-tested, fed with [`model::Update`]s;
//! - [`client`]: the connection, on its own thread, producing those updates;
//! - [`app`] and [`views`]: the eframe GUI;
//! - [`screenshot`]: the `--screenshots` mode.

#![warn(missing_docs)]

pub mod app;
pub mod client;
pub mod model;
pub mod screenshot;
pub mod views;
