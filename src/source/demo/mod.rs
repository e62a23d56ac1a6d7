//! The built-in demo grid: a deterministic, realistic radial distribution grid around
//! Houston's centre.
//!
//! A synthetic city (arterial lattice, neighbourhood street grids, diagonal avenues; see
//! `city`) carries about 30 substations per unit of scale, each with about 20 feeders grown
//! as trees along the streets (`feeders`), split into pole-to-pole spans (`network`),
//! protected and tied together by switches (`devices`), with a few faults and load
//! transfers (`status`), transformers and meters (`customers`), and the operations layers
//! (`operations`): field crews at their depots and one outage per locked-out recloser.
//! Output is eight layers in the order `substations`, `feeders`, `switches`,
//! `transformers`, `poles`, `meters`, `crews`, `outages`; the same seed and scale always
//! give bit-identical layers.
//!
//! At scale 1: ~66,000 spans (and poles), 600 feeders, ~20,000 transformers and ~150,000
//! meters over a territory about 32 km across. Scale multiplies counts and territory area.

mod assets;
mod basemap;
mod city;
mod customers;
mod devices;
mod feeders;
mod geom;
mod layers;
mod names;
mod network;
mod operations;
mod rng;
mod spatial;
mod status;
mod streets;
mod substations;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_assets;
#[cfg(test)]
mod tests_operations;
#[cfg(test)]
mod tests_topology;

use rayon::prelude::*;

use crate::model::LayerData;

/// The demo basemap (streets, arterials, water) and its tiling.
pub use basemap::{basemap, tiling as basemap_tiling};
/// Id bases per kind: the id of item `i` of a kind is its base plus `i`.
pub use layers::{FEEDER_ID, METER_ID, POLE_ID, SPAN_ID, SUBSTATION_ID, SWITCH_ID, TRANSFORMER_ID};
/// Id bases and attribute values of the operations layers (`crews`, `outages`).
pub use operations::{start_outages_before, CREW_ID, INITIAL_OUTAGE_START, OUTAGE_ID};

/// Generator parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DemoParams {
    /// Random seed; the same seed and scale give identical output.
    pub seed: u64,
    /// Size multiplier (1.0 ≈ 66,000 spans), finite and within [`MIN_SCALE`]`..=`[`MAX_SCALE`].
    pub scale: f64,
}

impl Default for DemoParams {
    fn default() -> Self {
        DemoParams {
            seed: 1,
            scale: 1.0,
        }
    }
}

pub use crate::settings::{MAX_SCALE, MIN_SCALE};

/// Invalid generator parameters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DemoError {
    /// The scale is not a finite number within range.
    #[error("demo scale must be a finite number in {MIN_SCALE}..={MAX_SCALE}, got {0}")]
    InvalidScale(f64),
}

impl DemoParams {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), DemoError> {
        if self.scale.is_finite() && (MIN_SCALE..=MAX_SCALE).contains(&self.scale) {
            Ok(())
        } else {
            Err(DemoError::InvalidScale(self.scale))
        }
    }
}

/// Generates the demo grid.
///
/// # Panics
///
/// If `params` are invalid (see [`DemoParams::validate`]); use [`generate_checked`] to get
/// an error instead.
pub fn generate(params: &DemoParams) -> Vec<LayerData> {
    match generate_checked(params) {
        Ok(layers) => layers,
        Err(e) => panic!("{e}"),
    }
}

/// Generates the demo grid, or reports invalid parameters.
pub fn generate_checked(params: &DemoParams) -> Result<Vec<LayerData>, DemoError> {
    params.validate()?;
    let grid = Grid::build(params);
    let st = layers::Strs::new();
    // The layers are written from the finished grid independently (the poles' random stream
    // is their own), so side by side on rayon's pool, in this order.
    let layer = |i: usize| match i {
        0 => layers::substations(&grid, &st),
        1 => layers::feeders(&grid, &st),
        2 => layers::switches(&grid, &st),
        3 => assets::transformers(&grid, &st),
        4 => {
            let mut assets_rng = rng::stage_rng(params.seed, rng::Stage::Assets);
            assets::poles(&grid, &st, &mut assets_rng)
        }
        5 => assets::meters(&grid, &st),
        6 => operations::crews(&grid),
        _ => operations::outages(&grid),
    };
    Ok((0..8).into_par_iter().map(layer).collect())
}

