//! Static files from `priv/static` (Plug.Static), served before anything else.

use poem::endpoint::StaticFilesEndpoint;
use poem::http::{Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::config::Config;

/// Serves files under `static.at` from `static.from`, with content types,
/// ETag/Last-Modified and 304s (poem's `StaticFilesEndpoint`). Paths that
/// escape the folder are refused (403); missing files fall through to the router.
#[derive(Clone)]
pub(crate) struct StaticFiles {
    at: String,
    files: std::sync::Arc<StaticFilesEndpoint>,
}

impl StaticFiles {
    pub(crate) fn from_config(config: &Config) -> Option<StaticFiles> {
        let settings = &config.static_files;
        if !settings.enabled {
            return None;
        }
        let at = settings.at.trim_end_matches('/').to_string();
        let dir = config.path(&settings.from);
        Some(StaticFiles {
            at,
            files: std::sync::Arc::new(StaticFilesEndpoint::new(dir).prefer_utf8(true)),
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
        if rest.trim_matches('/').is_empty() {
            return None;
        }
        let mut inner = Request::builder()
            .method(Method::GET)
            .uri_str(rest)
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
