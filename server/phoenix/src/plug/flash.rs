//! Flash messages: shown once, on the page after a redirect.
//!
//! ```no_run
//! use phoenix::prelude::*;
//!
//! async fn create(conn: Conn) -> Result<Conn> {
//!     conn.put_flash("notice", "Created successfully").redirect_to("/")
//! }
//! # let _ = create;
//! ```

use std::collections::BTreeMap;

use poem::http::StatusCode;

use crate::conn::Conn;
use crate::error::{Error, Result};

const SESSION_KEY: &str = "_flash";

/// The flash messages of a conn, by key (`notice`, `error`, ...), several per key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flash {
    messages: BTreeMap<String, Vec<String>>,
}

impl Flash {
    /// Adds a message under `key` (the seed's `Flash.put(conn, :notice, "...")`).
    pub fn put(conn: Conn, key: &str, message: impl Into<String>) -> Conn {
        conn.put_flash(key, message)
    }

    /// The first message under `key` (the seed's `Flash.get(conn, :notice)`).
    pub fn get<'a>(conn: &'a Conn, key: &str) -> Option<&'a str> {
        conn.get_flash(key)
    }

    /// Every message under `key` (the seed's `Flash.get_all(conn, :notice)`).
    pub fn get_all<'a>(conn: &'a Conn, key: &str) -> &'a [String] {
        conn.internals()
            .flash
            .as_ref()
            .and_then(|f| f.messages.get(key))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every message, by key.
    pub fn all(conn: &Conn) -> &BTreeMap<String, Vec<String>> {
        static EMPTY: BTreeMap<String, Vec<String>> = BTreeMap::new();
        conn.internals()
            .flash
            .as_ref()
            .map(|f| &f.messages)
            .unwrap_or(&EMPTY)
    }
}

impl Conn {
    /// Adds a flash message under `key`; it is shown by this response if it
    /// renders a page, or kept for the next request if it redirects.
    pub fn put_flash(mut self, key: &str, message: impl Into<String>) -> Self {
        if self.internals().flash.is_none() {
            tracing::warn!(
                "put_flash without fetch_flash: the message will not survive a redirect"
            );
            self.internals_mut().flash = Some(Flash::default());
        }
        if let Some(flash) = self.internals_mut().flash.as_mut() {
            flash
                .messages
                .entry(key.to_string())
                .or_default()
                .push(message.into());
        }
        self
    }

    /// The first flash message under `key`.
    pub fn get_flash(&self, key: &str) -> Option<&str> {
        Flash::get_all(self, key).first().map(String::as_str)
    }

    /// Removes every flash message.
    pub fn clear_flash(mut self) -> Self {
        if let Some(flash) = self.internals_mut().flash.as_mut() {
            flash.messages.clear();
        }
        self
    }
}

/// Loads the flash from the session and arranges for it to be kept across a
/// redirect (`plug :fetch_flash`); needs `fetch_session` before it.
pub async fn fetch_flash(mut conn: Conn) -> Result<Conn> {
    let Some(session) = conn.internals().session.clone() else {
        return Err(Error::msg(
            StatusCode::INTERNAL_SERVER_ERROR,
            "fetch_flash needs the session: add `plug fetch_session;` before it",
        ));
    };
    // Read before removing: a removal marks the session modified, and a
    // modified cookie session is encrypted and sent again.
    let messages: BTreeMap<String, Vec<String>> = match session.get(SESSION_KEY).await? {
        Some(messages) => {
            session.remove_value(SESSION_KEY).await?;
            messages
        }
        None => BTreeMap::new(),
    };
    conn.internals_mut().flash = Some(Flash { messages });
    conn.register_before_send(move |conn: Conn| async move {
        let redirecting = conn.status().is_some_and(|s| s.is_redirection());
        let messages = conn
            .internals()
            .flash
            .as_ref()
            .map(|f| f.messages.clone())
            .unwrap_or_default();
        if redirecting && !messages.is_empty() {
            session.insert(SESSION_KEY, messages).await?;
        }
        Ok(conn)
    });
    Ok(conn)
}
