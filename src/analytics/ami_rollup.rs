//! AMI rollups: the synthetic demand of a group of meters factors into per-class shapes of
//! time ([`super::ami`]'s load model) times per-class sums of `size × noise` that depend
//! only on the interval's phase in [`NOISE_PERIOD`]. A [`Profile`] holds those sums for one
//! group (3 classes × one week of 15-minute phases), so any period of a feeder, a
//! substation or the whole system is answered from it without touching a meter.
//!
//! [`AmiRollups`] holds the profiles of every feeder (its meters through the topology),
//! every substation (the sum of its feeders) and the system (the sum of the substations),
//! built once per snapshot version. [`AmiAggregates`] is the small interface the AMI
//! endpoints aggregate through: the synthetic rollups implement it now; a columnar interval
//! store can implement it later.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::index::Snapshot;
use crate::topology::{GridGraph, TopologySchema};

use super::ami::{
    add_noise_row, bucketed, intervals, members, AmiError, AmiQuery, BucketValue, CustomerClass,
    Member, INTERVAL_S, NOISE_PERIOD,
};
use super::customers::feeder_customers;

const PERIOD: usize = NOISE_PERIOD as usize;

/// Per-class sums of `size × noise` for every noise phase, and meters per class.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// Meters per class ([`CustomerClass::index`] order).
    pub meters: [u64; 3],
    /// `3 × NOISE_PERIOD` sums, class-major.
    sums: Vec<f64>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            meters: [0; 3],
            sums: vec![0.0; 3 * PERIOD],
        }
    }
}

/// A group whose AMI is rolled up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmiGroup {
    Feeder(i64),
    Substation(i64),
    System,
}

/// Energy and peak of one customer class over a period.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ClassTotal {
    pub class: CustomerClass,
    pub meters: u64,
    pub kwh: f64,
    /// Largest 15-minute demand of the class's summed meters, kW.
    pub peak_kw: f64,
    /// Start of that interval, Unix seconds (`None` without meters).
    pub peak_time: Option<i64>,
}

/// The largest 15-minute demand over a period and when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Peak {
    pub kw: f64,
    pub start: i64,
}

impl Profile {
    /// The profile of `members` (their `size × noise` rows added up per class).
    pub fn of(members: &[Member], seed: u64) -> Profile {
        let mut p = Profile::default();
        for m in members {
            let c = m.class.index();
            p.meters[c] += 1;
            add_noise_row(
                m.meter_id,
                m.class,
                seed,
                &mut p.sums[c * PERIOD..(c + 1) * PERIOD],
            );
        }
        p
    }

    /// Adds `other` into this profile.
    pub fn add(&mut self, other: &Profile) {
        for (a, b) in self.meters.iter_mut().zip(other.meters) {
            *a += b;
        }
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
    }

    /// Meters of every class.
    pub fn meter_count(&self) -> u64 {
        self.meters.iter().sum()
    }

    /// Demand (kW) of class `c` in interval number `k` whose class shapes are `shape`.
    fn class_kw(&self, c: usize, k: i64, shape: &[f64; 3]) -> f64 {
        if self.meters[c] == 0 {
            return 0.0;
        }
        let phase = k.rem_euclid(NOISE_PERIOD) as usize;
        shape[c] * self.sums[c * PERIOD + phase]
    }

    /// Summed demand (kW) in interval number `k`.
    fn kw(&self, k: i64, shape: &[f64; 3]) -> f64 {
        (0..3).map(|c| self.class_kw(c, k, shape)).sum()
    }

    /// The group's series over `q`, bucketed (the same values as [`super::ami::series`] of
    /// its members, up to floating-point rounding).
    pub fn series(&self, q: &AmiQuery) -> Result<Vec<BucketValue>, AmiError> {
        bucketed(q, |k, shape| self.kw(k, shape))
    }

    /// The largest 15-minute demand over the intervals of `shapes` (`None` without meters
    /// or intervals); the earliest interval wins a tie.
    pub fn peak(&self, shapes: &Shapes) -> Option<Peak> {
        if self.meter_count() == 0 {
            return None;
        }
        let mut best: Option<Peak> = None;
        for (i, shape) in shapes.rows.iter().enumerate() {
            let k = shapes.first + i as i64;
            let kw = self.kw(k, shape);
            if best.is_none_or(|p| kw > p.kw) {
                best = Some(Peak {
                    kw,
                    start: k * INTERVAL_S,
                });
            }
        }
        best
    }

    /// Energy and peak per class over `q` (classes without meters included, zero).
    pub fn class_totals(&self, q: &AmiQuery) -> Result<[ClassTotal; 3], AmiError> {
        let mut out = CustomerClass::ALL.map(|class| ClassTotal {
            class,
            meters: self.meters[class.index()],
            kwh: 0.0,
            peak_kw: 0.0,
            peak_time: None,
        });
        let fine = AmiQuery {
            bucket: super::ami::Bucket::Min15,
            ..*q
        };
        // One pass: `bucketed` hands out each interval's shapes once.
        bucketed(&fine, |k, shape| {
            for (c, total) in out.iter_mut().enumerate() {
                if total.meters == 0 {
                    continue;
                }
                let kw = self.class_kw(c, k, shape);
                total.kwh += kw * INTERVAL_S as f64 / 3600.0;
                if total.peak_time.is_none() || kw > total.peak_kw {
                    total.peak_kw = kw;
                    total.peak_time = Some(k * INTERVAL_S);
                }
            }
            0.0
        })?;
        Ok(out)
    }
}

