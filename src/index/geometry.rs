//! Geometry in world coordinates, with per-vertex importance for zoom-dependent simplification.

use geo_types::{Geometry, LineString, Polygon};

use crate::mercator::{lonlat_to_world, WorldCoord};

use super::simplify::rank_vertices;

/// A line or polygon ring in world coordinates. `importance[i]` is the squared world-unit
/// tolerance up to which vertex `i` must be kept: at zoom `z` the tile engine keeps vertices
/// with `importance > tolerance(z)²`. Endpoints and junctions are `f32::INFINITY`.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub coords: Vec<WorldCoord>,
    pub importance: Vec<f32>,
    /// `[minx, miny, maxx, maxy]` of `coords`.
    pub bbox: [f64; 4],
}

impl Path {
    /// Builds a path from world coordinates, ranking vertices by importance. `is_junction`
    /// pins interior vertices that must survive every zoom.
    pub fn new(coords: Vec<WorldCoord>, is_junction: impl Fn(WorldCoord) -> bool) -> Path {
        let importance = rank_vertices(&coords, is_junction);
        let bbox = bbox_of(&coords);
        Path {
            coords,
            importance,
            bbox,
        }
    }

    /// Width or height of the bounding box, whichever is larger (world units).
    pub fn extent(&self) -> f64 {
        (self.bbox[2] - self.bbox[0]).max(self.bbox[3] - self.bbox[1])
    }
}

/// A feature geometry in world coordinates. Multi-geometries keep their parts; a
/// `GeometryCollection` is flattened by the builder into its parts of one kind.
#[derive(Clone, Debug, PartialEq)]
pub enum WorldGeometry {
    /// Point or MultiPoint.
    Points(Vec<WorldCoord>),
    /// LineString or MultiLineString.
    Lines(Vec<Path>),
    /// Polygon or MultiPolygon: each polygon is its exterior ring followed by its holes.
    Polygons(Vec<Vec<Path>>),
}

impl WorldGeometry {
    /// Bounding box `[minx, miny, maxx, maxy]` in world coordinates.
    pub fn bbox(&self) -> [f64; 4] {
        match self {
            WorldGeometry::Points(pts) => bbox_of(pts),
            WorldGeometry::Lines(paths) => merge_boxes(paths.iter().map(|p| p.bbox)),
            WorldGeometry::Polygons(polys) => merge_boxes(
                polys
                    .iter()
                    .filter_map(|rings| rings.first())
                    .map(|r| r.bbox),
            ),
        }
    }

    /// A representative point (first vertex), e.g. for distance checks.
    pub fn first_coord(&self) -> Option<WorldCoord> {
        match self {
            WorldGeometry::Points(pts) => pts.first().copied(),
            WorldGeometry::Lines(paths) => paths.first().and_then(|p| p.coords.first().copied()),
            WorldGeometry::Polygons(polys) => polys
                .first()
                .and_then(|r| r.first())
                .and_then(|p| p.coords.first().copied()),
        }
    }

    /// Projects a lon/lat geometry. Returns `None` for empty geometries and for kinds MVT
    /// cannot carry (a collection mixing points, lines and polygons).
    pub fn project(
        geometry: &Geometry<f64>,
        is_junction: &impl Fn(WorldCoord) -> bool,
    ) -> Option<WorldGeometry> {
        let line = |ls: &LineString<f64>| {
            Path::new(
                ls.0.iter().map(|c| lonlat_to_world(c.x, c.y)).collect(),
                is_junction,
            )
        };
        let polygon = |p: &Polygon<f64>| -> Vec<Path> {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(|r| {
                    Path::new(
                        r.0.iter().map(|c| lonlat_to_world(c.x, c.y)).collect(),
                        |_| false,
                    )
                })
                .collect()
        };
        let geom = match geometry {
            Geometry::Point(p) => WorldGeometry::Points(vec![lonlat_to_world(p.x(), p.y())]),
            Geometry::MultiPoint(mp) => {
                WorldGeometry::Points(mp.iter().map(|p| lonlat_to_world(p.x(), p.y())).collect())
            }
            Geometry::LineString(ls) => WorldGeometry::Lines(vec![line(ls)]),
            Geometry::MultiLineString(mls) => WorldGeometry::Lines(mls.iter().map(line).collect()),
            Geometry::Line(l) => {
                WorldGeometry::Lines(vec![line(&LineString::from(vec![l.start, l.end]))])
            }
            Geometry::Polygon(p) => WorldGeometry::Polygons(vec![polygon(p)]),
            Geometry::MultiPolygon(mp) => WorldGeometry::Polygons(mp.iter().map(polygon).collect()),
            Geometry::Rect(r) => WorldGeometry::Polygons(vec![polygon(&r.to_polygon())]),
            Geometry::Triangle(t) => WorldGeometry::Polygons(vec![polygon(&t.to_polygon())]),
            Geometry::GeometryCollection(gc) => {
                let parts: Vec<WorldGeometry> = gc
                    .iter()
                    .filter_map(|g| Self::project(g, is_junction))
                    .collect();
                return Self::concat(parts);
            }
        };
        if geom.is_empty() {
            None
        } else {
            Some(geom)
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            WorldGeometry::Points(p) => p.is_empty(),
            WorldGeometry::Lines(p) => p.iter().all(|p| p.coords.len() < 2),
            WorldGeometry::Polygons(p) => p
                .iter()
                .all(|r| r.first().is_none_or(|r| r.coords.len() < 4)),
        }
    }

    /// Joins parts of one kind into one geometry; `None` if the kinds differ.
    fn concat(parts: Vec<WorldGeometry>) -> Option<WorldGeometry> {
        let mut iter = parts.into_iter();
        let mut acc = iter.next()?;
        for part in iter {
            match (&mut acc, part) {
                (WorldGeometry::Points(a), WorldGeometry::Points(b)) => a.extend(b),
                (WorldGeometry::Lines(a), WorldGeometry::Lines(b)) => a.extend(b),
                (WorldGeometry::Polygons(a), WorldGeometry::Polygons(b)) => a.extend(b),
                _ => return None,
            }
        }
        Some(acc)
    }
}

/// Bounding box of a set of coordinates (an inverted box if empty).
pub fn bbox_of(coords: &[WorldCoord]) -> [f64; 4] {
    coords.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, c| {
            [
                b[0].min(c[0]),
                b[1].min(c[1]),
                b[2].max(c[0]),
                b[3].max(c[1]),
            ]
        },
    )
}

/// Union of bounding boxes.
pub fn merge_boxes(boxes: impl Iterator<Item = [f64; 4]>) -> [f64; 4] {
    boxes.fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        },
    )
}
