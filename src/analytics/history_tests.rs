//! The synthetic history lands in realistic ranges, is deterministic and is independent of
//! feeder order.

use std::collections::BTreeSet;

use super::*;
use crate::analytics::kpi::{report, CustomerBase, KpiConfig, Period};
use crate::analytics::time::{local_day, month};

/// 600 feeders under 30 substations, 101–399 customers each (pairs 250 ± d): 150 000.
fn feeders() -> Vec<FeederCustomers> {
    (0..600)
        .map(|i| {
            let d = (i as u64 / 2 * 37) % 150;
            FeederCustomers {
                feeder_id: 2_000_000 + i,
                substation_id: 1 + i / 20,
                customers: if i % 2 == 0 { 250 + d } else { 250 - d },
            }
        })
        .collect()
}

fn year_report(seed: u64) -> (Vec<Interruption>, crate::analytics::kpi::KpiReport) {
    let params = HistoryParams {
        seed,
        ..HistoryParams::default()
    };
    let feeders = feeders();
    let events = synthetic_year(&feeders, &params);
    let cfg = KpiConfig {
        period: Period {
            start: params.start,
            end: params.start + 365 * DAY_S,
        },
        utc_offset_s: params.utc_offset_s,
        t_med_override: None,
    };
    let rep = report(&events, &CustomerBase::from_feeders(&feeders), &cfg);
    (events, rep)
}

#[test]
fn customer_base_is_150k() {
    assert_eq!(CustomerBase::from_feeders(&feeders()).total, 150_000);
}

#[test]
fn yearly_indices_are_realistic() {
    for seed in [1, 2, 3, 42] {
        let (_, rep) = year_report(seed);
        let (a, x) = (&rep.all, &rep.excluding_meds);
        let msg = format!(
            "seed {seed}: SAIFI {:.2} SAIDI {:.0} CAIDI {:.0} MAIFI {:.2} CAIFI {:.2} | no MED: SAIFI {:.2} SAIDI {:.0} | T_MED {:?} MEDs {:?}",
            a.saifi, a.saidi, a.caidi, a.maifi, a.caifi, x.saifi, x.saidi,
            rep.threshold.map(|t| t.t_med),
            rep.major_event_days.iter().map(|d| (&d.date, d.saidi)).collect::<Vec<_>>()
        );
        println!("{msg}");
        assert!((1.0..=1.5).contains(&a.saifi), "{msg}");
        assert!((90.0..=180.0).contains(&a.saidi), "{msg}");
        assert!((60.0..=200.0).contains(&a.caidi), "{msg}");
        assert!((2.0..=8.0).contains(&a.maifi), "{msg}");
        assert!(a.caifi > 1.0 && a.caifi < 2.0, "{msg}");
        assert!(a.asai > 0.999 && a.asai < 1.0, "{msg}");
        // Storm days are major event days, and they carry a large share of SAIDI.
        assert!((1..=6).contains(&rep.major_event_days.len()), "{msg}");
        assert!(x.saidi < 0.8 * a.saidi && x.saidi > 50.0, "{msg}");
        for d in &rep.major_event_days {
            assert!((5..=9).contains(&month(d.day)), "{msg}");
        }
    }
}

#[test]
fn events_are_well_formed() {
    let (events, _) = year_report(7);
    let params = HistoryParams::default();
    let by_id: std::collections::HashMap<i64, u64> = feeders()
        .iter()
        .map(|f| (f.feeder_id, f.customers))
        .collect();
    let mut causes = BTreeSet::new();
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1);
        assert!(e.start >= params.start && e.start < params.start + 365 * DAY_S);
        let served = by_id[&e.feeder_id];
        assert!(e.customers_interrupted >= 1 && e.customers_interrupted <= served);
        let minutes = e.duration_minutes(e.start);
        assert!(minutes > 0.0 && minutes <= 72.0 * 60.0);
        if let Some(cm) = e.customer_minutes {
            assert!(cm <= e.customers_interrupted as f64 * minutes);
        }
        causes.insert(e.cause);
    }
    assert_eq!(causes.len(), 6);
    assert!(events.windows(2).all(|w| w[0].start <= w[1].start));
    let momentary = events.iter().filter(|e| e.is_momentary()).count();
    assert!(momentary > 2000 && momentary < 5000, "{momentary}");
    // Summer has more weather events than winter.
    let in_months = |ms: [u32; 3]| {
        events
            .iter()
            .filter(|e| e.cause == Cause::Weather && !e.is_momentary())
            .filter(|e| ms.contains(&month(local_day(e.start, params.utc_offset_s))))
            .count()
    };
    assert!(in_months([6, 7, 8]) > 2 * in_months([12, 1, 2]));
}

#[test]
fn deterministic_and_order_independent() {
    let params = HistoryParams::default();
    let mut f = feeders();
    f.truncate(50);
    let a = synthetic_year(&f, &params);
    assert_eq!(a, synthetic_year(&f, &params));
    f.reverse();
    assert_eq!(a, synthetic_year(&f, &params));
    let other = HistoryParams { seed: 2, ..params };
    assert_ne!(a, synthetic_year(&f, &other));
    assert!(synthetic_year(&[], &params).is_empty());
    let empty = [FeederCustomers {
        feeder_id: 1,
        substation_id: 1,
        customers: 0,
    }];
    assert!(synthetic_year(&empty, &params).is_empty());
}

#[test]
fn active_outages_average_and_persist() {
    let f = feeders();
    let p = ActiveParams::default();
    let t0 = HistoryParams::default().start;
    let samples = 300;
    let total: usize = (0..samples)
        .map(|k| active_outages(&f, t0 + k * 6 * 3600 + 1234, &p).len())
        .sum();
    let mean = total as f64 / samples as f64;
    assert!((2.5..=5.5).contains(&mean), "mean active {mean}");
    // An outage in progress keeps its identity a minute later unless restored meanwhile.
    let now = t0 + 12 * 3600;
    let a = active_outages(&f, now, &p);
    let b = active_outages(&f, now + 60, &p);
    let kept = a.iter().filter(|x| b.contains(x)).count();
    assert!(kept + 1 >= a.len(), "{kept} of {}", a.len());
    for e in &a {
        assert!(e.end.is_none() && e.start <= now && e.id & (1 << 62) != 0);
    }
    assert!(active_outages(&[], now, &p).is_empty());
    let none = ActiveParams {
        mean_active: f64::NAN,
        ..p
    };
    assert!(active_outages(&f, now, &none).is_empty());
}

#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn year_generation_timing() {
    let t = std::time::Instant::now();
    let (events, _) = year_report(1);
    println!(
        "history: {} events for 600 feeders + KPI report in {:?}",
        events.len(),
        t.elapsed()
    );
    let t = std::time::Instant::now();
    let active = active_outages(
        &feeders(),
        HistoryParams::default().start,
        &ActiveParams::default(),
    );
    println!("active outages: {} in {:?}", active.len(), t.elapsed());
}
