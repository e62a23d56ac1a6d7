//! The quality report on the topology fixture, clean and with one defect of each kind.

use geo_types::{Geometry, LineString, Point};

use super::*;
use crate::index::SnapshotBuilder;
use crate::model::{Feature, Value};
use crate::tiling::TilingConfig;
use crate::topology::fixture::{self, A3, A6, FEEDER_A, P6, TS, TX};
use crate::topology::GridGraph;

fn counts(r: &QualityReport) -> Vec<(&'static str, usize)> {
    r.counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| (*k, *n))
        .collect()
}

fn report(layers: Vec<crate::model::LayerData>, radial: bool) -> QualityReport {
    let snap = SnapshotBuilder::new(TilingConfig::default())
        .build(layers, 1)
        .unwrap();
    let graph = GridGraph::build(&snap, &TopologySchema::default()).ok();
    check(&snap, graph.as_ref(), radial, 1000)
}

#[test]
fn the_fixture_has_one_transformer_off_the_network_and_a_loop_only_with_the_tie_closed() {
    let r = report(fixture::layers(&[TS]), true);
    assert_eq!(counts(&r), vec![("device_off_network", 1)]);
    assert_eq!((r.findings[0].id, r.total, r.truncated), (TX, 1, false));
    assert_eq!(r.counts.len(), KINDS.len());

    let closed = report(fixture::layers(&[]), true);
    assert_eq!(
        counts(&closed),
        vec![("device_off_network", 1), ("loop", 1)]
    );
    // Not radial: loops are allowed.
    let meshed = report(fixture::layers(&[]), false);
    assert_eq!(counts(&meshed), vec![("device_off_network", 1)]);
}

#[test]
fn each_defect_is_found_once_where_it_is() {
    let mut layers = fixture::layers(&[TS]);
    let pos = |layers: &[crate::model::LayerData], id: u64| {
        let f = layers
            .iter()
            .flat_map(|l| &l.features)
            .find(|f| f.id == id)
            .unwrap();
        match &f.geometry {
            Geometry::LineString(l) => l.0[l.0.len() - 1],
            Geometry::Point(p) => p.0,
            _ => unreachable!(),
        }
    };
    let end_of_a6 = pos(&layers, A6);
    let spans = &mut layers[1];
    let span = |id: u64, from: Option<u64>, to: Option<u64>, pts: Vec<(f64, f64)>| Feature {
        id,
        geometry: Geometry::LineString(LineString::from(pts)),
        properties: vec![
            Some(Value::Int(FEEDER_A)),
            from.map(|n| Value::Int(n as i64)),
            to.map(|n| Value::Int(n as i64)),
            None,
            None,
        ],
    };
    let (x, y) = (end_of_a6.x, end_of_a6.y);
    // A dangling lateral off P6 (its far end meets nothing).
    spans
        .features
        .push(span(90, Some(P6), Some(91), vec![(x, y), (x + 0.001, y)]));
    // A span ending at a pole (88) is not dangling.
    spans
        .features
        .push(span(87, Some(P6), Some(88), vec![(x, y), (x, y - 0.001)]));
    // An island of two spans.
    spans.features.push(span(
        92,
        Some(93),
        Some(94),
        vec![(x, y + 0.01), (x + 0.001, y + 0.01)],
    ));
    spans.features.push(span(
        95,
        Some(94),
        Some(96),
        vec![(x + 0.001, y + 0.01), (x + 0.002, y + 0.01)],
    ));
    // No node ids.
    spans.features.push(span(
        97,
        None,
        None,
        vec![(x, y + 0.02), (x + 0.001, y + 0.02)],
    ));
    // Zero length (both ends at P6's position, nodes P6 → 98).
    spans
        .features
        .push(span(99, Some(P6), Some(98), vec![(x, y), (x, y)]));
    // A meter whose transformer does not exist, and a pole with a span's id.
    let meters = &mut layers[5];
    let mut m = meters.features[0].clone();
    m.id = 100;
    let xf_f = meters.field_index("transformer_id").unwrap();
    m.properties[xf_f] = Some(Value::Int(123_456));
    meters.features.push(m);
    let width = layers[4].fields.len();
    layers[4].features.push(Feature {
        id: 88,
        geometry: Geometry::Point(Point::new(x, y - 0.001)),
        properties: vec![None; width],
    });
    layers[4].features.push(Feature {
        id: A3,
        geometry: Geometry::Point(Point::new(x, y)),
        properties: vec![None; width],
    });

    let r = report(layers, true);
    assert_eq!(
        counts(&r),
        vec![
            ("dangling_end", 4),
            ("device_off_network", 1),
            ("duplicate_id", 1),
            ("invalid_geometry", 1),
            ("island", 1),
            ("meter_without_transformer", 1),
            ("unconnected_span", 1),
        ]
    );
    let ids = |kind: &str| -> Vec<u64> {
        r.findings
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.id)
            .collect()
    };
    assert_eq!(ids("island"), vec![92]);
    // 90's far end, the island's two outer ends, 99's far end.
    assert_eq!(ids("dangling_end"), vec![90, 92, 95, 99]);
    assert_eq!(ids("unconnected_span"), vec![97]);
    assert_eq!(ids("invalid_geometry"), vec![99]);
    assert_eq!(ids("meter_without_transformer"), vec![100]);
    assert_eq!(ids("duplicate_id"), vec![A3]);
    // Positions: the dangling end of 90 is its last vertex, in lon/lat.
    let d = r
        .findings
        .iter()
        .find(|f| f.kind == "dangling_end" && f.id == 90)
        .unwrap();
    assert!(
        (d.lon - (x + 0.001)).abs() < 1e-9 && (d.lat - y).abs() < 1e-9,
        "{d:?}"
    );

    let limited = {
        let mut layers = fixture::layers(&[]);
        layers[1].features.push(span(
            97,
            None,
            None,
            vec![(x, y + 0.02), (x + 0.001, y + 0.02)],
        ));
        let snap = SnapshotBuilder::new(TilingConfig::default())
            .build(layers, 7)
            .unwrap();
        check(&snap, None, true, 1)
    };
    assert_eq!(
        (
            limited.version,
            limited.total,
            limited.findings.len(),
            limited.truncated
        ),
        (7, 2, 1, true)
    );
}
