//! `[force_ssl]`: HTTPS-only behaviour (Phoenix's `force_ssl`, `Plug.SSL`).
//!
//! When the section is present the endpoint, before anything else but the
//! sockets:
//! - adds `Strict-Transport-Security` to every response of a request that
//!   came over HTTPS (the TLS listener, or `x-forwarded-proto: https` from a
//!   proxy when `rewrite_on` trusts that header), so browsers use HTTPS from
//!   then on;
//! - redirects plain HTTP requests to the same path on HTTPS if `redirect` is
//!   on (301 for GET and HEAD, 307 otherwise, keeping the method and body),
//!   to `url.host` (never to the request's own `Host`, which anyone can set),
//!   except for the hosts in `exclude`.
//!
//! ```toml
//! [force_ssl]
//! hsts = true                        # the default
//! max_age = 31536000                 # seconds (the default: a year)
//! include_subdomains = false
//! preload = false
//! redirect = false                   # plain HTTP still answers (the default)
//! rewrite_on = ["x-forwarded-proto"] # behind a proxy that sets it
//! exclude = ["localhost"]            # never redirected (the default)
//! ```

use poem::http::header::{HeaderValue, HOST, LOCATION, STRICT_TRANSPORT_SECURITY};
use poem::http::{Method, StatusCode};
use poem::{Request, Response};

use crate::config::{Config, ForceSslConfig};

/// The force-SSL settings, resolved once when the endpoint is built.
#[derive(Clone)]
pub(crate) struct ForceSsl {
    hsts: Option<HeaderValue>,
    redirect: bool,
    trust_forwarded_proto: bool,
    exclude: Vec<String>,
    /// `https://host[:port]` that redirects go to.
    target: String,
}

impl ForceSsl {
    /// The settings of `[force_ssl]`, if the section is present.
    pub(crate) fn from_config(config: &Config) -> Option<ForceSsl> {
        let ssl: &ForceSslConfig = config.force_ssl.as_ref()?;
        let hsts = ssl.hsts.then(|| {
            let mut value = format!("max-age={}", ssl.max_age);
            if ssl.include_subdomains {
                value.push_str("; includeSubDomains");
            }
            if ssl.preload {
                value.push_str("; preload");
            }
            HeaderValue::from_str(&value).expect("digits and ASCII words")
        });
        // The HTTPS port redirects go to: the HTTPS listener's, or the URL's
        // when it is https (behind a proxy), else the default.
        let port = match (&config.https, config.url.scheme.as_str()) {
            (_, "https") => config.url.port,
            (Some(https), _) => Some(https.port),
            _ => None,
        };
        let target = match port {
            Some(port) if port != 443 => format!("https://{}:{port}", config.url.host),
            _ => format!("https://{}", config.url.host),
        };
        Some(ForceSsl {
            hsts,
            redirect: ssl.redirect,
            trust_forwarded_proto: ssl
                .rewrite_on
                .iter()
                .any(|h| h.eq_ignore_ascii_case("x-forwarded-proto")),
            exclude: ssl.exclude.iter().map(|h| h.to_ascii_lowercase()).collect(),
            target,
        })
    }

    /// Whether the request came over HTTPS, directly or through a trusted proxy.
    pub(crate) fn is_https(&self, req: &Request) -> bool {
        if req.scheme() == &poem::http::uri::Scheme::HTTPS {
            return true;
        }
        self.trust_forwarded_proto
            && req
                .headers()
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                // A chain of proxies appends: the first is the client's.
                .and_then(|v| v.split(',').next())
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
    }

    /// The redirect to HTTPS for a plain-HTTP request, if one is due.
    pub(crate) fn redirect(&self, req: &Request) -> Option<Response> {
        if !self.redirect || self.is_https(req) {
            return None;
        }
        let host = req
            .uri()
            .host()
            .or_else(|| req.headers().get(HOST).and_then(|v| v.to_str().ok()))
            .map(host_name);
        if host.is_some_and(|h| self.exclude.contains(&h)) {
            return None;
        }
        let path = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        let status = if matches!(*req.method(), Method::GET | Method::HEAD) {
            StatusCode::MOVED_PERMANENTLY
        } else {
            StatusCode::TEMPORARY_REDIRECT
        };
        Some(
            Response::builder()
                .status(status)
                .header(LOCATION, format!("{}{path}", self.target))
                .finish(),
        )
    }

    /// Adds `Strict-Transport-Security` to the response of an HTTPS request.
    pub(crate) fn add_hsts(&self, https: bool, response: &mut Response) {
        if let (true, Some(hsts)) = (https, &self.hsts) {
            response
                .headers_mut()
                .insert(STRICT_TRANSPORT_SECURITY, hsts.clone());
        }
    }
}

/// The name in a `Host` value, without its port: `example.com:4000` is
/// `example.com`, `[::1]:4000` is `::1`.
fn host_name(host: &str) -> String {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => host.split(':').next().unwrap_or(host),
    };
    name.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::host_name;

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("Example.com:4000"), "example.com");
        assert_eq!(host_name("localhost"), "localhost");
        assert_eq!(host_name("[::1]:4000"), "::1");
    }
}
