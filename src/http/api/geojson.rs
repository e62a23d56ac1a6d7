//! GeoJSON in WGS84 from indexed (world-coordinate) features, and typed JSON attributes.

use serde::Serialize;
use serde_json::{Map, Value as Json};
use utoipa::ToSchema;

use crate::index::{IndexedFeature, IndexedLayer, WorldGeometry};
use crate::mercator::{world_to_lonlat, WorldCoord};
use crate::model::Value;

/// A GeoJSON position: longitude, latitude (WGS84), 7 decimals.
pub type Position = [f64; 2];

/// A GeoJSON geometry (RFC 7946) in WGS84: single parts as Point / LineString / Polygon,
/// several as the Multi kinds.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type")]
pub enum Geometry {
    Point {
        #[schema(value_type = Vec<f64>, min_items = 2, max_items = 2)]
        coordinates: Position,
    },
    MultiPoint {
        #[schema(value_type = Vec<Vec<f64>>)]
        coordinates: Vec<Position>,
    },
    LineString {
        #[schema(value_type = Vec<Vec<f64>>)]
        coordinates: Vec<Position>,
    },
    MultiLineString {
        #[schema(value_type = Vec<Vec<Vec<f64>>>)]
        coordinates: Vec<Vec<Position>>,
    },
    Polygon {
        #[schema(value_type = Vec<Vec<Vec<f64>>>)]
        coordinates: Vec<Vec<Position>>,
    },
    MultiPolygon {
        #[schema(value_type = Vec<Vec<Vec<Vec<f64>>>>)]
        coordinates: Vec<Vec<Vec<Position>>>,
    },
}

/// The attributes of an asset by field name (values typed: number, string, boolean, or
/// `null` when absent).
pub type Properties = Map<String, Json>;

/// A GeoJSON Feature of an asset: its id, geometry and every attribute plus `layer`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Feature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    #[schema(value_type = String, pattern = "^Feature$")]
    pub kind: &'static str,
    pub id: u64,
    pub geometry: Geometry,
    #[schema(value_type = Object)]
    pub properties: Properties,
}

/// A GeoJSON FeatureCollection.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    #[schema(value_type = String, pattern = "^FeatureCollection$")]
    pub kind: &'static str,
    pub features: Vec<Feature>,
}

impl FeatureCollection {
    /// A collection of `features`.
    pub fn new(features: Vec<Feature>) -> FeatureCollection {
        FeatureCollection {
            kind: "FeatureCollection",
            features,
        }
    }
}

fn pos(c: &WorldCoord) -> Position {
    let (lon, lat) = world_to_lonlat(*c);
    // 7 decimals: ~1 cm, well below the data's precision.
    let r = |v: f64| (v * 1e7).round() / 1e7;
    [r(lon), r(lat)]
}

fn ring(coords: &[WorldCoord]) -> Vec<Position> {
    coords.iter().map(pos).collect()
}

/// The GeoJSON geometry (lon/lat) of a world geometry.
pub fn geometry(g: &WorldGeometry) -> Geometry {
    match g {
        WorldGeometry::Points(pts) if pts.len() == 1 => Geometry::Point {
            coordinates: pos(&pts[0]),
        },
        WorldGeometry::Points(pts) => Geometry::MultiPoint {
            coordinates: ring(pts),
        },
        WorldGeometry::Lines(paths) if paths.len() == 1 => Geometry::LineString {
            coordinates: ring(&paths[0].coords),
        },
        WorldGeometry::Lines(paths) => Geometry::MultiLineString {
            coordinates: paths.iter().map(|p| ring(&p.coords)).collect(),
        },
        WorldGeometry::Polygons(polys) => {
            let poly = |rings: &Vec<crate::index::Path>| -> Vec<Vec<Position>> {
                rings.iter().map(|r| ring(&r.coords)).collect()
            };
            if polys.len() == 1 {
                Geometry::Polygon {
                    coordinates: poly(&polys[0]),
                }
            } else {
                Geometry::MultiPolygon {
                    coordinates: polys.iter().map(poly).collect(),
                }
            }
        }
    }
}

/// A typed JSON value of an attribute (`null` when absent; non-finite floats are `null`).
pub fn value(v: Option<&Value>) -> Json {
    match v {
        None => Json::Null,
        Some(Value::Bool(b)) => Json::Bool(*b),
        Some(Value::Int(i)) => Json::from(*i),
        Some(Value::Float(x)) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Some(Value::Str(s)) => Json::String(s.to_string()),
    }
}

/// Every attribute of `f` (by the layer's field names).
pub fn properties(layer: &IndexedLayer, f: &IndexedFeature) -> Properties {
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
pub fn feature(layer: &IndexedLayer, f: &IndexedFeature) -> Feature {
    let mut props = properties(layer, f);
    props.insert("layer".into(), Json::String(layer.name.clone()));
    Feature {
        kind: "Feature",
        id: f.id,
        geometry: geometry(&f.geometry),
        properties: props,
    }
}
