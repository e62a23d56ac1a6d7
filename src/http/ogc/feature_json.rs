//! GeoJSON features serialized straight from the indexed features (no intermediate
//! `serde_json::Value` tree): a page of 10,000 features is written in one pass. Geometry in
//! WGS84 rounded to 7 decimals and single parts as Point / LineString / Polygon, as
//! `http::api::geojson` does; properties in the layer's field order.

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use crate::index::{IndexedFeature, IndexedLayer, Path, WorldGeometry};
use crate::mercator::{world_to_lonlat, WorldCoord};
use crate::model::Value;

/// One feature as a GeoJSON `Feature`: `id` (the asset id), `geometry`, `properties`.
pub struct FeatureJson<'a> {
    pub layer: &'a IndexedLayer,
    pub feature: &'a IndexedFeature,
}

impl Serialize for FeatureJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("type", "Feature")?;
        m.serialize_entry("id", &self.feature.id)?;
        m.serialize_entry("geometry", &GeometryJson(&self.feature.geometry))?;
        m.serialize_entry("properties", &Properties(self.layer, self.feature))?;
        m.end()
    }
}

struct Properties<'a>(&'a IndexedLayer, &'a IndexedFeature);

impl Serialize for Properties<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Properties(layer, f) = self;
        let mut m = s.serialize_map(Some(layer.fields.len()))?;
        for (i, field) in layer.fields.iter().enumerate() {
            let v = f.properties.get(i).and_then(Option::as_ref);
            m.serialize_entry(&field.name, &ValueJson(v))?;
        }
        m.end()
    }
}

struct ValueJson<'a>(Option<&'a Value>);

impl Serialize for ValueJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            None => s.serialize_none(),
            Some(Value::Bool(b)) => s.serialize_bool(*b),
            Some(Value::Int(i)) => s.serialize_i64(*i),
            Some(Value::Float(x)) if x.is_finite() => s.serialize_f64(*x),
            Some(Value::Float(_)) => s.serialize_none(),
            Some(Value::Str(v)) => s.serialize_str(v),
        }
    }
}

struct GeometryJson<'a>(&'a WorldGeometry);

impl Serialize for GeometryJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        match self.0 {
            WorldGeometry::Points(pts) if pts.len() == 1 => {
                m.serialize_entry("type", "Point")?;
                m.serialize_entry("coordinates", &Position(&pts[0]))?;
            }
            WorldGeometry::Points(pts) => {
                m.serialize_entry("type", "MultiPoint")?;
                m.serialize_entry("coordinates", &Positions(pts))?;
            }
            WorldGeometry::Lines(paths) if paths.len() == 1 => {
                m.serialize_entry("type", "LineString")?;
                m.serialize_entry("coordinates", &Positions(&paths[0].coords))?;
            }
            WorldGeometry::Lines(paths) => {
                m.serialize_entry("type", "MultiLineString")?;
                m.serialize_entry("coordinates", &Rings(paths))?;
            }
            WorldGeometry::Polygons(polys) if polys.len() == 1 => {
                m.serialize_entry("type", "Polygon")?;
                m.serialize_entry("coordinates", &Rings(&polys[0]))?;
            }
            WorldGeometry::Polygons(polys) => {
                m.serialize_entry("type", "MultiPolygon")?;
                m.serialize_entry("coordinates", &Polygons(polys))?;
            }
        }
        m.end()
    }
}

struct Position<'a>(&'a WorldCoord);

impl Serialize for Position<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (lon, lat) = world_to_lonlat(*self.0);
        // 7 decimals: ~1 cm, well below the data's precision.
        let r = |v: f64| (v * 1e7).round() / 1e7;
        let mut seq = s.serialize_seq(Some(2))?;
        seq.serialize_element(&r(lon))?;
        seq.serialize_element(&r(lat))?;
        seq.end()
    }
}

struct Positions<'a>(&'a [WorldCoord]);

impl Serialize for Positions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(Position))
    }
}

struct Rings<'a>(&'a [Path]);

impl Serialize for Rings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|p| Positions(&p.coords)))
    }
}

struct Polygons<'a>(&'a [Vec<Path>]);

impl Serialize for Polygons<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|rings| Rings(rings)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::SnapshotBuilder;
    use crate::model::{Feature, Field, FieldType, LayerData};
    use geo_types::{Geometry, LineString, MultiPoint, Point, Polygon};

    /// The direct writer gives the same JSON as `http::api::geojson` (the Grid API's).
    #[test]
    fn matches_the_value_tree() {
        let mut layer = LayerData::new(
            "things",
            vec![
                Field::new("name", FieldType::String),
                Field::new("n", FieldType::Int),
                Field::new("x", FieldType::Float),
                Field::new("ok", FieldType::Bool),
            ],
        );
        let props = vec![
            Some(Value::from("a \"quoted\" é")),
            Some(Value::Int(-7)),
            Some(Value::Float(1.5)),
            None,
        ];
        let square = LineString::from(vec![(0.0, 0.0), (0.01, 0.0), (0.01, 0.01), (0.0, 0.0)]);
        for (id, g) in [
            (1, Geometry::Point(Point::new(-95.37, 29.76))),
            (
                2,
                Geometry::MultiPoint(MultiPoint::from(vec![(1.0, 2.0), (3.0, 4.0)])),
            ),
            (
                3,
                Geometry::LineString(LineString::from(vec![(0.0, 0.0), (1.0, 1.0)])),
            ),
            (4, Geometry::Polygon(Polygon::new(square, vec![]))),
        ] {
            layer.features.push(Feature {
                id,
                geometry: g,
                properties: props.clone(),
            });
        }
        let snapshot = SnapshotBuilder::default().build(vec![layer], 1).unwrap();
        let l = &snapshot.layers[0];
        for f in &l.features {
            let direct: serde_json::Value = serde_json::to_value(FeatureJson {
                layer: l,
                feature: f,
            })
            .unwrap();
            let tree = serde_json::json!({
                "type": "Feature",
                "id": f.id,
                "geometry": crate::http::api::geojson::geometry(&f.geometry),
                "properties": crate::http::api::geojson::properties(l, f),
            });
            assert_eq!(direct, tree);
        }
    }
}
