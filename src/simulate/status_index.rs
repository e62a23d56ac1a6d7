//! [`StatusIndex`]: where the network layers' `status` attributes disagree with the topology
//! graph of the snapshot, kept from one snapshot version to the next by looking only at what
//! changed, so [`super::energy::energize`] checks the assets a what-if can change instead of
//! every asset of the grid (~300,000 at scale 1) per what-if graph.
//!
//! For a snapshot and its graph the index holds, per network layer, the *mismatches*: the
//! feature indices whose status differs from the one the graph gives it with no fault
//! ([`status_change`]) — usually only the faulted spans. A what-if graph with faults `F`
//! can only change the status of a mismatch, of an asset whose energization differs between
//! the two graphs ([`GridGraph::changed_since`]) or of a fault: every other asset has the
//! same energization in both, and its status agreed with the first. The next snapshot's
//! mismatches are found the same way, among the old ones, the assets whose energization
//! changed with the new graph and the features of every chunk of features
//! ([`crate::index::Chunked`]) the update wrote to (a chunk the two share holds the same
//! features). A layer whose length or fields changed, or a graph of another structure, is
//! scanned whole. Only the simulator (the one writer) keeps one: nothing here is shared.
//! It keeps a layer's chunk pointers, not the layer: an old layer (its merged lines, its
//! tree) is freed where its snapshot and graph are retired, not in the simulator's tick.

use std::collections::BTreeSet;
use std::sync::{Arc, Weak};

use super::energy::{status_change, StatusFields, NETWORK_LAYERS};
use crate::index::{Features, IndexedLayer, Snapshot};
use crate::model::Field;
use crate::topology::{ChangedAssets, GridGraph, Liveness};

/// See the module docs. Empty until the first [`StatusIndex::statuses`].
#[derive(Default)]
pub struct StatusIndex {
    base: Option<Base>,
}

/// The mismatches of one snapshot and its graph.
struct Base {
    /// The graph's energization (what a what-if or the next graph is compared with).
    liveness: Liveness,
    /// Per [`NETWORK_LAYERS`] entry (`None`: no such layer, or no `status`).
    layers: Vec<Option<Mismatches>>,
}

struct Mismatches {
    /// The layer read: its identity (a `Weak` keeps the allocation, so the address is not
    /// reused), its chunks (to compare with the next version's) and its fields.
    layer: Weak<IndexedLayer>,
    features: Features,
    schema: Vec<Field>,
    fields: StatusFields,
    /// Feature indices, ascending.
    indices: Vec<u32>,
}

/// A status a graph gives and no fault.
const NO_FAULTS: &BTreeSet<u64> = &BTreeSet::new();

impl StatusIndex {
    /// What [`super::energy::full_scan`]`(what_if, snapshot, faults)` returns, found from the
    /// mismatches of `snapshot` and `graph` (its graph; `what_if` is derived from it), which
    /// are brought up to date first. `None` when the index cannot tell (the graph was not
    /// built from `snapshot`'s layers): the caller scans.
    pub fn statuses(
        &mut self,
        graph: &GridGraph,
        what_if: &GridGraph,
        snapshot: &Snapshot,
        faults: &BTreeSet<u64>,
    ) -> Option<Vec<(&'static str, u64, &'static str)>> {
        let layers = network_layers(snapshot);
        let base = self.refresh(graph, &layers)?;
        let changed = what_if.changed_since(&base.liveness)?;
        let mut out = Vec::new();
        for ((&name, m), l) in NETWORK_LAYERS.iter().zip(&base.layers).zip(&layers) {
            let (Some(m), Some((l, _))) = (m, l) else {
                continue;
            };
            let mut check = m.indices.clone();
            check.extend_from_slice(what_if.changed_in(&changed, l)?);
            check.extend(faults.iter().filter_map(|id| l.by_id.get(id).copied()));
            check.sort_unstable();
            check.dedup();
            for i in check {
                if let Some(status) = status_change(what_if, l, i, m.fields, faults) {
                    out.push((name, l.features[i as usize].id, status));
                }
            }
        }
        Some(out)
    }

