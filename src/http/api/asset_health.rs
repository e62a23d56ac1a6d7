//! `GET /api/assets/health/distribution`, `GET /api/assets/worst`,
//! `GET /api/assets/{id}/health/history`: thin handlers over
//! [`crate::analytics::health`] (the history is synthetic, for the demo grid); the
//! distribution and worst lists read the sorted [`HealthIndex`] kept in
//! [`crate::http::state::AnalyticsCaches`].

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value as Json_};

use super::ami_analytics::limit;
use super::geojson;
use super::kpi::now;
use super::params;
use crate::analytics::health::{
    current_health, number, synthetic_history, Distribution, HealthDay, HealthError, WorstBy,
    WorstFilter, HEALTH_ATTR, LOAD_ATTR, MAX_BINS, MAX_HISTORY_DAYS,
};
use crate::analytics::health_index::HealthIndex;
use crate::analytics::time::{local_day, HOUSTON_UTC_OFFSET_S};
use crate::http::{ApiError, AppState};
use crate::index::Snapshot;
use crate::mercator::world_to_lonlat;

/// Assets one `worst` list carries at most.
pub const MAX_WORST: usize = 10_000;

fn health_error(e: HealthError) -> ApiError {
    ApiError::NotFound(e.to_string())
}

/// The asset layers with a health ranking.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HealthLayer {
    Poles,
    Transformers,
}

/// How `/api/assets/worst` ranks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WorstRanking {
    /// Lowest `health_score` first.
    Health,
    /// Highest `load_pct` first.
    Load,
}

/// The `layer` parameter: `poles` or `transformers`.
fn layer(q: &params::Query) -> Result<&'static str, ApiError> {
    params::choice(q, "layer", &["poles", "transformers"], "poles")
}

/// Distribution of a layer's health scores (poles: `health_score`; transformers, which have
/// no score: `load_pct`) in equal bins.
#[utoipa::path(get, path = "/api/assets/health/distribution", tag = "assets",
    params(
        ("layer" = Option<HealthLayer>, Query, description = "asset layer (default poles)"),
        ("bins" = Option<u32>, Query, minimum = 1, maximum = 100, description = "number of bins (default 10)"),
    ),
    responses(
        (status = 200, description = "layer, attribute, bins, count, mean, median", body = crate::analytics::health::Distribution),
        (status = 400, description = "bad parameter", body = crate::http::error::ErrorBody),
        (status = 404, description = "the layer is missing or has no health attribute", body = crate::http::error::ErrorBody),
    ))]
pub async fn health_distribution(
    State(state): State<AppState>,
    Query(q): Query<params::Query>,
) -> Result<Json<Distribution>, ApiError> {
    let layer = layer(&q)?;
    let bins = match q.get("bins") {
        None => 10,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_BINS).contains(n))
            .ok_or_else(|| params::bad("bins", &format!("an integer from 1 to {MAX_BINS}")))?,
    };
    with_health(&state, move |snapshot, index| {
        index
            .distribution(snapshot, layer, bins)
            .map_err(health_error)
    })
    .await
    .map(Json)
}

/// Runs `f` with the current snapshot and its [`HealthIndex`] (sorted on first use, reused
/// while the scores and loads are unchanged) on the blocking pool.
async fn with_health<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Snapshot, &HealthIndex) -> Result<T, ApiError> + Send + 'static,
{
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = state.snapshot_arc();
        let index = health_index_of(&state, &snapshot);
        f(&snapshot, &index)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("health task failed: {e}")))?
}

/// The [`HealthIndex`] of `snapshot`. Blocking.
pub fn health_index_of(state: &AppState, snapshot: &Snapshot) -> Arc<HealthIndex> {
    let built = state.analytics_caches().health.get_or_reuse(
        snapshot.version,
        |_| true,
        |h| h.valid_for(snapshot),
        |_| {
            let started = std::time::Instant::now();
            let h = HealthIndex::build(snapshot);
            tracing::info!(
                version = snapshot.version,
                ms = started.elapsed().as_millis() as u64,
                "health index built"
            );
            Ok::<_, std::convert::Infallible>(h)
        },
    );
    match built {
        Ok(h) => h,
        Err(never) => match never {},
    }
}

/// One asset of a `worst` list: the listed members, then every attribute.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorstAsset {
    pub id: u64,
    pub layer: String,
    pub feeder_id: Option<i64>,
    pub health_score: Option<f64>,
    pub load_pct: Option<f64>,
    pub lon: f64,
    pub lat: f64,
    #[serde(flatten)]
    pub attributes: Map<String, Json_>,
}

/// The `/api/assets/worst` response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorstDoc {
    pub assets: Vec<WorstAsset>,
    pub count: usize,
    pub truncated: bool,
    pub matched: usize,
    pub version: u64,
}

