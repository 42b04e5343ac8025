//! Security headers for browser responses.

use crate::conn::Conn;
use crate::error::Result;

/// Adds the headers Phoenix's `put_secure_browser_headers` adds: framing only
/// from the same origin, no MIME sniffing, a strict referrer policy and a
/// minimal content security policy.
pub async fn put_secure_browser_headers(conn: Conn) -> Result<Conn> {
    Ok(conn
        .put_resp_header("x-frame-options", "SAMEORIGIN")
        .put_resp_header("x-content-type-options", "nosniff")
        .put_resp_header("x-permitted-cross-domain-policies", "none")
        .put_resp_header("referrer-policy", "strict-origin-when-cross-origin")
        .put_resp_header(
            "content-security-policy",
            "base-uri 'self'; frame-ancestors 'self';",
        ))
}
