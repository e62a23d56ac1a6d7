//! Resolving configured layers against the database, once at startup: which columns, which
//! types, which SRID, and the SELECT list that reads a layer in canonical types (the id as
//! `int8`, the geometry as WKB in EPSG:4326 or lon/lat as `float8`, attributes as `bool`,
//! `int8`, `float8` or `text`).
//!
//! Type mapping (MVT attribute type ← PostgreSQL type):
//! - Bool ← `boolean`;
//! - Int ← `smallint`, `integer`, `bigint`;
//! - Float ← `real`, `double precision`, `numeric`;
//! - String ← `text`, `varchar`, `char`, `name`, `uuid`, `citext`, enums; `date`, `time`,
//!   `timestamp`, `timestamptz` as ISO 8601 text (timestamps with time zone in UTC, `Z`).
//!
//! Domains map as their base type. Anything else (bytea, json, arrays, ranges, …) is a
//! startup error naming the layer and column: cast it in a `sql` layer, or leave it out with
//! `columns`.

use deadpool_postgres::Object;
use tokio_postgres::types::{Kind, Type};

use crate::model::{Field, FieldType};

use super::config::{PgConfig, PgLayerConfig};
use super::{describe, qualified, quote_ident, PgError};

/// How an attribute column is selected and decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cast {
    Bool,
    Int,
    Float,
    Text,
    Date,
    Time,
    Timestamp,
    Timestamptz,
}

impl Cast {
    /// The MVT attribute type of the column.
    pub fn field_type(self) -> FieldType {
        match self {
            Cast::Bool => FieldType::Bool,
            Cast::Int => FieldType::Int,
            Cast::Float => FieldType::Float,
            _ => FieldType::String,
        }
    }

    /// The select expression of column `col` (quoted) of subquery `q`.
    fn select(self, col: &str) -> String {
        match self {
            Cast::Bool => format!("q.{col}::bool"),
            Cast::Int => format!("q.{col}::int8"),
            Cast::Float => format!("q.{col}::float8"),
            Cast::Text | Cast::Time => format!("q.{col}::text"),
            Cast::Date => format!("to_char(q.{col}, 'YYYY-MM-DD')"),
            Cast::Timestamp => format!("to_char(q.{col}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"),
            Cast::Timestamptz => {
                format!("to_char(q.{col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
            }
        }
    }
}

/// The attribute cast of a column type, if it has one.
pub fn cast_of(ty: &Type) -> Option<Cast> {
    match ty.kind() {
        Kind::Enum(_) => return Some(Cast::Text),
        Kind::Domain(inner) => return cast_of(inner),
        _ => {}
    }
    Some(match *ty {
        Type::BOOL => Cast::Bool,
        Type::INT2 | Type::INT4 | Type::INT8 => Cast::Int,
        Type::FLOAT4 | Type::FLOAT8 | Type::NUMERIC => Cast::Float,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UUID => Cast::Text,
        Type::DATE => Cast::Date,
        Type::TIME => Cast::Time,
        Type::TIMESTAMP => Cast::Timestamp,
        Type::TIMESTAMPTZ => Cast::Timestamptz,
        _ if ty.name() == "citext" => Cast::Text,
        _ => return None,
    })
}

/// Where a layer's geometry comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GeometrySource {
    /// A PostGIS column, selected as WKB in EPSG:4326.
    Wkb,
    /// Longitude and latitude columns (WGS84 degrees), selected as `float8`.
    LonLat,
}

/// A watched table and how its keys select rows of the layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    pub schema: String,
    pub table: String,
    /// The watched table's key column (as the trigger sends it, unquoted).
    pub key: String,
    /// Index into the layer's fields of the matched column; `None`: the id column.
    pub field: Option<usize>,
    /// The matched column, quoted.
    pub column: String,
    /// True when the matched column is an integer (keys compared as `int8`).
    pub numeric: bool,
}

/// A layer resolved against the database.
#[derive(Clone, Debug)]
pub struct LayerPlan {
    /// The MVT layer name.
    pub name: String,
    /// The rows: `SELECT * FROM table` or the configured query.
    pub source: String,
    pub geometry: GeometrySource,
    /// Attribute fields, in select order.
    pub fields: Vec<Field>,
    /// `id, geometry (1 or 2 columns), attributes…` over subquery `q`.
    pub select_list: String,
    /// The id column, quoted.
    pub id_column: String,
    pub watches: Vec<Watch>,
    /// Longest string attribute value accepted (`postgres.max_attribute_bytes`): a longer one
    /// makes the row invalid.
    pub max_attribute_bytes: usize,
}