    /// The mismatches of `snapshot` and `graph`: the kept ones when they are of the same
    /// layers and structure, else updated from them (or computed whole).
    fn refresh(&mut self, graph: &GridGraph, layers: &[Option<Layer>]) -> Option<&Base> {
        let none = ChangedAssets::default();
        let known = |l: &IndexedLayer| graph.changed_in(&none, l).is_some();
        if layers.iter().flatten().any(|(l, _)| !known(l)) {
            self.base = None;
            return None;
        }
        let old = self.base.take();
        let same_layers = |b: &Base| {
            b.layers
                .iter()
                .zip(layers.iter())
                .all(|(m, l)| match (m, l) {
                    (None, None) => true,
                    (Some(m), Some((l, _))) => std::ptr::eq(m.layer.as_ptr(), Arc::as_ptr(l)),
                    _ => false,
                })
        };
        let old = old.and_then(|b| Some((graph.changed_since(&b.liveness)?, b)));
        let base = match old {
            // Same features and energization.
            Some((changed, b)) if changed == none && same_layers(&b) => b,
            Some((changed, b)) => {
                let mut old_layers = b.layers.into_iter();
                let mut updated = Vec::with_capacity(layers.len());
                for l in layers {
                    let old = old_layers.next().flatten();
                    updated.push(l.as_ref().map(|(l, fields)| match old {
                        Some(old) => update(graph, &changed, old, l, *fields),
                        None => scan(graph, l, *fields),
                    }));
                }
                Base {
                    liveness: graph.liveness(),
                    layers: updated,
                }
            }
            None => full(graph, layers),
        };
        Some(self.base.insert(base))
    }
}

/// A network layer of the snapshot, with its status fields.
type Layer = (Arc<IndexedLayer>, StatusFields);

/// The snapshot's [`NETWORK_LAYERS`] (`None`: missing, or without `status`).
fn network_layers(snapshot: &Snapshot) -> Vec<Option<Layer>> {
    NETWORK_LAYERS
        .iter()
        .map(|&name| {
            let l = snapshot.layers.iter().find(|l| l.name == name)?;
            Some((Arc::clone(l), StatusFields::of(l)?))
        })
        .collect()
}

/// Every layer scanned.
fn full(graph: &GridGraph, layers: &[Option<Layer>]) -> Base {
    Base {
        liveness: graph.liveness(),
        layers: layers
            .iter()
            .map(|l| l.as_ref().map(|(l, fields)| scan(graph, l, *fields)))
            .collect(),
    }
}

/// What the index keeps of `layer`, with its mismatches `indices`.
fn kept(layer: &Arc<IndexedLayer>, fields: StatusFields, indices: Vec<u32>) -> Mismatches {
    Mismatches {
        layer: Arc::downgrade(layer),
        features: layer.features.clone(),
        schema: layer.fields.clone(),
        fields,
        indices,
    }
}

/// The mismatches of `layer` under `graph`, by a pass over it.
fn scan(graph: &GridGraph, layer: &Arc<IndexedLayer>, fields: StatusFields) -> Mismatches {
    let indices = (0..layer.features.len() as u32)
        .filter(|&i| status_change(graph, layer, i, fields, NO_FAULTS).is_some())
        .collect();
    kept(layer, fields, indices)
}

/// The mismatches of `layer` under `graph`, from `old` (those of the previous version of the
/// layer, under the graph `changed` was computed against): see the module docs.
fn update(
    graph: &GridGraph,
    changed: &ChangedAssets,
    old: Mismatches,
    layer: &Arc<IndexedLayer>,
    fields: StatusFields,
) -> Mismatches {
    if old.fields != fields
        || old.schema != layer.fields
        || old.features.len() != layer.features.len()
    {
        return scan(graph, layer, fields);
    }
    let mut check = old.indices;
    check.extend_from_slice(graph.changed_in(changed, layer).unwrap_or(&[]));
    let mut start = 0u32;
    for (a, b) in old.features.chunks().zip(layer.features.chunks()) {
        if !std::ptr::eq(a, b) {
            check.extend(start..start + b.len() as u32);
        }
        start += b.len() as u32;
    }
    check.sort_unstable();
    check.dedup();
    check.retain(|&i| status_change(graph, layer, i, fields, NO_FAULTS).is_some());
    kept(layer, fields, check)
}
