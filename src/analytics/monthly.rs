//! Reliability history by calendar month and the worst feeders of a period, from the same
//! per-day, per-feeder sums as the period's indices ([`super::daily`]), so they add up to
//! the period's numbers.
//!
//! [`monthly`] splits a period at local month boundaries and computes each month's indices
//! from its rows. Major event days are those of the whole period (its 2.5β threshold is
//! applied to every month), so a month's `excluding_meds` leaves out exactly the period's
//! major event days that fall in it, and the months' customer-minutes sum to the period's.
//! [`worst_feeders`] ranks the feeders with sustained interruptions by customer-minutes.

use super::daily::{report_from_days, DayFeeder};
use super::kpi::{CustomerBase, GroupBy, GroupIndices, KpiConfig, Period, ReliabilityIndices};
use super::time::{civil_from_days, day_start, days_from_civil, local_day};

/// Months a period may span at most (ten years).
pub const MAX_MONTHS: usize = 120;

/// One month of a period.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthIndices {
    /// `YYYY-MM`.
    pub month: String,
    /// The part of the month inside the period.
    pub period: Period,
    pub all: ReliabilityIndices,
    pub excluding_meds: ReliabilityIndices,
    /// Major event days (of the whole period) in this month.
    pub med_days: usize,
}

/// The local months `[start, end)` overlapping `period`, clipped to it, oldest first (at
/// most [`MAX_MONTHS`]).
pub fn months(period: &Period, utc_offset_s: i64) -> Vec<(String, Period)> {
    let mut out = Vec::new();
    if period.end <= period.start {
        return out;
    }
    let (mut y, mut m, _) = civil_from_days(local_day(period.start, utc_offset_s));
    while out.len() < MAX_MONTHS {
        let start = day_start(days_from_civil(y, m, 1), utc_offset_s);
        if start >= period.end {
            break;
        }
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let end = day_start(days_from_civil(ny, nm, 1), utc_offset_s);
        out.push((
            format!("{y:04}-{m:02}"),
            Period {
                start: start.max(period.start),
                end: end.min(period.end),
            },
        ));
        (y, m) = (ny, nm);
    }
    out
}

/// The indices of every month of `cfg.period` from the period's rows (`parts`, as for
/// [`report_from_days`]).
pub fn monthly(parts: &[&[DayFeeder]], base: &CustomerBase, cfg: &KpiConfig) -> Vec<MonthIndices> {
    let (whole, _) = report_from_days(parts, base, cfg, None);
    // The period's threshold for every month; none: no major event days anywhere.
    let t_med = whole.threshold.map_or(f64::MAX, |t| t.t_med);
    let off = cfg.utc_offset_s;
    months(&cfg.period, off)
        .into_iter()
        .map(|(month, period)| {
            let (lo, hi) = (local_day(period.start, off), local_day(period.end - 1, off));
            let rows: Vec<DayFeeder> = parts
                .iter()
                .flat_map(|p| p.iter())
                .filter(|r| r.day >= lo && r.day <= hi)
                .copied()
                .collect();
            let month_cfg = KpiConfig {
                period,
                utc_offset_s: off,
                t_med_override: Some(t_med),
            };
            let (r, _) = report_from_days(&[&rows], base, &month_cfg, None);
            let med_days = whole
                .major_event_days
                .iter()
                .filter(|d| d.day >= lo && d.day <= hi)
                .count();
            MonthIndices {
                month,
                period,
                all: r.all,
                excluding_meds: r.excluding_meds,
                med_days,
            }
        })
        .collect()
}

