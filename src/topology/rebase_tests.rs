//! [`GridGraph::rebase`] and [`GridGraph::with_switch_states`] against full builds
//! ([`GridGraph::build`], and the simulator's oracle `graph_with`) on a demo grid: same
//! edges, switch states and energization forest, for random switch states (many at once,
//! or a few at a time from the last what-if); a rebase is
//! refused when the connectivity changed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::index::{LayerChanges, Snapshot, SnapshotBuilder};
use crate::model::Value;
use crate::simulate::edits::{text, Edits};
use crate::simulate::energy::graph_with;
use crate::source::demo::{generate, DemoParams};

use super::{GridGraph, TopologySchema};

fn snapshot() -> Snapshot {
    let layers = generate(&DemoParams {
        seed: 5,
        scale: 0.05,
    });
    SnapshotBuilder::default().build(layers, 1).unwrap()
}

/// Everything a build decides, compared field by field.
fn assert_same(a: &GridGraph, b: &GridGraph) {
    assert_eq!(a.version, b.version);
    assert_eq!(a.stats, b.stats);
    assert_eq!(a.node_ids, b.node_ids);
    assert_eq!(a.edges, b.edges);
    assert_eq!(a.switches, b.switches);
    assert_eq!(a.edge_switches, b.edge_switches);
    assert_eq!(a.meter_transformer, b.meter_transformer);
    assert_eq!(a.parent_edge, b.parent_edge);
    assert_eq!(a.source, b.source);
    assert_eq!(a.depth, b.depth);
}

/// Random `(switch id, state)` pairs, about one switch in `1 / share`.
fn random_states(snap: &Snapshot, rng: &mut ChaCha8Rng, share: f64) -> Vec<(u64, &'static str)> {
    let switches = snap.layer("switches").unwrap();
    switches
        .features
        .iter()
        .filter(|_| rng.random_bool(share))
        .map(|f| {
            let open = text(switches, f.id, "current_state") == Some("open");
            (f.id, if open { "closed" } else { "open" })
        })
        .collect()
}

#[test]
fn switch_states_give_the_graph_a_build_gives() {
    let snap = snapshot();
    let graph = GridGraph::build(&snap, &TopologySchema::default()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for share in [0.0, 0.02, 0.1, 0.5] {
        let states = random_states(&snap, &mut rng, share);
        let fast = graph.with_switch_states(&states, "open");
        let mut oracle = graph_with(&snap, &states).unwrap();
        // The oracle is a tentative snapshot one version up.
        oracle.version = fast.version;
        assert_same(&fast, &oracle);
    }
}

/// One to three switches at a time, each what-if derived from the last one (its forest
/// searched again only where the switches are): still what a build gives.
#[test]
fn a_few_switches_at_a_time_give_the_graph_a_build_gives() {
    let snap = snapshot();
    let switches = snap.layer("switches").unwrap();
    let mut graph = GridGraph::build(&snap, &TopologySchema::default()).unwrap();
    let mut all: Vec<(u64, &'static str)> = Vec::new();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..25 {
        let step: Vec<(u64, &'static str)> = (0..rng.random_range(1..=3))
            .map(|_| {
                let f = &switches.features[rng.random_range(0..switches.features.len())];
                (
                    f.id,
                    if rng.random_bool(0.5) {
                        "open"
                    } else {
                        "closed"
                    },
                )
            })
            .collect();
        graph = graph.with_switch_states(&step, "open");
        all.extend(&step);
        let mut oracle = graph_with(&snap, &all).unwrap();
        oracle.version = graph.version;
        assert_same(&graph, &oracle);
    }
}

#[test]
fn a_rebase_equals_a_build_when_only_statuses_and_switches_change() {
    let snap = snapshot();
    let graph = GridGraph::build(&snap, &TopologySchema::default()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let states = random_states(&snap, &mut rng, 0.1);
    assert!(!states.is_empty());
    let mut edits = Edits::new(&snap);
    for &(id, state) in &states {
        edits
            .set("switches", id, "current_state", Some(Value::from(state)))
            .unwrap();
    }
    for f in snap.layer("meters").unwrap().features.iter().step_by(9) {
        edits
            .set("meters", f.id, "status", Some(Value::from("de-energized")))
            .unwrap();
    }
    let next = snap.apply(edits.into_changes(), 2).unwrap().snapshot;
    let schema = TopologySchema::default();
    let rebased = graph.rebase(&next, &schema).expect("same connectivity");
    assert_same(&rebased, &GridGraph::build(&next, &schema).unwrap());
    assert!(rebased.switches != graph.switches, "switch states changed");

    // Unchanged snapshot contents under a new version: same forest.
    let again = rebased.rebase(&next, &schema).unwrap();
    assert_same(&again, &rebased);
    // Derived graphs keep the structure's identity; a build gets a new one.
    assert_eq!(rebased.structure_id(), graph.structure_id());
    assert_eq!(
        graph.with_switch_states(&states, "open").structure_id(),
        graph.structure_id()
    );
    assert_ne!(
        GridGraph::build(&next, &schema).unwrap().structure_id(),
        graph.structure_id()
    );
}

#[test]
fn a_rebase_is_refused_when_connectivity_changes() {
    let snap = snapshot();
    let schema = TopologySchema::default();
    let graph = GridGraph::build(&snap, &schema).unwrap();
    let spans = snap.layer("feeders").unwrap();
    let to = spans
        .fields
        .iter()
        .position(|f| f.name == "to_node")
        .unwrap();
    let span = &spans.features[3];
    let mut props = span.properties.clone();
    props[to] = Some(Value::Int(1));
    let mut set = crate::index::ChangeSet::default();
    set.layers.insert(
        "feeders".into(),
        LayerChanges {
            attributes: vec![(span.id, props)],
            ..LayerChanges::default()
        },
    );
    let next = snap.apply(set, 2).unwrap().snapshot;
    assert!(graph.rebase(&next, &schema).is_none());
    let mut set = crate::index::ChangeSet::default();
    set.layers.insert(
        "meters".into(),
        LayerChanges {
            deletes: vec![snap.layer("meters").unwrap().features[0].id],
            ..LayerChanges::default()
        },
    );
    let fewer = snap.apply(set, 3).unwrap().snapshot;
    assert!(graph.rebase(&fewer, &schema).is_none(), "a meter removed");
}
