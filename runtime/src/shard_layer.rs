//! Shard scopes as a `tower` Layer (cargo feature `tower`; Rails' `ShardSelector`): every HTTP
//! request runs in the [`Shards`] scope its resolver picks, e.g. the tenant's shard.
//!
//! The resolver sees the request's head ([`Parts`]) and answers either the scope to run the
//! request in or a response that ends the request there (an unknown tenant: 404). It is async
//! and may query the database itself (a tenant directory in an unsharded cluster). The layer
//! stacks with [`SelectorLayer`](crate::SelectorLayer) in either order.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::request::Parts;
use http::{Request, Response, StatusCode};

use crate::shard_scope::Shards;

/// Picks the [`Shards`] scope a request runs in, or the response that ends it.
///
/// `B` is the response body type of the wrapped service (`axum::body::Body` under axum).
/// Implemented by every `Fn(&Parts) -> impl Future<Output = Result<Shards, Response<B>>>`
/// closure that is `Clone + Send + Sync + 'static` with a `Send` future (annotate the
/// argument: `|parts: &Parts| ..`); such a future owns what it needs (clone the header out of
/// `parts` before the `async move`). Implement the trait on a type of your own for a future
/// that borrows the resolver and the request head:
///
/// ```ignore
/// #[derive(Clone)]
/// struct Tenants(db::Database);
///
/// impl ShardResolver<Body> for Tenants {
///     async fn resolve(&self, parts: &Parts) -> Result<Shards, Response<Body>> {
///         let name = parts.headers.get("x-tenant").and_then(|v| v.to_str().ok());
///         let tenant = match name {
///             Some(name) => self.0.primary().tenants().find_by_name(name).await,
///             None => Ok(None),
///         };
///         match tenant {
///             Ok(Some(tenant)) => Ok(Shards::new().with(tenant.shard())),
///             Ok(None) => Err(StatusCode::NOT_FOUND.into_response()),
///             Err(_) => Err(StatusCode::SERVICE_UNAVAILABLE.into_response()),
///         }
///     }
/// }
/// ```
pub trait ShardResolver<B>: Clone + Send + Sync + 'static {
    /// The scope to run the request with head `parts` in, or the response to send instead
    /// (the wrapped service is then not called).
    fn resolve(&self, parts: &Parts) -> impl Future<Output = Result<Shards, Response<B>>> + Send;
}

impl<F, Fut, B> ShardResolver<B> for F
where
    F: Fn(&Parts) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Shards, Response<B>>> + Send,
{
    fn resolve(&self, parts: &Parts) -> impl Future<Output = Result<Shards, Response<B>>> + Send {
        self(parts)
    }
}

/// Tower layer running every request in the [`Shards`] scope its [`ShardResolver`] picks.
///
/// ```ignore
/// let app = Router::new()
///     .route("/dogs", get(list_dogs))
///     .layer(ShardLayer::new(|parts: &Parts| {
///         let tenant = parts.headers.get("x-tenant").cloned();
///         async move {
///             match tenant.as_ref().map(|v| v.as_bytes()) {
///                 Some(b"a") => Ok(Shards::new().with(AnimalsShard::Default)),
///                 Some(b"b") => Ok(Shards::new().with(AnimalsShard::ShardOne)),
///                 _ => Err(StatusCode::NOT_FOUND.into_response()),
///             }
///         }
///     }))
///     .layer(SelectorLayer::new(selector));
/// ```
#[derive(Debug, Clone)]
pub struct ShardLayer<R> {
    resolver: R,
    lock: bool,
}

impl<R> ShardLayer<R> {
    /// A layer resolving each request's scope with `resolver`, locked.
    pub fn new(resolver: R) -> Self {
        ShardLayer {
            resolver,
            lock: true,
        }
    }

    /// Whether the resolved scopes are locked ([`Shards::lock`], the default `true`): it
    /// replaces the lock of the scope the resolver returns. Inside a locked request, a handle
    /// or a nested scope reaching another shard of a cluster the scope names is refused with
    /// [`Error::ShardLocked`](crate::Error::ShardLocked).
    pub fn lock(mut self, lock: bool) -> Self {
        self.lock = lock;
        self
    }
}

impl<S, R: Clone> tower::Layer<S> for ShardLayer<R> {
    type Service = ShardService<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        ShardService {
            inner,
            resolver: self.resolver.clone(),
            lock: self.lock,
        }
    }
}

/// The service [`ShardLayer`] wraps around an inner service.
///
/// The inner service is called inside the resolved scope, so the scope also covers work its
/// `call` does before returning its future. When the scope is refused (this layer runs inside
/// a scope locked to another shard of a cluster the resolved scope names, e.g. under another
/// `ShardLayer`), the inner service is not called and the response is
/// `500 Internal Server Error` with an empty (default) body.
#[derive(Debug, Clone)]
pub struct ShardService<S, R> {
    inner: S,
    resolver: R,
    lock: bool,
}

impl<S, R, B, ResB> tower::Service<Request<B>> for ShardService<S, R>
where
    S: tower::Service<Request<B>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    R: ShardResolver<ResB>,
    B: Send + 'static,
    ResB: Default + Send + 'static,
{
    type Response = Response<ResB>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual dance).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let resolver = self.resolver.clone();
        let lock = self.lock;
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let shards = match resolver.resolve(&parts).await {
                Ok(shards) => shards.lock(lock),
                Err(response) => return Ok(response),
            };
            let request = Request::from_parts(parts, body);
            match shards.run(async move { inner.call(request).await }).await {
                Ok(response) => response,
                Err(error) => {
                    tracing::warn!(target: "switchyard::shards", %error, "request refused by the enclosing shard scope");
                    let mut response = Response::new(ResB::default());
                    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                    Ok(response)
                }
            }
        })
    }
}
