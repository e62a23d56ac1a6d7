//! Tests of the generated grid: determinism, counts, schemas, ids and geometry. Topology
//! and status are checked in `tests_topology`.

use std::collections::HashSet;
use std::sync::OnceLock;

use geo::Point;
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
        (
            "crews",
            &[
                ("name", S),
                ("status", S),
                ("assigned_outage_id", I),
                ("substation_id", I),
                ("dispatched_at", S),
            ],
        ),
        (
            "outages",
            &[
                ("feeder_id", I),
                ("substation_id", I),
                ("device_id", I),
                ("cause", S),
                ("customers_out", I),
                ("start_time", S),
                ("status", S),
                ("crew_id", I),
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
                    None => assert!(
                        [
                            "tie_feeder_id",
                            "assigned_outage_id",
                            "crew_id",
                            "dispatched_at"
                        ]
                        .contains(field),
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
        ("crews", super::CREW_ID),
        ("outages", super::OUTAGE_ID),
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
#[ignore = "timing report; run with --release --ignored --nocapture"]
fn print_stats() {
    for scale in [0.1, 1.0, 10.0] {
        let t = std::time::Instant::now();
        let layers = gen(1, scale);
        eprintln!("scale {scale}: {:?} {}", t.elapsed(), summary(&layers));
    }
}
