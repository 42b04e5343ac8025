//! Router matching and route helpers. The input's first line is
//! `METHOD /path`, matched against the fuzz app's routes (static, dynamic,
//! glob, nested resources, HEAD falling back to GET) and a few patterns;
//! the next lines are helper arguments: a path built by a helper from any
//! value routes back to that helper's route with that value, and a query
//! string built by a helper parses back to its pairs.

#![no_main]

use libfuzzer_sys::fuzz_target;
use phoenix::params::Params;
use phoenix::poem::http::Method;
use phoenix::router::{RoutePath, Router};
use phoenix_fuzz::helpers;
use serde_json::{json, Value};

fn router() -> &'static Router {
    static ROUTER: std::sync::OnceLock<Router> = std::sync::OnceLock::new();
    ROUTER.get_or_init(phoenix_fuzz::router)
}

const PATTERNS: &[&str] = &[
    "/",
    "/users/:id",
    "/users/:user_id/comments/:id/edit",
    "/files/*path",
    "/a/:b/*c",
    "//double//slash/:x/",
];

/// The route and params `path` (a helper's output) is routed to with GET.
fn route(path: &RoutePath) -> (String, Params) {
    let (info, params) = router()
        .route_info(&Method::GET, path.path())
        .unwrap_or_else(|| panic!("{path} built by a helper has no route"));
    (info.path.clone(), params)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let first = lines.next().unwrap_or("");
    let (method, path) = first.split_once(' ').unwrap_or(("GET", first));
    if let Ok(method) = Method::from_bytes(method.as_bytes()) {
        let found = router()
            .route_info(&method, path)
            .map(|(info, params)| (info.clone(), params));
        if method == Method::GET {
            let head = router().route_info(&Method::HEAD, path);
            assert_eq!(
                head.map(|(info, params)| (info.clone(), params)),
                found,
                "HEAD routes as GET"
            );
        }
        for pattern in PATTERNS {
            let _ = phoenix::__fuzz::match_pattern(pattern, path);
        }
    }
    let args: Vec<&str> = lines.collect();
    let a = args.first().copied().unwrap_or("");
    let b = args.get(1).copied().unwrap_or("");

    // A pattern from the input (routes come from the router! macro, but
    // the matcher should not care).
    let _ = phoenix::__fuzz::match_pattern(a, b);

    if !a.is_empty() {
        let (route_path, params) = route(&helpers::page_path::show(a));
        assert_eq!(route_path, "/pages/:page");
        assert_eq!(params.get_str("page"), Some(a));

        if !b.is_empty() && b != "new" {
            let (route_path, params) = route(&helpers::user_comment_path::show(a, b));
            assert_eq!(route_path, "/users/:user_id/comments/:id");
            assert_eq!(params.get_str("user_id"), Some(a));
            assert_eq!(params.get_str("id"), Some(b));
        }
    }
    // Globs: the value's non-empty `/`-separated segments.
    let (route_path, params) = route(&helpers::file_path::show(a));
    assert_eq!(route_path, "/files/*path");
    let segments: Vec<Value> = a
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| json!(s))
        .collect();
    assert_eq!(params.get("path"), Some(&Value::Array(segments)));

    // Query strings: pairs come back. Keys with brackets nest (and are
    // refused nested deeper than params::MAX_DEPTH); others do not.
    let built = helpers::user_path::index().query([(a, b)]).to_string();
    let query = built.split_once('?').map_or("", |(_, q)| q);
    let nests = a.contains('[') && a.ends_with(']');
    match Params::from_urlencoded(query) {
        Ok(parsed) if !nests => assert_eq!(parsed.get_str(a), Some(b), "{built}"),
        Ok(_) => {}
        Err(err) => assert!(nests, "{built}: {err}"),
    }
});
