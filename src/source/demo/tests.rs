//! Tests of the generated grid: determinism, counts, schemas, ids and geometry. Topology
//! and status are checked in `tests_topology`.

use std::collections::HashSet;
use std::sync::OnceLock;

use geo::{Distance, Haversine, Point};
use geo_types::Geometry;

use super::*;
use crate::model::{Feature, FieldType, Value};

/// Generates a grid (panics on invalid params).
pub(super) fn gen(seed: u64, scale: f64) -> Vec<LayerData> {
    generate_checked(&DemoParams { seed, scale }).expect("valid params")
}

/// The shared scale-0.1 grid most tests look at.
pub(super) fn small() -> &'static [LayerData] {
    static GRID: OnceLock<Vec<LayerData>> = OnceLock::new();
    GRID.get_or_init(|| {
        gen(
            std::env::var("DEMO_SEED")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(1),
            0.1,
        )
    })
}

/// The layer called `name`.
pub(super) fn layer<'a>(layers: &'a [LayerData], name: &str) -> &'a LayerData {
    layers
        .iter()
        .find(|l| l.name == name)
        .expect("layer present")
}

/// Integer attribute `name` of `f`.
pub(super) fn int(l: &LayerData, f: &Feature, name: &str) -> Option<i64> {
    match &f.properties[l.field_index(name)?] {
        Some(Value::Int(i)) => Some(*i),
        _ => None,
    }
}

/// Float attribute `name` of `f`.
pub(super) fn float(l: &LayerData, f: &Feature, name: &str) -> f64 {
    match &f.properties[l.field_index(name).expect("field")] {
        Some(Value::Float(x)) => *x,
        other => panic!("{name} is not a float: {other:?}"),
    }
}

/// String attribute `name` of `f`.
pub(super) fn text<'a>(l: &LayerData, f: &'a Feature, name: &str) -> &'a str {
    match &f.properties[l.field_index(name).expect("field")] {
        Some(Value::Str(s)) => s,
        other => panic!("{name} is not a string: {other:?}"),
    }
}

/// Coordinates of a point feature.
pub(super) fn pt(f: &Feature) -> Point<f64> {
    match &f.geometry {
        Geometry::Point(p) => *p,
        g => panic!("not a point: {g:?}"),
    }
}

/// Endpoints of a two-point line feature.
pub(super) fn ends(f: &Feature) -> (Point<f64>, Point<f64>) {
    match &f.geometry {
        Geometry::LineString(ls) if ls.0.len() == 2 => (ls.0[0].into(), ls.0[1].into()),
        g => panic!("not a span: {g:?}"),
    }
}

fn summary(layers: &[LayerData]) -> String {
    let counts: Vec<String> = layers
        .iter()
        .map(|l| format!("{}={}", l.name, l.features.len()))
        .collect();
    counts.join(" ")
}

fn count(layers: &[LayerData], name: &str) -> f64 {
    layer(layers, name).features.len() as f64
}

fn assert_near(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= want * tol,
        "{what}: {got} not within {tol} of {want}"
    );
}

#[test]
fn same_seed_same_output() {
    assert!(gen(7, 0.05) == gen(7, 0.05));
    assert!(gen(7, 0.05) != gen(8, 0.05));
}

#[test]
fn invalid_scales_are_rejected() {
    for scale in [0.0, 0.009, 20.5, -1.0, f64::NAN, f64::INFINITY] {
        let p = DemoParams { seed: 1, scale };
        assert!(
            matches!(generate_checked(&p), Err(DemoError::InvalidScale(_))),
            "{scale}"
        );
    }
    assert!(DemoParams {
        seed: 1,
        scale: 20.0
    }
    .validate()
    .is_ok());
    let tiny = gen(3, 0.01);
    assert!(count(&tiny, "feeders") > 500.0, "{}", summary(&tiny));
}

#[test]
fn counts_scale_with_scale() {
    for (scale, layers) in [
        (0.05, gen(1, 0.05)),
        (0.1, small().to_vec()),
        (0.2, gen(1, 0.2)),
    ] {
        let s = summary(&layers);
        assert_near(
            &format!("spans {s}"),
            count(&layers, "feeders"),
            66_000.0 * scale,
            0.05,
        );
        assert_near(
            &format!("transformers {s}"),
            count(&layers, "transformers"),
            20_000.0 * scale,
            0.1,
        );
        assert_near(
            &format!("meters {s}"),
            count(&layers, "meters"),
            150_000.0 * scale,
            0.1,
        );
        assert_eq!(count(&layers, "substations"), (30.0 * scale).round(), "{s}");
        let feeders: HashSet<i64> = layer(&layers, "feeders")
            .features
            .iter()
            .map(|f| int(layer(&layers, "feeders"), f, "feeder_id").unwrap_or(-1))
            .collect();
        assert_eq!(feeders.len() as f64, (600.0 * scale).round(), "{s}");
        let spans = layer(&layers, "feeders");
        let ties = spans
            .features
            .iter()
            .filter(|f| text(spans, f, "section") == "tie")
            .count();
        assert_eq!(
            count(&layers, "poles"),
            count(&layers, "feeders") - ties as f64,
            "{s}"
        );
    }
}

