//! A bridge that lets any tower layer built for `http::Request` wrap a poem endpoint.
//!
//! poem's own `tower-compat` hands the layer a service taking `poem::Request`,
//! which layers such as tower-sessions' cannot wrap. This bridge instead
//! carries the `poem::Request` through the layer as the body of an
//! `http::Request` with the same method, URI, headers and extensions, and
//! carries the `poem::Response` back as the body of an `http::Response`.
//! Whatever the layer changes on the way in (headers, extensions such as a
//! session) or on the way out (headers such as `set-cookie`, the status)
//! is applied to the poem request and response.
//!
//! ```
//! use phoenix::plug::TowerLayer;
//! use poem::{handler, EndpointExt};
//!
//! #[handler]
//! fn hello() -> &'static str { "hello" }
//!
//! // Any `tower_layer::Layer` works; `tower::layer::util::Identity` is the simplest.
//! let app = hello.with(TowerLayer::new(tower_layer::Identity::new()));
//! # let _ = app;
//! ```

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use poem::http::StatusCode;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

/// The body of the `http::Request` seen by a tower layer: the poem request itself.
pub struct RequestCarrier(Option<Request>);

/// The body of the `http::Response` a tower layer sees: the poem response's body.
#[derive(Default)]
pub struct ResponseCarrier(Option<poem::Body>);

/// Adapts a tower layer into a poem middleware (see the module docs).
#[derive(Clone)]
pub struct TowerLayer<L> {
    layer: L,
}

impl<L> TowerLayer<L> {
    /// Wraps a tower layer.
    pub fn new(layer: L) -> Self {
        TowerLayer { layer }
    }
}

/// The inner service handed to the tower layer: calls the wrapped poem endpoint.
pub struct BridgeService<E> {
    endpoint: Arc<E>,
}

impl<E> Clone for BridgeService<E> {
    fn clone(&self) -> Self {
        BridgeService {
            endpoint: self.endpoint.clone(),
        }
    }
}

impl<E> Service<http::Request<RequestCarrier>> for BridgeService<E>
where
    E: Endpoint + 'static,
{
    type Response = http::Response<ResponseCarrier>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<RequestCarrier>) -> Self::Future {
        let endpoint = self.endpoint.clone();
        Box::pin(async move {
            let (parts, carrier) = req.into_parts();
            let Some(mut poem_req) = carrier.0 else {
                return Ok(to_http(StatusCode::INTERNAL_SERVER_ERROR.into_response()));
            };
            poem_req.set_method(parts.method);
            *poem_req.uri_mut() = parts.uri;
            *poem_req.headers_mut() = parts.headers;
            *poem_req.extensions_mut() = parts.extensions;
            let response = endpoint.get_response(poem_req).await;
            Ok(to_http(response))
        })
    }
}

fn to_http(response: Response) -> http::Response<ResponseCarrier> {
    let (parts, body) = response.into_parts();
    let mut out = http::Response::new(ResponseCarrier(Some(body)));
    *out.status_mut() = parts.status;
    *out.version_mut() = parts.version;
    *out.headers_mut() = parts.headers;
    *out.extensions_mut() = parts.extensions;
    out
}

fn from_http(response: http::Response<ResponseCarrier>) -> Response {
    let (parts, carrier) = response.into_parts();
    let mut out = Response::builder()
        .status(parts.status)
        .version(parts.version)
        .body(carrier.0.unwrap_or_else(poem::Body::empty));
    *out.headers_mut() = parts.headers;
    *out.extensions_mut() = parts.extensions;
    out
}

/// A poem endpoint made of a tower service (the layer around the bridge).
pub struct TowerEndpoint<S> {
    service: S,
}

impl<S> Endpoint for TowerEndpoint<S>
where
    S: Service<http::Request<RequestCarrier>, Response = http::Response<ResponseCarrier>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
    S::Error: std::fmt::Display + Send,
{
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let mut http_req = http::Request::new(RequestCarrier(None));
        *http_req.method_mut() = req.method().clone();
        *http_req.uri_mut() = req.uri().clone();
        *http_req.version_mut() = req.version();
        *http_req.headers_mut() = std::mem::take(req.headers_mut());
        *http_req.extensions_mut() = std::mem::take(req.extensions_mut());
        *http_req.body_mut() = RequestCarrier(Some(req));

        let mut service = self.service.clone();
        if let Err(err) = std::future::poll_fn(|cx| service.poll_ready(cx)).await {
            tracing::error!(error = %err, "tower layer is not ready");
            return Ok(StatusCode::SERVICE_UNAVAILABLE.into_response());
        }
        match service.call(http_req).await {
            Ok(response) => Ok(from_http(response)),
            Err(err) => {
                tracing::error!(error = %err, "tower layer failed");
                Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response())
            }
        }
    }
}

impl<L, E> Middleware<E> for TowerLayer<L>
where
    E: Endpoint + 'static,
    L: Layer<BridgeService<E>>,
    L::Service: Service<http::Request<RequestCarrier>, Response = http::Response<ResponseCarrier>>
        + Clone
        + Send
        + Sync
        + 'static,
    <L::Service as Service<http::Request<RequestCarrier>>>::Future: Send,
    <L::Service as Service<http::Request<RequestCarrier>>>::Error: std::fmt::Display + Send,
{
    type Output = TowerEndpoint<L::Service>;

    fn transform(&self, endpoint: E) -> Self::Output {
        TowerEndpoint {
            service: self.layer.layer(BridgeService {
                endpoint: Arc::new(endpoint),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::{handler, EndpointExt};

    /// A layer that adds a request extension and a response header, as session
    /// layers do.
    #[derive(Clone)]
    struct Stamp;

    #[derive(Clone)]
    struct StampService<S>(S);

    impl<S> Layer<S> for Stamp {
        type Service = StampService<S>;
        fn layer(&self, inner: S) -> Self::Service {
            StampService(inner)
        }
    }

    impl<S, B> Service<http::Request<B>> for StampService<S>
    where
        S: Service<http::Request<B>, Response = http::Response<ResponseCarrier>> + Send,
        S::Future: Send + 'static,
    {
        type Response = S::Response;
        type Error = S::Error;
        type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
            self.0.poll_ready(cx)
        }

        fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
            req.extensions_mut().insert(String::from("stamped"));
            let fut = self.0.call(req);
            Box::pin(async move {
                let mut res = fut.await?;
                res.headers_mut()
                    .insert("x-stamp", http::HeaderValue::from_static("yes"));
                Ok(res)
            })
        }
    }

    #[handler]
    fn show(req: &Request) -> String {
        req.extensions()
            .get::<String>()
            .cloned()
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn layer_sees_request_and_response() {
        let app = show.with(TowerLayer::new(Stamp));
        let resp = app
            .get_response(Request::builder().uri_str("/x").finish())
            .await;
        assert_eq!(resp.headers().get("x-stamp").unwrap(), "yes");
        assert_eq!(resp.into_body().into_string().await.unwrap(), "stamped");
    }
}
