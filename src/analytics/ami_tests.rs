//! Load shapes, determinism, bucketing and the work cap.

use super::*;
use crate::analytics::time::{day_start, days_from_civil, DAY_S};
use crate::topology::fixture;

const SEED: u64 = 9;

/// Local midnight (Houston) of a 2025 date.
fn midnight(m: u32, d: u32) -> i64 {
    day_start(days_from_civil(2025, m, d), HOUSTON_UTC_OFFSET_S)
}

/// Mean kW of `n` meters of `class` at local `hour` over the days `days` (from `start`).
fn mean_kw(class: CustomerClass, start: i64, days: i64, hour: f64, n: u64) -> f64 {
    let mut sum = 0.0;
    for d in 0..days {
        for m in 0..n {
            let t = start + d * DAY_S + (hour * 3600.0) as i64;
            sum += demand_kw(40_000_000 + m, class, t, SEED);
        }
    }
    sum / (days as f64 * n as f64)
}

#[test]
fn interval_values_are_deterministic_and_per_interval() {
    let t = midnight(7, 1) + 18 * 3600;
    let a = interval_kwh(40_000_001, CustomerClass::Residential, t, SEED);
    assert_eq!(
        a,
        interval_kwh(40_000_001, CustomerClass::Residential, t + 899, SEED)
    );
    assert_ne!(
        a,
        interval_kwh(40_000_001, CustomerClass::Residential, t + 900, SEED)
    );
    assert_ne!(
        a,
        interval_kwh(40_000_002, CustomerClass::Residential, t, SEED)
    );
    assert_ne!(
        a,
        interval_kwh(40_000_001, CustomerClass::Residential, t, SEED + 1)
    );
    assert!(a > 0.0 && a.is_finite());
    assert_eq!(
        a,
        demand_kw(40_000_001, CustomerClass::Residential, t, SEED) / 4.0
    );
}

#[test]
fn residential_year_evening_peak_and_summer_air_conditioning() {
    let start = midnight(1, 1);
    let year: f64 = (0..365 * 96)
        .map(|k| {
            interval_kwh(
                40_000_000,
                CustomerClass::Residential,
                start + k * 900,
                SEED,
            )
        })
        .sum();
    // Meter 40_000_000's size factor scales this; Houston homes use ~10–18 MWh a year.
    let size = size(40_000_000, CustomerClass::Residential, SEED);
    assert!(
        (8_000.0..20_000.0).contains(&(year / size * 1.1)),
        "{year} kWh, size {size}"
    );
    let july = |h| mean_kw(CustomerClass::Residential, midnight(7, 1), 28, h, 20);
    let jan = |h| mean_kw(CustomerClass::Residential, midnight(1, 6), 28, h, 20);
    assert!(
        july(19.5) > 1.5 * july(4.0),
        "evening {} night {}",
        july(19.5),
        july(4.0)
    );
    // Winter: heating at night and in the morning, evening peak, low midday.
    assert!(jan(19.5) > 2.0 * jan(13.0) && jan(7.5) > 2.0 * jan(13.0));
    // Summer: the evening is the peak, above the hottest afternoon hour.
    assert!(july(19.5) > july(16.0));
    assert!(
        july(19.5) > 1.8 * jan(19.5),
        "summer {} winter {}",
        july(19.5),
        jan(19.5)
    );
    assert!(july(16.0) > 2.0 * jan(16.0));
}

#[test]
fn commercial_business_hours_and_industrial_shifts() {
    // 2025-03-03 is a Monday: 5 weekdays, then a weekend.
    let monday = midnight(3, 3);
    let c = |start, days, h| mean_kw(CustomerClass::Commercial, start, days, h, 10);
    assert!(c(monday, 5, 12.0) > 2.0 * c(monday, 5, 2.0));
    assert!(c(monday, 5, 12.0) > 2.0 * c(monday + 5 * DAY_S, 2, 12.0));
    let i = |start, days, h| mean_kw(CustomerClass::Industrial, start, days, h, 10);
    let (day, night) = (i(monday, 5, 10.0), i(monday, 5, 2.0));
    // Day shift 1.0 vs night 0.65 (plus a little cooling): ratio ≈ 1.5.
    assert!((1.3..1.8).contains(&(day / night)), "{day} {night}");
    assert!(i(monday + 5 * DAY_S, 2, 10.0) < 0.7 * day);
    // Flat within a shift: 09:00 and 12:00 within 10 %.
    assert!((i(monday, 5, 9.0) / i(monday, 5, 12.0) - 1.0).abs() < 0.1);
}

fn residential(ids: std::ops::Range<u64>) -> Vec<Member> {
    ids.map(|meter_id| Member {
        meter_id,
        class: CustomerClass::Residential,
    })
    .collect()
}

#[test]
fn buckets_sum_intervals_and_keep_the_peak() {
    let ms = residential(40_000_000..40_000_003);
    let start = midnight(8, 1) + 17 * 3600;
    let q = AmiQuery {
        start,
        end: start + 2 * 3600,
        bucket: Bucket::Hour,
        seed: SEED,
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
    };
    let hours = series(&ms, &q, DEFAULT_MAX_WORK).unwrap();
    let fine = series(
        &ms,
        &AmiQuery {
            bucket: Bucket::Min15,
            ..q
        },
        DEFAULT_MAX_WORK,
    )
    .unwrap();
    assert_eq!((hours.len(), fine.len()), (2, 8));
    assert_eq!(hours[1].start, start + 3600);
    let by_hand: f64 = (0..4)
        .flat_map(|k| ms.iter().map(move |m| (m, k)))
        .map(|(m, k)| interval_kwh(m.meter_id, m.class, start + k * 900, SEED))
        .sum();
    assert!((hours[0].kwh - by_hand).abs() < 1e-9);
    let peak = fine[..4].iter().map(|b| b.kwh * 4.0).fold(0.0, f64::max);
    assert!((hours[0].peak_kw - peak).abs() < 1e-9);
    for b in &fine {
        assert!((b.peak_kw - b.kwh * 4.0).abs() < 1e-9);
    }
}

