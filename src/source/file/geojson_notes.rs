//! What a GeoJSON file is accepted with on purpose, and warned about once per file:
//! - 3-D positions: the Z (and any further) ordinates are dropped (tiles are 2-D);
//! - nested property values (objects, arrays): stored as their JSON text in a String field
//!   (vector tiles have no nested values);
//! - a layer mixing geometry families (points, lines, polygons): served as is, but neither
//!   thinned nor merged (the index's `GeometryKind::Mixed`; those rules need one type).

use std::collections::BTreeSet;
use std::path::Path;

use geo_types::Geometry;
use serde_json::Value as Json;

/// Per-file tallies of the accepted oddities.
#[derive(Debug, Default)]
pub(super) struct Notes<'a> {
    features_3d: usize,
    nested: BTreeSet<&'a str>,
    points: usize,
    lines: usize,
    polygons: usize,
    collections: usize,
}

impl<'a> Notes<'a> {
    /// Records feature `feature` (its JSON) whose geometry parsed as `geometry`.
    pub fn record(&mut self, feature: &'a Json, geometry: &Geometry) {
        if feature.get("geometry").is_some_and(has_z) {
            self.features_3d += 1;
        }
        if let Some(props) = feature.get("properties").and_then(Json::as_object) {
            for (key, value) in props {
                if value.is_object() || value.is_array() {
                    self.nested.insert(key.as_str());
                }
            }
        }
        match geometry {
            Geometry::Point(_) | Geometry::MultiPoint(_) => self.points += 1,
            Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => {
                self.lines += 1
            }
            Geometry::GeometryCollection(_) => self.collections += 1,
            _ => self.polygons += 1,
        }
    }

    /// Logs what was recorded for the file at `path`.
    pub fn warn(&self, path: &Path) {
        let path = path.display();
        if self.features_3d > 0 {
            tracing::warn!(%path, features = self.features_3d, "3-D coordinates: Z dropped");
        }
        if !self.nested.is_empty() {
            tracing::warn!(
                %path,
                properties = ?self.nested,
                "nested property values (objects/arrays) stored as their JSON text"
            );
        }
        let families = [self.points, self.lines, self.polygons, self.collections];
        if families.iter().filter(|&&n| n > 0).count() > 1 {
            tracing::warn!(
                %path,
                points = self.points,
                lines = self.lines,
                polygons = self.polygons,
                collections = self.collections,
                "layer mixes geometry types: it is neither thinned nor merged"
            );
        }
    }

    /// Features with 3-D positions, properties with nested values, geometry families seen.
    #[cfg(test)]
    pub fn summary(&self) -> (usize, Vec<&'a str>, usize) {
        let families = [self.points, self.lines, self.polygons, self.collections];
        (
            self.features_3d,
            self.nested.iter().copied().collect(),
            families.iter().filter(|&&n| n > 0).count(),
        )
    }
}

/// True when a position of `geometry` (a GeoJSON geometry object) has more than 2 ordinates.
fn has_z(geometry: &Json) -> bool {
    fn deep(coords: &Json) -> bool {
        match coords.as_array() {
            Some(a) if a.first().is_some_and(Json::is_number) => a.len() > 2,
            Some(a) => a.iter().any(deep),
            None => false,
        }
    }
    geometry.get("coordinates").is_some_and(deep)
        || geometry
            .get("geometries")
            .and_then(Json::as_array)
            .is_some_and(|g| g.iter().any(has_z))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tallies_3d_nested_and_mixed() {
        let mut notes = Notes::default();
        let point = geo_types::Geometry::Point(geo_types::Point::new(1.0, 2.0));
        let line = geo_types::Geometry::LineString(vec![(0.0, 0.0), (1.0, 1.0)].into());
        let a = json!({"geometry": {"type": "Point", "coordinates": [1, 2, 30]},
                       "properties": {"tags": ["a"], "meta": {"k": 1}, "n": 1}});
        let b = json!({"geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
                       "properties": {"n": 2}});
        let c = json!({"geometry": {"type": "GeometryCollection", "geometries": [
                        {"type": "LineString", "coordinates": [[0, 0], [1, 1, 5]]}]}});
        notes.record(&a, &point);
        notes.record(&b, &line);
        notes.record(&c, &line);
        assert_eq!(notes.summary(), (2, vec!["meta", "tags"], 2));
    }
}
