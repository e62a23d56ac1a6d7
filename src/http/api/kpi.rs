//! `GET /api/kpi`: IEEE 1366 reliability indices over the deterministic synthetic outage
//! history, with outages in progress and the load served now.
//!
//! The history is computed once per snapshot version and cached: the current calendar year
//! and the two before it (Houston time), each generated as the analytics module calibrates a
//! year (seed `year − 2024`, so 2025 is its default year, three storm days), hence the same
//! events for a year whatever the day of the request. It is recomputed when a new snapshot
//! is published or a new year begins. Periods must lie inside it and not end in the future.
//! Outages in progress, customers out and field crews come from the live `outages` and
//! `crews` layers when the snapshot has them ([`super::operations`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::{json, Value as Json_};

use super::dates;
use super::grid::{total_load_mw, POWER_FACTOR};
use super::params;
use crate::analytics::time::{
    civil_from_days, day_start, days_from_civil, local_day, HOUSTON_UTC_OFFSET_S,
};
use crate::analytics::{
    breakdown, customer_base, feeder_customers, report, synthetic_year, CustomerBase,
    FeederCustomers, GroupBy, HistoryParams, Interruption, KpiConfig, Period, ReliabilityIndices,
};
use crate::http::{ApiError, AppState};
use crate::index::Snapshot;
use crate::topology::TopologySchema;

/// Groups listed at most by `by=` (`groups_truncated` beyond).
pub const MAX_GROUPS: usize = 10_000;

/// One snapshot's synthetic history and customer counts.
pub struct History {
    /// Snapshot version it was computed for.
    pub version: u64,
    /// Covered period `[start, end)`, Unix seconds.
    pub start: i64,
    pub end: i64,
    pub events: Vec<Interruption>,
    pub feeders: Vec<FeederCustomers>,
    pub base: CustomerBase,
}

/// The cached history (readers never block; one build at a time).
#[derive(Default)]
pub struct HistoryCache {
    current: ArcSwapOption<History>,
    building: Mutex<()>,
}

