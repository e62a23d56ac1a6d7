//! IEEE 1366-2012 reliability indices from a list of interruption events.
//!
//! With `N_T` customers served, sustained interruption `i` (longer than 5 minutes)
//! interrupting `N_i` customers for `r_i` minutes, and momentary interruption `j` (5 minutes
//! or less) interrupting `M_j` customers, over a period of `T` minutes:
//!
//! | index | formula |
//! | --- | --- |
//! | SAIFI | `Σ N_i / N_T` |
//! | SAIDI | `Σ r_i·N_i / N_T` (minutes) |
//! | CAIDI | `Σ r_i·N_i / Σ N_i` = SAIDI / SAIFI (minutes) |
//! | MAIFI | `Σ M_j / N_T` (each momentary event counted once) |
//! | CAIFI | `Σ N_i / CN`, `CN` = distinct customers with ≥ 1 sustained interruption |
//! | ASAI  | `1 − Σ r_i·N_i / (N_T·T)` |
//!
//! `r_i·N_i` is an event's customer-minutes: given explicitly (step restoration) or
//! `N_i × duration`. An ongoing event (no end) is sustained, with its duration measured to
//! the end of the period. Events count in the period in which they start.
//!
//! **CAIFI approximation.** Events carry customer counts, not customer identities, so `CN`
//! is estimated per feeder: assuming each event on feeder `f` (serving `S_f`) interrupts a
//! uniformly random subset of its customers independently of the others, the expected number
//! of distinct customers interrupted is `S_f·(1 − Π_i (1 − N_i/S_f))`. It lies between the
//! largest single event and `min(S_f, Σ N_i)`; for a feeder with unknown `S_f` the largest
//! event is used. `CN` is the sum over feeders.
//!
//! Ratios with a zero denominator are 0 (ASAI is 1 when nothing is served).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::med::{self, MajorEventDay, MedThreshold};

/// Longest momentary interruption, in minutes (IEEE 1366-2012: sustained is > 5 min).
pub const MOMENTARY_MAX_MINUTES: f64 = 5.0;

/// What caused an interruption.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    Vegetation,
    Equipment,
    Weather,
    Animal,
    Vehicle,
    Unknown,
}

impl Cause {
    /// Every cause, in declaration order.
    pub const ALL: [Cause; 6] = [
        Cause::Vegetation,
        Cause::Equipment,
        Cause::Weather,
        Cause::Animal,
        Cause::Vehicle,
        Cause::Unknown,
    ];

    /// The cause's name as serialized (`vegetation`, …, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Vegetation => "vegetation",
            Cause::Equipment => "equipment",
            Cause::Weather => "weather",
            Cause::Animal => "animal",
            Cause::Vehicle => "vehicle",
            Cause::Unknown => "unknown",
        }
    }
}

/// One interruption event on a feeder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Interruption {
    pub id: u64,
    /// Start, Unix seconds (UTC).
    pub start: i64,
    /// Restoration, Unix seconds; `None` while ongoing.
    pub end: Option<i64>,
    pub customers_interrupted: u64,
    /// Customer-minutes if not `customers × duration` (e.g. restored in steps).
    pub customer_minutes: Option<f64>,
    pub feeder_id: i64,
    pub substation_id: i64,
    pub cause: Cause,
}

impl Interruption {
    /// Duration in minutes, an ongoing event measured to `as_of` (never negative).
    pub fn duration_minutes(&self, as_of: i64) -> f64 {
        let end = self.end.unwrap_or(as_of);
        (end.saturating_sub(self.start)).max(0) as f64 / 60.0
    }

    /// True for a momentary interruption: ended within 5 minutes. Ongoing events are
    /// sustained.
    pub fn is_momentary(&self) -> bool {
        self.end
            .is_some_and(|_| self.duration_minutes(self.start) <= MOMENTARY_MAX_MINUTES)
    }

    /// Customer-minutes of interruption: customers × duration, or the explicit value when
    /// it is valid (finite, not negative, at most customers × duration).
    pub fn customer_minutes(&self, as_of: i64) -> f64 {
        let full = self.customers_interrupted as f64 * self.duration_minutes(as_of);
        match self.customer_minutes {
            Some(cm) if cm.is_finite() && cm >= 0.0 => cm.min(full),
            _ => full,
        }
    }
}

/// A reporting period `[start, end)` in Unix seconds; `end` is also the "as of" time for
/// ongoing events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Period {
    pub start: i64,
    pub end: i64,
}

impl Period {
    /// Length in minutes (0 if empty).
    pub fn minutes(&self) -> f64 {
        (self.end.saturating_sub(self.start)).max(0) as f64 / 60.0
    }

    /// True when `t` lies in the period.
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start && t < self.end
    }
}

/// Customers served: in total and per feeder and substation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CustomerBase {
    pub total: u64,
    pub by_feeder: BTreeMap<i64, u64>,
    pub by_substation: BTreeMap<i64, u64>,
}

/// The indices with the sums they come from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReliabilityIndices {
    pub customers_served: u64,
    pub sustained_events: u64,
    pub momentary_events: u64,
    /// `Σ N_i` over sustained events.
    pub customer_interruptions: u64,
    /// `Σ r_i·N_i` over sustained events.
    pub customer_minutes: f64,
    /// `Σ M_j` over momentary events.
    pub momentary_customer_interruptions: u64,
    /// `CN`, estimated (see the module docs).
    pub distinct_customers_interrupted: f64,
    pub saifi: f64,
    pub saidi: f64,
    pub caidi: f64,
    pub maifi: f64,
    pub caifi: f64,
    pub asai: f64,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

