//! Topology from geometry on small hand-made networks.

use geo_types::{Geometry, LineString, Point};

use super::*;

/// Metres east / north of (8°E, 48°N) as lon/lat.
fn at(x: f64, y: f64) -> (f64, f64) {
    let m = LocalMetres::around(48.0);
    let one = m.project(1.0, 1.0);
    (8.0 + x / one[0], 48.0 + y / one[1])
}

fn line(id: u64, pts: &[(f64, f64)]) -> Feature {
    Feature {
        id,
        geometry: Geometry::LineString(LineString::from(
            pts.iter().map(|&(x, y)| at(x, y)).collect::<Vec<_>>(),
        )),
        properties: vec![],
    }
}

fn point(id: u64, x: f64, y: f64, props: Vec<Option<Value>>) -> Feature {
    let (lon, lat) = at(x, y);
    Feature {
        id,
        geometry: Geometry::Point(Point::new(lon, lat)),
        properties: props,
    }
}

/// Substation 1 at (0,0) and substation 2 at (400,0); spans 10 (0→100, with an interior
/// vertex at 50), 11 (100→200), 12 (200→300) and 13 (300→400); span 14 leaves the interior
/// vertex of 10 at (50,0) north to (50,80) (a T-junction: 10 is split there); span 15 is an
/// island at y = 500; an open switch at (200,0) (0.3 m off), a transformer at (50,80) and
/// a meter beside it, and a pole at (100,0).
fn network() -> Vec<LayerData> {
    let mut subs = LayerData::new("substations", vec![]);
    subs.features = vec![point(1, 0.0, 0.0, vec![]), point(2, 400.0, 0.0, vec![])];
    let mut spans = LayerData::new("feeders", vec![]);
    spans.features = vec![
        line(10, &[(0.0, 0.0), (50.0, 0.0), (100.0, 0.0)]),
        line(11, &[(100.2, 0.0), (200.0, 0.0)]),
        line(12, &[(300.0, 0.0), (200.0, 0.1)]),
        line(13, &[(400.0, 0.0), (300.0, 0.0)]),
        line(14, &[(50.0, 0.0), (50.0, 80.0)]),
        line(15, &[(0.0, 500.0), (50.0, 500.0)]),
    ];
    let state = |s: &str| vec![Some(Value::from(s))];
    let mut switches = LayerData::new(
        "switches",
        vec![Field::new("normal_state", FieldType::String)],
    );
    switches.features = vec![
        point(20, 200.0, 0.3, state("open")),
        point(21, 900.0, 0.0, state("closed")),
    ];
    let mut xf = LayerData::new("transformers", vec![]);
    xf.features = vec![point(30, 50.0, 80.0, vec![])];
    let mut meters = LayerData::new("meters", vec![]);
    meters.features = vec![point(40, 50.2, 80.0, vec![]), point(41, 70.0, 80.0, vec![])];
    let mut poles = LayerData::new("poles", vec![]);
    poles.features = vec![point(50, 100.0, 0.0, vec![])];
    vec![subs, spans, switches, xf, meters, poles]
}

