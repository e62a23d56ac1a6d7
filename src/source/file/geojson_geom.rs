//! GeoJSON geometry objects (RFC 7946) to validated `geo_types` geometry.

use geo_types::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};
use serde_json::Value as Json;

use super::geom;

/// The geometry of a feature's `geometry` member (absent or null = missing).
pub(super) fn parse(value: Option<&Json>) -> Result<Geometry, String> {
    match value {
        None | Some(Json::Null) => Err("missing geometry".to_string()),
        Some(g) => geometry(g),
    }
}

fn geometry(value: &Json) -> Result<Geometry, String> {
    let obj = value.as_object().ok_or("geometry is not a JSON object")?;
    let ty = obj
        .get("type")
        .and_then(Json::as_str)
        .ok_or("geometry without a \"type\"")?;
    if ty == "GeometryCollection" {
        let members = obj
            .get("geometries")
            .and_then(Json::as_array)
            .ok_or("GeometryCollection without a \"geometries\" array")?
            .iter()
            .enumerate()
            .map(|(i, g)| geometry(g).map_err(|r| format!("member {i}: {r}")))
            .collect::<Result<Vec<_>, _>>()?;
        geom::non_empty(members.len(), "GeometryCollection")?;
        return Ok(Geometry::GeometryCollection(GeometryCollection(members)));
    }
    let supported = [
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
    ];
    if !supported.contains(&ty) {
        return Err(format!("unsupported geometry type {ty:?}"));
    }
    let coords = obj
        .get("coordinates")
        .ok_or_else(|| format!("{ty} without \"coordinates\""))?;
    Ok(match ty {
        "Point" => Point(position(coords)?).into(),
        "MultiPoint" => {
            let points = positions(coords)?;
            geom::non_empty(points.len(), "MultiPoint")?;
            MultiPoint(points.into_iter().map(Point).collect()).into()
        }
        "LineString" => geom::line_string(positions(coords)?)?.into(),
        "MultiLineString" => {
            let lines = array(coords)?
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    positions(l)
                        .and_then(geom::line_string)
                        .map_err(|r| format!("line {i}: {r}"))
                })
                .collect::<Result<Vec<LineString>, _>>()?;
            geom::non_empty(lines.len(), "MultiLineString")?;
            MultiLineString(lines).into()
        }
        "Polygon" => polygon(coords)?.into(),
        _ => {
            let polygons = array(coords)?
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(p).map_err(|r| format!("polygon {i}: {r}")))
                .collect::<Result<Vec<_>, _>>()?;
            geom::non_empty(polygons.len(), "MultiPolygon")?;
            MultiPolygon(polygons).into()
        }
    })
}

fn array(value: &Json) -> Result<&Vec<Json>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("expected an array of coordinates, found {}", short(value)))
}

/// `[lon, lat, ...]` (a third ordinate is ignored).
fn position(value: &Json) -> Result<Coord, String> {
    let xy = match value.as_array().map(Vec::as_slice) {
        Some([x, y, ..]) => x.as_f64().zip(y.as_f64()),
        _ => None,
    };
    let (x, y) = xy.ok_or_else(|| format!("invalid position {}", short(value)))?;
    geom::coord(x, y)
}

fn positions(value: &Json) -> Result<Vec<Coord>, String> {
    array(value)?.iter().map(position).collect()
}

fn polygon(value: &Json) -> Result<Polygon, String> {
    let rings = array(value)?
        .iter()
        .enumerate()
        .map(|(i, r)| geom::ring(positions(r)?, i))
        .collect::<Result<Vec<_>, _>>()?;
    geom::polygon(rings)
}

/// A value's JSON text, cut short for messages.
fn short(value: &Json) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(v: Json) -> String {
        parse(Some(&v)).unwrap_err()
    }

    #[test]
    fn geometry_errors() {
        assert_eq!(parse(None).unwrap_err(), "missing geometry");
        assert_eq!(parse(Some(&Json::Null)).unwrap_err(), "missing geometry");
        assert!(err(json!({"type": "Curve", "coordinates": []})).contains("unsupported"));
        assert!(err(json!({"type": "Point", "coordinates": [1]})).contains("invalid position"));
        assert!(err(json!({"type": "Point", "coordinates": [1e6, 1]})).contains("longitude"));
        let r =
            err(json!({"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[0, 0]]]}));
        assert!(r.starts_with("line 1: LineString with 1 point"), "{r}");
    }

    #[test]
    fn collection() {
        let g = parse(Some(&json!({"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [1, 2]},
            {"type": "LineString", "coordinates": [[1, 2], [3, 4, 5]]}
        ]})))
        .unwrap();
        assert!(matches!(g, Geometry::GeometryCollection(ref gc) if gc.0.len() == 2));
    }
}
