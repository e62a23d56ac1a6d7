//! GeoJSON in WGS84 from indexed (world-coordinate) features, and typed JSON attributes.

use serde_json::{json, Map, Value as Json};

use crate::index::{IndexedFeature, IndexedLayer, WorldGeometry};
use crate::mercator::{world_to_lonlat, WorldCoord};
use crate::model::Value;

fn pos(c: &WorldCoord) -> Json {
    let (lon, lat) = world_to_lonlat(*c);
    // 7 decimals: ~1 cm, well below the data's precision.
    let r = |v: f64| (v * 1e7).round() / 1e7;
    json!([r(lon), r(lat)])
}

fn ring(coords: &[WorldCoord]) -> Json {
    Json::Array(coords.iter().map(pos).collect())
}

/// A GeoJSON geometry (lon/lat) of a world geometry; single parts as Point / LineString /
/// Polygon, several as the Multi kinds.
pub fn geometry(g: &WorldGeometry) -> Json {
    match g {
        WorldGeometry::Points(pts) if pts.len() == 1 => {
            json!({"type": "Point", "coordinates": pos(&pts[0])})
        }
        WorldGeometry::Points(pts) => json!({"type": "MultiPoint", "coordinates": ring(pts)}),
        WorldGeometry::Lines(paths) if paths.len() == 1 => {
            json!({"type": "LineString", "coordinates": ring(&paths[0].coords)})
        }
        WorldGeometry::Lines(paths) => json!({
            "type": "MultiLineString",
            "coordinates": paths.iter().map(|p| ring(&p.coords)).collect::<Vec<_>>(),
        }),
        WorldGeometry::Polygons(polys) => {
            let poly = |rings: &Vec<crate::index::Path>| -> Vec<Json> {
                rings.iter().map(|r| ring(&r.coords)).collect()
            };
            if polys.len() == 1 {
                json!({"type": "Polygon", "coordinates": poly(&polys[0])})
            } else {
                json!({
                    "type": "MultiPolygon",
                    "coordinates": polys.iter().map(poly).collect::<Vec<_>>(),
                })
            }
        }
    }
}

/// A typed JSON value of an attribute (`null` when absent; non-finite floats are `null`).
pub fn value(v: Option<&Value>) -> Json {
    match v {
        None => Json::Null,
        Some(Value::Bool(b)) => Json::Bool(*b),
        Some(Value::Int(i)) => json!(i),
        Some(Value::Float(x)) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Some(Value::Str(s)) => Json::String(s.to_string()),
    }
}

/// Every attribute of `f` (by the layer's field names).
pub fn properties(layer: &IndexedLayer, f: &IndexedFeature) -> Map<String, Json> {
    layer
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let v = f.properties.get(i).and_then(Option::as_ref);
            (field.name.clone(), value(v))
        })
        .collect()
}

/// A GeoJSON Feature with the asset id, its layer and every attribute.
pub fn feature(layer: &IndexedLayer, f: &IndexedFeature) -> Json {
    let mut props = properties(layer, f);
    props.insert("layer".into(), Json::String(layer.name.clone()));
    json!({
        "type": "Feature",
        "id": f.id,
        "geometry": geometry(&f.geometry),
        "properties": props,
    })
}
