//! Major event days by the IEEE 1366-2012 2.5β method.
//!
//! Daily SAIDI is the customer-minutes of sustained interruptions *beginning* on a (local)
//! day divided by customers served (an event spanning midnight accrues to its start day).
//! Over the days with nonzero SAIDI: `α` = mean of `ln(SAIDI_d)`, `β` = their standard
//! deviation (sample, `n − 1`), and `T_MED = exp(α + 2.5β)`. A day whose SAIDI exceeds
//! `T_MED` is a major event day (MED). The standard derives `T_MED` from the five previous
//! years; with only the reporting period at hand we derive it from the period itself unless
//! the caller supplies one.

use std::collections::BTreeMap;

use serde::Serialize;

use super::kpi::{Interruption, KpiConfig};
use super::time::{iso_date, local_day};

/// One major event day.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MajorEventDay {
    /// Local day number (days since 1970-01-01).
    pub day: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The day's SAIDI, minutes.
    pub saidi: f64,
}

/// The MED threshold and the statistics it came from.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MedThreshold {
    /// `T_MED`, minutes of daily SAIDI.
    pub t_med: f64,
    /// Mean of `ln(daily SAIDI)` (`None` when `T_MED` was given).
    pub alpha: Option<f64>,
    /// Sample standard deviation of `ln(daily SAIDI)` (`None` when `T_MED` was given).
    pub beta: Option<f64>,
    /// Days with nonzero SAIDI that entered `α` and `β`.
    pub days_used: usize,
}

/// Local day an event accrues to (its start day).
pub fn event_day(e: &Interruption, utc_offset_s: i64) -> i64 {
    local_day(e.start, utc_offset_s)
}

/// Daily SAIDI (minutes) per local day with sustained interruptions in the period.
pub fn daily_saidi(events: &[Interruption], served: u64, cfg: &KpiConfig) -> BTreeMap<i64, f64> {
    let mut days: BTreeMap<i64, f64> = BTreeMap::new();
    if served == 0 {
        return days;
    }
    for e in events {
        if !cfg.period.contains(e.start) || e.is_momentary() {
            continue;
        }
        *days.entry(event_day(e, cfg.utc_offset_s)).or_default() +=
            e.customer_minutes(cfg.period.end) / served as f64;
    }
    days
}

/// `α`, `β` and `T_MED = exp(α + 2.5β)` from daily SAIDI values; zero (and non-finite)
/// days are ignored. `None` with fewer than two nonzero days (β is undefined).
pub fn threshold(daily: impl IntoIterator<Item = f64>) -> Option<MedThreshold> {
    let logs: Vec<f64> = daily
        .into_iter()
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(f64::ln)
        .collect();
    let n = logs.len();
    if n < 2 {
        return None;
    }
    let alpha = logs.iter().sum::<f64>() / n as f64;
    let var = logs.iter().map(|l| (l - alpha).powi(2)).sum::<f64>() / (n - 1) as f64;
    let beta = var.sqrt();
    Some(MedThreshold {
        t_med: (alpha + 2.5 * beta).exp(),
        alpha: Some(alpha),
        beta: Some(beta),
        days_used: n,
    })
}

/// The threshold (derived, or `cfg.t_med_override`) and the days whose SAIDI exceeds it.
pub fn major_event_days(
    events: &[Interruption],
    served: u64,
    cfg: &KpiConfig,
) -> (Option<MedThreshold>, Vec<MajorEventDay>) {
    let daily = daily_saidi(events, served, cfg);
    let threshold = match cfg.t_med_override {
        Some(t) if t.is_finite() && t > 0.0 => Some(MedThreshold {
            t_med: t,
            alpha: None,
            beta: None,
            days_used: 0,
        }),
        _ => threshold(daily.values().copied()),
    };
    let Some(th) = threshold else {
        return (None, Vec::new());
    };
    let meds = daily
        .iter()
        .filter(|(_, &s)| s > th.t_med)
        .map(|(&day, &saidi)| MajorEventDay {
            day,
            date: iso_date(day),
            saidi,
        })
        .collect();
    (Some(th), meds)
}
