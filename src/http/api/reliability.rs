//! `GET /api/kpi/monthly` (IEEE 1366 indices per calendar month, with and without major
//! event days) and `GET /api/outages/worst-feeders` (feeders by customer-minutes) over a
//! period of the outage history: the same per-day, per-feeder rows `/api/kpi` reads, from
//! the synthetic history or PostgreSQL ([`super::history_source`]), reduced by
//! [`crate::analytics::monthly`], so months and feeders add up to `/api/kpi`'s period.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::Json;
use serde::Serialize;

use super::assets::str_attr;
use super::history_source::{self, PeriodDays};
use super::{dates, params};
use crate::analytics::kpi_request::kpi_config;
use crate::analytics::monthly::{monthly, worst_feeders};
use crate::analytics::{CustomerBase, DayFeeder, Period, ReliabilityIndices};
use crate::http::{ApiError, AppState};
use crate::index::Snapshot;
use crate::topology::GridGraph;

/// Feeders listed without `limit`.
pub const DEFAULT_FEEDERS: usize = 10;
/// Feeders listed at most.
pub const MAX_FEEDERS: usize = 1_000;

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// One month.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MonthDoc {
    pub month: String,
    pub from: String,
    pub to: String,
    pub saidi: f64,
    pub saifi: f64,
    pub caidi: f64,
    pub saidi_excl_med: f64,
    pub saifi_excl_med: f64,
    pub caidi_excl_med: f64,
    pub customers_interrupted: u64,
    pub customer_minutes: f64,
    pub sustained_events: u64,
    pub med_days: usize,
}

/// `GET /api/kpi/monthly`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MonthlyDoc {
    pub months: Vec<MonthDoc>,
    pub from: String,
    pub to: String,
    pub exclude_med: bool,
    pub customers_served: u64,
    pub version: u64,
}

/// One feeder of the ranking.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FeederDoc {
    pub feeder_id: i64,
    pub feeder_name: Option<String>,
    pub substation_id: i64,
    pub substation_name: Option<String>,
    pub customer_minutes: f64,
    pub interruptions: u64,
    pub customers_interrupted: u64,
    pub customers_served: u64,
    pub saidi: f64,
    pub saifi: f64,
}

/// `GET /api/outages/worst-feeders`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WorstFeedersDoc {
    pub feeders: Vec<FeederDoc>,
    pub count: usize,
    pub truncated: bool,
    pub from: String,
    pub to: String,
    pub version: u64,
}

fn monthly_doc(
    snapshot: &Snapshot,
    period: Period,
    rows: &[&[DayFeeder]],
    base: &CustomerBase,
    exclude_med: bool,
) -> MonthlyDoc {
    let months = monthly(rows, base, &kpi_config(period))
        .into_iter()
        .map(|m| {
            let main: &ReliabilityIndices = if exclude_med {
                &m.excluding_meds
            } else {
                &m.all
            };
            MonthDoc {
                month: m.month,
                from: dates::format(m.period.start),
                to: dates::format(m.period.end),
                saidi: r3(main.saidi),
                saifi: r3(main.saifi),
                caidi: r3(main.caidi),
                saidi_excl_med: r3(m.excluding_meds.saidi),
                saifi_excl_med: r3(m.excluding_meds.saifi),
                caidi_excl_med: r3(m.excluding_meds.caidi),
                customers_interrupted: main.customer_interruptions,
                customer_minutes: r3(main.customer_minutes),
                sustained_events: main.sustained_events,
                med_days: m.med_days,
            }
        })
        .collect();
    MonthlyDoc {
        months,
        from: dates::format(period.start),
        to: dates::format(period.end),
        exclude_med,
        customers_served: base.total,
        version: snapshot.version,
    }
}

fn feeder_name(snapshot: &Snapshot, graph: Option<&GridGraph>, feeder: i64) -> Option<String> {
    let span = graph?.feeder_span(feeder)?;
    let l = snapshot.layer("feeders")?;
    str_attr(l, l.feature(span)?, "feeder_name").map(str::to_owned)
}

fn substation_name(snapshot: &Snapshot, id: i64) -> Option<String> {
    let l = snapshot.layer("substations")?;
    str_attr(l, l.feature(u64::try_from(id).ok()?)?, "name").map(str::to_owned)
}

