//! The street graph feeders grow along: intersections (nodes) joined by street segments
//! (edges) flagged as major (arterials, diagonal avenues) or minor (neighbourhood streets),
//! and the builder that stitches independently laid-out neighbourhoods together.
//!
//! Straight through-streets are collected as *lines*: every neighbourhood street that ends
//! on an arterial adds a stop to it, and [`GraphBuilder::finish`] sorts each line's stops,
//! merges stops closer than [`MERGE_M`] (crossings win) and joins the rest in order. The
//! finished graph keeps only its largest connected component, with no segment shorter than
//! a minimum span.

use super::geom::{SPAN_MIN_M, V2};
use super::spatial::PointGrid;

/// Stops on one line closer than this are merged into one intersection.
const MERGE_M: f64 = 35.0;
/// Consecutive stops on a line further apart than this are not joined (the line left the
/// territory or crossed a removed corridor).
const MAX_LINE_GAP_M: f64 = 600.0;

/// An immutable street graph with adjacency lists and a spatial index.
#[derive(Debug)]
pub struct StreetGraph {
    pos: Vec<V2>,
    start: Vec<u32>,
    adj: Vec<(u32, bool)>,
    grid: PointGrid,
}

impl StreetGraph {
    /// Number of intersections.
    pub fn node_count(&self) -> usize {
        self.pos.len()
    }

    /// Position of intersection `n`.
    pub fn pos(&self, n: u32) -> V2 {
        self.pos[n as usize]
    }

    /// The neighbours of `n` with the major-road flag of the connecting segment.
    pub fn neighbors(&self, n: u32) -> &[(u32, bool)] {
        &self.adj[self.start[n as usize] as usize..self.start[n as usize + 1] as usize]
    }

    /// Calls `f(node, distance²)` for every intersection within `r` of `p`.
    pub fn for_each_within(&self, p: V2, r: f64, f: impl FnMut(u32, f64)) {
        self.grid.for_each_within(&self.pos, p, r, f);
    }
}

/// Collects intersections, segments and lines, then resolves them into a [`StreetGraph`].
#[derive(Debug, Default)]
pub struct GraphBuilder {
    pos: Vec<V2>,
    fixed: Vec<bool>,
    removed: Vec<bool>,
    edges: Vec<(u32, u32)>,
    lines: Vec<Vec<(f64, u32)>>,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an intersection; `fixed` ones (crossings of two lines) survive line merging.
    pub fn add_node(&mut self, p: V2, fixed: bool) -> u32 {
        self.pos.push(p);
        self.fixed.push(fixed);
        self.removed.push(false);
        (self.pos.len() - 1) as u32
    }

    /// Adds a minor street segment.
    pub fn add_edge(&mut self, a: u32, b: u32) {
        self.edges.push((a, b));
    }

    /// Starts a new straight major line and returns its handle.
    pub fn add_line(&mut self) -> usize {
        self.lines.push(Vec::new());
        self.lines.len() - 1
    }

    /// Puts `node` on `line` at parameter `t` (metres along the line).
    pub fn add_stop(&mut self, line: usize, t: f64, node: u32) {
        self.lines[line].push((t, node));
    }

    /// Number of intersections added so far (including removed ones).
    pub fn node_count(&self) -> usize {
        self.pos.len()
    }

    /// Position of `n`.
    pub fn pos(&self, n: u32) -> V2 {
        self.pos[n as usize]
    }

    /// Whether `n` is a fixed crossing.
    pub fn is_fixed(&self, n: u32) -> bool {
        self.fixed[n as usize]
    }

    /// Whether `n` has been removed.
    pub fn is_removed(&self, n: u32) -> bool {
        self.removed[n as usize]
    }

    /// Removes `n` with all its segments and line stops.
    pub fn remove(&mut self, n: u32) {
        self.removed[n as usize] = true;
    }

    /// Takes the minor segments out for filtering; give them back with [`Self::set_edges`].
    pub fn take_edges(&mut self) -> Vec<(u32, u32)> {
        std::mem::take(&mut self.edges)
    }

    /// Replaces the minor segments.
    pub fn set_edges(&mut self, edges: Vec<(u32, u32)>) {
        self.edges = edges;
    }

