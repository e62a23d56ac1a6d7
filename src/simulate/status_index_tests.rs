//! [`StatusIndex`] against the full pass it replaces ([`energy::full_scan`]): on the demo
//! grid as the simulator operates it, with statuses written behind the index's back, for
//! what-if graphs opening and closing random switches with random faults.

use std::collections::BTreeSet;
use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::edits::Edits;
use super::energy::{self, full_scan, NETWORK_LAYERS};
use super::status_index::StatusIndex;
use super::*;
use crate::cache::TileCache;
use crate::index::SnapshotBuilder;
use crate::metrics::Metrics;
use crate::model::Value;
use crate::source::demo::{generate, DemoParams};

fn state() -> Store {
    let layers = generate(&DemoParams {
        seed: 2,
        scale: 0.1,
    });
    let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
    Store::new(snap, TileCache::new(0), Arc::new(Metrics::default()), None)
}

/// A random what-if: up to four switches set open or closed, and a few random spans faulted.
fn what_if(snap: &Snapshot, rng: &mut ChaCha8Rng) -> (Vec<(u64, &'static str)>, BTreeSet<u64>) {
    let switches = &snap.layer("switches").unwrap().features;
    let spans = &snap.layer("feeders").unwrap().features;
    let states = (0..rng.random_range(0..=4))
        .map(|_| {
            let id = switches[rng.random_range(0..switches.len())].id;
            (
                id,
                if rng.random_bool(0.5) {
                    "open"
                } else {
                    "closed"
                },
            )
        })
        .collect();
    let faults = (0..rng.random_range(0..=3))
        .map(|_| spans[rng.random_range(0..spans.len())].id)
        .collect();
    (states, faults)
}

/// Statuses written wrong on purpose (a few random network assets), published.
fn drift(state: &Store, rng: &mut ChaCha8Rng) {
    let snap = state.snapshot();
    let mut e = Edits::new(&snap);
    for _ in 0..5 {
        let layer = NETWORK_LAYERS[rng.random_range(0..NETWORK_LAYERS.len())];
        let features = &snap.layer(layer).unwrap().features;
        let id = features[rng.random_range(0..features.len())].id;
        let status = ["energized", "de-energized", "fault"][rng.random_range(0..3)];
        e.set(layer, id, "status", Some(Value::from(status)))
            .unwrap();
    }
    let update = snap.apply(e.into_changes(), snap.version + 1).unwrap();
    state.publish_update(update, false);
}

#[test]
fn the_index_finds_what_a_full_pass_finds() {
    let state = state();
    let mut sim = Simulator::new(&state.snapshot(), 5, 8).unwrap();
    let mut index = StatusIndex::default();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let (mut checked, mut changes) = (0, 0);
    for t in 0..40 {
        sim.tick(&state, 1_780_000_000 + t).unwrap();
        if t % 5 == 4 {
            drift(&state, &mut rng);
        }
        let snap = state.snapshot();
        let graph = state.graph(&snap).unwrap();
        for _ in 0..6 {
            let (states, faults) = what_if(&snap, &mut rng);
            let w = graph.with_switch_states(&states, "open");
            let got = index.statuses(&graph, &w, &snap, &faults);
            let want = full_scan(&w, &snap, &faults);
            assert_eq!(
                got.as_ref(),
                Some(&want),
                "tick {t}, {states:?}, {faults:?}"
            );
            checked += 1;
            changes += want.len();
        }
        // And through `energize`, with the simulator's own index.
        let (states, faults) = what_if(&snap, &mut rng);
        let e = energy::energize(
            &mut sim.statuses,
            &graph,
            &snap,
            &states,
            &BTreeSet::new(),
            &faults,
        )
        .unwrap();
        let w = graph.with_switch_states(&states, "open");
        assert_eq!(e.statuses, full_scan(&w, &snap, &faults), "tick {t}");
    }
    assert!(changes > checked, "the what-ifs change statuses: {changes}");
}

#[test]
fn a_graph_of_other_layers_is_scanned() {
    let state = state();
    let snap = state.snapshot();
    // A graph built from another build of the same data: its layers are not the snapshot's.
    let other = SnapshotBuilder::default()
        .build(
            generate(&DemoParams {
                seed: 2,
                scale: 0.1,
            }),
            1,
        )
        .unwrap();
    let graph = GridGraph::build(&other, &TopologySchema::default()).unwrap();
    let mut index = StatusIndex::default();
    assert_eq!(
        index.statuses(&graph, &graph, &snap, &BTreeSet::new()),
        None
    );
}
