//! Request ids (Plug.RequestId): each request gets an id, the client's
//! `x-request-id` if it is a sensible one, else a new random one; the id goes
//! back in the response's `x-request-id` and in every log line of the request.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use poem::http::HeaderValue;
use poem::Request;
use rand::RngCore;

use crate::conn::Conn;

/// The header that carries the id, both ways.
pub const HEADER: &str = "x-request-id";

/// A request's id (in the request's extensions; [`Conn::request_id`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(Arc<str>);

impl RequestId {
    /// The id of `req`: its `x-request-id` when that is 20 to 200 characters
    /// of letters, digits and `-_+/=.` (as Plug.RequestId accepts), else a
    /// new one (20 random bytes, base64url).
    pub fn of(req: &Request) -> RequestId {
        let given = req
            .headers()
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| valid(v));
        match given {
            Some(id) => RequestId(Arc::from(id)),
            None => RequestId::generate(),
        }
    }

    /// A new random id.
    pub fn generate() -> RequestId {
        let mut bytes = [0u8; 20];
        rand::rng().fill_bytes(&mut bytes);
        RequestId(Arc::from(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a header value.
    pub(crate) fn header_value(&self) -> HeaderValue {
        HeaderValue::from_str(&self.0).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn valid(id: &str) -> bool {
    (20..=200).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_+/=.".contains(&b))
}

impl Conn {
    /// This request's id (`x-request-id`, given or generated); `None` for a
    /// conn that did not come through an endpoint.
    pub fn request_id(&self) -> Option<&str> {
        self.request()
            .extensions()
            .get::<RequestId>()
            .map(RequestId::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sensible_client_id_is_kept_others_replaced() {
        let with = |id: &str| Request::builder().header(HEADER, id).finish();
        let kept = "abcdefghij-0123456789_+/=.";
        assert_eq!(RequestId::of(&with(kept)).as_str(), kept);
        for bad in ["short", "with space in it, long enough", &"x".repeat(201)] {
            let id = RequestId::of(&with(bad));
            assert_ne!(id.as_str(), bad);
            assert_eq!(id.as_str().len(), 27);
        }
        let a = RequestId::of(&Request::builder().finish());
        let b = RequestId::of(&Request::builder().finish());
        assert_ne!(a, b);
    }
}
