//! [`Store`]: the snapshot cell and everything that changes with it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use super::commands::CommandSender;
use super::events::{ChangeEvent, SourceKind, SourceState, SourceStatus, CHANNEL_CAPACITY};
use super::per_version::PerVersion;
use crate::cache::TileCache;
use crate::index::{Snapshot, Update};
use crate::metrics::{DbState, Metrics};
use crate::topology::{GridGraph, TopologyError, TopologySchema};

/// Where published versions are also recorded, in publish order, under the writer lock (the
/// server-sent-event replay log of `/api/events`).
pub trait PublishLog: Send + Sync {
    /// The data was replaced wholesale by `version`.
    fn reset(&self, version: u64);
    /// An incremental update was published.
    fn change(&self, event: &ChangeEvent);
}

struct Inner {
    snapshot: ArcSwap<Snapshot>,
    cache: TileCache,
    metrics: Arc<Metrics>,
    started: Instant,
    /// Milliseconds after `started` at which the current snapshot was published.
    published_ms: AtomicU64,
    /// Serializes publishers (invalidate, then swap).
    writer: Mutex<()>,
    /// Serializes writes computed from the served snapshot by request handlers when no live
    /// writer runs (read, apply, publish under one lock).
    direct_writes: Mutex<()>,
    changes: tokio::sync::broadcast::Sender<Arc<ChangeEvent>>,
    log: Option<Arc<dyn PublishLog>>,
    source: ArcSwap<SourceStatus>,
    /// True once shutdown has begun (ends the event streams and the live tasks).
    shutdown: tokio::sync::watch::Sender<bool>,
    /// The running live writer's command queue.
    writer_commands: OnceLock<CommandSender>,
    /// The topology graph of the current snapshot, built (or rebased) on first use.
    graph: PerVersion<GridGraph>,
}

/// The live store. Cloning is one `Arc` increment.
///
/// The snapshot lives in an [`ArcSwap`]: a reader takes the current snapshot without a lock
/// and keeps it to the end, while a writer publishes a new one atomically — always through
/// [`Store::publish`] or [`Store::publish_update`], which invalidate cached tiles first (the
/// cache keeps tiles across versions).
#[derive(Clone)]
pub struct Store(Arc<Inner>);

impl Store {
    /// A store serving `snapshot` through `cache`, recording publishes in `log` too.
    pub fn new(
        snapshot: Snapshot,
        cache: TileCache,
        metrics: Arc<Metrics>,
        log: Option<Arc<dyn PublishLog>>,
    ) -> Store {
        let (changes, _) = tokio::sync::broadcast::channel(CHANNEL_CAPACITY);
        Store(Arc::new(Inner {
            snapshot: ArcSwap::from_pointee(snapshot),
            cache,
            metrics,
            started: Instant::now(),
            published_ms: AtomicU64::new(0),
            writer: Mutex::new(()),
            direct_writes: Mutex::new(()),
            changes,
            log,
            source: ArcSwap::from_pointee(SourceStatus::ok(SourceKind::Demo)),
            shutdown: tokio::sync::watch::Sender::new(false),
            writer_commands: OnceLock::new(),
            graph: PerVersion::default(),
        }))
    }

