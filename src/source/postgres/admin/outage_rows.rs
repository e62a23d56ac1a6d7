//! The operations part of `gridtiles db load`: the data's `outages` layer (outages in
//! progress) written as open `outage_events` rows (`end_time` NULL), so the reference
//! schema's `outages_active` view — the `outages` layer of the PostgreSQL source — serves
//! the same features. (`crews` is an ordinary table layer: [`crate::source::postgres::admin::copy_in`] copies it.)
//!
//! The rows replace the table's open rows; closed rows (the history) stay. Ids are the
//! features' ids (the demo's are `70_000_000 + n`, far above the synthetic history's event
//! ids `1..`), so an id already used by a closed event is a primary-key error naming the
//! table, never a silent overwrite.

use futures_util::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use crate::analytics::time::parse_rfc3339;
use crate::model::{LayerData, Value};

use crate::source::postgres::admin::copy_in::Cell;
use crate::source::postgres::{describe, qualified, PgError};

/// The layer attribute each written column is read from, in the COPY's column order after
/// `id`. `customers_out` is the layer's name of `customers_interrupted`.
const COLUMNS: [(&str, &str); 8] = [
    ("feeder_id", "feeder_id"),
    ("substation_id", "substation_id"),
    ("device_id", "device_id"),
    ("start_time", "start_time"),
    ("customers_interrupted", "customers_out"),
    ("cause", "cause"),
    ("status", "status"),
    ("crew_id", "crew_id"),
];

/// Replaces the open rows of `outage_events` with the features of `layer`. Returns the rows
/// written.
pub async fn copy_open_outages(
    tx: &deadpool_postgres::Transaction<'_>,
    schema: &str,
    layer: &LayerData,
) -> Result<usize, PgError> {
    let table = qualified(schema, "outage_events");
    let fail = |m: String| PgError::layer(&layer.name, format!("table outage_events: {m}"));
    tx.execute(&format!("DELETE FROM {table} WHERE end_time IS NULL"), &[])
        .await
        .map_err(|e| fail(describe(&e)))?;
    let fields: Vec<Option<usize>> = COLUMNS
        .iter()
        .map(|(_, attr)| layer.field_index(attr))
        .collect();
    let mut list = vec!["id"];
    list.extend(COLUMNS.iter().map(|(c, _)| *c));
    list.push("geom");
    let columns = list.join(", ");
    let types: Vec<Type> = tx
        .prepare(&format!("SELECT {columns} FROM {table} LIMIT 0"))
        .await
        .map_err(|e| fail(describe(&e)))?
        .columns()
        .iter()
        .map(|c| c.type_().clone())
        .collect();
    let sink = tx
        .copy_in(&format!(
            "COPY {table} ({columns}) FROM STDIN (FORMAT binary)"
        ))
        .await
        .map_err(|e| fail(describe(&e)))?;
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    for f in &layer.features {
        let id = i64::try_from(f.id).map_err(|_| fail(format!("id {} too large", f.id)))?;
        let mut row = vec![Cell::Int(id)];
        for ((column, attr), index) in COLUMNS.iter().zip(&fields) {
            let value = index
                .and_then(|i| f.properties.get(i))
                .and_then(Option::as_ref);
            row.push(match (*column, value) {
                ("start_time", Some(Value::Str(s))) => {
                    Cell::Timestamp(parse_rfc3339(s).ok_or_else(|| {
                        fail(format!(
                            "feature {}: {attr} {s:?} is not an RFC 3339 time",
                            f.id
                        ))
                    })?)
                }
                ("status", None) => Cell::Str("active"),
                (
                    "feeder_id"
                    | "substation_id"
                    | "start_time"
                    | "customers_interrupted"
                    | "cause",
                    None,
                ) => return Err(fail(format!("feature {}: no {attr}", f.id))),
                (_, v) => Cell::of(v),
            });
        }
        row.push(Cell::Geom(&f.geometry));
        let refs: Vec<&(dyn ToSql + Sync)> = row.iter().map(|c| c as &(dyn ToSql + Sync)).collect();
        writer
            .as_mut()
            .write(&refs)
            .await
            .map_err(|e| fail(format!("feature {}: {}", f.id, describe(&e))))?;
    }
    let n = writer.finish().await.map_err(|e| fail(describe(&e)))?;
    Ok(n as usize)
}
