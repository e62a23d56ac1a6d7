//! `max_attribute_bytes`: a longer string refuses the load naming file, feature and field,
//! or is truncated (at a character boundary) with `lenient`.

use serde_json::json;

use super::{put, tmp};
use crate::model::Value;
use crate::source::file::{load_dir, LoadOptions};

#[test]
fn long_strings_are_refused_or_truncated() {
    let dir = tmp();
    let huge = format!("é{}", "x".repeat(5 << 20));
    let doc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 1, "properties": {"note": "short"},
         "geometry": {"type": "Point", "coordinates": [-95.0, 29.7]}},
        {"type": "Feature", "id": 2, "properties": {"note": huge},
         "geometry": {"type": "Point", "coordinates": [-95.1, 29.7]}},
    ]});
    put(dir.path(), "poles.geojson", doc.to_string());
    let err = load_dir(dir.path(), LoadOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.feature, Some(1), "{msg}");
    assert!(msg.contains("poles.geojson"), "{msg}");
    assert!(msg.contains("field \"note\""), "{msg}");
    assert!(msg.contains("65536"), "{msg}");

    let options = LoadOptions {
        lenient: true,
        max_attribute_bytes: 4,
    };
    let loaded = load_dir(dir.path(), options).unwrap();
    let notes: Vec<&Value> = loaded.layers[0]
        .features
        .iter()
        .map(|f| f.properties[0].as_ref().unwrap())
        .collect();
    // "short" is 5 bytes: cut to 4; "é" is 2 bytes, then "xx".
    assert_eq!(notes, vec![&Value::from("shor"), &Value::from("éxx")]);
}
