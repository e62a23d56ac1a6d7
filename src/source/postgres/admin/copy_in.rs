//! `gridtiles db load`: writes layers (the demo grid, or a FlatGeobuf/GeoJSON directory)
//! into the reference schema with binary `COPY … FROM STDIN`, in one transaction.
//!
//! The asset tables are emptied first (`TRUNCATE`) so loading twice gives the same data. The
//! change triggers are off during the copy (a bulk load is not a stream of edits) and one
//! "everything changed" notice per table is sent at commit, so a running server
//! resynchronizes. Layer attributes are matched to table columns by name (the demo grid's
//! names); an attribute without a column is reported and skipped, a column without an
//! attribute gets its default. The `feeders` circuit table is derived from the segments;
//! the `crews` layer goes to the `crews` table like an asset layer. With history options,
//! the synthetic outage events and AMI readings are written in the same transaction
//! ([`crate::source::postgres::admin::history_rows`]); after them, an `outages` layer replaces the open rows of
//! `outage_events` ([`crate::source::postgres::admin::outage_rows`]).

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use bytes::{BufMut, BytesMut};
use futures_util::pin_mut;
use geo_types::Geometry;
use geozero::wkb::{WkbDialect, WkbWriter};
use geozero::{CoordDimensions, GeozeroGeometry};
use indicatif::{ProgressBar, ProgressStyle};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tracing::{info, warn};

use crate::model::{LayerData, Value};

use crate::source::postgres::admin::history_rows::{copy_history, HistoryOptions};
use crate::source::postgres::admin::outage_rows::copy_open_outages;
use crate::source::postgres::admin::schema::{connect, REFERENCE_TABLES};
use crate::source::postgres::config::PgConfig;
use crate::source::postgres::{qualified, quote_ident, PgError};

/// The table a layer is written to.
fn table_of(layer: &str) -> Option<&'static str> {
    match layer {
        "feeders" => Some("feeder_segments"),
        other => REFERENCE_TABLES.iter().copied().find(|t| *t == other),
    }
}

/// Tables in foreign-key order (referenced before referencing).
const LOAD_ORDER: [&str; 8] = [
    "substations",
    "feeders",
    "feeder_segments",
    "transformers",
    "poles",
    "meters",
    "switches",
    "crews",
];

/// The history table written after the asset tables (its open rows are the `outages` layer).
const EVENTS: &str = "outage_events";

/// Writes `layers` into the reference schema of `cfg` (asset tables only). Returns the rows
/// written per table.
pub async fn load(
    cfg: &PgConfig,
    layers: &[LayerData],
) -> Result<BTreeMap<String, usize>, PgError> {
    load_with_history(cfg, layers, None).await
}

