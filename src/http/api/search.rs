//! `GET /api/search?q=TEXT&limit=N`: assets, feeders, substations, crews and outages by
//! exact id or case-insensitive name substring, ranked exact first
//! ([`crate::analytics::search`]; the name index is built once per snapshot version).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;

use super::ami_analytics::limit;
use super::params;
use crate::analytics::search::{SearchIndex, SearchResults, MAX_QUERY_CHARS, MAX_RESULTS};
use crate::http::{ApiError, AppState};
use crate::index::Snapshot;

/// The search index of `snapshot` (built on first use for its version). Blocking.
pub fn index(state: &AppState, snapshot: &Snapshot) -> Arc<SearchIndex> {
    let built = state.analytics_caches().search.get(snapshot.version, || {
        let started = std::time::Instant::now();
        let index = SearchIndex::build(snapshot);
        tracing::info!(
            version = snapshot.version,
            entries = index.len(),
            ms = started.elapsed().as_millis() as u64,
            "search index built"
        );
        Ok::<_, std::convert::Infallible>(index)
    });
    match built {
        Ok(index) => index,
        Err(never) => match never {},
    }
}

/// The `q` parameter: required, non-blank, at most [`MAX_QUERY_CHARS`] characters.
pub fn query_text(q: &params::Query) -> Result<String, ApiError> {
    let text = q.get("q").map(|s| s.trim()).unwrap_or("");
    if text.is_empty() {
        return Err(params::bad("q", "a non-empty search text"));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(params::bad(
            "q",
            &format!("at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    Ok(text.to_string())
}

/// Runs a search on the blocking pool (the first one of a version builds the index).
pub async fn run(state: &AppState, text: String, limit: usize) -> Result<SearchResults, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = state.snapshot_arc();
        index(&state, &snapshot).search(&snapshot, &text, limit)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("search task failed: {e}")))
}

/// Find assets (exact id), feeders, substations, crews and outages (exact id or
/// case-insensitive name substring), ranked exact first.
#[utoipa::path(get, path = "/api/search", tag = "grid",
    params(
        ("q" = String, Query, min_length = 1, max_length = 200, description = "id or name text"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "most entries returned (default 20; count, truncated)"),
    ),
    responses(
        (status = 200, description = "results, count, truncated", body = SearchResults),
        (status = 400, description = "missing, blank or too long q, or bad limit", body = crate::http::error::ErrorBody),
    ))]
pub async fn search(
    State(state): State<AppState>,
    Query(q): Query<params::Query>,
) -> Result<Json<SearchResults>, ApiError> {
    let text = query_text(&q)?;
    let limit = limit(&q, 20, MAX_RESULTS)?;
    run(&state, text, limit).await.map(Json)
}