    /// Resolves lines, merges, drops short segments and keeps the largest component.
    pub fn finish(mut self) -> StreetGraph {
        let n = self.pos.len();
        let mut uf: Vec<u32> = (0..n as u32).collect();
        let mut all: Vec<(u32, u32, bool)> =
            self.edges.iter().map(|&(a, b)| (a, b, false)).collect();
        for line in std::mem::take(&mut self.lines) {
            self.resolve_line(line, &mut uf, &mut all);
        }
        // Map every segment to merged representatives; drop degenerate and short ones.
        let mut edges: Vec<(u32, u32, bool)> = Vec::with_capacity(all.len());
        for (a, b, major) in all {
            let (a, b) = (find(&mut uf, a), find(&mut uf, b));
            if a == b || self.removed[a as usize] || self.removed[b as usize] {
                continue;
            }
            if self.pos[a as usize].dist(self.pos[b as usize]) < SPAN_MIN_M {
                continue;
            }
            edges.push((a.min(b), a.max(b), !major));
        }
        edges.sort_unstable();
        edges.dedup_by_key(|e| (e.0, e.1));
        let (start, adj) = csr(n, edges.iter().map(|e| (e.0, e.1, !e.2)));
        let keep = largest_component(n, &start, &adj);
        let mut new_id = vec![u32::MAX; n];
        let mut pos = Vec::new();
        for (i, &k) in keep.iter().enumerate() {
            if k {
                new_id[i] = pos.len() as u32;
                pos.push(self.pos[i]);
            }
        }
        let kept = edges
            .iter()
            .filter(|e| keep[e.0 as usize])
            .map(|e| (new_id[e.0 as usize], new_id[e.1 as usize], !e.2));
        let (start, adj) = csr(pos.len(), kept);
        let grid = PointGrid::new(&pos, 250.0);
        StreetGraph {
            pos,
            start,
            adj,
            grid,
        }
    }

    /// Sorts a line's stops, merges near ones and appends its segments to `out`.
    fn resolve_line(
        &self,
        mut stops: Vec<(f64, u32)>,
        uf: &mut [u32],
        out: &mut Vec<(u32, u32, bool)>,
    ) {
        stops.retain(|s| !self.removed[s.1 as usize]);
        stops.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut kept: Vec<(f64, u32)> = Vec::with_capacity(stops.len());
        for (t, node) in stops {
            if let Some(last) = kept.last_mut() {
                if t - last.0 < MERGE_M {
                    if self.fixed[node as usize] && !self.fixed[last.1 as usize] {
                        union(uf, last.1, node);
                        *last = (t, node);
                    } else {
                        union(uf, node, last.1);
                    }
                    continue;
                }
            }
            kept.push((t, node));
        }
        for w in kept.windows(2) {
            if w[1].0 - w[0].0 <= MAX_LINE_GAP_M {
                out.push((w[0].1, w[1].1, true));
            }
        }
    }
}

fn find(uf: &mut [u32], mut a: u32) -> u32 {
    while uf[a as usize] != a {
        let up = uf[uf[a as usize] as usize];
        uf[a as usize] = up;
        a = up;
    }
    a
}

/// Merges the set of `from` into the set of `into` (whose representative survives).
fn union(uf: &mut [u32], from: u32, into: u32) {
    let (a, b) = (find(uf, from), find(uf, into));
    if a != b {
        uf[a as usize] = b;
    }
}

/// Symmetric adjacency lists from undirected edges `(a, b, major)`.
fn csr(
    n: usize,
    edges: impl Iterator<Item = (u32, u32, bool)> + Clone,
) -> (Vec<u32>, Vec<(u32, bool)>) {
    let mut start = vec![0u32; n + 1];
    for (a, b, _) in edges.clone() {
        start[a as usize + 1] += 1;
        start[b as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut adj = vec![(0, false); start[n] as usize];
    for (a, b, major) in edges {
        adj[fill[a as usize] as usize] = (b, major);
        fill[a as usize] += 1;
        adj[fill[b as usize] as usize] = (a, major);
        fill[b as usize] += 1;
    }
    (start, adj)
}

/// Marks the nodes of the largest connected component.
fn largest_component(n: usize, start: &[u32], adj: &[(u32, bool)]) -> Vec<bool> {
    let mut comp = vec![u32::MAX; n];
    let (mut best, mut best_size) = (u32::MAX, 0usize);
    let mut stack = Vec::new();
    for s in 0..n {
        if comp[s] != u32::MAX || start[s] == start[s + 1] {
            continue;
        }
        let id = s as u32;
        comp[s] = id;
        stack.push(s);
        let mut size = 0;
        while let Some(v) = stack.pop() {
            size += 1;
            for &(w, _) in &adj[start[v] as usize..start[v + 1] as usize] {
                if comp[w as usize] == u32::MAX {
                    comp[w as usize] = id;
                    stack.push(w as usize);
                }
            }
        }
        if size > best_size {
            (best, best_size) = (id, size);
        }
    }
    comp.iter()
        .map(|&c| c == best && best != u32::MAX)
        .collect()
}
