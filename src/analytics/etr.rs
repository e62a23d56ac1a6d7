//! Estimated restoration times (ETR) from the outage history: the median and 90th
//! percentile duration of past sustained outages with the same cause and device kind,
//! falling back to the same cause, then to every outage, when a group has fewer than
//! [`MIN_SAMPLES`] outages.
//!
//! [`DurationTable`] holds the statistics per group: built from the durations of a history
//! ([`DurationTable::from_samples`], the synthetic history) or from statistics computed
//! elsewhere ([`DurationTable::insert`], PostgreSQL's `percentile_cont` per grouping set).
//! Percentiles interpolate linearly between order statistics, as `percentile_cont` does, so
//! both backends give the same numbers for the same events.
//!
//! An estimate for an outage that has lasted `elapsed` minutes ([`DurationTable::estimate`]):
//! the expected total duration is the median while `elapsed` is below it, then the 90th
//! percentile, then `elapsed` plus the spread `p90 − median` (at least
//! [`MIN_OVERRUN_MIN`]): an outage that has outlived most of its kind is expected to take a
//! while yet. Confidence: `high` with at least [`HIGH_SAMPLES`] outages and
//! `p90 / median ≤` [`HIGH_SPREAD`]; `medium` with at least [`MEDIUM_SAMPLES`] and a spread
//! up to [`MEDIUM_SPREAD`]; otherwise `low`; one step lower once the outage has outlived
//! the median, `low` beyond the 90th percentile.

use std::collections::HashMap;

use serde::Serialize;

/// The contract's name of a device kind: `breaker`, `recloser`, `fuse`, `sectionalizer`,
/// or `switch` (tie switches and plain disconnects).
pub fn device_kind_name(kind: crate::topology::DeviceKind) -> &'static str {
    use crate::topology::DeviceKind as K;
    match kind {
        K::Breaker => "breaker",
        K::Recloser => "recloser",
        K::Fuse => "fuse",
        K::Sectionalizer => "sectionalizer",
        K::TieSwitch | K::Other => "switch",
    }
}

/// The durations of the sustained, ended interruptions of a history (the synthetic
/// history records no device: cause only).
pub fn samples_of<'a>(
    events: impl IntoIterator<Item = &'a super::kpi::Interruption>,
) -> Vec<DurationSample> {
    events
        .into_iter()
        .filter(|e| e.end.is_some() && !e.is_momentary())
        .map(|e| DurationSample {
            cause: e.cause.as_str().to_owned(),
            device_kind: None,
            minutes: e.duration_minutes(e.start),
        })
        .collect()
}

/// Outages a group needs to be used (else the next, wider group is).
pub const MIN_SAMPLES: u64 = 5;
/// Outages for `high` confidence.
pub const HIGH_SAMPLES: u64 = 30;
/// Outages for `medium` confidence.
pub const MEDIUM_SAMPLES: u64 = 10;
/// Largest `p90 / median` for `high` confidence.
pub const HIGH_SPREAD: f64 = 2.5;
/// Largest `p90 / median` for `medium` confidence.
pub const MEDIUM_SPREAD: f64 = 4.0;
/// Least time still expected once an outage has outlived the 90th percentile, minutes.
pub const MIN_OVERRUN_MIN: f64 = 15.0;

/// Which history an estimate came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum Basis {
    /// Outages with the same cause and device kind.
    #[serde(rename = "cause+device_kind")]
    CauseAndDeviceKind,
    /// Outages with the same cause.
    #[serde(rename = "cause")]
    Cause,
    /// Every outage.
    #[serde(rename = "all")]
    All,
}

/// How far an estimate can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    fn lower(self) -> Confidence {
        match self {
            Confidence::High => Confidence::Medium,
            _ => Confidence::Low,
        }
    }
}

/// Duration statistics of one group of outages, minutes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DurationStats {
    pub count: u64,
    pub median: f64,
    pub p90: f64,
}

/// The estimate for one outage.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Expected total duration, minutes from the start.
    pub total_minutes: f64,
    /// Expected minutes still to go (never negative).
    pub minutes_remaining: f64,
    pub median_minutes: f64,
    pub p90_minutes: f64,
    pub confidence: Confidence,
    pub basis: Basis,
    pub sample_size: u64,
}

/// One past outage: its cause, the kind of device that operated (when the history
/// records it) and its duration in minutes.
#[derive(Clone, Debug, PartialEq)]
pub struct DurationSample {
    pub cause: String,
    pub device_kind: Option<String>,
    pub minutes: f64,
}

