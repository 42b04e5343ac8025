//! Cookie and session decoding through the endpoint, in process: requests
//! to pages that read the session, the flash and the CSRF secret, carrying
//! either any `cookie:` header (as a client can send) or a session cookie
//! encrypted with the application's key around fuzzed contents (as only the
//! server can make: it reaches the cookie store's record decoding, the
//! server store's id parsing, and what the plugs read from the session).
//!
//! The input's first line chooses: `store` (the rest is the cookie store's
//! JSON envelope), `id` (the rest is the server store's session id), or
//! anything else (the whole input is a `cookie:` header, sent to both
//! stores). A cookie a client can make never makes a 5xx.

#![no_main]

use libfuzzer_sys::fuzz_target;
use phoenix::poem::http::{HeaderValue, Method};
use phoenix::poem::Request;
use phoenix_fuzz::{endpoint, forge, send};

fn request(method: Method, path: &str, cookie: &str) -> Option<Request> {
    let mut request = Request::builder()
        .method(method)
        .uri(path.parse().ok()?)
        .body(Vec::new());
    let value = HeaderValue::from_str(cookie).ok()?;
    request.headers_mut().insert("cookie", value);
    request
        .headers_mut()
        .insert("accept", HeaderValue::from_static("application/json"));
    Some(request)
}

/// GET and POST `/session` (the POST is refused by the CSRF check after it
/// read the session's secret), GET `/` (no session read).
fn visit(server_store: bool, cookie: &str, from_client: bool) {
    for (method, path) in [
        (Method::GET, "/session"),
        (Method::POST, "/session"),
        (Method::GET, "/"),
    ] {
        let Some(request) = request(method, path, cookie) else {
            return;
        };
        let (status, body) = send(endpoint(server_store), request);
        if from_client {
            assert!(
                status < 500,
                "{status} for a client's cookie: {}",
                String::from_utf8_lossy(&body)
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match text.split_once('\n') {
        Some(("store", envelope)) => {
            let value = forge::cookie_store_value(envelope.as_bytes());
            visit(false, &forge::session_cookie(&value), false);
        }
        Some(("id", id)) => visit(true, &forge::session_cookie(id), false),
        _ => {
            visit(false, text, true);
            visit(true, text, true);
        }
    }
});
