//! The PostgreSQL history backend: KPI day rows, outage trends and AMI buckets aggregated
//! in SQL over `outage_events` and `ami_readings`.
//!
//! Every query is parameterized (values are bind parameters; only the quoted table names
//! and fixed fragments are spliced), filters with plain range predicates on the indexed
//! `start_time` / `ts` columns (no function on the column, so the indexes and partition
//! pruning apply), buckets in SQL (`date_trunc` on the local time, `date_bin` with a local
//! midnight origin) and returns at most a fixed number of rows. The pool's sessions run
//! with `statement_timeout` = `history_timeout_ms` and read-only transactions. Outage
//! durations per cause and device type: [`durations`].

pub mod durations;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use thiserror::Error;
use tokio_postgres::NoTls;

use crate::analytics::{BucketValue, DayFeeder};

use crate::source::postgres::config::PgConfig;
use crate::source::postgres::{connection_config, describe, qualified, target, PgError};

/// Why a history query failed.
#[derive(Debug, Error)]
pub enum HistoryError {
    /// More rows than a response may aggregate.
    #[error("more than {0} rows")]
    TooManyRows(usize),
    /// The query ran past `statement_timeout`.
    #[error("the query ran past its statement_timeout")]
    Timeout,
    /// The history tables are missing (`db init` not run on this schema).
    #[error("history table missing: {0}")]
    MissingTable(String),
    /// The database cannot be reached or failed (the reason is for logs only).
    #[error("history database unavailable: {0}")]
    Unavailable(String),
}

impl From<tokio_postgres::Error> for HistoryError {
    fn from(e: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        match e.code() {
            Some(c) if *c == SqlState::QUERY_CANCELED => HistoryError::Timeout,
            Some(c) if *c == SqlState::UNDEFINED_TABLE => HistoryError::MissingTable(describe(&e)),
            _ => HistoryError::Unavailable(describe(&e)),
        }
    }
}

/// Interruption trend rows: one per bucket (and group key).
#[derive(Clone, Debug, PartialEq)]
pub struct TrendRow {
    /// Local day number of the bucket's first day.
    pub day: i64,
    /// The group (cause, or feeder id as text); empty for bucket totals.
    pub key: String,
    pub count: u64,
    pub customers: u64,
    pub customer_minutes: f64,
}

/// How trends are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrendGroup {
    Cause,
    Feeder,
}

/// The history queries on one schema, over their own small pool.
pub struct PgHistory {
    pool: Pool,
    pub(super) outages: String,
    readings: String,
    /// The switches table (device kinds of `outage_events.device_id`).
    pub(super) switches: String,
}

impl std::fmt::Debug for PgHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgHistory")
            .field("outages", &self.outages)
            .finish_non_exhaustive()
    }
}