#[test]
fn headline_counts_at_scale_1() {
    let layers = gen(1, 1.0);
    let s = summary(&layers);
    assert_near(
        &format!("spans {s}"),
        count(&layers, "feeders"),
        66_000.0,
        0.05,
    );
    assert_near(
        &format!("transformers {s}"),
        count(&layers, "transformers"),
        20_000.0,
        0.05,
    );
    assert_near(
        &format!("meters {s}"),
        count(&layers, "meters"),
        150_000.0,
        0.05,
    );
    assert!(
        (66_000.0..=100_000.0).contains(&(count(&layers, "poles") * 1.05)),
        "{s}"
    );
    assert_eq!(count(&layers, "substations"), 30.0, "{s}");
    let spans = layer(&layers, "feeders");
    let feeders: HashSet<i64> = spans
        .features
        .iter()
        .filter_map(|f| int(spans, f, "feeder_id"))
        .collect();
    assert_eq!(feeders.len(), 600, "{s}");
}

#[test]
fn layers_in_order_with_typed_attributes() {
    use FieldType::{Float as F, Int as I, String as S};
    let expected: &[(&str, &[(&str, FieldType)])] = &[
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
    let layers = small();
    assert_eq!(layers.len(), expected.len());
    for (l, (name, fields)) in layers.iter().zip(expected) {
        assert_eq!(l.name, *name);
        let got: Vec<(&str, FieldType)> =
            l.fields.iter().map(|f| (f.name.as_str(), f.kind)).collect();
        assert_eq!(&got, fields, "{name}");
        let point = *name != "feeders";
        for f in &l.features {
            assert_eq!(f.properties.len(), fields.len());
            assert_eq!(
                matches!(f.geometry, Geometry::Point(_)),
                point,
                "{name} {}",
                f.id
            );
            for (v, (field, kind)) in f.properties.iter().zip(fields.iter()) {
                match v {
                    Some(v) => assert_eq!(v.field_type(), *kind, "{name}.{field}"),
                    None => assert_eq!(
                        *field, "tie_feeder_id",
                        "{name}.{field} of {} is null",
                        f.id
                    ),
                }
            }
            if *name == "switches" {
                let tie = text(l, f, "device_type") == "tie_switch";
                assert_eq!(int(l, f, "tie_feeder_id").is_some(), tie, "{}", f.id);
            }
        }
    }
}

#[test]
fn ids_are_unique_and_prefixed_by_kind() {
    let layers = small();
    let bases = [
        ("substations", SUBSTATION_ID),
        ("feeders", SPAN_ID),
        ("switches", SWITCH_ID),
        ("transformers", TRANSFORMER_ID),
        ("poles", POLE_ID),
        ("meters", METER_ID),
    ];
    let mut seen = HashSet::new();
    for (name, base) in bases {
        let l = layer(layers, name);
        for f in &l.features {
            assert!(seen.insert(f.id), "duplicate id {}", f.id);
            assert!(
                (base..base + 1_000_000).contains(&f.id),
                "{name} id {}",
                f.id
            );
            if let Some(feeder) = int(l, f, "feeder_id") {
                assert!((FEEDER_ID as i64..FEEDER_ID as i64 + 1_000_000).contains(&feeder));
            }
        }
    }
}

#[test]
fn spans_are_30_to_80_m_and_end_on_their_nodes() {
    let layers = small();
    let mut nodes = std::collections::HashMap::new();
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
pub(super) fn local_dist_to_segment(p: Point<f64>, a: Point<f64>, b: Point<f64>) -> f64 {
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

#[test]
#[ignore = "timing report; run with --release --ignored --nocapture"]
fn print_stats() {
    for scale in [0.1, 1.0, 10.0] {
        let t = std::time::Instant::now();
        let layers = gen(1, scale);
        eprintln!("scale {scale}: {:?} {}", t.elapsed(), summary(&layers));
    }
}
