//! Signed tokens, as Phoenix.Token: hand a client some data (a user id) that
//! it gives back later (to a socket's `connect`), and know that the server
//! made it, with which salt, and how long ago.
//!
//! A token is signed with HMAC-SHA256 under a key derived from the
//! application's `secret_key_base` and a salt (PBKDF2-HMAC-SHA256, 1000
//! iterations, 32 bytes, as Plug.Crypto.KeyGenerator does), and carries the
//! time it was signed at. It is not encrypted: anyone holding it can read the
//! data, nobody can change it. Its shape is Phoenix's,
//! `SFMyNTY.<payload>.<signature>` (base64url), with a JSON payload
//! `{"data":…,"signed":<ms since the epoch>}` where Phoenix has Erlang terms.
//!
//! The context that knows the secret is anything implementing
//! [`SecretKeyBase`]: a [`Conn`], a socket's [`ConnectInfo`], the
//! [`Config`], the [`Endpoint`], or the secret itself as a string.
//!
//! ```
//! use std::time::Duration;
//! use phoenix::token::{Token, TokenError};
//!
//! let secret = "a secret_key_base of at least 64 bytes, as config/*.toml would have it";
//! let token = Token::sign(secret, "user socket", &42u64);
//! assert!(token.starts_with("SFMyNTY."));
//!
//! let max_age = Duration::from_secs(86_400);
//! let user_id: u64 = Token::verify(secret, "user socket", &token, max_age).unwrap();
//! assert_eq!(user_id, 42);
//!
//! // Another salt is another key: the token means nothing there.
//! let other = Token::verify::<u64>(secret, "password reset", &token, max_age);
//! assert_eq!(other, Err(TokenError::Invalid));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::config::Config;
use crate::conn::Conn;
use crate::endpoint::Endpoint;
use crate::socket::ConnectInfo;

/// The protected header of every token: base64url of `"HS256"`, as Phoenix
/// (Plug.Crypto.MessageVerifier) writes it.
const PROTECTED: &str = "SFMyNTY";

/// PBKDF2 iterations of the key derivation (Phoenix.Token's default).
const KEY_ITERATIONS: u32 = 1000;

/// Derived keys kept at most; the cache is emptied when it is full (salts
/// are usually a few constants, so it is not in practice).
const MAX_CACHED_KEYS: usize = 1024;

/// The secret of a conn whose application has no configuration (conns
/// built by hand in unit tests; a served application always has one).
const UNCONFIGURED_SECRET: &str =
    "phoenix-token-secret-of-an-application-without-configuration-unit-tests-only";

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token is authentic but older than the maximum age.
    #[error("expired token: it was signed longer ago than its maximum age allows")]
    Expired,
    /// The token is malformed, its signature does not match (tampered with,
    /// another salt, another secret), or its data is not of the expected type.
    #[error("invalid token: malformed, tampered with, signed with another secret or salt, or holding other data")]
    Invalid,
    /// No token was given (none, or an empty string).
    #[error("missing token")]
    Missing,
}

/// What knows the application's `secret_key_base`: the context tokens are
/// signed and verified in (Phoenix.Token's `context`).
pub trait SecretKeyBase {
    /// The secret tokens' keys are derived from.
    fn secret_key_base(&self) -> &str;

    /// Secrets used before the current one (`previous_secret_key_bases`):
    /// tokens they signed still verify, new tokens use the current secret.
    fn previous_secret_key_bases(&self) -> &[String] {
        &[]
    }
}

impl SecretKeyBase for str {
    fn secret_key_base(&self) -> &str {
        self
    }
}

impl SecretKeyBase for String {
    fn secret_key_base(&self) -> &str {
        self
    }
}

impl SecretKeyBase for Config {
    fn secret_key_base(&self) -> &str {
        self.secret()
    }

    fn previous_secret_key_bases(&self) -> &[String] {
        &self.previous_secret_key_bases
    }
}

impl SecretKeyBase for App {
    fn secret_key_base(&self) -> &str {
        self.config
            .as_deref()
            .map_or(UNCONFIGURED_SECRET, Config::secret)
    }

    fn previous_secret_key_bases(&self) -> &[String] {
        self.config
            .as_deref()
            .map_or(&[], |c| c.previous_secret_key_bases.as_slice())
    }
}

impl SecretKeyBase for Conn {
    fn secret_key_base(&self) -> &str {
        self.app().secret_key_base()
    }

    fn previous_secret_key_bases(&self) -> &[String] {
        self.app().previous_secret_key_bases()
    }
}

impl SecretKeyBase for Endpoint {
    fn secret_key_base(&self) -> &str {
        self.app().secret_key_base()
    }