/// The feeders with sustained interruptions in the period of `cfg`, by customer-minutes
/// (most first; ties by feeder id), with the substation each was seen on.
pub fn worst_feeders(
    parts: &[&[DayFeeder]],
    base: &CustomerBase,
    cfg: &KpiConfig,
) -> Vec<(GroupIndices, i64)> {
    let (_, groups) = report_from_days(parts, base, cfg, Some(GroupBy::Feeder));
    let mut substation = std::collections::BTreeMap::new();
    for r in parts.iter().flat_map(|p| p.iter()) {
        substation.entry(r.feeder_id).or_insert(r.substation_id);
    }
    let mut list: Vec<(GroupIndices, i64)> = groups
        .into_iter()
        .filter(|g| g.all.sustained_events > 0)
        .map(|g| {
            let sub = substation.get(&g.id).copied().unwrap_or(-1);
            (g, sub)
        })
        .collect();
    list.sort_by(|a, b| {
        b.0.all
            .customer_minutes
            .total_cmp(&a.0.all.customer_minutes)
            .then(a.0.id.cmp(&b.0.id))
    });
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::daily::aggregate;
    use crate::analytics::kpi::{Cause, Interruption};
    use crate::analytics::time::HOUSTON_UTC_OFFSET_S as OFF;
    use std::collections::BTreeMap;

    fn ev(id: u64, feeder: i64, start: i64, minutes: i64, n: u64) -> Interruption {
        Interruption {
            id,
            start,
            end: Some(start + minutes * 60),
            customers_interrupted: n,
            customer_minutes: None,
            feeder_id: feeder,
            substation_id: feeder / 10,
            cause: Cause::Equipment,
        }
    }

    fn base() -> CustomerBase {
        let by_feeder: BTreeMap<i64, u64> = [(10, 100), (20, 300)].into();
        CustomerBase {
            total: 400,
            by_feeder,
            by_substation: [(1, 100), (2, 300)].into(),
        }
    }

    #[test]
    fn months_are_clipped_local_calendar_months() {
        let jan15 = day_start(days_from_civil(2025, 1, 15), OFF);
        let mar3 = day_start(days_from_civil(2025, 3, 3), OFF);
        let m = months(
            &Period {
                start: jan15,
                end: mar3,
            },
            OFF,
        );
        let names: Vec<&str> = m.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(names, ["2025-01", "2025-02", "2025-03"]);
        assert_eq!(m[0].1.start, jan15);
        assert_eq!(m[1].1.start, day_start(days_from_civil(2025, 2, 1), OFF));
        assert_eq!(m[1].1.end, day_start(days_from_civil(2025, 3, 1), OFF));
        assert_eq!(m[2].1.end, mar3);
        let dec = day_start(days_from_civil(2024, 12, 1), OFF);
        let feb = day_start(days_from_civil(2025, 2, 1), OFF);
        let m = months(
            &Period {
                start: dec,
                end: feb,
            },
            OFF,
        );
        assert_eq!(
            m.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
            ["2024-12", "2025-01"]
        );
        assert!(months(
            &Period {
                start: feb,
                end: feb
            },
            OFF
        )
        .is_empty());
    }

    #[test]
    fn months_add_up_to_the_period_and_feeders_rank_by_customer_minutes() {
        let d = |m, day| day_start(days_from_civil(2025, m, day), OFF) + 3600 * 10;
        let events = vec![
            ev(1, 10, d(1, 5), 60, 10),
            ev(2, 20, d(1, 20), 30, 100),
            ev(3, 20, d(2, 2), 120, 50),
            ev(4, 10, d(3, 1), 10, 5),
        ];
        let rows = aggregate(&events, &base().by_feeder, i64::MAX, OFF);
        let period = Period {
            start: day_start(days_from_civil(2025, 1, 1), OFF),
            end: day_start(days_from_civil(2025, 4, 1), OFF),
        };
        let cfg = KpiConfig {
            period,
            utc_offset_s: OFF,
            t_med_override: None,
        };
        let months = monthly(&[&rows], &base(), &cfg);
        assert_eq!(months.len(), 3);
        let cmi: Vec<f64> = months.iter().map(|m| m.all.customer_minutes).collect();
        assert_eq!(cmi, [600.0 + 3000.0, 6000.0, 50.0]);
        let (whole, _) = report_from_days(&[&rows], &base(), &cfg, None);
        let sum: f64 = months.iter().map(|m| m.all.saidi).sum();
        assert!((sum - whole.all.saidi).abs() < 1e-9);
        assert_eq!(months[0].all.customer_interruptions, 110);
        let worst = worst_feeders(&[&rows], &base(), &cfg);
        assert_eq!(
            worst.iter().map(|w| (w.0.id, w.1)).collect::<Vec<_>>(),
            [(20, 2), (10, 1)]
        );
        assert_eq!(worst[0].0.all.customer_minutes, 9000.0);
        assert!(
            (worst[0].0.all.saidi - 30.0).abs() < 1e-9,
            "per feeder customer"
        );
    }
}
