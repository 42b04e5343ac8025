//! Transports: how frames travel between a client and its connection.
//!
//! Both transports run the same steps before a connection exists: the
//! origin check, serializer negotiation (`vsn`), the socket's `connect` and
//! `id`.

pub(crate) mod long_poll;
pub(crate) mod websocket;

use phoenix_protocol::Vsn;
use poem::http::StatusCode;

use crate::conn::Conn;
use crate::socket::{ConnectError, ConnectInfo, Connected, Mount};
use crate::token::SharedSecret;

pub use long_poll::LongPollRoute;
pub use websocket::WebSocketRoute;

/// A connection the socket accepted.
pub(crate) struct Accepted {
    pub(crate) vsn: Vsn,
    pub(crate) connected: Connected,
    pub(crate) peer: Option<std::net::SocketAddr>,
    /// Its place among the endpoint's connections, given back when it ends.
    pub(crate) slot: crate::limits::SocketSlot,
}

/// Checks the origin, negotiates the serializer and asks the socket.
pub(crate) async fn authorize(
    mount: &Mount,
    conn: &Conn,
    auth_token: Option<String>,
) -> Result<Accepted, StatusCode> {
    if let Some(origin) = conn.req_header("origin") {
        let allowed = match conn.app().config.as_deref() {
            Some(config) => config.check_origin.allows(origin, &config.url.host),
            None => true,
        };
        if !allowed {
            tracing::info!(socket = %mount.name, %origin, "socket refused: origin not allowed (see `check_origin`)");
            return Err(StatusCode::FORBIDDEN);
        }
    }
    let params = conn.params();
    let Some(vsn) = Vsn::negotiate(params.get_str("vsn")) else {
        return Err(StatusCode::FORBIDDEN);
    };
    // Taken before `connect` runs the app's code, so a flood of connects
    // is refused before it costs anything: 503 or 429.
    let slot = conn
        .app()
        .socket_slots
        .acquire(conn.remote_addr().map(|a| a.ip()), &mount.name)?;
    let mut info = ConnectInfo::from_request(
        conn.req_headers(),
        conn.remote_addr(),
        conn.uri().to_string(),
    );
    info.auth_token = auth_token;
    info.state = conn.app().state.clone();
    info.secret = SharedSecret(conn.app().config.clone());
    let connected = match mount.socket.connect(params, &info).await {
        Ok(connected) => connected,
        Err(ConnectError::Forbidden) => return Err(StatusCode::FORBIDDEN),
        Err(ConnectError::Status(code, reason)) => {
            tracing::info!(socket = %mount.name, "connection refused: {reason}");
            return Err(StatusCode::from_u16(code).unwrap_or(StatusCode::FORBIDDEN));
        }
    };
    Ok(Accepted {
        vsn,
        connected,
        peer: conn.remote_addr(),
        slot,
    })
}
