//! The session layer chosen by `[session]`.

use poem::endpoint::BoxEndpoint;
use poem::{Endpoint, EndpointExt, Response};
use tower_cookies::cookie::Cookie;
use tower_cookies::Cookies;
use tower_sessions::cookie::SameSite;
use tower_sessions::{MemoryStore, SessionManagerLayer};
use tower_sessions_cookie_store::{
    CookieController, CookieSessionConfig, CookieSessionManagerLayer, Key,
};

use crate::config::{Config, ConfigError, SameSitePolicy, SessionStore};
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
    let previous: Vec<Key> = config
        .previous_secret_key_bases
        .iter()
        .map(|old| Key::derive_from(old.as_bytes()))
        .collect();
    let session = &config.session;
    let secure = config.session_secure();
    let same_site = match session.same_site {
        SameSitePolicy::Lax => SameSite::Lax,
        SameSitePolicy::Strict => SameSite::Strict,
        SameSitePolicy::None => SameSite::None,
    };
    let expiry = session
        .max_age
        .map(|s| tower_sessions::Expiry::OnInactivity(time::Duration::seconds(s)));
    Ok(match session.store {
        SessionStore::Cookie => {
            let mut cookie = CookieSessionConfig::default()
                .with_name(session.key.clone())
                .with_secure(secure)
                .with_same_site(same_site)
                .with_http_only(true)
                .with_clear_on_decode_error(true);
            if let Some(expiry) = expiry {
                cookie = cookie.with_expiry(expiry);
            }
            let layer = CookieSessionManagerLayer::private(key.clone())
                .with_controller(RotatingKeys {
                    current: key,
                    previous,
                })
                .with_config(cookie);
            endpoint.with(TowerLayer::new(layer)).boxed()
        }
        SessionStore::Server => {
            let mut layer = SessionManagerLayer::new(MemoryStore::default())
                .with_name(session.key.clone())
                .with_secure(secure)
                .with_same_site(same_site)
                .with_http_only(true)
                .with_private(key);
            if let Some(expiry) = expiry {
                layer = layer.with_expiry(expiry);
            }
            endpoint.with(TowerLayer::new(layer)).boxed()
        }
    })
}

/// Encrypts session cookies with the current key and decrypts them with it
/// or, while `secret_key_base` is being rotated, with a previous one.
#[derive(Clone)]
struct RotatingKeys {
    current: Key,
    previous: Vec<Key>,
}

impl std::fmt::Debug for RotatingKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RotatingKeys(1 + {} previous)", self.previous.len())
    }
}

impl CookieController for RotatingKeys {
    fn get(&self, cookies: &Cookies, name: &str) -> Option<Cookie<'static>> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find_map(|key| cookies.private(key).get(name))
    }

    fn add(&self, cookies: &Cookies, cookie: Cookie<'static>) {
        cookies.private(&self.current).add(cookie);
    }

    fn remove(&self, cookies: &Cookies, cookie: Cookie<'static>) {
        cookies.private(&self.current).remove(cookie);
    }
}
