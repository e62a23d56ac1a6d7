//! [`AppState`]: what every handler shares — the live store ([`crate::live::Store`]: the
//! snapshot, publishing, the change stream, the source's state, the graph), the settings,
//! the lifecycle flags, the server-sent-event log and HTTP's own caches.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::http::HeaderValue;

use super::api::history_source::PgBackend;
use super::api::kpi::HistoryCache;
use super::basemap::Basemap;
use super::download::cache::FgbCache;
use super::events::log::EventLog;
use super::static_files::StaticDir;
use super::Settings;
use crate::analytics::ami_rollup::AmiRollups;
use crate::analytics::health_index::HealthIndex;
use crate::analytics::search::SearchIndex;
use crate::cache::TileCache;
use crate::index::{Snapshot, Update};
use crate::live::{ChangeEvent, PerVersion, PublishLog, SourceStatus, Store};
use crate::metrics::Metrics;

/// The analytics endpoints' per-version values (the rollups and the health rankings are
/// carried across versions that do not change what they read).
#[derive(Default)]
pub struct AnalyticsCaches {
    /// AMI profiles per transformer, feeder, substation and the system.
    pub ami_rollups: PerVersion<AmiRollups>,
    /// Ids and names of assets, feeders, substations, crews and outages.
    pub search: PerVersion<SearchIndex>,
    /// Poles' and transformers' health scores and loads, sorted.
    pub health: PerVersion<HealthIndex>,
}

struct Inner {
    store: Store,
    settings: Settings,
    static_dir: Option<StaticDir>,
    styles_dir: Option<StaticDir>,
    draining: AtomicBool,
    /// The synthetic outage history of the current snapshot, computed on first use.
    history: HistoryCache,
    /// The FlatGeobuf downloads, built on first use per layer version.
    fgb: FgbCache,
    /// AMI rollups and the search index of the current snapshot, built on first use.
    analytics: AnalyticsCaches,
    /// The PostgreSQL history backend, when the server reads its history from PostgreSQL.
    pg_history: OnceLock<PgBackend>,
    /// The change stream as server-sent-event frames, with the replay buffer.
    events: Arc<EventLog>,
    /// The basemap tile source, when there is one (`/basemap/*`).
    basemap: OnceLock<Basemap>,
    /// Permits of `/api/events` streams (`events.max_clients`).
    events_clients: Arc<tokio::sync::Semaphore>,
    /// The PostgreSQL dispatch writer, with the PostgreSQL source.
    pg_dispatch: OnceLock<crate::source::postgres::live::dispatch::PgDispatch>,
}

/// State shared by all handlers. Cloning is one `Arc` increment. The snapshot and its
/// publishing are the store's ([`AppState::store`]); the methods of the same names here
/// delegate to it.
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
        let events = Arc::new(EventLog::new(snapshot.version, &settings.events));
        let events_clients = Arc::new(tokio::sync::Semaphore::new(settings.events.max_clients));
        let log: Arc<dyn PublishLog> = Arc::clone(&events) as Arc<dyn PublishLog>;
        let store = Store::new(snapshot, cache, Arc::new(Metrics::default()), Some(log));
        AppState(Arc::new(Inner {
            store,
            static_dir: open(&settings.static_dir, "front end"),
            styles_dir: open(&settings.styles_dir, "styles"),
            settings,
            draining: AtomicBool::new(false),
            history: HistoryCache::default(),
            fgb: FgbCache::default(),
            analytics: AnalyticsCaches::default(),
            pg_history: OnceLock::new(),
            events,
            basemap: OnceLock::new(),
            events_clients,
            pg_dispatch: OnceLock::new(),
        }))
    }

    /// The live store: the snapshot, publishing, the change stream, the source's state.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The snapshot being served now.
    pub fn snapshot_arc(&self) -> Arc<Snapshot> {
        self.0.store.snapshot()
    }

    /// Serves `snapshot` from now on ([`Store::publish`]).
    pub fn publish(&self, snapshot: Snapshot) {
        self.0.store.publish(snapshot)
    }

    /// Publishes an incremental update ([`Store::publish_update`]).
    pub fn publish_update(&self, update: Update, resync: bool) -> Arc<ChangeEvent> {
        self.0.store.publish_update(update, resync)
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
        self.0.store.shutdown_signal()
    }

    /// A receiver of every [`ChangeEvent`] published from now on.
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<Arc<ChangeEvent>> {
        self.0.store.subscribe_changes()
    }

    /// The data source's state, as `/api/health` reports it.
    pub fn source_status(&self) -> Arc<SourceStatus> {
        self.0.store.source_status()
    }

    /// Sets the data source's state ([`Store::set_source_status`]).
    pub fn set_source_status(&self, status: SourceStatus) {
        self.0.store.set_source_status(status)
    }

    /// Time since the current snapshot was published.
    pub fn snapshot_age(&self) -> Duration {
        self.0.store.snapshot_age()
    }

    /// The tile cache.
    pub fn cache(&self) -> &TileCache {
        self.0.store.cache()
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        self.0.store.metrics()
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

    /// Writes dispatches to PostgreSQL from now on (once; the PostgreSQL source sets it).
    pub fn use_pg_dispatch(&self, writer: crate::source::postgres::live::dispatch::PgDispatch) {
        let _ = self.0.pg_dispatch.set(writer);
    }

    /// The PostgreSQL dispatch writer, with the PostgreSQL source.
    pub fn pg_dispatch(&self) -> Option<&crate::source::postgres::live::dispatch::PgDispatch> {
        self.0.pg_dispatch.get()
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
        self.0.store.uptime()
    }

    /// Starts draining: `/api/health` answers `503` from now on, so load balancers stop
    /// sending traffic before the listener closes.
    pub fn start_draining(&self) {
        self.0.draining.store(true, Ordering::Relaxed);
        // Event streams end now: the server waits for open responses before it exits.
        self.0.store.shut_down();
    }

    /// True once shutdown has begun.
    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::Relaxed)
    }
}
