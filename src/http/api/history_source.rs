//! Where `/api/kpi`, `/api/outages/trends` and `/api/ami/history` read their history: the
//! deterministic synthetic history of the snapshot (in memory, [`synthetic_kpi`]) or, when
//! the server runs on PostgreSQL with `postgres.history` on, the `outage_events` and
//! `ami_readings` tables ([`PgBackend`], aggregation in SQL).
//!
//! Both give the IEEE 1366 indices from per-day, per-feeder sums
//! ([`crate::analytics::daily`]); customers served (`N_T`, per feeder for CAIFI) always
//! come from the snapshot's meters. Database failures are `503` with a fixed message (the
//! reason, never the connection string, goes to the log); a period needing more rows than
//! a response may aggregate is a `400`.

use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use super::dates;
use super::kpi::{checked_period, History};
use super::params;
use crate::analytics::etr::DurationTable;
use crate::analytics::time::{DAY_S, HOUSTON_UTC_OFFSET_S};
use crate::analytics::{
    customer_base, report_from_days, CustomerBase, GroupBy, GroupIndices, KpiConfig, KpiReport,
    Period,
};
use crate::http::{ApiError, AppState};
use crate::live::PerVersion;
use crate::source::postgres::history::durations::DurationGroup;
use crate::source::postgres::history::{HistoryError, PgHistory};
use crate::topology::TopologySchema;

/// Longest period a PostgreSQL-backed request may span, days (about ten years).
pub const MAX_PERIOD_DAYS: i64 = 3_660;

/// Where a response's history came from: the synthetic history (`synthetic: true`, with the
/// period it covers for the KPIs) or a PostgreSQL table.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryInfo {
    /// Start of the synthetic history (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub from: Option<String>,
    /// `postgres` when read from the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub source: Option<&'static str>,
    pub synthetic: bool,
    /// The table read (PostgreSQL).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub table: Option<&'static str>,
    /// End of the synthetic history (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub to: Option<String>,
}

impl HistoryInfo {
    /// The synthetic history, without its period.
    pub fn synthetic() -> HistoryInfo {
        HistoryInfo {
            from: None,
            source: None,
            synthetic: true,
            table: None,
            to: None,
        }
    }

    /// The synthetic history covering `from` to `to` (Unix seconds).
    pub fn synthetic_between(from: i64, to: i64) -> HistoryInfo {
        HistoryInfo {
            from: Some(dates::format(from)),
            to: Some(dates::format(to)),
            ..HistoryInfo::synthetic()
        }
    }

    /// PostgreSQL's `table`.
    pub fn postgres(table: &'static str) -> HistoryInfo {
        HistoryInfo {
            source: Some("postgres"),
            synthetic: false,
            table: Some(table),
            ..HistoryInfo::synthetic()
        }
    }
}

/// The indices of one `/api/kpi` request, from either backend.
pub struct KpiIndices {
    pub period: Period,
    pub exclude_med: bool,
    pub by: Option<GroupBy>,
    pub report: KpiReport,
    /// Per group with `by` (empty without).
    pub groups: Vec<GroupIndices>,
    /// The `history` member of the response (where the events came from).
    pub history: HistoryInfo,
}

/// `exclude_med` and `by` of a KPI request.
pub fn kpi_params(q: &params::Query) -> Result<(bool, Option<GroupBy>), ApiError> {
    let exclude_med = params::flag(q, "exclude_med", false)?;
    let by = match q.get("by").map(String::as_str) {
        None => None,
        Some("feeder") => Some(GroupBy::Feeder),
        Some("substation") => Some(GroupBy::Substation),
        Some(_) => return Err(params::bad("by", "feeder | substation")),
    };
    Ok((exclude_med, by))
}

fn config(period: Period) -> KpiConfig {
    KpiConfig {
        period,
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
        t_med_override: None,
    }
}

/// The indices of a request over the synthetic history `h` (its per-day index: whole days
/// precomputed, partial days aggregated now).
pub fn synthetic_kpi(h: &History, q: &params::Query, now: i64) -> Result<KpiIndices, ApiError> {
    let period = checked_period(q, h, now)?;
    let (exclude_med, by) = kpi_params(q)?;
    let (whole, partial) = h.daily.period_rows(&h.events, &h.base.by_feeder, &period);
    let (report, groups) = report_from_days(&[whole, &partial], &h.base, &config(period), by);
    Ok(KpiIndices {
        period,
        exclude_med,
        by,
        report,
        groups,
        history: HistoryInfo::synthetic_between(h.start, h.end),
    })
}

/// The indices from PostgreSQL when the server reads its history there; `None` for the
/// synthetic history (computed with the snapshot's history by the handler).
pub async fn kpi_indices(
    state: &AppState,
    q: &params::Query,
) -> Result<Option<KpiIndices>, ApiError> {
    match state.pg_history() {
        Some(pg) => pg.kpi(state, q).await.map(Some),
        None => Ok(None),
    }
}

/// The per-day, per-feeder rows of a request's period read from PostgreSQL, with the
/// customers served.
pub struct PeriodDays {
    pub period: Period,
    pub rows: Vec<crate::analytics::DayFeeder>,
    pub base: Arc<CustomerBase>,
}

