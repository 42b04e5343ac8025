//! Filtering and summarising what the model holds: the traffic, route
//! and request filters of the views, and request summaries. Pure functions.

use super::state::{RequestRow, RouteRow, TrafficRow};

/// A summary of HTTP requests (see [`request_summary`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestSummary {
    /// How many requests.
    pub count: usize,
    /// Their average duration, in µs.
    pub avg_us: u64,
    /// The 95th percentile of their durations, in µs (nearest rank).
    pub p95_us: u64,
    /// The longest, in µs.
    pub max_us: u64,
    /// How many answered 4xx.
    pub client_errors: usize,
    /// How many answered 5xx.
    pub server_errors: usize,
}

/// The filter of the traffic view: a topic pattern and an event pattern,
/// each empty (anything), a substring, or a `*` wildcard pattern matched
/// against the whole text (`rooms:*`). Matching ignores ASCII case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TrafficFilter {
    /// Pattern for the topic (rows without a topic only match when empty).
    pub topic: String,
    /// Pattern for the event name.
    pub event: String,
}

impl TrafficFilter {
    /// Whether the filter lets everything through.
    pub fn is_empty(&self) -> bool {
        self.topic.trim().is_empty() && self.event.trim().is_empty()
    }
}

/// Compares strings with embedded numbers numerically (`s2` < `s10`).
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let split = |s: &str| {
        let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (head, tail) = s.split_at(s.len() - digits);
        (head.to_string(), tail.parse::<u128>().ok())
    };
    let (ha, na) = split(a);
    let (hb, nb) = split(b);
    ha.cmp(&hb).then(na.cmp(&nb)).then_with(|| a.cmp(b))
}

// --------------------------------------------------------------- filters