/// `t` (Unix seconds) as a bindable timestamp.
pub fn timestamp(t: i64) -> SystemTime {
    if t >= 0 {
        UNIX_EPOCH + Duration::from_secs(t.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(t.unsigned_abs())
    }
}

/// Customer-minutes of an `outage_events` row, ongoing rows measured to `$as_of`, in the
/// same float operations as `Interruption::customer_minutes`.
fn cmi_sql(as_of: &str) -> String {
    let full = format!(
        "(customers_interrupted::float8 * (greatest(extract(epoch FROM coalesce(end_time, {as_of}) - start_time), 0)::float8 / 60))"
    );
    format!(
        "CASE WHEN customer_minutes >= 0 AND customer_minutes < 'Infinity'::float8 \
         THEN least(customer_minutes, {full}) ELSE {full} END"
    )
}

/// Local day number of the start of the `unit` (`day`, `week`, `month`) holding
/// `start_time`, for a UTC offset of `offset` seconds.
fn local_bucket_sql(unit: &str, offset: &str) -> String {
    format!(
        "(extract(epoch FROM date_trunc({unit}, (start_time AT TIME ZONE 'UTC') + {offset}::bigint * interval '1 second'))::bigint / 86400)"
    )
}

impl PgHistory {
    /// Rows a KPI period may aggregate at most (day × feeder rows).
    pub const MAX_KPI_ROWS: usize = 500_000;

    /// The history of `cfg.schema` (connections open lazily: an unreachable database shows
    /// as [`HistoryError::Unavailable`] per request, not here).
    pub fn new(cfg: &PgConfig) -> Result<PgHistory, PgError> {
        cfg.validate()?;
        let mut pg = connection_config(cfg)?;
        let options = format!(
            "{} -c statement_timeout={} -c default_transaction_read_only=on",
            pg.get_options().unwrap_or(""),
            cfg.history_timeout_ms
        );
        pg.options(options.trim());
        tracing::debug!(target = %target(&pg), "history queries");
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let wait = Duration::from_millis(cfg.history_timeout_ms);
        let pool = Pool::builder(manager)
            .max_size(cfg.pool_size.clamp(1, 8))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(wait))
            .create_timeout(Some(Duration::from_secs(
                cfg.connect_timeout_s.clamp(1, 10),
            )))
            .recycle_timeout(Some(wait))
            .build()
            .map_err(|e| PgError::Config(format!("history pool: {e}")))?;
        Ok(PgHistory {
            pool,
            outages: qualified(&cfg.schema, "outage_events"),
            readings: qualified(&cfg.schema, "ami_readings"),
            switches: qualified(&cfg.schema, "switches"),
        })
    }

    pub(super) async fn client(&self) -> Result<deadpool_postgres::Object, HistoryError> {
        self.pool.get().await.map_err(|e| {
            HistoryError::Unavailable(match &e {
                deadpool_postgres::PoolError::Backend(b) => describe(b),
                other => other.to_string(),
            })
        })
    }

    /// The KPI query: per local day, feeder and substation, the sums of
    /// [`DayFeeder`] of the events starting in `[from, to)` (`$1`, `$2`; ongoing events
    /// measured to `to`), with feeder sizes `$3`/`$4` for the CAIFI terms, local day of
    /// UTC offset `$5`, at most `$6` rows.
    pub fn kpi_sql(&self) -> String {
        format!(
            "WITH served (feeder_id, customers) AS (SELECT * FROM unnest($3::bigint[], $4::bigint[])),
             ev AS (
                 SELECT e.feeder_id, e.substation_id, {day} AS day,
                        customers_interrupted::bigint AS n, s.customers AS s_f,
                        (end_time IS NOT NULL AND end_time - start_time <= interval '5 minutes') AS momentary,
                        {cmi} AS cmi
                 FROM {t} e LEFT JOIN served s ON s.feeder_id = e.feeder_id
                 WHERE start_time >= $1 AND start_time < $2)
             SELECT day, feeder_id, substation_id,
                    count(*) FILTER (WHERE NOT momentary),
                    coalesce(sum(n) FILTER (WHERE NOT momentary), 0)::bigint,
                    coalesce(sum(cmi) FILTER (WHERE NOT momentary), 0)::float8,
                    count(*) FILTER (WHERE momentary),
                    coalesce(sum(n) FILTER (WHERE momentary), 0)::bigint,
                    coalesce(max(n) FILTER (WHERE NOT momentary), 0)::bigint,
                    coalesce(sum(ln(1 - n::float8 / s_f)) FILTER (WHERE NOT momentary AND s_f > 0 AND n < s_f), 0)::float8,
                    count(*) FILTER (WHERE NOT momentary AND s_f > 0 AND n >= s_f)
             FROM ev GROUP BY day, feeder_id, substation_id
             ORDER BY day, feeder_id, substation_id LIMIT $6",
            // Only `feeder_id` is in both `e` and `served`: the fragments' bare names are
            // the events'.
            day = local_bucket_sql("'day'", "$5"),
            cmi = cmi_sql("$2"),
            t = self.outages,
        )
    }

    /// Day × feeder rows of the events starting in `[from, to)`; `served` gives the
    /// feeders' customers (the CAIFI terms).
    pub async fn kpi_rows(
        &self,
        from: i64,
        to: i64,
        served: &[(i64, u64)],
        utc_offset_s: i64,
    ) -> Result<Vec<DayFeeder>, HistoryError> {
        let c = self.client().await?;
        let stmt = c.prepare_cached(&self.kpi_sql()).await?;
        let ids: Vec<i64> = served.iter().map(|s| s.0).collect();
        let sizes: Vec<i64> = served
            .iter()
            .map(|s| i64::try_from(s.1).unwrap_or(i64::MAX))
            .collect();
        let limit = Self::MAX_KPI_ROWS as i64 + 1;
        let rows = c
            .query(
                &stmt,
                &[
                    &timestamp(from),
                    &timestamp(to),
                    &ids,
                    &sizes,
                    &utc_offset_s,
                    &limit,
                ],
            )
            .await?;
        if rows.len() > Self::MAX_KPI_ROWS {
            return Err(HistoryError::TooManyRows(Self::MAX_KPI_ROWS));
        }
        let u = |v: i64| u64::try_from(v).unwrap_or(0);
        rows.iter()
            .map(|r| {
                Ok(DayFeeder {
                    day: r.try_get(0)?,
                    feeder_id: r.try_get(1)?,
                    substation_id: r.try_get(2)?,
                    sustained_events: u(r.try_get(3)?),
                    customer_interruptions: u(r.try_get(4)?),
                    customer_minutes: r.try_get(5)?,
                    momentary_events: u(r.try_get(6)?),
                    momentary_customer_interruptions: u(r.try_get(7)?),
                    largest: u(r.try_get(8)?),
                    keep_ln: r.try_get(9)?,
                    full_outs: u(r.try_get(10)?),
                })
            })
            .collect()
    }

    /// The trends query: per `unit` bucket (and group with `group`), count, customers and
    /// customer-minutes of the events starting in `[$1, $2)`, buckets in local time of UTC
    /// offset `$4`, at most `$5` rows.
    pub fn trends_sql(&self, group: Option<TrendGroup>) -> String {
        let key = match group {
            None => "''",
            Some(TrendGroup::Cause) => "cause",
            Some(TrendGroup::Feeder) => "feeder_id::text",
        };
        format!(
            "SELECT {day} AS day, {key} COLLATE \"C\" AS key, count(*),
                    coalesce(sum(customers_interrupted), 0)::bigint, coalesce(sum({cmi}), 0)::float8
             FROM {t} WHERE start_time >= $1 AND start_time < $2
             GROUP BY 1, 2 ORDER BY 1, 2 LIMIT $5",
            day = local_bucket_sql("$3::text", "$4"),
            cmi = cmi_sql("$2"),
            t = self.outages,
        )
    }

    /// Trend rows of `[from, to)` per `unit` (`day`, `week`, `month`), at most `limit`
    /// (the caller sees truncation as `limit` rows returned).
    pub async fn trend_rows(
        &self,
        from: i64,
        to: i64,
        unit: &str,
        group: Option<TrendGroup>,
        utc_offset_s: i64,
        limit: usize,
    ) -> Result<Vec<TrendRow>, HistoryError> {
        let c = self.client().await?;
        let stmt = c.prepare_cached(&self.trends_sql(group)).await?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = c
            .query(
                &stmt,
                &[
                    &timestamp(from),
                    &timestamp(to),
                    &unit,
                    &utc_offset_s,
                    &limit,
                ],
            )
            .await?;
        let u = |v: i64| u64::try_from(v).unwrap_or(0);
        rows.iter()
            .map(|r| {
                Ok(TrendRow {
                    day: r.try_get(0)?,
                    key: r.try_get(1)?,
                    count: u(r.try_get(2)?),
                    customers: u(r.try_get(3)?),
                    customer_minutes: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// The AMI query: readings of meters `$1` in `[$2, $3)` summed per reading time, then
    /// per bucket of `$4` seconds from origin `$5` (a local midnight): energy and the
    /// largest summed 15-minute energy × 4 (kW), at most `$6` buckets.
    pub fn ami_sql(&self) -> String {
        format!(
            "SELECT extract(epoch FROM date_bin($4::bigint * interval '1 second', ts, $5))::bigint AS bucket,
                    sum(kwh)::float8, (max(kwh) * 4)::float8
             FROM (SELECT ts, sum(kwh) AS kwh FROM {t}
                   WHERE meter_id = ANY($1) AND ts >= $2 AND ts < $3 GROUP BY ts) intervals
             GROUP BY 1 ORDER BY 1 LIMIT $6",
            t = self.readings,
        )
    }

    /// Energy and peak demand per bucket of `width_s` seconds (buckets start at local
    /// midnights of UTC offset `utc_offset_s`, then every `width_s`) summed over `meters`,
    /// for readings in `[from, to)`; buckets without readings are absent.
    pub async fn ami_buckets(
        &self,
        meters: &[i64],
        from: i64,
        to: i64,
        width_s: i64,
        utc_offset_s: i64,
        max_buckets: usize,
    ) -> Result<Vec<BucketValue>, HistoryError> {
        let c = self.client().await?;
        let stmt = c.prepare_cached(&self.ami_sql()).await?;
        let origin = timestamp(-utc_offset_s);
        let limit = i64::try_from(max_buckets).unwrap_or(i64::MAX);
        let rows = c
            .query(
                &stmt,
                &[
                    &meters,
                    &timestamp(from),
                    &timestamp(to),
                    &width_s,
                    &origin,
                    &limit,
                ],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(BucketValue {
                    start: r.try_get(0)?,
                    kwh: r.try_get(1)?,
                    peak_kw: r.try_get(2)?,
                })
            })
            .collect()
    }
}