/// Like [`load`], and with `history` the synthetic outage events and AMI readings of the
/// grid too ([`crate::source::postgres::admin::history_rows`]), in the same transaction.
pub async fn load_with_history(
    cfg: &PgConfig,
    layers: &[LayerData],
    history: Option<&HistoryOptions>,
) -> Result<BTreeMap<String, usize>, PgError> {
    let start = Instant::now();
    let mut by_table: BTreeMap<&str, &LayerData> = BTreeMap::new();
    let mut outages = None;
    for l in layers {
        match table_of(&l.name) {
            Some(t) => {
                by_table.insert(t, l);
            }
            None if l.name == "outages" => outages = Some(l),
            None => warn!(layer = %l.name, "no table in the reference schema: skipped"),
        }
    }
    let circuits = feeder_circuits(by_table.get("feeder_segments").copied());
    let total: u64 = by_table
        .values()
        .map(|l| l.features.len() as u64)
        .sum::<u64>()
        + circuits.features.len() as u64
        + outages.map_or(0, |l| l.features.len() as u64);
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template(
            "{msg:>16} [{bar:40}] {human_pos}/{human_len} rows ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let mut conn = connect(cfg).await?;
    let tx = conn
        .transaction()
        .await
        .map_err(|e| PgError::db("BEGIN", &e))?;
    let all: Vec<String> = LOAD_ORDER
        .iter()
        .map(|t| qualified(&cfg.schema, t))
        .collect();
    // Every table written, for the triggers (off during the load) and the notices.
    let mut touched: Vec<&str> = LOAD_ORDER.to_vec();
    touched.push(EVENTS);
    let exec = |sql: String, what: &'static str| {
        let tx = &tx;
        async move {
            tx.batch_execute(&sql)
                .await
                .map_err(|e| PgError::db(what, &e))
        }
    };
    for t in &touched {
        exec(
            format!(
                "ALTER TABLE {} DISABLE TRIGGER USER",
                qualified(&cfg.schema, t)
            ),
            "disabling triggers",
        )
        .await?;
    }
    exec(
        format!("TRUNCATE {}", all.join(", ")),
        "emptying the asset tables",
    )
    .await?;
    let mut written = BTreeMap::new();
    for table in LOAD_ORDER {
        let layer = if table == "feeders" {
            Some(&circuits)
        } else {
            by_table.get(table).copied()
        };
        let Some(layer) = layer else {
            continue;
        };
        bar.set_message(table);
        let n = copy_layer(&tx, &cfg.schema, table, layer, &bar).await?;
        written.insert(table.to_owned(), n);
    }
    if let Some(opts) = history {
        bar.set_message("history");
        let counts = copy_history(&tx, &cfg.schema, layers, opts).await?;
        if opts.outage_years > 0 {
            written.insert(EVENTS.to_owned(), counts.outage_events);
        }
        if opts.ami_days > 0 && opts.ami_meters > 0 {
            written.insert("ami_readings".to_owned(), counts.ami_readings);
        }
    }
    // After the history (which empties the table): the outages in progress.
    if let Some(layer) = outages {
        bar.set_message("outages");
        let n = copy_open_outages(&tx, &cfg.schema, layer).await?;
        bar.inc(n as u64);
        *written.entry(EVENTS.to_owned()).or_default() += n;
    }
    for t in &touched {
        exec(
            format!(
                "ALTER TABLE {} ENABLE TRIGGER USER",
                qualified(&cfg.schema, t)
            ),
            "enabling triggers",
        )
        .await?;
    }
    for table in touched {
        let payload = serde_json::json!({"s": cfg.schema, "t": table, "c": "id", "all": true});
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&cfg.channel, &payload.to_string()],
        )
        .await
        .map_err(|e| PgError::db("notifying", &e))?;
    }
    tx.commit().await.map_err(|e| PgError::db("COMMIT", &e))?;
    bar.finish_and_clear();
    let mut analyzed = all.clone();
    if history.is_some() || outages.is_some() {
        analyzed.push(qualified(&cfg.schema, EVENTS));
        analyzed.push(qualified(&cfg.schema, "ami_readings"));
    }
    exec_analyze(&conn, &analyzed).await;
    info!(
        rows = written.values().sum::<usize>(),
        ms = start.elapsed().as_millis() as u64,
        schema = %cfg.schema,
        "loaded into PostgreSQL"
    );
    Ok(written)
}

async fn exec_analyze(conn: &deadpool_postgres::Object, tables: &[String]) {
    if let Err(e) = conn
        .batch_execute(&format!("ANALYZE {}", tables.join(", ")))
        .await
    {
        warn!(error = %crate::source::postgres::describe(&e), "ANALYZE failed");
    }
}

/// Copies `layer` into `table`: columns `id`, the attributes with a column of the same name,
/// and `geom`.
async fn copy_layer(
    tx: &deadpool_postgres::Transaction<'_>,
    schema: &str,
    table: &str,
    layer: &LayerData,
    bar: &ProgressBar,
) -> Result<usize, PgError> {
    let fail = |m: String| PgError::layer(&layer.name, format!("table {table}: {m}"));
    let target = qualified(schema, table);
    let columns = tx
        .prepare(&format!("SELECT * FROM {target} LIMIT 0"))
        .await
        .map_err(|e| fail(crate::source::postgres::describe(&e)))?;
    let names: HashSet<&str> = columns.columns().iter().map(|c| c.name()).collect();
    let mut fields: Vec<usize> = Vec::new();
    for (i, f) in layer.fields.iter().enumerate() {
        if names.contains(f.name.as_str()) && f.name != "id" && f.name != "geom" {
            fields.push(i);
        } else {
            warn!(layer = %layer.name, attribute = %f.name, %table, "attribute has no column: skipped");
        }
    }
    let has_geom = names.contains("geom");
    let mut list: Vec<String> = vec!["id".into()];
    list.extend(fields.iter().map(|&i| layer.fields[i].name.clone()));
    if has_geom {
        list.push("geom".into());
    }
    let quoted: Vec<String> = list.iter().map(|c| quote_ident(c)).collect();
    let types = tx
        .prepare(&format!(
            "SELECT {} FROM {target} LIMIT 0",
            quoted.join(", ")
        ))
        .await
        .map_err(|e| fail(crate::source::postgres::describe(&e)))?
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect::<Vec<Type>>();
    let sink = tx
        .copy_in(&format!(
            "COPY {target} ({}) FROM STDIN (FORMAT binary)",
            quoted.join(", ")
        ))
        .await
        .map_err(|e| fail(crate::source::postgres::describe(&e)))?;
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    let mut row: Vec<Cell<'_>> = Vec::with_capacity(list.len());
    for (n, f) in layer.features.iter().enumerate() {
        row.clear();
        row.push(Cell::Int(
            i64::try_from(f.id).map_err(|_| fail(format!("id {} too large", f.id)))?,
        ));
        row.extend(
            fields
                .iter()
                .map(|&i| Cell::of(f.properties.get(i).and_then(Option::as_ref))),
        );
        if has_geom {
            row.push(Cell::Geom(&f.geometry));
        }
        let refs: Vec<&(dyn ToSql + Sync)> = row.iter().map(|c| c as &(dyn ToSql + Sync)).collect();
        writer.as_mut().write(&refs).await.map_err(|e| {
            fail(format!(
                "feature {}: {}",
                f.id,
                crate::source::postgres::describe(&e)
            ))
        })?;
        if n % 4096 == 4095 {
            bar.inc(4096);
        }
    }
    bar.inc((layer.features.len() % 4096) as u64);
    let n = writer
        .finish()
        .await
        .map_err(|e| fail(crate::source::postgres::describe(&e)))?;
    Ok(n as usize)
}

