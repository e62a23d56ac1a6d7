//! IEEE 1366 indices from sums per local day and feeder ([`DayFeeder`]) instead of from
//! single events: the form both history backends share. PostgreSQL aggregates
//! `outage_events` into these rows in SQL; the in-memory history aggregates its events once
//! per snapshot version ([`DailyIndex`]), so a request costs O(rows in the period), not
//! O(events of the whole history) with maps per call.
//!
//! A row holds everything the indices need: sustained and momentary counts and customer
//! sums, customer-minutes, and for the CAIFI estimate (see [`super::kpi`]) the largest
//! sustained event and `Σ ln(1 − N_i/S_f)` over the feeder's sustained events (`full_outs`
//! counts those with `N_i ≥ S_f`, whose factor is 0). [`report_from_days`] gives the same
//! numbers as [`super::kpi::report`] and [`super::kpi::breakdown`] up to float rounding.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::kpi::{
    CustomerBase, GroupBy, GroupIndices, Interruption, KpiConfig, KpiReport, Period,
    ReliabilityIndices,
};
use super::med::{threshold, MajorEventDay, MedThreshold};
use super::time::{day_start, iso_date, local_day};

/// Sums of the interruptions that started on one local day on one feeder (and substation).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DayFeeder {
    /// Local day number (days since 1970-01-01).
    pub day: i64,
    pub feeder_id: i64,
    pub substation_id: i64,
    pub sustained_events: u64,
    /// `Σ N_i` over sustained events.
    pub customer_interruptions: u64,
    /// `Σ r_i·N_i` over sustained events.
    pub customer_minutes: f64,
    pub momentary_events: u64,
    /// `Σ M_j` over momentary events.
    pub momentary_customer_interruptions: u64,
    /// Largest sustained event (customers).
    pub largest: u64,
    /// `Σ ln(1 − N_i/S_f)` over sustained events with `N_i < S_f` (`S_f > 0`).
    pub keep_ln: f64,
    /// Sustained events with `N_i ≥ S_f > 0`.
    pub full_outs: u64,
}

impl DayFeeder {
    /// Adds one event (customer-minutes measured to `as_of` when ongoing); `served` is the
    /// feeder's customers (0: unknown).
    pub fn add(&mut self, e: &Interruption, served: u64, as_of: i64) {
        let n = e.customers_interrupted;
        if e.is_momentary() {
            self.momentary_events += 1;
            self.momentary_customer_interruptions =
                self.momentary_customer_interruptions.saturating_add(n);
            return;
        }
        self.sustained_events += 1;
        self.customer_interruptions = self.customer_interruptions.saturating_add(n);
        self.customer_minutes += e.customer_minutes(as_of);
        self.largest = self.largest.max(n);
        if served > 0 {
            if n >= served {
                self.full_outs += 1;
            } else {
                self.keep_ln += (1.0 - n as f64 / served as f64).ln();
            }
        }
    }
}

/// Rows of `events` (grouped by local start day, feeder and substation; sorted so), with
/// ongoing events measured to `as_of`.
pub fn aggregate<'a>(
    events: impl IntoIterator<Item = &'a Interruption>,
    feeder_served: &BTreeMap<i64, u64>,
    as_of: i64,
    utc_offset_s: i64,
) -> Vec<DayFeeder> {
    let mut rows: BTreeMap<(i64, i64, i64), DayFeeder> = BTreeMap::new();
    for e in events {
        let day = local_day(e.start, utc_offset_s);
        let row = rows
            .entry((day, e.feeder_id, e.substation_id))
            .or_insert_with(|| DayFeeder {
                day,
                feeder_id: e.feeder_id,
                substation_id: e.substation_id,
                ..DayFeeder::default()
            });
        let served = feeder_served.get(&e.feeder_id).copied().unwrap_or(0);
        row.add(e, served, as_of);
    }
    rows.into_values().collect()
}

/// The rows of one history, built once: every local day's rows of ended events, so a period
/// reads its whole days from here and aggregates only the events of its partial first and
/// last day (and ongoing events, whose minutes depend on the period's end).
#[derive(Clone, Debug, Default)]
pub struct DailyIndex {
    rows: Vec<DayFeeder>,
    /// Indices of ongoing events (no end) in the history's event list.
    ongoing: Vec<usize>,
    /// The history's events were sorted by start (otherwise every period is aggregated
    /// from the events).
    sorted: bool,
    utc_offset_s: i64,
}

impl DailyIndex {
    /// The index of `events` (sorted by start for the fast path) with feeder sizes
    /// `feeder_served` (the same map later passed to [`report_from_days`]).
    pub fn new(
        events: &[Interruption],
        feeder_served: &BTreeMap<i64, u64>,
        utc_offset_s: i64,
    ) -> DailyIndex {
        let sorted = events.windows(2).all(|w| w[0].start <= w[1].start);
        let ended = events.iter().filter(|e| e.end.is_some());
        DailyIndex {
            rows: aggregate(ended, feeder_served, i64::MAX, utc_offset_s),
            ongoing: (0..events.len())
                .filter(|&i| events[i].end.is_none())
                .collect(),
            sorted,
            utc_offset_s,
        }
    }

