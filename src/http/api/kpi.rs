//! `GET /api/kpi`: IEEE 1366 reliability indices over the outage history — the
//! deterministic synthetic one below, or PostgreSQL's `outage_events`
//! ([`super::history_source`]) — with outages in progress and the load served now.
//!
//! The history is computed once per snapshot version and cached: the current calendar year
//! and the two before it (Houston time), each generated as the analytics module calibrates a
//! year (seed `year − 2024`, so 2025 is its default year, three storm days), hence the same
//! events for a year whatever the day of the request. It is recomputed when a new snapshot
//! is published or a new year begins. Periods must lie inside it and not end in the future.
//! Outages in progress, customers out and field crews come from the live `outages` and
//! `crews` layers when the snapshot has them ([`super::operations`]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::dates;
use super::history_source::{self, HistoryInfo, KpiIndices};
use super::operations::CrewCounts;
use super::params;
use crate::analytics::load::{total_load_mw, POWER_FACTOR};
pub use crate::analytics::outage_history::History;
use crate::analytics::{Period, ReliabilityIndices};
use crate::http::error::ErrorBody;
use crate::http::{ApiError, AppState};
use crate::index::Snapshot;
use crate::live::PerVersion;

/// Groups listed at most by `by=` (`groups_truncated` beyond).
pub const MAX_GROUPS: usize = 10_000;

/// The synthetic outage history of the served snapshot, one per version.
pub type HistoryCache = PerVersion<History>;

pub use crate::analytics::time::now;

/// The period of a request, checked against the history's coverage.
pub fn checked_period(q: &params::Query, h: &History, now: i64) -> Result<Period, ApiError> {
    let (from, to) = dates::period(q, now, 365)?;
    Ok(crate::analytics::kpi_request::synthetic_period(
        h, from, to, now,
    )?)
}

/// The indices of a response, rounded for display. Fields (here and below) are in
/// alphabetical order: the order the response has always had (it was a `serde_json::Value`).
#[derive(Serialize, ToSchema)]
pub struct IndicesDoc {
    asai: f64,
    caidi_min: f64,
    caifi: f64,
    customer_interruptions: u64,
    customer_minutes: f64,
    customers_served: u64,
    maifi: f64,
    momentary_events: u64,
    saidi_min: f64,
    saifi: f64,
    sustained_events: u64,
}

impl IndicesDoc {
    fn new(r: &ReliabilityIndices) -> IndicesDoc {
        let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
        IndicesDoc {
            asai: (r.asai * 1e7).round() / 1e7,
            caidi_min: r3(r.caidi),
            caifi: r3(r.caifi),
            customer_interruptions: r.customer_interruptions,
            customer_minutes: r.customer_minutes.round(),
            customers_served: r.customers_served,
            maifi: r3(r.maifi),
            momentary_events: r.momentary_events,
            saidi_min: r3(r.saidi),
            saifi: r3(r.saifi),
            sustained_events: r.sustained_events,
        }
    }
}

/// One group of a `by=` response.
#[derive(Serialize, ToSchema)]
pub struct GroupDoc {
    id: i64,
    indices: IndicesDoc,
}

/// The `/api/kpi` response (typed: building a `serde_json::Value` for hundreds of groups
/// cost ten times the computation).
#[derive(Serialize, ToSchema)]
pub struct KpiDoc {
    active_outages: u64,
    /// `by`, `groups`, `groups_truncated`: with `by=` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    by: Option<String>,
    /// Field crews by status (the `crews` layer; `null` without one).
    crews: Option<CrewCounts>,
    customers_out_now: u64,
    exclude_med: bool,
    from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    groups: Option<Vec<GroupDoc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    groups_truncated: Option<bool>,
    history: HistoryInfo,
    indices: IndicesDoc,
    /// `major_event_days`, `t_med_min` (null without a threshold): with `exclude_med` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    major_event_days: Option<Vec<String>>,
    power_factor: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    t_med_min: Option<Option<f64>>,
    to: String,
    total_load_mw: f64,
}

