//! The session layer chosen by `[session]`.

use poem::endpoint::BoxEndpoint;
use poem::{Endpoint, EndpointExt, Response};
use tower_sessions::cookie::SameSite;
use tower_sessions::{MemoryStore, SessionManagerLayer};
use tower_sessions_cookie_store::{CookieSessionConfig, CookieSessionManagerLayer, Key};

use crate::config::{Config, ConfigError, SessionStore};
use crate::plug::TowerLayer;

/// Wraps an endpoint with tower-sessions, through the tower bridge.
pub(crate) fn with_session<E>(
    endpoint: E,
    config: &Config,
) -> Result<BoxEndpoint<'static, Response>, ConfigError>
where
    E: Endpoint<Output = Response> + 'static,
{
    // HKDF-SHA256 expansion of the secret (cookie's `key-expansion`); the
    // secret is at least 64 bytes long, checked when the config loads.
    let secret = config.secret().as_bytes();
    if secret.len() < 32 {
        return Err(ConfigError(
            "key `secret_key_base` is too short to derive a cookie key".into(),
        ));
    }
    let key = Key::derive_from(secret);
    let session = &config.session;
    let expiry = session
        .max_age
        .map(|s| tower_sessions::Expiry::OnInactivity(time::Duration::seconds(s)));
    Ok(match session.store {
        SessionStore::Cookie => {
            let mut cookie = CookieSessionConfig::default()
                .with_name(session.key.clone())
                .with_secure(session.secure)
                .with_same_site(SameSite::Lax)
                .with_http_only(true)
                .with_clear_on_decode_error(true);
            if let Some(expiry) = expiry {
                cookie = cookie.with_expiry(expiry);
            }
            let layer = CookieSessionManagerLayer::private(key).with_config(cookie);
            endpoint.with(TowerLayer::new(layer)).boxed()
        }
        SessionStore::Server => {
            let mut layer = SessionManagerLayer::new(MemoryStore::default())
                .with_name(session.key.clone())
                .with_secure(session.secure)
                .with_same_site(SameSite::Lax)
                .with_http_only(true)
                .with_private(key);
            if let Some(expiry) = expiry {
                layer = layer.with_expiry(expiry);
            }
            endpoint.with(TowerLayer::new(layer)).boxed()
        }
    })
}
