//! The history part of `gridtiles db load`: the synthetic outage years into
//! `outage_events` and synthetic AMI readings of a bounded set of meters into
//! `ami_readings`, with binary `COPY`, inside the load's transaction.
//!
//! The events are exactly those the in-memory history serves for the same grid
//! ([`crate::analytics::calendar_years`] over the grid's customers per feeder: the
//! current calendar year and the ones before it), up to the load time: so `/api/kpi` from
//! PostgreSQL equals the synthetic one for any past period inside the loaded years. The
//! readings are [`crate::analytics::ami::interval_kwh`] (seed 1, as `/api/ami/history`) of
//! the `ami_meters` lowest meter ids, every 15 minutes of the `ami_days` days before the
//! load time, in monthly partitions created as needed.

use futures_util::pin_mut;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use crate::analytics::ami::{demand_kw, interval_kwh, members, INTERVAL_S};
use crate::analytics::time::{DAY_S, HOUSTON_UTC_OFFSET_S};
use crate::analytics::{calendar_years, feeder_customers};
use crate::index::{Snapshot, SnapshotBuilder};
use crate::model::LayerData;
use crate::topology::TopologySchema;

use crate::source::postgres::admin::partitions::ensure_ami_partitions;
use crate::source::postgres::history::timestamp;
use crate::source::postgres::{describe, qualified, PgError};

/// What history `db load` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryOptions {
    /// Calendar years of outage events ending with the current one (0–3; 0: leave
    /// `outage_events` alone).
    pub outage_years: u32,
    /// Days of AMI readings before the load time (0: leave `ami_readings` alone).
    pub ami_days: u32,
    /// Meters with readings (the lowest ids).
    pub ami_meters: usize,
    /// The load time, Unix seconds (events up to it, readings before it).
    pub now: i64,
}

impl HistoryOptions {
    /// Most days of readings.
    pub const MAX_AMI_DAYS: u32 = 366;
    /// Most meters with readings.
    pub const MAX_AMI_METERS: usize = 1_000_000;
}

/// Rows written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistoryCounts {
    pub outage_events: usize,
    pub ami_readings: usize,
}

/// The meters and transformers of `layers` as a snapshot (customer counts and meter
/// classes are read from it exactly as the server reads them).
fn customers_snapshot(layers: &[LayerData]) -> Result<Snapshot, PgError> {
    let schema = TopologySchema::default();
    let subset: Vec<LayerData> = layers
        .iter()
        .filter(|l| l.name == schema.meters_layer || l.name == schema.transformers_layer)
        .cloned()
        .collect();
    Ok(SnapshotBuilder::default().build(subset, 1)?)
}

/// Writes the history of `opts` for the grid `layers` (replacing the tables' rows).
pub async fn copy_history(
    tx: &deadpool_postgres::Transaction<'_>,
    schema: &str,
    layers: &[LayerData],
    opts: &HistoryOptions,
) -> Result<HistoryCounts, PgError> {
    let mut counts = HistoryCounts::default();
    let ami = opts.ami_days > 0 && opts.ami_meters > 0;
    if opts.outage_years == 0 && !ami {
        return Ok(counts);
    }
    if opts.ami_days > HistoryOptions::MAX_AMI_DAYS
        || opts.ami_meters > HistoryOptions::MAX_AMI_METERS
        || opts.outage_years > 3
    {
        return Err(PgError::Config(format!(
            "history: at most 3 outage years, {} AMI days and {} AMI meters",
            HistoryOptions::MAX_AMI_DAYS,
            HistoryOptions::MAX_AMI_METERS
        )));
    }
    let owned = layers.to_vec();
    let snapshot = tokio::task::spawn_blocking(move || customers_snapshot(&owned))
        .await
        .map_err(|e| PgError::Config(format!("customer snapshot failed: {e}")))??;
    if opts.outage_years > 0 {
        counts.outage_events = copy_outages(tx, schema, &snapshot, opts).await?;
    }
    if ami {
        counts.ami_readings = copy_readings(tx, schema, &snapshot, opts).await?;
    }
    Ok(counts)
}

