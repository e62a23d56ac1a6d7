//! The per-day path equals the per-event reference ([`report`], [`breakdown`]) on a
//! synthetic year, for periods with whole and partial days, with ongoing events and
//! unsorted events, and on a small case by hand.

use std::collections::BTreeMap;

use super::*;
use crate::analytics::history::{synthetic_year, HistoryParams};
use crate::analytics::kpi::{breakdown, report, Cause};
use crate::analytics::time::{DAY_S, HOUSTON_UTC_OFFSET_S};
use crate::analytics::FeederCustomers;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn same(a: &ReliabilityIndices, b: &ReliabilityIndices, what: &str) {
    assert_eq!(
        (
            a.customers_served,
            a.sustained_events,
            a.momentary_events,
            a.customer_interruptions,
            a.momentary_customer_interruptions
        ),
        (
            b.customers_served,
            b.sustained_events,
            b.momentary_events,
            b.customer_interruptions,
            b.momentary_customer_interruptions
        ),
        "{what}"
    );
    for (x, y, name) in [
        (a.customer_minutes, b.customer_minutes, "cmi"),
        (
            a.distinct_customers_interrupted,
            b.distinct_customers_interrupted,
            "cn",
        ),
        (a.saifi, b.saifi, "saifi"),
        (a.saidi, b.saidi, "saidi"),
        (a.caidi, b.caidi, "caidi"),
        (a.maifi, b.maifi, "maifi"),
        (a.caifi, b.caifi, "caifi"),
        (a.asai, b.asai, "asai"),
    ] {
        assert!(close(x, y), "{what} {name}: {x} vs {y}");
    }
}

fn feeders() -> Vec<FeederCustomers> {
    (0..80)
        .map(|i| FeederCustomers {
            feeder_id: 1000 + i,
            substation_id: 1 + i / 10,
            customers: 40 + (i as u64 * 37) % 300,
        })
        .collect()
}

fn check(events: &[Interruption], base: &CustomerBase, period: Period) {
    let cfg = KpiConfig {
        period,
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
        t_med_override: None,
    };
    let index = DailyIndex::new(events, &base.by_feeder, HOUSTON_UTC_OFFSET_S);
    let (whole, partial) = index.period_rows(events, &base.by_feeder, &period);
    let parts = [whole, &partial[..]];
    let want = report(events, base, &cfg);
    for group in [None, Some(GroupBy::Feeder), Some(GroupBy::Substation)] {
        let (got, groups) = report_from_days(&parts, base, &cfg, group);
        same(&got.all, &want.all, "all");
        same(&got.excluding_meds, &want.excluding_meds, "excluding MEDs");
        assert_eq!(got.major_event_days.len(), want.major_event_days.len());
        for (a, b) in got.major_event_days.iter().zip(&want.major_event_days) {
            assert_eq!((a.day, &a.date), (b.day, &b.date));
            assert!(close(a.saidi, b.saidi));
        }
        match (got.threshold, want.threshold) {
            (Some(a), Some(b)) => assert!(close(a.t_med, b.t_med)),
            (a, b) => assert_eq!(a, b),
        }
        let Some(g) = group else {
            assert!(groups.is_empty());
            continue;
        };
        // The reference also lists groups whose events all lie outside the period.
        let reference: Vec<_> = breakdown(events, base, &cfg, g)
            .into_iter()
            .filter(|x| {
                x.all.customers_served > 0 || x.all.sustained_events + x.all.momentary_events > 0
            })
            .collect();
        assert_eq!(
            groups.iter().map(|x| x.id).collect::<Vec<_>>(),
            reference.iter().map(|x| x.id).collect::<Vec<_>>()
        );
        for (a, b) in groups.iter().zip(&reference) {
            same(&a.all, &b.all, &format!("group {}", a.id));
            same(&a.excluding_meds, &b.excluding_meds, "group excl");
        }
    }
}

