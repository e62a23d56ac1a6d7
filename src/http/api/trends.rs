//! `GET /api/outages/trends?from=&to=&bucket=day|week|month&by=cause|feeder`: interruptions
//! of the outage history per local (Houston) day, ISO week (from Monday) or month, with
//! counts, customers interrupted and customer-minutes, in total and per group. The history
//! is the synthetic one, or PostgreSQL's `outage_events` grouped in SQL
//! ([`super::history_source`]).

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value as Json_};

use super::dates;
use super::history_source::{pg_period, query_error, MAX_PERIOD_DAYS};
use super::kpi::{checked_period, now, with_history};
use super::params;
use crate::analytics::time::HOUSTON_UTC_OFFSET_S;
use crate::analytics::time::{civil_from_days, day_start, days_from_civil, local_day, weekday};
use crate::analytics::{Interruption, Period};
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

    fn json(&self) -> Json_ {
        json!({
            "count": self.count,
            "customers_interrupted": self.customers,
            "customer_minutes": self.customer_minutes.round(),
        })
    }
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

fn trends_doc(h: &super::kpi::History, q: &params::Query, now: i64) -> Result<Json_, ApiError> {
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
        json!({"synthetic": true}),
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
    bucket: &str,
    by: Option<&str>,
    buckets: &Buckets,
    history: Json_,
) -> Json_ {
    let off = HOUSTON_UTC_OFFSET_S;
    let mut listed = 0usize;
    let mut truncated = false;
    let list: Vec<Json_> = buckets
        .iter()
        .map(|(&day, (sums, groups))| {
            let mut doc = sums.json();
            doc["start"] = json!(dates::format(day_start(day, off)));
            if by.is_some() {
                let mut g = serde_json::Map::new();
                for (k, s) in groups {
                    if listed >= MAX_GROUP_ENTRIES {
                        truncated = true;
                        break;
                    }
                    listed += 1;
                    g.insert(k.clone(), s.json());
                }
                doc["groups"] = Json_::Object(g);
            }
            doc
        })
        .collect();
    json!({
        "from": dates::format(period.start),
        "to": dates::format(period.end),
        "bucket": bucket,
        "by": by,
        "buckets": list,
        "truncated": truncated,
        "history": history,
    })
}

/// `GET /api/outages/trends`.
pub async fn trends(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Json_>, ApiError> {
    let Some(pg) = state.pg_history() else {
        return with_history(&state, move |_, h, now| trends_doc(h, &q, now).map(Json)).await;
    };
    let period = pg_period(&q, now(), 365)?;
    let (bucket, by) = trend_params(&q)?;
    let buckets = pg_buckets(&pg.db, &period, bucket, by).await?;
    let history = json!({"source": "postgres", "table": "outage_events", "synthetic": false});
    Ok(Json(render(&period, bucket, by, &buckets, history)))
}
