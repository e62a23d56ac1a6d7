//! Tests of asset geometry and attributes: span lengths and endpoints, meter placement,
//! realistic attribute values.

use std::collections::{HashMap, HashSet};

use geo::{Distance, Haversine, Point};

use super::tests::{ends, float, int, layer, pt, small, text};
use crate::model::Feature;

#[test]
fn spans_are_30_to_80_m_and_end_on_their_nodes() {
    let layers = small();
    let mut nodes = HashMap::new();
    for name in ["substations", "poles"] {
        for f in &layer(layers, name).features {
            nodes.insert(f.id as i64, pt(f));
        }
    }
    let spans = layer(layers, "feeders");
    for f in &spans.features {
        let (a, b) = ends(f);
        let d = Haversine.distance(a, b);
        assert!((30.0..=80.0).contains(&d), "span {} is {d} m", f.id);
        assert!((float(spans, f, "length_m") - d).abs() < 0.06);
        let from = int(spans, f, "from_node").expect("from_node");
        let to = int(spans, f, "to_node").expect("to_node");
        assert_eq!(nodes.get(&from), Some(&a), "from of {}", f.id);
        assert_eq!(nodes.get(&to), Some(&b), "to of {}", f.id);
    }
}

#[test]
fn meters_are_on_lots_15_to_45_m_from_their_transformer() {
    let layers = small();
    let xfs = layer(layers, "transformers");
    let first = xfs.features[0].id;
    let meters = layer(layers, "meters");
    let mut served = vec![0; xfs.features.len()];
    for m in &meters.features {
        let t = int(meters, m, "transformer_id").expect("transformer_id") as u64 - first;
        let xf = &xfs.features[t as usize];
        let d = Haversine.distance(pt(m), pt(xf));
        assert!(
            (15.0..=45.0).contains(&d),
            "meter {} is {d} m from its transformer",
            m.id
        );
        assert_eq!(int(meters, m, "feeder_id"), int(xfs, xf, "feeder_id"));
        served[t as usize] += 1;
    }
    for (t, f) in xfs.features.iter().enumerate() {
        assert_eq!(
            int(xfs, f, "customer_count"),
            Some(served[t]),
            "transformer {}",
            f.id
        );
    }
    // Off the line: no meter within 12 m of a span at its transformer's pole.
    let spans = layer(layers, "feeders");
    let mut at_pole: std::collections::HashMap<i64, Vec<&Feature>> =
        std::collections::HashMap::new();
    for s in &spans.features {
        for key in ["from_node", "to_node"] {
            at_pole
                .entry(int(spans, s, key).unwrap_or(0))
                .or_default()
                .push(s);
        }
    }
    for m in meters.features.iter().step_by(7) {
        let t = int(meters, m, "transformer_id").unwrap_or(0) as u64 - first;
        let pole = int(xfs, &xfs.features[t as usize], "node_id").unwrap_or(0);
        for s in &at_pole[&pole] {
            let (a, b) = ends(s);
            assert!(
                local_dist_to_segment(pt(m), a, b) > 12.0,
                "meter {} on span {}",
                m.id,
                s.id
            );
        }
    }
}

/// Planar distance in metres from `p` to segment `a`–`b` (fine at span scale).
fn local_dist_to_segment(p: Point<f64>, a: Point<f64>, b: Point<f64>) -> f64 {
    let k = 6_371_008.8f64.to_radians();
    let c = a.y().to_radians().cos();
    let xy = |q: Point<f64>| ((q.x() - a.x()) * k * c, (q.y() - a.y()) * k);
    let (px, py) = xy(p);
    let (bx, by) = xy(b);
    let t = ((px * bx + py * by) / (bx * bx + by * by)).clamp(0.0, 1.0);
    ((px - bx * t).powi(2) + (py - by * t).powi(2)).sqrt()
}

#[test]
fn attribute_values_are_realistic() {
    let layers = small();
    let spans = layer(layers, "feeders");
    for f in &spans.features {
        assert!([12.47, 24.9, 34.5].contains(&float(spans, f, "voltage_kv")));
        assert!(["A", "B", "C", "AB", "BC", "AC", "ABC"].contains(&text(spans, f, "phase")));
        assert!(["energized", "de-energized", "fault"].contains(&text(spans, f, "status")));
        if text(spans, f, "section") == "trunk" {
            assert_eq!(text(spans, f, "phase"), "ABC");
        }
    }
    let xfs = layer(layers, "transformers");
    let mut overloaded = 0;
    for f in &xfs.features {
        let kva = float(xfs, f, "kva");
        let three = text(xfs, f, "phase") == "ABC";
        assert!(
            if three {
                (300.0..=1500.0).contains(&kva)
            } else {
                [25.0, 37.5, 50.0, 75.0, 100.0, 167.0].contains(&kva)
            },
            "{kva}"
        );
        let load = float(xfs, f, "load_pct");
        assert!((10.0..=140.0).contains(&load));
        overloaded += usize::from(load > 100.0);
    }
    assert!(overloaded > 0 && overloaded < xfs.features.len() / 10);
    let meters = layer(layers, "meters");
    let mut classes = HashSet::new();
    for f in &meters.features {
        let kwh = float(meters, f, "kwh");
        let class = text(meters, f, "customer_class");
        classes.insert(class.to_string());
        let range = match class {
            "residential" => 100.0..=6000.0,
            "commercial" => 500.0..=300_000.0,
            "industrial" => 20_000.0..=3_000_000.0,
            c => panic!("class {c}"),
        };
        assert!(range.contains(&kwh), "{class} {kwh}");
    }
    assert_eq!(classes.len(), 3);
    let poles = layer(layers, "poles");
    let mut health: Vec<f64> = poles
        .features
        .iter()
        .map(|f| float(poles, f, "health_score"))
        .collect();
    health.sort_by(f64::total_cmp);
    assert!(health[0] >= 0.0 && health[health.len() - 1] <= 100.0);
    assert!(health[health.len() / 4] > 60.0, "most poles are healthy");
    assert!(health[health.len() / 50] < 50.0, "some poles are poor");
    for f in &poles.features {
        assert!(["wood", "concrete", "steel"].contains(&text(poles, f, "material")));
        assert!((1950..=2025).contains(&int(poles, f, "install_year").unwrap_or(0)));
    }
}
