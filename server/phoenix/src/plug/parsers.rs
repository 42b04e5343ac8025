//! Request body and query string parsing (Plug.Parsers).

use futures_util::future::BoxFuture;
use poem::error::ReadBodyError;

use crate::config::LimitsConfig;
use crate::conn::Conn;
use crate::error::{BadRequestError, Error, PayloadTooLargeError, Result};
use crate::params::Params;
use crate::plug::Plug;

/// Parses the query string and `application/x-www-form-urlencoded` or
/// `application/json` bodies into the conn's params. Malformed input is a 400
/// error naming the problem; a body over its type's limit is a 413 error.
/// The endpoint runs it with the limits of `[limits]`
/// (`json_body_bytes`, `form_body_bytes`).
#[derive(Debug, Clone, Copy)]
pub struct Parsers {
    /// Largest `application/json` (or `+json`) body read, in bytes.
    pub json: usize,
    /// Largest `application/x-www-form-urlencoded` body read, in bytes.
    pub form: usize,
}

impl Default for Parsers {
    /// 8 MB for each, as Plug.Parsers.
    fn default() -> Self {
        Parsers::from_limits(&LimitsConfig::default())
    }
}

impl Parsers {
    /// The body limits of `[limits]`.
    pub fn from_limits(limits: &LimitsConfig) -> Self {
        Parsers {
            json: limits.json_body_bytes,
            form: limits.form_body_bytes,
        }
    }
}

/// The default [`Parsers`] plug (8 MB body limits).
pub async fn parse_body(conn: Conn) -> Result<Conn> {
    Parsers::default().parse(conn).await
}

impl Parsers {
    async fn parse(&self, mut conn: Conn) -> Result<Conn> {
        let query = Params::from_urlencoded(conn.query_string())?;
        let content_type = conn
            .req_header("content-type")
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_ascii_lowercase());
        let body = match content_type.as_deref() {
            Some("application/x-www-form-urlencoded") => {
                let bytes = read(&mut conn, self.form).await?;
                let text = std::str::from_utf8(&bytes).map_err(|_| {
                    Error::exception(BadRequestError("form body is not UTF-8".into()))
                })?;
                Params::from_urlencoded(text)?
            }
            Some(ct) if ct == "application/json" || ct.ends_with("+json") => {
                let bytes = read(&mut conn, self.json).await?;
                if bytes.is_empty() {
                    Params::new()
                } else {
                    let value = serde_json::from_slice(&bytes).map_err(|e| {
                        Error::exception(BadRequestError(format!("malformed JSON body: {e}")))
                    })?;
                    Params::from_json(value)
                }
            }
            _ => Params::new(),
        };
        conn.set_query_and_body(query, body);
        Ok(conn)
    }
}

/// The body, if it is at most `limit` bytes.
async fn read(conn: &mut Conn, limit: usize) -> Result<bytes::Bytes> {
    let body = conn.request_mut().take_body();
    body.into_bytes_limit(limit).await.map_err(|e| match e {
        ReadBodyError::PayloadTooLarge => {
            tracing::warn!(
                path = conn.uri().path(),
                "request body refused with 413: over {limit} bytes (`[limits]`)"
            );
            Error::exception(PayloadTooLargeError { limit })
        }
        other => Error::exception(BadRequestError(format!("could not read the body: {other}"))),
    })
}

impl Plug for Parsers {
    fn call(&self, conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        Box::pin(self.parse(conn))
    }
}