    fn previous_secret_key_bases(&self) -> &[String] {
        self.app().previous_secret_key_bases()
    }
}

impl SecretKeyBase for ConnectInfo {
    fn secret_key_base(&self) -> &str {
        self.secret.secret_key_base()
    }

    fn previous_secret_key_bases(&self) -> &[String] {
        self.secret.previous_secret_key_bases()
    }
}

impl<T: SecretKeyBase + ?Sized> SecretKeyBase for &T {
    fn secret_key_base(&self) -> &str {
        (**self).secret_key_base()
    }
    fn previous_secret_key_bases(&self) -> &[String] {
        (**self).previous_secret_key_bases()
    }
}

impl<T: SecretKeyBase + ?Sized> SecretKeyBase for Arc<T> {
    fn secret_key_base(&self) -> &str {
        (**self).secret_key_base()
    }
    fn previous_secret_key_bases(&self) -> &[String] {
        (**self).previous_secret_key_bases()
    }
}

/// The application's configuration as a socket's [`ConnectInfo`] holds it,
/// for its secret; printed without it.
#[derive(Clone, Default)]
pub(crate) struct SharedSecret(pub(crate) Option<Arc<Config>>);

impl SecretKeyBase for SharedSecret {
    fn secret_key_base(&self) -> &str {
        self.0
            .as_deref()
            .map_or(UNCONFIGURED_SECRET, Config::secret)
    }

    fn previous_secret_key_bases(&self) -> &[String] {
        self.0
            .as_deref()
            .map_or(&[], |c| c.previous_secret_key_bases.as_slice())
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

/// Signs and verifies tokens (Phoenix.Token's `sign/4` and `verify/4`).
#[derive(Debug, Clone, Copy)]
pub struct Token;

/// The signed payload, as written.
#[derive(Serialize)]
struct Outgoing<'a, T: ?Sized> {
    data: &'a T,
    signed: u64,
}

/// The signed payload, as read.
#[derive(Deserialize)]
struct Incoming {
    data: serde_json::Value,
    signed: u64,
}

impl Token {
    /// Signs `data` now for `salt`: a URL-safe string holding the data
    /// (readable by anyone) and the time it was signed at.
    ///
    /// # Panics
    ///
    /// If `data` cannot be written as JSON (a map whose keys are not strings).
    pub fn sign(
        ctx: &(impl SecretKeyBase + ?Sized),
        salt: &str,
        data: &(impl Serialize + ?Sized),
    ) -> String {
        Token::sign_at(ctx, salt, data, SystemTime::now())
    }

    /// [`Token::sign`] as if it were `signed_at` (tests: an old token).
    ///
    /// # Panics
    ///
    /// If `data` cannot be written as JSON (a map whose keys are not strings).
    pub fn sign_at(
        ctx: &(impl SecretKeyBase + ?Sized),
        salt: &str,
        data: &(impl Serialize + ?Sized),
        signed_at: SystemTime,
    ) -> String {
        let payload = serde_json::to_vec(&Outgoing {
            data,
            signed: millis(signed_at),
        })
        .expect("token data must serialize to JSON");
        let signed = format!("{PROTECTED}.{}", URL_SAFE_NO_PAD.encode(payload));
        let signature = mac(ctx.secret_key_base(), salt).chain_update(signed.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(signature.finalize().into_bytes());
        format!("{signed}.{signature}")
    }

    /// The data of a token signed for `salt` at most `max_age` ago.
    pub fn verify<T: DeserializeOwned>(
        ctx: &(impl SecretKeyBase + ?Sized),
        salt: &str,
        token: &str,
        max_age: Duration,
    ) -> Result<T, TokenError> {
        Token::verify_at(ctx, salt, token, max_age, SystemTime::now())
    }

    /// [`Token::verify`] of a token that may be absent (a param): `None`
    /// is [`TokenError::Missing`].
    pub fn verify_opt<T: DeserializeOwned>(
        ctx: &(impl SecretKeyBase + ?Sized),
        salt: &str,
        token: Option<&str>,
        max_age: Duration,
    ) -> Result<T, TokenError> {
        Token::verify(ctx, salt, token.unwrap_or(""), max_age)
    }

    /// [`Token::verify`] as if it were `now` (tests: expiry without waiting).
    /// A token exactly `max_age` old is still accepted.
    pub fn verify_at<T: DeserializeOwned>(
        ctx: &(impl SecretKeyBase + ?Sized),
        salt: &str,
        token: &str,
        max_age: Duration,
        now: SystemTime,
    ) -> Result<T, TokenError> {
        if token.is_empty() {
            return Err(TokenError::Missing);
        }
        let (signed, signature) = token.rsplit_once('.').ok_or(TokenError::Invalid)?;
        let (protected, payload) = signed.split_once('.').ok_or(TokenError::Invalid)?;
        if protected != PROTECTED {
            return Err(TokenError::Invalid);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Invalid)?;
        // Constant time; the current secret first, then the previous ones.
        let signed_by = |secret: &str| {
            mac(secret, salt)
                .chain_update(signed.as_bytes())
                .verify_slice(&signature)
                .is_ok()
        };
        let genuine = signed_by(ctx.secret_key_base())
            || ctx
                .previous_secret_key_bases()
                .iter()
                .any(|old| signed_by(old));
        if !genuine {
            return Err(TokenError::Invalid);
        }
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Invalid)?;
        let incoming: Incoming =
            serde_json::from_slice(&payload).map_err(|_| TokenError::Invalid)?;
        let max_age = u64::try_from(max_age.as_millis()).unwrap_or(u64::MAX);
        if incoming.signed.saturating_add(max_age) < millis(now) {
            return Err(TokenError::Expired);
        }
        serde_json::from_value(incoming.data).map_err(|_| TokenError::Invalid)
    }
}

/// Milliseconds since the epoch (0 before it).
fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// An HMAC-SHA256 keyed for `secret` and `salt`.
fn mac(secret: &str, salt: &str) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(&derive_key(secret, salt)).expect("HMAC takes keys of any size")
}

