//! `GET /api/ami/transformers/loading` (transformers ranked by the peak of their summed
//! synthetic meter demand against `kVA × 0.9`, [`crate::analytics::loading`], from the
//! transformer profiles the per-version rollups keep) and
//! `GET /api/ami/consumption/by-class` (energy and peak per customer class of a feeder,
//! substation or the system, from the per-version rollups). Handlers parse, call the
//! analytics functions on the blocking pool, respond.

use axum::extract::{Query, State};
use axum::Json;
use serde::Serialize;

use super::ami::{ami_error, ami_query, group_name, with_rollups};
use super::dates;
use super::params;
use crate::analytics::ami_rollup::{AmiAggregates, AmiGroup};
use crate::analytics::loading::{
    rank_rated, rated, LoadingError, LoadingFilter, DEFAULT_MAX_LOADING_WORK,
};
use crate::http::{ApiError, AppState};

/// Transformers one ranking lists at most.
pub const MAX_TRANSFORMERS: usize = 10_000;
/// Default period of a ranking, days.
const DEFAULT_DAYS: i64 = 7;

/// An optional integer parameter.
fn opt_int(q: &params::Query, name: &str) -> Result<Option<i64>, ApiError> {
    q.get(name).map(|_| params::int(q, name)).transpose()
}

/// An optional number parameter.
fn opt_f64(q: &params::Query, name: &str) -> Result<Option<f64>, ApiError> {
    q.get(name)
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| params::bad(name, "a number"))
        })
        .transpose()
}

/// `limit` (default `default`, 1..=`max`).
pub fn limit(q: &params::Query, default: usize, max: usize) -> Result<usize, ApiError> {
    match q.get("limit") {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| params::bad("limit", &format!("an integer from 1 to {max}"))),
    }
}

/// One ranked transformer.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LoadingDoc {
    pub id: u64,
    pub feeder_id: Option<i64>,
    pub substation_id: Option<i64>,
    pub kva: f64,
    pub peak_kw: f64,
    pub peak_time: String,
    pub loading_pct: f64,
    pub meters: usize,
}

/// The `/api/ami/transformers/loading` response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct LoadingListDoc {
    pub transformers: Vec<LoadingDoc>,
    pub count: usize,
    pub truncated: bool,
    pub from: String,
    pub to: String,
    pub power_factor: f64,
    pub synthetic: bool,
    pub version: u64,
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Transformers ranked by `loading_pct` = peak kW of their summed synthetic meter demand
/// (largest 15-minute interval) / (kVA × 0.9) × 100, highest first.
#[utoipa::path(get, path = "/api/ami/transformers/loading", tag = "analytics",
    params(
        ("from" = Option<String>, Query, format = DateTime, description = "period start (RFC 3339; default: to - 7 days)"),
        ("to" = Option<String>, Query, format = DateTime, description = "period end (RFC 3339; default: now)"),
        ("substation" = Option<i64>, Query, description = "only this substation's transformers"),
        ("feeder" = Option<i64>, Query, description = "only this feeder's transformers"),
        ("min_pct" = Option<f64>, Query, description = "only loading_pct at or above this"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 10000, description = "most entries returned (default 100; count, truncated)"),
    ),
    responses(
        (status = 200, description = "transformers by loading", body = LoadingListDoc),
        (status = 400, description = "bad parameter or too much work: narrow the period or filter", body = crate::http::error::ErrorBody),
        (status = 404, description = "the data has no transformers layer or no topology", body = crate::http::error::ErrorBody),
    ))]
