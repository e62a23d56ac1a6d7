//! Property tests: arbitrary inputs never panic and indices stay finite and in range.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::ami::{series, AmiQuery, Bucket, CustomerClass, Member};
use super::customers::FeederCustomers;
use super::history::{active_outages, synthetic_year, ActiveParams, HistoryParams};
use super::kpi::{
    breakdown, report, Cause, CustomerBase, GroupBy, Interruption, KpiConfig, Period,
};

fn event() -> impl Strategy<Value = Interruption> {
    (
        any::<i64>(),
        prop::option::of(any::<i64>()),
        any::<u64>(),
        prop::option::of(prop_oneof![any::<f64>(), Just(f64::NAN), Just(-1.0)]),
        -3i64..3,
    )
        .prop_map(|(start, end, n, cm, feeder)| Interruption {
            id: 0,
            start: start / 4,
            end: end.map(|e| e / 4),
            customers_interrupted: n,
            customer_minutes: cm,
            feeder_id: feeder,
            substation_id: feeder.abs(),
            cause: Cause::Unknown,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn kpis_are_finite(
        events in prop::collection::vec(event(), 0..30),
        served in any::<u64>(),
        start in any::<i64>(),
        len in any::<i64>(),
        offset in any::<i64>(),
    ) {
        let base = CustomerBase {
            total: served,
            by_feeder: BTreeMap::from([(0, served / 2), (1, 0)]),
            by_substation: BTreeMap::from([(0, served / 2)]),
        };
        let cfg = KpiConfig {
            period: Period { start: start / 4, end: (start / 4).saturating_add(len / 4) },
            utc_offset_s: offset / 4,
            t_med_override: None,
        };
        let rep = report(&events, &base, &cfg);
        for r in [&rep.all, &rep.excluding_meds] {
            for v in [r.saifi, r.saidi, r.caidi, r.maifi, r.caifi] {
                prop_assert!(v.is_finite() && v >= 0.0, "{v}");
            }
            prop_assert!((0.0..=1.0).contains(&r.asai));
        }
        let _ = breakdown(&events, &base, &cfg, GroupBy::Feeder);
    }

    #[test]
    fn ami_never_panics(
        start in any::<i64>(),
        len in 0i64..200_000,
        offset in any::<i64>(),
        bucket in 0usize..3,
        ids in prop::collection::vec((any::<u64>(), 0usize..3), 0..5),
        seed in any::<u64>(),
    ) {
        let classes = [CustomerClass::Residential, CustomerClass::Commercial, CustomerClass::Industrial];
        let members: Vec<Member> = ids.iter().map(|&(meter_id, c)| Member { meter_id, class: classes[c] }).collect();
        let q = AmiQuery {
            start,
            end: start.saturating_add(len),
            bucket: [Bucket::Min15, Bucket::Hour, Bucket::Day][bucket],
            seed,
            utc_offset_s: offset,
        };
        if let Ok(values) = series(&members, &q, 10_000) {
            prop_assert!(values.iter().all(|b| b.kwh.is_finite() && b.kwh >= 0.0 && b.peak_kw >= 0.0));
            prop_assert!(values.windows(2).all(|w| w[0].start < w[1].start));
        }
    }

    #[test]
    fn history_never_panics(
        feeders in prop::collection::vec((any::<i64>(), any::<i64>(), 0u64..2_000_000), 0..8),
        start in any::<i64>(),
        days in 0u32..400,
        storms in 0u32..12,
        seed in any::<u64>(),
        now in any::<i64>(),
    ) {
        let feeders: Vec<FeederCustomers> = feeders
            .into_iter()
            .map(|(feeder_id, substation_id, customers)| FeederCustomers { feeder_id, substation_id, customers })
            .collect();
        let params = HistoryParams { seed, start: start / 4, days, storm_days: storms, utc_offset_s: -21_600 };
        for e in synthetic_year(&feeders, &params) {
            let served = feeders.iter().filter(|f| f.feeder_id == e.feeder_id).map(|f| f.customers).max().unwrap_or(0);
            prop_assert!(e.customers_interrupted <= served);
        }
        let _ = active_outages(&feeders, now, &ActiveParams { seed, mean_active: 5.0 });
    }
}
