//! Collecting trace results: ids per layer with a cap, customer counts, and the final
//! sort + dedup.

use super::graph::{fid, GridGraph, NONE};
use super::result::{AssetIds, AssetKind};

/// Accumulates the assets a query finds. Each list keeps at most `cap` entries (beyond it
/// ids are dropped and `truncated` is set); customers are counted in full.
pub(crate) struct Collector<'g> {
    g: &'g GridGraph,
    cap: usize,
    ids: AssetIds,
    pub customers: u64,
    pub truncated: bool,
}

impl<'g> Collector<'g> {
    pub(crate) fn new(g: &'g GridGraph) -> Self {
        Collector {
            g,
            cap: g.limits.max_ids,
            ids: AssetIds::default(),
            customers: 0,
            truncated: false,
        }
    }

    /// Adds a feature id to the list of its kind.
    pub(crate) fn add(&mut self, kind: AssetKind, id: u64) {
        let cap = self.cap;
        let list = self.list(kind);
        if list.len() < cap {
            list.push(id);
        } else {
            self.truncated = true;
        }
    }

    /// Adds substation feature index `s`.
    pub(crate) fn substation(&mut self, s: u32) {
        self.add(AssetKind::Substation, self.g.substation_id(s));
    }

    /// Adds edge `e` (its span).
    pub(crate) fn span(&mut self, e: u32) {
        if let Some(edge) = self.g.edge(e) {
            self.add(AssetKind::Span, fid(Some(&self.g.layers.spans), edge.span));
        }
    }

    /// Adds edge `e` and the switches that control it.
    pub(crate) fn span_with_switches(&mut self, e: u32) {
        self.span(e);
        for &s in self.g.edge_switches.row(e) {
            self.switch(s);
        }
    }

    /// Adds what node `n` is: its pole, or its substation if it is a root.
    pub(crate) fn node(&mut self, n: u32) {
        if let Some(&p) = self.g.node_pole.get(n as usize) {
            if p != NONE {
                self.add(AssetKind::Pole, fid(self.g.layers.poles.as_ref(), p));
            }
        }
        if let Some(&s) = self.g.node_substation.get(n as usize) {
            if s != NONE {
                self.substation(s);
            }
        }
    }

    /// Adds switch feature index `s`.
    pub(crate) fn switch(&mut self, s: u32) {
        self.add(AssetKind::Switch, fid(self.g.layers.switches.as_ref(), s));
    }

    /// Adds transformer feature index `t` alone.
    pub(crate) fn transformer(&mut self, t: u32) {
        if t != NONE {
            self.add(
                AssetKind::Transformer,
                fid(self.g.layers.transformers.as_ref(), t),
            );
        }
    }

    /// Adds transformer `t`, its meters and its customers.
    pub(crate) fn transformer_with_meters(&mut self, t: u32) {
        if t == NONE {
            return;
        }
        self.transformer(t);
        for &m in self.g.transformer_meters.row(t) {
            self.add(AssetKind::Meter, fid(self.g.layers.meters.as_ref(), m));
        }
        let customers = self.g.transformer_customers.get(t as usize).copied();
        self.customers = self
            .customers
            .saturating_add(u64::from(customers.unwrap_or(0)));
    }

    /// Adds meter feature index `m` (one customer).
    pub(crate) fn meter(&mut self, m: u32) {
        self.add(AssetKind::Meter, fid(self.g.layers.meters.as_ref(), m));
        self.customers = self.customers.saturating_add(1);
    }

    /// Removes an id from the list of its kind (a query's own asset from its neighbours).
    pub(crate) fn remove(&mut self, kind: AssetKind, id: u64) {
        self.list(kind).retain(|&x| x != id);
    }

    fn list(&mut self, kind: AssetKind) -> &mut Vec<u64> {
        match kind {
            AssetKind::Substation => &mut self.ids.substations,
            AssetKind::Span => &mut self.ids.spans,
            AssetKind::Pole => &mut self.ids.poles,
            AssetKind::Switch => &mut self.ids.switches,
            AssetKind::Transformer => &mut self.ids.transformers,
            AssetKind::Meter => &mut self.ids.meters,
        }
    }

    /// Sorted, deduplicated ids, the customer count and the truncation flag.
    pub(crate) fn finish(mut self) -> (AssetIds, u64, bool) {
        for list in [
            &mut self.ids.substations,
            &mut self.ids.spans,
            &mut self.ids.poles,
            &mut self.ids.switches,
            &mut self.ids.transformers,
            &mut self.ids.meters,
        ] {
            list.sort_unstable();
            list.dedup();
        }
        (self.ids, self.customers, self.truncated)
    }
}
