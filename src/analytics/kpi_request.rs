//! One KPI request's indices from either history: the synthetic one of the snapshot
//! ([`synthetic_kpi`]: its per-day index, whole days precomputed and partial days aggregated
//! now) or a database's per-day, per-feeder rows ([`kpi_from_rows`]), with the period rules
//! each history imposes ([`synthetic_period`], [`database_period`]) and where the events came
//! from ([`HistoryInfo`], a member of the responses). The HTTP handlers parse the query, read
//! rows from the backend and call these.

use serde::Serialize;
use thiserror::Error;
use utoipa::ToSchema;

use super::outage_history::History;
use super::time::{format_rfc3339, DAY_S, HOUSTON_UTC_OFFSET_S};
use super::{
    report_from_days, CustomerBase, DayFeeder, GroupBy, GroupIndices, KpiConfig, KpiReport, Period,
};

/// Longest period a database-backed request may span, days (about ten years).
pub const MAX_PERIOD_DAYS: i64 = 3_660;

/// Days of history restoration estimates read from a database (about three years, as the
/// synthetic one).
pub const ETR_HISTORY_DAYS: i64 = 3 * 365;

/// A period the history cannot answer for.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PeriodError {
    /// The synthetic history does not cover it.
    #[error("the outage history covers {start} to now ({now}): narrow from/to")]
    OutsideHistory { start: String, now: String },
    /// It ends after now.
    #[error("to ({to}) is in the future (now {now})")]
    Future { to: String, now: String },
    /// It is longer than [`MAX_PERIOD_DAYS`].
    #[error("the period is longer than {MAX_PERIOD_DAYS} days: narrow from/to")]
    TooLong,
}

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
            from: Some(format_rfc3339(from)),
            to: Some(format_rfc3339(to)),
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

/// The indices of one `/api/kpi` request, from either history.
pub struct KpiIndices {
    pub period: Period,
    pub exclude_med: bool,
    pub by: Option<GroupBy>,
    pub report: KpiReport,
    /// Per group with `by` (empty without).
    pub groups: Vec<GroupIndices>,
    /// Where the events came from.
    pub history: HistoryInfo,
}

/// The KPI configuration of a period: Houston local days, the 2.5 β major event day method.
pub fn kpi_config(period: Period) -> KpiConfig {
    KpiConfig {
        period,
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
        t_med_override: None,
    }
}

/// `[from, to)` checked against the synthetic history `h`: inside it and not past `now`.
pub fn synthetic_period(h: &History, from: i64, to: i64, now: i64) -> Result<Period, PeriodError> {
    if from < h.start || to > h.end.min(now) {
        return Err(PeriodError::OutsideHistory {
            start: format_rfc3339(h.start),
            now: format_rfc3339(now),
        });
    }
    Ok(Period {
        start: from,
        end: to,
    })
}

/// `[from, to)` of a database-backed request: not ending in the future, at most
/// [`MAX_PERIOD_DAYS`] long.
pub fn database_period(from: i64, to: i64, now: i64) -> Result<Period, PeriodError> {
    if to > now {
        return Err(PeriodError::Future {
            to: format_rfc3339(to),
            now: format_rfc3339(now),
        });
    }
    if to - from > MAX_PERIOD_DAYS * DAY_S {
        return Err(PeriodError::TooLong);
    }
    Ok(Period {
        start: from,
        end: to,
    })
}

/// The indices over the synthetic history `h` for `period` (checked by [`synthetic_period`]).
pub fn synthetic_kpi(
    h: &History,
    period: Period,
    exclude_med: bool,
    by: Option<GroupBy>,
) -> KpiIndices {
    let (whole, partial) = h.daily.period_rows(&h.events, &h.base.by_feeder, &period);
    let (report, groups) = report_from_days(&[whole, &partial], &h.base, &kpi_config(period), by);
    KpiIndices {
        period,
        exclude_med,
        by,
        report,
        groups,
        history: HistoryInfo::synthetic_between(h.start, h.end),
    }
}

/// The indices over a database's per-day, per-feeder `rows` of `period` (CPU work: call it on
/// the blocking pool), customers served from `base`.
pub fn kpi_from_rows(
    rows: &[DayFeeder],
    base: &CustomerBase,
    period: Period,
    exclude_med: bool,
    by: Option<GroupBy>,
    history: HistoryInfo,
) -> KpiIndices {
    let (report, groups) = report_from_days(&[rows], base, &kpi_config(period), by);
    KpiIndices {
        period,
        exclude_med,
        by,
        report,
        groups,
        history,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_periods_end_by_now_and_stay_bounded() {
        let now = 1_800_000_000;
        assert!(database_period(now - DAY_S, now, now).is_ok());
        assert!(matches!(
            database_period(now - DAY_S, now + 1, now),
            Err(PeriodError::Future { .. })
        ));
        let long = now - (MAX_PERIOD_DAYS + 1) * DAY_S;
        assert_eq!(database_period(long, now, now), Err(PeriodError::TooLong));
        assert!(database_period(now - MAX_PERIOD_DAYS * DAY_S, now, now).is_ok());
    }

    #[test]
    fn history_info_says_where_events_came_from() {
        let pg = serde_json::to_value(HistoryInfo::postgres("outage_events")).unwrap();
        assert_eq!(
            pg,
            serde_json::json!({"source": "postgres", "synthetic": false, "table": "outage_events"})
        );
        let s = serde_json::to_value(HistoryInfo::synthetic()).unwrap();
        assert_eq!(s, serde_json::json!({"synthetic": true}));
    }
}
