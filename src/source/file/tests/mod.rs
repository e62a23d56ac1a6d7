//! Tests of the file source: fixtures are built in temporary directories, malformed files by
//! hand (truncating or corrupting valid ones, raw FlatGeobuf assembly, the flatgeobuf crate's
//! own writer for column types and CRSs our writer never produces).

mod attributes;
mod fgb;
mod fgb_columns;
mod fgb_fixtures;
mod geojson;
mod perf;
mod roundtrip;
mod unique;

use std::path::{Path, PathBuf};

use geo_types::{
    line_string, point, polygon, Geometry, GeometryCollection, MultiLineString, MultiPoint,
    MultiPolygon,
};

use super::{load_dir, LoadOptions, Loaded};
use crate::model::{Feature, Field, FieldType, LayerData, Value};

/// A fresh temporary directory.
pub(super) fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Writes `contents` to `dir/name` and returns the path.
pub(super) fn put(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write fixture");
    path
}

/// Loads `dir` strictly, expecting success.
pub(super) fn load(dir: &Path) -> Loaded {
    load_dir(dir, LoadOptions::default()).unwrap_or_else(|e| panic!("load failed: {e}"))
}

/// Loads `dir` leniently, expecting success.
pub(super) fn load_lenient(dir: &Path) -> Loaded {
    load_dir(
        dir,
        LoadOptions {
            lenient: true,
            ..LoadOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("load failed: {e}"))
}

/// Loads `dir` (strict or lenient), expecting an error whose message contains every part.
pub(super) fn load_err(dir: &Path, lenient: bool, parts: &[&str]) -> String {
    let msg = match load_dir(
        dir,
        LoadOptions {
            lenient,
            ..LoadOptions::default()
        },
    ) {
        Ok(l) => panic!("expected an error, loaded {} layers", l.layers.len()),
        Err(e) => e.to_string(),
    };
    for part in parts {
        assert!(msg.contains(part), "{msg:?} does not contain {part:?}");
    }
    msg
}

/// The only layer of a load.
pub(super) fn only(loaded: Loaded) -> LayerData {
    assert_eq!(loaded.layers.len(), 1, "layers: {:?}", names(&loaded));
    loaded.layers.into_iter().next().expect("one layer")
}

pub(super) fn names(loaded: &Loaded) -> Vec<&str> {
    loaded.layers.iter().map(|l| l.name.as_str()).collect()
}

fn feature(id: u64, geometry: impl Into<Geometry>, properties: Vec<Option<Value>>) -> Feature {
    Feature {
        id,
        geometry: geometry.into(),
        properties,
    }
}

/// Points with one field of each type, nulls included, repeated strings.
pub(super) fn poles() -> LayerData {
    let mut layer = LayerData::new(
        "poles",
        vec![
            Field::new("class", FieldType::String),
            Field::new("energized", FieldType::Bool),
            Field::new("height", FieldType::Float),
            Field::new("phases", FieldType::Int),
        ],
    );
    for i in 0..40u64 {
        let class = ["wood", "steel", "concrete"][i as usize % 3];
        let props = vec![
            Some(Value::from(class)),
            (i % 5 != 0).then_some(Value::Bool(i % 2 == 0)),
            Some(Value::Float(8.5 + i as f64 * 0.25)),
            (i % 7 != 0).then_some(Value::Int(i as i64 % 3 + 1)),
        ];
        let p = point!(x: -122.4 + i as f64 * 0.001, y: 37.7 + (i % 9) as f64 * 0.0013);
        layer.features.push(feature(1000 + i, p, props));
    }
    layer
}

/// Two-point lines with a string and an integer field.
pub(super) fn lines() -> LayerData {
    let mut layer = LayerData::new(
        "lines",
        vec![
            Field::new("feeder", FieldType::String),
            Field::new("kv", FieldType::Int),
        ],
    );
    for i in 0..25u64 {
        let x = -122.4 + i as f64 * 0.002;
        let ls = line_string![(x: x, y: 37.7), (x: x + 0.0017, y: 37.7011)];
        let props = vec![
            Some(Value::from(format!("F{}", i % 4).as_str())),
            Some(Value::Int(12)),
        ];
        layer.features.push(feature(5000 + i, ls, props));
    }
    layer
}

/// Every supported geometry type in one layer (declared `Unknown`).
pub(super) fn mixed() -> LayerData {
    let mut layer = LayerData::new("mixed", vec![Field::new("name", FieldType::String)]);
    let square = polygon!(
        exterior: [(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.), (x: 0., y: 0.)],
        interiors: [[(x: 0.2, y: 0.2), (x: 0.4, y: 0.2), (x: 0.4, y: 0.4), (x: 0.2, y: 0.2)]],
    );
    let tri = polygon![(x: 2., y: 2.), (x: 3., y: 2.), (x: 2., y: 3.), (x: 2., y: 2.)];
    let geometries: Vec<Geometry> = vec![
        point!(x: 10.0, y: 50.0).into(),
        line_string![(x: 10.0, y: 50.0), (x: 10.5, y: 50.5), (x: 11.0, y: 50.2)].into(),
        square.clone().into(),
        MultiPoint(vec![point!(x: 1.0, y: 1.0), point!(x: -1.0, y: -1.0)]).into(),
        MultiLineString(vec![
            line_string![(x: 0., y: 0.), (x: 1., y: 1.)],
            line_string![(x: 2., y: 2.), (x: 3., y: 3.), (x: 4., y: 2.)],
        ])
        .into(),
        MultiPolygon(vec![square, tri.clone()]).into(),
        Geometry::GeometryCollection(GeometryCollection(vec![
            point!(x: 179.9, y: -89.9).into(),
            tri.into(),
            MultiPoint(vec![point!(x: 5.0, y: 5.0)]).into(),
        ])),
    ];
    for (i, g) in geometries.into_iter().enumerate() {
        let name = (i % 2 == 0).then(|| Value::from(format!("g{i}").as_str()));
        layer.features.push(feature(i as u64 + 1, g, vec![name]));
    }
    layer
}

/// The layer as a GeoJSON FeatureCollection (top-level ids), for FGB/GeoJSON comparisons.
pub(super) fn to_geojson(layer: &LayerData) -> String {
    use geozero::ToJson;
    let features: Vec<serde_json::Value> = layer
        .features
        .iter()
        .map(|f| {
            let geometry: serde_json::Value =
                serde_json::from_str(&f.geometry.to_json().expect("geojson")).expect("json");
            let properties: serde_json::Map<String, serde_json::Value> = layer
                .fields
                .iter()
                .zip(&f.properties)
                .map(|(field, v)| {
                    let json = v.as_ref().map_or(serde_json::Value::Null, Value::to_json);
                    (field.name.clone(), json)
                })
                .collect();
            serde_json::json!({
                "type": "Feature", "id": f.id, "geometry": geometry, "properties": properties
            })
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()
}

/// Asserts two layers are equal, coordinates and floats within 1e-9.
pub(super) fn assert_close(a: &LayerData, b: &LayerData) {
    use geo::CoordsIter;
    assert_eq!(a.name, b.name);
    assert_eq!(a.fields, b.fields);
    assert_eq!(a.features.len(), b.features.len(), "feature count");
    for (fa, fb) in a.features.iter().zip(&b.features) {
        assert_eq!(fa.id, fb.id);
        assert_eq!(
            std::mem::discriminant(&fa.geometry),
            std::mem::discriminant(&fb.geometry),
            "geometry type of {}",
            fa.id
        );
        let ca: Vec<_> = fa.geometry.coords_iter().collect();
        let cb: Vec<_> = fb.geometry.coords_iter().collect();
        assert_eq!(ca.len(), cb.len(), "coordinates of {}", fa.id);
        for (p, q) in ca.iter().zip(&cb) {
            assert!(
                (p.x - q.x).abs() < 1e-9 && (p.y - q.y).abs() < 1e-9,
                "{p:?} vs {q:?}"
            );
        }
        assert_eq!(fa.properties.len(), fb.properties.len());
        for (va, vb) in fa.properties.iter().zip(&fb.properties) {
            match (va, vb) {
                (Some(Value::Float(x)), Some(Value::Float(y))) => assert!((x - y).abs() < 1e-9),
                _ => assert_eq!(va, vb, "feature {}", fa.id),
            }
        }
    }
}
