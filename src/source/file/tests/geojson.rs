//! GeoJSON loading: malformed files, geometry rules, ids, type inference, lenient mode.

use std::sync::Arc;

use serde_json::json;

use super::*;

/// A FeatureCollection of the given features.
fn fc(features: serde_json::Value) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

/// A point feature with `props` and top-level `id`.
fn pt(id: serde_json::Value, props: serde_json::Value) -> serde_json::Value {
    json!({"type": "Feature", "id": id, "properties": props,
           "geometry": {"type": "Point", "coordinates": [1.5, 2.5]}})
}

/// A feature with geometry `g` and id `id`.
fn with_geometry(id: u64, g: serde_json::Value) -> serde_json::Value {
    json!({"type": "Feature", "id": id, "properties": {}, "geometry": g})
}

#[test]
fn invalid_json_reports_line_and_column() {
    let dir = tmp();
    put(
        dir.path(),
        "bad.geojson",
        "{\n  \"type\": \"FeatureCollection\",\n  \"features\": [,]\n}",
    );
    load_err(
        dir.path(),
        true,
        &["bad.geojson, feature 0: invalid JSON: ", "line 3 column 16"],
    );
}

#[test]
fn malformed_numbers_and_truncation_name_the_feature() {
    let good = pt(json!(1), json!({"a": 1})).to_string();
    for (bad, index) in [
        (
            format!("{good},{good},{{\"type\":\"Feature\",\"x\":NaN}}"),
            2,
        ),
        (format!("{good},{{\"properties\":{{\"v\":Infinity}}}}"), 1),
        (format!("{{\"properties\":{{\"v\":1e999}}}},{good}"), 0),
    ] {
        let dir = tmp();
        let text = format!("{{\"type\":\"FeatureCollection\",\"features\":[{bad}]}}");
        put(dir.path(), "bad.geojson", text);
        let part = format!("bad.geojson, feature {index}: invalid JSON");
        load_err(dir.path(), false, &[&part, "line 1 column"]);
    }
    let dir = tmp();
    let text = format!("{{\"type\":\"FeatureCollection\",\"features\":[{good},{good}");
    put(dir.path(), "cut.geojson", &text[..text.len() - 5]);
    load_err(
        dir.path(),
        true,
        &["cut.geojson, feature 1: invalid JSON", "EOF"],
    );
}

#[test]
fn three_d_nested_and_mixed_are_accepted() {
    let dir = tmp();
    let text = fc(json!([
        {"type": "Feature", "id": 1, "properties": {"tags": ["a", "b"], "meta": {"k": 1}},
         "geometry": {"type": "Point", "coordinates": [1.5, 2.5, 30.0]}},
        {"type": "Feature", "id": 2, "properties": {},
         "geometry": {"type": "LineString", "coordinates": [[1, 2, 3], [3, 4, 5]]}},
    ]));
    put(dir.path(), "odd.geojson", text);
    let layer = only(load(dir.path()));
    assert_eq!(layer.features.len(), 2);
    let names: Vec<&str> = layer.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["meta", "tags"]);
    assert_eq!(
        layer.features[0].properties[0],
        Some(Value::from("{\"k\":1}"))
    );
    assert_eq!(
        layer.features[0].properties[1],
        Some(Value::from("[\"a\",\"b\"]"))
    );
    assert!(
        matches!(layer.features[0].geometry, Geometry::Point(p) if p.x() == 1.5 && p.y() == 2.5)
    );
}

#[test]
fn not_a_feature_collection() {
    let dir = tmp();
    put(
        dir.path(),
        "g.geojson",
        r#"{"type": "Point", "coordinates": [1, 2]}"#,
    );
    load_err(
        dir.path(),
        true,
        &["g.geojson: GeoJSON \"Point\" is not a FeatureCollection or Feature"],
    );
    put(dir.path(), "g.geojson", "[1, 2]");
    load_err(dir.path(), true, &["g.geojson: not GeoJSON"]);
    put(dir.path(), "g.geojson", r#"{"type": "FeatureCollection"}"#);
    load_err(dir.path(), true, &["without a \"features\" array"]);
}

#[test]
fn single_feature_file() {
    let dir = tmp();
    let with_bom = format!("\u{feff}{}", pt(json!(42), json!({"a": 1})));
    put(dir.path(), "one.json", with_bom);
    let layer = only(load(dir.path()));
    assert_eq!(layer.name, "one");
    assert_eq!(layer.features[0].id, 42);
    assert_eq!(layer.features[0].geometry, point!(x: 1.5, y: 2.5).into());
}

#[test]
fn geometry_rules() {
    let cases = [
        (json!(null), "missing geometry"),
        (
            json!({"type": "CircularString", "coordinates": []}),
            "unsupported geometry type \"CircularString\"",
        ),
        (
            json!({"type": "Point", "coordinates": [600000.5, 4100000]}),
            "longitude 600000.5 outside",
        ),
        (
            json!({"type": "Point", "coordinates": ["a", 1]}),
            "invalid position",
        ),
        (
            json!({"type": "LineString", "coordinates": [[1, 1]]}),
            "LineString with 1 point(s)",
        ),
        (
            json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]], [[0, 0], [1, 0], [0, 0]]]}),
            "polygon ring 1 has 3 point(s)",
        ),
        (
            json!({"type": "MultiPoint", "coordinates": []}),
            "empty MultiPoint",
        ),
    ];
    for (g, reason) in cases {
        let dir = tmp();
        let ok = with_geometry(1, json!({"type": "Point", "coordinates": [0, 0]}));
        put(
            dir.path(),
            "g.geojson",
            fc(json!([ok, with_geometry(2, g)])),
        );
        load_err(dir.path(), false, &["g.geojson, feature 1: ", reason]);
    }
    let dir = tmp();
    let no_member = json!({"type": "Feature", "id": 1, "properties": {}});
    put(dir.path(), "g.geojson", fc(json!([no_member])));
    load_err(
        dir.path(),
        false,
        &["g.geojson, feature 0: missing geometry"],
    );
}

