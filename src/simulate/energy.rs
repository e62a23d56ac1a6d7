//! Energization after switching: the statuses of a set of assets under new switch states,
//! read from a topology graph of the snapshot with those states (so they always agree with
//! a fresh trace), and their application to [`Edits`].

use std::collections::BTreeSet;

use super::edits::{field_index, EditError, Edits};
use super::status_index::StatusIndex;
use crate::index::{IndexedLayer, Snapshot};
use crate::model::Value;
use crate::topology::{GridGraph, TopologySchema};

/// The network layers whose `status` follows energization, in lookup order.
pub const NETWORK_LAYERS: [&str; 5] = ["feeders", "poles", "switches", "transformers", "meters"];

/// Why energization could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum EnergyError {
    #[error(transparent)]
    Edit(#[from] EditError),
    #[error("switch change: {0}")]
    Update(#[from] crate::index::UpdateError),
    #[error("topology: {0}")]
    Topology(#[from] crate::topology::TopologyError),
}

/// Statuses of assets under new switch states.
#[derive(Debug, Default)]
pub struct Energization {
    /// `(layer, id, status)` of every network asset whose status must change.
    pub statuses: Vec<(&'static str, u64, &'static str)>,
    /// Candidates that are not energized (faulted spans included).
    pub dark: BTreeSet<u64>,
}

impl Energization {
    /// Meters among `dark`.
    pub fn dark_meters(&self, snapshot: &Snapshot) -> usize {
        let Some(meters) = snapshot.layer("meters") else {
            return 0;
        };
        self.dark
            .iter()
            .filter(|id| meters.by_id.contains_key(id))
            .count()
    }
}

/// The layer of network asset `id`.
pub fn layer_of(snapshot: &Snapshot, id: u64) -> Option<&'static str> {
    NETWORK_LAYERS
        .into_iter()
        .find(|l| snapshot.layer(l).is_some_and(|l| l.by_id.contains_key(&id)))
}

/// The status changes once the switches `switch_states` (`(id, "open" | "closed")`) are
/// set: `fault` for `faults`, else `energized` / `de-energized` per `graph` (the graph of
/// `snapshot`) with those states, for every network asset whose status differs (the trace's
/// `candidates` are what the outage darkened: `dark` lists those left dark). Tie switches
/// keep their status (it describes both feeders they join).
///
/// Every asset is accounted for, not only the candidates: a status can never drift from the
/// graph, whatever a trace left out (tie spans live from either end, loops through closed
/// ties). `index` (kept across calls and snapshot versions) narrows the check to the assets
/// whose status can differ ([`StatusIndex`]); the result equals [`full_scan`]'s.
pub fn energize(
    index: &mut StatusIndex,
    graph: &GridGraph,
    snapshot: &Snapshot,
    switch_states: &[(u64, &'static str)],
    candidates: &BTreeSet<u64>,
    faults: &BTreeSet<u64>,
) -> Result<Energization, EnergyError> {
    let what_if = graph.with_switch_states(switch_states, &TopologySchema::default().open_state);
    let mut out = Energization::default();
    for &id in candidates {
        if faults.contains(&id) || what_if.energized_from(id).is_ok_and(|s| s.is_none()) {
            out.dark.insert(id);
        }
    }
    out.statuses = match index.statuses(graph, &what_if, snapshot, faults) {
        Some(statuses) => statuses,
        None => full_scan(&what_if, snapshot, faults),
    };
    Ok(out)
}

/// `(layer, id, status)` of every network asset of `snapshot` whose status differs from the
/// one `graph` and `faults` give it, by a pass over every asset (an array read per asset,
/// ~300,000 at scale 1, by feature index): [`energize`]'s oracle and fallback.
pub fn full_scan(
    graph: &GridGraph,
    snapshot: &Snapshot,
    faults: &BTreeSet<u64>,
) -> Vec<(&'static str, u64, &'static str)> {
    let mut out = Vec::new();
    for layer in NETWORK_LAYERS {
        let Some(l) = snapshot.layer(layer) else {
            continue;
        };
        let Some(fields) = StatusFields::of(l) else {
            continue;
        };
        for (i, f) in l.features.iter().enumerate() {
            if let Some(status) = status_change(graph, l, i as u32, fields, faults) {
                out.push((layer, f.id, status));
            }
        }
    }
    out
}

/// Where a network layer keeps what a status check reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusFields {
    status: usize,
    device_type: Option<usize>,
}

impl StatusFields {
    /// The fields of `layer`, or `None` when it has no `status` (its assets are not checked).
    pub fn of(layer: &IndexedLayer) -> Option<StatusFields> {
        Some(StatusFields {
            status: field_index(layer, "status").ok()?,
            device_type: field_index(layer, "device_type").ok(),
        })
    }
}

/// The status feature `index` of `layer` must take under `graph` and `faults` (`fault`,
/// `energized` or `de-energized`) when it differs from its current one; `None` when it
/// keeps it, is a tie switch, or is unknown to the graph.
pub fn status_change(
    graph: &GridGraph,
    layer: &IndexedLayer,
    index: u32,
    fields: StatusFields,
    faults: &BTreeSet<u64>,
) -> Option<&'static str> {
    let f = layer.features.get(index as usize)?;
    let is_tie = fields
        .device_type
        .is_some_and(|k| matches!(&f.properties[k], Some(Value::Str(s)) if &**s == "tie_switch"));
    if is_tie {
        return None;
    }
    let source = graph.energized_from_feature(layer, index).ok()?;
    let status = if faults.contains(&f.id) {
        "fault"
    } else if source.is_some() {
        "energized"
    } else {
        "de-energized"
    };
    let current = match &f.properties[fields.status] {
        Some(Value::Str(s)) => Some(&**s),
        _ => None,
    };
    (current != Some(status)).then_some(status)
}

/// A topology graph of `snapshot` with the switches `switch_states` set, built from scratch:
/// the tests' oracle for [`GridGraph::with_switch_states`], which the simulator uses.
#[cfg(test)]
pub fn graph_with(
    snapshot: &Snapshot,
    switch_states: &[(u64, &'static str)],
) -> Result<GridGraph, EnergyError> {
    let mut set = crate::index::ChangeSet::default();
    if !switch_states.is_empty() {
        let mut probe = Edits::new(snapshot);
        for &(id, state) in switch_states {
            probe.set("switches", id, "current_state", Some(Value::from(state)))?;
        }
        set = probe.into_changes();
    }
    let tentative = if set.is_empty() {
        None
    } else {
        Some(snapshot.apply(set, snapshot.version + 1)?.snapshot)
    };
    Ok(GridGraph::build(
        tentative.as_ref().unwrap_or(snapshot),
        &TopologySchema::default(),
    )?)
}

/// Records the switch states and the statuses that differ from the current ones.
pub fn apply(
    edits: &mut Edits,
    switch_states: &[(u64, &'static str)],
    energization: &Energization,
) -> Result<(), EditError> {
    for &(id, state) in switch_states {
        edits.set("switches", id, "current_state", Some(Value::from(state)))?;
    }
    for &(layer, id, status) in &energization.statuses {
        let current = match edits.get(layer, id, "status") {
            Some(Value::Str(s)) => Some(&**s),
            _ => None,
        };
        if current != Some(status) {
            edits.set(layer, id, "status", Some(Value::from(status)))?;
        }
    }
    Ok(())
}

/// Every id of a trace's or isolation's asset lists.
pub fn all_ids(ids: &crate::topology::AssetIds) -> BTreeSet<u64> {
    ids.spans
        .iter()
        .chain(&ids.poles)
        .chain(&ids.switches)
        .chain(&ids.transformers)
        .chain(&ids.meters)
        .copied()
        .collect()
}
