//! The topology graph of the snapshot being served for handlers: [`with_graph`] runs a
//! closure with the snapshot and its graph on the blocking pool. The graph is built once per
//! snapshot version by the live store ([`crate::live::Store::graph`]), shared with the
//! simulator.

use std::sync::Arc;

use crate::http::{ApiError, AppState};
use crate::index::Snapshot;
use crate::topology::GridGraph;

/// The graph of `snapshot` (blocking), a `404` when the data has no network topology.
pub fn graph_of(state: &AppState, snapshot: &Snapshot) -> Result<Arc<GridGraph>, ApiError> {
    state
        .store()
        .graph(snapshot)
        .map_err(|e| ApiError::NotFound(format!("no network topology: {e}")))
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
        let graph = graph_of(&state, &snapshot)?;
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
        let graph = state.store().graph(&snapshot).ok();
        f(&snapshot, graph.as_deref())
    })
    .await
    .map_err(|e| ApiError::Internal(format!("topology task failed: {e}")))?
}
