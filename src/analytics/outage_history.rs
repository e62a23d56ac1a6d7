//! The outage history a snapshot's KPIs read: three calendar years (Houston time) of
//! deterministic synthetic interruptions, each generated as [`super::history`] calibrates a
//! year (seed `year − 2024`, so 2025 is its default year, three storm days), hence the same
//! events for a year whatever the day it is computed; with the customer counts of the
//! snapshot, the per-day sums KPI requests read and the duration table restoration
//! estimates use. Built once and kept while [`History::covers`] holds, across snapshot
//! versions whose customer counts read the same attributes ([`History::valid_for`]).

use std::sync::Arc;

use super::etr::{self, DurationTable};
use super::inputs::Inputs;
use super::time::HOUSTON_UTC_OFFSET_S;
use super::{
    calendar_years, customer_base, feeder_customers, CustomerBase, DailyIndex, FeederCustomers,
    Interruption,
};
use crate::index::Snapshot;
use crate::topology::TopologySchema;

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
    /// The events' per-day, per-feeder sums (what a KPI request reads).
    pub daily: DailyIndex,
    /// Durations of the sustained events by cause (restoration estimates).
    pub durations: Arc<DurationTable>,
    /// What the customer counts read.
    inputs: Inputs,
}

impl History {
    /// The synthetic history of `snapshot` at Unix time `now`: the current calendar year
    /// and the two before it.
    pub fn synthetic(snapshot: &Snapshot, now: i64) -> History {
        let schema = TopologySchema::default();
        let (feeder, substation) = (schema.feeder_id.as_str(), schema.substation_id.as_str());
        let inputs = Inputs::of(
            snapshot,
            None,
            &[
                (&schema.meters_layer, &[feeder, substation]),
                (
                    &schema.transformers_layer,
                    &[feeder, substation, &schema.customer_count],
                ),
            ],
        );
        let feeders = feeder_customers(snapshot, &schema);
        let off = HOUSTON_UTC_OFFSET_S;
        // Calendar years as the analytics module calibrates them (2025 = its default).
        let (start, end, events) = calendar_years(&feeders, now, off, 3);
        let base = customer_base(snapshot, &schema);
        let daily = DailyIndex::new(&events, &base.by_feeder, off);
        let durations = Arc::new(DurationTable::from_samples(&etr::samples_of(&events)));
        History {
            version: snapshot.version,
            start,
            end,
            events,
            base,
            feeders,
            daily,
            durations,
            inputs,
        }
    }

    /// True when `snapshot` has the customers this history was computed with (the meters'
    /// feeders and substations, or the transformers' counts): the history is the same.
    pub fn valid_for(&self, snapshot: &Snapshot) -> bool {
        self.inputs.unchanged(snapshot, None)
    }

    /// Whether the history still covers `now` (it is recomputed once a new year begins).
    pub fn covers(&self, now: i64) -> bool {
        now < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::time::{format_rfc3339 as format, parse_rfc3339 as parse, DAY_S};
    use crate::index::SnapshotBuilder;
    use crate::live::PerVersion;
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
        let cache: PerVersion<History> = PerVersion::default();
        let get = |snap: &Snapshot, now: i64| {
            cache
                .get_or_build(
                    snap.version,
                    |h| h.covers(now),
                    |_| Ok::<_, ()>(History::synthetic(snap, now)),
                )
                .unwrap()
        };
        let t = parse("2025-06-15T12:00:00Z").unwrap();
        let a = get(&snap, t);
        assert_eq!(format(a.start), "2023-01-01T06:00:00Z");
        assert_eq!(format(a.end), "2026-01-01T06:00:00Z");
        assert!(a
            .events
            .iter()
            .all(|e| e.start >= a.start && e.start < a.end));
        let cached = get(&snap, t + 30 * DAY_S);
        assert!(Arc::ptr_eq(&a, &cached), "same year: cached");
        let b = get(&snap, a.end + 1);
        assert!(
            !Arc::ptr_eq(&a, &b) && b.end > a.end,
            "a new year: recomputed"
        );
        // Another version with the same customers: the same history; other customers: not.
        let meters = snap.layer("meters").unwrap();
        let status = meters
            .fields
            .iter()
            .position(|f| f.name == "status")
            .unwrap();
        let feeder = meters
            .fields
            .iter()
            .position(|f| f.name == "feeder_id")
            .unwrap();
        let edit = |i: usize, v: crate::model::Value| {
            let mut changes = crate::index::ChangeSet::default();
            let mut props = meters.features[0].properties.clone();
            props[i] = Some(v);
            changes
                .layers
                .entry("meters".into())
                .or_default()
                .attributes
                .push((meters.features[0].id, props));
            snap.apply(changes, snap.version + 1).unwrap().snapshot
        };
        assert!(a.valid_for(&edit(status, "de-energized".into())));
        assert!(!a.valid_for(&edit(feeder, crate::model::Value::Int(-77))));
        // A year's events do not depend on when they are computed.
        assert!(!year_2025(&a).is_empty());
        assert_eq!(year_2025(&a), year_2025(&b));
    }
}
