//! The query of `/ogc/collections/{id}/items`: `bbox`, `limit`, `offset`, `datetime`, `f`,
//! `crs` / `bbox-crs` (only CRS84, the default) and one exact-value filter per attribute
//! (`?status=energized`), each validated with a `400` that names the parameter; any other
//! parameter is a `400` naming it.

use axum::extract::Query;
use axum::http::Uri;

use super::links::encode;
use crate::http::api::dates;
use crate::http::error::truncate;
use crate::http::ApiError;
use crate::index::IndexedLayer;
use crate::model::{FieldType, Value};

/// Features per page without `limit`.
pub const DEFAULT_LIMIT: usize = 100;
/// The largest page. A larger `limit` is clamped to it, as OGC API - Features Part 1 allows
/// (and its OpenAPI `maximum` announces), so a client asking for "everything" pages instead
/// of failing.
pub const MAX_LIMIT: usize = 10_000;

/// The parsed and validated query of an items request.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemsQuery {
    /// `[west, south, east, north]` in WGS84.
    pub bbox: Option<[f64; 4]>,
    /// Page size, `1..=MAX_LIMIT` (clamped).
    pub limit: usize,
    /// Features skipped (in feature order).
    pub offset: usize,
    /// The `datetime` parameter as given (validated; the layers have no temporal property, so
    /// it selects every feature).
    pub datetime: Option<String>,
    /// `(field index, field name, value)` filters, all of which must match exactly.
    pub filters: Vec<(usize, String, Value)>,
    /// `f` as given (`json` or `geojson`).
    pub format: Option<String>,
}

impl ItemsQuery {
    /// Parses `uri`'s query for `layer`.
    pub fn parse(uri: &Uri, layer: &IndexedLayer) -> Result<ItemsQuery, ApiError> {
        let mut q = ItemsQuery {
            bbox: None,
            limit: DEFAULT_LIMIT,
            offset: 0,
            datetime: None,
            filters: Vec::new(),
            format: None,
        };
        if uri.query().is_none() {
            return Ok(q);
        }
        let pairs = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map_err(|e| ApiError::BadRequest(format!("invalid query string: {}", e.body_text())))?
            .0;
        let mut seen: Vec<&str> = Vec::with_capacity(pairs.len());
        for (name, value) in &pairs {
            if seen.contains(&name.as_str()) {
                return Err(ApiError::BadRequest(format!(
                    "query parameter {:?} is given twice",
                    truncate(name, 100)
                )));
            }
            seen.push(name);
            match name.as_str() {
                "bbox" => q.bbox = Some(bbox(value)?),
                "limit" => q.limit = limit(value)?,
                "offset" => {
                    q.offset = value
                        .parse()
                        .map_err(|_| bad("offset", "a non-negative integer"))?
                }
                "datetime" => {
                    datetime(value)?;
                    q.datetime = Some(value.clone());
                }
                // OGC API - Features Part 2 clients may name the default CRS explicitly.
                "crs" | "bbox-crs" if value == super::CRS84 => {}
                "crs" | "bbox-crs" => return Err(bad(name, super::CRS84)),
                "f" => match value.as_str() {
                    "json" | "geojson" => q.format = Some(value.clone()),
                    _ => return Err(bad("f", "json | geojson")),
                },
                _ => {
                    let Some(i) = layer.fields.iter().position(|f| f.name == *name) else {
                        return Err(ApiError::BadRequest(format!(
                            "unknown query parameter {:?}: expected bbox, limit, offset, \
                             datetime, f, crs, bbox-crs or an attribute of {}",
                            truncate(name, 100),
                            layer.name
                        )));
                    };
                    let v = typed(layer.fields[i].kind, value).ok_or_else(|| {
                        bad(
                            name,
                            match layer.fields[i].kind {
                                FieldType::Bool => "true or false",
                                FieldType::Int => "an integer",
                                FieldType::Float => "a number",
                                FieldType::String => "a string",
                            },
                        )
                    })?;
                    q.filters.push((i, name.clone(), v));
                }
            }
        }
        Ok(q)
    }

    /// The query string (without `?`) of this query at `offset`: what `self`, `next` and
    /// `prev` links carry.
    pub fn to_query_string(&self, offset: usize) -> String {
        let mut parts = Vec::with_capacity(5 + self.filters.len());
        if let Some(b) = self.bbox {
            parts.push(format!("bbox={},{},{},{}", b[0], b[1], b[2], b[3]));
        }
        for (_, name, value) in &self.filters {
            let v = match value {
                Value::Bool(b) => b.to_string(),
                Value::Int(i) => i.to_string(),
                Value::Float(x) => x.to_string(),
                Value::Str(s) => s.to_string(),
            };
            parts.push(format!("{}={}", encode(name), encode(&v)));
        }
        if let Some(d) = &self.datetime {
            parts.push(format!("datetime={}", encode(d)));
        }
        if let Some(f) = &self.format {
            parts.push(format!("f={f}"));
        }
        parts.push(format!("limit={}", self.limit));
        parts.push(format!("offset={offset}"));
        parts.join("&")
    }
}

fn bad(name: &str, expected: &str) -> ApiError {
    crate::http::api::params::bad(name, expected)
}

