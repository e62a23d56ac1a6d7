//! What energization changed between two graphs of one structure: [`Liveness`] records which
//! nodes a graph energizes and which edges it has open, and [`GridGraph::changed_since`]
//! lists the assets (feature indices per layer) whose energization may differ in another
//! graph of the same structure — without a pass over every asset, only over the nodes and
//! edges.
//!
//! An asset's energization depends only on the nodes it attaches to and, for a span, on its
//! open flag (see [`GridGraph::asset_source`]): a span on its ends, a pole, switch or
//! transformer on its node, a meter on its transformer's node. So every asset whose
//! energization differs is attached to a node whose energization differs, or is a span whose
//! open flag differs: the lists are a superset of what changed (callers check each one).

use super::graph::{GridGraph, NONE};
use crate::index::IndexedLayer;

/// Which nodes a graph energizes and which edges it has open (see the module docs).
#[derive(Clone, Debug)]
pub struct Liveness {
    structure: u64,
    node_live: Vec<bool>,
    edge_open: Vec<bool>,
}

/// Feature indices, per topology layer, of the assets whose energization may differ between
/// two graphs (unsorted, may repeat).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangedAssets {
    pub spans: Vec<u32>,
    pub poles: Vec<u32>,
    pub switches: Vec<u32>,
    pub transformers: Vec<u32>,
    pub meters: Vec<u32>,
}

impl GridGraph {
    /// Which nodes this graph energizes and which edges it has open.
    pub fn liveness(&self) -> Liveness {
        Liveness {
            structure: self.structure,
            node_live: self.source.iter().map(|&s| s != NONE).collect(),
            edge_open: self.edges.iter().map(|e| e.open).collect(),
        }
    }

    /// The assets whose energization may differ between the graph `before` was read from and
    /// this one (see the module docs); `None` when the structures differ.
    pub fn changed_since(&self, before: &Liveness) -> Option<ChangedAssets> {
        if before.structure != self.structure
            || before.node_live.len() != self.source.len()
            || before.edge_open.len() != self.edges.len()
        {
            return None;
        }
        let mut out = ChangedAssets::default();
        let mut span = |e: u32| {
            if let Some(edge) = self.edges.get(e as usize) {
                out.spans.push(edge.span);
            }
        };
        for (e, (edge, &was)) in self.edges.iter().zip(&before.edge_open).enumerate() {
            if edge.open != was {
                span(e as u32);
            }
        }
        let nodes = self.source.iter().zip(&before.node_live).enumerate();
        let changed: Vec<u32> = nodes
            .filter(|(_, (&s, &was))| (s != NONE) != was)
            .map(|(n, _)| n as u32)
            .collect();
        for &n in &changed {
            for &e in self.adj.row(n) {
                span(e);
            }
        }
        for &n in &changed {
            if let Some(&p) = self.node_pole.get(n as usize).filter(|&&p| p != NONE) {
                out.poles.push(p);
            }
            out.switches.extend_from_slice(self.node_switches.row(n));
            for &t in self.node_transformers.row(n) {
                out.transformers.push(t);
                out.meters.extend_from_slice(self.transformer_meters.row(t));
            }
        }
        Some(out)
    }

    /// The entries of `changed` for `layer` when it is one of this graph's topology layers
    /// (the same `Arc`), else `None`.
    pub fn changed_in<'a>(
        &self,
        changed: &'a ChangedAssets,
        layer: &IndexedLayer,
    ) -> Option<&'a [u32]> {
        let is =
            |l: Option<&std::sync::Arc<IndexedLayer>>| l.is_some_and(|l| std::ptr::eq(&**l, layer));
        let l = &self.layers;
        if is(Some(&l.spans)) {
            Some(&changed.spans)
        } else if is(l.poles.as_ref()) {
            Some(&changed.poles)
        } else if is(l.switches.as_ref()) {
            Some(&changed.switches)
        } else if is(l.transformers.as_ref()) {
            Some(&changed.transformers)
        } else if is(l.meters.as_ref()) {
            Some(&changed.meters)
        } else {
            None
        }
    }
}
