//! Energizing a derived graph again (a rebase, a what-if) from the graph it was derived
//! from, when only some edges' open flags differ: the breadth-first search runs again only
//! over the connected components (over closed edges) that hold an end of such an edge.
//!
//! The search from every root ([`GridGraph::energize`]) treats components independently:
//! the order in which it visits the nodes of one component, and so the parents, sources and
//! depths it gives them, depend only on that component's roots (in substation order) and
//! adjacency. A component without an end of a changed edge is the same component before and
//! after (every path out of it would have to cross a changed edge), so its forest is copied;
//! the others are searched again. The result equals a full search (`rebase_tests.rs`).

use super::graph::{GridGraph, NONE};

impl GridGraph {
    /// Sets the energization forest (and the count of energized nodes) for this graph's
    /// edges from `before`'s: a graph of the same structure whose edges differ from these in
    /// their open flags only, with its forest for its own flags (see the module docs).
    pub(super) fn energize_from(&mut self, before: &GridGraph) {
        let n = self.node_ids.len();
        let mut parent = before.parent_edge.clone();
        let mut source = before.source.clone();
        let mut depth = before.depth.clone();
        if parent.len() != n || source.len() != n || depth.len() != n {
            self.energize();
            return;
        }
        // The components holding an end of a changed edge.
        let mut seen = vec![false; n];
        let mut component = Vec::new();
        for (edge, old) in self.edges.iter().zip(&before.edges) {
            if edge.open != old.open {
                for end in [edge.from, edge.to] {
                    if !seen[end as usize] {
                        seen[end as usize] = true;
                        component.push(end);
                    }
                }
            }
        }
        let mut next = 0;
        while let Some(&u) = component.get(next) {
            next += 1;
            for &e in self.adj.row(u) {
                let edge = &self.edges[e as usize];
                let v = self.other_end(edge, u);
                if !edge.open && !seen[v as usize] {
                    seen[v as usize] = true;
                    component.push(v);
                }
            }
        }
        let mut energized = before.stats.energized_nodes;
        for &u in &component {
            let u = u as usize;
            if source[u] != NONE {
                energized -= 1;
            }
            parent[u] = NONE;
            source[u] = NONE;
            depth[u] = 0;
        }
        // The search of `GridGraph::energize`, from the roots inside those components.
        let mut queue = Vec::new();
        for (s, &root) in self.substation_node.iter().enumerate() {
            if seen[root as usize] && source[root as usize] == NONE {
                source[root as usize] = s as u32;
                queue.push(root);
            }
        }
        self.spread(&mut queue, &mut parent, &mut source, &mut depth);
        self.stats.energized_nodes = energized + queue.len();
        self.parent_edge = parent;
        self.source = source;
        self.depth = depth;
    }
}
