//! Transports: how frames travel between a client and its connection.

pub(crate) mod websocket;

pub use websocket::SocketRoute;