/// Whether `haystack` contains `needle`, ignoring ASCII case.
pub fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    if n.len() > h.len() {
        return false;
    }
    h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Whether `text` matches the wildcard `pattern` as a whole (`*` matches
/// any run of characters, everything else itself, ignoring ASCII case).
pub fn wildcard_matches(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Whether `text` matches a filter pattern: empty matches everything, a
/// pattern with `*` is a whole-text wildcard, anything else a substring
/// (ASCII case ignored, surrounding spaces trimmed).
pub fn pattern_matches(pattern: &str, text: &str) -> bool {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        true
    } else if pattern.contains('*') {
        wildcard_matches(pattern, text)
    } else {
        contains_ignore_case(text, pattern)
    }
}

/// Whether a traffic row passes the filter.
pub fn traffic_matches(row: &TrafficRow, filter: &TrafficFilter) -> bool {
    let topic_ok = filter.topic.trim().is_empty()
        || row
            .topic
            .as_deref()
            .is_some_and(|topic| pattern_matches(&filter.topic, topic));
    topic_ok && pattern_matches(&filter.event, &row.event)
}

/// Whether a route passes the filter: every whitespace-separated word must
/// be a substring (ASCII case ignored) of its verb, path, controller,
/// action, `controller#action` or helper.
pub fn route_matches(route: &RouteRow, filter: &str) -> bool {
    filter.split_whitespace().all(|word| {
        [
            route.verb.as_str(),
            route.path.as_str(),
            route.controller.as_str(),
            route.action.as_str(),
            route.helper.as_str(),
        ]
        .iter()
        .any(|field| contains_ignore_case(field, word))
            || contains_controller_action(route, word)
    })
}

fn contains_controller_action(route: &RouteRow, word: &str) -> bool {
    word.contains('#')
        && contains_ignore_case(&format!("{}#{}", route.controller, route.action), word)
}

/// Whether a request row passes the filter: every whitespace-separated word
/// must match its method, path or status (`5xx` style classes too).
pub fn request_matches(row: &RequestRow, filter: &str) -> bool {
    filter.split_whitespace().all(|word| {
        contains_ignore_case(&row.method, word)
            || pattern_matches(word, &row.path)
            || status_matches(row.status, word)
    })
}

fn status_matches(status: u16, word: &str) -> bool {
    let word = word.as_bytes();
    if word.len() == 3 && word[1..].eq_ignore_ascii_case(b"xx") && word[0].is_ascii_digit() {
        return u16::from(word[0] - b'0') == status / 100;
    }
    let text = status.to_string();
    word == text.as_bytes()
}

/// Count, average, p95, max and error counts of some requests.
pub fn request_summary<'a>(rows: impl IntoIterator<Item = &'a RequestRow>) -> RequestSummary {
    let mut durations: Vec<u64> = Vec::new();
    let mut summary = RequestSummary::default();
    let mut total: u128 = 0;
    for row in rows {
        durations.push(row.duration_us);
        total += u128::from(row.duration_us);
        summary.max_us = summary.max_us.max(row.duration_us);
        match row.status / 100 {
            4 => summary.client_errors += 1,
            5 => summary.server_errors += 1,
            _ => {}
        }
    }
    summary.count = durations.len();
    if summary.count == 0 {
        return summary;
    }
    summary.avg_us = (total / summary.count as u128) as u64;
    // Nearest rank: the smallest value with at least 95% of values ≤ it.
    let rank = (summary.count * 95).div_ceil(100).max(1) - 1;
    let (_, p95, _) = durations.select_nth_unstable(rank);
    summary.p95_us = *p95;
    summary
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::joined;
    use crate::model::TrafficKind;

    fn row(topic: Option<&str>, event: &str) -> TrafficRow {
        TrafficRow {
            seq: 0,
            at_ms: 0,
            kind: TrafficKind::MessageIn,
            socket_id: Some("s1".into()),
            topic: topic.map(str::to_string),
            event: event.into(),
            node: None,
            size: None,
            payload: None,
            detail: String::new(),
            error: false,
        }
    }

    fn filter(topic: &str, event: &str) -> TrafficFilter {
        TrafficFilter {
            topic: topic.into(),
            event: event.into(),
        }
    }

    #[test]
    fn traffic_filters_use_substrings_and_wildcards() {
        let lobby = row(Some("rooms:lobby"), "new_msg");
        assert!(traffic_matches(&lobby, &filter("", "")));
        assert!(traffic_matches(&lobby, &filter("rooms:*", "")));
        assert!(traffic_matches(&lobby, &filter("lobby", "msg")));
        assert!(traffic_matches(&lobby, &filter("ROOMS:*", "new_*")));
        assert!(traffic_matches(&lobby, &filter("*:lobby", "*")));
        assert!(!traffic_matches(&lobby, &filter("users:*", "")));
        assert!(!traffic_matches(&lobby, &filter("rooms:*", "presence*")));
        assert!(!traffic_matches(&lobby, &filter("rooms", "ping")));
        assert!(!traffic_matches(&lobby, &filter("rooms:lob", "new_msg*x")));
        let no_topic = row(None, "connect");
        assert!(traffic_matches(&no_topic, &filter("", "conn")));
        assert!(!traffic_matches(&no_topic, &filter("rooms:*", "")));
        assert!(wildcard_matches("a*b*c", "axxbyyc"));
        assert!(!wildcard_matches("a*b*c", "axxbyy"));
        assert!(wildcard_matches("**", ""));
    }

    #[test]
    fn route_filter_matches_any_field() {
        let model = joined();
        let matching = |f: &str| -> Vec<&str> {
            model
                .routes
                .iter()
                .filter(|r| route_matches(r, f))
                .map(|r| r.path.as_str())
                .collect()
        };
        assert_eq!(matching("").len(), 2);
        assert_eq!(matching("page"), ["/pages/:page"]);
        assert_eq!(matching("post"), ["/api/users"]);
        assert_eq!(matching("usercontroller#create"), ["/api/users"]);
        assert_eq!(matching("page_path"), ["/pages/:page"]);
        assert_eq!(matching("get users"), Vec::<&str>::new());
        assert_eq!(matching("nothing"), Vec::<&str>::new());
    }

    #[test]
    fn request_filter_and_summary() {
        let rows: Vec<RequestRow> = (1..=100)
            .map(|n| RequestRow {
                seq: n,
                at_ms: 0,
                method: if n % 2 == 0 { "GET" } else { "POST" }.into(),
                path: format!("/api/{n}"),
                status: if n > 90 {
                    500
                } else if n > 80 {
                    404
                } else {
                    200
                },
                duration_us: n * 10,
            })
            .collect();
        let summary = request_summary(&rows);
        assert_eq!(summary.count, 100);
        assert_eq!(summary.avg_us, 505);
        assert_eq!(summary.p95_us, 950);
        assert_eq!(summary.max_us, 1000);
        assert_eq!((summary.client_errors, summary.server_errors), (10, 10));
        let errors = rows.iter().filter(|r| request_matches(r, "5xx")).count();
        assert_eq!(errors, 10);
        assert_eq!(
            rows.iter()
                .filter(|r| request_matches(r, "get 404"))
                .count(),
            5
        );
        assert_eq!(
            rows.iter()
                .filter(|r| request_matches(r, "/api/1*"))
                .count(),
            12
        );
        assert_eq!(request_summary(&[]), RequestSummary::default());
    }

    #[test]
    fn natural_order_of_ids() {
        let mut ids = vec!["s10", "s2", "s1", "x"];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(ids, ["s1", "s2", "s10", "x"]);
    }
}