fn worst_doc(
    snapshot: &Snapshot,
    graph: Option<&GridGraph>,
    period: Period,
    rows: &[&[DayFeeder]],
    base: &CustomerBase,
    limit: usize,
) -> WorstFeedersDoc {
    let ranked = worst_feeders(rows, base, &kpi_config(period));
    let count = ranked.len();
    let feeders: Vec<FeederDoc> = ranked
        .into_iter()
        .take(limit)
        .map(|(g, sub)| FeederDoc {
            feeder_id: g.id,
            feeder_name: feeder_name(snapshot, graph, g.id),
            substation_id: sub,
            substation_name: substation_name(snapshot, sub),
            customer_minutes: r3(g.all.customer_minutes),
            interruptions: g.all.sustained_events,
            customers_interrupted: g.all.customer_interruptions,
            customers_served: g.all.customers_served,
            saidi: r3(g.all.saidi),
            saifi: r3(g.all.saifi),
        })
        .collect();
    WorstFeedersDoc {
        truncated: count > feeders.len(),
        feeders,
        count,
        from: dates::format(period.start),
        to: dates::format(period.end),
        version: snapshot.version,
    }
}

/// Runs `f` on the blocking pool over the period's rows from PostgreSQL (`pg`, read
/// before) or the synthetic history, with the snapshot and its graph.
async fn with_days<T, F>(
    state: &AppState,
    q: params::Query,
    pg: Option<PeriodDays>,
    f: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Snapshot, Option<&GridGraph>, Period, &[&[DayFeeder]], &CustomerBase) -> T
        + Send
        + 'static,
{
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let snapshot = state.snapshot_arc();
        let graph = state.store().graph(&snapshot).ok();
        if let Some(d) = pg {
            return Ok(f(
                &snapshot,
                graph.as_deref(),
                d.period,
                &[&d.rows],
                &d.base,
            ));
        }
        let now = super::kpi::now();
        let h = super::kpi::history_of(&state, &snapshot, now);
        let period = super::kpi::checked_period(&q, &h, now)?;
        let (whole, partial) = h.daily.period_rows(&h.events, &h.base.by_feeder, &period);
        Ok(f(
            &snapshot,
            graph.as_deref(),
            period,
            &[whole, &partial],
            &h.base,
        ))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("history task failed: {e}")))?
}

/// IEEE 1366 indices per local calendar month of the period (clipped to it) from the same
/// per-day, per-feeder sums as `/api/kpi`; the months' customer-minutes and SAIDI add up to
/// `/api/kpi`'s for the same period.
#[utoipa::path(get, path = "/api/kpi/monthly", tag = "analytics",
    params(
        ("from" = Option<String>, Query, format = DateTime, description = "period start (RFC 3339; default: to - 365 days)"),
        ("to" = Option<String>, Query, format = DateTime, description = "period end (RFC 3339; default: now)"),
        ("exclude_med" = Option<bool>, Query, description = "saidi / saifi / caidi / customers_interrupted / customer_minutes without major event days (default false)"),
    ),
    responses(
        (status = 200, description = "months (at most 120), from, to, customers_served, version", body = MonthlyDoc),
        (status = 400, description = "bad date, from >= to, outside the history, or bad parameter", body = crate::http::error::ErrorBody),
        (status = 503, description = super::PG_DOWN, body = crate::http::error::ErrorBody),
    ))]
pub async fn kpi_monthly(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<MonthlyDoc>, ApiError> {
    let exclude_med = params::flag(&q, "exclude_med", false)?;
    let pg = history_source::pg_period_days(&state, &q).await?;
    with_days(&state, q, pg, move |snap, _, period, rows, base| {
        monthly_doc(snap, period, rows, base, exclude_med)
    })
    .await
    .map(Json)
}

/// Feeders with sustained interruptions in the period by customer-minutes (most first),
/// from the same rows as `/api/kpi`.
#[utoipa::path(get, path = "/api/outages/worst-feeders", tag = "analytics",
    params(
        ("from" = Option<String>, Query, format = DateTime, description = "period start (RFC 3339; default: to - 365 days)"),
        ("to" = Option<String>, Query, format = DateTime, description = "period end (RFC 3339; default: now)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "list at most this many (default 10; count, truncated)"),
    ),
    responses(
        (status = 200, description = "feeders, count, truncated, from, to, version", body = WorstFeedersDoc),
        (status = 400, description = "bad date, from >= to, outside the history, or bad parameter", body = crate::http::error::ErrorBody),
        (status = 503, description = super::PG_DOWN, body = crate::http::error::ErrorBody),
    ))]
pub async fn worst(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<WorstFeedersDoc>, ApiError> {
    let limit = match q.get("limit") {
        None => DEFAULT_FEEDERS,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n >= 1 => n.min(MAX_FEEDERS),
            _ => return Err(params::bad("limit", "an integer of at least 1")),
        },
    };
    let pg = history_source::pg_period_days(&state, &q).await?;
    with_days(&state, q, pg, move |snap, graph, period, rows, base| {
        worst_doc(snap, graph, period, rows, base, limit)
    })
    .await
    .map(Json)
}
