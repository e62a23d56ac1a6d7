//! Memory under live updates (issue #14, item 4): what a published update leaves alive.
//! The replaced snapshot, the previous topology graph (which holds its snapshot's layers)
//! and with it the replaced feature are freed once nothing reads them (checked with `Weak` references), unchanged features are shared
//! between versions, and the simulator's ticks leave only the snapshot being served.

use std::sync::{Arc, Weak};

use gridtiles::cache::TileCache;
use gridtiles::http::{AppState, Settings};
use gridtiles::index::{ChangeSet, LayerChanges, SnapshotBuilder};
use gridtiles::model::Value;
use gridtiles::simulate::Simulator;
use gridtiles::source::demo::{generate, DemoParams};

fn state() -> AppState {
    let layers = generate(&DemoParams {
        seed: 2,
        scale: 0.03,
    });
    let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
    AppState::new(snap, TileCache::new(8 << 20), Settings::default())
}

#[test]
fn a_published_update_frees_what_it_replaced_and_shares_the_rest() {
    let state = state();
    let old = state.snapshot_arc();
    let graph = Arc::downgrade(&state.store().graph(&old).unwrap());
    let meters = old.layer("meters").unwrap();
    let changed = Arc::downgrade(&meters.features[0]);
    let kept = Arc::clone(&meters.features[1]);
    let kwh = meters.fields.iter().position(|f| f.name == "kwh").unwrap();
    let mut props = meters.features[0].properties.clone();
    props[kwh] = Some(Value::Float(4242.0));
    let mut set = ChangeSet::default();
    set.layers.insert(
        "meters".into(),
        LayerChanges {
            attributes: vec![(meters.features[0].id, props)],
            ..LayerChanges::default()
        },
    );
    let update = old.apply(set, 2).unwrap();
    let weak_old: Weak<_> = Arc::downgrade(&old);
    drop(old);
    state.publish_update(update, false);
    let new = state.snapshot_arc();
    assert_eq!(new.version, 2);
    // Without a runtime the replaced snapshot is dropped at once.
    assert!(weak_old.upgrade().is_none(), "old snapshot still alive");
    let now = &new.layer("meters").unwrap().features;
    assert!(Arc::ptr_eq(&now[1], &kept), "unchanged feature copied");
    assert_eq!(now[0].properties[kwh], Some(Value::Float(4242.0)));
    // The graph cache moves to the new version and lets the old graph go.
    let g2 = state.store().graph(&new).unwrap();
    assert_eq!(g2.version(), 2);
    assert!(graph.upgrade().is_none(), "old graph still alive");
    // The old graph held the old meters layer; with it gone, so is the replaced feature.
    assert!(changed.upgrade().is_none(), "replaced feature still alive");
}

#[test]
fn simulator_ticks_leave_only_the_served_snapshot_alive() {
    let state = state();
    let mut sim = Simulator::new(&state.snapshot_arc(), 4, 8).unwrap();
    let mut seen: Vec<Weak<_>> = Vec::new();
    for t in 0..25 {
        seen.push(Arc::downgrade(&state.snapshot_arc()));
        sim.tick(state.store(), 1_780_000_000 + t).unwrap();
    }
    let current = state.snapshot_arc();
    assert!(
        current.version > 10,
        "the ticks published too few versions: v{}",
        current.version
    );
    let alive: Vec<u64> = seen
        .iter()
        .filter_map(Weak::upgrade)
        .map(|s| s.version)
        .filter(|&v| v != current.version)
        .collect();
    assert!(alive.is_empty(), "old snapshots alive: {alive:?}");
    // The event replay ring stays within its byte bound.
    let (_, bytes) = state.event_log().buffered();
    assert!(bytes <= 16 << 20, "{bytes}");
}

#[test]
fn simulator_ticks_reuse_the_analytics_values_and_keep_no_old_layer() {
    use gridtiles::analytics::ami::DEMO_SEED;
    use gridtiles::analytics::ami_rollup::{AmiGroup, AmiRollups};
    use gridtiles::http::api::{ami::rollups_of, warm::warm_now};
    let state = state();
    warm_now(&state, true);
    let caches = state.analytics_caches();
    let builds = || {
        (
            caches.ami_rollups.builds(),
            caches.health.builds(),
            state.history_cache().builds(),
        )
    };
    assert_eq!(builds(), (1, 1, 1));
    let first_meters = Arc::downgrade(
        state
            .snapshot_arc()
            .layers
            .iter()
            .find(|l| l.name == "meters")
            .unwrap(),
    );
    let mut sim = Simulator::new(&state.snapshot_arc(), 4, 8).unwrap();
    for t in 0..25 {
        sim.tick(state.store(), 1_780_000_000 + t).unwrap();
        warm_now(&state, false);
    }
    let snap = state.snapshot_arc();
    assert!(snap.version > 10, "too few versions: v{}", snap.version);
    assert_eq!(builds(), (1, 1, 1), "a tick changes nothing they read");
    assert!(caches.ami_rollups.reuses() >= 10);
    // The reused rollups are those a build on the current snapshot gives.
    let graph = state.store().graph(&snap).unwrap();
    let reused = rollups_of(&state, &snap, &graph);
    let fresh = AmiRollups::build(&snap, &graph, DEMO_SEED);
    assert_eq!(
        reused.profile(AmiGroup::System),
        fresh.profile(AmiGroup::System)
    );
    for f in graph.feeder_ids() {
        assert_eq!(
            reused.profile(AmiGroup::Feeder(f)),
            fresh.profile(AmiGroup::Feeder(f))
        );
    }
    // The values remember the newest layers they were checked against, not the first.
    assert!(
        first_meters.upgrade().is_none(),
        "the first meters layer is still alive"
    );
}
