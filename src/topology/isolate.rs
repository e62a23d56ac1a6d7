//! Isolation: which protective devices to open to de-energize an asset, and who loses power.

use super::collect::Collector;
use super::csr::Scratch;
use super::graph::{fid, Asset, GridGraph, NONE};
use super::result::{AssetIds, IsolationResult};
use super::TopologyError;

/// Scratch marks of the isolation passes.
const SEEN: u8 = 1;
const IN_REGION: u8 = 1;
const REACHED: u8 = 2;

/// Outcome of a search for a supply path.
enum PathSearch {
    /// Edges from the start to a substation root, nearest to the start first.
    Found(Vec<u32>),
    /// No substation is reachable.
    NoRoot,
    /// The node limit stopped the search.
    Truncated,
}

impl GridGraph {
    /// The nearest closed protective devices (breaker, recloser, fuse, sectionalizer) whose
    /// opening de-energizes an asset, and everything that loses power with it.
    ///
    /// The search takes the asset's supply path, picks the first closed protective device on
    /// it (nearest the asset; a switch never isolates itself), and repeats with that device
    /// open until no substation can reach the asset, so a loop through a closed tie yields a
    /// device on each side. A switch is isolated at its node (its line side); a meter through its
    /// transformer; a span when its `to` end is cut off once it is opened itself (or both its
    /// ends are dead). Who loses
    /// power is computed exactly: the energization subtrees below the opened spans minus
    /// whatever is still reachable from a substation around them, with the spans of the dead
    /// nodes — open ones (ties included) whose `to` end is dead too — and the opened spans
    /// whose `to` end is dead (an open span is live from its `to` end). This equals the
    /// difference of energization with and without the devices opened (`isolate_tests`).
    pub fn isolate(&self, id: u64) -> Result<IsolationResult, TopologyError> {
        let (asset_ref, asset) = self.resolve(id)?;
        let energized = self.asset_source(asset);
        let mut result = IsolationResult {
            asset: asset_ref,
            energized_from: energized.map(|s| self.substation_id(s)),
            devices: Vec::new(),
            isolable: false,
            de_energized: AssetIds::default(),
            customer_count: 0,
            truncated: false,
        };
        let (own_span, own_switch, start) = match asset {
            _ if energized.is_none() => return Ok(result),
            Asset::Substation(_) => return Ok(result),
            Asset::Span(e) => (Some(e), None, None),
            Asset::Pole(n) => (None, None, Some(n)),
            Asset::Switch(s) => (None, Some(s), self.switch_line(s)),
            Asset::Transformer(t) => (None, None, self.transformer_node.get(t as usize).copied()),
            Asset::Meter(m) => {
                let t = self
                    .meter_transformer
                    .get(m as usize)
                    .copied()
                    .unwrap_or(NONE);
                (None, None, self.transformer_node.get(t as usize).copied())
            }
        };
        let own_edge = own_span.and_then(|e| self.edge(e));
        let mut starts: Vec<u32> = match own_edge {
            Some(edge) => vec![edge.from, edge.to],
            None => start.into_iter().filter(|&n| n != NONE).collect(),
        };
        let mut blocked: Vec<u32> = Vec::new();
        let mut chosen: Vec<u32> = Vec::new();
        let mut c = Collector::new(self);
        self.with_scratch(|scratch| {
            loop {
                if let (Some(e), Some(edge)) = (own_span, own_edge) {
                    // An open span is cut at its `from` end and still live if its `to` end
                    // is: once it is blocked, only its `to` end must be cut off.
                    if blocked.contains(&e) && starts.len() == 2 {
                        starts = vec![edge.to];
                    }
                }
                let search = self.path_to_root(&starts, &blocked, scratch);
                scratch.reset();
                let path = match search {
                    PathSearch::Found(path) => path,
                    PathSearch::NoRoot => {
                        result.isolable = true;
                        break;
                    }
                    PathSearch::Truncated => {
                        result.truncated = true;
                        break;
                    }
                };
                if chosen.len() >= self.limits.max_isolation_devices {
                    break;
                }
                let device = own_span
                    .into_iter()
                    .chain(path)
                    .flat_map(|e| self.edge_switches.row(e).iter().copied())
                    .find(|&s| {
                        self.switches.get(s as usize).is_some_and(|x| {
                            x.kind.is_protective() && !x.open && Some(s) != own_switch
                        }) && !chosen.contains(&s)
                    });
                let Some(s) = device else { break };
                chosen.push(s);
                blocked.extend_from_slice(self.switch_edges.row(s));
            }
            if result.isolable {
                self.collect_lost(&blocked, scratch, &mut c);
            }
        });
        if result.isolable {
            c.add(asset_ref.kind, id);
        }
        for &s in &chosen {
            result.devices.push(fid(self.layers.switches.as_ref(), s));
        }
        let (ids, customers, truncated) = c.finish();
        result.de_energized = ids;
        result.customer_count = customers;
        result.truncated |= truncated;
        Ok(result)
    }