/// The response; `pg` holds the indices when they came from PostgreSQL (otherwise they are
/// computed here from the synthetic history `h`).
fn kpi_doc(
    snapshot: &Snapshot,
    h: &History,
    q: &params::Query,
    now: i64,
    pg: Option<KpiIndices>,
) -> Result<KpiDoc, ApiError> {
    let KpiIndices {
        period,
        exclude_med,
        by,
        report: rep,
        groups,
        history,
    } = match pg {
        Some(k) => k,
        None => history_source::synthetic_kpi(h, q, now)?,
    };
    let pick = |all, excluding| if exclude_med { excluding } else { all };
    let (active, out_now) = super::operations::active_and_out(snapshot, &h.feeders, now);
    let (major_event_days, t_med_min) = if exclude_med {
        let days = rep.major_event_days.iter().map(|d| d.date.clone());
        let t_med = rep.threshold.map(|t| (t.t_med * 1000.0).round() / 1000.0);
        (Some(days.collect()), Some(t_med))
    } else {
        (None, None)
    };
    let listed = by.is_some().then(|| {
        groups
            .iter()
            .take(MAX_GROUPS)
            .map(|g| GroupDoc {
                id: g.id,
                indices: IndicesDoc::new(pick(&g.all, &g.excluding_meds)),
            })
            .collect()
    });
    Ok(KpiDoc {
        active_outages: active,
        by: by.and(q.get("by").cloned()),
        crews: super::operations::crew_counts(snapshot),
        customers_out_now: out_now,
        exclude_med,
        from: dates::format(period.start),
        groups: listed,
        groups_truncated: by.map(|_| groups.len() > MAX_GROUPS),
        history,
        indices: IndicesDoc::new(pick(&rep.all, &rep.excluding_meds)),
        major_event_days,
        power_factor: POWER_FACTOR,
        t_med_min,
        to: dates::format(period.end),
        total_load_mw: (total_load_mw(snapshot) * 1000.0).round() / 1000.0,
    })
}

/// Runs `f` with the current snapshot, its synthetic history and the current time on the
/// blocking pool (building the history and aggregating it are CPU work that must not stall
/// the async workers).
pub async fn with_history<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Snapshot, &History, i64) -> Result<T, ApiError> + Send + 'static,
{
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = state.snapshot_arc();
        let now = now();
        let h = history_of(&state, &snapshot, now);
        f(&snapshot, &h, now)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("history task failed: {e}")))?
}

/// Which groups `/api/kpi?by=` lists.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KpiGroupBy {
    Feeder,
    Substation,
}

/// IEEE 1366 indices (SAIFI, SAIDI, CAIDI, MAIFI, CAIFI, ASAI) over the outage history
/// (synthetic; on the PostgreSQL source with `postgres.history`, `outage_events` aggregated
/// in SQL: `history.source` = postgres, periods up to 3660 days), active outages and
/// customers out now (the outages layer when there is one, else synthetic), field crews by
/// status (the crews layer, null without one), total load (MW at power factor 0.9).
#[utoipa::path(get, path = "/api/kpi", tag = "analytics",
    params(
        ("from" = Option<String>, Query, format = DateTime, description = "period start (RFC 3339; default: to - 365 days)"),
        ("to" = Option<String>, Query, format = DateTime, description = "period end (RFC 3339; default: now)"),
        ("by" = Option<KpiGroupBy>, Query, description = "add indices per group"),
        ("exclude_med" = Option<bool>, Query, description = "exclude major event days (2.5 beta); adds t_med_min (default false)"),
    ),
    responses(
        (status = 200, description = "indices", body = KpiDoc),
        (status = 400, description = "bad date, from >= to, outside the history, or bad parameter", body = ErrorBody),
        (status = 503, description = super::PG_DOWN, body = ErrorBody),
    ))]
pub async fn kpi(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<KpiDoc>, ApiError> {
    let pg = history_source::kpi_indices(&state, &q).await?;
    with_history(&state, move |snapshot, h, now| {
        kpi_doc(snapshot, h, &q, now, pg).map(Json)
    })
    .await
}

/// The synthetic history of `snapshot` at `now`, cached while it covers `now` and the
/// customer counts are the same (a simulator tick does not change them). Blocking: call it
/// from the blocking pool.
pub fn history_of(state: &AppState, snapshot: &Snapshot, now: i64) -> Arc<History> {
    let built = state.history_cache().get_or_reuse(
        snapshot.version,
        |h| h.covers(now),
        |h| h.valid_for(snapshot),
        |_| {
            let started = std::time::Instant::now();
            let h = History::synthetic(snapshot, now);
            tracing::info!(
                version = snapshot.version,
                ms = started.elapsed().as_millis() as u64,
                "outage history built"
            );
            Ok::<_, std::convert::Infallible>(h)
        },
    );
    match built {
        Ok(h) => h,
        Err(never) => match never {},
    }
}