/// Group key: (cause, device kind); `(None, None)` is every outage.
type Key = (Option<String>, Option<String>);

/// Duration statistics per (cause, device kind), per cause and overall.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DurationTable {
    groups: HashMap<Key, DurationStats>,
}

/// The `q` quantile (0–1) of sorted `v` by linear interpolation (`percentile_cont`).
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

fn stats(mut minutes: Vec<f64>) -> Option<DurationStats> {
    minutes.sort_by(f64::total_cmp);
    Some(DurationStats {
        count: minutes.len() as u64,
        median: quantile(&minutes, 0.5)?,
        p90: quantile(&minutes, 0.9)?,
    })
}

impl DurationTable {
    /// The table of `samples` (non-finite or negative durations are left out).
    pub fn from_samples<'a>(samples: impl IntoIterator<Item = &'a DurationSample>) -> Self {
        let mut lists: HashMap<Key, Vec<f64>> = HashMap::new();
        for s in samples {
            if !(s.minutes.is_finite() && s.minutes >= 0.0) {
                continue;
            }
            lists.entry((None, None)).or_default().push(s.minutes);
            lists
                .entry((Some(s.cause.clone()), None))
                .or_default()
                .push(s.minutes);
            if let Some(k) = &s.device_kind {
                lists
                    .entry((Some(s.cause.clone()), Some(k.clone())))
                    .or_default()
                    .push(s.minutes);
            }
        }
        DurationTable {
            groups: lists
                .into_iter()
                .filter_map(|(k, v)| Some((k, stats(v)?)))
                .collect(),
        }
    }

    /// Sets the statistics of a group computed elsewhere: `cause` and `device_kind` both
    /// `None` for every outage, `device_kind` `None` for a whole cause.
    pub fn insert(&mut self, cause: Option<&str>, device_kind: Option<&str>, s: DurationStats) {
        if cause.is_none() && device_kind.is_some() {
            return;
        }
        let key = (cause.map(str::to_owned), device_kind.map(str::to_owned));
        self.groups.insert(key, s);
    }

    /// Statistics of one group, if it has any outage.
    pub fn group(&self, cause: Option<&str>, device_kind: Option<&str>) -> Option<DurationStats> {
        let key = (cause.map(str::to_owned), device_kind.map(str::to_owned));
        self.groups.get(&key).copied()
    }

    /// The narrowest group with at least [`MIN_SAMPLES`] outages (or every outage, however
    /// few), and its basis.
    fn pick(
        &self,
        cause: Option<&str>,
        device_kind: Option<&str>,
    ) -> Option<(DurationStats, Basis)> {
        let enough = |s: &DurationStats| s.count >= MIN_SAMPLES;
        if let (Some(c), Some(k)) = (cause, device_kind) {
            if let Some(s) = self.group(Some(c), Some(k)).filter(enough) {
                return Some((s, Basis::CauseAndDeviceKind));
            }
        }
        if let Some(c) = cause {
            if let Some(s) = self.group(Some(c), None).filter(enough) {
                return Some((s, Basis::Cause));
            }
        }
        self.group(None, None)
            .filter(|s| s.count > 0)
            .map(|s| (s, Basis::All))
    }

    /// The estimate for an outage of `cause` at a device of `device_kind` that has lasted
    /// `elapsed_minutes`; `None` when the history has no outage at all.
    pub fn estimate(
        &self,
        cause: Option<&str>,
        device_kind: Option<&str>,
        elapsed_minutes: f64,
    ) -> Option<Estimate> {
        let (s, basis) = self.pick(cause, device_kind)?;
        let elapsed = elapsed_minutes.max(0.0);
        let spread = if s.median > 0.0 {
            s.p90 / s.median
        } else {
            f64::INFINITY
        };
        let mut confidence = if s.count >= HIGH_SAMPLES && spread <= HIGH_SPREAD {
            Confidence::High
        } else if s.count >= MEDIUM_SAMPLES && spread <= MEDIUM_SPREAD {
            Confidence::Medium
        } else {
            Confidence::Low
        };
        let total = if elapsed < s.median {
            s.median
        } else if elapsed < s.p90 {
            confidence = confidence.lower();
            s.p90
        } else {
            confidence = Confidence::Low;
            elapsed + (s.p90 - s.median).max(MIN_OVERRUN_MIN)
        };
        Some(Estimate {
            total_minutes: total,
            minutes_remaining: (total - elapsed).max(0.0),
            median_minutes: s.median,
            p90_minutes: s.p90,
            confidence,
            basis,
            sample_size: s.count,
        })
    }

    /// True when the table has no outage.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(cause: &str, kind: Option<&str>, minutes: f64) -> DurationSample {
        DurationSample {
            cause: cause.into(),
            device_kind: kind.map(Into::into),
            minutes,
        }
    }

    #[test]
    fn quantiles_interpolate_like_percentile_cont() {
        let v = [10.0, 20.0, 30.0, 40.0];
        assert_eq!(quantile(&v, 0.5), Some(25.0));
        // pos = 0.9 * 3 = 2.7: 30 + 0.7 * 10.
        assert!((quantile(&v, 0.9).unwrap() - 37.0).abs() < 1e-9);
        assert_eq!(quantile(&[5.0], 0.9), Some(5.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn falls_back_from_cause_and_kind_to_cause_to_all() {
        let mut s: Vec<DurationSample> = (1..=40)
            .map(|i| sample("vegetation", Some("fuse"), 100.0 + i as f64))
            .collect();
        // Three recloser outages: too few for their own group.
        s.extend((0..3).map(|_| sample("vegetation", Some("recloser"), 500.0)));
        s.extend((0..4).map(|_| sample("animal", None, 30.0)));
        let t = DurationTable::from_samples(&s);
        let fuse = t.estimate(Some("vegetation"), Some("fuse"), 0.0).unwrap();
        assert_eq!(fuse.basis, Basis::CauseAndDeviceKind);
        assert_eq!(fuse.sample_size, 40);
        assert!((fuse.median_minutes - 120.5).abs() < 1e-9);
        assert_eq!(fuse.confidence, Confidence::High);
        let rec = t
            .estimate(Some("vegetation"), Some("recloser"), 0.0)
            .unwrap();
        assert_eq!((rec.basis, rec.sample_size), (Basis::Cause, 43));
        // Four animal outages are too few: every outage.
        let animal = t.estimate(Some("animal"), None, 0.0).unwrap();
        assert_eq!((animal.basis, animal.sample_size), (Basis::All, 47));
        let none = t.estimate(None, None, 0.0).unwrap();
        assert_eq!(none.basis, Basis::All);
        assert!(DurationTable::default()
            .estimate(Some("x"), None, 0.0)
            .is_none());
    }

    #[test]
    fn expected_total_grows_as_the_outage_outlives_its_kind() {
        let s: Vec<DurationSample> = (0..100)
            .map(|i| sample("equipment", None, 60.0 + i as f64))
            .collect();
        let t = DurationTable::from_samples(&s);
        let st = t.group(Some("equipment"), None).unwrap();
        let early = t.estimate(Some("equipment"), None, 10.0).unwrap();
        assert_eq!(early.total_minutes, st.median);
        assert!((early.minutes_remaining - (st.median - 10.0)).abs() < 1e-9);
        assert_eq!(early.confidence, Confidence::High);
        let late = t
            .estimate(Some("equipment"), None, st.median + 1.0)
            .unwrap();
        assert_eq!(late.total_minutes, st.p90);
        assert_eq!(late.confidence, Confidence::Medium);
        let over = t.estimate(Some("equipment"), None, 500.0).unwrap();
        assert_eq!(over.total_minutes, 500.0 + (st.p90 - st.median));
        assert_eq!(over.confidence, Confidence::Low);
    }

    #[test]
    fn confidence_follows_sample_size_and_spread() {
        let few: Vec<DurationSample> = (0..12)
            .map(|i| sample("a", None, 50.0 + i as f64))
            .collect();
        let t = DurationTable::from_samples(&few);
        assert_eq!(
            t.estimate(Some("a"), None, 0.0).unwrap().confidence,
            Confidence::Medium
        );
        // Wide spread: p90 far above the median.
        let mut wide: Vec<DurationSample> = (0..70).map(|_| sample("b", None, 10.0)).collect();
        wide.extend((0..30).map(|_| sample("b", None, 1000.0)));
        let t = DurationTable::from_samples(&wide);
        assert_eq!(
            t.estimate(Some("b"), None, 0.0).unwrap().confidence,
            Confidence::Low
        );
        let mut t = DurationTable::default();
        let st = DurationStats {
            count: 8,
            median: 90.0,
            p90: 120.0,
        };
        t.insert(Some("c"), Some("fuse"), st);
        t.insert(None, Some("fuse"), st);
        assert_eq!(
            t.group(None, Some("fuse")),
            None,
            "a kind without a cause is no group"
        );
        let e = t.estimate(Some("c"), Some("fuse"), 0.0).unwrap();
        assert_eq!(
            (e.basis, e.confidence),
            (Basis::CauseAndDeviceKind, Confidence::Low)
        );
    }
}
