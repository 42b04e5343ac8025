//! Static files from `priv/static` (Plug.Static), served before anything else.

use poem::endpoint::StaticFilesEndpoint;
use poem::http::{header, HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::config::Config;
use crate::digest::Manifest;

/// `cache-control` of digested files: their name changes with their content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Serves files under `static.at` from `static.from`, with content types,
/// ETag/Last-Modified and 304s (poem's `StaticFilesEndpoint`). Paths that
/// escape the folder are refused (403); missing files fall through to the router.
///
/// Like Plug.Static's `only`, the file system is looked at only for paths whose
/// first segment names an entry of the folder, read at startup (outside `dev`,
/// where every path is tried so that new files show up at once).
#[derive(Clone)]
pub(crate) struct StaticFiles {
    at: String,
    files: std::sync::Arc<StaticFilesEndpoint>,
    only: Option<std::sync::Arc<std::collections::HashSet<String>>>,
    manifest: Option<std::sync::Arc<Manifest>>,
}

impl StaticFiles {
    pub(crate) fn from_config(
        config: &Config,
        manifest: Option<std::sync::Arc<Manifest>>,
    ) -> Option<StaticFiles> {
        let settings = &config.static_files;
        if !settings.enabled {
            return None;
        }
        let at = settings.at.trim_end_matches('/').to_string();
        let dir = config.path(&settings.from);
        let only = (config.env != "dev").then(|| {
            let names = std::fs::read_dir(&dir)
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            std::sync::Arc::new(names)
        });
        Some(StaticFiles {
            at,
            files: std::sync::Arc::new(StaticFilesEndpoint::new(dir).prefer_utf8(true)),
            only,
            manifest,
        })
    }

    /// The response for a static file, or `None` to let the app handle the request.
    pub(crate) async fn serve(&self, req: &Request) -> Option<Response> {
        let is_head = req.method() == Method::HEAD;
        if req.method() != Method::GET && !is_head {
            return None;
        }
        let path = req.uri().path();
        let rest = path.strip_prefix(self.at.as_str())?;
        if !self.at.is_empty() && !rest.is_empty() && !rest.starts_with('/') {
            return None;
        }
        let trimmed = rest.trim_start_matches('/');
        if trimmed.trim_end_matches('/').is_empty() {
            return None;
        }
        if let Some(only) = &self.only {
            let first = trimmed.split('/').next().unwrap_or("");
            let first = percent_encoding::percent_decode_str(first).decode_utf8_lossy();
            // `..` must still reach the endpoint, which refuses it with a 403.
            if first != ".." && !only.contains(first.as_ref()) {
                return None;
            }
        }
        let digested = self.manifest.as_ref().is_some_and(|manifest| {
            let decoded = percent_encoding::percent_decode_str(trimmed).decode_utf8_lossy();
            manifest.is_digested(&decoded)
        });
        if digested && accepts_gzip(req) {
            let gz = format!("{rest}.gz");
            if let Some(mut response) = self.call(req, &gz).await {
                let mime = mime_guess::from_path(trimmed).first_or_octet_stream();
                let headers = response.headers_mut();
                if let Ok(value) = mime.essence_str().parse() {
                    headers.insert(header::CONTENT_TYPE, value);
                }
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
                return Some(response);
            }
        }
        let mut response = self.call(req, rest).await?;
        if digested && response.status().is_success() {
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        Some(response)
    }

    /// The folder's answer for `path` (relative to `static.at`), or `None`.
    async fn call(&self, req: &Request, path: &str) -> Option<Response> {
        let mut inner = Request::builder()
            .method(Method::GET)
            .uri_str(path)
            .finish();
        *inner.headers_mut() = req.headers().clone();
        match self.files.call(inner).await {
            Ok(response)
                if response.status().is_success()
                    || response.status() == StatusCode::NOT_MODIFIED =>
            {
                Some(response)
            }
            Ok(_) => None,
            Err(err) if err.status() == StatusCode::FORBIDDEN => {
                Some((StatusCode::FORBIDDEN, "Forbidden").into_response())
            }
            Err(_) => None,
        }
    }
}

/// Whether the request's `accept-encoding` lists gzip (with a non-zero q).
fn accepts_gzip(req: &Request) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let zero = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    == Some(0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !zero
        })
}