#[test]
fn equals_the_per_event_reference() {
    let feeders = feeders();
    let params = HistoryParams::default();
    let mut events = synthetic_year(&feeders, &params);
    // An ongoing event and one on a feeder without known size.
    let mid = params.start + 200 * DAY_S + 3600;
    events.push(Interruption {
        id: 0,
        start: mid,
        end: None,
        customers_interrupted: 30,
        customer_minutes: None,
        feeder_id: 1003,
        substation_id: 1,
        cause: Cause::Equipment,
    });
    events.push(Interruption {
        id: 0,
        start: mid + 60,
        end: Some(mid + 7200),
        customers_interrupted: 12,
        customer_minutes: Some(500.0),
        feeder_id: 99,
        substation_id: 77,
        cause: Cause::Animal,
    });
    events.sort_by_key(|e| e.start);
    let base = CustomerBase::from_feeders(&feeders);
    let y0 = params.start;
    for (from, to) in [
        (y0, y0 + 365 * DAY_S),                            // whole days
        (y0 + 3 * 3600 + 17, y0 + 300 * DAY_S - 5 * 3600), // partial first and last day
        (mid - 1000, mid + 2 * 3600),                      // within one day
        (y0 + 150 * DAY_S, y0 + 240 * DAY_S + 1),          // the storm season
        (y0 - 10 * DAY_S, y0 + 2 * DAY_S),                 // starts before the history
    ] {
        check(
            &events,
            &base,
            Period {
                start: from,
                end: to,
            },
        );
    }
    // Unsorted events take the slow path and agree too.
    let mut shuffled = events.clone();
    shuffled.reverse();
    check(
        &shuffled,
        &base,
        Period {
            start: y0 + 100,
            end: y0 + 365 * DAY_S,
        },
    );
}

#[test]
fn rows_by_hand() {
    // Feeder 10 serves 100: a 60-minute event of 100 (a full outage), a 30-minute event of
    // 50 on the same day, a 2-minute momentary event of 80; feeder 20 (unknown size) one
    // 10-minute event of 7 the next day.
    let t0 = 20_089 * DAY_S; // 2025-01-01T00:00Z
    let ev = |start: i64, minutes: i64, n: u64, feeder: i64| Interruption {
        id: 0,
        start,
        end: Some(start + minutes * 60),
        customers_interrupted: n,
        customer_minutes: None,
        feeder_id: feeder,
        substation_id: 1,
        cause: Cause::Weather,
    };
    let events = [
        ev(t0 + 3600, 60, 100, 10),
        ev(t0 + 7200, 30, 50, 10),
        ev(t0 + 9000, 2, 80, 10),
        ev(t0 + DAY_S, 10, 7, 20),
    ];
    let served = BTreeMap::from([(10, 100)]);
    let rows = aggregate(&events, &served, t0 + 2 * DAY_S, 0);
    assert_eq!(rows.len(), 2);
    let r = rows[0];
    assert_eq!((r.day, r.feeder_id), (20_089, 10));
    assert_eq!((r.sustained_events, r.customer_interruptions), (2, 150));
    assert_eq!(r.customer_minutes, 6000.0 + 1500.0);
    assert_eq!(
        (r.momentary_events, r.momentary_customer_interruptions),
        (1, 80)
    );
    assert_eq!((r.largest, r.full_outs), (100, 1));
    assert!(close(r.keep_ln, 0.5f64.ln()));
    let base = CustomerBase {
        total: 100,
        by_feeder: served,
        by_substation: BTreeMap::from([(1, 100)]),
    };
    let cfg = KpiConfig {
        period: Period {
            start: t0,
            end: t0 + 2 * DAY_S,
        },
        utc_offset_s: 0,
        t_med_override: None,
    };
    let (rep, _) = report_from_days(&[&rows], &base, &cfg, None);
    // CN: feeder 10 fully out (100), feeder 20 unknown size: its largest event (7).
    assert!(close(rep.all.distinct_customers_interrupted, 107.0));
    assert!(close(rep.all.saifi, 1.57));
    assert!(close(rep.all.saidi, 75.7));
    assert!(close(rep.all.maifi, 0.8));
}
