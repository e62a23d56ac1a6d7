//! Feature ids across files: a shared explicit id refuses the load naming both files and
//! feature indices; files without ids are numbered after the directory's largest id.

use serde_json::json;

use super::{load, put, tmp};
use crate::source::file::{load_dir, LoadOptions};

fn fc(features: serde_json::Value) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

fn pt(id: Option<u64>, lon: f64) -> serde_json::Value {
    let mut f = json!({"type": "Feature", "properties": {},
        "geometry": {"type": "Point", "coordinates": [lon, 29.7]}});
    if let Some(id) = id {
        f["id"] = json!(id);
    }
    f
}

#[test]
fn one_id_in_two_files_is_refused_naming_both() {
    let dir = tmp();
    put(
        dir.path(),
        "a.geojson",
        fc(json!([pt(Some(5), -95.0), pt(Some(1), -95.1)])),
    );
    put(
        dir.path(),
        "b.geojson",
        fc(json!([
            pt(Some(7), -95.2),
            pt(Some(8), -95.3),
            pt(Some(1), -95.4)
        ])),
    );
    for lenient in [false, true] {
        let err = load_dir(
            dir.path(),
            LoadOptions {
                lenient,
                ..LoadOptions::default()
            },
        )
        .unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.feature, Some(2), "{msg}");
        assert!(err.path.ends_with("b.geojson"), "{msg}");
        assert!(msg.contains("id 1 is also used by"), "{msg}");
        assert!(msg.contains("a.geojson, feature 1"), "{msg}");
    }
}

#[test]
fn files_without_ids_are_numbered_after_every_id() {
    let dir = tmp();
    put(
        dir.path(),
        "a.geojson",
        fc(json!([pt(None, -95.0), pt(None, -95.1)])),
    );
    put(
        dir.path(),
        "b.geojson",
        fc(json!([pt(Some(10), -95.2), pt(Some(3), -95.3)])),
    );
    put(
        dir.path(),
        "c.geojson",
        fc(json!([pt(None, -95.4), pt(None, -95.5), pt(None, -95.6)])),
    );
    let loaded = load(dir.path());
    let ids: Vec<Vec<u64>> = loaded
        .layers
        .iter()
        .map(|l| l.features.iter().map(|f| f.id).collect())
        .collect();
    assert_eq!(ids, vec![vec![11, 12], vec![3, 10], vec![13, 14, 15]]);
    // One id-less file alone keeps index + 1.
    let single = tmp();
    put(
        single.path(),
        "a.geojson",
        fc(json!([pt(None, -95.0), pt(None, -95.1)])),
    );
    let ids: Vec<u64> = load(single.path()).layers[0]
        .features
        .iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(ids, vec![1, 2]);
}
