//! The operations endpoints: `GET /api/health` (readiness plus what is loaded and how the
//! cache is doing; `503` while draining) and `GET /metrics` (Prometheus text format).

use std::collections::BTreeMap;

use axum::extract::State;
use std::sync::Arc;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::cache::CacheStats;
use crate::live::{SourceState, SourceStatus};
use crate::metrics::expose::{Scrape, CONTENT_TYPE as CONTENT_TYPE_TEXT};

use super::{ApiError, AppState};

/// The health document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`; `degraded` (status `200`: the last snapshot is still served) while the data
    /// source is out of sync, e.g. its database connection is lost; `draining` (with status
    /// `503`) once shutdown has begun. The server listens only once the data is loaded.
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DataSummary {
    /// Features per layer.
    pub layers: BTreeMap<String, usize>,
    /// Features over all layers.
    pub features: usize,
    /// `[west, south, east, north]`.
    pub bounds: [f64; 4],
}

/// Health: status, features per layer, cache statistics, the data source (never
/// authenticated, for load balancers).
#[utoipa::path(get, path = "/api/health", tag = "operations",
    responses(
        (status = 200, description = "serving (ok or degraded)", body = Health),
        (status = 503, description = "shutting down (status draining)", body = Health),
    ))]
pub(crate) async fn health(State(state): State<AppState>) -> Response {
    let snapshot = state.snapshot_arc();
    state.cache().sync().await;
    let draining = state.is_draining();
    let source = SourceStatus::clone(&state.source_status());
    let doc = Health {
        status: match (draining, source.state) {
            (true, _) => "draining",
            (false, SourceState::Degraded) => "degraded",
            (false, SourceState::Ok) => "ok",
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
    let status = if draining {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let mut res = (status, Json(doc)).into_response();
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "metrics", content_type = "text/plain")))]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    let snapshot = state.snapshot_arc();
    state.cache().sync().await;
    let scrape = Scrape {
        metrics: Arc::clone(state.metrics()),
        render: Arc::clone(state.cache().render_times()),
        cache: state.cache().stats(),
        budget: crate::tiles::budget_cuts(),
        snapshot_version: snapshot.version,
        snapshot_age_s: state.snapshot_age().as_secs_f64(),
        snapshot_features: snapshot.feature_count() as u64,
        uptime_s: state.uptime().as_secs_f64(),
        draining: state.is_draining(),
        download_bytes: state.fgb_cache().served_bytes(),
        download_builds: state.fgb_cache().builds(),
    };
    match scrape.render() {
        Ok(text) => (
            [
                (CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_TEXT)),
                (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            text,
        )
            .into_response(),
        Err(e) => ApiError::Internal(format!("encoding metrics: {e}")).into_response(),
    }
}