/// Target sizes for a scale.
#[derive(Clone, Copy, Debug)]
struct Plan {
    radius: f64,
    diagonals: usize,
    substations: usize,
    feeders: usize,
    spans: u32,
    transformers: f64,
    faults: usize,
    transfers: usize,
}

impl Plan {
    fn for_scale(scale: f64) -> Plan {
        let substations = ((30.0 * scale).round() as usize).max(1);
        let feeders = ((600.0 * scale).round() as usize).max(substations);
        Plan {
            radius: 16_000.0 * scale.sqrt(),
            diagonals: 2 + scale.sqrt().floor() as usize,
            substations,
            feeders,
            spans: (66_000.0 * scale).round() as u32,
            transformers: 20_000.0 * scale,
            faults: ((feeders as f64 * 0.01).round() as usize).max(1),
            transfers: ((2.0 * scale).round() as usize).max(1),
        }
    }
}

/// Everything generated, ready to be written out as layers.
struct Grid {
    radius: f64,
    subs: Vec<substations::Substation>,
    feeders: Vec<substations::FeederPlan>,
    net: network::Network,
    switches: Vec<devices::Switch>,
    energy: status::Energy,
    lockouts: Vec<status::Lockout>,
    transformers: Vec<customers::Transformer>,
    meters: Vec<customers::Meter>,
    sub_ll: Vec<(f64, f64)>,
    pole_ll: Vec<(f64, f64)>,
}

impl Grid {
    fn build(params: &DemoParams) -> Grid {
        use rng::{stage_rng, Stage};
        let plan = Plan::for_scale(params.scale);
        let seed = params.seed;
        let streets = city::build(
            &mut stage_rng(seed, Stage::Streets),
            plan.radius,
            plan.diagonals,
        );
        let (subs, feeders) = substations::plan(
            &mut stage_rng(seed, Stage::Substations),
            plan.substations,
            plan.feeders,
            plan.spans,
            plan.radius,
        );
        // Tie segments add about 1.5 spans per feeder, one of them (the tie span) without a
        // pole: aim between the span and the pole targets.
        let grow_target = plan
            .spans
            .saturating_sub((feeders.len() as f64 * 1.0) as u32);
        let trees = feeders::grow(
            &mut stage_rng(seed, Stage::Growth),
            &streets,
            &subs,
            &feeders,
            grow_target,
        );
        let feeder_subs: Vec<u32> = feeders.iter().map(|f| f.substation).collect();
        let net = network::build(&streets, &subs, &feeder_subs, &trees);
        drop(trees);
        drop(streets);
        let mut switches =
            devices::place(&mut stage_rng(seed, Stage::Devices), &net, &subs, &feeders);
        let mut status_rng = stage_rng(seed, Stage::Status);
        let faulted = status::scenarios(
            &mut status_rng,
            &net,
            &mut switches,
            plan.faults,
            plan.transfers,
        );
        let fault_spans: Vec<u32> = faulted.iter().map(|l| l.span).collect();
        let energy = status::trace(&net, &switches, &fault_spans, subs.len());
        let mut busy = vec![false; net.poles.len()];
        for s in &switches {
            if let network::Node::Pole(p) = s.node {
                busy[p as usize] = true;
            }
        }
        let (transformers, meters) = customers::place(
            &mut stage_rng(seed, Stage::Customers),
            &net,
            &busy,
            plan.transformers,
        );
        let sub_ll = subs.iter().map(|s| geom::to_lon_lat(s.pos)).collect();
        let pole_ll = net.poles.iter().map(|p| geom::to_lon_lat(p.pos)).collect();
        Grid {
            radius: plan.radius,
            subs,
            feeders,
            net,
            switches,
            energy,
            lockouts: faulted,
            transformers,
            meters,
            sub_ll,
            pole_ll,
        }
    }
}