/// `minLon,minLat,maxLon,maxLat`: four finite numbers, longitudes in `[-180, 180]`, latitudes
/// in `[-90, 90]`, min ≤ max.
fn bbox(raw: &str) -> Result<[f64; 4], ApiError> {
    let expected = "minLon,minLat,maxLon,maxLat (four numbers, WGS84)";
    let nums: Vec<f64> = raw
        .split(',')
        .take(7)
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad("bbox", expected))?;
    let [w, s, e, n] = <[f64; 4]>::try_from(nums).map_err(|_| bad("bbox", expected))?;
    if ![w, s, e, n].iter().all(|v| v.is_finite()) {
        return Err(bad("bbox", expected));
    }
    if !(-180.0..=180.0).contains(&w) || !(-180.0..=180.0).contains(&e) {
        return Err(bad("bbox", "longitudes within [-180, 180]"));
    }
    if !(-90.0..=90.0).contains(&s) || !(-90.0..=90.0).contains(&n) {
        return Err(bad("bbox", "latitudes within [-90, 90]"));
    }
    if w > e || s > n {
        return Err(bad(
            "bbox",
            "minLon <= maxLon and minLat <= maxLat (no antimeridian crossing)",
        ));
    }
    Ok([w, s, e, n])
}

/// An integer ≥ 1, clamped to [`MAX_LIMIT`].
fn limit(raw: &str) -> Result<usize, ApiError> {
    match raw.parse::<u64>() {
        Ok(0) | Err(_) => Err(bad("limit", "an integer from 1 to 10000")),
        Ok(n) => Ok(usize::try_from(n).unwrap_or(MAX_LIMIT).min(MAX_LIMIT)),
    }
}

/// An RFC 3339 instant or an interval `start/end` with `..` (or nothing) for an open end.
fn datetime(raw: &str) -> Result<(), ApiError> {
    let expected = "an RFC 3339 date-time or an interval start/end (.. for open)";
    let instant = |s: &str| dates::parse(s).ok_or_else(|| bad("datetime", expected));
    match raw.split_once('/') {
        None => instant(raw).map(|_| ()),
        Some((a, b)) => {
            let open = |s: &str| s.is_empty() || s == "..";
            if open(a) && open(b) {
                return Err(bad("datetime", expected));
            }
            let a = if open(a) { None } else { Some(instant(a)?) };
            let b = if open(b) { None } else { Some(instant(b)?) };
            if let (Some(a), Some(b)) = (a, b) {
                if a > b {
                    return Err(bad(
                        "datetime",
                        "an interval whose start is not after its end",
                    ));
                }
            }
            Ok(())
        }
    }
}

/// `raw` as a value of `kind`, `None` when it is not one.
fn typed(kind: FieldType, raw: &str) -> Option<Value> {
    match kind {
        FieldType::Bool => match raw {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        FieldType::Int => raw.parse().ok().map(Value::Int),
        FieldType::Float => raw
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::Float),
        FieldType::String => Some(Value::from(raw)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_rules() {
        assert_eq!(bbox("-96,29,-95,30").unwrap(), [-96.0, 29.0, -95.0, 30.0]);
        assert_eq!(
            bbox(" -96, 29 ,-95,30").unwrap(),
            [-96.0, 29.0, -95.0, 30.0]
        );
        for b in [
            "",
            "1,2,3",
            "1,2,3,4,5",
            "a,b,c,d",
            "NaN,0,1,1",
            "inf,0,1,1",
            "-181,0,0,1",
            "0,-91,1,1",
            "2,0,1,1",
            "0,2,1,1",
            "1,2,3,4,5,6",
        ] {
            assert!(bbox(b).is_err(), "{b:?}");
        }
    }

    #[test]
    fn limits_and_datetimes() {
        assert_eq!(limit("1").unwrap(), 1);
        assert_eq!(limit("10000").unwrap(), 10_000);
        assert_eq!(limit("10001").unwrap(), MAX_LIMIT);
        assert_eq!(limit("99999999999999999999").ok(), None);
        assert!(limit("0").is_err() && limit("-1").is_err() && limit("x").is_err());
        assert!(datetime("2024-01-01T00:00:00Z").is_ok());
        assert!(datetime("2024-01-01T00:00:00Z/..").is_ok());
        assert!(datetime("../2024-01-01T00:00:00Z").is_ok());
        assert!(datetime("/2024-01-01T00:00:00Z").is_ok());
        assert!(datetime("../..").is_err() && datetime("yesterday").is_err());
        assert!(datetime("2024-02-01T00:00:00Z/2024-01-01T00:00:00Z").is_err());
    }

    #[test]
    fn typed_values() {
        assert_eq!(typed(FieldType::Int, "7"), Some(Value::Int(7)));
        assert_eq!(typed(FieldType::Int, "7.5"), None);
        assert_eq!(typed(FieldType::Float, "12.47"), Some(Value::Float(12.47)));
        assert_eq!(typed(FieldType::Float, "NaN"), None);
        assert_eq!(typed(FieldType::Bool, "true"), Some(Value::Bool(true)));
        assert_eq!(typed(FieldType::Bool, "yes"), None);
        assert_eq!(typed(FieldType::String, "a b"), Some(Value::from("a b")));
    }
}
