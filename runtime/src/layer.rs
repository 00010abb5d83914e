//! The automatic role selector as a `tower` Layer (cargo feature `tower`), for axum and any
//! other tower-based HTTP stack.
//!
//! Each request runs inside [`Selector::run`]: POST, PUT, PATCH and DELETE are write requests
//! (every statement on the writer); GET, HEAD and the rest read from replicas unless the
//! session must see its own recent writes. The session's last write travels in a cookie by
//! default ([`CookieResolver`]); implement [`Resolver`] to keep it elsewhere.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::header::{COOKIE, HeaderValue, SET_COOKIE};
use http::{HeaderMap, Method, Request, Response};

use crate::selector::{LastWrite, Selector};

/// Where a session's last write is kept between requests (Rails' resolver context).
pub trait Resolver: Clone + Send + Sync + 'static {
    /// The session's last write, from the request.
    fn last_write(&self, request: &HeaderMap) -> Option<LastWrite>;
    /// Store the session's new last write, in the response.
    fn record(&self, response: &mut HeaderMap, last: &LastWrite);
}

/// Keeps the last write in a cookie, `switchyard_last_write` unless renamed.
#[derive(Debug, Clone)]
pub struct CookieResolver {
    name: &'static str,
}

impl Default for CookieResolver {
    fn default() -> Self {
        CookieResolver {
            name: "switchyard_last_write",
        }
    }
}

impl CookieResolver {
    /// A resolver using the cookie `name`.
    pub fn named(name: &'static str) -> Self {
        CookieResolver { name }
    }
}

impl Resolver for CookieResolver {
    fn last_write(&self, request: &HeaderMap) -> Option<LastWrite> {
        request
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == self.name)
            .and_then(|(_, value)| LastWrite::decode(value))
    }

    fn record(&self, response: &mut HeaderMap, last: &LastWrite) {
        let cookie = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Lax",
            self.name,
            last.encode()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.append(SET_COOKIE, value);
        }
    }
}

/// Tower layer running every request through a [`Selector`].
#[derive(Debug, Clone)]
pub struct SelectorLayer<R = CookieResolver> {
    selector: Selector,
    resolver: R,
}

impl SelectorLayer {
    /// A layer with the cookie resolver.
    pub fn new(selector: Selector) -> Self {
        SelectorLayer {
            selector,
            resolver: CookieResolver::default(),
        }
    }
}

impl<R: Resolver> SelectorLayer<R> {
    /// The same layer keeping the last write with `resolver`.
    pub fn with_resolver<R2: Resolver>(self, resolver: R2) -> SelectorLayer<R2> {
        SelectorLayer {
            selector: self.selector,
            resolver,
        }
    }
}

impl<S, R: Resolver> tower::Layer<S> for SelectorLayer<R> {
    type Service = SelectorService<S, R>;

    fn layer(&self, inner: S) -> Self::Service {
        SelectorService {
            inner,
            selector: self.selector.clone(),
            resolver: self.resolver.clone(),
        }
    }
}

/// The service [`SelectorLayer`] wraps around an inner service.
#[derive(Debug, Clone)]
pub struct SelectorService<S, R = CookieResolver> {
    inner: S,
    selector: Selector,
    resolver: R,
}

/// Whether an HTTP method writes (Rails' rule: everything but GET and HEAD).
fn writes(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl<S, R, B, ResB> tower::Service<Request<B>> for SelectorService<S, R>
where
    S: tower::Service<Request<B>, Response = Response<ResB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    R: Resolver,
    B: Send + 'static,
    ResB: Send + 'static,
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
        let selector = self.selector.clone();
        let resolver = self.resolver.clone();
        Box::pin(async move {
            let write = writes(request.method());
            let last = resolver.last_write(request.headers());
            let (response, recorded) = selector.run(write, last, inner.call(request)).await;
            let mut response = response?;
            if let Some(last) = recorded {
                resolver.record(response.headers_mut(), &last);
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_round_trip() {
        let resolver = CookieResolver::default();
        let last = LastWrite {
            at_unix_ms: 42,
            positions: vec![],
        };
        let mut response = HeaderMap::new();
        resolver.record(&mut response, &last);
        let set = response[SET_COOKIE].to_str().expect("ascii");
        let pair = set.split(';').next().expect("pair");
        let mut request = HeaderMap::new();
        request.insert(
            COOKIE,
            HeaderValue::from_str(&format!("other=1; {pair}")).expect("header"),
        );
        assert_eq!(resolver.last_write(&request), Some(last));
        assert!(writes(&Method::POST) && writes(&Method::DELETE) && !writes(&Method::GET));
    }
}
