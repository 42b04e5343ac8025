//! The socket at `/socket` and its channels.

mod room;

pub use room::{RoomChannel, RoomIn};

use phoenix::params::Params;
use phoenix::socket::{ChannelRoutes, ConnectError, ConnectInfo, Socket};
use serde::Serialize;

/// What every channel of a connection knows of it.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// The `user` param of the connection (`anonymous` without one).
    pub name: String,
}

/// Accepts every connection; routes `room:*` topics to [`RoomChannel`].
///
/// To authenticate, check a token here (return `Err(ConnectError::...)` to
/// refuse) and keep who it is in the assigns.
#[derive(Default)]
pub struct UserSocket;

impl Socket for UserSocket {
    type Assigns = User;

    fn channels(&self, routes: &mut ChannelRoutes<User>) {
        routes.channel::<RoomChannel>("room:*");
    }

    async fn connect(&self, params: &Params, _info: &ConnectInfo) -> Result<User, ConnectError> {
        let name = params.get_str("user").unwrap_or("anonymous");
        Ok(User {
            name: name.to_string(),
        })
    }

    fn id(&self, assigns: &User) -> Option<String> {
        Some(format!("user_socket:{}", assigns.name))
    }
}
