//! Warming the analytics off the request path: the values the analytics endpoints read —
//! the topology graph, the AMI rollups (with the transformer profiles), the synthetic outage
//! history, the health index, and at startup the search index — are built on the blocking
//! pool when the server starts, then checked again after changes (debounced) and every
//! [`RECHECK`], so a request finds them built. Under the simulator a check finds the inputs
//! unchanged and carries the value to the new version (no build); after a change of what a
//! value reads (a meter moved on PostgreSQL) the rebuild happens here, not in a request.

use std::time::{Duration, Instant};

use tokio::sync::broadcast::error::RecvError;

use crate::http::AppState;

/// How long changes are collected before one check.
pub const DEBOUNCE: Duration = Duration::from_millis(1000);
/// A check at least this often (catches wholesale reloads, which send no change event).
pub const RECHECK: Duration = Duration::from_secs(30);

/// Starts warming `state`'s analytics in the background; the task ends when shutdown
/// begins.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(state))
}

async fn run(state: AppState) {
    let mut changes = state.subscribe_changes();
    let mut shutdown = state.shutdown_signal();
    warm(&state, true).await;
    loop {
        tokio::select! {
            r = changes.recv() => if let Err(RecvError::Closed) = r { return },
            _ = tokio::time::sleep(RECHECK) => {}
            _ = shutdown.changed() => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(DEBOUNCE) => {}
            _ = shutdown.changed() => return,
        }
        // Everything published meanwhile is covered by one check of the newest version.
        while !matches!(
            changes.try_recv(),
            Err(tokio::sync::broadcast::error::TryRecvError::Empty
                | tokio::sync::broadcast::error::TryRecvError::Closed)
        ) {}
        warm(&state, false).await;
    }
}

/// Builds or reuses every value for the current snapshot, on the blocking pool.
async fn warm(state: &AppState, startup: bool) {
    let state = state.clone();
    let done = tokio::task::spawn_blocking(move || warm_now(&state, startup)).await;
    if let Err(e) = done {
        tracing::warn!("analytics warm-up failed: {e}");
    }
}

/// [`warm`], blocking.
pub fn warm_now(state: &AppState, startup: bool) {
    let started = Instant::now();
    let snapshot = state.snapshot_arc();
    let graph = state.store().graph(&snapshot).ok();
    if state.pg_history().is_none() {
        super::kpi::history_of(state, &snapshot, super::kpi::now());
    }
    if let Some(graph) = &graph {
        super::ami::rollups_of(state, &snapshot, graph);
    }
    super::asset_health::health_index_of(state, &snapshot);
    if startup {
        super::search::index(state, &snapshot);
        tracing::info!(
            version = snapshot.version,
            ms = started.elapsed().as_millis() as u64,
            "analytics warmed"
        );
    } else {
        tracing::debug!(
            version = snapshot.version,
            ms = started.elapsed().as_millis() as u64,
            "analytics checked"
        );
    }
}
