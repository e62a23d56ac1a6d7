//! Hand-computed checks of every IEEE 1366 formula (the arithmetic is in the comments).

use std::collections::BTreeMap;

use super::kpi::*;
use super::med::{daily_saidi, major_event_days, threshold};
use super::time::{days_from_civil, iso_date, DAY_S};

const T0: i64 = 20_089 * DAY_S; // 2025-01-01T00:00Z
const MIN: i64 = 60;

fn ev(id: u64, feeder: i64, start: i64, mins: Option<i64>, n: u64) -> Interruption {
    Interruption {
        id,
        start,
        end: mins.map(|m| start + m * MIN),
        customers_interrupted: n,
        customer_minutes: None,
        feeder_id: feeder,
        substation_id: feeder / 10,
        cause: Cause::Equipment,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

/// 1000 customers: feeder 10 (substation 1) serves 600, feeder 20 (substation 2) 400.
fn base() -> CustomerBase {
    CustomerBase {
        total: 1000,
        by_feeder: BTreeMap::from([(10, 600), (20, 400)]),
        by_substation: BTreeMap::from([(1, 600), (2, 400)]),
    }
}

/// Ten days from 2025-01-01.
fn period() -> Period {
    Period {
        start: T0,
        end: T0 + 10 * DAY_S,
    }
}

fn events() -> Vec<Interruption> {
    let day = DAY_S;
    let mut step = ev(3, 20, T0 + day + 8 * 3600, Some(120), 50);
    step.customer_minutes = Some(4000.0); // restored in steps
    let mut just_over = ev(6, 10, T0 + 4 * day, None, 10);
    just_over.end = Some(just_over.start + 301);
    vec![
        ev(1, 10, T0 + 10 * 3600, Some(60), 100),      // 6000 CMI
        ev(2, 10, T0 + 12 * 3600, Some(30), 200),      // 6000 CMI
        step,                                          // 4000 CMI
        ev(4, 20, T0 + 2 * day, Some(3), 400),         // momentary
        ev(5, 10, T0 + 3 * day, Some(5), 600),         // exactly 5 min: momentary
        just_over,                                     // 5 min 1 s: sustained
        ev(7, 10, T0 - 3600, Some(600), 999),          // before the period
        ev(8, 20, T0 + 10 * day - 30 * MIN, None, 20), // ongoing, 30 min at period end
    ]
}

#[test]
fn momentary_is_at_most_five_minutes() {
    let e = events();
    assert!(e[3].is_momentary() && e[4].is_momentary());
    assert!(!e[5].is_momentary(), "301 s is sustained");
    assert!(!e[7].is_momentary(), "ongoing is sustained");
    assert!(close(e[7].duration_minutes(period().end), 30.0));
    assert_eq!(e[7].duration_minutes(0), 0.0, "never negative");
}

#[test]
fn system_indices_by_hand() {
    let r = indices(&events(), 1000, &base().by_feeder, &period());
    // Sustained: events 1, 2, 3, 6, 8.
    assert_eq!((r.sustained_events, r.momentary_events), (5, 2));
    // Σ N_i = 100 + 200 + 50 + 10 + 20 = 380.
    assert_eq!(r.customer_interruptions, 380);
    // Σ r_i N_i = 6000 + 6000 + 4000 + 10 × 301/60 + 20 × 30 = 16 650.1667.
    let cmi = 6000.0 + 6000.0 + 4000.0 + 10.0 * 301.0 / 60.0 + 600.0;
    assert!(close(r.customer_minutes, cmi));
    // SAIFI = 380 / 1000; SAIDI = 16 650.17 / 1000; CAIDI = 16 650.17 / 380 = 43.82.
    assert!(close(r.saifi, 0.38));
    assert!(close(r.saidi, cmi / 1000.0));
    assert!(close(r.caidi, cmi / 380.0));
    // MAIFI = (400 + 600) / 1000.
    assert_eq!(r.momentary_customer_interruptions, 1000);
    assert!(close(r.maifi, 1.0));
    // CN: feeder 10 (600): 600 × (1 − (5/6)(2/3)(59/60)) = 272.22;
    //     feeder 20 (400): 400 × (1 − (7/8)(19/20)) = 67.5;  CAIFI = 380 / 339.72 = 1.1186.
    let cn = 600.0 * (1.0 - (5.0 / 6.0) * (2.0 / 3.0) * (59.0 / 60.0)) + 67.5;
    assert!(close(r.distinct_customers_interrupted, cn));
    assert!(close(r.caifi, 380.0 / cn));
    assert!((r.caifi - 1.1186).abs() < 1e-4);
    // ASAI = 1 − 16 650.17 / (1000 × 14 400 min).
    assert!(close(r.asai, 1.0 - cmi / 14_400_000.0));
}

#[test]
fn explicit_customer_minutes_are_sanitized() {
    let mut e = ev(1, 10, T0, Some(10), 5); // at most 5 × 10 = 50 CMI
    e.customer_minutes = Some(20.0);
    assert_eq!(e.customer_minutes(T0), 20.0);
    e.customer_minutes = Some(80.0);
    assert_eq!(e.customer_minutes(T0), 50.0);
    e.customer_minutes = Some(f64::NAN);
    assert_eq!(e.customer_minutes(T0), 50.0);
    e.customer_minutes = Some(-1.0);
    assert_eq!(e.customer_minutes(T0), 50.0);
}

#[test]
fn caifi_without_feeder_sizes_uses_largest_event() {
    // No feeder sizes: CN = max(100, 200, 10) + max(50, 20) = 250; CAIFI = 380 / 250.
    let r = indices(&events(), 1000, &BTreeMap::new(), &period());
    assert!(close(r.distinct_customers_interrupted, 250.0));
    assert!(close(r.caifi, 1.52));
}

#[test]
fn zero_customers_gives_zero_not_nan() {
    let r = indices(&events(), 0, &BTreeMap::new(), &period());
    assert_eq!((r.saifi, r.saidi, r.maifi), (0.0, 0.0, 0.0));
    assert_eq!(r.asai, 1.0);
    let empty = indices(&[], 1000, &base().by_feeder, &period());
    assert_eq!((empty.caidi, empty.caifi, empty.asai), (0.0, 0.0, 1.0));
}

#[test]
fn breakdown_by_feeder_and_substation() {
    let cfg = KpiConfig {
        period: period(),
        utc_offset_s: 0,
        t_med_override: None,
    };
    let by_feeder = breakdown(&events(), &base(), &cfg, GroupBy::Feeder);
    assert_eq!(by_feeder.iter().map(|g| g.id).collect::<Vec<_>>(), [10, 20]);
    // Feeder 10: N = 100 + 200 + 10 = 310 of 600; CMI = 12 000 + 50.17.
    let f10 = &by_feeder[0].all;
    assert!(close(f10.saifi, 310.0 / 600.0));
    assert!(close(f10.saidi, (12_000.0 + 3010.0 / 60.0) / 600.0));
    // MAIFI: 600 of 600 customers once.
    assert!(close(f10.maifi, 1.0));
    // Feeder 20: N = 50 + 20 = 70 of 400; CMI = 4000 + 600 = 4600.
    let f20 = &by_feeder[1].all;
    assert!(close(f20.saifi, 70.0 / 400.0));
    assert!(close(f20.saidi, 4600.0 / 400.0));
    let by_sub = breakdown(&events(), &base(), &cfg, GroupBy::Substation);
    assert_eq!(by_sub.len(), 2);
    assert!(close(by_sub[1].all.saidi, 11.5));
}

#[test]
fn threshold_by_hand() {
    // ln SAIDI = 0,1,2,3,4: α = 2; s² = (4+1+0+1+4)/4 = 2.5; β = 1.5811;
    // T_MED = exp(2 + 2.5 × 1.5811) = exp(5.9528) = 384.6.
    let th = threshold((0..5).map(|k| f64::exp(k as f64))).unwrap();
    assert!(close(th.alpha.unwrap(), 2.0));
    assert!(close(th.beta.unwrap(), 2.5f64.sqrt()));
    assert!(close(th.t_med, (2.0 + 2.5 * 2.5f64.sqrt()).exp()));
    assert_eq!(th.days_used, 5);
    // Zero days are ignored; one nonzero day is not enough.
    assert_eq!(threshold([0.0, 0.0, 3.0]), None);
    assert!(close(threshold([0.0, 2.0, 2.0]).unwrap().t_med, 2.0));
}

#[test]
fn major_event_days_are_excluded() {
    // 100 customers; days 0..8: one event of 10 customers, 100 CMI (daily SAIDI 1 = e^0);
    // day 9: 10 customers, 100·e^5 CMI (daily SAIDI e^5 = 148.41). Each lasts 25 h (so the
    // explicit CMI stays below 10 × 1500) and accrues to its start day.
    // ln: nine 0s and one 5: α = 0.5; s² = (9 × 0.25 + 20.25)/9 = 2.5; β = 1.5811;
    // T_MED = exp(0.5 + 3.9528) = 85.87 < 148.41, so day 9 is the one MED.
    let mut evs = Vec::new();
    for d in 0..10 {
        let mut e = ev(d as u64, 10, T0 + d * DAY_S + 3600, Some(1500), 10);
        e.customer_minutes = Some(if d == 9 { 100.0 * 5f64.exp() } else { 100.0 });
        evs.push(e);
    }
    let base = CustomerBase {
        total: 100,
        by_feeder: BTreeMap::from([(10, 100)]),
        by_substation: BTreeMap::from([(1, 100)]),
    };
    let cfg = KpiConfig {
        period: period(),
        utc_offset_s: 0,
        t_med_override: None,
    };
    let daily = daily_saidi(&evs, 100, &cfg);
    assert_eq!(daily.len(), 10);
    let rep = report(&evs, &base, &cfg);
    let th = rep.threshold.unwrap();
    assert!(close(th.t_med, (0.5 + 2.5 * 2.5f64.sqrt()).exp()));
    assert_eq!(rep.major_event_days.len(), 1);
    assert_eq!(rep.major_event_days[0].date, "2025-01-10");
    // All: SAIFI = 100/100 = 1; SAIDI = 9 + 148.41.
    assert!(close(rep.all.saifi, 1.0));
    assert!(close(rep.all.saidi, 9.0 + 5f64.exp()));
    // MEDs excluded: SAIFI = 90/100; SAIDI = 900/100.
    assert!(close(rep.excluding_meds.saifi, 0.9));
    assert!(close(rep.excluding_meds.saidi, 9.0));
    // A given T_MED overrides the derived one.
    let fixed = KpiConfig {
        t_med_override: Some(0.5),
        ..cfg
    };
    let (th, meds) = major_event_days(&evs, 100, &fixed);
    assert_eq!((th.unwrap().t_med, meds.len()), (0.5, 10));
}

#[test]
fn events_accrue_to_their_local_start_day() {
    // Starts 2025-01-02T03:00Z = 2025-01-01 21:00 in Houston, lasts past midnight.
    let e = ev(1, 10, T0 + DAY_S + 3 * 3600, Some(600), 100);
    let cfg = KpiConfig {
        period: period(),
        utc_offset_s: -6 * 3600,
        t_med_override: None,
    };
    let daily = daily_saidi(std::slice::from_ref(&e), 1000, &cfg);
    let (&day, &saidi) = daily.iter().next().unwrap();
    assert_eq!(iso_date(day), "2025-01-01");
    assert_eq!(day, days_from_civil(2025, 1, 1));
    // 100 customers × 600 min / 1000.
    assert!(close(saidi, 60.0));
}

#[test]
fn cause_names_match_serde() {
    for c in Cause::ALL {
        assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
    }
}