    /// Rows built once (whole days of ended events).
    pub fn rows(&self) -> &[DayFeeder] {
        &self.rows
    }

    /// The rows of the events of `events` (the list the index was built from) starting in
    /// `period`: a slice of whole days plus the rows aggregated now (partial days, ongoing
    /// events). Pass both to [`report_from_days`].
    pub fn period_rows<'a>(
        &'a self,
        events: &[Interruption],
        feeder_served: &BTreeMap<i64, u64>,
        period: &Period,
    ) -> (&'a [DayFeeder], Vec<DayFeeder>) {
        let off = self.utc_offset_s;
        let in_range = |lo: i64, hi: i64| -> &[Interruption] {
            let a = events.partition_point(|e| e.start < lo);
            let b = events.partition_point(|e| e.start < hi);
            &events[a..b.max(a)]
        };
        let ended_in = |lo: i64, hi: i64| {
            let slice = if self.sorted {
                in_range(lo, hi)
            } else {
                events
            };
            slice
                .iter()
                .filter(move |e| e.end.is_some() && e.start >= lo && e.start < hi)
        };
        let ongoing = self
            .ongoing
            .iter()
            .filter_map(|&i| events.get(i))
            .filter(|e| period.contains(e.start));
        let d0 = local_day(period.start, off);
        let first_full = if day_start(d0, off) == period.start {
            d0
        } else {
            d0 + 1
        };
        let last_full = local_day(period.end, off); // exclusive
        if !self.sorted || first_full >= last_full {
            let all = ended_in(period.start, period.end).chain(ongoing);
            return (&[], aggregate(all, feeder_served, period.end, off));
        }
        let head_end = day_start(first_full, off);
        let tail_start = day_start(last_full, off);
        let partial = ended_in(period.start, head_end)
            .chain(ended_in(tail_start, period.end))
            .chain(ongoing);
        let a = self.rows.partition_point(|r| r.day < first_full);
        let b = self.rows.partition_point(|r| r.day < last_full);
        (
            &self.rows[a..b.max(a)],
            aggregate(partial, feeder_served, period.end, off),
        )
    }
}

/// Per-feeder sums of rows.
#[derive(Clone, Copy, Default)]
struct Acc {
    sustained: u64,
    ci: u64,
    cm: f64,
    momentary: u64,
    mci: u64,
    largest: u64,
    keep_ln: f64,
    full_outs: u64,
}

impl Acc {
    fn merge(&mut self, o: &Acc) {
        self.sustained += o.sustained;
        self.ci = self.ci.saturating_add(o.ci);
        self.cm += o.cm;
        self.momentary += o.momentary;
        self.mci = self.mci.saturating_add(o.mci);
        self.largest = self.largest.max(o.largest);
        self.keep_ln += o.keep_ln;
        self.full_outs += o.full_outs;
    }

    fn add(&mut self, r: &DayFeeder) {
        self.sustained += r.sustained_events;
        self.ci = self.ci.saturating_add(r.customer_interruptions);
        self.cm += r.customer_minutes;
        self.momentary += r.momentary_events;
        self.mci = self.mci.saturating_add(r.momentary_customer_interruptions);
        self.largest = self.largest.max(r.largest);
        self.keep_ln += r.keep_ln;
        self.full_outs += r.full_outs;
    }

    /// The feeder's expected distinct customers interrupted (`CN` share).
    fn distinct(&self, served: Option<u64>) -> f64 {
        match served {
            Some(s) if s > 0 => {
                let keep = if self.full_outs > 0 {
                    0.0
                } else {
                    self.keep_ln.exp()
                };
                s as f64 * (1.0 - keep)
            }
            _ => self.largest as f64,
        }
    }
}

/// Indices of per-feeder sums for `served` customers.
fn finish<'a>(
    feeders: impl IntoIterator<Item = (i64, &'a Acc)>,
    served: u64,
    feeder_served: &BTreeMap<i64, u64>,
    period: &Period,
) -> ReliabilityIndices {
    let mut r = ReliabilityIndices {
        customers_served: served,
        ..ReliabilityIndices::default()
    };
    for (feeder, a) in feeders {
        r.sustained_events += a.sustained;
        r.customer_interruptions = r.customer_interruptions.saturating_add(a.ci);
        r.customer_minutes += a.cm;
        r.momentary_events += a.momentary;
        r.momentary_customer_interruptions =
            r.momentary_customer_interruptions.saturating_add(a.mci);
        if a.sustained > 0 {
            r.distinct_customers_interrupted += a.distinct(feeder_served.get(&feeder).copied());
        }
    }
    r.with_ratios(period)
}

