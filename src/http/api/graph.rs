//! The topology graph of the snapshot being served, built lazily on first use and cached by
//! snapshot version: readers load an `Arc` without waiting; only the requests that find no
//! graph for the current version wait for its one build (a new snapshot gets a new graph).
//! A new version whose connectivity is unchanged (statuses, switch states) gets a graph
//! derived from the previous one ([`GridGraph::rebase`]), not a full build.

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;

use crate::http::{ApiError, AppState};
use crate::index::Snapshot;
use crate::topology::{GridGraph, TopologySchema};

/// The cached graph and the lock that serializes builds.
#[derive(Default)]
pub struct GraphCache {
    current: ArcSwapOption<GridGraph>,
    building: Mutex<()>,
}

impl GraphCache {
    /// The graph of `snapshot`: the cached one when its version matches, otherwise built
    /// now (once, however many requests ask at the same time). Blocking: call it from the
    /// blocking pool.
    pub fn get(&self, snapshot: &Snapshot) -> Result<Arc<GridGraph>, ApiError> {
        if let Some(g) = self.fresh(snapshot.version) {
            return Ok(g);
        }
        let _guard = self.building.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(g) = self.fresh(snapshot.version) {
            return Ok(g);
        }
        let started = std::time::Instant::now();
        let schema = TopologySchema::default();
        // Most new versions change statuses and switch states only: derive their graph.
        let rebased = self
            .current
            .load_full()
            .and_then(|g| g.rebase(snapshot, &schema));
        let how = if rebased.is_some() {
            "rebased"
        } else {
            "built"
        };
        let graph = match rebased {
            Some(g) => g,
            None => GridGraph::build(snapshot, &schema)
                .map_err(|e| ApiError::NotFound(format!("no network topology: {e}")))?,
        };
        tracing::debug!(
            version = snapshot.version,
            ms = started.elapsed().as_millis() as u64,
            how,
            "topology graph ready"
        );
        let graph = Arc::new(graph);
        self.current.store(Some(Arc::clone(&graph)));
        Ok(graph)
    }

    fn fresh(&self, version: u64) -> Option<Arc<GridGraph>> {
        self.current.load_full().filter(|g| g.version() == version)
    }
}

/// Runs `f` with the current snapshot and its graph on the blocking pool (graph builds and
/// traces are CPU work that must not stall the async workers).
pub async fn with_graph<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Snapshot, &GridGraph) -> Result<T, ApiError> + Send + 'static,
{
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = state.snapshot_arc();
        let graph = state.graph_cache().get(&snapshot)?;
        f(&snapshot, &graph)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("topology task failed: {e}")))?
}

/// Like [`with_graph`], for handlers that also work without a topology (data sets without
/// spans): `f` gets `None` when no graph can be built.
pub async fn with_graph_opt<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Snapshot, Option<&GridGraph>) -> Result<T, ApiError> + Send + 'static,
{
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = state.snapshot_arc();
        let graph = state.graph_cache().get(&snapshot).ok();
        f(&snapshot, graph.as_deref())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("topology task failed: {e}")))?
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
        let cache = GraphCache::default();
        let a = cache.get(&one).unwrap();
        assert_eq!(a.version(), 1);
        assert!(Arc::ptr_eq(&a, &cache.get(&one).unwrap()), "cached");
        let b = cache.get(&two).unwrap();
        assert_eq!(b.version(), 2);
        assert!(Arc::ptr_eq(&b, &cache.get(&two).unwrap()));
        let empty = SnapshotBuilder::default().build(Vec::new(), 3).unwrap();
        assert!(matches!(cache.get(&empty), Err(ApiError::NotFound(_))));
    }
}
