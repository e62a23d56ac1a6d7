//! Health distribution, worst assets and the synthetic history on a small demo grid.

use super::*;
use crate::index::SnapshotBuilder;
use crate::source::demo::{generate, DemoParams};

fn demo() -> Snapshot {
    let layers = generate(&DemoParams {
        seed: 1,
        scale: 0.03,
    });
    SnapshotBuilder::default().build(layers, 1).unwrap()
}

#[test]
fn distribution_counts_every_pole_once() {
    let snap = demo();
    let d = distribution(&snap, "poles", 10).unwrap();
    let poles = snap.layer("poles").unwrap();
    assert_eq!(d.attribute, HEALTH_ATTR);
    assert_eq!(d.count as usize, poles.features.len());
    assert_eq!(d.bins.iter().map(|b| b.count).sum::<u64>(), d.count);
    assert_eq!(
        (d.bins[0].from, d.bins[9].to, d.bins[3].from),
        (0.0, 100.0, 30.0)
    );
    // Counted by hand for one bin.
    let in_bin = poles
        .features
        .iter()
        .filter_map(|f| number(poles, f, HEALTH_ATTR))
        .filter(|h| (70.0..80.0).contains(h))
        .count() as u64;
    assert_eq!(d.bins[7].count, in_bin);
    let (mean, median) = (d.mean.unwrap(), d.median.unwrap());
    assert!((0.0..=100.0).contains(&mean) && (0.0..=100.0).contains(&median));
    // Transformers have no score: their load is distributed instead.
    let t = distribution(&snap, "transformers", 5).unwrap();
    assert_eq!((t.attribute, t.bins.len()), (LOAD_ATTR, 5));
    assert!(t.bins[4].to >= 100.0);
    assert!(matches!(
        distribution(&snap, "meters", 10),
        Err(HealthError::NoAttribute { .. })
    ));
    assert!(matches!(
        distribution(&snap, "nope", 10),
        Err(HealthError::NoLayer(_))
    ));
}

#[test]
fn worst_is_sorted_and_filtered() {
    let snap = demo();
    let filter = WorstFilter {
        max_health: Some(40.0),
        feeder: None,
    };
    let (l, poles, total) = worst(&snap, "poles", WorstBy::Health, filter, 20).unwrap();
    assert!(poles.len() <= 20 && total >= poles.len());
    let scores: Vec<f64> = poles
        .iter()
        .map(|f| number(l, f, HEALTH_ATTR).unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] <= w[1]) && scores.iter().all(|s| *s <= 40.0));
    let (l, xfs, _) = worst(
        &snap,
        "transformers",
        WorstBy::Load,
        WorstFilter::default(),
        5,
    )
    .unwrap();
    let loads: Vec<f64> = xfs
        .iter()
        .map(|f| number(l, f, LOAD_ATTR).unwrap())
        .collect();
    let max = l
        .features
        .iter()
        .filter_map(|f| number(l, f, LOAD_ATTR))
        .fold(0.0, f64::max);
    assert_eq!(loads[0], max);
    assert!(loads.windows(2).all(|w| w[0] >= w[1]));
    assert!(worst(&snap, "poles", WorstBy::Load, WorstFilter::default(), 5).is_err());
}

#[test]
fn history_ends_at_the_current_score_and_is_deterministic() {
    let today = 20_000;
    let h = synthetic_history(7, 42.5, today, today - 30, today + 5);
    assert_eq!(h.len(), 31, "never past today");
    assert_eq!(h.last().unwrap().health_score, 42.5);
    assert_eq!(h.last().unwrap().date, iso_date(today));
    assert_eq!(h, synthetic_history(7, 42.5, today, today - 30, today));
    assert_ne!(h, synthetic_history(8, 42.5, today, today - 30, today));
    // Ten years back the asset was healthier by its wear (2–8 points), within the noise.
    let old = synthetic_history(7, 42.5, today, today - 3653, today - 3653);
    let gain = old[0].health_score - 42.5;
    assert!((0.5..=9.5).contains(&gain), "{gain}");
    assert!(synthetic_history(7, 99.9, today, today - 3653, today)
        .iter()
        .all(|d| d.health_score <= 100.0));
    let snap = demo();
    let pole = &snap.layer("poles").unwrap().features[3];
    assert_eq!(current_health(&snap, pole.id).unwrap().0.name, "poles");
    let meter = snap.layer("meters").unwrap().features[0].id;
    assert!(matches!(
        current_health(&snap, meter),
        Err(HealthError::NoAttribute { .. })
    ));
    assert!(matches!(
        current_health(&snap, 1),
        Err(HealthError::NoAsset(1))
    ));
}