impl LayerPlan {
    /// The query reading the whole layer.
    pub fn select_all(&self) -> String {
        format!("SELECT {} FROM ({}) q", self.select_list, self.source)
    }

    /// The query reading the rows whose `column` is in `$1` (an `int8[]` or `text[]`).
    pub fn select_matching(&self, column: &str, numeric: bool) -> String {
        let cond = if numeric {
            format!("q.{column}::int8 = ANY($1::int8[])")
        } else {
            format!("q.{column}::text = ANY($1::text[])")
        };
        format!("{} WHERE {cond}", self.select_all())
    }

    /// Index of the first attribute column in a selected row.
    pub fn first_attribute(&self) -> usize {
        match self.geometry {
            GeometrySource::Wkb => 2,
            GeometrySource::LonLat => 3,
        }
    }
}

/// Resolves layer `name` with one pooled connection.
pub async fn resolve(
    client: &Object,
    cfg: &PgConfig,
    name: &str,
    layer: &PgLayerConfig,
) -> Result<LayerPlan, PgError> {
    let err = |m: String| PgError::layer(name, m);
    let (source, table) = match (&layer.table, &layer.sql) {
        (Some(t), _) => {
            let schema = layer.schema.as_deref().unwrap_or(&cfg.schema);
            let q = qualified(schema, t);
            let row = client
                .query_one("SELECT to_regclass($1)::text", &[&q])
                .await
                .map_err(|e| err(describe(&e)))?;
            if row.get::<_, Option<String>>(0).is_none() {
                // Without [postgres.layers] the layers are the reference schema's.
                let hint = if cfg.layers.is_empty() {
                    " (create or upgrade the reference schema with `gridtiles db init`)"
                } else {
                    ""
                };
                return Err(err(format!("table {schema}.{t} does not exist{hint}")));
            }
            (
                format!("SELECT * FROM {q}"),
                Some((schema.to_owned(), t.clone())),
            )
        }
        (None, Some(sql)) => (sql.trim().trim_end_matches(';').to_owned(), None),
        (None, None) => return Err(err("set table or sql".into())),
    };
    let stmt = client
        .prepare(&format!("SELECT * FROM ({source}) q LIMIT 0"))
        .await
        .map_err(|e| err(format!("cannot read it: {}", describe(&e))))?;
    let columns: Vec<(String, Type)> = stmt
        .columns()
        .iter()
        .map(|c| (c.name().to_owned(), c.type_().clone()))
        .collect();
    let find = |c: &str| columns.iter().find(|(n, _)| n == c).map(|(_, t)| t);
    let missing = |what: &str, c: &str| {
        let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
        err(format!(
            "{what} column {c:?} does not exist (columns: {})",
            names.join(", ")
        ))
    };

    let id = layer.id_column.clone().unwrap_or_else(|| "id".to_owned());
    let id_type = find(&id).ok_or_else(|| missing("id", &id))?;
    if cast_of(id_type) != Some(Cast::Int) {
        return Err(err(format!(
            "id column {id:?} has type {}; it must be an integer",
            id_type.name()
        )));
    }
    let mut used = vec![id.clone()];
    let mut select = vec![format!("q.{}::int8", quote_ident(&id))];
    let geometry = match (&layer.lon_column, &layer.lat_column) {
        (Some(lon), Some(lat)) => {
            for c in [lon, lat] {
                let t = find(c).ok_or_else(|| missing("coordinate", c))?;
                if !matches!(cast_of(t), Some(Cast::Int | Cast::Float)) {
                    return Err(err(format!(
                        "coordinate column {c:?} has type {}; it must be numeric",
                        t.name()
                    )));
                }
                select.push(format!("q.{}::float8", quote_ident(c)));
                used.push(c.clone());
            }
            GeometrySource::LonLat
        }
        _ => {
            let geom = geometry_column(layer, &columns).map_err(err)?;
            let ty = find(&geom).ok_or_else(|| missing("geometry", &geom))?;
            let expr = geometry_expr(client, layer, table.as_ref(), &geom, ty)
                .await
                .map_err(err)?;
            select.push(format!("ST_AsBinary({expr})"));
            used.push(geom);
            GeometrySource::Wkb
        }
    };
    let wanted: Vec<String> = match &layer.columns {
        Some(list) => list.clone(),
        None => columns
            .iter()
            .filter(|(n, t)| !used.contains(n) && !is_spatial(t))
            .map(|(n, _)| n.clone())
            .collect(),
    };
    let mut fields = Vec::with_capacity(wanted.len());
    for c in &wanted {
        let ty = find(c).ok_or_else(|| missing("attribute", c))?;
        if used.contains(c) || fields.iter().any(|f: &Field| &f.name == c) {
            return Err(err(format!("column {c:?} is listed twice")));
        }
        let cast = cast_of(ty).ok_or_else(|| {
            err(format!(
                "column {c:?} has type {}, which has no vector tile attribute type \
                 (boolean, integer, real, numeric, text, uuid, enum, date/time); cast it in a \
                 `sql` layer or leave it out with `columns`",
                ty.name()
            ))
        })?;
        select.push(cast.select(&quote_ident(c)));
        fields.push(Field::new(c.clone(), cast.field_type()));
    }
    let plan = LayerPlan {
        name: name.to_owned(),
        source,
        geometry,
        fields,
        select_list: select.join(", "),
        id_column: quote_ident(&id),
        watches: Vec::new(),
        max_attribute_bytes: cfg.max_attribute_bytes,
    };
    let watches =
        super::plan_watch::watches(cfg, layer, &plan, &id, table.as_ref()).map_err(err)?;
    Ok(LayerPlan { watches, ..plan })
}

