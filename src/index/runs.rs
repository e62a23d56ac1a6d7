//! [`Runs`]: a sorted list of `(key, value)` pairs stored as shared runs, so an update that
//! adds or removes a few keys copies the runs they fall in, not the list.
//!
//! A thinning level (the representatives of one zoom, sorted by feature index) is one of
//! these: at a million points a level holds up to a million pairs, and a moved point changes
//! a handful. Runs hold at most `2 · RUN` pairs (a longer one is cut into runs of `RUN`) and are never
//! empty; a lookup is a binary search over the runs' last keys, then one inside a run.

use std::fmt;
use std::sync::Arc;

/// Pairs per run when a list is built.
const RUN: usize = 1024;

/// See the module docs. Cloning copies the run pointers only.
#[derive(Clone, Default)]
pub struct Runs {
    runs: Vec<Arc<Vec<(u32, u32)>>>,
    len: usize,
}

impl Runs {
    /// The list of `pairs`, which must be sorted by key without duplicates.
    pub fn from_sorted(pairs: Vec<(u32, u32)>) -> Runs {
        debug_assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0), "sorted keys");
        let len = pairs.len();
        let runs = pairs.chunks(RUN).map(|c| Arc::new(c.to_vec())).collect();
        Runs { runs, len }
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there is no pair.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: u32) -> Option<u32> {
        let run = self.runs.get(self.run_of(key))?;
        run.binary_search_by_key(&key, |&(k, _)| k)
            .ok()
            .map(|at| run[at].1)
    }

    /// True when `key` is present.
    pub fn contains(&self, key: u32) -> bool {
        self.get(key).is_some()
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = &(u32, u32)> + '_ {
        self.runs.iter().flat_map(|r| r.iter())
    }

    /// The run `key` belongs in: the first whose last key is at least `key`, else the last.
    fn run_of(&self, key: u32) -> usize {
        let at = self
            .runs
            .partition_point(|r| r.last().is_some_and(|l| l.0 < key));
        at.min(self.runs.len().saturating_sub(1))
    }

    /// This list without the keys `remove` and with the pairs `add` (both sorted; a key in
    /// both ends up with `add`'s value). Only the runs they fall in are copied.
    pub fn spliced(&self, remove: &[u32], add: &[(u32, u32)]) -> Runs {
        if self.runs.is_empty() {
            return Runs::from_sorted(add.to_vec());
        }
        let mut out = Vec::with_capacity(self.runs.len() + 1);
        let (mut r, mut a) = (0, 0);
        for (k, run) in self.runs.iter().enumerate() {
            // The last run takes every key beyond the others.
            let last = k + 1 == self.runs.len();
            let upto = |key: u32| last || run.last().is_some_and(|l| key <= l.0);
            let r0 = r;
            while r < remove.len() && upto(remove[r]) {
                r += 1;
            }
            let a0 = a;
            while a < add.len() && upto(add[a].0) {
                a += 1;
            }
            if r0 == r && a0 == a {
                out.push(Arc::clone(run));
                continue;
            }
            let merged = splice(run, &remove[r0..r], &add[a0..a]);
            if merged.len() > 2 * RUN {
                out.extend(merged.chunks(RUN).map(|c| Arc::new(c.to_vec())));
            } else if !merged.is_empty() {
                out.push(Arc::new(merged));
            }
        }
        let len = out.iter().map(|r| r.len()).sum();
        Runs { runs: out, len }
    }
}

/// `level` (sorted by key) without the keys in `remove` and with `add` (both sorted), in one
/// pass; a key in both keeps `add`'s value.
fn splice(level: &[(u32, u32)], remove: &[u32], add: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::with_capacity(level.len() + add.len());
    let (mut r, mut a) = (0, 0);
    for &(i, c) in level {
        while a < add.len() && add[a].0 < i {
            out.push(add[a]);
            a += 1;
        }
        while r < remove.len() && remove[r] < i {
            r += 1;
        }
        if r < remove.len() && remove[r] == i {
            continue;
        }
        if a < add.len() && add[a].0 == i {
            continue; // re-added below with its new value
        }
        out.push((i, c));
    }
    out.extend_from_slice(&add[a..]);
    out
}

impl PartialEq for Runs {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Runs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_like_a_sorted_vector_and_shares_untouched_runs() {
        let pairs: Vec<(u32, u32)> = (0..5000).map(|i| (2 * i, i)).collect();
        let old = Runs::from_sorted(pairs.clone());
        assert_eq!(old.get(20), Some(10));
        assert_eq!(old.get(21), None);
        let new = old.spliced(&[0, 4000, 9998], &[(1, 7), (4000, 9), (20_001, 1)]);
        let mut want: Vec<(u32, u32)> = pairs
            .into_iter()
            .filter(|&(k, _)| k != 0 && k != 4000 && k != 9998)
            .chain([(1, 7), (4000, 9), (20_001, 1)])
            .collect();
        want.sort_unstable();
        assert!(new.iter().copied().eq(want.iter().copied()));
        assert_eq!(new.len(), want.len());
        assert_eq!(
            (new.get(4000), new.get(20_001), new.get(0)),
            (Some(9), Some(1), None)
        );
        assert!(
            Arc::ptr_eq(&old.runs[2], &new.runs[2]),
            "untouched run shared"
        );
        assert!(
            !Arc::ptr_eq(&old.runs[1], &new.runs[1]),
            "run of key 4000 copied"
        );
        // Many additions in one run split it.
        let add: Vec<(u32, u32)> = (0..3000).map(|i| (100_000 + i, 0)).collect();
        let grown = new.spliced(&[], &add);
        assert!(grown
            .runs
            .iter()
            .all(|r| r.len() <= 2 * RUN && !r.is_empty()));
        assert_eq!(grown.len(), new.len() + 3000);
        let emptied = Runs::from_sorted(vec![(1, 1)]).spliced(&[1], &[]);
        assert!(emptied.is_empty() && emptied.get(1).is_none());
        assert_eq!(Runs::default().spliced(&[], &[(3, 3)]).get(3), Some(3));
    }
}
