//! Request body and query string parsing (Plug.Parsers).

use futures_util::future::BoxFuture;
use poem::error::ReadBodyError;

use crate::conn::Conn;
use crate::error::{BadRequestError, Error, PayloadTooLargeError, Result};
use crate::params::Params;
use crate::plug::Plug;

/// Parses the query string and `application/x-www-form-urlencoded` or
/// `application/json` bodies into the conn's params. Malformed input is a 400
/// error naming the problem; a body over the limit is a 413 error.
#[derive(Debug, Clone, Copy)]
pub struct Parsers {
    /// Largest body read, in bytes.
    pub length: usize,
}

impl Default for Parsers {
    fn default() -> Self {
        Parsers {
            length: 8 * 1024 * 1024,
        }
    }
}

/// The default [`Parsers`] plug (8 MB body limit).
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
                let bytes = self.read(&mut conn).await?;
                let text = std::str::from_utf8(&bytes).map_err(|_| {
                    Error::exception(BadRequestError("form body is not UTF-8".into()))
                })?;
                Params::from_urlencoded(text)?
            }
            Some(ct) if ct == "application/json" || ct.ends_with("+json") => {
                let bytes = self.read(&mut conn).await?;
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

    async fn read(&self, conn: &mut Conn) -> Result<bytes::Bytes> {
        let body = conn.request_mut().take_body();
        body.into_bytes_limit(self.length)
            .await
            .map_err(|e| match e {
                ReadBodyError::PayloadTooLarge => {
                    Error::exception(PayloadTooLargeError { limit: self.length })
                }
                other => {
                    Error::exception(BadRequestError(format!("could not read the body: {other}")))
                }
            })
    }
}

impl Plug for Parsers {
    fn call(&self, conn: Conn) -> BoxFuture<'_, Result<Conn>> {
        Box::pin(self.parse(conn))
    }
}
