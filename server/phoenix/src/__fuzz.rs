//! Entry points for the fuzz targets of `server/fuzz`: internal functions
//! that untrusted input reaches, callable from outside the crate. Not part
//! of the API; they may change at any time.

use phoenix_protocol::Frame;

use crate::params::Params;
use crate::router::path::{split_path, Pattern};

/// The frames a LongPoll POST body is split into (`ndjson`: the body's
/// content type is `application/x-ndjson`).
pub fn long_poll_frames(body: String, ndjson: bool) -> Vec<Frame> {
    crate::transport::long_poll::frames_of(body, ndjson)
}

/// The path parameters if a request path matches the route pattern
/// `pattern` (`/users/:id`, `/files/*path`), as the router matches them.
pub fn match_pattern(pattern: &str, path: &str) -> Option<Params> {
    Pattern::parse(pattern).matches(&split_path(path))
}
