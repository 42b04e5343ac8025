//! Whole requests through the endpoint, in process: body parsers (query,
//! urlencoded and JSON bodies), method override, the router, the session
//! and CSRF plugs, controllers with `Path`, `Query`, `Form` and `Json`
//! extractors, error pages. The input is a raw HTTP/1.1-like request
//! (`METHOD /target`, header lines, an empty line, the body). No request
//! makes a 5xx, and nothing panics (a panic would be caught by the endpoint
//! and answered 500; libFuzzer aborts on it first).

#![no_main]

use libfuzzer_sys::fuzz_target;
use phoenix_fuzz::{endpoint, parse_request, send};

fuzz_target!(|data: &[u8]| {
    let server_store = data.first().is_some_and(|b| b & 1 == 1);
    let Some(request) = parse_request(data) else {
        return;
    };
    let (status, body) = send(endpoint(server_store), request);
    assert!(status < 500, "{status}: {}", String::from_utf8_lossy(&body));
});
