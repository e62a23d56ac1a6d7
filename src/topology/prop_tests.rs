//! Property tests: random (often malformed) grids never make a query panic, and results
//! agree with each other.

use geo_types::{Geometry, LineString, Point};
use proptest::prelude::*;

use crate::index::SnapshotBuilder;
use crate::model::{Feature, Field, FieldType, LayerData, Value};
use crate::tiling::TilingConfig;

use super::{GridGraph, TopologySchema};

/// A random grid description: spans (from, to, feeder, tie, has_ids), switches (node, kind,
/// open), transformers (node), meters (transformer).
type Spec = (
    usize,
    Vec<(usize, usize, i64, bool, bool)>,
    Vec<(usize, usize, bool)>,
    Vec<usize>,
    Vec<usize>,
);

fn spec() -> impl Strategy<Value = Spec> {
    (
        1usize..3,
        prop::collection::vec(
            (
                0usize..25,
                0usize..25,
                0i64..3,
                any::<bool>(),
                any::<bool>(),
            ),
            0..45,
        ),
        prop::collection::vec((0usize..27, 0usize..6, any::<bool>()), 0..12),
        prop::collection::vec(0usize..27, 0..10),
        prop::collection::vec(0usize..12, 0..20),
    )
}

/// Node `i`: substations are 1..=subs, poles 20_000_000 + i (ids ≥ 25 are never poles).
fn node_id(subs: usize, i: usize) -> u64 {
    if i < subs {
        i as u64 + 1
    } else {
        20_000_000 + i as u64
    }
}

fn pos(id: u64) -> (f64, f64) {
    let k = (id % 1000) as f64;
    (-95.0 + k * 0.001, 29.0 + (k * 0.37).sin() * 0.01)
}

fn layers((subs, spans, switches, xfs, meters): &Spec) -> Vec<LayerData> {
    use FieldType::{Int, String as Str};
    let f = |names: &[(&str, FieldType)]| -> Vec<Field> {
        names.iter().map(|(n, t)| Field::new(*n, *t)).collect()
    };
    let point = |id: u64| Geometry::Point(Point::new(pos(id).0, pos(id).1));
    let int = |v: u64| Some(Value::Int(v as i64));
    let mut l_subs = LayerData::new("substations", vec![]);
    for s in 0..*subs {
        let id = node_id(*subs, s);
        l_subs.features.push(Feature {
            id,
            geometry: point(id),
            properties: vec![],
        });
    }
    let mut l_poles = LayerData::new("poles", vec![]);
    for i in *subs..25 {
        let id = node_id(*subs, i);
        l_poles.features.push(Feature {
            id,
            geometry: point(id),
            properties: vec![],
        });
    }
    let span_fields = [
        ("feeder_id", Int),
        ("from_node", Int),
        ("to_node", Int),
        ("section", Str),
        ("status", Str),
    ];
    let mut l_spans = LayerData::new("feeders", f(&span_fields));
    for (k, &(a, b, feeder, tie, has_ids)) in spans.iter().enumerate() {
        let (a, b) = (node_id(*subs, a), node_id(*subs, b));
        let line = LineString::from(vec![pos(a), (pos(b).0 + 1e-4, pos(b).1)]);
        let section = Some(Value::from(if tie { "tie" } else { "trunk" }));
        l_spans.features.push(Feature {
            id: 10_000_000 + k as u64,
            geometry: Geometry::LineString(line),
            properties: vec![
                Some(Value::Int(2_000_000 + feeder)),
                int(a),
                if has_ids { int(b) } else { None },
                section,
                Some(Value::from("energized")),
            ],
        });
    }
    let kinds = [
        "breaker",
        "recloser",
        "fuse",
        "sectionalizer",
        "tie_switch",
        "disconnect",
    ];
    let sw_fields = [
        ("feeder_id", Int),
        ("node_id", Int),
        ("device_type", Str),
        ("current_state", Str),
    ];
    let mut l_sw = LayerData::new("switches", f(&sw_fields));
    for (k, &(node, kind, open)) in switches.iter().enumerate() {
        let n = node_id(*subs, node);
        l_sw.features.push(Feature {
            id: 50_000_000 + k as u64,
            geometry: point(n),
            properties: vec![
                Some(Value::Int(2_000_000 + (k as i64 % 3))),
                int(n),
                Some(Value::from(kinds[kind])),
                Some(Value::from(if open { "open" } else { "closed" })),
            ],
        });
    }
    let mut l_xf = LayerData::new("transformers", f(&[("node_id", Int)]));
    for (k, &node) in xfs.iter().enumerate() {
        let n = node_id(*subs, node);
        l_xf.features.push(Feature {
            id: 30_000_000 + k as u64,
            geometry: point(n),
            properties: vec![int(n)],
        });
    }
    let mut l_m = LayerData::new("meters", f(&[("transformer_id", Int)]));
    for (k, &t) in meters.iter().enumerate() {
        l_m.features.push(Feature {
            id: 40_000_000 + k as u64,
            geometry: point(t as u64),
            properties: vec![int(30_000_000 + t as u64)],
        });
    }
    vec![l_subs, l_spans, l_sw, l_xf, l_poles, l_m]
}

fn sorted_unique(v: &[u64]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn queries_never_panic_and_agree(spec in spec()) {
        let snap = SnapshotBuilder::new(TilingConfig::default()).build(layers(&spec), 1).unwrap();
        let g = GridGraph::build(&snap, &TopologySchema::default()).unwrap();
        let total_meters = spec.4.len() as u64;
        let ids: Vec<u64> = snap.layers.iter().flat_map(|l| l.features.iter().map(|f| f.id)).collect();
        for &id in &ids {
            let up = g.upstream(id).unwrap();
            let down = g.downstream(id).unwrap();
            let iso = g.isolate(id).unwrap();
            let nb = g.neighbours(id).unwrap();
            for r in [&up.ids, &down.ids, &iso.de_energized, &nb.ids] {
                for list in [&r.substations, &r.spans, &r.poles, &r.switches, &r.transformers, &r.meters] {
                    prop_assert!(sorted_unique(list));
                }
            }
            prop_assert!(down.customer_count <= total_meters);
            prop_assert!(iso.customer_count <= total_meters);
            prop_assert!(up.path.iter().all(|s| up.ids.spans.contains(s)));
            prop_assert_eq!(up.energized_from, down.energized_from);
            if up.energized_from.is_none() {
                prop_assert!(up.path.is_empty() && !iso.isolable);
            }
            // Whatever a substation feeds lists it as its source.
            if let Some(s) = up.energized_from {
                let fed = g.downstream(s).unwrap();
                for m in &down.ids.meters {
                    if g.upstream(*m).unwrap().energized_from == Some(s) {
                        prop_assert!(fed.ids.meters.contains(m));
                    }
                }
            }
        }
        for f in g.feeder_ids() {
            prop_assert!(g.connections(f).is_ok());
            prop_assert!(g.feeder_meters(f).is_ok());
        }
    }
}