/// The key of `salt` under `secret` (Plug.Crypto.KeyGenerator: PBKDF2-HMAC-SHA256,
/// 1000 iterations, 32 bytes), derived once per secret and salt.
fn derive_key(secret: &str, salt: &str) -> [u8; 32] {
    type Cache = RwLock<HashMap<([u8; 32], String), [u8; 32]>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    // The cache is keyed by the secret's digest, not a copy of it.
    let id: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    let entry = (id, salt.to_string());
    if let Some(key) = cache.read().unwrap_or_else(|e| e.into_inner()).get(&entry) {
        return *key;
    }
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(secret.as_bytes(), salt.as_bytes(), KEY_ITERATIONS, &mut key);
    let mut cache = cache.write().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= MAX_CACHED_KEYS {
        cache.clear();
    }
    cache.insert(entry, key);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "test-secret-key-base-of-sixty-four-bytes-or-more-0123456789abcdef";
    const SALT: &str = "user socket";
    const DAY: Duration = Duration::from_secs(86_400);

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct User {
        id: u64,
        name: String,
    }

    fn alice() -> User {
        User {
            id: 7,
            name: "alice".into(),
        }
    }

    /// The token with one byte of its `part` (0 header, 1 payload, 2 signature) changed.
    fn tamper(token: &str, part: usize) -> String {
        let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
        let mut bytes = URL_SAFE_NO_PAD.decode(&parts[part]).unwrap();
        bytes[0] ^= 1;
        parts[part] = URL_SAFE_NO_PAD.encode(bytes);
        parts.join(".")
    }

    #[test]
    fn round_trip() {
        let token = Token::sign(SECRET, SALT, &alice());
        assert!(token.starts_with("SFMyNTY."), "{token}");
        assert_eq!(token.split('.').count(), 3);
        assert_eq!(
            Token::verify::<User>(SECRET, SALT, &token, DAY),
            Ok(alice())
        );
    }

    #[test]
    fn numbers_in_data_round_trip_exactly() {
        // Found by the `token` fuzz target (server/fuzz): a number too large
        // for 64 bits came back 1 ULP off what was signed.
        let data: serde_json::Value =
            serde_json::from_str(r#"{"id":7,"n":1846470447370955151615}"#).unwrap();
        let token = Token::sign(SECRET, SALT, &data);
        assert_eq!(
            Token::verify::<serde_json::Value>(SECRET, SALT, &token, DAY),
            Ok(data)
        );
    }

    #[test]
    fn the_payload_is_json_with_data_and_signed_at() {
        let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let token = Token::sign_at(SECRET, SALT, "bob", at);
        let payload = URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap();
        let payload: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(
            payload,
            serde_json::json!({ "data": "bob", "signed": 1_700_000_000_123u64 })
        );
    }

    #[test]
    fn the_key_is_pbkdf2_hmac_sha256_1000_iterations_32_bytes() {
        // Python's hashlib.pbkdf2_hmac("sha256", SECRET, SALT, 1000, 32).
        let expected = "b8c7d627e161506b772a0db8101c2ad4269a84dfdaf5dae5c84dfa7fe640fd1e";
        let hex = |key: [u8; 32]| key.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(hex(derive_key(SECRET, SALT)), expected);
        assert_eq!(hex(derive_key(SECRET, SALT)), expected, "cached");
        assert_ne!(hex(derive_key(SECRET, "other salt")), expected);
    }

    #[test]
    fn wrong_salt_is_invalid() {
        let token = Token::sign(SECRET, SALT, &alice());
        assert_eq!(
            Token::verify::<User>(SECRET, "password reset", &token, DAY),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn different_secret_is_invalid() {
        let token = Token::sign(SECRET, SALT, &alice());
        let other = "another-secret-key-base-of-sixty-four-bytes-or-more-0123456789abc";
        assert_eq!(
            Token::verify::<User>(other, SALT, &token, DAY),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn tampered_payload_or_signature_is_invalid() {
        let token = Token::sign(SECRET, SALT, &alice());
        for part in 0..3 {
            let tampered = tamper(&token, part);
            assert_ne!(tampered, token);
            assert_eq!(
                Token::verify::<User>(SECRET, SALT, &tampered, DAY),
                Err(TokenError::Invalid),
                "part {part}"
            );
        }
        // Another payload under the original signature.
        let forged = Token::sign(
            SECRET,
            SALT,
            &User {
                id: 1,
                name: "root".into(),
            },
        );
        let forged = format!(
            "{}.{}",
            forged.rsplit_once('.').unwrap().0,
            token.rsplit_once('.').unwrap().1
        );
        assert_eq!(
            Token::verify::<User>(SECRET, SALT, &forged, DAY),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn malformed_tokens_are_invalid() {
        for token in [
            "x",
            "SFMyNTY",
            "SFMyNTY.e30",
            "a.b.c",
            "SFMyNTY.!!.??",
            "SFMyNTY..",
            "...",
        ] {
            assert_eq!(
                Token::verify::<User>(SECRET, SALT, token, DAY),
                Err(TokenError::Invalid),
                "{token}"
            );
        }
    }

    #[test]
    fn data_of_another_type_is_invalid() {
        let token = Token::sign(SECRET, SALT, "just a name");
        assert_eq!(
            Token::verify::<User>(SECRET, SALT, &token, DAY),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            Token::verify::<String>(SECRET, SALT, &token, DAY).as_deref(),
            Ok("just a name")
        );
    }

    #[test]
    fn expiry_follows_the_clock() {
        let signed_at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let token = Token::sign_at(SECRET, SALT, &alice(), signed_at);
        let verify = |now| Token::verify_at::<User>(SECRET, SALT, &token, DAY, now);
        assert_eq!(
            verify(signed_at + DAY - Duration::from_millis(1)),
            Ok(alice())
        );
        assert_eq!(verify(signed_at + DAY), Ok(alice()), "exactly max_age old");
        assert_eq!(
            verify(signed_at + DAY + Duration::from_millis(1)),
            Err(TokenError::Expired)
        );
        assert_eq!(verify(signed_at + DAY * 30), Err(TokenError::Expired));
    }

    #[test]
    fn an_expired_token_with_a_bad_signature_is_invalid_not_expired() {
        let signed_at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let token = tamper(&Token::sign_at(SECRET, SALT, &alice(), signed_at), 2);
        assert_eq!(
            Token::verify_at::<User>(SECRET, SALT, &token, DAY, signed_at + DAY * 2),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn missing_token() {
        assert_eq!(
            Token::verify::<User>(SECRET, SALT, "", DAY),
            Err(TokenError::Missing)
        );
        assert_eq!(
            Token::verify_opt::<User>(SECRET, SALT, None, DAY),
            Err(TokenError::Missing)
        );
        let token = Token::sign(SECRET, SALT, &alice());
        assert_eq!(
            Token::verify_opt::<User>(SECRET, SALT, Some(&token), DAY),
            Ok(alice())
        );
    }

    #[test]
    fn errors_say_why() {
        assert!(TokenError::Expired.to_string().starts_with("expired token"));
        assert!(TokenError::Invalid.to_string().starts_with("invalid token"));
        assert_eq!(TokenError::Missing.to_string(), "missing token");
    }

    #[test]
    fn contexts_share_the_configured_secret() {
        let secret = SharedSecret(None);
        assert_eq!(secret.secret_key_base(), UNCONFIGURED_SECRET);
        assert_eq!(format!("{secret:?}"), "SharedSecret(..)");
        let token = Token::sign(&secret, SALT, &1u8);
        assert_eq!(
            Token::verify::<u8>(UNCONFIGURED_SECRET, SALT, &token, DAY),
            Ok(1)
        );
    }
}
