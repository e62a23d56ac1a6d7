//! Turning the generated grid into [`LayerData`]: schemas, ids, interned strings and the
//! substations, feeders and switches layers (see [`super::assets`] for the rest).

use std::sync::Arc;

use geo::{Distance, Haversine};
use geo_types::{Geometry, LineString, Point};

use super::feeders::Section;
use super::network::Node;
use super::status::switch_energized;
use super::substations::{LATERAL_CONDUCTORS, TRUNK_CONDUCTORS};
use super::Grid;
use crate::model::{Feature, Field, FieldType, LayerData, Value};
use crate::topology::DeviceKind;

/// Id of substation `i` (and of its bus node).
pub const SUBSTATION_ID: u64 = 1_000_000;
/// Id of feeder circuit `i`.
pub const FEEDER_ID: u64 = 2_000_000;
/// Id of span `i`.
pub const SPAN_ID: u64 = 10_000_000;
/// Id of pole `i`.
pub const POLE_ID: u64 = 20_000_000;
/// Id of transformer `i`.
pub const TRANSFORMER_ID: u64 = 30_000_000;
/// Id of meter `i`.
pub const METER_ID: u64 = 40_000_000;
/// Id of switch `i`.
pub const SWITCH_ID: u64 = 50_000_000;

use FieldType::{Float as F, Int as I, String as S};

/// Layer schemas in output order.
pub const SCHEMAS: &[(&str, &[(&str, FieldType)])] = &[
    (
        "substations",
        &[
            ("name", S),
            ("substation_id", I),
            ("voltage_kv", F),
            ("capacity_mva", F),
            ("feeder_count", I),
            ("status", S),
        ],
    ),
    (
        "feeders",
        &[
            ("feeder_id", I),
            ("feeder_name", S),
            ("substation_id", I),
            ("voltage_kv", F),
            ("phase", S),
            ("status", S),
            ("from_node", I),
            ("to_node", I),
            ("section", S),
            ("conductor", S),
            ("length_m", F),
        ],
    ),
    (
        "switches",
        &[
            ("name", S),
            ("feeder_id", I),
            ("substation_id", I),
            ("node_id", I),
            ("device_type", S),
            ("normal_state", S),
            ("current_state", S),
            ("status", S),
            ("tie_feeder_id", I),
        ],
    ),
    (
        "transformers",
        &[
            ("feeder_id", I),
            ("substation_id", I),
            ("node_id", I),
            ("kva", F),
            ("phase", S),
            ("load_pct", F),
            ("customer_count", I),
            ("status", S),
        ],
    ),
    (
        "poles",
        &[
            ("feeder_id", I),
            ("substation_id", I),
            ("height_ft", I),
            ("material", S),
            ("install_year", I),
            ("health_score", F),
            ("status", S),
        ],
    ),
    (
        "meters",
        &[
            ("feeder_id", I),
            ("substation_id", I),
            ("transformer_id", I),
            ("customer_class", S),
            ("kwh", F),
            ("phase", S),
            ("status", S),
        ],
    ),
];

/// An empty layer with schema `i` of [`SCHEMAS`].
pub fn empty_layer(i: usize, capacity: usize) -> LayerData {
    let (name, fields) = SCHEMAS[i];
    let mut layer = LayerData::new(
        name,
        fields.iter().map(|&(n, t)| Field::new(n, t)).collect(),
    );
    layer.features.reserve(capacity);
    layer
}

/// One shared string per distinct attribute value.
pub struct Strs {
    /// "energized".
    pub energized: Arc<str>,
    /// "de-energized".
    pub de_energized: Arc<str>,
    /// "fault".
    pub fault: Arc<str>,
    /// "closed".
    pub closed: Arc<str>,
    /// "open".
    pub open: Arc<str>,
    /// "trunk", "lateral", "tie".
    pub sections: [Arc<str>; 3],
    /// Phase names indexed by phase bits (A = 1, B = 2, C = 4).
    pub phases: [Arc<str>; 8],
    /// Device types in [`DeviceKind`] order (the generator places no `Other`).
    pub kinds: [Arc<str>; 6],
    /// Customer classes in [`super::customers::Class`] order.
    pub classes: [Arc<str>; 3],
    /// "wood", "concrete", "steel".
    pub materials: [Arc<str>; 3],
    /// [`TRUNK_CONDUCTORS`].
    pub trunk_conductors: Vec<Arc<str>>,
    /// [`LATERAL_CONDUCTORS`].
    pub lateral_conductors: Vec<Arc<str>>,
}

impl Strs {
    /// Interns every fixed value once.
    pub fn new() -> Self {
        let a = |s: &str| -> Arc<str> { Arc::from(s) };
        Strs {
            energized: a("energized"),
            de_energized: a("de-energized"),
            fault: a("fault"),
            closed: a("closed"),
            open: a("open"),
            sections: ["trunk", "lateral", "tie"].map(a),
            phases: ["", "A", "B", "AB", "C", "AC", "BC", "ABC"].map(a),
            kinds: [
                "breaker",
                "recloser",
                "fuse",
                "sectionalizer",
                "tie_switch",
                "disconnect",
            ]
            .map(a),
            classes: ["residential", "commercial", "industrial"].map(a),
            materials: ["wood", "concrete", "steel"].map(a),
            trunk_conductors: TRUNK_CONDUCTORS.iter().map(|s| a(s)).collect(),
            lateral_conductors: LATERAL_CONDUCTORS.iter().map(|s| a(s)).collect(),
        }
    }