/// The configured geometry column, else `geom`, else the only spatial column.
fn geometry_column(layer: &PgLayerConfig, columns: &[(String, Type)]) -> Result<String, String> {
    if let Some(g) = &layer.geometry_column {
        return Ok(g.clone());
    }
    if columns.iter().any(|(n, _)| n == "geom") {
        return Ok("geom".to_owned());
    }
    let spatial: Vec<&String> = columns
        .iter()
        .filter(|(_, t)| is_spatial(t))
        .map(|(n, _)| n)
        .collect();
    match spatial.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err("no geometry column: set geometry_column, or lon_column and lat_column".into()),
        _ => Err(format!(
            "several geometry columns ({spatial:?}): set geometry_column"
        )),
    }
}

fn is_spatial(t: &Type) -> bool {
    matches!(t.name(), "geometry" | "geography")
}

/// The geometry expression in EPSG:4326 for column `geom` of type `ty`, checking the SRID.
async fn geometry_expr(
    client: &Object,
    layer: &PgLayerConfig,
    table: Option<&(String, String)>,
    geom: &str,
    ty: &Type,
) -> Result<String, String> {
    let col = format!("q.{}", quote_ident(geom));
    match ty.name() {
        "geography" => return Ok(format!("{col}::geometry")),
        "geometry" => {}
        other => {
            return Err(format!(
                "geometry column {geom:?} has type {other}; it must be a PostGIS geometry \
                 (or set lon_column and lat_column)"
            ))
        }
    }
    let declared = match table {
        Some((schema, t)) => declared_srid(client, schema, t, geom).await?,
        None => 0,
    };
    let srid = match (declared, layer.srid) {
        (0, s) => s,
        (d, Some(s)) if s != d => {
            return Err(format!(
                "geometry column {geom:?} has SRID {d}, but the configuration says srid = {s}"
            ))
        }
        (d, _) => Some(d),
    };
    let Some(srid) = srid else {
        return if table.is_some() {
            Err(format!(
                "geometry column {geom:?} declares no SRID: set srid in the layer's configuration"
            ))
        } else {
            // A query: each row's own SRID (a row without one fails the load, naming it).
            Ok(format!("ST_Transform({col}, 4326)"))
        };
    };
    let known = client
        .query_opt("SELECT 1 FROM spatial_ref_sys WHERE srid = $1", &[&srid])
        .await
        .map_err(|e| describe(&e))?;
    if known.is_none() {
        return Err(format!(
            "SRID {srid} of column {geom:?} is not in spatial_ref_sys"
        ));
    }
    Ok(match (declared, srid) {
        (_, 4326) if declared == 4326 => col,
        (0, s) => format!("ST_Transform(ST_SetSRID({col}, {s}), 4326)"),
        _ => format!("ST_Transform({col}, 4326)"),
    })
}

/// The SRID a table's geometry column declares (0 when it declares none).
async fn declared_srid(
    client: &Object,
    schema: &str,
    table: &str,
    geom: &str,
) -> Result<i32, String> {
    let row = client
        .query_opt(
            "SELECT srid FROM geometry_columns \
             WHERE f_table_schema = $1 AND f_table_name = $2 AND f_geometry_column = $3",
            &[&schema, &table, &geom],
        )
        .await
        .map_err(|e| describe(&e))?;
    Ok(row.map_or(0, |r| r.get::<_, i32>(0)))
}
