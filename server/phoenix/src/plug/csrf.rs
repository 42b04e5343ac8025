//! Protection of forms against cross-site request forgery.
//!
//! `protect_from_forgery` keeps a random token in the session. Every page
//! that renders a form puts [`csrf_token`] in a hidden `_csrf_token` field
//! (or an `x-csrf-token` header for scripts); a POST, PUT, PATCH or DELETE
//! without a matching token is refused with a 403 page.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use poem::http::{Method, StatusCode};
use rand::RngCore;

use crate::conn::Conn;
use crate::error::{Error, InvalidCsrfTokenError, Result};
use tower_sessions::Session;

const SESSION_KEY: &str = "_csrf_token";
const TOKEN_LEN: usize = 32;

/// Reads the session's secret, creating one if asked to.
async fn load_secret(session: &Session, create: bool) -> Result<Option<[u8; TOKEN_LEN]>> {
    let stored: Option<String> = session.get(SESSION_KEY).await?;
    let decoded = stored
        .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
        .and_then(|bytes| <[u8; TOKEN_LEN]>::try_from(bytes).ok());
    match decoded {
        Some(secret) => Ok(Some(secret)),
        None if create => {
            let mut secret = [0u8; TOKEN_LEN];
            rand::rng().fill_bytes(&mut secret);
            session
                .insert(SESSION_KEY, URL_SAFE_NO_PAD.encode(secret))
                .await?;
            Ok(Some(secret))
        }
        None => Ok(None),
    }
}

/// Checks the CSRF token of unsafe requests (`plug :protect_from_forgery`);
/// needs `fetch_session` before it. Safe requests do not touch the session:
/// the secret is loaded (or created) only when a page renders HTML, which may
/// hold a form, or when [`fetch_csrf_token`] is called.
pub async fn protect_from_forgery(mut conn: Conn) -> Result<Conn> {
    let Some(session) = conn.internals().session.clone() else {
        return Err(Error::msg(
            StatusCode::INTERNAL_SERVER_ERROR,
            "protect_from_forgery needs the session: add `plug fetch_session;` before it",
        ));
    };
    let unsafe_method = matches!(
        *conn.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if unsafe_method {
        let secret = load_secret(&session, false).await?;
        let sent = conn
            .body_params()
            .get_str("_csrf_token")
            .or_else(|| conn.req_header("x-csrf-token"));
        let valid = match (sent.and_then(unmask), secret) {
            (Some(token), Some(secret)) => constant_time_eq(&token, &secret),
            _ => false,
        };
        if !valid {
            return Err(Error::exception(InvalidCsrfTokenError));
        }
        conn.internals_mut().csrf_secret = secret;
    }
    conn.internals_mut().csrf_protected = true;
    Ok(conn)
}

/// Loads the session's CSRF secret (creating it on a first visit) so that
/// [`csrf_token`] can give tokens. [`Conn::render`] does this for HTML; call it
/// before building a form by other means.
pub async fn fetch_csrf_token(conn: &mut Conn) -> Result<()> {
    let internals = conn.internals();
    if internals.csrf_secret.is_some() || !internals.csrf_protected {
        return Ok(());
    }
    let Some(session) = internals.session.clone() else {
        return Ok(());
    };
    conn.internals_mut().csrf_secret = load_secret(&session, true).await?;
    Ok(())
}

/// A token for a form of this page: a fresh mask of the session's secret, so the
/// page never shows the same bytes twice. Empty if `protect_from_forgery` did
/// not run or the secret was not fetched (see [`fetch_csrf_token`]).
pub fn csrf_token(conn: &Conn) -> String {
    let Some(secret) = conn.internals().csrf_secret else {
        return String::new();
    };
    let mut out = [0u8; 2 * TOKEN_LEN];
    rand::rng().fill_bytes(&mut out[..TOKEN_LEN]);
    for i in 0..TOKEN_LEN {
        out[TOKEN_LEN + i] = secret[i] ^ out[i];
    }
    URL_SAFE_NO_PAD.encode(out)
}

fn unmask(token: &str) -> Option<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    if bytes.len() != 2 * TOKEN_LEN {
        return None;
    }
    let (mask, masked) = bytes.split_at(TOKEN_LEN);
    Some(mask.iter().zip(masked).map(|(m, x)| m ^ x).collect())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_tokens_unmask_to_the_secret() {
        let secret = vec![7u8; TOKEN_LEN];
        let mut mask = vec![0u8; TOKEN_LEN];
        rand::rng().fill_bytes(&mut mask);
        let mut token = mask.clone();
        token.extend(secret.iter().zip(&mask).map(|(s, m)| s ^ m));
        let encoded = URL_SAFE_NO_PAD.encode(token);
        assert_eq!(unmask(&encoded).unwrap(), secret);
        assert!(unmask("short").is_none());
        assert!(!constant_time_eq(b"ab", b"ac"));
    }
}
