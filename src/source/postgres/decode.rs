//! Decoding selected rows (binary COPY rows or query rows, both in the canonical types of a
//! [`LayerPlan`]) into features: the id, the geometry from WKB through geozero or from
//! lon/lat, and typed attributes with shared strings.

use std::collections::HashSet;
use std::sync::Arc;

use geo_types::{Geometry, Point};
use geozero::wkb::Wkb;
use geozero::ToGeo;
use tokio_postgres::binary_copy::BinaryCopyOutRow;
use tokio_postgres::types::FromSql;
use tokio_postgres::Row;

use crate::model::{Feature, FieldType, Value};

use super::plan::{GeometrySource, LayerPlan};

/// A row of either kind.
pub trait RowLike {
    /// Column `i` as `T`.
    fn value<'a, T: FromSql<'a>>(&'a self, i: usize) -> Result<T, tokio_postgres::Error>;
}

impl RowLike for BinaryCopyOutRow {
    fn value<'a, T: FromSql<'a>>(&'a self, i: usize) -> Result<T, tokio_postgres::Error> {
        self.try_get(i)
    }
}

impl RowLike for Row {
    fn value<'a, T: FromSql<'a>>(&'a self, i: usize) -> Result<T, tokio_postgres::Error> {
        self.try_get(i)
    }
}

/// One shared `Arc<str>` per distinct string (statuses, classes, names repeat a lot).
#[derive(Default)]
pub struct Interner {
    strings: HashSet<Arc<str>>,
}

impl Interner {
    /// A string value holding the shared copy of `s`.
    pub fn value(&mut self, s: &str) -> Value {
        if let Some(shared) = self.strings.get(s) {
            return Value::Str(Arc::clone(shared));
        }
        let shared: Arc<str> = Arc::from(s);
        self.strings.insert(Arc::clone(&shared));
        Value::Str(shared)
    }
}

/// A decoded row: its id, and the feature unless the row has no geometry.
pub struct Decoded {
    pub id: u64,
    pub feature: Option<Feature>,
}

/// Decodes one row of `plan`'s select list. The error names the id when it is known.
pub fn decode<R: RowLike>(
    plan: &LayerPlan,
    row: &R,
    strings: &mut Interner,
) -> Result<Decoded, String> {
    let db = |e: tokio_postgres::Error| super::describe(&e);
    let id: Option<i64> = row.value(0).map_err(db)?;
    let id = match id {
        Some(i) if i >= 0 => i as u64,
        Some(i) => return Err(format!("id {i} is negative")),
        None => return Err("a row has a null id".to_owned()),
    };
    let at = |m: String| format!("id {id}: {m}");
    let geometry = match plan.geometry {
        GeometrySource::Wkb => match row.value::<Option<&[u8]>>(1).map_err(db)? {
            None => None,
            Some(wkb) => Some(
                Wkb(wkb)
                    .to_geo()
                    .map_err(|e| at(format!("invalid geometry: {e}")))?,
            ),
        },
        GeometrySource::LonLat => {
            let lon: Option<f64> = row.value(1).map_err(db)?;
            let lat: Option<f64> = row.value(2).map_err(db)?;
            match (lon, lat) {
                (Some(x), Some(y)) => {
                    if !((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)) {
                        return Err(at(format!(
                            "longitude {x} / latitude {y} are not WGS84 degrees (lon/lat \
                             columns must be EPSG:4326; use a PostGIS geometry for other SRIDs)"
                        )));
                    }
                    Some(Geometry::Point(Point::new(x, y)))
                }
                _ => None,
            }
        }
    };
    let Some(geometry) = geometry else {
        return Ok(Decoded { id, feature: None });
    };
    let first = plan.first_attribute();
    let mut properties = Vec::with_capacity(plan.fields.len());
    for (k, field) in plan.fields.iter().enumerate() {
        let i = first + k;
        let v = match field.kind {
            FieldType::Bool => row.value::<Option<bool>>(i).map_err(db)?.map(Value::Bool),
            FieldType::Int => row.value::<Option<i64>>(i).map_err(db)?.map(Value::Int),
            FieldType::Float => row.value::<Option<f64>>(i).map_err(db)?.map(Value::Float),
            FieldType::String => match row.value::<Option<&str>>(i).map_err(db)? {
                Some(s) if s.len() > plan.max_attribute_bytes => {
                    return Err(at(format!(
                    "column {:?}: a string of {} bytes is over postgres.max_attribute_bytes ({})",
                    field.name,
                    s.len(),
                    plan.max_attribute_bytes
                )))
                }
                s => s.map(|s| strings.value(s)),
            },
        };
        properties.push(v);
    }
    Ok(Decoded {
        id,
        feature: Some(Feature {
            id,
            geometry,
            properties,
        }),
    })
}
