//! Database URLs: resolving, redacting, naming.

use super::*;

/// The URL `config.database.url` means: a relative SQLite path made
/// absolute against the app root, and `mode=rwc` (create if missing) unless
/// the URL sets a mode.
pub fn resolve_url(config: &Config) -> Result<String, DbError> {
    let url = config.database.url.trim();
    if Backend::of_url(url)? == Backend::Postgres {
        ::url::Url::parse(url).map_err(|e| DbError::Url {
            url: redact(url),
            reason: e.to_string(),
        })?;
        return Ok(url.to_string());
    }
    let (path, query) = split_sqlite(url);
    if path.is_empty() || path == ":memory:" {
        return Ok(url.to_string());
    }
    let path = Path::new(path);
    let path = if path.is_relative() {
        config.path(path)
    } else {
        path.to_path_buf()
    };
    Ok(sqlite_url(&path, query))
}

/// `sqlite://<path>?<query>`, adding `mode=rwc` when no mode is given.
pub(super) fn sqlite_url(path: &Path, query: Option<&str>) -> String {
    let encoded = path
        .to_string_lossy()
        .replace('%', "%25")
        .replace('?', "%3F")
        .replace('#', "%23");
    let mut params: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    if !params.iter().any(|p| p.starts_with("mode=")) {
        params.push("mode=rwc");
    }
    format!("sqlite://{encoded}?{}", params.join("&"))
}

/// The path and query of a SQLite URL.
pub(super) fn split_sqlite(url: &str) -> (&str, Option<&str>) {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    }
}

/// The file of a SQLite URL (`None` for an in-memory database).
pub(super) fn sqlite_file(url: &str) -> Option<PathBuf> {
    let (path, query) = split_sqlite(url);
    if path.is_empty() || path == ":memory:" || query.is_some_and(|q| q.contains("mode=memory")) {
        return None;
    }
    let decoded = path
        .replace("%3F", "?")
        .replace("%23", "#")
        .replace("%25", "%");
    Some(PathBuf::from(decoded))
}

/// The URL without its password (for messages and logs).
pub fn redact(url: &str) -> String {
    match ::url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// The same PostgreSQL server, another database.
pub(super) fn with_database(url: &str, database: &str) -> Result<String, DbError> {
    let mut parsed = ::url::Url::parse(url).map_err(|e| DbError::Url {
        url: redact(url),
        reason: e.to_string(),
    })?;
    parsed.set_path(&format!("/{database}"));
    Ok(parsed.to_string())
}

/// The database a PostgreSQL URL names.
pub(super) fn database_name(url: &str) -> Result<String, DbError> {
    let parsed = ::url::Url::parse(url).map_err(|e| DbError::Url {
        url: redact(url),
        reason: e.to_string(),
    })?;
    let name = parsed.path().trim_start_matches('/');
    if name.is_empty() {
        return Err(DbError::Url {
            url: redact(url),
            reason: "no database name in the path".into(),
        });
    }
    Ok(percent_encoding::percent_decode_str(name)
        .decode_utf8_lossy()
        .into_owned())
}

/// A quoted SQL identifier.
pub(super) fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}
