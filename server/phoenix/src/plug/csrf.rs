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
use crate::plug::session::FetchedSession;

const SESSION_KEY: &str = "_csrf_token";
const TOKEN_LEN: usize = 32;

#[derive(Clone)]
struct CsrfSecret(Vec<u8>);

/// Checks the CSRF token of unsafe requests (`plug :protect_from_forgery`);
/// needs `fetch_session` before it.
pub async fn protect_from_forgery(mut conn: Conn) -> Result<Conn> {
    let Some(FetchedSession(session)) = conn.private::<FetchedSession>().cloned() else {
        return Err(Error::msg(
            StatusCode::INTERNAL_SERVER_ERROR,
            "protect_from_forgery needs the session: add `plug fetch_session;` before it",
        ));
    };
    let stored: Option<String> = session.get(SESSION_KEY).await?;
    let secret = match stored.and_then(|s| URL_SAFE_NO_PAD.decode(s).ok()) {
        Some(secret) if secret.len() == TOKEN_LEN => secret,
        _ => {
            let mut secret = vec![0u8; TOKEN_LEN];
            rand::rng().fill_bytes(&mut secret);
            session
                .insert(SESSION_KEY, URL_SAFE_NO_PAD.encode(&secret))
                .await?;
            secret
        }
    };
    let unsafe_method = matches!(
        *conn.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if unsafe_method {
        let sent = conn
            .body_params()
            .get_str("_csrf_token")
            .map(str::to_string)
            .or_else(|| conn.req_header("x-csrf-token").map(str::to_string));
        let valid = sent
            .as_deref()
            .and_then(unmask)
            .is_some_and(|token| constant_time_eq(&token, &secret));
        if !valid {
            return Err(Error::exception(InvalidCsrfTokenError));
        }
    }
    conn.put_private(CsrfSecret(secret));
    Ok(conn)
}

/// A token for a form of this page: a fresh mask of the session's secret, so the
/// page never shows the same bytes twice. Empty if `protect_from_forgery` did
/// not run.
pub fn csrf_token(conn: &Conn) -> String {
    let Some(CsrfSecret(secret)) = conn.private::<CsrfSecret>() else {
        return String::new();
    };
    let mut mask = vec![0u8; TOKEN_LEN];
    rand::rng().fill_bytes(&mut mask);
    let mut out = mask.clone();
    out.extend(secret.iter().zip(&mask).map(|(s, m)| s ^ m));
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