/// The `feeders` circuit rows, one per distinct `feeder_id` of the segments, with the
/// segment attributes `feeder_name`, `substation_id` and `voltage_kv`.
fn feeder_circuits(segments: Option<&LayerData>) -> LayerData {
    use crate::model::{Feature, Field, FieldType};
    let mut out = LayerData::new(
        "feeders",
        vec![
            Field::new("name", FieldType::String),
            Field::new("substation_id", FieldType::Int),
            Field::new("voltage_kv", FieldType::Float),
        ],
    );
    let Some(seg) = segments else {
        return out;
    };
    let col = |n: &str| seg.field_index(n);
    let (fid, name, sub, kv) = (
        col("feeder_id"),
        col("feeder_name"),
        col("substation_id"),
        col("voltage_kv"),
    );
    let mut seen = HashSet::new();
    for f in &seg.features {
        let get = |i: Option<usize>| i.and_then(|i| f.properties.get(i).cloned().flatten());
        let Some(Value::Int(id)) = get(fid) else {
            continue;
        };
        if id < 0 || !seen.insert(id) {
            continue;
        }
        let name = get(name).unwrap_or_else(|| Value::from(format!("feeder {id}").as_str()));
        out.features.push(Feature {
            id: id as u64,
            geometry: Geometry::Point(geo_types::Point::new(0.0, 0.0)),
            properties: vec![Some(name), get(sub), get(kv)],
        });
    }
    out
}

/// One value to copy, converted to the column's type when written.
#[derive(Debug)]
pub(super) enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Str(&'a str),
    Bool(bool),
    /// Unix seconds, for a `timestamptz` column.
    Timestamp(i64),
    Geom(&'a Geometry<f64>),
}

impl<'a> Cell<'a> {
    pub(super) fn of(v: Option<&'a Value>) -> Cell<'a> {
        match v {
            None => Cell::Null,
            Some(Value::Int(i)) => Cell::Int(*i),
            Some(Value::Float(f)) => Cell::Float(*f),
            Some(Value::Str(s)) => Cell::Str(s.as_ref()),
            Some(Value::Bool(b)) => Cell::Bool(*b),
        }
    }
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

impl ToSql for Cell<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match (self, ty) {
            (Cell::Null, _) => Ok(IsNull::Yes),
            (Cell::Int(v), &Type::INT8) => v.to_sql(ty, out),
            (Cell::Int(v), &Type::INT4) => i32::try_from(*v)?.to_sql(ty, out),
            (Cell::Int(v), &Type::INT2) => i16::try_from(*v)?.to_sql(ty, out),
            (Cell::Int(v), &Type::FLOAT8) => (*v as f64).to_sql(ty, out),
            (Cell::Float(v), &Type::FLOAT8) => v.to_sql(ty, out),
            (Cell::Float(v), &Type::FLOAT4) => (*v as f32).to_sql(ty, out),
            (Cell::Float(v), &Type::INT8 | &Type::INT4) if v.fract() == 0.0 => {
                Cell::Int(*v as i64).to_sql(ty, out)
            }
            (Cell::Str(s), &Type::TEXT | &Type::VARCHAR) => s.to_sql(ty, out),
            (Cell::Bool(b), &Type::BOOL) => b.to_sql(ty, out),
            (Cell::Timestamp(t), &Type::TIMESTAMPTZ) => {
                crate::source::postgres::history::timestamp(*t).to_sql(ty, out)
            }
            (Cell::Geom(g), t) if t.name() == "geometry" => {
                let mut w = WkbWriter::with_opts(
                    out.writer(),
                    WkbDialect::Ewkb,
                    CoordDimensions::xy(),
                    Some(4326),
                    Vec::new(),
                );
                g.process_geom(&mut w)?;
                Ok(IsNull::No)
            }
            (cell, t) => {
                Err(format!("cannot store {cell:?} in a column of type {}", t.name()).into())
            }
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}
