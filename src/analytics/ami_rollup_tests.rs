//! Rollups against the per-meter series, group sums, class totals, transformer loading.

use super::*;
use crate::analytics::ami::{demand_kw, series, Bucket, DEFAULT_MAX_WORK};
use crate::analytics::loading::{rank, transformers, LoadingFilter, DEFAULT_MAX_LOADING_WORK};
use crate::analytics::time::{day_start, days_from_civil, HOUSTON_UTC_OFFSET_S};
use crate::index::SnapshotBuilder;
use crate::source::demo::{generate, DemoParams};

const SEED: u64 = 1;

fn midnight(m: u32, d: u32) -> i64 {
    day_start(days_from_civil(2025, m, d), HOUSTON_UTC_OFFSET_S)
}

fn query(start: i64, end: i64, bucket: Bucket) -> AmiQuery {
    AmiQuery {
        start,
        end,
        bucket,
        seed: SEED,
        utc_offset_s: HOUSTON_UTC_OFFSET_S,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn assert_same(a: &[BucketValue], b: &[BucketValue]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.start, y.start);
        assert!(close(x.kwh, y.kwh), "{x:?} vs {y:?}");
        assert!(close(x.peak_kw, y.peak_kw), "{x:?} vs {y:?}");
    }
}

fn demo() -> (Snapshot, GridGraph) {
    let layers = generate(&DemoParams {
        seed: 1,
        scale: 0.06,
    });
    let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
    let graph = GridGraph::build(&snap, &TopologySchema::default()).unwrap();
    (snap, graph)
}

#[test]
fn a_profile_gives_the_members_series_across_the_noise_period() {
    let ms: Vec<Member> = (0..7)
        .map(|i| Member {
            meter_id: 40_000_000 + i,
            class: CustomerClass::ALL[i as usize % 3],
        })
        .collect();
    let p = Profile::of(&ms, SEED);
    assert_eq!(p.meters, [3, 2, 2]);
    // Ten days at 1 h: crosses the weekly noise period.
    let q = query(midnight(3, 1), midnight(3, 11), Bucket::Hour);
    assert_same(
        &p.series(&q).unwrap(),
        &series(&ms, &q, DEFAULT_MAX_WORK).unwrap(),
    );
    // The noise repeats after a period: same meter, intervals one period apart.
    let t = midnight(3, 1) + 9 * 900;
    let week = NOISE_PERIOD * INTERVAL_S;
    let (a, b) = (
        demand_kw(40_000_001, CustomerClass::Commercial, t, SEED),
        demand_kw(40_000_001, CustomerClass::Commercial, t + week, SEED),
    );
    // Same noise, different weather and day: the ratio to the shape is what repeats.
    let shape = |t: i64| crate::analytics::ami::shapes(t, SEED)[1];
    assert!(close(a / shape(t), b / shape(t + week)));
    assert!(p.series(&query(5, 5, Bucket::Hour)).is_err());
}

#[test]
fn system_is_the_sum_of_substations_and_of_meters() {
    let (snap, graph) = demo();
    let rollups = AmiRollups::build(&snap, &graph, SEED);
    let q = query(midnight(7, 14), midnight(7, 14) + 6 * 3600, Bucket::Min15);
    let system = rollups.group_series(AmiGroup::System, &q).unwrap();
    assert_eq!(system.len(), 24);
    // Sum over substations.
    let subs = rollups.substation_ids();
    assert!(subs.len() > 1);
    let mut by_subs = vec![0.0; system.len()];
    let mut meters = 0;
    for s in &subs {
        meters += rollups.meters(AmiGroup::Substation(*s)).unwrap();
        for (acc, b) in by_subs
            .iter_mut()
            .zip(rollups.group_series(AmiGroup::Substation(*s), &q).unwrap())
        {
            *acc += b.kwh;
        }
    }
    assert_eq!(meters, rollups.meters(AmiGroup::System).unwrap());
    // Sum over meters, evaluated one by one.
    let mut all: Vec<u64> = Vec::new();
    for f in graph.feeder_ids() {
        all.extend(graph.feeder_meters(f).unwrap());
    }
    assert_eq!(all.len() as u64, meters);
    let ms = members(&snap, &TopologySchema::default(), &all);
    let by_meters = series(&ms, &q, DEFAULT_MAX_WORK).unwrap();
    for ((sys, subs), met) in system.iter().zip(&by_subs).zip(&by_meters) {
        assert!(close(sys.kwh, *subs), "{sys:?} vs {subs}");
        assert!(close(sys.kwh, met.kwh), "{sys:?} vs {met:?}");
        assert!(close(sys.peak_kw, met.peak_kw));
    }
    // A feeder equals its meters too; an unknown group is empty.
    let f = graph.feeder_ids()[3];
    let fm = members(
        &snap,
        &TopologySchema::default(),
        &graph.feeder_meters(f).unwrap(),
    );
    assert_same(
        &rollups.group_series(AmiGroup::Feeder(f), &q).unwrap(),
        &series(&fm, &q, DEFAULT_MAX_WORK).unwrap(),
    );
    assert_eq!(rollups.meters(AmiGroup::Feeder(-5)), None);
    assert!(rollups
        .group_series(AmiGroup::Substation(-5), &q)
        .unwrap()
        .is_empty());
}

