//! The operations layers: crews at their depots, one outage per locked-out recloser,
//! consistent with the de-energized assets.

use std::collections::{HashMap, HashSet};

use super::tests::{int, layer, small, text};
use super::*;

#[test]
fn crews_are_available_at_substation_depots() {
    let layers = small();
    let subs = layer(layers, "substations");
    let crews = layer(layers, "crews");
    assert_eq!(crews.features.len(), subs.features.len().div_ceil(2).max(3));
    let sub_ids: HashSet<u64> = subs.features.iter().map(|f| f.id).collect();
    for (i, c) in crews.features.iter().enumerate() {
        assert_eq!(c.id, CREW_ID + i as u64);
        assert_eq!(text(crews, c, "status"), "available");
        assert_eq!(int(crews, c, "assigned_outage_id"), None);
        let depot = int(crews, c, "substation_id").unwrap() as u64;
        assert!(sub_ids.contains(&depot), "crew {} depot {depot}", c.id);
    }
}

#[test]
fn one_outage_per_lockout_with_its_customers_out() {
    let layers = small();
    let outages = layer(layers, "outages");
    let switches = layer(layers, "switches");
    let meters = layer(layers, "meters");
    let spans = layer(layers, "feeders");
    let open_reclosers: HashSet<u64> = switches
        .features
        .iter()
        .filter(|f| {
            text(switches, f, "device_type") == "recloser"
                && text(switches, f, "current_state") == "open"
        })
        .map(|f| f.id)
        .collect();
    assert!(!outages.features.is_empty(), "the demo has faults");
    let devices: HashSet<u64> = outages
        .features
        .iter()
        .map(|o| int(outages, o, "device_id").unwrap() as u64)
        .collect();
    assert_eq!(
        devices, open_reclosers,
        "one outage per locked-out recloser"
    );
    let mut dark_per_feeder: HashMap<i64, i64> = HashMap::new();
    for m in &meters.features {
        if text(meters, m, "status") != "energized" {
            *dark_per_feeder
                .entry(int(meters, m, "feeder_id").unwrap())
                .or_default() += 1;
        }
    }
    let mut total = 0;
    for (n, o) in outages.features.iter().enumerate() {
        assert_eq!(o.id, OUTAGE_ID + n as u64);
        let feeder = int(outages, o, "feeder_id").unwrap();
        let out = int(outages, o, "customers_out").unwrap();
        assert!(out > 0, "outage {} has customers out", o.id);
        assert_eq!(out, dark_per_feeder[&feeder], "outage {}", o.id);
        total += out;
        assert_eq!(text(outages, o, "status"), "active");
        assert_eq!(int(outages, o, "crew_id"), None);
        assert!(text(outages, o, "start_time").starts_with(INITIAL_OUTAGE_START));
        let faults = spans
            .features
            .iter()
            .filter(|s| {
                int(spans, s, "feeder_id") == Some(feeder) && text(spans, s, "status") == "fault"
            })
            .count();
        assert_eq!(faults, 1, "outage {}: one faulted span on its feeder", o.id);
    }
    assert_eq!(
        total,
        dark_per_feeder.values().sum::<i64>(),
        "every dark meter is in an outage"
    );
}

#[test]
fn outages_move_to_just_before_the_server_starts() {
    let mut layers = small().to_vec();
    let parse = |s: &str| crate::analytics::time::parse_rfc3339(s).expect("RFC 3339 start_time");
    let before: Vec<i64> = {
        let o = layer(&layers, "outages");
        o.features
            .iter()
            .map(|f| parse(text(o, f, "start_time")))
            .collect()
    };
    assert!(!before.is_empty(), "the small grid has outages");
    let now = 1_800_000_000; // 2027-01-15T08:00:00Z
    start_outages_before(&mut layers, now);
    let o = layer(&layers, "outages");
    let moved: Vec<i64> = o
        .features
        .iter()
        .map(|f| parse(text(o, f, "start_time")))
        .collect();
    for (f, t) in o.features.iter().zip(&moved) {
        assert!(
            *t <= now - 15 * 60,
            "outage {} starts 15 min or more before now",
            f.id
        );
        assert!(
            *t >= now - (15 + 9 * 60) * 60,
            "outage {} started today",
            f.id
        );
    }
    // One shift for all: order and spacing as on the reference day.
    let shift = moved[0] - before[0];
    assert!(moved.iter().zip(&before).all(|(m, b)| m - b == shift));
    // Nothing else changed.
    let fresh = small();
    for l in &layers {
        if l.name != "outages" {
            assert_eq!(l, layer(fresh, &l.name));
        }
    }
}
