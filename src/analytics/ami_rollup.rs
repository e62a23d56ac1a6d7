//! AMI rollups: the synthetic demand of a group of meters factors into per-class shapes of
//! time ([`super::ami`]'s load model) times per-class sums of `size × noise` that depend
//! only on the interval's phase in [`NOISE_PERIOD`]. A [`Profile`] holds those sums for one
//! group (3 classes × one week of 15-minute phases), so any period of a feeder, a
//! substation or the whole system is answered from it without touching a meter.
//!
//! [`AmiRollups`] holds the profiles of every transformer and feeder (its meters through the
//! topology), every substation (the sum of its feeders) and the system (the sum of the
//! substations), built once and reused by every snapshot version whose meters and grid
//! structure are the same (the simulator's ticks change neither). [`AmiAggregates`] is the small interface the AMI
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
use super::inputs::Inputs;

const PERIOD: usize = NOISE_PERIOD as usize;

/// Per-class sums of `size × noise` for every noise phase, and meters per class.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    /// Meters per class ([`CustomerClass::index`] order).
    pub meters: [u64; 3],
    /// Per class, `NOISE_PERIOD` sums; empty for a class without meters (a transformer
    /// serves one class: its profile holds one row, not three).
    sums: [Vec<f64>; 3],
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
            add_noise_row(m.meter_id, m.class, seed, p.row_mut(c));
        }
        p
    }

    /// The sums of class `c`, allocated (zeros) on first use.
    fn row_mut(&mut self, c: usize) -> &mut [f64] {
        if self.sums[c].is_empty() {
            self.sums[c] = vec![0.0; PERIOD];
        }
        &mut self.sums[c]
    }

    /// Adds one meter of class `c` whose `size × noise` row is `row`.
    fn add_meter(&mut self, c: usize, row: &[f64]) {
        self.meters[c] += 1;
        for (a, b) in self.row_mut(c).iter_mut().zip(row) {
            *a += b;
        }
    }

    /// Adds `other` into this profile.
    pub fn add(&mut self, other: &Profile) {
        for (a, b) in self.meters.iter_mut().zip(other.meters) {
            *a += b;
        }
        for (c, b) in other.sums.iter().enumerate() {
            if b.is_empty() {
                continue;
            }
            for (a, b) in self.row_mut(c).iter_mut().zip(b) {
                *a += b;
            }
        }
    }

    /// Bytes held by the sums.
    fn heap_bytes(&self) -> usize {
        self.sums.iter().map(|r| r.capacity() * 8).sum()
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
        shape[c] * self.sums[c][phase]
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

/// The profiles of every transformer, feeder, substation and the system, built from one
/// snapshot version and valid for every later version with the same [`AmiRollups::inputs`]
/// (meters' classes and feeders, the grid's structure): the simulator's ticks reuse them.
#[derive(Debug)]
pub struct AmiRollups {
    /// Snapshot version they were built from.
    pub version: u64,
    pub seed: u64,
    inputs: Inputs,
    transformers: HashMap<u64, Profile>,
    feeders: HashMap<i64, Profile>,
    substations: BTreeMap<i64, Profile>,
    system: Profile,
}

/// What the rollups read of the meters and transformers (besides the graph's structure).
fn reads(schema: &TopologySchema) -> [(&str, [&str; 3]); 2] {
    [
        (
            schema.meters_layer.as_str(),
            [
                schema.customer_class.as_str(),
                schema.feeder_id.as_str(),
                schema.substation_id.as_str(),
            ],
        ),
        (
            schema.transformers_layer.as_str(),
            [
                schema.feeder_id.as_str(),
                schema.substation_id.as_str(),
                schema.customer_count.as_str(),
            ],
        ),
    ]
}

/// One feeder's profile and its transformers' profiles.
struct FeederRollup {
    feeder: i64,
    profile: Profile,
    transformers: Vec<(u64, Profile)>,
}

/// The profiles of `feeder` and its transformers. Each meter's `size × noise` row is
/// computed once and added to both, in ascending meter id order: the same sums, in the same
/// order, as [`Profile::of`] over the feeder's or the transformer's meters.
fn feeder_rollup(
    snapshot: &Snapshot,
    graph: &GridGraph,
    schema: &TopologySchema,
    feeder: i64,
    seed: u64,
) -> FeederRollup {
    let mut meters: Vec<(u64, u64)> = Vec::new();
    for t in graph.feeder_transformers(feeder).unwrap_or_default() {
        for m in graph.transformer_meters(t).unwrap_or_default() {
            meters.push((m, t));
        }
    }
    meters.sort_unstable();
    let ids: Vec<u64> = meters.iter().map(|m| m.0).collect();
    let classes: HashMap<u64, CustomerClass> = members(snapshot, schema, &ids)
        .into_iter()
        .map(|m| (m.meter_id, m.class))
        .collect();
    let mut profile = Profile::default();
    let mut transformers: BTreeMap<u64, Profile> = BTreeMap::new();
    let mut row = vec![0.0; PERIOD];
    for (m, t) in meters {
        let Some(&class) = classes.get(&m) else {
            continue;
        };
        row.fill(0.0);
        add_noise_row(m, class, seed, &mut row);
        profile.add_meter(class.index(), &row);
        transformers
            .entry(t)
            .or_default()
            .add_meter(class.index(), &row);
    }
    FeederRollup {
        feeder,
        profile,
        transformers: transformers.into_iter().collect(),
    }
}

impl AmiRollups {
    /// Builds the rollups: each feeder's meters (through its transformers in `graph`) into
    /// the feeder's and their transformer's profiles (feeders in parallel), feeders into their
    /// substation (the one most of their customers name), substations into the system.
    /// Meters on no feeder of the graph are in no group but their transformer's.
    pub fn build(snapshot: &Snapshot, graph: &GridGraph, seed: u64) -> AmiRollups {
        use rayon::prelude::*;
        let schema = TopologySchema::default();
        let substation_of: HashMap<i64, i64> = feeder_customers(snapshot, &schema)
            .into_iter()
            .map(|f| (f.feeder_id, f.substation_id))
            .collect();
        let rollups: Vec<FeederRollup> = graph
            .feeder_ids()
            .par_iter()
            .map(|&f| feeder_rollup(snapshot, graph, &schema, f, seed))
            .collect();
        let mut feeders = HashMap::new();
        let mut transformers = HashMap::new();
        let mut substations: BTreeMap<i64, Profile> = BTreeMap::new();
        for r in rollups {
            if let Some(&sub) = substation_of.get(&r.feeder) {
                substations.entry(sub).or_default().add(&r.profile);
            }
            feeders.insert(r.feeder, r.profile);
            for (t, p) in r.transformers {
                transformers.entry(t).or_insert(p);
            }
        }
        // Transformers on no feeder of the graph: their own meters.
        if let Some(layer) = snapshot.layer(&schema.transformers_layer) {
            for f in &layer.features {
                if transformers.contains_key(&f.id) {
                    continue;
                }
                let ids = graph.transformer_meters(f.id).unwrap_or_default();
                if !ids.is_empty() {
                    transformers.insert(f.id, Profile::of(&members(snapshot, &schema, &ids), seed));
                }
            }
        }
        let mut system = Profile::default();
        for p in substations.values() {
            system.add(p);
        }
        let reads = reads(&schema);
        let reads: Vec<(&str, &[&str])> = reads.iter().map(|(l, f)| (*l, &f[..])).collect();
        AmiRollups {
            version: snapshot.version,
            seed,
            inputs: Inputs::of(snapshot, Some(graph.structure_id()), &reads),
            transformers,
            feeders,
            substations,
            system,
        }
    }

    /// True when these rollups are those of `snapshot` with `graph` too: the same meters,
    /// classes, feeder and substation attributes and grid structure (a cheap check: shared
    /// features are compared by pointer).
    pub fn valid_for(&self, snapshot: &Snapshot, graph: &GridGraph) -> bool {
        self.inputs.unchanged(snapshot, Some(graph.structure_id()))
    }

    /// The profile of transformer `id` (`None` without meters).
    pub fn transformer(&self, id: u64) -> Option<&Profile> {
        self.transformers.get(&id)
    }

    /// Bytes held by the profiles' sums (for the log).
    pub fn heap_bytes(&self) -> usize {
        self.transformers
            .values()
            .chain(self.feeders.values())
            .chain(self.substations.values())
            .chain([&self.system])
            .map(Profile::heap_bytes)
            .sum()
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