    /// The snapshot being served now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.0.snapshot.load_full()
    }

    /// Serves `snapshot` from now on, replacing the data wholesale (its version must be
    /// higher than the current one): every cached tile is dropped first.
    pub fn publish(&self, snapshot: Snapshot) {
        let _writer = lock(&self.0.writer);
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
        if let Some(log) = &self.0.log {
            log.reset(new);
        }
    }

    /// Publishes an incremental update of the current snapshot (from
    /// [`Snapshot::apply`]): removes exactly the cached tiles it makes stale, then swaps the
    /// snapshot in, records its version as the source's `last_change_version`, then sends a
    /// [`ChangeEvent`] to subscribers, which it returns. Readers never wait. The update must
    /// have been computed from the snapshot being served (one writer at a time).
    pub fn publish_update(&self, update: Update, resync: bool) -> Arc<ChangeEvent> {
        let _writer = lock(&self.0.writer);
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
        if let Some(log) = &self.0.log {
            log.change(&event);
        }
        // No subscriber is not an error.
        let _ = self.0.changes.send(Arc::clone(&event));
        event
    }

    /// A receiver of every [`ChangeEvent`] published from now on.
    pub fn subscribe_changes(&self) -> tokio::sync::broadcast::Receiver<Arc<ChangeEvent>> {
        self.0.changes.subscribe()
    }

    /// The lock a request handler holds while it reads the served snapshot, applies a change
    /// to it and publishes the result (only when no live writer runs: the simulator and the
    /// PostgreSQL live loop are the single writer when they run).
    pub fn serialize_direct_writes(&self) -> MutexGuard<'_, ()> {
        lock(&self.0.direct_writes)
    }

    /// The data source's state, as `/api/health` reports it.
    pub fn source_status(&self) -> Arc<SourceStatus> {
        self.0.source.load_full()
    }

    /// Sets the data source's state (also the database gauges of `/metrics` when the source
    /// is PostgreSQL).
    pub fn set_source_status(&self, status: SourceStatus) {
        if status.kind == SourceKind::Postgres {
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

    /// Time since the store was created.
    pub fn uptime(&self) -> Duration {
        self.0.started.elapsed()
    }

    /// The tile cache the store invalidates.
    pub fn cache(&self) -> &TileCache {
        &self.0.cache
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.0.metrics
    }

    /// Becomes true when shutdown begins.
    pub fn shutdown_signal(&self) -> tokio::sync::watch::Receiver<bool> {
        self.0.shutdown.subscribe()
    }

    /// Begins shutdown: event streams and live tasks end.
    pub fn shut_down(&self) {
        self.0.shutdown.send_replace(true);
    }

    /// Sends commands to the live writer from now on (once; the writer calls this when it
    /// starts, a second call is ignored).
    pub fn use_writer(&self, commands: CommandSender) {
        let _ = self.0.writer_commands.set(commands);
    }

    /// The running live writer's command queue, if one runs.
    pub fn writer(&self) -> Option<&CommandSender> {
        self.0.writer_commands.get()
    }

    /// Caches `graph`, built from the served snapshot's version `version` (at startup, by
    /// the step that built it anyway), so the first request does not build it again.
    pub fn seed_graph(&self, version: u64, graph: Arc<GridGraph>) {
        self.0.graph.insert(version, graph);
    }

    /// Topology graphs built or rebased by [`Store::graph`] (a seeded one is not counted).
    pub fn graph_builds(&self) -> u64 {
        self.0.graph.builds()
    }

    /// The topology graph of `snapshot` (the cached one when its version matches, else
    /// rebased from the previous graph when only statuses and switch states changed, else
    /// built). Blocking: call it from the blocking pool.
    pub fn graph(&self, snapshot: &Snapshot) -> Result<Arc<GridGraph>, TopologyError> {
        // The graph replaced, dropped on the blocking pool: it may hold the last reference
        // to layers of an older snapshot (a feeder layer's merged lines take milliseconds to
        // free, and the simulator asks for a graph several times per tick).
        let mut replaced = None;
        let graph = self.0.graph.get_or_build(
            snapshot.version,
            |_| true,
            |previous| {
                replaced = previous.clone();
                let started = Instant::now();
                let schema = TopologySchema::default();
                let rebased = previous.and_then(|g| g.rebase(snapshot, &schema));
                let how = if rebased.is_some() {
                    "rebased"
                } else {
                    "built"
                };
                let graph = match rebased {
                    Some(g) => g,
                    None => GridGraph::build(snapshot, &schema)?,
                };
                tracing::debug!(
                    version = snapshot.version,
                    ms = started.elapsed().as_millis() as u64,
                    how,
                    "topology graph ready"
                );
                Ok(graph)
            },
        );
        if let Some(old) = replaced {
            retire(old);
        }
        graph
    }
}

fn lock(m: &Mutex<()>) -> MutexGuard<'_, ()> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Drops a replaced snapshot (or graph) on the blocking pool when this is its last
/// reference: freeing millions of features takes long enough to stall an async worker, or
/// the writer.
fn retire<T: Send + Sync + 'static>(old: Arc<T>) {
    match tokio::runtime::Handle::try_current() {
        Ok(rt) => {
            rt.spawn_blocking(move || drop(old));
        }
        Err(_) => drop(old),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::SnapshotBuilder;
    use crate::source::demo::{generate, DemoParams};

    #[test]
    fn a_new_snapshot_gets_a_new_graph_and_readers_share_it() {
        let layers = generate(&DemoParams {
            seed: 1,
            scale: 0.02,
        });
        let build = |v| SnapshotBuilder::default().build(layers.clone(), v).unwrap();
        let (one, two) = (build(1), build(2));
        let store = Store::new(
            build(0),
            TileCache::new(0),
            Arc::new(Metrics::default()),
            None,
        );
        let a = store.graph(&one).unwrap();
        assert_eq!(a.version(), 1);
        assert!(Arc::ptr_eq(&a, &store.graph(&one).unwrap()), "cached");
        let b = store.graph(&two).unwrap();
        assert_eq!(b.version(), 2);
        assert!(Arc::ptr_eq(&b, &store.graph(&two).unwrap()));
        let empty = SnapshotBuilder::default().build(Vec::new(), 3).unwrap();
        assert!(store.graph(&empty).is_err());
    }
}
