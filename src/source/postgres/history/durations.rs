//! Outage durations by cause and device kind from `outage_events` (for restoration
//! estimates): count, median and 90th percentile (`percentile_cont`) of the sustained
//! (longer than 5 minutes), ended events starting in a period, per (cause, device type),
//! per cause and overall in one `GROUPING SETS` query. The device type is the
//! `device_type` of the `switches` row named by `device_id` (a `LEFT JOIN`: events without
//! a device, or whose device is gone, count for their cause only); when the schema has no
//! `switches` table the query runs without it (cause and overall groups only).

use crate::analytics::etr::{device_kind_name, DurationStats, DurationTable};
use crate::source::postgres::history::{timestamp, HistoryError, PgHistory};
use crate::topology::TopologySchema;

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

impl DurationGroup {
    /// The table of PostgreSQL's duration groups, device types named as the contract does
    /// (`tie_switch` and unknown types are `switch`; of two groups that become one, the larger
    /// is kept).
    pub fn table(groups: &[DurationGroup]) -> DurationTable {
        let schema = TopologySchema::default();
        let mut table = DurationTable::default();
        // Smallest first: a later (larger) group replaces an earlier one of the same key.
        let mut sorted: Vec<&DurationGroup> = groups.iter().collect();
        sorted.sort_by_key(|g| g.count);
        for g in sorted {
            let kind = g
                .device_type
                .as_deref()
                .map(|t| device_kind_name(schema.device_kind(t)));
            let stats = DurationStats {
                count: g.count,
                median: g.median,
                p90: g.p90,
            };
            table.insert(g.cause.as_deref(), kind, stats);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(cause: Option<&str>, device: Option<&str>, count: u64, median: f64) -> DurationGroup {
        DurationGroup {
            cause: cause.map(str::to_owned),
            device_type: device.map(str::to_owned),
            count,
            median,
            p90: median * 2.0,
        }
    }

    #[test]
    fn device_types_are_named_as_the_contract_and_the_larger_group_wins() {
        let table = DurationGroup::table(&[
            group(Some("storm"), Some("tie_switch"), 40, 90.0),
            group(Some("storm"), Some("disconnect"), 7, 30.0),
            group(Some("storm"), Some("fuse"), 12, 60.0),
            group(Some("storm"), None, 59, 80.0),
            group(None, None, 100, 70.0),
        ]);
        // tie_switch and an unknown type are both "switch": the 40-event group is kept.
        let switch = table.group(Some("storm"), Some("switch")).unwrap();
        assert_eq!((switch.count, switch.median), (40, 90.0));
        assert_eq!(table.group(Some("storm"), Some("fuse")).unwrap().count, 12);
        assert_eq!(table.group(Some("storm"), None).unwrap().count, 59);
        assert_eq!(table.group(None, None).unwrap().median, 70.0);
        assert!(table.group(Some("animal"), None).is_none());
    }
}
