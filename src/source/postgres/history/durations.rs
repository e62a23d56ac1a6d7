//! Outage durations by cause and device kind from `outage_events` (for restoration
//! estimates): count, median and 90th percentile (`percentile_cont`) of the sustained
//! (longer than 5 minutes), ended events starting in a period, per (cause, device type),
//! per cause and overall in one `GROUPING SETS` query. The device type is the
//! `device_type` of the `switches` row named by `device_id` (a `LEFT JOIN`: events without
//! a device, or whose device is gone, count for their cause only); when the schema has no
//! `switches` table the query runs without it (cause and overall groups only).

use crate::source::postgres::history::{timestamp, HistoryError, PgHistory};

/// Statistics of one group of past outages (minutes).
#[derive(Clone, Debug, PartialEq)]
pub struct DurationGroup {
    /// `None`: every cause (the overall group).
    pub cause: Option<String>,
    /// `None`: every device (a cause group, or the overall one).
    pub device_type: Option<String>,
    pub count: u64,
    pub median: f64,
    pub p90: f64,
}

impl PgHistory {
    /// Groups a duration query returns at most.
    pub const MAX_DURATION_GROUPS: usize = 10_000;

    /// The durations query over `[$1, $2)`, at most `$3` groups; `with_devices`: joined to
    /// the switches table for the device type.
    pub fn durations_sql(&self, with_devices: bool) -> String {
        let (kind, join) = if with_devices {
            (
                "s.device_type",
                format!("LEFT JOIN {} s ON s.id = e.device_id", self.switches),
            )
        } else {
            ("NULL::text", String::new())
        };
        format!(
            "SELECT cause, kind, grouping(cause, kind)::int4, count(*)::bigint,
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes)::float8,
                    percentile_cont(0.9) WITHIN GROUP (ORDER BY minutes)::float8
             FROM (SELECT e.cause COLLATE \"C\" AS cause, {kind} COLLATE \"C\" AS kind,
                          extract(epoch FROM e.end_time - e.start_time)::float8 / 60 AS minutes
                   FROM {t} e {join}
                   WHERE e.start_time >= $1 AND e.start_time < $2 AND e.end_time IS NOT NULL
                     AND e.end_time - e.start_time > interval '5 minutes') d
             GROUP BY GROUPING SETS ((cause, kind), (cause), ())
             ORDER BY 3 DESC, 1, 2 LIMIT $3",
            t = self.outages,
        )
    }

    /// Duration statistics of the outages starting in `[from, to)`: the overall group,
    /// each cause, each (cause, device type) with a device type.
    pub async fn duration_groups(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<DurationGroup>, HistoryError> {
        match self.query_durations(from, to, true).await {
            Err(HistoryError::MissingTable(t)) if !t.contains("outage_events") => {
                tracing::debug!("no switches table: outage durations by cause only");
                self.query_durations(from, to, false).await
            }
            other => other,
        }
    }

    async fn query_durations(
        &self,
        from: i64,
        to: i64,
        with_devices: bool,
    ) -> Result<Vec<DurationGroup>, HistoryError> {
        let c = self.client().await?;
        let stmt = c.prepare_cached(&self.durations_sql(with_devices)).await?;
        let limit = Self::MAX_DURATION_GROUPS as i64;
        let rows = c
            .query(&stmt, &[&timestamp(from), &timestamp(to), &limit])
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let grouping: i32 = r.try_get(2)?;
            let cause: Option<String> = r.try_get(0)?;
            let kind: Option<String> = r.try_get(1)?;
            let (cause, device_type) = match grouping {
                // (cause, kind): only rows with a device type are their own group.
                0 if kind.is_some() => (cause, kind),
                0 => continue,
                1 => (cause, None),
                _ => (None, None),
            };
            out.push(DurationGroup {
                cause,
                device_type,
                count: u64::try_from(r.try_get::<_, i64>(3)?).unwrap_or(0),
                median: r.try_get(4)?,
                p90: r.try_get(5)?,
            });
        }
        Ok(out)
    }
}