pub async fn transformer_loading(
    State(state): State<AppState>,
    Query(q): Query<params::Query>,
) -> Result<Json<LoadingListDoc>, ApiError> {
    let query = ami_query(&q, DEFAULT_DAYS)?;
    let filter = LoadingFilter {
        substation: opt_int(&q, "substation")?,
        feeder: opt_int(&q, "feeder")?,
    };
    let min_pct = opt_f64(&q, "min_pct")?;
    let limit = limit(&q, 100, MAX_TRANSFORMERS)?;
    let (ranked, version) = with_rollups(&state, move |snapshot, _, rollups| {
        let rated = rated(snapshot, filter).map_err(|e| match e {
            LoadingError::NoTransformers => ApiError::NotFound(e.to_string()),
            LoadingError::Ami(e) => ami_error(e),
        })?;
        let ranked = rank_rated(
            &rated,
            |id| rollups.transformer(id),
            &query,
            DEFAULT_MAX_LOADING_WORK,
        )
        .map_err(ami_error)?;
        Ok((ranked, snapshot.version))
    })
    .await?;
    let mut list: Vec<LoadingDoc> = ranked
        .into_iter()
        .filter(|t| min_pct.is_none_or(|m| t.loading_pct >= m))
        .take(limit + 1)
        .map(|t| LoadingDoc {
            id: t.id,
            feeder_id: t.feeder_id,
            substation_id: t.substation_id,
            kva: t.kva,
            peak_kw: r3(t.peak_kw),
            peak_time: dates::format(t.peak_time),
            loading_pct: (t.loading_pct * 10.0).round() / 10.0,
            meters: t.meters,
        })
        .collect();
    let truncated = list.len() > limit;
    list.truncate(limit);
    Ok(Json(LoadingListDoc {
        count: list.len(),
        transformers: list,
        truncated,
        from: dates::format(query.start),
        to: dates::format(query.end),
        power_factor: crate::analytics::loading::LOADING_POWER_FACTOR,
        synthetic: true,
        version,
    }))
}

/// One customer class of a consumption response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ClassDoc {
    pub class: &'static str,
    pub meters: u64,
    pub kwh: f64,
    pub peak_kw: f64,
    pub peak_time: Option<String>,
}

/// The `/api/ami/consumption/by-class` response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ByClassDoc {
    pub classes: Vec<ClassDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub feeder: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub substation: Option<i64>,
    pub from: String,
    pub to: String,
    pub synthetic: bool,
    pub version: u64,
}

/// Energy (kWh) and peak demand (kW) per customer class of a feeder, a substation or the
/// system (synthetic AMI rollups).
#[utoipa::path(get, path = "/api/ami/consumption/by-class", tag = "analytics",
    params(
        ("from" = Option<String>, Query, format = DateTime, description = "period start (RFC 3339; default: to - 7 days)"),
        ("to" = Option<String>, Query, format = DateTime, description = "period end (RFC 3339; default: now)"),
        ("feeder" = Option<i64>, Query, description = "a feeder's meters (at most one of feeder, substation; neither: the system)"),
        ("substation" = Option<i64>, Query, description = "a substation's meters"),
    ),
    responses(
        (status = 200, description = "classes", body = ByClassDoc),
        (status = 400, description = "bad parameter", body = crate::http::error::ErrorBody),
        (status = 404, description = "unknown feeder or substation", body = crate::http::error::ErrorBody),
    ))]
pub async fn consumption_by_class(
    State(state): State<AppState>,
    Query(q): Query<params::Query>,
) -> Result<Json<ByClassDoc>, ApiError> {
    let query = ami_query(&q, DEFAULT_DAYS)?;
    let (feeder, substation) = (opt_int(&q, "feeder")?, opt_int(&q, "substation")?);
    let group = match (feeder, substation) {
        (Some(_), Some(_)) => {
            return Err(ApiError::BadRequest(
                "give at most one of feeder, substation".into(),
            ))
        }
        (Some(f), None) => AmiGroup::Feeder(f),
        (None, Some(s)) => AmiGroup::Substation(s),
        (None, None) => AmiGroup::System,
    };
    let (totals, version) = with_rollups(&state, move |snapshot, _, rollups| {
        if rollups.meters(group).is_none() {
            return Err(ApiError::NotFound(format!(
                "{}: no such group",
                group_name(group)
            )));
        }
        let totals = rollups.class_totals(group, &query).map_err(ami_error)?;
        Ok((totals, snapshot.version))
    })
    .await?;
    let classes = totals
        .iter()
        .filter(|t| t.meters > 0)
        .map(|t| ClassDoc {
            class: t.class.name(),
            meters: t.meters,
            kwh: r3(t.kwh),
            peak_kw: r3(t.peak_kw),
            peak_time: t.peak_time.map(dates::format),
        })
        .collect();
    Ok(Json(ByClassDoc {
        classes,
        feeder,
        substation,
        from: dates::format(query.start),
        to: dates::format(query.end),
        synthetic: true,
        version,
    }))
}