/// The error of `what` (e.g. "copying into") on `table`.
fn table_error<'a>(
    what: &'static str,
    table: &'a str,
) -> impl Fn(tokio_postgres::Error) -> PgError + 'a {
    move |e| PgError::Db {
        context: format!("{what} {table}"),
        reason: describe(&e),
    }
}

/// Empties `table`: a load replaces its rows.
async fn empty_table(tx: &deadpool_postgres::Transaction<'_>, table: &str) -> Result<(), PgError> {
    tx.batch_execute(&format!("TRUNCATE {table}"))
        .await
        .map_err(table_error("emptying", table))
}

async fn copy_outages(
    tx: &deadpool_postgres::Transaction<'_>,
    schema: &str,
    snapshot: &Snapshot,
    opts: &HistoryOptions,
) -> Result<usize, PgError> {
    let feeders = feeder_customers(snapshot, &TopologySchema::default());
    let (_, _, events) =
        calendar_years(&feeders, opts.now, HOUSTON_UTC_OFFSET_S, opts.outage_years);
    let table = qualified(schema, "outage_events");
    empty_table(tx, &table).await?;
    let copy_failed = table_error("copying into", &table);
    let sink = tx
        .copy_in(&format!(
            "COPY {table} (id, feeder_id, substation_id, start_time, end_time, \
             customers_interrupted, customer_minutes, cause) FROM STDIN (FORMAT binary)"
        ))
        .await
        .map_err(&copy_failed)?;
    let types = [
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::TIMESTAMPTZ,
        Type::TIMESTAMPTZ,
        Type::INT4,
        Type::FLOAT8,
        Type::TEXT,
    ];
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    let mut n = 0;
    for e in events.iter().filter(|e| e.start < opts.now) {
        let id = i64::try_from(e.id).unwrap_or(i64::MAX);
        let customers = i32::try_from(e.customers_interrupted).unwrap_or(i32::MAX);
        let row: [&(dyn ToSql + Sync); 8] = [
            &id,
            &e.feeder_id,
            &e.substation_id,
            &timestamp(e.start),
            &e.end.map(timestamp),
            &customers,
            &e.customer_minutes,
            &e.cause.as_str(),
        ];
        writer.as_mut().write(&row).await.map_err(&copy_failed)?;
        n += 1;
    }
    writer.finish().await.map_err(&copy_failed)?;
    Ok(n)
}

async fn copy_readings(
    tx: &deadpool_postgres::Transaction<'_>,
    schema: &str,
    snapshot: &Snapshot,
    opts: &HistoryOptions,
) -> Result<usize, PgError> {
    let ts_schema = TopologySchema::default();
    let mut ids: Vec<u64> = snapshot
        .layer(&ts_schema.meters_layer)
        .map(|l| l.features.iter().map(|f| f.id).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    ids.truncate(opts.ami_meters);
    let meters = members(snapshot, &ts_schema, &ids);
    let end = opts.now.div_euclid(INTERVAL_S) * INTERVAL_S;
    let start = end - i64::from(opts.ami_days) * DAY_S;
    let table = qualified(schema, "ami_readings");
    empty_table(tx, &table).await?;
    let copy_failed = table_error("copying into", &table);
    ensure_ami_partitions(tx, schema, start, end).await?;
    let sink = tx
        .copy_in(&format!(
            "COPY {table} (meter_id, ts, kwh, peak_kw) FROM STDIN (FORMAT binary)"
        ))
        .await
        .map_err(&copy_failed)?;
    let types = [Type::INT8, Type::TIMESTAMPTZ, Type::FLOAT8, Type::FLOAT8];
    let writer = BinaryCopyInWriter::new(sink, &types);
    pin_mut!(writer);
    let mut n = 0;
    for m in &meters {
        let id = i64::try_from(m.meter_id).unwrap_or(i64::MAX);
        let mut t = start;
        while t < end {
            let kwh = interval_kwh(m.meter_id, m.class, t, 1);
            let kw = demand_kw(m.meter_id, m.class, t, 1);
            let row: [&(dyn ToSql + Sync); 4] = [&id, &timestamp(t), &kwh, &kw];
            writer.as_mut().write(&row).await.map_err(&copy_failed)?;
            n += 1;
            t += INTERVAL_S;
        }
    }
    writer.finish().await.map_err(&copy_failed)?;
    Ok(n)
}
