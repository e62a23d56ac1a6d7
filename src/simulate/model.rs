//! The simulator's own record of crews and outages: what the layers show plus what they do
//! not (where a crew is heading, which switches an outage opened, which assets it darkened),
//! read back from the snapshot at start so the generator's outages are handled like the
//! simulator's.

use std::collections::{BTreeMap, BTreeSet};

use super::edits::{int, position, text};
use super::energy::all_ids;
use crate::index::Snapshot;
use crate::mercator::WorldCoord;
use crate::topology::GridGraph;

/// A crew's state (`crews.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrewStatus {
    Available,
    Dispatched,
    OnSite,
}

impl CrewStatus {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            CrewStatus::Available => "available",
            CrewStatus::Dispatched => "dispatched",
            CrewStatus::OnSite => "on_site",
        }
    }
}

/// An outage's state (`outages.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutageStatus {
    Active,
    CrewDispatched,
    Restoring,
}

impl OutageStatus {
    /// The attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            OutageStatus::Active => "active",
            OutageStatus::CrewDispatched => "crew_dispatched",
            OutageStatus::Restoring => "restoring",
        }
    }
}

/// One field crew.
#[derive(Clone, Debug, PartialEq)]
pub struct Crew {
    pub id: u64,
    /// Where it returns after a job: its position when the simulator started (world
    /// coordinates; the demo parks crews at their depot).
    pub home: WorldCoord,
    pub pos: WorldCoord,
    pub status: CrewStatus,
    pub outage: Option<u64>,
}

/// One outage in progress.
#[derive(Clone, Debug, PartialEq)]
pub struct Outage {
    pub id: u64,
    /// The fault location (world coordinates).
    pub at: WorldCoord,
    pub feeder_id: i64,
    /// Protective devices that opened.
    pub devices: Vec<u64>,
    /// The faulted span.
    pub fault_span: Option<u64>,
    /// Every asset the outage darkened (restoration re-energizes what nothing else keeps
    /// dark).
    pub affected: BTreeSet<u64>,
    pub status: OutageStatus,
    pub crew: Option<u64>,
    /// Ticks of repair left once a crew is on site.
    pub repair_left: u32,
    /// Switching done to pick up customers: `(switch, state to return it to)`.
    pub switched: Vec<(u64, &'static str)>,
    /// The tick it started in (0: taken over at start); crews are sent automatically
    /// `simulate.auto_dispatch_after_ticks` ([`super::crews::AUTO_DISPATCH_AFTER_TICKS`] by default) later, leaving operators time to choose.
    pub opened_tick: u64,
}

/// Crews and outages by id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Operations {
    pub crews: BTreeMap<u64, Crew>,
    pub outages: BTreeMap<u64, Outage>,
}

impl Operations {
    /// Reads the `crews` and `outages` layers (either may be missing: no crews, no outages
    /// in progress). An outage's darkened assets are the downstream trace of its device.
    pub fn read(snapshot: &Snapshot, graph: &GridGraph) -> Operations {
        let mut ops = Operations::default();
        if let Some(l) = snapshot.layer("crews") {
            for f in &l.features {
                let Some(pos) = position(l, f.id) else {
                    continue;
                };
                // Where it is parked at the start: at its depot for the demo grid.
                let home = pos;
                let status = match text(l, f.id, "status") {
                    Some("dispatched") => CrewStatus::Dispatched,
                    Some("on_site") => CrewStatus::OnSite,
                    _ => CrewStatus::Available,
                };
                let outage = int(l, f.id, "assigned_outage_id").map(|o| o as u64);
                ops.crews.insert(
                    f.id,
                    Crew {
                        id: f.id,
                        home,
                        pos,
                        status: if outage.is_some() {
                            status
                        } else {
                            CrewStatus::Available
                        },
                        outage,
                    },
                );
            }
        }
        let spans = snapshot.layer("feeders");
        if let Some(l) = snapshot.layer("outages") {
            for f in &l.features {
                let Some(at) = position(l, f.id) else {
                    continue;
                };
                let devices: Vec<u64> = int(l, f.id, "device_id")
                    .map(|d| d as u64)
                    .into_iter()
                    .collect();
                let mut affected = BTreeSet::new();
                for &d in &devices {
                    if let Ok(t) = graph.downstream(d) {
                        affected.extend(all_ids(&t.ids));
                    }
                }
                affected.retain(|id| !devices.contains(id));
                let fault_span = spans.and_then(|s| {
                    affected
                        .iter()
                        .copied()
                        .find(|&id| text(s, id, "status") == Some("fault"))
                });
                let status = match text(l, f.id, "status") {
                    Some("crew_dispatched") => OutageStatus::CrewDispatched,
                    Some("restoring") => OutageStatus::Restoring,
                    _ => OutageStatus::Active,
                };
                let crew = int(l, f.id, "crew_id")
                    .map(|c| c as u64)
                    .filter(|c| ops.crews.contains_key(c));
                ops.outages.insert(
                    f.id,
                    Outage {
                        id: f.id,
                        at,
                        feeder_id: int(l, f.id, "feeder_id").unwrap_or(-1),
                        devices,
                        fault_span,
                        affected,
                        status: if crew.is_some() {
                            status
                        } else {
                            OutageStatus::Active
                        },
                        crew,
                        repair_left: 3,
                        switched: Vec::new(),
                        opened_tick: 0,
                    },
                );
            }
        }
        // A crew assigned to an outage that is not in progress is free.
        let known: BTreeSet<u64> = ops.outages.keys().copied().collect();
        for c in ops.crews.values_mut() {
            if c.outage.is_some_and(|o| !known.contains(&o)) {
                c.outage = None;
                c.status = CrewStatus::Available;
            }
        }
        ops
    }

    /// Fault spans of the outages in progress, except `but`.
    pub fn fault_spans(&self, but: Option<u64>) -> BTreeSet<u64> {
        self.outages
            .values()
            .filter(|o| Some(o.id) != but)
            .filter_map(|o| o.fault_span)
            .collect()
    }
}
