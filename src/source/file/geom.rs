//! Geometry rules shared by the readers and the writer: finite lon/lat coordinates in range,
//! LineStrings of at least 2 points, polygon rings of at least 4 points, no empty
//! multi-geometries. Errors are plain reasons; callers add the file and feature.

use geo_types::{Coord, Geometry, LineString, Polygon};

/// Checks one position and returns it as a coordinate.
pub(super) fn coord(x: f64, y: f64) -> Result<Coord, String> {
    if !x.is_finite() || !y.is_finite() {
        return Err(format!("non-finite coordinate ({x}, {y})"));
    }
    if !(-180.0..=180.0).contains(&x) {
        return Err(format!(
            "longitude {x} outside [-180, 180]: the data looks projected; reproject to EPSG:4326"
        ));
    }
    if !(-90.0..=90.0).contains(&y) {
        return Err(format!(
            "latitude {y} outside [-90, 90]: the data looks projected; reproject to EPSG:4326"
        ));
    }
    Ok(Coord { x, y })
}

/// A LineString of at least 2 points.
pub(super) fn line_string(coords: Vec<Coord>) -> Result<LineString, String> {
    check_line(coords.len())?;
    Ok(LineString(coords))
}

/// A polygon ring (`ring` = its position, 0 = exterior) of at least 4 points.
pub(super) fn ring(coords: Vec<Coord>, ring: usize) -> Result<LineString, String> {
    check_ring(coords.len(), ring)?;
    Ok(LineString(coords))
}

/// A polygon from its rings (exterior first). Open rings are closed.
pub(super) fn polygon(mut rings: Vec<LineString>) -> Result<Polygon, String> {
    if rings.is_empty() {
        return Err("Polygon without rings".to_string());
    }
    let exterior = rings.remove(0);
    Ok(Polygon::new(exterior, rings))
}

/// Rejects an empty multi-geometry or collection (`what` names it).
pub(super) fn non_empty(len: usize, what: &str) -> Result<(), String> {
    if len == 0 {
        Err(format!("empty {what}"))
    } else {
        Ok(())
    }
}

fn check_line(points: usize) -> Result<(), String> {
    if points < 2 {
        return Err(format!(
            "LineString with {points} point(s); at least 2 are needed"
        ));
    }
    Ok(())
}

fn check_ring(points: usize, ring: usize) -> Result<(), String> {
    if points < 4 {
        return Err(format!(
            "polygon ring {ring} has {points} point(s); at least 4 are needed"
        ));
    }
    Ok(())
}

fn check_coords(coords: &[Coord]) -> Result<(), String> {
    coords.iter().try_for_each(|c| coord(c.x, c.y).map(|_| ()))
}

fn check_polygon(p: &Polygon) -> Result<(), String> {
    for (i, r) in std::iter::once(p.exterior())
        .chain(p.interiors())
        .enumerate()
    {
        check_ring(r.0.len(), i)?;
        check_coords(&r.0)?;
    }
    Ok(())
}

/// Checks a whole geometry with the same rules the readers apply (used before writing).
pub(in crate::source) fn validate(g: &Geometry) -> Result<(), String> {
    match g {
        Geometry::Point(p) => coord(p.x(), p.y()).map(|_| ()),
        Geometry::Line(l) => check_coords(&[l.start, l.end]),
        Geometry::LineString(ls) => {
            check_line(ls.0.len())?;
            check_coords(&ls.0)
        }
        Geometry::Polygon(p) => check_polygon(p),
        Geometry::MultiPoint(mp) => {
            non_empty(mp.0.len(), "MultiPoint")?;
            mp.0.iter()
                .try_for_each(|p| coord(p.x(), p.y()).map(|_| ()))
        }
        Geometry::MultiLineString(mls) => {
            non_empty(mls.0.len(), "MultiLineString")?;
            mls.0.iter().try_for_each(|ls| {
                check_line(ls.0.len())?;
                check_coords(&ls.0)
            })
        }
        Geometry::MultiPolygon(mp) => {
            non_empty(mp.0.len(), "MultiPolygon")?;
            mp.0.iter().try_for_each(check_polygon)
        }
        Geometry::GeometryCollection(gc) => {
            non_empty(gc.0.len(), "GeometryCollection")?;
            gc.0.iter().try_for_each(validate)
        }
        Geometry::Rect(r) => check_coords(&[r.min(), r.max()]),
        Geometry::Triangle(t) => check_coords(&t.to_array()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{line_string, point};

    #[test]
    fn coordinate_rules() {
        assert!(coord(-180.0, 90.0).is_ok());
        assert!(coord(f64::NAN, 0.0).unwrap_err().contains("non-finite"));
        assert!(coord(500_000.0, 0.0).unwrap_err().contains("longitude"));
        assert!(coord(0.0, -91.0).unwrap_err().contains("latitude"));
    }

    #[test]
    fn validate_geometry() {
        assert!(validate(&point!(x: 1.0, y: 2.0).into()).is_ok());
        let short: Geometry = LineString(vec![Coord { x: 0.0, y: 0.0 }]).into();
        assert!(validate(&short).unwrap_err().contains("at least 2"));
        let tri = Polygon::new(line_string![(x: 0., y: 0.), (x: 1., y: 0.)], vec![]);
        assert!(validate(&tri.into()).unwrap_err().contains("ring 0"));
    }
}