/// Indices of `events` starting in `period` for `served` customers; `feeder_served` gives
/// each feeder's customers for the CAIFI estimate.
pub fn indices<'a>(
    events: impl IntoIterator<Item = &'a Interruption>,
    served: u64,
    feeder_served: &BTreeMap<i64, u64>,
    period: &Period,
) -> ReliabilityIndices {
    let mut r = ReliabilityIndices {
        customers_served: served,
        ..ReliabilityIndices::default()
    };
    // Per feeder: (largest event, Π (1 − N_i/S_f)).
    let mut per_feeder: BTreeMap<i64, (u64, f64)> = BTreeMap::new();
    for e in events.into_iter().filter(|e| period.contains(e.start)) {
        if e.is_momentary() {
            r.momentary_events += 1;
            r.momentary_customer_interruptions = r
                .momentary_customer_interruptions
                .saturating_add(e.customers_interrupted);
            continue;
        }
        r.sustained_events += 1;
        r.customer_interruptions = r
            .customer_interruptions
            .saturating_add(e.customers_interrupted);
        r.customer_minutes += e.customer_minutes(period.end);
        let s_f = feeder_served.get(&e.feeder_id).copied().unwrap_or(0);
        let entry = per_feeder.entry(e.feeder_id).or_insert((0, 1.0));
        entry.0 = entry.0.max(e.customers_interrupted);
        if s_f > 0 {
            entry.1 *= 1.0 - (e.customers_interrupted.min(s_f) as f64 / s_f as f64);
        }
    }
    r.distinct_customers_interrupted = per_feeder
        .iter()
        .map(|(f, &(largest, keep))| match feeder_served.get(f) {
            Some(&s) if s > 0 => s as f64 * (1.0 - keep),
            _ => largest as f64,
        })
        .sum();
    r.with_ratios(period)
}

impl ReliabilityIndices {
    /// Fills in the indices from the sums (`customers_served`, the event sums and `CN`)
    /// over `period`.
    pub fn with_ratios(mut self, period: &Period) -> ReliabilityIndices {
        let n_t = self.customers_served as f64;
        let ci = self.customer_interruptions as f64;
        self.saifi = ratio(ci, n_t);
        self.saidi = ratio(self.customer_minutes, n_t);
        self.caidi = ratio(self.customer_minutes, ci);
        self.maifi = ratio(self.momentary_customer_interruptions as f64, n_t);
        self.caifi = ratio(ci, self.distinct_customers_interrupted);
        let available = n_t * period.minutes();
        self.asai = if available > 0.0 {
            (1.0 - self.customer_minutes / available).clamp(0.0, 1.0)
        } else {
            1.0
        };
        self
    }
}

/// How to report: the period and the local-day convention for major event days.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KpiConfig {
    pub period: Period,
    /// Offset of local time from UTC, seconds (days for MEDs are local days).
    pub utc_offset_s: i64,
    /// Use this `T_MED` (minutes) instead of deriving it from the period's daily SAIDI (the
    /// standard derives it from the five preceding years when they are available).
    pub t_med_override: Option<f64>,
}

/// System indices with and without major event days.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct KpiReport {
    pub period: Period,
    pub all: ReliabilityIndices,
    pub excluding_meds: ReliabilityIndices,
    /// The 2.5β threshold (`None`: fewer than two days with sustained interruptions).
    pub threshold: Option<MedThreshold>,
    pub major_event_days: Vec<MajorEventDay>,
}

/// System-wide indices for `events` over `base`, with the 2.5β major event days.
pub fn report(events: &[Interruption], base: &CustomerBase, cfg: &KpiConfig) -> KpiReport {
    let (threshold, meds) = med::major_event_days(events, base.total, cfg);
    let med_days: BTreeSet<i64> = meds.iter().map(|d| d.day).collect();
    let normal = events
        .iter()
        .filter(|e| !med_days.contains(&med::event_day(e, cfg.utc_offset_s)));
    KpiReport {
        period: cfg.period,
        all: indices(events, base.total, &base.by_feeder, &cfg.period),
        excluding_meds: indices(normal, base.total, &base.by_feeder, &cfg.period),
        threshold,
        major_event_days: meds,
    }
}

/// Grouping of a breakdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Feeder,
    Substation,
}

/// Indices of one feeder or substation.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GroupIndices {
    pub id: i64,
    pub all: ReliabilityIndices,
    pub excluding_meds: ReliabilityIndices,
}

/// Indices per feeder or substation (every group with customers or events, by id).
/// Major event days are the system's (IEEE 1366 identifies them system-wide).
pub fn breakdown(
    events: &[Interruption],
    base: &CustomerBase,
    cfg: &KpiConfig,
    group: GroupBy,
) -> Vec<GroupIndices> {
    let (_, meds) = med::major_event_days(events, base.total, cfg);
    let med_days: BTreeSet<i64> = meds.iter().map(|d| d.day).collect();
    let key = |e: &Interruption| match group {
        GroupBy::Feeder => e.feeder_id,
        GroupBy::Substation => e.substation_id,
    };
    let served = match group {
        GroupBy::Feeder => &base.by_feeder,
        GroupBy::Substation => &base.by_substation,
    };
    let mut groups: BTreeMap<i64, Vec<&Interruption>> =
        served.keys().map(|&k| (k, Vec::new())).collect();
    for e in events {
        groups.entry(key(e)).or_default().push(e);
    }
    groups
        .into_iter()
        .map(|(id, evs)| {
            let n = served.get(&id).copied().unwrap_or(0);
            let normal = evs
                .iter()
                .copied()
                .filter(|e| !med_days.contains(&med::event_day(e, cfg.utc_offset_s)));
            GroupIndices {
                id,
                all: indices(evs.iter().copied(), n, &base.by_feeder, &cfg.period),
                excluding_meds: indices(normal, n, &base.by_feeder, &cfg.period),
            }
        })
        .collect()
}
