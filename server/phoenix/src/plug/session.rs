//! Sessions: the `fetch_session` plug and the session functions of a conn.
//!
//! The endpoint wraps the application with tower-sessions' layer (a cookie
//! store or a server-side store, chosen by the `[session]` config); this plug
//! makes that session available to controllers.

use poem::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tower_sessions::Session;

use crate::conn::Conn;
use crate::error::{Error, Result};

/// Makes the session available to the conn (`plug :fetch_session`).
pub async fn fetch_session(mut conn: Conn) -> Result<Conn> {
    let session = conn
        .request()
        .extensions()
        .get::<Session>()
        .cloned()
        .ok_or_else(|| {
            Error::msg(
                StatusCode::INTERNAL_SERVER_ERROR,
                "fetch_session found no session: configure `[session]` so the endpoint \
                 installs a session store",
            )
        })?;
    conn.internals_mut().session = Some(session);
    Ok(conn)
}

impl Conn {
    /// The session, if `fetch_session` ran.
    pub fn session(&self) -> Result<&Session> {
        self.internals().session.as_ref().ok_or_else(|| {
            Error::msg(
                StatusCode::INTERNAL_SERVER_ERROR,
                "session not fetched: add `plug fetch_session;` to the pipeline",
            )
        })
    }

    /// Stores a value in the session.
    pub async fn put_session(&self, key: &str, value: impl Serialize) -> Result<()> {
        self.session()?.insert(key, value).await?;
        Ok(())
    }

    /// Reads a value from the session.
    pub async fn get_session<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        Ok(self.session()?.get(key).await?)
    }

    /// Removes a value from the session.
    pub async fn delete_session(&self, key: &str) -> Result<()> {
        self.session()?.remove_value(key).await?;
        Ok(())
    }

    /// Empties the session.
    pub async fn clear_session(&self) -> Result<()> {
        self.session()?.clear().await;
        Ok(())
    }

    /// Gives the session a new id (use after login to prevent fixation).
    pub async fn renew_session(&self) -> Result<()> {
        self.session()?.cycle_id().await?;
        Ok(())
    }
}
