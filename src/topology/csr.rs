//! Compressed sparse rows: a `u32 → [u32]` multimap in two flat arrays, and per-query scratch
//! space (node marks, parents, a queue) reused across traces so a trace allocates no
//! per-node memory.

use std::collections::VecDeque;

/// Rows of `u32` values: row `k` is `values[offsets[k]..offsets[k + 1]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Csr {
    offsets: Vec<u32>,
    values: Vec<u32>,
}

impl Csr {
    /// Builds `rows` rows from `(row, value)` pairs (counting sort; pairs with `row >= rows`
    /// are dropped). Values keep their input order within a row.
    pub(crate) fn from_pairs(rows: usize, pairs: &[(u32, u32)]) -> Csr {
        let mut offsets = vec![0u32; rows + 1];
        for &(r, _) in pairs {
            if let Some(c) = offsets.get_mut(r as usize + 1) {
                *c += 1;
            }
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut next = offsets.clone();
        let mut values = vec![0u32; offsets[rows] as usize];
        for &(r, v) in pairs {
            if (r as usize) < rows {
                let slot = &mut next[r as usize];
                values[*slot as usize] = v;
                *slot += 1;
            }
        }
        Csr { offsets, values }
    }

    /// Row `k` (empty if out of range).
    pub(crate) fn row(&self, k: u32) -> &[u32] {
        let k = k as usize;
        match (self.offsets.get(k), self.offsets.get(k + 1)) {
            (Some(&a), Some(&b)) => self.values.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// Per-query scratch sized to the graph's node count: a mark per node (0 = unmarked), a
/// parent edge per marked node and a BFS queue. [`Scratch::reset`] clears only what was
/// touched, so reuse costs O(visited), not O(nodes).
#[derive(Debug)]
pub(crate) struct Scratch {
    mark: Vec<u8>,
    parent: Vec<u32>,
    touched: Vec<u32>,
    pub(crate) queue: VecDeque<u32>,
}

impl Scratch {
    pub(crate) fn new(nodes: usize) -> Scratch {
        Scratch {
            mark: vec![0; nodes],
            parent: vec![u32::MAX; nodes],
            touched: Vec::new(),
            queue: VecDeque::new(),
        }
    }

    /// The mark of node `n` (0 if unmarked or out of range).
    pub(crate) fn mark(&self, n: u32) -> u8 {
        self.mark.get(n as usize).copied().unwrap_or(0)
    }

    /// Sets the mark of node `n` (ignored if out of range).
    pub(crate) fn set_mark(&mut self, n: u32, m: u8) {
        if let Some(slot) = self.mark.get_mut(n as usize) {
            if *slot == 0 && m != 0 {
                self.touched.push(n);
            }
            *slot = m;
        }
    }

    /// Starts a breadth-first search: marks each unmarked node of `starts` with `m` and
    /// queues it.
    pub(crate) fn seed(&mut self, starts: &[u32], m: u8) {
        for &n in starts {
            if self.mark(n) == 0 {
                self.set_mark(n, m);
                self.queue.push_back(n);
            }
        }
    }

    /// The parent edge recorded for node `n`.
    pub(crate) fn parent(&self, n: u32) -> u32 {
        self.parent.get(n as usize).copied().unwrap_or(u32::MAX)
    }

    /// Records the parent edge of node `n` (mark it too, or it is not cleared by `reset`).
    pub(crate) fn set_parent(&mut self, n: u32, e: u32) {
        if let Some(slot) = self.parent.get_mut(n as usize) {
            *slot = e;
        }
    }

    /// Number of nodes marked since the last reset.
    pub(crate) fn touched(&self) -> &[u32] {
        &self.touched
    }

    /// Clears every mark and parent set since the last reset, and the queue.
    pub(crate) fn reset(&mut self) {
        for &n in &self.touched {
            self.mark[n as usize] = 0;
            self.parent[n as usize] = u32::MAX;
        }
        self.touched.clear();
        self.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_groups_pairs_by_row_in_order() {
        let csr = Csr::from_pairs(3, &[(2, 7), (0, 1), (2, 8), (5, 9), (0, 3)]);
        assert_eq!(csr.row(0), &[1, 3]);
        assert_eq!(csr.row(1), &[] as &[u32]);
        assert_eq!(csr.row(2), &[7, 8]);
        assert_eq!(csr.row(3), &[] as &[u32]);
        assert_eq!(csr.row(u32::MAX), &[] as &[u32]);
    }

    #[test]
    fn scratch_reset_clears_only_touched() {
        let mut s = Scratch::new(4);
        s.set_mark(1, 2);
        s.set_parent(1, 9);
        s.set_mark(7, 1);
        assert_eq!(s.mark(1), 2);
        assert_eq!(s.parent(1), 9);
        assert_eq!(s.touched(), &[1]);
        s.reset();
        assert_eq!(s.mark(1), 0);
        assert_eq!(s.parent(1), u32::MAX);
        assert!(s.touched().is_empty());
    }
}
