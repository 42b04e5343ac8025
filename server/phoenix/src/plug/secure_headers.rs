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
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
];

/// The default `Content-Security-Policy`: everything from the page's own
/// origin only, and no inline script, inline style or `eval` (scripts and
/// styles are files), so injected markup cannot run. WebAssembly may compile
/// (`'wasm-unsafe-eval'`, for the Rust client); `data:` images are allowed;
/// sockets connect to the same host (`connect-src 'self'` covers `ws:` and
/// `wss:` there); forms post to the same origin; no plugins; framing only by
/// the same origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
     form-action 'self'; frame-ancestors 'self'";

/// Adds the headers Phoenix's `put_secure_browser_headers` adds: framing only
/// from the same origin, no MIME sniffing, a strict referrer policy, and a
/// strict content security policy ([`CONTENT_SECURITY_POLICY`]). A page that
/// needs more (a CDN, an inline script) sets its own header after this plug:
/// `conn.put_resp_header("content-security-policy", "...")`.
pub async fn put_secure_browser_headers(mut conn: Conn) -> Result<Conn> {
    let headers = conn.resp_headers_mut();
    for (name, value) in HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    Ok(conn)
}