/// The worst assets: poles by lowest `health_score`, transformers by highest `load_pct`.
#[utoipa::path(get, path = "/api/assets/worst", tag = "assets",
    params(
        ("layer" = Option<HealthLayer>, Query, description = "asset layer (default poles)"),
        ("by" = Option<WorstRanking>, Query, description = "ranking (default: health for poles, load for transformers)"),
        ("max_health" = Option<f64>, Query, description = "only health_score at or below this"),
        ("feeder" = Option<i64>, Query, description = "only this feeder's assets"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 10000, description = "most entries returned (default 100; count, truncated)"),
    ),
    responses(
        (status = 200, description = "assets, count, truncated, matched", body = WorstDoc),
        (status = 400, description = "bad parameter or the layer lacks the ranking attribute", body = crate::http::error::ErrorBody),
        (status = 404, description = "no such layer", body = crate::http::error::ErrorBody),
    ))]
pub async fn worst_assets(
    State(state): State<AppState>,
    Query(q): Query<params::Query>,
) -> Result<Json<WorstDoc>, ApiError> {
    let layer = layer(&q)?;
    let default_by = if layer == "transformers" {
        "load"
    } else {
        "health"
    };
    let by = match params::choice(&q, "by", &["health", "load"], default_by)? {
        "health" => WorstBy::Health,
        _ => WorstBy::Load,
    };
    let max_health = q
        .get("max_health")
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| params::bad("max_health", "a number"))
        })
        .transpose()?;
    let feeder = q
        .get("feeder")
        .map(|_| params::int(&q, "feeder"))
        .transpose()?;
    let limit = limit(&q, 100, MAX_WORST)?;
    let filter = WorstFilter { max_health, feeder };
    with_health(&state, move |snapshot, index| {
        let (l, features, matched) =
            index
                .worst(snapshot, layer, by, filter, limit)
                .map_err(|e| match e {
                    HealthError::NoAttribute { .. } => ApiError::BadRequest(e.to_string()),
                    other => health_error(other),
                })?;
        let feeder_f = l.fields.iter().position(|f| f.name == "feeder_id");
        let assets: Vec<WorstAsset> = features
            .into_iter()
            .map(|f| {
                let (lon, lat) = f.geometry.first_coord().map_or((0.0, 0.0), world_to_lonlat);
                WorstAsset {
                    id: f.id,
                    layer: l.name.clone(),
                    feeder_id: crate::topology::int_attr(f, feeder_f),
                    health_score: number(l, f, HEALTH_ATTR),
                    load_pct: number(l, f, LOAD_ATTR),
                    lon,
                    lat,
                    attributes: geojson::properties(l, f)
                        .into_iter()
                        .filter(|(k, _)| {
                            !matches!(k.as_str(), "feeder_id" | HEALTH_ATTR | LOAD_ATTR)
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(Json(WorstDoc {
            count: assets.len(),
            truncated: matched > assets.len(),
            assets,
            matched,
            version: snapshot.version,
        }))
    })
    .await
}

/// The `/api/assets/{id}/health/history` response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HealthHistoryDoc {
    pub id: u64,
    pub layer: String,
    pub current: f64,
    pub synthetic: bool,
    pub days: Vec<HealthDay>,
}

/// Daily health score of an asset (synthetic for the demo: deterministic per asset, ending
/// today at its current score); local days, default the last 365.
#[utoipa::path(get, path = "/api/assets/{id}/health/history", tag = "assets",
    params(
        ("id" = u64, Path, description = "asset id"),
        ("from" = Option<String>, Query, format = DateTime, description = "first day (RFC 3339; default: to - 365 days)"),
        ("to" = Option<String>, Query, format = DateTime, description = "end (RFC 3339; default: now; never past today)"),
    ),
    responses(
        (status = 200, description = "id, layer, current, synthetic, days", body = HealthHistoryDoc),
        (status = 400, description = "bad id or date, or more than 3660 days", body = crate::http::error::ErrorBody),
        (status = 404, description = "no asset has this id, or it has no health_score", body = crate::http::error::ErrorBody),
    ))]
pub async fn health_history(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(q): Query<params::Query>,
) -> Result<Json<HealthHistoryDoc>, ApiError> {
    let id = params::asset_id(&raw)?;
    let now = now();
    let (from, to) = super::dates::period(&q, now.max(0) + 1, 365)?;
    let off = HOUSTON_UTC_OFFSET_S;
    let (today, first, last) = (
        local_day(now, off),
        local_day(from, off),
        local_day(to - 1, off),
    );
    if last - first + 1 > MAX_HISTORY_DAYS {
        return Err(ApiError::BadRequest(format!(
            "at most {MAX_HISTORY_DAYS} days: narrow from/to"
        )));
    }
    let snapshot = state.snapshot_arc();
    let (l, current) = current_health(&snapshot, id).map_err(health_error)?;
    Ok(Json(HealthHistoryDoc {
        id,
        layer: l.name.clone(),
        current,
        synthetic: true,
        days: synthetic_history(id, current, today, first, last),
    }))
}
