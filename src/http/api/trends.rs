//! `GET /api/outages/trends?from=&to=&bucket=day|week|month&by=cause|feeder`: interruptions
//! of the outage history per local (Houston) day, ISO week (from Monday) or month, with
//! counts, customers interrupted and customer-minutes, in total and per group. The history
//! is the synthetic one, or PostgreSQL's `outage_events` grouped in SQL
//! ([`super::history_source`]).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::dates;
use super::history_source::{pg_period, query_error, HistoryInfo, MAX_PERIOD_DAYS};
use super::kpi::{checked_period, now, with_history};
use super::params;
use crate::analytics::time::HOUSTON_UTC_OFFSET_S;
use crate::analytics::time::{civil_from_days, day_start, days_from_civil, local_day, weekday};
use crate::analytics::{Interruption, Period};
use crate::http::error::ErrorBody;
use crate::http::{ApiError, AppState};
use crate::source::postgres::history::{PgHistory, TrendGroup, TrendRow};

/// Group entries listed at most over all buckets (`truncated` beyond).
pub const MAX_GROUP_ENTRIES: usize = 50_000;

/// Sums of one bucket or group.
#[derive(Clone, Copy, Default)]
struct Sums {
    count: u64,
    customers: u64,
    customer_minutes: f64,
}

impl Sums {
    fn add(&mut self, e: &Interruption, as_of: i64) {
        self.count += 1;
        self.customers = self.customers.saturating_add(e.customers_interrupted);
        self.customer_minutes += e.customer_minutes(as_of);
    }

    fn add_row(&mut self, r: &TrendRow) {
        self.count += r.count;
        self.customers = self.customers.saturating_add(r.customers);
        self.customer_minutes += r.customer_minutes;
    }

    fn doc(&self) -> SumsDoc {
        SumsDoc {
            count: self.count,
            customer_minutes: self.customer_minutes.round(),
            customers_interrupted: self.customers,
        }
    }
}

/// Interruptions of a bucket or of a group in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SumsDoc {
    /// Sustained interruptions that started in the bucket.
    pub count: u64,
    pub customer_minutes: f64,
    pub customers_interrupted: u64,
}

/// One bucket of `/api/outages/trends`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendBucket {
    pub count: u64,
    pub customer_minutes: f64,
    pub customers_interrupted: u64,
    /// With `by`: sums per cause or feeder id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub groups: Option<BTreeMap<String, SumsDoc>>,
    /// The bucket's first instant (local midnight, RFC 3339).
    pub start: String,
}

/// `GET /api/outages/trends`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendsDoc {
    pub bucket: &'static str,
    pub buckets: Vec<TrendBucket>,
    /// `cause`, `feeder`, or `null`.
    pub by: Option<&'static str>,
    pub from: String,
    pub history: HistoryInfo,
    pub to: String,
    /// Group entries beyond 50,000 were left out.
    pub truncated: bool,
}

/// A trend bucket width.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrendBucketWidth {
    Day,
    Week,
    Month,
}

/// What `/api/outages/trends?by=` groups by.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrendGroupBy {
    Cause,
    Feeder,
}

/// First local day of the bucket holding local day `day`.
fn bucket_day(day: i64, bucket: &str) -> i64 {
    match bucket {
        "week" => day - i64::from(weekday(day)),
        "month" => {
            let (y, m, _) = civil_from_days(day);
            days_from_civil(y, m, 1)
        }
        _ => day,
    }
}

/// Per bucket (first local day): totals and per group.
type Buckets = BTreeMap<i64, (Sums, BTreeMap<String, Sums>)>;

/// `bucket` and `by` of a request.
fn trend_params(q: &params::Query) -> Result<(&'static str, Option<&'static str>), ApiError> {
    let bucket = params::choice(q, "bucket", &["day", "week", "month"], "day")?;
    let by = match q.get("by") {
        None => None,
        Some(_) => Some(params::choice(q, "by", &["cause", "feeder"], "cause")?),
    };
    Ok((bucket, by))
}

fn trends_doc(h: &super::kpi::History, q: &params::Query, now: i64) -> Result<TrendsDoc, ApiError> {
    let period = checked_period(q, h, now)?;
    let (bucket, by) = trend_params(q)?;
    let off = HOUSTON_UTC_OFFSET_S;
    let mut buckets = Buckets::new();
    for e in h.events.iter().filter(|e| period.contains(e.start)) {
        let b = bucket_day(local_day(e.start, off), bucket);
        let entry = buckets.entry(b).or_default();
        entry.0.add(e, period.end);
        if let Some(by) = by {
            let key = match by {
                "feeder" => e.feeder_id.to_string(),
                _ => serde_json::to_value(e.cause)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            };
            entry.1.entry(key).or_default().add(e, period.end);
        }
    }
    Ok(render(
        &period,
        bucket,
        by,
        &buckets,
        HistoryInfo::synthetic(),
    ))
}

