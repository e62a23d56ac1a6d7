//! The demo operations simulator (`gridtiles serve --simulate`): faults that de-energize
//! what lies downstream of the protective device that opens, crews dispatched to them and
//! restoring them, and pick-up switching through tie switches.
//!
//! Every step becomes a [`crate::index::ChangeSet`] applied with
//! [`crate::index::Snapshot::apply`] and published with
//! [`crate::live::Store::publish_update`]: the same path as PostgreSQL notifications, so
//! tiles, the Grid API, KPIs and `/api/events` all see the same state. The simulator is the
//! snapshot's only writer (it is refused with the PostgreSQL source, whose live loop writes).
//!
//! A tick ([`Simulator::tick`]), each step its own snapshot version when it changed
//! something: restore outages whose repair is done ([`faults::restore`]); end a planned load
//! transfer that is due; sometimes ([`SWITCHING_CHANCE`]) pick up customers of an outage
//! through a tie switch, or else start a planned load transfer ([`switching`]); start a
//! fault on the first tick and then with [`FAULT_CHANCE`] while fewer than `max_outages` are in
//! progress ([`faults::start_fault`]); dispatch and drive crews ([`crews`]). Statuses are
//! always read off a topology graph with the new switch states ([`energy`]), so they agree
//! with a fresh trace. Deterministic: the same seed and grid give the same changes.

mod command;
pub mod crews;
pub mod edits;
pub mod energy;
pub mod faults;
pub mod model;
pub mod status_index;
pub mod switching;
mod task;

#[cfg(test)]
mod status_index_tests;
#[cfg(test)]
mod tests;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::index::Snapshot;
use crate::live::Store;
use crate::source::demo::OUTAGE_ID;
use crate::topology::{GridGraph, TopologySchema};
use edits::Edits;
use model::{Operations, OutageStatus};

pub use command::Command;
pub use task::spawn;

/// Chance per tick of a new fault (after the first tick's).
pub const FAULT_CHANCE: f64 = 0.3;
/// Chance per tick of pick-up switching on an outage that has none yet.
pub const SWITCHING_CHANCE: f64 = 0.15;

/// Planned load transfers in progress at most.
pub const MAX_TRANSFERS: usize = 2;