/// Daily SAIDI per local day with sustained interruptions, and the threshold and major
/// event days (as [`super::med::major_event_days`]).
fn meds(
    parts: &[&[DayFeeder]],
    served: u64,
    cfg: &KpiConfig,
) -> (Option<MedThreshold>, Vec<MajorEventDay>) {
    // (day, SAIDI): rows come sorted by day within each part, so runs merge as they come;
    // then one sort (by day) and a merge of equal days across parts.
    let mut daily: Vec<(i64, f64)> = Vec::new();
    if served > 0 {
        for r in parts.iter().flat_map(|p| p.iter()) {
            if r.sustained_events == 0 {
                continue;
            }
            let v = r.customer_minutes / served as f64;
            match daily.last_mut() {
                Some(last) if last.0 == r.day => last.1 += v,
                _ => daily.push((r.day, v)),
            }
        }
        daily.sort_by_key(|d| d.0);
        daily.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 += b.1;
            }
            same
        });
    }
    let th = match cfg.t_med_override {
        Some(t) if t.is_finite() && t > 0.0 => Some(MedThreshold {
            t_med: t,
            alpha: None,
            beta: None,
            days_used: 0,
        }),
        _ => threshold(daily.iter().map(|d| d.1)),
    };
    let Some(th) = th else {
        return (None, Vec::new());
    };
    let days = daily
        .into_iter()
        .filter(|&(_, s)| s > th.t_med)
        .map(|(day, saidi)| MajorEventDay {
            day,
            date: iso_date(day),
            saidi,
        })
        .collect();
    (Some(th), days)
}

/// System indices with and without major event days (2.5β over the rows' days) from the
/// rows of one period (`parts`: any number of row lists, e.g. [`DailyIndex::period_rows`]),
/// and per feeder or substation with `group` (every group with customers or events, by id).
pub fn report_from_days(
    parts: &[&[DayFeeder]],
    base: &CustomerBase,
    cfg: &KpiConfig,
    group: Option<GroupBy>,
) -> (KpiReport, Vec<GroupIndices>) {
    let (th, med_days) = meds(parts, base.total, cfg);
    let med_list: Vec<i64> = med_days.iter().map(|d| d.day).collect();
    // One hash lookup per row: (feeder, substation) → (all, excluding MEDs); then sorted, so
    // every later sum runs in a fixed order (the same numbers on every call).
    let mut pairs: HashMap<(i64, i64), (Acc, Acc), foldhash::fast::FixedState> =
        HashMap::with_capacity_and_hasher(1024, foldhash::fast::FixedState::default());
    for r in parts.iter().flat_map(|p| p.iter()) {
        let e = pairs.entry((r.feeder_id, r.substation_id)).or_default();
        e.0.add(r);
        if med_list.binary_search(&r.day).is_err() {
            e.1.add(r);
        }
    }
    let mut pairs: Vec<((i64, i64), (Acc, Acc))> = pairs.into_iter().collect();
    pairs.sort_unstable_by_key(|p| p.0);
    // feeder → (all, excluding MEDs); (group, feeder) → the same.
    let mut system: BTreeMap<i64, (Acc, Acc)> = BTreeMap::new();
    let mut groups: BTreeMap<(i64, i64), (Acc, Acc)> = BTreeMap::new();
    for ((feeder, substation), (all, normal)) in &pairs {
        let s = system.entry(*feeder).or_default();
        s.0.merge(all);
        s.1.merge(normal);
        if let Some(g) = group {
            let key = match g {
                GroupBy::Feeder => *feeder,
                GroupBy::Substation => *substation,
            };
            let e = groups.entry((key, *feeder)).or_default();
            e.0.merge(all);
            e.1.merge(normal);
        }
    }
    let fs = &base.by_feeder;
    let period = &cfg.period;
    let report = KpiReport {
        period: cfg.period,
        all: finish(
            system.iter().map(|(&f, a)| (f, &a.0)),
            base.total,
            fs,
            period,
        ),
        excluding_meds: finish(
            system.iter().map(|(&f, a)| (f, &a.1)),
            base.total,
            fs,
            period,
        ),
        threshold: th,
        major_event_days: med_days,
    };
    let Some(g) = group else {
        return (report, Vec::new());
    };
    let served = match g {
        GroupBy::Feeder => &base.by_feeder,
        GroupBy::Substation => &base.by_substation,
    };
    let ids: BTreeSet<i64> = served
        .keys()
        .copied()
        .chain(groups.keys().map(|k| k.0))
        .collect();
    let list = ids
        .into_iter()
        .map(|id| {
            let members = groups.range((id, i64::MIN)..=(id, i64::MAX));
            let n = served.get(&id).copied().unwrap_or(0);
            GroupIndices {
                id,
                all: finish(members.clone().map(|(k, a)| (k.1, &a.0)), n, fs, period),
                excluding_meds: finish(members.map(|(k, a)| (k.1, &a.1)), n, fs, period),
            }
        })
        .collect();
    (report, list)
}

#[cfg(test)]
#[path = "daily_tests.rs"]
mod tests;