#[test]
fn class_totals_add_up_to_the_group() {
    let (snap, graph) = demo();
    let rollups = AmiRollups::build(&snap, &graph, SEED);
    let q = query(midnight(1, 6), midnight(1, 8), Bucket::Day);
    let totals = rollups.class_totals(AmiGroup::System, &q).unwrap();
    let kwh: f64 = totals.iter().map(|t| t.kwh).sum();
    let series_kwh: f64 = rollups
        .group_series(AmiGroup::System, &q)
        .unwrap()
        .iter()
        .map(|b| b.kwh)
        .sum();
    assert!(close(kwh, series_kwh), "{kwh} vs {series_kwh}");
    assert!(totals.iter().all(|t| t.meters > 0 && t.kwh > 0.0));
    // Each class's peak is its own series' peak.
    let all: Vec<u64> = graph
        .feeder_ids()
        .into_iter()
        .flat_map(|f| graph.feeder_meters(f).unwrap())
        .collect();
    let ms = members(&snap, &TopologySchema::default(), &all);
    for t in &totals {
        let of_class: Vec<Member> = ms.iter().copied().filter(|m| m.class == t.class).collect();
        assert_eq!(of_class.len() as u64, t.meters);
        let fine = query(q.start, q.end, Bucket::Min15);
        let s = series(&of_class, &fine, DEFAULT_MAX_WORK).unwrap();
        let peak = s
            .iter()
            .max_by(|a, b| a.peak_kw.total_cmp(&b.peak_kw))
            .unwrap();
        assert!(close(t.peak_kw, peak.peak_kw));
        assert_eq!(t.peak_time, Some(peak.start));
    }
}

#[test]
fn transformer_loading_is_ranked_and_hand_computed() {
    let (snap, graph) = demo();
    let ts = transformers(&snap, &graph, LoadingFilter::default()).unwrap();
    let q = query(midnight(8, 4), midnight(8, 5), Bucket::Hour);
    let ranked = rank(&ts, &q, DEFAULT_MAX_LOADING_WORK).unwrap();
    assert!(ranked.len() > 10);
    assert!(ranked
        .windows(2)
        .all(|w| w[0].loading_pct >= w[1].loading_pct));
    // One transformer by hand: each interval's kW summed over its meters, the largest.
    let t = &ranked[ranked.len() / 2];
    let input = ts.iter().find(|x| x.id == t.id).unwrap();
    let (mut best, mut when) = (0.0, 0);
    for k in 0..96 {
        let at = q.start + k * INTERVAL_S;
        let kw: f64 = input
            .meters
            .iter()
            .map(|m| demand_kw(m.meter_id, m.class, at, SEED))
            .sum();
        if kw > best {
            (best, when) = (kw, at);
        }
    }
    assert!(close(t.peak_kw, best), "{} vs {best}", t.peak_kw);
    assert_eq!(t.peak_time, when);
    assert!(close(t.loading_pct, best / (input.kva * 0.9) * 100.0));
    assert_eq!(t.meters, input.meters.len());
    // Filters and the work cap.
    let feeder = t.feeder_id.unwrap();
    let only = transformers(
        &snap,
        &graph,
        LoadingFilter {
            feeder: Some(feeder),
            substation: None,
        },
    )
    .unwrap();
    assert!(!only.is_empty() && only.iter().all(|x| x.feeder_id == Some(feeder)));
    assert!(matches!(
        rank(&ts, &q, 1000),
        Err(AmiError::TooMuchWork { .. })
    ));
}

