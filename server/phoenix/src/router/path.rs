//! Path patterns (`/users/:id`, `/files/*path`) and the paths helpers build.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::Value;

use crate::params::Params;

/// Characters escaped in a path segment (RFC 3986 `pchar` allows the rest).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

#[derive(Debug, Clone)]
enum Segment {
    Static(String),
    Param(String),
    Glob(String),
}

/// A compiled route path.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    segments: Vec<Segment>,
}

impl Pattern {
    pub(crate) fn parse(path: &str) -> Self {
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                if let Some(name) = s.strip_prefix(':') {
                    Segment::Param(name.to_string())
                } else if let Some(name) = s.strip_prefix('*') {
                    Segment::Glob(name.to_string())
                } else {
                    Segment::Static(s.to_string())
                }
            })
            .collect();
        Pattern { segments }
    }

    /// The path parameters if the (decoded) request segments match.
    pub(crate) fn matches(&self, request: &[Cow<'_, str>]) -> Option<Params> {
        let mut params = Params::new();
        let mut i = 0;
        for segment in &self.segments {
            match segment {
                Segment::Static(s) => {
                    if request.get(i)?.as_ref() != s.as_str() {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    params.insert(name.clone(), request.get(i)?.as_ref());
                }
                Segment::Glob(name) => {
                    let rest: Vec<Value> = request[i..]
                        .iter()
                        .map(|s| Value::String(s.to_string()))
                        .collect();
                    params.insert(name.clone(), Value::Array(rest));
                    return Some(params);
                }
            }
            i += 1;
        }
        (i == request.len()).then_some(params)
    }
}

/// Splits a request path into percent-decoded segments, ignoring empty ones;
/// segments without `%` are borrowed, not copied.
pub(crate) fn split_path(path: &str) -> Vec<Cow<'_, str>> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy())
        .collect()
}

/// A path built by a route helper, with an optional query string.
///
/// ```
/// use phoenix::router::RoutePath;
///
/// let mut path = RoutePath::root();
/// path.push_static("users");
/// path.push_param(&123);
/// assert_eq!(path.query([("page", 5)]).to_string(), "/users/123?page=5");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoutePath {
    path: String,
    query: String,
}

impl RoutePath {
    /// The root path `/`.
    pub fn root() -> Self {
        RoutePath::default()
    }

    /// Appends a literal segment.
    pub fn push_static(&mut self, segment: &str) {
        self.path.push('/');
        self.path.push_str(segment);
    }

    /// Appends a parameter value, percent-encoded as one segment.
    pub fn push_param(&mut self, value: &impl fmt::Display) {
        self.path.push('/');
        self.path
            .extend(utf8_percent_encode(&value.to_string(), SEGMENT));
    }

    /// Appends a glob value: `a/b` becomes two segments.
    pub fn push_glob(&mut self, value: &impl fmt::Display) {
        for segment in value.to_string().split('/').filter(|s| !s.is_empty()) {
            self.push_param(&segment);
        }
    }

    /// Adds query parameters (the seed's `user_path(:show, 123, page: 5)`).
    pub fn query<K, V>(mut self, pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: fmt::Display,
        V: fmt::Display,
    {
        let mut serializer = form_urlencoded::Serializer::new(std::mem::take(&mut self.query));
        for (k, v) in pairs {
            serializer.append_pair(&k.to_string(), &v.to_string());
        }
        self.query = serializer.finish();
        self
    }

    /// The path without the query string.
    pub fn path(&self) -> &str {
        if self.path.is_empty() {
            "/"
        } else {
            &self.path
        }
    }
}

impl fmt::Display for RoutePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())?;
        if !self.query.is_empty() {
            write!(f, "?{}", self.query)?;
        }
        Ok(())
    }
}

impl From<RoutePath> for String {
    fn from(path: RoutePath) -> String {
        path.to_string()
    }
}

impl PartialEq<&str> for RoutePath {
    fn eq(&self, other: &&str) -> bool {
        match other.split_once('?') {
            Some((path, query)) => self.path() == path && self.query == query,
            None => self.path() == *other && self.query.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn segs(path: &str) -> Vec<Cow<'_, str>> {
        split_path(path)
    }

    #[test]
    fn matches_params_and_globs() {
        let p = Pattern::parse("/users/:user_id/comments/:id");
        let params = p.matches(&segs("/users/99/comments/100/")).unwrap();
        assert_eq!(params.get_str("user_id"), Some("99"));
        assert_eq!(params.get_str("id"), Some("100"));
        assert!(p.matches(&segs("/users/99/comments")).is_none());

        let glob = Pattern::parse("/files/*path");
        let params = glob.matches(&segs("/files/a/b%20c.txt")).unwrap();
        assert_eq!(params.get("path"), Some(&json!(["a", "b c.txt"])));
    }

    #[test]
    fn encodes_segments_and_queries() {
        let mut path = RoutePath::root();
        path.push_static("pages");
        path.push_param(&"a b/c");
        assert_eq!(path.to_string(), "/pages/a%20b%2Fc");
        let path = path.query([("q", "x&y")]);
        assert_eq!(path.to_string(), "/pages/a%20b%2Fc?q=x%26y");
        assert_eq!(RoutePath::root().to_string(), "/");
    }
}