    /// "energized" or "de-energized".
    pub fn status(&self, energized: bool) -> Option<Value> {
        str_val(if energized {
            &self.energized
        } else {
            &self.de_energized
        })
    }
}

/// A shared string value.
pub fn str_val(s: &Arc<str>) -> Option<Value> {
    Some(Value::Str(s.clone()))
}

/// An integer value.
pub fn int(i: u64) -> Option<Value> {
    Some(Value::Int(i as i64))
}

/// A float value.
pub fn float(f: f64) -> Option<Value> {
    Some(Value::Float(f))
}

/// A point geometry.
pub fn point((lon, lat): (f64, f64)) -> Geometry<f64> {
    Geometry::Point(Point::new(lon, lat))
}

/// Id of a network node.
pub fn node_id(n: Node) -> u64 {
    match n {
        Node::Substation(s) => SUBSTATION_ID + s as u64,
        Node::Pole(p) => POLE_ID + p as u64,
    }
}

/// The substations layer.
pub fn substations(g: &Grid, st: &Strs) -> LayerData {
    let mut layer = empty_layer(0, g.subs.len());
    for (i, s) in g.subs.iter().enumerate() {
        let id = SUBSTATION_ID + i as u64;
        layer.features.push(Feature {
            id,
            geometry: point(g.sub_ll[i]),
            properties: vec![
                Some(Value::Str(s.name.clone())),
                int(id),
                float(s.transmission_kv),
                float(s.capacity_mva),
                int(s.feeder_count as u64),
                str_val(&st.energized),
            ],
        });
    }
    layer
}

/// The feeders layer: one feature per span.
pub fn feeders(g: &Grid, st: &Strs) -> LayerData {
    let mut layer = empty_layer(1, g.net.spans.len());
    for (i, s) in g.net.spans.iter().enumerate() {
        let plan = &g.feeders[s.feeder as usize];
        let sub = plan.substation;
        let a = match s.from {
            Node::Substation(k) => g.sub_ll[k as usize],
            Node::Pole(p) => g.pole_ll[p as usize],
        };
        let b = g.pole_ll[s.to as usize];
        let length = Haversine.distance(Point::new(a.0, a.1), Point::new(b.0, b.1));
        let conductor = match (s.section, s.phase) {
            (Section::Trunk, _) | (Section::Tie, 7) => &st.trunk_conductors[plan.trunk_conductor],
            (_, 7) => &st.lateral_conductors[3],
            (_, 3 | 5 | 6) => &st.lateral_conductors[1],
            _ => &st.lateral_conductors[plan.lateral_conductor],
        };
        let status = if g.energy.fault[i] {
            str_val(&st.fault)
        } else {
            st.status(g.energy.span[i])
        };
        let section = match s.section {
            Section::Trunk => 0,
            Section::Lateral => 1,
            Section::Tie => 2,
        };
        layer.features.push(Feature {
            id: SPAN_ID + i as u64,
            geometry: Geometry::LineString(LineString::from(vec![a, b])),
            properties: vec![
                int(FEEDER_ID + s.feeder as u64),
                Some(Value::Str(plan.name.clone())),
                int(SUBSTATION_ID + sub as u64),
                float(g.subs[sub as usize].feeder_kv),
                str_val(&st.phases[s.phase as usize]),
                status,
                int(node_id(s.from)),
                int(node_id(Node::Pole(s.to))),
                str_val(&st.sections[section]),
                str_val(conductor),
                float((length * 10.0).round() / 10.0),
            ],
        });
    }
    layer
}

/// The switches layer.
pub fn switches(g: &Grid, st: &Strs) -> LayerData {
    let mut layer = empty_layer(2, g.switches.len());
    for (i, s) in g.switches.iter().enumerate() {
        let kind = match s.kind {
            DeviceKind::Breaker => 0,
            DeviceKind::Recloser => 1,
            DeviceKind::Fuse => 2,
            DeviceKind::Sectionalizer => 3,
            DeviceKind::TieSwitch => 4,
            DeviceKind::Other => 5,
        };
        let state = |open: bool| str_val(if open { &st.open } else { &st.closed });
        let ll = match s.node {
            Node::Pole(p) if s.kind != DeviceKind::Breaker => g.pole_ll[p as usize],
            _ => super::geom::to_lon_lat(s.pos),
        };
        layer.features.push(Feature {
            id: SWITCH_ID + i as u64,
            geometry: point(ll),
            properties: vec![
                Some(Value::Str(Arc::from(s.name.as_str()))),
                int(FEEDER_ID + s.feeder as u64),
                int(SUBSTATION_ID + g.feeders[s.feeder as usize].substation as u64),
                int(node_id(s.node)),
                str_val(&st.kinds[kind]),
                state(s.normal_open),
                state(s.open),
                st.status(switch_energized(&g.energy, &g.net, s)),
                s.tie
                    .map(|(f, _)| Value::Int((FEEDER_ID + f as u64) as i64)),
            ],
        });
    }
    layer
}