/// The buckets of `outage_events` in `period`: totals, and the first
/// [`MAX_GROUP_ENTRIES`] + 1 group rows with `by` (in bucket and key order).
async fn pg_buckets(
    db: &PgHistory,
    period: &Period,
    bucket: &str,
    by: Option<&str>,
) -> Result<Buckets, ApiError> {
    let off = HOUSTON_UTC_OFFSET_S;
    let (from, to) = (period.start, period.end);
    let max_buckets = MAX_PERIOD_DAYS as usize + 2;
    let totals = db
        .trend_rows(from, to, bucket, None, off, max_buckets)
        .await
        .map_err(query_error)?;
    let mut buckets = Buckets::new();
    for r in &totals {
        buckets.entry(r.day).or_default().0.add_row(r);
    }
    let group = match by {
        None => return Ok(buckets),
        Some("feeder") => TrendGroup::Feeder,
        Some(_) => TrendGroup::Cause,
    };
    let rows = db
        .trend_rows(from, to, bucket, Some(group), off, MAX_GROUP_ENTRIES + 1)
        .await
        .map_err(query_error)?;
    for r in &rows {
        let entry = buckets.entry(r.day).or_default();
        entry.1.entry(r.key.clone()).or_default().add_row(r);
    }
    Ok(buckets)
}

/// The response over `buckets` (at most [`MAX_GROUP_ENTRIES`] group entries listed).
fn render(
    period: &Period,
    bucket: &'static str,
    by: Option<&'static str>,
    buckets: &Buckets,
    history: HistoryInfo,
) -> TrendsDoc {
    let off = HOUSTON_UTC_OFFSET_S;
    let mut listed = 0usize;
    let mut truncated = false;
    let list = buckets
        .iter()
        .map(|(&day, (sums, groups))| {
            let groups = by.map(|_| {
                let mut g = BTreeMap::new();
                for (k, s) in groups {
                    if listed >= MAX_GROUP_ENTRIES {
                        truncated = true;
                        break;
                    }
                    listed += 1;
                    g.insert(k.clone(), s.doc());
                }
                g
            });
            let total = sums.doc();
            TrendBucket {
                count: total.count,
                customer_minutes: total.customer_minutes,
                customers_interrupted: total.customers_interrupted,
                groups,
                start: dates::format(day_start(day, off)),
            }
        })
        .collect();
    TrendsDoc {
        bucket,
        buckets: list,
        by,
        from: dates::format(period.start),
        history,
        to: dates::format(period.end),
        truncated,
    }
}

/// Interruptions per bucket (count, customers interrupted, customer-minutes), optionally
/// per cause or feeder; from `outage_events` (grouped in SQL) on the PostgreSQL source with
/// `postgres.history`.
#[utoipa::path(get, path = "/api/outages/trends", tag = "analytics",
    params(
        ("from" = Option<String>, Query, format = DateTime, description = "period start (RFC 3339; default: to - 365 days)"),
        ("to" = Option<String>, Query, format = DateTime, description = "period end (RFC 3339; default: now)"),
        ("bucket" = Option<TrendBucketWidth>, Query, description = "bucket (local Houston days; weeks from Monday; default day)"),
        ("by" = Option<TrendGroupBy>, Query, description = "add sums per group in each bucket (at most 50,000 entries, truncated)"),
    ),
    responses(
        (status = 200, description = "buckets", body = TrendsDoc),
        (status = 400, description = "bad date, from >= to, outside the history, or bad parameter", body = ErrorBody),
        (status = 503, description = super::PG_DOWN, body = ErrorBody),
    ))]
pub async fn trends(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<TrendsDoc>, ApiError> {
    let Some(pg) = state.pg_history() else {
        return with_history(&state, move |_, h, now| trends_doc(h, &q, now).map(Json)).await;
    };
    let period = pg_period(&q, now(), 365)?;
    let (bucket, by) = trend_params(&q)?;
    let buckets = pg_buckets(&pg.db, &period, bucket, by).await?;
    let history = HistoryInfo::postgres("outage_events");
    Ok(Json(render(&period, bucket, by, &buckets, history)))
}