fn int(layer: &LayerData, f: &Feature, name: &str) -> Option<i64> {
    match f.properties.get(layer.field_index(name)?)?.as_ref()? {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

/// A span's id, from and to nodes, feeder and `split_of`.
type SpanRow = (u64, Option<i64>, Option<i64>, Option<i64>, Option<i64>);

fn network_config(tolerance: f64) -> NetworkConfig {
    NetworkConfig {
        snap_tolerance_m: tolerance,
        ..NetworkConfig::default()
    }
}

#[test]
fn spans_are_joined_split_oriented_and_fed() {
    let mut layers = network();
    let report = derive(&mut layers, &network_config(0.5)).expect("derived");
    assert_eq!((report.spans, report.pieces, report.split_spans), (6, 7, 1));
    let spans = &layers[1];
    let ends: Vec<SpanRow> = spans
        .features
        .iter()
        .map(|f| {
            (
                f.id,
                int(spans, f, "from_node"),
                int(spans, f, "to_node"),
                int(spans, f, "feeder_id"),
                int(spans, f, "split_of"),
            )
        })
        .collect();
    // Nodes: the substations' ids, the pole's (50) at (100,0), else new ids above every
    // feature id in the order the span ends are found: (200,0) 51, (300,0) 52, (50,0) 53,
    // (50,80) 54, the island's 55 and 56. The second piece of the split span is 57.
    // Substation 2 reaches the open switch's node (200,0) first (two spans against three):
    // span 11 beyond it leaves it, on substation 2's feeder 13.
    assert_eq!(
        ends,
        vec![
            (10, Some(1), Some(53), Some(10), Some(10)),
            (57, Some(53), Some(50), Some(10), Some(10)),
            (11, Some(51), Some(50), Some(13), None),
            (12, Some(52), Some(51), Some(13), None),
            (13, Some(2), Some(52), Some(13), None),
            (14, Some(53), Some(54), Some(10), None),
            (15, Some(55), Some(56), None, None),
        ]
    );
    let status = |l: &LayerData, f: &Feature| match l
        .field_index("status")
        .and_then(|i| f.properties[i].clone())
    {
        Some(Value::Str(s)) => s.to_string(),
        other => format!("{other:?}"),
    };
    let statuses: Vec<String> = spans.features.iter().map(|f| status(spans, f)).collect();
    let e = "energized".to_string();
    let d = "de-energized".to_string();
    // Span 11 leaves the open switch: live from its far end, which substation 1 feeds.
    assert_eq!(
        statuses,
        vec![
            e.clone(),
            e.clone(),
            e.clone(),
            e.clone(),
            e.clone(),
            e.clone(),
            d.clone()
        ]
    );
    let meters = &layers[4];
    assert_eq!(status(meters, &meters.features[0]), e);
    let sw = &layers[2];
    assert_eq!(int(sw, &sw.features[0], "node_id"), Some(51));
    assert_eq!(
        int(sw, &sw.features[1], "node_id"),
        None,
        "a switch far from every span"
    );
    let xf = &layers[3];
    assert_eq!(int(xf, &xf.features[0], "node_id"), Some(54));
    assert_eq!(int(xf, &xf.features[0], "substation_id"), Some(1));
    assert_eq!(int(meters, &meters.features[0], "transformer_id"), Some(30));
    assert_eq!(int(meters, &meters.features[0], "feeder_id"), Some(10));
    assert_eq!(
        int(meters, &meters.features[1], "transformer_id"),
        None,
        "20 m away"
    );
    let attached: Vec<_> = report
        .attached
        .iter()
        .map(|(l, a, n)| (l.as_str(), *a, *n))
        .collect();
    assert_eq!(
        attached,
        vec![
            ("substations", 2, 2),
            ("poles", 1, 1),
            ("switches", 1, 2),
            ("transformers", 1, 1),
            ("meters", 1, 2)
        ]
    );
}

#[test]
fn a_tolerance_too_small_leaves_the_gaps_open() {
    let mut layers = network();
    let report = derive(&mut layers, &network_config(0.05)).expect("derived");
    // 10's end (100,0) and 11's start (100.2,0) and 12's end (200,0.1) stay apart.
    assert_eq!(report.nodes, 11);
}

#[test]
fn attribute_topology_is_left_alone() {
    let mut layers = network();
    layers[1].fields = vec![
        Field::new("from_node", FieldType::Int),
        Field::new("to_node", FieldType::Int),
    ];
    for f in &mut layers[1].features {
        f.properties = vec![None, None];
    }
    let before = layers.clone();
    assert_eq!(derive(&mut layers, &network_config(0.5)), None);
    assert_eq!(layers, before);
    let forced = NetworkConfig {
        topology: TopologyFrom::Geometry,
        ..network_config(0.5)
    };
    assert!(derive(&mut layers, &forced).is_some());
    assert!(int(&layers[1], &layers[1].features[0], "from_node").is_some());
}
