//! A small hand-built grid for tests: one substation, two feeders with trunks and laterals,
//! a recloser, fuses, breakers at the substation root, a normally open tie switch,
//! transformers and meters, plus a pole with a transformer and meter that no span reaches.
//!
//! A device at node `N` cuts the spans of its feeder leaving `N` (the demo's convention):
//! BA and BB cut A1 and B1, RA cuts A4, FA cuts A6, FB cuts B5, TS (at P4) cuts T1.
//!
//! ```text
//!   BA,BB at S                       RA                TS (tie, normally open, at P4)
//!   S=1 ──A1──► P1 ──A2──► P2 ──A3──► P3 ──A4──► P4 ─ ─ T1 ─ ─ Q3
//!    │                      │                    TA2(MA3)         │
//!    │                     A5                                     │
//!    │                      ▼     FA                              │
//!    │                     P5 ──A6──► P6 TA3(MA4,MA5,MA6)          │
//!    │          TA1(MA1,MA2) at P2                                │
//!    └──────────── B1──► Q1 ──B2──► Q2 ──B3──────────────────────► Q3 TB1(MB1,MB2)
//!                                    └──B4──► Q4 ──B5──► Q5 TB2(MB3)
//!                                             FB
//!   P9 TX(MX): no span
//! ```

use std::collections::HashMap;

use geo_types::{Geometry, LineString, Point};

use crate::index::{Snapshot, SnapshotBuilder};
use crate::model::{Feature, Field, FieldType, LayerData, Value};
use crate::tiling::TilingConfig;

use super::{GridGraph, TopologySchema};

pub const S: u64 = 1;
pub const FEEDER_A: i64 = 2_000_001;
pub const FEEDER_B: i64 = 2_000_002;

pub const P1: u64 = 20_000_001;
pub const P2: u64 = 20_000_002;
pub const P3: u64 = 20_000_003;
pub const P4: u64 = 20_000_004;
pub const P5: u64 = 20_000_005;
pub const P6: u64 = 20_000_006;
pub const Q1: u64 = 20_000_011;
pub const Q2: u64 = 20_000_012;
pub const Q3: u64 = 20_000_013;
pub const Q4: u64 = 20_000_014;
pub const Q5: u64 = 20_000_015;
pub const P9: u64 = 20_000_099;

pub const A1: u64 = 10_000_001;
pub const A2: u64 = 10_000_002;
pub const A3: u64 = 10_000_003;
pub const A4: u64 = 10_000_004;
pub const A5: u64 = 10_000_005;
pub const A6: u64 = 10_000_006;
pub const B1: u64 = 10_000_011;
pub const B2: u64 = 10_000_012;
pub const B3: u64 = 10_000_013;
pub const B4: u64 = 10_000_014;
pub const B5: u64 = 10_000_015;
pub const T1: u64 = 10_000_021;

pub const BA: u64 = 50_000_001;
pub const RA: u64 = 50_000_002;
pub const FA: u64 = 50_000_003;
pub const BB: u64 = 50_000_011;
pub const FB: u64 = 50_000_012;
pub const TS: u64 = 50_000_021;

pub const TA1: u64 = 30_000_001;
pub const TA2: u64 = 30_000_002;
pub const TA3: u64 = 30_000_003;
pub const TB1: u64 = 30_000_011;
pub const TB2: u64 = 30_000_012;
pub const TX: u64 = 30_000_099;

pub const MA1: u64 = 40_000_001;
pub const MA2: u64 = 40_000_002;
pub const MA3: u64 = 40_000_003;
pub const MA4: u64 = 40_000_004;
pub const MA5: u64 = 40_000_005;
pub const MA6: u64 = 40_000_006;
pub const MB1: u64 = 40_000_011;
pub const MB2: u64 = 40_000_012;
pub const MB3: u64 = 40_000_013;
pub const MX: u64 = 40_000_099;

/// Node positions (lon, lat) near Houston.
fn positions() -> HashMap<u64, (f64, f64)> {
    let base = (-95.40, 29.70);
    let at = |dx: f64, dy: f64| (base.0 + dx * 0.001, base.1 + dy * 0.001);
    [
        (S, at(0.0, 0.0)),
        (P1, at(1.0, 0.0)),
        (P2, at(2.0, 0.0)),
        (P3, at(3.0, 0.0)),
        (P4, at(4.0, 0.0)),
        (P5, at(2.0, 1.0)),
        (P6, at(2.0, 2.0)),
        (Q1, at(1.0, -2.0)),
        (Q2, at(2.0, -2.0)),
        (Q3, at(4.0, -2.0)),
        (Q4, at(2.0, -3.0)),
        (Q5, at(2.0, -4.0)),
        (P9, at(9.0, 9.0)),
    ]
    .into_iter()
    .collect()
}

fn fields(names: &[(&str, FieldType)]) -> Vec<Field> {
    names.iter().map(|(n, t)| Field::new(*n, *t)).collect()
}

fn point(pos: &HashMap<u64, (f64, f64)>, node: u64) -> Geometry<f64> {
    let (x, y) = pos[&node];
    Geometry::Point(Point::new(x, y))
}

fn s(v: &str) -> Option<Value> {
    Some(Value::from(v))
}

fn i(v: u64) -> Option<Value> {
    Some(Value::Int(v as i64))
}

