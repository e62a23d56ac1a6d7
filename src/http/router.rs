//! The router: route groups, their authentication, the middleware stack (the server loop
//! is `http::serve`).
//!
//! The middleware every request passes (guard, CORS, body limit) wraps the router once
//! ([`stack`]) rather than through `Router::layer`, which would wrap each route in another
//! boxed service: on the tile hot path that was six allocations and three dynamic calls a
//! request.

use std::time::Duration;

use std::convert::Infallible;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::{ACCEPT_RANGES, CONTENT_RANGE, ETAG, VARY};
use axum::http::{HeaderName, Method};
use axum::response::Response;
use axum::routing::{any, get};
use axum::Router;
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceBuilder};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

use super::guard::{GuardLayer, REQUEST_ID};
use super::{
    basemap, download, error, health, ogc, static_files, styles, tilejson, tiles, AppState,
    CorsOrigins,
};

/// The whole application as one service (boxed once): what tests and tools send requests
/// to. The server loop uses [`stack`] unboxed.
pub type App = BoxCloneSyncService<Request, Response, Infallible>;

/// The application's routes and middleware, boxed ([`App`]).
pub fn router(state: AppState) -> App {
    BoxCloneSyncService::new(stack(state))
}

/// The application's routes and middleware.
///
/// Route groups and their authentication (`[auth]`): `tiles` = `/tiles/*`, `/tiles.json`,
/// `/styles/*`, `/fonts*`, `/sprites/*`, the OGC API tile routes and tile metadata (`/ogc/tiles*`,
/// `/ogc/tileMatrixSets*`, `/ogc/collections/{id}/tiles*`) and the front end (the fallback);
/// `api` = `/api/*` except `/api/health`, which stays open for probes, plus the OGC API
/// feature routes (`/ogc`, `/ogc/conformance`, `/ogc/collections[/{id}[/items[/{id}]]]`) and
/// `/data/{layer}.fgb`, which expose every attribute; `metrics` = `/metrics`.
pub fn stack(
    state: AppState,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send>
       + Clone
       + Send
       + Sync
       + 'static {
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
            .merge(ogc::tile_routes())
            .merge(super::carto::routes(&state))
            .route("/basemap/{z}/{x}/{y}", get(basemap::tile))
            .route(
                "/basemap.json",
                get(basemap::basemap_json).layer(CompressionLayer::new()),
            ),
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
    let routes = Router::new()
        .merge(tiles)
        .merge(api)
        .merge(metrics)
        .merge(open)
        .merge(front_end)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state);
    ServiceBuilder::new()
        .layer(guard)
        .layer(cors)
        .layer(DefaultBodyLimit::max(body_limit))
        .service(routes)
}

fn cors_layer(origins: &CorsOrigins) -> CorsLayer {
    let allow = match origins {
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(list.iter().cloned()),
    };
    let layer = CorsLayer::new()
        .allow_origin(allow)
        // POST: the Grid API's writes (`/api/outages/{id}/dispatch`) and `/mcp`; their routes
        // are POST-only, every other route stays GET/HEAD (405 otherwise).
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
