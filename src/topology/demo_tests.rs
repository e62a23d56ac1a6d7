//! The graph against the demo generator: on the real demo grid (seed 1, scale 0.1) the
//! graph's energization agrees with the `status` attribute the generator derives from its own
//! energization trace, so the graph reads the switches with the data's semantics.

use std::sync::OnceLock;

use crate::index::{Snapshot, SnapshotBuilder};
use crate::source::demo::{generate, DemoParams};

use super::{GridGraph, TopologySchema};

/// The demo grid at scale 0.1 and its graph, built once.
fn demo() -> &'static (Snapshot, GridGraph) {
    static DEMO: OnceLock<(Snapshot, GridGraph)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let layers = generate(&DemoParams {
            seed: 1,
            scale: 0.1,
        });
        let snap = SnapshotBuilder::default()
            .build(layers, 1)
            .expect("demo snapshot");
        let graph = GridGraph::build(&snap, &TopologySchema::default()).expect("demo graph");
        (snap, graph)
    })
}

#[test]
fn energization_matches_the_generator_status() {
    let (snap, g) = demo();
    assert_eq!(g.stats().skipped_spans, 0, "{:?}", g.stats());
    for name in ["feeders", "transformers", "meters", "poles"] {
        let layer = snap
            .layers
            .iter()
            .find(|l| l.name == name)
            .expect("demo layer");
        let status = layer
            .fields
            .iter()
            .position(|f| f.name == "status")
            .expect("status field");
        let (mut on, mut off) = (0, 0);
        for f in &layer.features {
            let st = super::str_attr(f, Some(status)).unwrap_or("");
            let live = g.energized_from(f.id).unwrap().is_some();
            match st {
                "energized" => assert!(live, "{name} {} is energized but not per the graph", f.id),
                "de-energized" | "fault" => {
                    assert!(!live, "{name} {} is {st} but energized per the graph", f.id)
                }
                other => panic!("{name} {} has status {other:?}", f.id),
            }
            if live {
                on += 1;
            } else {
                off += 1;
            }
        }
        assert!(on > 0, "{name}: something is energized");
        if name != "poles" {
            assert!(off > 0, "{name}: the demo has outages");
        }
    }
}