/// The period's rows from PostgreSQL when the server reads its history there; `None` for
/// the synthetic history (read from the snapshot's history by the handler).
pub async fn pg_period_days(
    state: &AppState,
    q: &params::Query,
) -> Result<Option<PeriodDays>, ApiError> {
    let Some(pg) = state.pg_history() else {
        return Ok(None);
    };
    let period = pg_period(q, super::kpi::now(), 365)?;
    let base = pg.customers(state).await?;
    let served: Vec<(i64, u64)> = base.by_feeder.iter().map(|(&f, &n)| (f, n)).collect();
    let rows = pg
        .db
        .kpi_rows(period.start, period.end, &served, HOUSTON_UTC_OFFSET_S)
        .await
        .map_err(query_error)?;
    Ok(Some(PeriodDays { period, rows, base }))
}

/// A `[from, to)` period of a PostgreSQL-backed request: RFC 3339 dates, `from < to`, not
/// ending in the future, at most [`MAX_PERIOD_DAYS`] long; defaults to the last
/// `default_days` days.
pub fn pg_period(q: &params::Query, now: i64, default_days: i64) -> Result<Period, ApiError> {
    let (from, to) = dates::period(q, now, default_days)?;
    if to > now {
        return Err(ApiError::BadRequest(format!(
            "to ({}) is in the future (now {})",
            dates::format(to),
            dates::format(now)
        )));
    }
    if to - from > MAX_PERIOD_DAYS * DAY_S {
        return Err(ApiError::BadRequest(format!(
            "the period is longer than {MAX_PERIOD_DAYS} days: narrow from/to"
        )));
    }
    Ok(Period {
        start: from,
        end: to,
    })
}

/// A history query failure as the client sees it (the reason is logged, not sent).
pub fn query_error(e: HistoryError) -> ApiError {
    tracing::warn!(error = %e, "history query failed");
    match e {
        HistoryError::TooManyRows(n) => ApiError::BadRequest(format!(
            "the period needs more than {n} rows of outage history: narrow from/to"
        )),
        HistoryError::Timeout => ApiError::Unavailable(
            "the history query ran past its time limit: narrow the period or retry",
        ),
        HistoryError::MissingTable(_) => ApiError::Unavailable(
            "the PostgreSQL history tables are missing (run `gridtiles db init`)",
        ),
        HistoryError::Unavailable(_) => {
            ApiError::Unavailable("the history database is unavailable: retry later")
        }
    }
}

/// The PostgreSQL history: the queries, and the snapshot's customer counts cached per
/// snapshot version (readers never block).
pub struct PgBackend {
    pub db: PgHistory,
    customers: PerVersion<CustomerBase>,
    durations: PerVersion<DurationTable>,
}

/// Days of history restoration estimates read (about three years, as the synthetic one).
pub const ETR_HISTORY_DAYS: i64 = 3 * 365;

impl PgBackend {
    /// A backend over `db`.
    pub fn new(db: PgHistory) -> PgBackend {
        PgBackend {
            db,
            customers: PerVersion::default(),
            durations: PerVersion::default(),
        }
    }

    /// Outage duration statistics of the last [`ETR_HISTORY_DAYS`] days, read once per
    /// snapshot version (the live loop publishes a version for every outage change).
    pub async fn durations(&self, state: &AppState) -> Result<Arc<DurationTable>, ApiError> {
        let version = state.snapshot_arc().version;
        if let Some(table) = self.durations.fresh(version) {
            return Ok(table);
        }
        let now = super::kpi::now();
        let groups = self
            .db
            .duration_groups(now - ETR_HISTORY_DAYS * DAY_S, now)
            .await
            .map_err(query_error)?;
        let table = Arc::new(DurationGroup::table(&groups));
        self.durations.insert(version, Arc::clone(&table));
        Ok(table)
    }

    /// Customers served by the current snapshot (counted on the blocking pool once per
    /// version).
    async fn customers(&self, state: &AppState) -> Result<Arc<CustomerBase>, ApiError> {
        let snapshot = state.snapshot_arc();
        if let Some(base) = self.customers.fresh(snapshot.version) {
            return Ok(base);
        }
        let version = snapshot.version;
        let base = tokio::task::spawn_blocking(move || {
            Arc::new(customer_base(&snapshot, &TopologySchema::default()))
        })
        .await
        .map_err(|e| ApiError::Internal(format!("customer count failed: {e}")))?;
        self.customers.insert(version, Arc::clone(&base));
        Ok(base)
    }

    /// `/api/kpi`'s indices over `outage_events`.
    pub async fn kpi(&self, state: &AppState, q: &params::Query) -> Result<KpiIndices, ApiError> {
        let period = pg_period(q, super::kpi::now(), 365)?;
        let (exclude_med, by) = kpi_params(q)?;
        let base = self.customers(state).await?;
        let served: Vec<(i64, u64)> = base.by_feeder.iter().map(|(&f, &n)| (f, n)).collect();
        let rows = self
            .db
            .kpi_rows(period.start, period.end, &served, HOUSTON_UTC_OFFSET_S)
            .await
            .map_err(query_error)?;
        let (report, groups) = tokio::task::spawn_blocking(move || {
            report_from_days(&[&rows], &base, &config(period), by)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("KPI task failed: {e}")))?;
        Ok(KpiIndices {
            period,
            exclude_med,
            by,
            report,
            groups,
            history: HistoryInfo::postgres("outage_events"),
        })
    }
}
