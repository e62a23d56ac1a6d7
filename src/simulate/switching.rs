//! Switching: planned load transfers between healthy feeders ([`start_transfer`],
//! [`end_transfer`]) and pick-ups.
//!
//! Switching to pick up customers of a long outage: close an open tie switch to a
//! neighbouring feeder and open the protective devices that isolate the faulted span from
//! that new supply (the isolation trace on a graph with the tie closed), so the healthy
//! section is fed from the neighbour while the fault stays dark. The result is checked on a
//! graph with the new switch states; the outage remembers the switching and its
//! restoration undoes it.

use std::collections::BTreeSet;

use rand::Rng;

use super::edits::{int, text, Edits};
use super::energy::{all_ids, apply, energize};
use super::model::OutageStatus;
use super::{SimError, Simulator};
use crate::index::Snapshot;
use crate::model::Value;
use crate::topology::GridGraph;

/// Tie switches tried per outage.
const MAX_TIES: usize = 2;

/// Picks up part of one outage; returns its id when switching was done.
pub fn pick_up(
    sim: &mut Simulator,
    snapshot: &Snapshot,
    graph: &GridGraph,
    edits: &mut Edits,
) -> Result<Option<u64>, SimError> {
    let Some(switches) = snapshot.layer("switches") else {
        return Ok(None);
    };
    let busy = sim.busy_feeders();
    let faults = sim.ops.fault_spans(None);
    let kind = |id: u64| text(switches, id, "device_type");
    let state = |id: u64| text(switches, id, "current_state");
    let eligible: Vec<u64> = sim
        .ops
        .outages
        .values()
        .filter(|o| o.status != OutageStatus::Restoring && o.switched.is_empty())
        .filter(|o| o.fault_span.is_some())
        .map(|o| o.id)
        .collect();
    for id in eligible {
        let o = &sim.ops.outages[&id];
        let Some(fault) = o.fault_span else { continue };
        // Open ties between the outage's feeder and a feeder without an outage.
        let ties: Vec<u64> = switches
            .features
            .iter()
            .map(|f| f.id)
            .filter(|&s| kind(s) == Some("tie_switch") && state(s) == Some("open"))
            .filter(|&s| {
                let (a, b) = (
                    int(switches, s, "feeder_id"),
                    int(switches, s, "tie_feeder_id"),
                );
                let other = if a == Some(o.feeder_id) {
                    b
                } else if b == Some(o.feeder_id) {
                    a
                } else {
                    None
                };
                other.is_some_and(|f| !busy.contains(&f))
            })
            .take(MAX_TIES)
            .collect();
        let before = dark_meters(snapshot, &o.affected);
        for &tie in &ties {
            // With the tie closed, the devices that isolate the fault from the new supply.
            let closed = [(tie, "closed")];
            let Ok(iso) = graph.with_switch_states(&closed, "open").isolate(fault) else {
                continue;
            };
            // Fed through the tie, the fault must be isolated again; if the tie does not reach
            // it, closing the tie alone may pick customers up.
            let cuts: &[u64] = if iso.energized_from.is_none() {
                &[]
            } else if iso.isolable && !iso.devices.is_empty() {
                &iso.devices
            } else {
                continue;
            };
            let mut states: Vec<(u64, &'static str)> = closed.to_vec();
            states.extend(cuts.iter().map(|&d| (d, "open")));
            let mut candidates = o.affected.clone();
            if let Ok(n) = graph.neighbours(tie) {
                candidates.extend(all_ids(&n.ids));
            }
            let e = energize(
                &mut sim.statuses,
                graph,
                snapshot,
                &states,
                &candidates,
                &faults,
            )?;
            let after = e.dark_meters(snapshot);
            if !e.dark.contains(&fault) || after >= before {
                continue;
            }
            apply(edits, &states, &e)?;
            edits.set(
                "outages",
                id,
                "customers_out",
                Some(Value::Int(after as i64)),
            )?;
            if let Some(o) = sim.ops.outages.get_mut(&id) {
                o.switched = cuts.iter().map(|&d| (d, "closed")).collect();
                o.switched.push((tie, "open"));
                o.affected = candidates;
            }
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Meters among `ids` whose status is not `energized`.
fn dark_meters(snapshot: &Snapshot, ids: &BTreeSet<u64>) -> usize {
    let Some(meters) = snapshot.layer("meters") else {
        return 0;
    };
    ids.iter()
        .filter(|&&id| {
            meters.by_id.contains_key(&id) && text(meters, id, "status") != Some("energized")
        })
        .count()
}

/// A planned load transfer in progress: `tie` closed and `device` opened, so the section
/// between them is fed from the neighbouring feeder; undone after `ticks_left` ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct Transfer {
    pub tie: u64,
    pub device: u64,
    /// The two feeders involved (no fault is started on them meanwhile).
    pub feeders: [i64; 2],
    pub ticks_left: u32,
}

/// How long a planned transfer lasts, in ticks.
pub const TRANSFER_TICKS: u32 = 8;

/// Starts a planned load transfer between two feeders without outages: close an open tie
/// and open a closed device on the tie's supply path, provided no customer loses power.
pub fn start_transfer(
    sim: &mut Simulator,
    snapshot: &Snapshot,
    graph: &GridGraph,
    edits: &mut Edits,
) -> Result<Option<u64>, SimError> {
    let Some(switches) = snapshot.layer("switches") else {
        return Ok(None);
    };
    let kind = |id: u64| text(switches, id, "device_type");
    let state = |id: u64| text(switches, id, "current_state");
    let busy = sim.busy_feeders();
    let ties: Vec<(u64, [i64; 2])> = switches
        .features
        .iter()
        .filter(|f| kind(f.id) == Some("tie_switch") && state(f.id) == Some("open"))
        .filter_map(|f| {
            let a = int(switches, f.id, "feeder_id")?;
            let b = int(switches, f.id, "tie_feeder_id")?;
            (!busy.contains(&a) && !busy.contains(&b)).then_some((f.id, [a, b]))
        })
        .collect();
    if ties.is_empty() {
        return Ok(None);
    }
    let start = sim.rng.random_range(0..ties.len());
    for &(tie, feeders) in ties.iter().cycle().skip(start).take(MAX_TIES) {
        let Ok(up) = graph.upstream(tie) else {
            continue;
        };
        let on_path: Vec<u64> = up
            .path_devices
            .iter()
            .copied()
            .filter(|&d| matches!(kind(d), Some("recloser" | "sectionalizer" | "fuse")))
            .filter(|&d| state(d) == Some("closed"))
            .collect();
        let Some(&device) = on_path.get(on_path.len() / 2) else {
            continue;
        };
        let states = [(tie, "closed"), (device, "open")];
        let faults = sim.ops.fault_spans(None);
        let e = energize(
            &mut sim.statuses,
            graph,
            snapshot,
            &states,
            &BTreeSet::new(),
            &faults,
        )?;
        if e.statuses.iter().any(|&(_, _, s)| s != "energized") {
            continue;
        }
        apply(edits, &states, &e)?;
        sim.transfers.push(Transfer {
            tie,
            device,
            feeders,
            ticks_left: TRANSFER_TICKS,
        });
        return Ok(Some(tie));
    }
    Ok(None)
}

/// The first planned transfer that is due and can end (neither of its feeders has an
/// outage meanwhile), by index into the simulator's transfers.
pub fn due_transfer(sim: &Simulator) -> Option<usize> {
    let outage_feeders: BTreeSet<i64> = sim.ops.outages.values().map(|o| o.feeder_id).collect();
    sim.transfers
        .iter()
        .position(|t| t.ticks_left == 0 && !t.feeders.iter().any(|f| outage_feeders.contains(f)))
}

/// Ends planned transfer `i` (from [`due_transfer`]): tie opened, device closed again;
/// returns its tie.
pub fn end_transfer(
    sim: &mut Simulator,
    snapshot: &Snapshot,
    graph: &GridGraph,
    i: usize,
    edits: &mut Edits,
) -> Result<u64, SimError> {
    let t = sim.transfers.remove(i);
    let states = [(t.tie, "open"), (t.device, "closed")];
    let faults = sim.ops.fault_spans(None);
    let e = energize(
        &mut sim.statuses,
        graph,
        snapshot,
        &states,
        &BTreeSet::new(),
        &faults,
    )?;
    apply(edits, &states, &e)?;
    Ok(t.tie)
}