impl HistoryCache {
    /// The history of `snapshot`, computed now if the cache holds another version's or one
    /// whose covered period ended before `now`.
    /// Blocking: call it from the blocking pool.
    pub fn get(&self, snapshot: &Snapshot, now: i64) -> Arc<History> {
        // Stale when the snapshot changed or the covered period has ended (once a day).
        let fresh = || {
            self.current
                .load_full()
                .filter(|h| h.version == snapshot.version && now < h.end)
        };
        if let Some(h) = fresh() {
            return h;
        }
        let _guard = self.building.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = fresh() {
            return h;
        }
        let schema = TopologySchema::default();
        let feeders = feeder_customers(snapshot, &schema);
        let off = HOUSTON_UTC_OFFSET_S;
        let (year, _, _) = civil_from_days(local_day(now, off));
        let jan1 = |y: i64| days_from_civil(y, 1, 1);
        let mut events = Vec::new();
        for y in year - 2..=year {
            // Calendar years as the analytics module calibrates them (2025 = its default).
            let params = HistoryParams {
                seed: (y - 2024).unsigned_abs(),
                start: day_start(jan1(y), off),
                days: u32::try_from(jan1(y + 1) - jan1(y)).unwrap_or(365),
                storm_days: 3,
                utc_offset_s: off,
            };
            events.extend(synthetic_year(&feeders, &params));
        }
        for (i, e) in events.iter_mut().enumerate() {
            e.id = i as u64 + 1;
        }
        let h = Arc::new(History {
            version: snapshot.version,
            start: day_start(jan1(year - 2), off),
            end: day_start(jan1(year + 1), off),
            events,
            base: customer_base(snapshot, &schema),
            feeders,
        });
        self.current.store(Some(Arc::clone(&h)));
        h
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The period of a request, checked against the history's coverage.
pub fn checked_period(q: &params::Query, h: &History, now: i64) -> Result<Period, ApiError> {
    let (from, to) = dates::period(q, now, 365)?;
    if from < h.start || to > h.end.min(now) {
        return Err(ApiError::BadRequest(format!(
            "the outage history covers {} to now ({}): narrow from/to",
            dates::format(h.start),
            dates::format(now)
        )));
    }
    Ok(Period {
        start: from,
        end: to,
    })
}

fn indices_json(r: &ReliabilityIndices) -> Json_ {
    let r3 = |x: f64| (x * 1000.0).round() / 1000.0;
    json!({
        "customers_served": r.customers_served,
        "saifi": r3(r.saifi),
        "saidi_min": r3(r.saidi),
        "caidi_min": r3(r.caidi),
        "maifi": r3(r.maifi),
        "caifi": r3(r.caifi),
        "asai": (r.asai * 1e7).round() / 1e7,
        "sustained_events": r.sustained_events,
        "momentary_events": r.momentary_events,
        "customer_interruptions": r.customer_interruptions,
        "customer_minutes": r.customer_minutes.round(),
    })
}

fn kpi_doc(
    snapshot: &Snapshot,
    h: &History,
    q: &params::Query,
    now: i64,
) -> Result<Json_, ApiError> {
    let period = checked_period(q, h, now)?;
    let exclude_med = params::flag(q, "exclude_med", false)?;
    let by = match q.get("by").map(String::as_str) {
        None => None,
        Some("feeder") => Some(GroupBy::Feeder),
        Some("substation") => Some(GroupBy::Substation),
        Some(_) => return Err(params::bad("by", "feeder | substation")),
    };
    let cfg = KpiConfig {
        period,
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
        t_med_override: None,
    };
    let rep = report(&h.events, &h.base, &cfg);
    let chosen = if exclude_med {
        &rep.excluding_meds
    } else {
        &rep.all
    };
    let (active, out_now) = super::operations::active_and_out(snapshot, &h.feeders, now);
    let mut doc = json!({
        "from": dates::format(period.start),
        "to": dates::format(period.end),
        "exclude_med": exclude_med,
        "indices": indices_json(chosen),
        "active_outages": active,
        "customers_out_now": out_now,
        "total_load_mw": (total_load_mw(snapshot) * 1000.0).round() / 1000.0,
        "power_factor": POWER_FACTOR,
        "crews": super::operations::crew_counts(snapshot),
        "history": {"from": dates::format(h.start), "to": dates::format(h.end), "synthetic": true},
    });
    if exclude_med {
        let days: Vec<&str> = rep
            .major_event_days
            .iter()
            .map(|d| d.date.as_str())
            .collect();
        doc["t_med_min"] = json!(rep.threshold.map(|t| (t.t_med * 1000.0).round() / 1000.0));
        doc["major_event_days"] = json!(days);
    }
    if let Some(group) = by {
        let groups = breakdown(&h.events, &h.base, &cfg, group);
        let list: Vec<Json_> = groups
            .iter()
            .take(MAX_GROUPS)
            .map(|g| {
                let r = if exclude_med {
                    &g.excluding_meds
                } else {
                    &g.all
                };
                json!({"id": g.id, "indices": indices_json(r)})
            })
            .collect();
        doc["by"] = json!(q.get("by"));
        doc["groups"] = json!(list);
        doc["groups_truncated"] = json!(groups.len() > MAX_GROUPS);
    }
    Ok(doc)
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
        let h = state.history_cache().get(&snapshot, now);
        f(&snapshot, &h, now)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("history task failed: {e}")))?
}

/// `GET /api/kpi?from=&to=&by=feeder|substation&exclude_med=true`.
pub async fn kpi(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Json_>, ApiError> {
    with_history(&state, move |snapshot, h, now| {
        kpi_doc(snapshot, h, &q, now).map(Json)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::time::DAY_S;
    use crate::http::api::dates::{format, parse};
    use crate::index::SnapshotBuilder;
    use crate::source::demo::{generate, DemoParams};

    /// (start, customers) of the events of calendar year 2025 (Houston time).
    fn year_2025(h: &History) -> Vec<(i64, u64)> {
        let lo = parse("2025-01-01T06:00:00Z").unwrap();
        let hi = parse("2026-01-01T06:00:00Z").unwrap();
        h.events
            .iter()
            .filter(|e| e.start >= lo && e.start < hi)
            .map(|e| (e.start, e.customers_interrupted))
            .collect()
    }

    #[test]
    fn history_is_cached_per_snapshot_and_year() {
        let layers = generate(&DemoParams {
            seed: 1,
            scale: 0.02,
        });
        let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
        let cache = HistoryCache::default();
        let t = parse("2025-06-15T12:00:00Z").unwrap();
        let a = cache.get(&snap, t);
        assert_eq!(format(a.start), "2023-01-01T06:00:00Z");
        assert_eq!(format(a.end), "2026-01-01T06:00:00Z");
        assert!(a
            .events
            .iter()
            .all(|e| e.start >= a.start && e.start < a.end));
        let cached = cache.get(&snap, t + 30 * DAY_S);
        assert!(Arc::ptr_eq(&a, &cached), "same year: cached");
        let b = cache.get(&snap, a.end + 1);
        assert!(
            !Arc::ptr_eq(&a, &b) && b.end > a.end,
            "a new year: recomputed"
        );
        // A year's events do not depend on when they are computed.
        assert!(!year_2025(&a).is_empty());
        assert_eq!(year_2025(&a), year_2025(&b));
    }
}
