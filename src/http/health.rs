//! `GET /api/health`: liveness plus what is loaded and how the cache is doing.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::header::CACHE_CONTROL;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::cache::CacheStats;
use crate::live::{SourceState, SourceStatus};

use super::AppState;

/// The health document.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok`, or `degraded` when the source is (the last snapshot is still served; the
    /// server answers only once data is loaded).
    pub status: &'static str,
    /// Version of the snapshot being served.
    pub version: u64,
    /// What is loaded.
    pub data: DataSummary,
    /// Tile cache counters.
    pub cache: CacheStats,
    /// The data source and whether it is in sync.
    pub source: SourceStatus,
    /// Seconds since the server state was created.
    pub uptime_s: u64,
}

/// What the served snapshot holds.
#[derive(Debug, Serialize)]
pub struct DataSummary {
    /// Features per layer.
    pub layers: BTreeMap<String, usize>,
    /// Features over all layers.
    pub features: usize,
    /// `[west, south, east, north]`.
    pub bounds: [f64; 4],
}

/// The health handler.
pub(crate) async fn health(State(state): State<AppState>) -> Response {
    let snapshot = state.snapshot_arc();
    state.cache().sync().await;
    let source = SourceStatus::clone(&state.source_status());
    let doc = Health {
        status: match source.state {
            SourceState::Ok => "ok",
            SourceState::Degraded => "degraded",
        },
        version: snapshot.version,
        data: DataSummary {
            layers: snapshot
                .layers
                .iter()
                .map(|l| (l.name.clone(), l.features.len()))
                .collect(),
            features: snapshot.feature_count(),
            bounds: snapshot.bounds,
        },
        cache: state.cache().stats(),
        source,
        uptime_s: state.uptime().as_secs(),
    };
    let mut res = Json(doc).into_response();
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
