//! The server loop: accept connections (at most `max_connections` at once), serve each with
//! hyper's HTTP/1 connection (request heads read within `header_read_timeout`, automatic
//! protocol errors given a JSON body by [`super::protocol_errors`]), pass the peer address
//! to the handlers as `ConnectInfo<SocketAddr>`, and shut down gracefully: drain, close the
//! listener, finish the requests in flight within the grace period.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;

use super::protocol_errors::JsonProtocolErrors;
use super::router::stack;
use super::AppState;

/// Serves `state` on `listener` until `shutdown` completes, then finishes the requests in
/// flight (however long they take) and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_until(listener, state, shutdown, ShutdownTiming::default())
        .await
        .map(|_| ())
}

/// How shutdown proceeds once its signal arrives.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShutdownTiming {
    /// Keep serving this long with `/api/health` answering `503` (draining).
    pub delay: Duration,
    /// Then close the listener and wait at most this long for requests in flight; `None`:
    /// wait for all.
    pub grace: Option<Duration>,
}

/// Serves `state` on `listener`; when `shutdown` completes: drain for `timing.delay`, stop
/// accepting, finish requests in flight within `timing.grace`. Returns `true` when every
/// request finished, `false` when the grace period cut some off.
pub async fn serve_until(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timing: ShutdownTiming,
) -> std::io::Result<bool> {
    let settings = state.settings();
    let header_timeout = settings.header_read_timeout;
    let slots = Arc::new(Semaphore::new(settings.max_connections));
    let app = stack(state.clone());
    let stop = drain(shutdown, state, timing.delay);
    tokio::pin!(stop);
    let graceful = GracefulShutdown::new();
    loop {
        // A slot first: beyond the cap, clients wait in the kernel's backlog.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_closed) => break,
            },
            () = &mut stop => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // Small responses (tiles, 304s) must not wait for Nagle.
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
        // HTTP/1 only, as axum::serve without axum's `http2` feature.
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(JsonProtocolErrors::new(tcp)), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    let Some(grace) = timing.grace else {
        graceful.shutdown().await;
        return Ok(true);
    };
    match tokio::time::timeout(grace, graceful.shutdown()).await {
        Ok(()) => Ok(true),
        Err(_) => {
            tracing::warn!(
                grace_s = grace.as_secs_f64(),
                "grace period over: closing connections with requests still in flight"
            );
            Ok(false)
        }
    }
}

/// Completes when the listener should close: after `shutdown`, with the state draining for
/// `delay`.
async fn drain(shutdown: impl Future<Output = ()>, state: AppState, delay: Duration) {
    shutdown.await;
    state.start_draining();
    if !delay.is_zero() {
        tracing::info!(
            seconds = delay.as_secs_f64(),
            "draining before closing the listener"
        );
        tokio::time::sleep(delay).await;
    }
    tracing::info!(
        in_flight = state.metrics().in_flight(),
        "closing the listener; finishing requests in flight"
    );
}

/// An accept error: a vanished client is nothing; anything else (out of file descriptors)
/// is logged and retried after a pause, as axum::serve does.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
