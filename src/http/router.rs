//! The router (route groups, their authentication, the middleware stack) and the server
//! loop with graceful shutdown.

use std::future::{Future, IntoFuture};
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::header::{ACCEPT_RANGES, CONTENT_RANGE, ETAG, VARY};
use axum::http::{HeaderName, Method};
use axum::routing::{any, get};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use super::guard::{GuardLayer, REQUEST_ID};
use super::{
    download, error, health, ogc, static_files, styles, tilejson, tiles, AppState, CorsOrigins,
};

/// The application's routes and middleware.
///
/// Route groups and their authentication (`[auth]`): `tiles` = `/tiles/*`, `/tiles.json`,
/// `/styles/*`, the OGC API tile routes and tile metadata (`/ogc/tiles*`,
/// `/ogc/tileMatrixSets*`, `/ogc/collections/{id}/tiles*`) and the front end (the fallback);
/// `api` = `/api/*` except `/api/health`, which stays open for probes, plus the OGC API
/// feature routes (`/ogc`, `/ogc/conformance`, `/ogc/collections[/{id}[/items[/{id}]]]`) and
/// `/data/{layer}.fgb`, which expose every attribute; `metrics` = `/metrics`.
pub fn router(state: AppState) -> Router {
    let settings = state.settings();
    let auth = &settings.auth;
    let tiles = auth.tiles.protect(
        Router::new()
            .route("/tiles/{z}/{x}/{y}", get(tiles::tile))
            .route(
                "/tiles.json",
                get(tilejson::tilejson).layer(CompressionLayer::new()),
            )
            .route(
                "/styles/{file}",
                get(styles::style).layer(CompressionLayer::new()),
            )
            .merge(ogc::tile_routes()),
    );
    let front_end = auth
        .tiles
        .protect(Router::new().fallback(static_files::serve_static));
    let api = auth.api.protect(
        super::api::routes()
            .route("/api/{*rest}", any(error::not_found))
            .merge(ogc::feature_routes())
            .route("/data/{file}", get(download::fgb)),
    );
    let metrics = auth.metrics.protect(Router::new().route(
        "/metrics",
        get(health::metrics).layer(CompressionLayer::new()),
    ));
    let open = Router::new().route(
        "/api/health",
        get(health::health).layer(CompressionLayer::new()),
    );
    let guard = GuardLayer::new(
        std::sync::Arc::clone(state.metrics()),
        settings.request_timeout,
        settings.max_body_bytes,
        settings.slow_request,
    );
    let body_limit = usize::try_from(settings.max_body_bytes).unwrap_or(usize::MAX);
    let cors = cors_layer(&settings.cors_origins);
    Router::new()
        .merge(tiles)
        .merge(api)
        .merge(metrics)
        .merge(open)
        .merge(front_end)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(cors)
        .layer(guard)
        .with_state(state)
}

fn cors_layer(origins: &CorsOrigins) -> CorsLayer {
    let allow = match origins {
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(list.iter().cloned()),
    };
    let layer = CorsLayer::new()
        .allow_origin(allow)
        // POST: /mcp.
        .allow_methods([Method::GET, Method::HEAD, Method::POST])
        // Mirrored, not `*`: a wildcard does not cover `Authorization`.
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            ETAG,
            VARY,
            // Range reads from the browser (flatgeobuf's JS reader).
            ACCEPT_RANGES,
            CONTENT_RANGE,
            REQUEST_ID,
            HeaderName::from_static("retry-after"),
        ])
        .max_age(Duration::from_secs(3600));
    match origins {
        // A fixed `*` does not depend on the request's Origin: no need to vary on it.
        CorsOrigins::Any => layer.vary([]),
        CorsOrigins::List(_) => layer,
    }
}

/// Serves `state` on `listener` until `shutdown` completes, then finishes the requests in
/// flight (however long they take) and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
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
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    timing: ShutdownTiming,
) -> std::io::Result<bool> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        // Small responses (tiles, 304s) must not wait for Nagle.
        let _ = tcp.set_nodelay(true);
    });
    let (closing_tx, closing_rx) = tokio::sync::oneshot::channel::<()>();
    let drain_state = state.clone();
    let stop = async move {
        shutdown.await;
        drain_state.start_draining();
        if !timing.delay.is_zero() {
            tracing::info!(
                seconds = timing.delay.as_secs_f64(),
                "draining before closing the listener"
            );
            tokio::time::sleep(timing.delay).await;
        }
        tracing::info!(
            in_flight = drain_state.metrics().in_flight(),
            "closing the listener; finishing requests in flight"
        );
        let _ = closing_tx.send(());
    };
    let server = axum::serve(listener, router(state))
        .with_graceful_shutdown(stop)
        .into_future();
    tokio::pin!(server);
    let Some(grace) = timing.grace else {
        server.await?;
        return Ok(true);
    };
    tokio::select! {
        res = &mut server => return res.map(|()| true),
        _ = closing_rx => {}
    }
    match tokio::time::timeout(grace, &mut server).await {
        Ok(res) => res.map(|()| true),
        Err(_) => {
            tracing::warn!(
                grace_s = grace.as_secs_f64(),
                "grace period over: closing connections with requests still in flight"
            );
            Ok(false)
        }
    }
}
