//! Printing the route table (`mix phoenix.routes`).

use super::RouteInfo;

/// Formats the route table in aligned columns: helper, verb, path, controller#action.
///
/// ```
/// use phoenix::router::{format_routes, RouteInfo};
///
/// let routes = vec![RouteInfo {
///     verb: "GET".into(), path: "/pages/:page".into(), controller: "PageController".into(),
///     action: "show".into(), helper: "page_path".into(), pipelines: vec!["browser".into()],
/// }];
/// assert_eq!(format_routes(&routes), "page_path  GET  /pages/:page  PageController#show\n");
/// ```
pub fn format_routes(routes: &[RouteInfo]) -> String {
    let width = |f: fn(&RouteInfo) -> usize| routes.iter().map(f).max().unwrap_or(0);
    let helper_w = width(|r| r.helper.len());
    let verb_w = width(|r| r.verb.len());
    let path_w = width(|r| r.path.len());
    let mut out = String::new();
    for r in routes {
        let line = format!(
            "{:>helper_w$}  {:<verb_w$}  {:<path_w$}  {}#{}",
            r.helper, r.verb, r.path, r.controller, r.action
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
