//! Formats (`html`, `json`, `xml`, ...) and their MIME types.
//!
//! The format of a request is chosen in the seed README's order by the
//! [`accepts`](crate::plug::accepts) plug: the `format` query parameter, then the
//! `accept` header, then the first accepted format (usually `html`).
//!
//! ```
//! use phoenix::format::{ext_for, mime_for};
//! assert_eq!(mime_for("json"), Some("application/json"));
//! assert_eq!(ext_for("text/xml"), Some("xml"));
//! ```

/// Chooses the format of a request among `accepted` (in the seed README's
/// order): `format` (the `?format=` parameter) if given, else the best
/// range of the `accept` header, else the first accepted format. `Err`
/// carries what was requested when nothing acceptable was; the `accepts`
/// plug answers that with a 406, the error page falls back to the first
/// format.
///
/// ```
/// use phoenix::format::negotiate;
/// let accepted = ["html", "json"];
/// assert_eq!(negotiate(None, Some("application/json"), &accepted), Ok("json"));
/// assert_eq!(negotiate(Some("html"), Some("application/json"), &accepted), Ok("html"));
/// assert_eq!(negotiate(None, Some("*/*"), &accepted), Ok("html"));
/// assert_eq!(negotiate(Some("xml"), None, &accepted), Err("xml".to_string()));
/// ```
pub fn negotiate<'a, S: AsRef<str>>(
    format: Option<&str>,
    accept: Option<&str>,
    accepted: &'a [S],
) -> Result<&'a str, String> {
    let find = |wanted: &str| accepted.iter().map(AsRef::as_ref).find(|f| *f == wanted);
    if let Some(format) = format {
        return find(format).ok_or_else(|| format.to_string());
    }
    let first = accepted.first().map(AsRef::as_ref).unwrap_or("html");
    let Some(header) = accept else {
        return Ok(first);
    };
    let ranges = parse_accept(header);
    if ranges.is_empty() {
        return Ok(first);
    }
    for range in &ranges {
        if *range == "*/*" {
            return Ok(first);
        }
        if let Some(prefix) = range.strip_suffix("/*") {
            let found = accepted
                .iter()
                .map(AsRef::as_ref)
                .find(|f| mime_for(f).is_some_and(|m| m.starts_with(&format!("{prefix}/"))));
            if let Some(found) = found {
                return Ok(found);
            }
            continue;
        }
        if let Some(ext) = ext_for(range) {
            let found = accepted
                .iter()
                .map(AsRef::as_ref)
                .find(|f| *f == ext || mime_for(f).is_some_and(|m| m.eq_ignore_ascii_case(range)));
            if let Some(found) = found {
                return Ok(found);
            }
        }
    }
    Err(header.to_string())
}

const TABLE: &[(&str, &str)] = &[
    ("html", "text/html"),
    ("json", "application/json"),
    ("xml", "application/xml"),
    ("xml", "text/xml"),
    ("txt", "text/plain"),
    ("text", "text/plain"),
    ("js", "text/javascript"),
    ("js", "application/javascript"),
    ("css", "text/css"),
    ("csv", "text/csv"),
    ("atom", "application/atom+xml"),
    ("rss", "application/rss+xml"),
    ("svg", "image/svg+xml"),
    ("ics", "text/calendar"),
];

/// The MIME type of a format (`json` → `application/json`).
pub fn mime_for(ext: &str) -> Option<&'static str> {
    TABLE.iter().find(|(e, _)| *e == ext).map(|(_, m)| *m)
}

/// The format of a MIME type (`text/xml` → `xml`); parameters are ignored.
pub fn ext_for(mime: &str) -> Option<&'static str> {
    let mime = mime.split(';').next().unwrap_or(mime).trim();
    TABLE
        .iter()
        .find(|(_, m)| m.eq_ignore_ascii_case(mime))
        .map(|(e, _)| *e)
}

/// Parses an `accept` header into media ranges ordered by quality (stable for ties).
pub fn parse_accept(header: &str) -> Vec<&str> {
    let mut ranges: Vec<(&str, f32, usize)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let range = pieces.next()?.trim();
            if range.is_empty() {
                return None;
            }
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (q > 0.0).then_some((range, q, i))
        })
        .collect();
    ranges.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    ranges.into_iter().map(|(r, _, _)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_accept_by_quality() {
        assert_eq!(
            parse_accept("text/html;q=0.5, application/json, */*;q=0.1"),
            ["application/json", "text/html", "*/*"]
        );
    }
}
