//! [`AppState`]: what every handler shares — the snapshot cell, the tile cache, the
//! settings, the metrics, the lifecycle flags, the change stream (and its server-sent-event
//! log) and the data source's state.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use axum::http::HeaderValue;

use super::api::graph::GraphCache;
use super::api::history_source::PgBackend;
use super::api::kpi::HistoryCache;
use super::api::version_cache::AnalyticsCaches;
use super::basemap::Basemap;
use super::download::cache::FgbCache;
use super::events::log::EventLog;
use super::static_files::StaticDir;
use super::Settings;
use crate::cache::TileCache;
use crate::index::{Snapshot, Update};
use crate::live::{ChangeEvent, SourceState, SourceStatus, CHANNEL_CAPACITY};
use crate::metrics::{DbState, Metrics};

struct Inner {
    snapshot: ArcSwap<Snapshot>,
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
    /// The FlatGeobuf downloads, built on first use per layer version.
    fgb: FgbCache,
    /// AMI rollups and the search index of the current snapshot, built on first use.
    analytics: AnalyticsCaches,
    /// Serializes publishers (invalidate, then swap).
    writer: Mutex<()>,
    /// The change stream (see [`crate::live`]).
    changes: tokio::sync::broadcast::Sender<Arc<ChangeEvent>>,
    /// The data source's state, for `/api/health`.
    source: ArcSwap<SourceStatus>,
    /// The PostgreSQL history backend, when the server reads its history from PostgreSQL.
    pg_history: OnceLock<PgBackend>,
    /// The change stream as server-sent-event frames, with the replay buffer.
    events: EventLog,
    /// The basemap tile source, when there is one (`/basemap/*`).
    basemap: OnceLock<Basemap>,
    /// Permits of `/api/events` streams (`events.max_clients`).
    events_clients: Arc<tokio::sync::Semaphore>,
    /// True once shutdown has begun (ends the event streams).
    shutdown: tokio::sync::watch::Sender<bool>,
    /// The running simulator's commands (`serve --simulate`).
    simulator: OnceLock<tokio::sync::mpsc::Sender<crate::simulate::Command>>,
    /// The PostgreSQL dispatch writer, with the PostgreSQL source.
    pg_dispatch: OnceLock<crate::source::postgres::dispatch::PgDispatch>,
    /// Serializes writes computed from the served snapshot by request handlers when no
    /// live writer runs (read, apply, publish under one lock).
    direct_writes: Mutex<()>,
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
    /// State serving `snapshot` through `cache`. Static and styles directories that cannot
    /// be opened are logged and not served (`app::prepare` checks them first).
    pub fn new(snapshot: Snapshot, cache: TileCache, settings: Settings) -> AppState {
        let open = |dir: &Option<std::path::PathBuf>, what: &str| {
            let dir = dir.as_ref()?;
            StaticDir::open(dir)
                .map_err(|e| tracing::warn!(dir = %dir.display(), "{what} not served: {e}"))
                .ok()
        };
        let (changes, _) = tokio::sync::broadcast::channel(CHANNEL_CAPACITY);
        let events = EventLog::new(snapshot.version, &settings.events);
        let events_clients = Arc::new(tokio::sync::Semaphore::new(settings.events.max_clients));
        AppState(Arc::new(Inner {
            snapshot: ArcSwap::from_pointee(snapshot),
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
            fgb: FgbCache::default(),
            analytics: AnalyticsCaches::default(),
            writer: Mutex::new(()),
            changes,
            source: ArcSwap::from_pointee(SourceStatus::ok("demo")),
            pg_history: OnceLock::new(),
            events,
            basemap: OnceLock::new(),
            events_clients,
            shutdown: tokio::sync::watch::Sender::new(false),
            simulator: OnceLock::new(),
            pg_dispatch: OnceLock::new(),
            direct_writes: Mutex::new(()),
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
        self.mark_published();
        self.0.events.push_reset(new);
    }

    /// Publishes an incremental update of the current snapshot (from
    /// [`Snapshot::apply`]): removes exactly the cached tiles it makes stale, then swaps the
    /// snapshot in, records its version as the source's `last_change_version`, then sends a
    /// [`ChangeEvent`] to subscribers, which it returns. Readers never wait. The update must
    /// have been computed from the snapshot being served (one writer at a time).
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
        self.mark_published();
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
        self.0.events.push_change(&event);
        // No subscriber is not an error.
        let _ = self.0.changes.send(Arc::clone(&event));
        event
    }

    /// The change stream as server-sent-event frames (`/api/events`).
    pub fn event_log(&self) -> &EventLog {
        &self.0.events
    }

    /// A permit for one `/api/events` stream, `None` when `events.max_clients` are open.
    pub fn events_permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        Arc::clone(&self.0.events_clients).try_acquire_owned().ok()
    }

    /// Becomes true when shutdown begins.
    pub fn shutdown_signal(&self) -> tokio::sync::watch::Receiver<bool> {
        self.0.shutdown.subscribe()
    }

    /// A receiver of every [`ChangeEvent`] published from now on.
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<Arc<ChangeEvent>> {
        self.0.changes.subscribe()
    }

    /// The data source's state, as `/api/health` reports it.
    pub fn source_status(&self) -> Arc<SourceStatus> {
        self.0.source.load_full()
    }

    /// Sets the data source's state (also the database gauges of `/metrics` when the source
    /// is PostgreSQL).
    pub fn set_source_status(&self, status: SourceStatus) {
        if status.kind == "postgres" {
            self.0.metrics.set_database(match status.state {
                SourceState::Ok => DbState::Connected,
                SourceState::Degraded => DbState::Disconnected,
            });
        }
        self.0.source.store(Arc::new(status));
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

    /// The analytics endpoints' per-version values (AMI rollups, search index).
    pub fn analytics_caches(&self) -> &AnalyticsCaches {
        &self.0.analytics
    }

    /// The FlatGeobuf downloads of `/data/{layer}.fgb`.
    pub fn fgb_cache(&self) -> &FgbCache {
        &self.0.fgb
    }

    /// The front-end directory, if served.
    pub fn static_dir(&self) -> Option<&StaticDir> {
        self.0.static_dir.as_ref()
    }

    /// The styles directory, if served.
    pub fn styles_dir(&self) -> Option<&StaticDir> {
        self.0.styles_dir.as_ref()
    }

    /// Serves the KPI, trends and AMI history from PostgreSQL from now on (once; a second
    /// call is ignored).
    pub fn use_pg_history(&self, db: crate::source::postgres::history::PgHistory) {
        let _ = self.0.pg_history.set(PgBackend::new(db));
    }

    /// The PostgreSQL history backend, if the history comes from PostgreSQL.
    pub fn pg_history(&self) -> Option<&PgBackend> {
        self.0.pg_history.get()
    }

    /// Sends commands to the simulator from now on (once; it calls this when it starts).
    pub fn use_simulator(&self, commands: tokio::sync::mpsc::Sender<crate::simulate::Command>) {
        let _ = self.0.simulator.set(commands);
    }

    /// The running simulator's command channel, if `serve --simulate` started one.
    pub fn simulator(&self) -> Option<&tokio::sync::mpsc::Sender<crate::simulate::Command>> {
        self.0.simulator.get()
    }

    /// Writes dispatches to PostgreSQL from now on (once; the PostgreSQL source sets it).
    pub fn use_pg_dispatch(&self, writer: crate::source::postgres::dispatch::PgDispatch) {
        let _ = self.0.pg_dispatch.set(writer);
    }

    /// The PostgreSQL dispatch writer, with the PostgreSQL source.
    pub fn pg_dispatch(&self) -> Option<&crate::source::postgres::dispatch::PgDispatch> {
        self.0.pg_dispatch.get()
    }

    /// The lock a handler holds while it reads the served snapshot, applies a change to it
    /// and publishes the result (only when no live writer runs: the simulator and the
    /// PostgreSQL live loop are the single writer when they run).
    pub fn serialize_direct_writes(&self) -> std::sync::MutexGuard<'_, ()> {
        self.0
            .direct_writes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Serves `basemap` at `/basemap/*` from now on (once; a second call is ignored).
    pub fn set_basemap(&self, basemap: Basemap) {
        let _ = self.0.basemap.set(basemap);
    }

    /// The basemap, if the server has one.
    pub fn basemap(&self) -> Option<&Basemap> {
        self.0.basemap.get()
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
        // Event streams end now: the server waits for open responses before it exits.
        self.0.shutdown.send_replace(true);
    }

    /// True once shutdown has begun.
    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::Relaxed)
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
