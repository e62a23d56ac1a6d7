//! Partitions of `ami_readings` (range-partitioned by `ts`: one partition per UTC month,
//! `ami_readings_pYYYYMM`, plus `ami_readings_default`), and the conversion of a table
//! created by an older `db init` (not partitioned) into that layout.
//!
//! DDL takes no parameters: partition bounds are literals formatted here from integers,
//! names are quoted identifiers; the rows moved out of the default partition are selected
//! with bind parameters.

use deadpool_postgres::Transaction;
use tracing::info;

use crate::analytics::time::{civil_from_days, days_from_civil, DAY_S};
use crate::source::postgres::history::timestamp;
use crate::source::postgres::{qualified, quote_literal, PgError};

/// Months one call may create at most (a hundred years).
pub const MAX_NEW_PARTITIONS: usize = 1200;

/// `(year, month)` of Unix time `t` (UTC).
fn month_of(t: i64) -> (i64, u32) {
    let (y, m, _) = civil_from_days(t.div_euclid(DAY_S));
    (y, m)
}

fn next_month((y, m): (i64, u32)) -> (i64, u32) {
    if m == 12 {
        (y + 1, 1)
    } else {
        (y, m + 1)
    }
}

/// `'YYYY-MM-01 00:00:00+00'`.
fn month_literal((y, m): (i64, u32)) -> String {
    quote_literal(&format!("{y:04}-{m:02}-01 00:00:00+00"))
}

fn month_start((y, m): (i64, u32)) -> i64 {
    days_from_civil(y, m, 1) * DAY_S
}

/// Creates the monthly partitions covering `[from, to)` that do not exist yet, moving any
/// rows of their months out of the default partition first. Returns how many it created.
pub async fn ensure_ami_partitions(
    tx: &Transaction<'_>,
    schema: &str,
    from: i64,
    to: i64,
) -> Result<usize, PgError> {
    if to <= from {
        return Ok(0);
    }
    let parent = qualified(schema, "ami_readings");
    let default = qualified(schema, "ami_readings_default");
    let last = month_of(to - 1);
    let mut month = month_of(from);
    let mut created = 0;
    loop {
        let (y, m) = month;
        let name = format!("ami_readings_p{y:04}{m:02}");
        let table = qualified(schema, &name);
        let exists: bool = tx
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
            .await
            .map_err(|e| PgError::db("looking up AMI partitions", &e))?
            .get(0);
        if !exists {
            if created == MAX_NEW_PARTITIONS {
                return Err(PgError::Config(format!(
                    "more than {MAX_NEW_PARTITIONS} AMI partitions needed: narrow the range"
                )));
            }
            let next = next_month(month);
            let ctx = |what: &str| format!("{what} AMI partition {name}");
            tx.batch_execute(&format!(
                "CREATE TABLE {table} (LIKE {parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
            ))
            .await
            .map_err(|e| PgError::db(ctx("creating"), &e))?;
            tx.execute(
                &format!(
                    "WITH moved AS (DELETE FROM {default} WHERE ts >= $1 AND ts < $2 RETURNING *) \
                     INSERT INTO {table} SELECT * FROM moved"
                ),
                &[
                    &timestamp(month_start(month)),
                    &timestamp(month_start(next)),
                ],
            )
            .await
            .map_err(|e| PgError::db(ctx("filling"), &e))?;
            tx.batch_execute(&format!(
                "ALTER TABLE {parent} ATTACH PARTITION {table} FOR VALUES FROM ({}) TO ({})",
                month_literal(month),
                month_literal(next)
            ))
            .await
            .map_err(|e| PgError::db(ctx("attaching"), &e))?;
            created += 1;
        }
        if month == last {
            break;
        }
        month = next_month(month);
    }
    Ok(created)
}

/// `relkind` of `schema.ami_readings` (`r` table, `p` partitioned table), if it exists.
async fn ami_kind(tx: &Transaction<'_>, schema: &str) -> Result<Option<String>, PgError> {
    let row = tx
        .query_opt(
            "SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = 'ami_readings'",
            &[&schema],
        )
        .await
        .map_err(|e| PgError::db("inspecting ami_readings", &e))?;
    Ok(row.map(|r| r.get(0)))
}

/// Before the reference schema is created: renames an `ami_readings` that is a plain
/// table (an older `db init`) out of the way. Returns whether it did; then
/// [`finish_conversion`] must run after the schema exists.
pub async fn begin_conversion(tx: &Transaction<'_>, schema: &str) -> Result<bool, PgError> {
    match ami_kind(tx, schema).await?.as_deref() {
        Some("r") => {}
        Some("p") | None => return Ok(false),
        Some(other) => {
            return Err(PgError::Config(format!(
                "{schema}.ami_readings exists but is neither a table nor a partitioned table \
                 (relkind {other}): drop or rename it, then run db init again"
            )))
        }
    }
    let old = qualified(schema, "ami_readings");
    tx.batch_execute(&format!(
        "ALTER TABLE {old} RENAME TO ami_readings_unpartitioned;
         ALTER INDEX IF EXISTS {} RENAME TO ami_readings_unpartitioned_pkey;
         DROP INDEX IF EXISTS {};",
        qualified(schema, "ami_readings_pkey"),
        qualified(schema, "ami_readings_ts_idx"),
    ))
    .await
    .map_err(|e| PgError::db("renaming the unpartitioned ami_readings", &e))?;
    Ok(true)
}

/// Moves the rows of the renamed table into the partitioned `ami_readings` (monthly
/// partitions for their range) and drops it. Returns the rows moved.
pub async fn finish_conversion(tx: &Transaction<'_>, schema: &str) -> Result<u64, PgError> {
    let old = qualified(schema, "ami_readings_unpartitioned");
    let new = qualified(schema, "ami_readings");
    let range = tx
        .query_one(
            &format!(
                "SELECT extract(epoch FROM min(ts))::bigint, extract(epoch FROM max(ts))::bigint FROM {old}"
            ),
            &[],
        )
        .await
        .map_err(|e| PgError::db("reading the unpartitioned ami_readings", &e))?;
    let (lo, hi): (Option<i64>, Option<i64>) = (range.get(0), range.get(1));
    if let (Some(lo), Some(hi)) = (lo, hi) {
        ensure_ami_partitions(tx, schema, lo, hi.saturating_add(1)).await?;
    }
    let moved = tx
        .execute(
            &format!(
                "INSERT INTO {new} (meter_id, ts, kwh, peak_kw, voltage) \
                 SELECT meter_id, ts, kwh, peak_kw, voltage FROM {old}"
            ),
            &[],
        )
        .await
        .map_err(|e| PgError::db("moving AMI readings into the partitioned table", &e))?;
    tx.batch_execute(&format!("DROP TABLE {old}"))
        .await
        .map_err(|e| PgError::db("dropping the unpartitioned ami_readings", &e))?;
    info!(%schema, rows = moved, "converted ami_readings to a partitioned table");
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_literals() {
        let t = days_from_civil(2025, 12, 31) * DAY_S + 3600;
        assert_eq!(month_of(t), (2025, 12));
        assert_eq!(next_month((2025, 12)), (2026, 1));
        assert_eq!(month_literal((2026, 1)), "'2026-01-01 00:00:00+00'");
        assert_eq!(month_start((1970, 2)), 31 * DAY_S);
    }
}
