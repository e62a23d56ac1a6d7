//! The HTTP layer (axum): routes, shared state and the server loop.
//!
//! Routes: `GET /tiles/{z}/{x}/{y}.mvt` ([`tiles`]), `GET /tiles.json` ([`tilejson`]),
//! `GET /api/health` ([`health`]); anything else is a JSON 404 or 405 ([`error`]).
//!
//! Middleware is deliberately thin: CORS on everything, gzip compression only on the JSON
//! routes (tiles are stored gzip-compressed already), no per-request tracing spans on tiles.

pub mod error;
pub mod health;
mod layers;
pub mod tilejson;
pub mod tiles;

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use axum::http::header::{ETAG, VARY};
use axum::http::{HeaderValue, Method};
use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use crate::cache::TileCache;
use crate::index::{Snapshot, Update};
use crate::live::{ChangeEvent, SourceStatus, CHANNEL_CAPACITY};

pub use error::ApiError;

/// Default `Cache-Control` of tile responses.
pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=60";

/// Which origins may read responses cross-origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Any origin (`Access-Control-Allow-Origin: *`).
    #[default]
    Any,
    /// Only these origins (e.g. `https://maps.example.com`).
    List(Vec<HeaderValue>),
}

/// Server settings that do not change while it runs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Base URL clients reach the server at (no trailing `/`), used for TileJSON tile URLs.
    /// `None`: derived from each request's `Host` / `X-Forwarded-*` headers.
    pub public_url: Option<String>,
    /// `Cache-Control` of tile responses.
    pub cache_control: HeaderValue,
    /// CORS policy.
    pub cors_origins: CorsOrigins,
    /// TileJSON `name`.
    pub name: String,
    /// TileJSON `attribution`.
    pub attribution: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: None,
            cache_control: HeaderValue::from_static(DEFAULT_CACHE_CONTROL),
            cors_origins: CorsOrigins::Any,
            name: "gridtiles".to_owned(),
            attribution: None,
        }
    }
}

struct Inner {
    snapshot: ArcSwap<Snapshot>,
    cache: TileCache,
    settings: Settings,
    started: Instant,
    /// Serializes publishers (invalidate, then swap).
    writer: Mutex<()>,
    changes: tokio::sync::broadcast::Sender<Arc<ChangeEvent>>,
    source: ArcSwap<SourceStatus>,
}

