//! [`AppState`]: what every handler shares — the snapshot cell, the tile cache, the
//! settings, the metrics and the lifecycle flags.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use axum::http::HeaderValue;

use super::api::graph::GraphCache;
use super::api::kpi::HistoryCache;
use super::static_files::StaticDir;
use super::Settings;
use crate::cache::TileCache;
use crate::index::Snapshot;
use crate::metrics::Metrics;

struct Inner {
    snapshot: Arc<ArcSwap<Snapshot>>,
    cache: TileCache,
    settings: Settings,
    static_dir: Option<StaticDir>,
    styles_dir: Option<StaticDir>,
    metrics: Arc<Metrics>,
    started: Instant,
    /// Milliseconds after `started` at which the current snapshot was published.
    published_ms: AtomicU64,
    draining: AtomicBool,
    /// The topology graph of the current snapshot, built on first use.
    graph: GraphCache,
    /// The synthetic outage history of the current snapshot, computed on first use.
    history: HistoryCache,
}

/// State shared by all handlers. Cloning is one `Arc` increment.
///
/// The snapshot lives in an [`ArcSwap`]: a request takes the current snapshot without a lock
/// and keeps it to the end, while a writer publishes a new one atomically.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    /// State serving `snapshot` through `cache`. Static and styles directories that cannot
    /// be opened are logged and not served (`app::prepare` checks them first).
    pub fn new(snapshot: Snapshot, cache: TileCache, settings: Settings) -> AppState {
        let open = |dir: &Option<std::path::PathBuf>, what: &str| {
            let dir = dir.as_ref()?;
            StaticDir::open(dir)
                .map_err(|e| tracing::warn!(dir = %dir.display(), "{what} not served: {e}"))
                .ok()
        };
        AppState(Arc::new(Inner {
            snapshot: Arc::new(ArcSwap::from_pointee(snapshot)),
            cache,
            static_dir: open(&settings.static_dir, "front end"),
            styles_dir: open(&settings.styles_dir, "styles"),
            settings,
            metrics: Arc::new(Metrics::default()),
            started: Instant::now(),
            published_ms: AtomicU64::new(0),
            draining: AtomicBool::new(false),
            graph: GraphCache::default(),
            history: HistoryCache::default(),
        }))
    }

    /// The snapshot being served now.
    pub fn snapshot_arc(&self) -> Arc<Snapshot> {
        self.0.snapshot.load_full()
    }

    /// The swap cell itself, for a writer that publishes snapshots on its own. Versions must
    /// increase: the cache tells snapshots apart by version. Such a writer should call
    /// [`AppState::mark_published`] too.
    pub fn snapshot_cell(&self) -> Arc<ArcSwap<Snapshot>> {
        Arc::clone(&self.0.snapshot)
    }

    /// Serves `snapshot` from now on (its version must be higher than the current one) and
    /// drops the tiles cached for older snapshots.
    pub fn publish(&self, snapshot: Snapshot) {
        let new = snapshot.version;
        let old = self.0.snapshot.swap(Arc::new(snapshot)).version;
        if new <= old {
            tracing::warn!(
                old,
                new,
                "published a snapshot whose version does not increase"
            );
        }
        self.mark_published();
        self.0.cache.invalidate_all();
    }

    /// Records that a new snapshot was published now (for the snapshot-age metric).
    pub fn mark_published(&self) {
        let ms = u64::try_from(self.0.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.0.published_ms.store(ms, Ordering::Relaxed);
    }

    /// Time since the current snapshot was published.
    pub fn snapshot_age(&self) -> Duration {
        let published = Duration::from_millis(self.0.published_ms.load(Ordering::Relaxed));
        self.uptime().saturating_sub(published)
    }

    /// The tile cache.
    pub fn cache(&self) -> &TileCache {
        &self.0.cache
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.0.metrics
    }

    /// The topology graph cache (keyed by snapshot version).
    pub fn graph_cache(&self) -> &GraphCache {
        &self.0.graph
    }

    /// The synthetic outage history cache (keyed by snapshot version).
    pub fn history_cache(&self) -> &HistoryCache {
        &self.0.history
    }

    /// The front-end directory, if served.
    pub fn static_dir(&self) -> Option<&StaticDir> {
        self.0.static_dir.as_ref()
    }

    /// The styles directory, if served.
    pub fn styles_dir(&self) -> Option<&StaticDir> {
        self.0.styles_dir.as_ref()
    }

    /// `Cache-Control` of tile responses.
    pub(crate) fn cache_control(&self) -> &HeaderValue {
        &self.0.settings.cache_control
    }

    /// Time since the state was created.
    pub fn uptime(&self) -> Duration {
        self.0.started.elapsed()
    }

    /// Starts draining: `/api/health` answers `503` from now on, so load balancers stop
    /// sending traffic before the listener closes.
    pub fn start_draining(&self) {
        self.0.draining.store(true, Ordering::Relaxed);
    }

    /// True once shutdown has begun.
    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::Relaxed)
    }
}