/// The fixture's layers. `open` lists switches whose `current_state` is "open" (the
/// normal configuration is `&[TS]`).
pub fn layers(open: &[u64]) -> Vec<LayerData> {
    use FieldType::{Int, String as Str};
    let pos = positions();
    let mut subs = LayerData::new(
        "substations",
        fields(&[("name", Str), ("substation_id", Int)]),
    );
    subs.features.push(Feature {
        id: S,
        geometry: point(&pos, S),
        properties: vec![s("Test"), i(S)],
    });

    let span_fields = [
        ("feeder_id", Int),
        ("from_node", Int),
        ("to_node", Int),
        ("section", Str),
        ("status", Str),
    ];
    let mut spans = LayerData::new("feeders", fields(&span_fields));
    let span_list = [
        (A1, FEEDER_A, S, P1, "trunk"),
        (A2, FEEDER_A, P1, P2, "trunk"),
        (A3, FEEDER_A, P2, P3, "trunk"),
        (A4, FEEDER_A, P3, P4, "trunk"),
        (A5, FEEDER_A, P2, P5, "lateral"),
        (A6, FEEDER_A, P5, P6, "lateral"),
        (B1, FEEDER_B, S, Q1, "trunk"),
        (B2, FEEDER_B, Q1, Q2, "trunk"),
        (B3, FEEDER_B, Q2, Q3, "trunk"),
        (B4, FEEDER_B, Q2, Q4, "lateral"),
        (B5, FEEDER_B, Q4, Q5, "lateral"),
        (T1, FEEDER_A, P4, Q3, "tie"),
    ];
    for (id, feeder, a, b, section) in span_list {
        let line = LineString::from(vec![pos[&a], pos[&b]]);
        spans.features.push(Feature {
            id,
            geometry: Geometry::LineString(line),
            properties: vec![
                Some(Value::Int(feeder)),
                i(a),
                i(b),
                s(section),
                s("energized"),
            ],
        });
    }

    let sw_fields = [
        ("feeder_id", Int),
        ("node_id", Int),
        ("device_type", Str),
        ("normal_state", Str),
        ("current_state", Str),
    ];
    let mut switches = LayerData::new("switches", fields(&sw_fields));
    let sw_list = [
        (BA, FEEDER_A, S, "breaker", "closed"),
        (RA, FEEDER_A, P3, "recloser", "closed"),
        (FA, FEEDER_A, P5, "fuse", "closed"),
        (BB, FEEDER_B, S, "breaker", "closed"),
        (FB, FEEDER_B, Q4, "fuse", "closed"),
        (TS, FEEDER_A, P4, "tie_switch", "open"),
    ];
    for (id, feeder, node, kind, normal) in sw_list {
        let state = if open.contains(&id) { "open" } else { "closed" };
        switches.features.push(Feature {
            id,
            geometry: point(&pos, node),
            properties: vec![
                Some(Value::Int(feeder)),
                i(node),
                s(kind),
                s(normal),
                s(state),
            ],
        });
    }

    let xf_fields = [
        ("feeder_id", Int),
        ("node_id", Int),
        ("customer_count", Int),
    ];
    let mut transformers = LayerData::new("transformers", fields(&xf_fields));
    let xf_list = [
        (TA1, FEEDER_A, P2, 2),
        (TA2, FEEDER_A, P4, 1),
        (TA3, FEEDER_A, P6, 3),
        (TB1, FEEDER_B, Q3, 2),
        (TB2, FEEDER_B, Q5, 1),
        (TX, FEEDER_B, P9, 1),
    ];
    for (id, feeder, node, customers) in xf_list {
        transformers.features.push(Feature {
            id,
            geometry: point(&pos, node),
            properties: vec![Some(Value::Int(feeder)), i(node), i(customers)],
        });
    }

    let mut poles = LayerData::new("poles", fields(&[("feeder_id", Int)]));
    for (id, feeder) in [
        (P1, FEEDER_A),
        (P2, FEEDER_A),
        (P3, FEEDER_A),
        (P4, FEEDER_A),
        (P5, FEEDER_A),
        (P6, FEEDER_A),
        (Q1, FEEDER_B),
        (Q2, FEEDER_B),
        (Q3, FEEDER_B),
        (Q4, FEEDER_B),
        (Q5, FEEDER_B),
        (P9, FEEDER_B),
    ] {
        poles.features.push(Feature {
            id,
            geometry: point(&pos, id),
            properties: vec![Some(Value::Int(feeder))],
        });
    }

    let m_fields = [
        ("feeder_id", Int),
        ("transformer_id", Int),
        ("customer_class", Str),
    ];
    let mut meters = LayerData::new("meters", fields(&m_fields));
    let m_list = [
        (MA1, FEEDER_A, TA1, P2, "residential"),
        (MA2, FEEDER_A, TA1, P2, "commercial"),
        (MA3, FEEDER_A, TA2, P4, "residential"),
        (MA4, FEEDER_A, TA3, P6, "residential"),
        (MA5, FEEDER_A, TA3, P6, "residential"),
        (MA6, FEEDER_A, TA3, P6, "industrial"),
        (MB1, FEEDER_B, TB1, Q3, "residential"),
        (MB2, FEEDER_B, TB1, Q3, "residential"),
        (MB3, FEEDER_B, TB2, Q5, "commercial"),
        (MX, FEEDER_B, TX, P9, "residential"),
    ];
    for (id, feeder, xf, node, class) in m_list {
        meters.features.push(Feature {
            id,
            geometry: point(&pos, node),
            properties: vec![Some(Value::Int(feeder)), i(xf), s(class)],
        });
    }
    vec![subs, spans, switches, transformers, poles, meters]
}

/// The fixture as a snapshot.
pub fn snapshot(open: &[u64]) -> Snapshot {
    SnapshotBuilder::new(TilingConfig::default())
        .build(layers(open), 1)
        .expect("fixture snapshot")
}

/// The fixture's graph with switches `open` open.
pub fn graph(open: &[u64]) -> GridGraph {
    GridGraph::build(&snapshot(open), &TopologySchema::default()).expect("fixture graph")
}

/// The fixture in its normal configuration (only the tie switch open).
pub fn normal() -> GridGraph {
    graph(&[TS])
}