#[test]
fn day_buckets_start_at_local_midnight() {
    let ms = residential(40_000_000..40_000_002);
    let start = midnight(8, 1) + 5 * 3600; // mid-morning of the first day
    let q = AmiQuery {
        start,
        end: start + 2 * DAY_S,
        bucket: Bucket::Day,
        seed: SEED,
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
    };
    let days = series(&ms, &q, DEFAULT_MAX_WORK).unwrap();
    let starts: Vec<i64> = days.iter().map(|b| b.start).collect();
    assert_eq!(starts, vec![midnight(8, 1), midnight(8, 2), midnight(8, 3)]);
    // A full day sums its 96 intervals.
    let full: f64 = (0..96)
        .flat_map(|k| ms.iter().map(move |m| (m, k)))
        .map(|(m, k)| interval_kwh(m.meter_id, m.class, midnight(8, 2) + k * 900, SEED))
        .sum();
    assert!((days[1].kwh - full).abs() < 1e-6);
}

#[test]
fn work_cap_and_bad_ranges_are_errors() {
    let ms = residential(0..100);
    let q = AmiQuery {
        start: 0,
        end: 10 * DAY_S,
        bucket: Bucket::Day,
        seed: 1,
        utc_offset_s: 0,
    };
    // 960 intervals × 100 meters.
    assert_eq!(
        series(&ms, &q, 50_000),
        Err(AmiError::TooMuchWork {
            requested: 96_000,
            cap: 50_000
        })
    );
    let empty = AmiQuery { end: 0, ..q };
    assert!(matches!(
        series(&ms, &empty, u64::MAX),
        Err(AmiError::EmptyRange { .. })
    ));
    // No members: zero series, still bounded by the interval count.
    let zero = series(&[], &q, DEFAULT_MAX_WORK).unwrap();
    assert!(zero.len() == 10 && zero.iter().all(|b| b.kwh == 0.0));
    let huge = AmiQuery { end: i64::MAX, ..q };
    assert_eq!(
        series(&[], &huge, u64::MAX),
        Err(AmiError::OutOfRange(i64::MAX))
    );
    let far = AmiQuery {
        start: (1 << 50) - 3600,
        end: 1 << 50,
        ..q
    };
    assert_eq!(series(&ms, &far, DEFAULT_MAX_WORK).unwrap().len(), 1);
    assert_eq!(Bucket::parse("1h"), Some(Bucket::Hour));
    assert_eq!(Bucket::parse("2h"), None);
}

#[test]
fn feeder_aggregate_is_the_sum_of_its_meters() {
    let snap = fixture::snapshot(&[fixture::TS]);
    let schema = TopologySchema::default();
    let g = crate::topology::GridGraph::build(&snap, &schema).unwrap();
    let ids = g.feeder_meters(fixture::FEEDER_A).unwrap();
    let ms = members(&snap, &schema, &ids);
    assert_eq!(ms.len(), 6);
    assert_eq!(ms[1].class, CustomerClass::Commercial);
    assert_eq!(ms[5].class, CustomerClass::Industrial);
    assert_eq!(members(&snap, &schema, &[1, fixture::MA1]).len(), 1);
    let q = AmiQuery {
        start: midnight(6, 1),
        end: midnight(6, 2),
        bucket: Bucket::Day,
        seed: SEED,
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
    };
    let total = series(&ms, &q, DEFAULT_MAX_WORK).unwrap()[0].kwh;
    let parts: f64 = ms
        .iter()
        .map(|m| series(std::slice::from_ref(m), &q, DEFAULT_MAX_WORK).unwrap()[0].kwh)
        .sum();
    assert!((total - parts).abs() < 1e-6 * total);
}

#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn feeder_year_timing() {
    let ms: Vec<Member> = (0..250)
        .map(|i| Member {
            meter_id: 40_000_000 + i,
            class: if i % 4 == 3 {
                CustomerClass::Commercial
            } else {
                CustomerClass::Residential
            },
        })
        .collect();
    let q = AmiQuery {
        start: midnight(1, 1),
        end: midnight(1, 1) + 365 * DAY_S,
        bucket: Bucket::Day,
        seed: SEED,
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
    };
    let t = std::time::Instant::now();
    let days = series(&ms, &q, DEFAULT_MAX_WORK).unwrap();
    println!(
        "AMI: 250 meters x 35 040 intervals -> {} day buckets in {:?}",
        days.len(),
        t.elapsed()
    );
    let t = std::time::Instant::now();
    let h = series(
        &ms[..1],
        &AmiQuery {
            bucket: Bucket::Min15,
            end: q.start + 7 * DAY_S,
            ..q
        },
        DEFAULT_MAX_WORK,
    )
    .unwrap();
    println!(
        "AMI: one meter, one week at 15 min ({} values) in {:?}",
        h.len(),
        t.elapsed()
    );
}
