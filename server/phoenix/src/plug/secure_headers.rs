//! Security headers for browser responses.

use poem::http::header::{self, HeaderName, HeaderValue};

use crate::conn::Conn;
use crate::error::Result;

const HEADERS: [(HeaderName, &str); 5] = [
    (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (
        HeaderName::from_static("x-permitted-cross-domain-policies"),
        "none",
    ),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (
        header::CONTENT_SECURITY_POLICY,
        "base-uri 'self'; frame-ancestors 'self';",
    ),
];

/// Adds the headers Phoenix's `put_secure_browser_headers` adds: framing only
/// from the same origin, no MIME sniffing, a strict referrer policy and a
/// minimal content security policy.
pub async fn put_secure_browser_headers(mut conn: Conn) -> Result<Conn> {
    let headers = conn.resp_headers_mut();
    for (name, value) in HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    Ok(conn)
}