#[test]
fn ids() {
    let dir = tmp();
    let from_property = json!({"type": "Feature", "properties": {"id": 5, "a": 1},
        "geometry": {"type": "Point", "coordinates": [0, 0]}});
    put(
        dir.path(),
        "i.geojson",
        fc(json!([pt(json!(9), json!({})), from_property])),
    );
    let layer = only(load(dir.path()));
    let ids: Vec<u64> = layer.features.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![5, 9]);
    assert_eq!(
        layer.fields,
        vec![Field::new("a", FieldType::Int)],
        "id is not a field"
    );

    let cases = [
        (
            json!([pt(json!(1), json!({})), pt(json!(-2), json!({}))]),
            "feature 1: negative id -2",
        ),
        (
            json!([pt(json!(1.5), json!({}))]),
            "feature 0: id 1.5 is not an integer",
        ),
        (
            json!([pt(json!("P-1"), json!({}))]),
            "feature 0: id \"P-1\" is not an integer",
        ),
        (
            json!([
                pt(json!(1), json!({})),
                pt(json!(2), json!({})),
                pt(json!(1), json!({}))
            ]),
            "feature 2: duplicate id 1 (already used by feature 0)",
        ),
        (
            json!([pt(json!(1), json!({})), pt(json!(null), json!({}))]),
            "feature 1: feature has no id, but other features of this file do",
        ),
        (
            json!([pt(json!(1), json!({"id": 2}))]),
            "feature 0: top-level id 1 and property id 2 disagree",
        ),
    ];
    for (features, reason) in cases {
        put(dir.path(), "i.geojson", fc(features));
        load_err(dir.path(), false, &["i.geojson, ", reason]);
    }

    put(
        dir.path(),
        "i.geojson",
        fc(json!([
            pt(json!(null), json!({})),
            pt(json!(null), json!({}))
        ])),
    );
    let ids: Vec<u64> = only(load(dir.path()))
        .features
        .iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(ids, vec![1, 2], "sequential ids when no feature has one");
}

#[test]
fn type_inference() {
    let dir = tmp();
    let features = json!([
        pt(
            json!(1),
            json!({"n": 1, "x": 1, "b": true, "s": "wood", "o": [1, 2], "z": null})
        ),
        pt(
            json!(2),
            json!({"n": 2, "x": 2.5, "b": null, "s": "wood", "o": {"k": "v"}})
        ),
        pt(
            json!(3),
            json!({"n": null, "x": 3, "b": false, "s": null, "o": "text"})
        ),
    ]);
    put(dir.path(), "t.geojson", fc(features));
    let layer = only(load(dir.path()));
    use FieldType::*;
    let kinds: Vec<(&str, FieldType)> = layer
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("b", Bool),
            ("n", Int),
            ("o", String),
            ("s", String),
            ("x", Float),
            ("z", String)
        ]
    );
    let row = |i: usize| layer.features[i].properties.clone();
    assert_eq!(
        row(0),
        vec![
            Some(Value::Bool(true)),
            Some(Value::Int(1)),
            Some(Value::from("[1,2]")),
            Some(Value::from("wood")),
            Some(Value::Float(1.0)),
            None
        ]
    );
    assert_eq!(row(1)[2], Some(Value::from("{\"k\":\"v\"}")));
    assert_eq!(
        row(2),
        vec![
            Some(Value::Bool(false)),
            None,
            Some(Value::from("text")),
            None,
            Some(Value::Float(3.0)),
            None
        ]
    );
    // Interned: one allocation per distinct string.
    match (&row(0)[3], &row(1)[3]) {
        (Some(Value::Str(a)), Some(Value::Str(b))) => assert!(Arc::ptr_eq(a, b)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn conflicting_property_kinds() {
    let dir = tmp();
    let features = json!([
        pt(json!(1), json!({"kv": 12})),
        pt(json!(2), json!({"kv": 13.5})),
        pt(json!(3), json!({"kv": "high"})),
        pt(json!(4), json!({"kv": true})),
        pt(json!(5), json!({"kv": 7})),
    ]);
    put(dir.path(), "c.geojson", fc(features));
    load_err(
        dir.path(),
        false,
        &["c.geojson, feature 2: property \"kv\" is a string here but a number in earlier features"],
    );
    let loaded = load_lenient(dir.path());
    assert_eq!(loaded.skipped, vec![("c".to_string(), 2)]);
    let layer = only(loaded);
    assert_eq!(layer.fields, vec![Field::new("kv", FieldType::Float)]);
    let ids: Vec<u64> = layer.features.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![1, 2, 5]);
    assert_eq!(layer.features[2].properties, vec![Some(Value::Float(7.0))]);
}

#[test]
fn lenient_mode_still_fails_on_file_errors() {
    let dir = tmp();
    put(
        dir.path(),
        "a.geojson",
        fc(json!([
            pt(json!(1), json!({})),
            with_geometry(2, json!(null))
        ])),
    );
    put(dir.path(), "b.geojson", "{ not json");
    load_err(dir.path(), true, &["b.geojson: invalid JSON"]);
    std::fs::remove_file(dir.path().join("b.geojson")).unwrap();
    let loaded = load_lenient(dir.path());
    assert_eq!(loaded.skipped, vec![("a".to_string(), 1)]);
    assert_eq!(only(loaded).features.len(), 1);
}
