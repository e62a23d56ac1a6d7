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

use super::dates;
use super::kpi::{checked_period, History};
use super::params;
use crate::analytics::etr::DurationTable;
use crate::analytics::kpi_request::{self, ETR_HISTORY_DAYS};
use crate::analytics::time::{DAY_S, HOUSTON_UTC_OFFSET_S};
use crate::analytics::{customer_base, CustomerBase, GroupBy, Period};
use crate::http::{ApiError, AppState};
use crate::live::PerVersion;
use crate::source::postgres::history::durations::DurationGroup;
use crate::source::postgres::history::{HistoryError, PgHistory};
use crate::topology::TopologySchema;

pub use crate::analytics::kpi_request::{HistoryInfo, KpiIndices, MAX_PERIOD_DAYS};

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

/// The indices of a request over the synthetic history `h`.
pub fn synthetic_kpi(h: &History, q: &params::Query, now: i64) -> Result<KpiIndices, ApiError> {
    let period = checked_period(q, h, now)?;
    let (exclude_med, by) = kpi_params(q)?;
    Ok(kpi_request::synthetic_kpi(h, period, exclude_med, by))
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

/// A `[from, to)` period of a PostgreSQL-backed request: RFC 3339 dates, `from < to`, and
/// [`kpi_request::database_period`]'s rules; defaults to the last `default_days` days.
pub fn pg_period(q: &params::Query, now: i64, default_days: i64) -> Result<Period, ApiError> {
    let (from, to) = dates::period(q, now, default_days)?;
    Ok(kpi_request::database_period(from, to, now)?)
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
        tokio::task::spawn_blocking(move || {
            let history = HistoryInfo::postgres("outage_events");
            kpi_request::kpi_from_rows(&rows, &base, period, exclude_med, by, history)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("KPI task failed: {e}")))
    }
}