/// State shared by all handlers. Cloning is one `Arc` increment.
///
/// The snapshot lives in an [`ArcSwap`]: a request takes the current snapshot without a lock
/// and keeps it to the end, while a writer publishes a new one atomically — always through
/// [`AppState::publish`] or [`AppState::publish_update`], which invalidate cached tiles first
/// (the cache keeps tiles across versions).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// State serving `snapshot` through `cache`.
    pub fn new(snapshot: Snapshot, cache: TileCache, settings: Settings) -> AppState {
        let (changes, _) = tokio::sync::broadcast::channel(CHANNEL_CAPACITY);
        AppState(Arc::new(Inner {
            snapshot: ArcSwap::from_pointee(snapshot),
            cache,
            settings,
            started: Instant::now(),
            writer: Mutex::new(()),
            changes,
            source: ArcSwap::from_pointee(SourceStatus::ok("demo")),
        }))
    }

    /// The snapshot being served now.
    pub fn snapshot_arc(&self) -> Arc<Snapshot> {
        self.0.snapshot.load_full()
    }

    /// Serves `snapshot` from now on, replacing the data wholesale (its version must be
    /// higher than the current one): every cached tile is dropped first.
    pub fn publish(&self, snapshot: Snapshot) {
        let _writer = self.0.writer.lock().unwrap_or_else(|e| e.into_inner());
        let new = snapshot.version;
        let old = self.0.snapshot.load().version;
        if new <= old {
            tracing::warn!(
                old,
                new,
                "published a snapshot whose version does not increase"
            );
        }
        self.0.cache.invalidate_everything(new);
        retire(self.0.snapshot.swap(Arc::new(snapshot)));
    }

    /// Publishes an incremental update of the current snapshot (from
    /// [`Snapshot::apply`]): removes exactly the cached tiles it makes stale, then swaps the
    /// snapshot in, records its version as the source's `last_change_version`, then sends a
    /// [`ChangeEvent`] to subscribers, which it returns. Readers
    /// never wait. The update must have been computed from the snapshot being served (one
    /// writer at a time).
    pub fn publish_update(&self, update: Update, resync: bool) -> Arc<ChangeEvent> {
        let _writer = self.0.writer.lock().unwrap_or_else(|e| e.into_inner());
        let Update {
            snapshot,
            invalidation,
            changes,
        } = update;
        let version = snapshot.version;
        let base = self.0.snapshot.load().version;
        if version <= base {
            tracing::warn!(base, version, "update version does not increase");
        }
        let invalidation = Arc::new(invalidation);
        let removed = self.0.cache.invalidate(version, &invalidation);
        retire(self.0.snapshot.swap(Arc::new(snapshot)));
        let event = Arc::new(ChangeEvent::new(version, changes, &invalidation, resync));
        let mut source = SourceStatus::clone(&self.0.source.load());
        source.last_change_version = version;
        self.0.source.store(Arc::new(source));
        tracing::debug!(
            version,
            changes = event.changes.len(),
            tiles = event.invalidated_tiles.len(),
            removed,
            "published update"
        );
        // No subscriber is not an error.
        let _ = self.0.changes.send(Arc::clone(&event));
        event
    }

    /// A receiver of every [`ChangeEvent`] published from now on.
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<Arc<ChangeEvent>> {
        self.0.changes.subscribe()
    }

    /// The data source's state, as `/api/health` reports it.
    pub fn source_status(&self) -> Arc<SourceStatus> {
        self.0.source.load_full()
    }

    /// Sets the data source's state.
    pub fn set_source_status(&self, status: SourceStatus) {
        self.0.source.store(Arc::new(status));
    }

    /// The tile cache.
    pub fn cache(&self) -> &TileCache {
        &self.0.cache
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// `Cache-Control` of tile responses.
    pub(crate) fn cache_control(&self) -> &HeaderValue {
        &self.0.settings.cache_control
    }

    /// Time since the state was created.
    pub fn uptime(&self) -> Duration {
        self.0.started.elapsed()
    }
}

/// Drops a replaced snapshot on the blocking pool when this is its last reference: freeing
/// millions of features takes long enough to stall an async worker.
fn retire(old: Arc<Snapshot>) {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => {
            rt.spawn_blocking(move || drop(old));
        }
        Err(_) => drop(old),
    }
}

/// The application's routes and middleware.
pub fn router(state: AppState) -> Router {
    let cors = cors_layer(&state.settings().cors_origins);
    let json_routes = Router::new()
        .route("/tiles.json", get(tilejson::tilejson))
        .route("/api/health", get(health::health))
        .layer(CompressionLayer::new());
    Router::new()
        .route("/tiles/{z}/{x}/{y}", get(tiles::tile))
        .merge(json_routes)
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(cors)
        .with_state(state)
}

fn cors_layer(origins: &CorsOrigins) -> CorsLayer {
    let allow = match origins {
        CorsOrigins::Any => AllowOrigin::any(),
        CorsOrigins::List(list) => AllowOrigin::list(list.iter().cloned()),
    };
    let layer = CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers(Any)
        .expose_headers([ETAG, VARY])
        .max_age(Duration::from_secs(3600));
    match origins {
        // A fixed `*` does not depend on the request's Origin: no need to vary on it.
        CorsOrigins::Any => layer.vary([]),
        CorsOrigins::List(_) => layer,
    }
}

/// Serves `state` on `listener` until `shutdown` completes, then finishes the requests in
/// flight and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        // Small responses (tiles, 304s) must not wait for Nagle.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
