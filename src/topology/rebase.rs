//! Deriving a graph from another one instead of building it again: when a snapshot differs
//! from the graph's only in attributes the connectivity does not read (statuses, loads,
//! crews, outages) and in switch states, the nodes, edges and attachments are the same, so
//! [`GridGraph::rebase`] shares them (the build's `Structure`, an `Arc`; only the edges' and
//! switches' open flags are copied), sets the switch states of the new snapshot and computes
//! the energization forest again. [`GridGraph::with_switch_states`] does the same for a
//! hypothetical set of switch states (the simulator's "what if this device opens").
//!
//! A rebase checks what it relies on, feature by feature (an `Arc`-shared layer, chunk of
//! features or feature costs a pointer comparison): same layers, same fields, same feature ids in the same order,
//! same values of every attribute the build reads except `current_state`. Anything else —
//! a span added, a meter moved to another transformer — returns `None` and the caller builds.

use std::sync::{Arc, Mutex};

use crate::index::{IndexedLayer, Snapshot};

use super::graph::{GridGraph, Layers};
use super::schema::{str_attr, TopologySchema};

impl GridGraph {
    /// The graph of `snapshot`, derived from this one, or `None` when the snapshot's
    /// connectivity differs (see the module docs). The result equals
    /// `GridGraph::build(snapshot, schema)`.
    pub fn rebase(&self, snapshot: &Snapshot, schema: &TopologySchema) -> Option<GridGraph> {
        let layer = |name: &str| snapshot.layers.iter().find(|l| l.name == name).cloned();
        let layers = Layers {
            spans: layer(&schema.spans_layer)?,
            substations: layer(&schema.substations_layer),
            switches: layer(&schema.switches_layer),
            transformers: layer(&schema.transformers_layer),
            poles: layer(&schema.poles_layer),
            meters: layer(&schema.meters_layer),
        };
        let old = &self.layers;
        let same =
            |a: Option<&Arc<IndexedLayer>>, b: Option<&Arc<IndexedLayer>>, f: &[&str]| match (a, b)
            {
                (None, None) => true,
                (Some(a), Some(b)) => a.same_values(b, f),
                _ => false,
            };
        let s = schema;
        let unchanged = same(
            Some(&old.spans),
            Some(&layers.spans),
            &[&s.from_node, &s.to_node, &s.feeder_id, &s.section],
        ) && same(old.substations.as_ref(), layers.substations.as_ref(), &[])
            && same(old.poles.as_ref(), layers.poles.as_ref(), &[])
            && same(
                old.switches.as_ref(),
                layers.switches.as_ref(),
                &[&s.node_id, &s.device_type, &s.feeder_id],
            )
            && same(
                old.transformers.as_ref(),
                layers.transformers.as_ref(),
                &[&s.node_id, &s.feeder_id, &s.customer_count],
            )
            && same(
                old.meters.as_ref(),
                layers.meters.as_ref(),
                &[&s.transformer_id],
            );
        if !unchanged {
            return None;
        }
        let open: Vec<bool> = match layers.switches.as_deref() {
            Some(l) => {
                let state_f = l.fields.iter().position(|f| f.name == s.current_state);
                l.features
                    .iter()
                    .map(|f| str_attr(f, state_f) == Some(s.open_state.as_str()))
                    .collect()
            }
            None => Vec::new(),
        };
        let mut graph = self.copy_structure(layers, snapshot.version);
        if self
            .switches
            .iter()
            .map(|s| s.open)
            .eq(open.iter().copied())
        {
            // Same switch states: the same energization forest.
            graph.parent_edge = self.parent_edge.clone();
            graph.source = self.source.clone();
            graph.depth = self.depth.clone();
        } else {
            graph.set_open(&open, self);
        }
        Some(graph)
    }

    /// This graph with some switches in another state (`(switch id, "open" | "closed")`,
    /// by the schema's open state value `open_state`; unknown ids are ignored), as the
    /// build would give for a snapshot with those `current_state` values.
    pub fn with_switch_states(&self, states: &[(u64, &str)], open_state: &str) -> GridGraph {
        let mut open: Vec<bool> = self.switches.iter().map(|s| s.open).collect();
        if let Some(l) = self.layers.switches.as_deref() {
            for &(id, state) in states {
                if let Some(&i) = l.by_id.get(&id) {
                    open[i as usize] = state == open_state;
                }
            }
        }
        let mut graph = self.copy_structure(self.layers.clone(), self.version);
        graph.set_open(&open, self);
        graph
    }

    /// A graph with other layers (of the same structure) and version, sharing this one's
    /// structure; the energization is left to the caller.
    fn copy_structure(&self, layers: Layers, version: u64) -> GridGraph {
        GridGraph {
            version,
            structure: self.structure,
            limits: self.limits,
            layers,
            stats: self.stats.clone(),
            shared: Arc::clone(&self.shared),
            edges: self.edges.clone(),
            switches: self.switches.clone(),
            parent_edge: Vec::new(),
            source: Vec::new(),
            depth: Vec::new(),
            scratch: Mutex::new(Vec::new()),
        }
    }

    /// Sets switch `s` open when `open[s]`, every edge open when a switch controlling it
    /// is, and energizes again (from `before`'s energization: the graph this one was copied
    /// from).
    fn set_open(&mut self, open: &[bool], before: &GridGraph) {
        for (s, info) in self.switches.iter_mut().enumerate() {
            info.open = open.get(s).copied().unwrap_or(false);
        }
        let shared = Arc::clone(&self.shared);
        for (e, edge) in self.edges.iter_mut().enumerate() {
            let ctrl = shared.edge_switches.row(e as u32);
            edge.open = ctrl.iter().any(|&s| self.switches[s as usize].open);
        }
        self.energize_from(before);
    }
}