#[test]
fn cached_transformer_profiles_rank_exactly_as_the_meters() {
    use crate::analytics::loading::{rank_rated, rated};
    let (snap, graph) = demo();
    let rollups = AmiRollups::build(&snap, &graph, SEED);
    // Feeders: bit for bit the profile of their meters (the same sums in the same order).
    for f in graph.feeder_ids() {
        let ms = members(
            &snap,
            &TopologySchema::default(),
            &graph.feeder_meters(f).unwrap(),
        );
        assert_eq!(
            rollups.profile(AmiGroup::Feeder(f)),
            Some(&Profile::of(&ms, SEED))
        );
    }
    for (q, filter) in [
        (
            query(midnight(8, 4), midnight(8, 11) + 1234, Bucket::Hour),
            LoadingFilter::default(),
        ),
        (
            query(midnight(1, 2), midnight(1, 3), Bucket::Min15),
            LoadingFilter {
                feeder: Some(graph.feeder_ids()[2]),
                substation: None,
            },
        ),
    ] {
        let direct = rank(
            &transformers(&snap, &graph, filter).unwrap(),
            &q,
            DEFAULT_MAX_LOADING_WORK,
        )
        .unwrap();
        let cached = rank_rated(
            &rated(&snap, filter).unwrap(),
            |id| rollups.transformer(id),
            &q,
            DEFAULT_MAX_LOADING_WORK,
        )
        .unwrap();
        assert!(!direct.is_empty());
        assert_eq!(cached, direct, "same values, same order");
        // The same work cap too.
        let ts = transformers(&snap, &graph, filter).unwrap();
        let cap = 1000;
        assert_eq!(
            rank_rated(
                &rated(&snap, filter).unwrap(),
                |id| rollups.transformer(id),
                &q,
                cap
            )
            .unwrap_err(),
            rank(&ts, &q, cap).unwrap_err()
        );
    }
}

#[test]
fn rollups_stay_valid_while_only_statuses_change() {
    use crate::index::ChangeSet;
    use crate::model::Value;
    let (snap, graph) = demo();
    let rollups = AmiRollups::build(&snap, &graph, SEED);
    assert!(rollups.valid_for(&snap, &graph));
    let meters = snap.layer("meters").unwrap();
    let field = |name: &str| meters.fields.iter().position(|f| f.name == name).unwrap();
    let edit = |name: &str, v: &str| {
        let mut changes = ChangeSet::default();
        let c = changes.layers.entry("meters".into()).or_default();
        for f in meters.features.iter().take(40) {
            let mut props = f.properties.clone();
            props[field(name)] = Some(Value::Str(v.into()));
            c.attributes.push((f.id, props));
        }
        snap.apply(changes, snap.version + 1).unwrap().snapshot
    };
    let schema = TopologySchema::default();
    // A tick: statuses change, the graph is rebased (same structure): still valid.
    let tick = edit("status", "de-energized");
    let rebased = graph.rebase(&tick, &schema).expect("same structure");
    assert!(rollups.valid_for(&tick, &rebased));
    // Another build of the same data is another structure: not valid.
    let rebuilt = GridGraph::build(&tick, &schema).unwrap();
    assert!(!rollups.valid_for(&tick, &rebuilt));
    // A class changes: not valid, and a new build differs.
    let reclassed = edit("customer_class", "industrial");
    let g = graph.rebase(&reclassed, &schema).expect("same structure");
    assert!(!rollups.valid_for(&reclassed, &g));
    let again = AmiRollups::build(&reclassed, &g, SEED);
    assert_ne!(
        again.meters(AmiGroup::System),
        None,
        "the system has meters"
    );
    assert_ne!(
        again.profile(AmiGroup::System),
        rollups.profile(AmiGroup::System)
    );
}