    /// Breadth-first search from `starts` to the nearest substation root over closed spans
    /// not in `blocked`.
    fn path_to_root(&self, starts: &[u32], blocked: &[u32], scratch: &mut Scratch) -> PathSearch {
        scratch.seed(starts, SEEN);
        let mut visited = 0usize;
        while let Some(u) = scratch.queue.pop_front() {
            if self
                .node_substation
                .get(u as usize)
                .is_some_and(|&s| s != NONE)
            {
                let mut path = Vec::new();
                let mut n = u;
                while let Some(edge) = self.edge(scratch.parent(n)) {
                    path.push(scratch.parent(n));
                    n = self.other_end(edge, n);
                    if path.len() > scratch.touched().len() {
                        break;
                    }
                }
                path.reverse();
                return PathSearch::Found(path);
            }
            visited += 1;
            if visited > self.limits.max_nodes {
                return PathSearch::Truncated;
            }
            for &e in self.adj.row(u) {
                let Some(edge) = self.edge(e) else { continue };
                let v = self.other_end(edge, u);
                if edge.open || blocked.contains(&e) || scratch.mark(v) != 0 {
                    continue;
                }
                scratch.set_mark(v, SEEN);
                scratch.set_parent(v, e);
                scratch.queue.push_back(v);
            }
        }
        PathSearch::NoRoot
    }

    /// Collects what loses power when the spans in `blocked` open: the nodes of the
    /// energization subtrees below them that no substation reaches any more, their spans,
    /// devices and meters, and the blocked spans that were energized.
    fn collect_lost(&self, blocked: &[u32], scratch: &mut Scratch, c: &mut Collector) {
        scratch.reset();
        let mut budget = self.limits.max_nodes;
        // 1. The region: subtrees below blocked energization edges.
        for &b in blocked {
            let Some(edge) = self.edge(b) else { continue };
            let child = [edge.to, edge.from]
                .into_iter()
                .find(|&n| self.parent_of(n) == b);
            if let Some(child) = child.filter(|&n| scratch.mark(n) == 0) {
                scratch.set_mark(child, IN_REGION);
                scratch.queue.push_back(child);
            }
            while let Some(u) = scratch.queue.pop_front() {
                if budget == 0 {
                    c.truncated = true;
                    scratch.queue.clear();
                    break;
                }
                budget -= 1;
                for &e in self.adj.row(u) {
                    let Some(x) = self.edge(e) else { continue };
                    let v = self.other_end(x, u);
                    if self.parent_of(v) == e && scratch.mark(v) == 0 {
                        scratch.set_mark(v, IN_REGION);
                        scratch.queue.push_back(v);
                    }
                }
            }
        }
        let region: Vec<u32> = scratch.touched().to_vec();
        let passable = |e: u32| self.edge(e).is_some_and(|x| !x.open) && !blocked.contains(&e);
        // 2. Re-reach from the live boundary.
        for &n in &region {
            let fed = self.adj.row(n).iter().any(|&e| {
                let v = self.edge(e).map_or(NONE, |x| self.other_end(x, n));
                passable(e) && scratch.mark(v) == 0 && self.source_of(v).is_some()
            });
            if fed {
                scratch.set_mark(n, REACHED);
                scratch.queue.push_back(n);
            }
        }
        while let Some(u) = scratch.queue.pop_front() {
            for &e in self.adj.row(u) {
                let v = self.edge(e).map_or(NONE, |x| self.other_end(x, u));
                if passable(e) && scratch.mark(v) == IN_REGION {
                    scratch.set_mark(v, REACHED);
                    scratch.queue.push_back(v);
                }
            }
        }
        // 3. Collect the nodes left dead, with their spans: closed ones (both ends are dead)
        // and open ones fed from their `to` end (an open span, a tie included, is live
        // exactly when its `to` end is).
        let dead = |n: u32| scratch.mark(n) == IN_REGION;
        for &n in region.iter().filter(|&&n| dead(n)) {
            c.node(n);
            for &s in self.node_switches.row(n) {
                c.switch(s);
            }
            for &t in self.node_transformers.row(n) {
                c.transformer_with_meters(t);
            }
            for &e in self.adj.row(n) {
                let open_fed_here = self
                    .edge(e)
                    .is_some_and(|x| x.open && x.to == n && !blocked.contains(&e));
                if passable(e) || open_fed_here {
                    c.span(e);
                }
            }
        }
        // The opened spans: live before, open now, so dark when their `to` end is.
        for &b in blocked {
            let to_dead = self.edge(b).is_some_and(|x| dead(x.to));
            if to_dead && self.asset_source(Asset::Span(b)).is_some() {
                c.span(b);
            }
        }
    }
}