/// Why the simulator cannot start or step.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("the simulator needs layer {0:?} (the demo grid has it)")]
    MissingLayer(&'static str),
    #[error("no network topology: {0}")]
    Topology(String),
    #[error(transparent)]
    Edit(#[from] edits::EditError),
    #[error(transparent)]
    Energy(#[from] energy::EnergyError),
    #[error("applying the changes: {0}")]
    Update(#[from] crate::index::UpdateError),
}

/// What one tick did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TickReport {
    pub tick: u64,
    /// Snapshot versions published, in order.
    pub versions: Vec<u64>,
    pub faults: Vec<u64>,
    pub restored: Vec<u64>,
    /// Outages picked up and tie switches of load transfers started or ended.
    pub switched: Vec<u64>,
    pub dispatched: usize,
    pub crews_moved: usize,
}

/// The simulator's state (see the module docs).
pub struct Simulator {
    rng: ChaCha8Rng,
    ops: Operations,
    next_outage: u64,
    ticks: u64,
    /// Ticks an outage waits for an operator's dispatch before the simulator sends a crew.
    auto_dispatch_after: u64,
    max_outages: usize,
    /// Planned load transfers in progress.
    transfers: Vec<switching::Transfer>,
    /// No new faults or switching: outages and transfers are only worked off.
    winding_down: bool,
    /// Where statuses disagree with the graph, kept across versions for [`energy::energize`].
    statuses: status_index::StatusIndex,
}

impl Simulator {
    /// A simulator over `snapshot` (its crews and outages in progress are taken over).
    pub fn new(snapshot: &Snapshot, seed: u64, max_outages: usize) -> Result<Simulator, SimError> {
        for layer in ["feeders", "switches", "meters", "crews", "outages"] {
            if snapshot.layer(layer).is_none() {
                return Err(SimError::MissingLayer(layer));
            }
        }
        let graph = GridGraph::build(snapshot, &TopologySchema::default())
            .map_err(|e| SimError::Topology(e.to_string()))?;
        let ops = Operations::read(snapshot, &graph);
        let next_outage = ops
            .outages
            .keys()
            .next_back()
            .map_or(OUTAGE_ID, |&id| (id + 1).max(OUTAGE_ID));
        Ok(Simulator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            ops,
            next_outage,
            ticks: 0,
            auto_dispatch_after: crews::AUTO_DISPATCH_AFTER_TICKS,
            max_outages,
            transfers: Vec::new(),
            winding_down: false,
            statuses: status_index::StatusIndex::default(),
        })
    }

    /// Lets outages wait `ticks` ticks for an operator's dispatch (at least 1) before the
    /// simulator sends the nearest available crew itself.
    pub fn with_auto_dispatch_after(mut self, ticks: u64) -> Simulator {
        self.auto_dispatch_after = ticks.max(1);
        self
    }

    /// Feeders with an outage or a planned transfer in progress (no new fault, no new
    /// switching there).
    pub fn busy_feeders(&self) -> std::collections::BTreeSet<i64> {
        self.ops
            .outages
            .values()
            .map(|o| o.feeder_id)
            .chain(self.transfers.iter().flat_map(|t| t.feeders))
            .collect()
    }

    /// Stops starting faults and switching; outages and transfers in progress are finished.
    pub fn wind_down(&mut self) {
        self.winding_down = true;
    }

    /// True when no outage, transfer or crew job is in progress and every crew is home.
    pub fn is_idle(&self) -> bool {
        self.ops.outages.is_empty()
            && self.transfers.is_empty()
            && self
                .ops
                .crews
                .values()
                .all(|c| c.pos == c.home && c.status == model::CrewStatus::Available)
    }

    /// The crews and outages as the simulator knows them.
    pub fn operations(&self) -> &Operations {
        &self.ops
    }

    /// One tick at Unix time `now` (outage start times); publishes to `state`.
    pub fn tick(&mut self, state: &Store, now: i64) -> Result<TickReport, SimError> {
        self.ticks += 1;
        let mut report = TickReport {
            tick: self.ticks,
            ..TickReport::default()
        };
        let done: Vec<u64> = self
            .ops
            .outages
            .values()
            .filter(|o| o.status == OutageStatus::Restoring && o.repair_left == 0)
            .map(|o| o.id)
            .collect();
        for id in done {
            // One version per restoration: each reads the switch states the last one left.
            let snap = state.snapshot();
            let graph = graph_of(state, &snap)?;
            let mut e = Edits::new(&snap);
            faults::restore(self, &snap, &graph, id, &mut e)?;
            report.restored.push(id);
            report.versions.extend(publish(state, &snap, e)?);
        }
        for t in &mut self.transfers {
            t.ticks_left = t.ticks_left.saturating_sub(1);
        }
        if let Some(i) = switching::due_transfer(self) {
            let snap = state.snapshot();
            let graph = graph_of(state, &snap)?;
            let mut e = Edits::new(&snap);
            let tie = switching::end_transfer(self, &snap, &graph, i, &mut e)?;
            report.switched.push(tie);
            report.versions.extend(publish(state, &snap, e)?);
        }
        if self.rng.random_bool(SWITCHING_CHANCE) && !self.winding_down {
            let snap = state.snapshot();
            let graph = graph_of(state, &snap)?;
            let mut e = Edits::new(&snap);
            let done = match switching::pick_up(self, &snap, &graph, &mut e)? {
                Some(id) => Some(id),
                None if self.transfers.len() < MAX_TRANSFERS => {
                    switching::start_transfer(self, &snap, &graph, &mut e)?
                }
                None => None,
            };
            if let Some(id) = done {
                report.switched.push(id);
                report.versions.extend(publish(state, &snap, e)?);
            }
        }
        let want_fault = self.ticks == 1 || self.rng.random_bool(FAULT_CHANCE);
        if want_fault && !self.winding_down && self.ops.outages.len() < self.max_outages {
            let snap = state.snapshot();
            let graph = graph_of(state, &snap)?;
            let mut e = Edits::new(&snap);
            if let Some(id) = faults::start_fault(self, &snap, &graph, now, &mut e)? {
                report.faults.push(id);
                report.versions.extend(publish(state, &snap, e)?);
            }
        }
        let snap = state.snapshot();
        let mut e = Edits::new(&snap);
        report.dispatched = crews::dispatch(self, &mut e, now)?;
        report.crews_moved = crews::advance(self, &mut e)?;
        report.versions.extend(publish(state, &snap, e)?);
        Ok(report)
    }
}

/// The cached topology graph of `snap` (shared with the Grid API).
fn graph_of(state: &Store, snap: &Snapshot) -> Result<std::sync::Arc<GridGraph>, SimError> {
    state
        .graph(snap)
        .map_err(|e| SimError::Topology(e.to_string()))
}

/// Applies `edits` to `snap` (the snapshot being served) and publishes the result; the new
/// version, or `None` when nothing changed.
fn publish(state: &Store, snap: &Snapshot, edits: Edits) -> Result<Option<u64>, SimError> {
    if edits.is_empty() {
        return Ok(None);
    }
    let update = snap.apply(edits.into_changes(), snap.version + 1)?;
    if update.changes.is_empty() {
        return Ok(None);
    }
    Ok(Some(state.publish_update(update, false).version))
}
