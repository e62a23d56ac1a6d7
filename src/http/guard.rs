//! The outermost middleware, one layer for every request: a request id, the body-size
//! limit, the request timeout, metrics (per route template and status), the slow-request
//! log and `X-Content-Type-Options: nosniff`.
//!
//! It is a hand-written tower service rather than `axum::middleware::from_fn`, so the tile
//! hot path pays no boxing: a few relaxed atomic adds, one `Instant::now()` pair and the
//! request-id header. It wraps the whole router once (not `Router::layer`, which wraps and
//! boxes every route again), so it runs before routing and classifies the request by its
//! path ([`Route::from_path`]).

use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::io::Write as _;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderName, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::error::ApiError;
use crate::metrics::{Metrics, Route};

/// The request id header, taken from the request when an upstream proxy set a sane one.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");

#[derive(Debug)]
struct Config {
    metrics: Arc<Metrics>,
    timeout: Duration,
    max_body: u64,
    slow: Option<Duration>,
    id_prefix: u32,
}

/// Builds [`Guard`] services.
#[derive(Clone, Debug)]
pub struct GuardLayer(Arc<Config>);

impl GuardLayer {
    /// A layer recording into `metrics`, answering `503` after `timeout`, `413` above
    /// `max_body` bytes and logging requests slower than `slow`.
    pub fn new(
        metrics: Arc<Metrics>,
        timeout: Duration,
        max_body: u64,
        slow: Option<Duration>,
    ) -> GuardLayer {
        GuardLayer(Arc::new(Config {
            metrics,
            timeout,
            max_body,
            slow,
            id_prefix: rand::random(),
        }))
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;
    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            cfg: Arc::clone(&self.0),
        }
    }
}

/// See the module docs.
#[derive(Clone, Debug)]
pub struct Guard<S> {
    inner: S,
    cfg: Arc<Config>,
}

impl<S> Service<Request> for Guard<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let start = Instant::now();
        let route = Route::from_path(req.uri().path());
        let id = request_id(&req, &self.cfg);
        self.cfg.metrics.start_request();
        let info = Info {
            start,
            route,
            id,
            method: req.method().clone(),
            uri: req.uri().clone(),
            cfg: Arc::clone(&self.cfg),
        };
        let too_large = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .is_some_and(|n| n > self.cfg.max_body);
        let state = if too_large {
            State::Done {
                res: Some(ApiError::PayloadTooLarge(self.cfg.max_body).into_response()),
            }
        } else {
            State::Running {
                fut: tokio::time::timeout(self.cfg.timeout, self.inner.call(req)),
            }
        };
        GuardFuture {
            state,
            info: Some(info),
        }
    }
}

/// Numbers threads for request ids (process-wide: thread numbers never repeat).
static NEXT_THREAD: AtomicU32 = AtomicU32::new(0);

thread_local! {
    /// This thread's number and its next request number.
    static LOCAL_IDS: Cell<(u32, u64)> = const { Cell::new((u32::MAX, 0)) };
}

/// Takes a sane upstream request id or makes one (`<process prefix>-<thread>-<count>` in
/// hex; the prefix is random per process, so ids from replicas do not collide). It is
/// sent back on the response and named in the logs.
fn request_id(req: &Request, cfg: &Config) -> HeaderValue {
    if let Some(v) = req.headers().get(&REQUEST_ID) {
        let b = v.as_bytes();
        if (1..=128).contains(&b.len())
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.:".contains(c))
        {
            return v.clone();
        }
    }
    // Per-thread numbering: no counter shared between cores on the hot path.
    let (thread, n) = LOCAL_IDS.with(|c| {
        let (mut thread, n) = c.get();
        if thread == u32::MAX {
            thread = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
        }
        c.set((thread, n + 1));
        (thread, n)
    });
    let mut buf = [0u8; 48];
    let mut w = &mut buf[..];
    let _ = write!(w, "{:08x}-{thread:x}-{n:x}", cfg.id_prefix);
    let len = 48 - w.len();
    HeaderValue::from_bytes(&buf[..len]).unwrap_or(HeaderValue::from_static("0"))
}

#[derive(Debug)]
struct Info {
    start: Instant,
    route: Route,
    id: HeaderValue,
    method: Method,
    uri: Uri,
    cfg: Arc<Config>,
}

impl Drop for Info {
    fn drop(&mut self) {
        // Completed or cancelled (client gone): no longer in flight either way.
        self.cfg.metrics.end_request();
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Running { #[pin] fut: tokio::time::Timeout<F> },
        Done { res: Option<Response> },
    }
}

pin_project! {
    /// The response future of [`Guard`].
    pub struct GuardFuture<F> {
        #[pin]
        state: State<F>,
        info: Option<Info>,
    }
}

impl<F> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let res = match this.state.project() {
            StateProj::Running { fut } => match fut.poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(Ok(res))) => res,
                Poll::Ready(Ok(Err(never))) => match never {},
                Poll::Ready(Err(_elapsed)) => {
                    let limit = this.info.as_ref().map_or(Duration::ZERO, |i| i.cfg.timeout);
                    ApiError::Timeout(limit).into_response()
                }
            },
            StateProj::Done { res } => res.take().unwrap_or_else(|| {
                ApiError::Internal("response polled twice".into()).into_response()
            }),
        };
        Poll::Ready(Ok(match this.info.take() {
            Some(info) => finish(res, &info),
            None => res,
        }))
    }
}

fn finish(mut res: Response, info: &Info) -> Response {
    let elapsed = info.start.elapsed();
    let status = res.status();
    let h = res.headers_mut();
    h.insert(REQUEST_ID, info.id.clone());
    if !h.contains_key(X_CONTENT_TYPE_OPTIONS) {
        h.insert(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    }
    let metrics = &info.cfg.metrics;
    metrics.route(info.route).record(status.as_u16(), elapsed);
    let slow = info.cfg.slow.is_some_and(|t| elapsed >= t);
    if slow {
        metrics.count_slow();
        tracing::warn!(
            request_id = info.id.to_str().unwrap_or("-"),
            method = %info.method,
            uri = %info.uri,
            route = info.route.template(),
            status = status.as_u16(),
            ms = elapsed.as_millis() as u64,
            "slow request"
        );
    } else {
        tracing::debug!(
            request_id = info.id.to_str().unwrap_or("-"),
            method = %info.method,
            uri = %info.uri,
            route = info.route.template(),
            status = status.as_u16(),
            us = elapsed.as_micros() as u64,
            "request"
        );
    }
    if status.is_server_error() && !slow {
        tracing::warn!(
            request_id = info.id.to_str().unwrap_or("-"),
            method = %info.method,
            uri = %info.uri,
            status = status.as_u16(),
            ms = elapsed.as_millis() as u64,
            "server error"
        );
    }
    res
}