/// The class shapes of every 15-minute interval of a period, computed once and shared by
/// the groups evaluated over it.
#[derive(Clone, Debug)]
pub struct Shapes {
    /// First interval number.
    pub first: i64,
    pub rows: Vec<[f64; 3]>,
}

impl Shapes {
    /// The shapes of the intervals of `q` (checked as [`intervals`] does).
    pub fn new(q: &AmiQuery) -> Result<Shapes, AmiError> {
        let (first, last) = intervals(q)?;
        let rows = (first..=last)
            .map(|k| super::ami::shapes(k * INTERVAL_S, q.seed))
            .collect();
        Ok(Shapes { first, rows })
    }
}

/// The AMI aggregation the endpoints need, over groups of meters. The synthetic rollups
/// implement it; a columnar interval store can implement it over its own rollup tables.
pub trait AmiAggregates {
    /// Meters in the group, `None` for an unknown group.
    fn meters(&self, group: AmiGroup) -> Option<u64>;
    /// The group's summed series over `q`, bucketed.
    fn group_series(&self, group: AmiGroup, q: &AmiQuery) -> Result<Vec<BucketValue>, AmiError>;
    /// Energy and peak per customer class over `q`.
    fn class_totals(&self, group: AmiGroup, q: &AmiQuery) -> Result<[ClassTotal; 3], AmiError>;
}

/// The profiles of every feeder, substation and the system for one snapshot version.
#[derive(Debug)]
pub struct AmiRollups {
    /// Snapshot version they were built from.
    pub version: u64,
    pub seed: u64,
    feeders: HashMap<i64, Profile>,
    substations: BTreeMap<i64, Profile>,
    system: Profile,
}

impl AmiRollups {
    /// Builds the rollups: each feeder's meters (through its transformers in `graph`) into
    /// the feeder's profile, feeders into their substation (the one most of their customers
    /// name), substations into the system. Meters on no feeder of the graph are in none.
    pub fn build(snapshot: &Snapshot, graph: &GridGraph, seed: u64) -> AmiRollups {
        let schema = TopologySchema::default();
        let substation_of: HashMap<i64, i64> = feeder_customers(snapshot, &schema)
            .into_iter()
            .map(|f| (f.feeder_id, f.substation_id))
            .collect();
        let mut feeders = HashMap::new();
        let mut substations: BTreeMap<i64, Profile> = BTreeMap::new();
        for feeder in graph.feeder_ids() {
            let ids = graph.feeder_meters(feeder).unwrap_or_default();
            let profile = Profile::of(&members(snapshot, &schema, &ids), seed);
            if let Some(&sub) = substation_of.get(&feeder) {
                substations.entry(sub).or_default().add(&profile);
            }
            feeders.insert(feeder, profile);
        }
        let mut system = Profile::default();
        for p in substations.values() {
            system.add(p);
        }
        AmiRollups {
            version: snapshot.version,
            seed,
            feeders,
            substations,
            system,
        }
    }

    /// The profile of `group`, `None` when the group is unknown.
    pub fn profile(&self, group: AmiGroup) -> Option<&Profile> {
        match group {
            AmiGroup::Feeder(id) => self.feeders.get(&id),
            AmiGroup::Substation(id) => self.substations.get(&id),
            AmiGroup::System => Some(&self.system),
        }
    }

    /// Substation ids with meters, ascending.
    pub fn substation_ids(&self) -> Vec<i64> {
        self.substations.keys().copied().collect()
    }
}

/// The meter ids of `group` as the rollups count them (a feeder's through its
/// transformers; a substation's feeders are those most of whose customers name it), sorted;
/// `None` for an unknown feeder or a substation without feeders.
pub fn group_meters(snapshot: &Snapshot, graph: &GridGraph, group: AmiGroup) -> Option<Vec<u64>> {
    let feeders: Vec<i64> = match group {
        AmiGroup::Feeder(id) => vec![id],
        AmiGroup::Substation(id) => feeder_customers(snapshot, &TopologySchema::default())
            .into_iter()
            .filter(|f| f.substation_id == id)
            .map(|f| f.feeder_id)
            .collect(),
        AmiGroup::System => graph.feeder_ids(),
    };
    let mut ids = Vec::new();
    let mut known = false;
    for f in feeders {
        if let Ok(m) = graph.feeder_meters(f) {
            known = true;
            ids.extend(m);
        }
    }
    ids.sort_unstable();
    (known || group == AmiGroup::System).then_some(ids)
}

impl AmiAggregates for AmiRollups {
    fn meters(&self, group: AmiGroup) -> Option<u64> {
        self.profile(group).map(Profile::meter_count)
    }

    fn group_series(&self, group: AmiGroup, q: &AmiQuery) -> Result<Vec<BucketValue>, AmiError> {
        match self.profile(group) {
            Some(p) => p.series(q),
            None => Ok(Vec::new()),
        }
    }

    fn class_totals(&self, group: AmiGroup, q: &AmiQuery) -> Result<[ClassTotal; 3], AmiError> {
        match self.profile(group) {
            Some(p) => p.class_totals(q),
            None => Profile::default().class_totals(q),
        }
    }
}

#[cfg(test)]
#[path = "ami_rollup_tests.rs"]
mod tests;
