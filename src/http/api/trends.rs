//! `GET /api/outages/trends?from=&to=&bucket=day|week|month&by=cause|feeder`: interruptions
//! of the synthetic history per local (Houston) day, ISO week (from Monday) or month, with
//! counts, customers interrupted and customer-minutes, in total and per group.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value as Json_};

use super::dates;
use super::kpi::{checked_period, with_history};
use super::params;
use crate::analytics::time::HOUSTON_UTC_OFFSET_S;
use crate::analytics::time::{civil_from_days, day_start, days_from_civil, local_day, weekday};
use crate::analytics::Interruption;
use crate::http::{ApiError, AppState};

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

fn trends_doc(h: &super::kpi::History, q: &params::Query, now: i64) -> Result<Json_, ApiError> {
    let period = checked_period(q, h, now)?;
    let bucket = params::choice(q, "bucket", &["day", "week", "month"], "day")?;
    let by = match q.get("by") {
        None => None,
        Some(_) => Some(params::choice(q, "by", &["cause", "feeder"], "cause")?),
    };
    let off = HOUSTON_UTC_OFFSET_S;
    let mut buckets: BTreeMap<i64, (Sums, BTreeMap<String, Sums>)> = BTreeMap::new();
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
    Ok(json!({
        "from": dates::format(period.start),
        "to": dates::format(period.end),
        "bucket": bucket,
        "by": by,
        "buckets": list,
        "truncated": truncated,
        "history": {"synthetic": true},
    }))
}

/// `GET /api/outages/trends`.
pub async fn trends(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Json_>, ApiError> {
    with_history(&state, move |_, h, now| trends_doc(h, &q, now).map(Json)).await
}
