//! [`LayerTree`]: a layer's R-tree as a shared, bulk-loaded base and a small per-version
//! overlay of the entries that moved or were added since, so an update never copies the
//! whole tree.
//!
//! An update that moves feature `i` marks `i`'s base entry stale and puts its new box in
//! the overlay; both overlay parts are copied per update (their size, not the layer's), and
//! the base stays shared with every older snapshot. A query reads the base without the
//! stale entries, then the overlay. When the overlay outgrows [`LayerTree::needs_compaction`]
//! (a fixed share of the layer), the update bulk-loads one tree again: O(n log n) once per
//! `n / 32` moved features, so its cost per move stays constant.

use std::collections::HashSet;
use std::sync::Arc;

use foldhash::fast::RandomState;
use rstar::{RTree, AABB};

use super::BoxEntry;

/// The overlay is merged into a new base when it holds more than this share (1/32) of the
/// entries, and at least [`MIN_OVERLAY`] entries.
const OVERLAY_SHARE: usize = 32;
const MIN_OVERLAY: usize = 1024;

/// See the module docs. Cloning shares all three parts.
#[derive(Clone, Debug, Default)]
pub struct LayerTree {
    base: Arc<RTree<BoxEntry>>,
    /// Indices whose current entry is in `overlay` (their `base` entry, if any, is stale).
    moved: Arc<HashSet<u32, RandomState>>,
    overlay: Arc<RTree<BoxEntry>>,
}

impl LayerTree {
    /// A tree of `entries` (no overlay).
    pub fn bulk_load(entries: Vec<BoxEntry>) -> LayerTree {
        LayerTree {
            base: Arc::new(RTree::bulk_load(entries)),
            ..LayerTree::default()
        }
    }

    /// Number of entries.
    pub fn size(&self) -> usize {
        self.base.size() + self.overlay.size() - self.stale()
    }

    /// Base entries that are stale (moved entries that were in the base).
    fn stale(&self) -> usize {
        // Every moved index has one overlay entry; those beyond the base's are new.
        self.moved
            .iter()
            .filter(|&&i| (i as usize) < self.base_len())
            .count()
    }

    /// Number of features the base was loaded with (their indices are `0..base_len`).
    fn base_len(&self) -> usize {
        self.base.size()
    }

    /// Entries whose box intersects `envelope`, in no particular order.
    pub fn locate_in_envelope_intersecting<'a>(
        &'a self,
        envelope: &AABB<[f64; 2]>,
    ) -> impl Iterator<Item = &'a BoxEntry> + 'a {
        let moved = &self.moved;
        let check = !moved.is_empty();
        self.base
            .locate_in_envelope_intersecting(envelope)
            .filter(move |e| !check || !moved.contains(&e.data))
            .chain(self.overlay.locate_in_envelope_intersecting(envelope))
    }

    /// Entries with their squared distance to `p`, nearest first.
    pub fn nearest_neighbor_iter_with_distance_2<'a>(
        &'a self,
        p: &[f64; 2],
    ) -> impl Iterator<Item = (&'a BoxEntry, f64)> + 'a {
        let moved = &self.moved;
        let base = self
            .base
            .nearest_neighbor_iter_with_distance_2(p)
            .filter(move |(e, _)| !moved.contains(&e.data))
            .peekable();
        let overlay = self
            .overlay
            .nearest_neighbor_iter_with_distance_2(p)
            .peekable();
        Nearest { base, overlay }
    }

    /// Moves the entry of feature `i` from box `from` to `to` (or adds it when `from` is
    /// `None`), copying the overlay, never the base.
    pub fn set(&mut self, i: u32, from: Option<&BoxEntry>, to: BoxEntry) {
        let overlay = Arc::make_mut(&mut self.overlay);
        if !Arc::make_mut(&mut self.moved).insert(i) {
            if let Some(old) = from {
                let removed = overlay.remove(old);
                debug_assert!(removed.is_some(), "overlay entry of feature {i}");
            }
        }
        overlay.insert(to);
    }

    /// True when the overlay is large enough to be merged into the base.
    pub fn needs_compaction(&self) -> bool {
        self.overlay.size() > MIN_OVERLAY.max(self.base.size() / OVERLAY_SHARE)
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &BoxEntry> + '_ {
        let moved = &self.moved;
        self.base
            .iter()
            .filter(move |e| !moved.contains(&e.data))
            .chain(self.overlay.iter())
    }

    /// The same entries in one bulk-loaded tree.
    pub fn compacted(&self) -> LayerTree {
        LayerTree::bulk_load(self.iter().copied().collect())
    }
}

/// Two nearest-first iterators merged by distance.
struct Nearest<A: Iterator, B: Iterator> {
    base: std::iter::Peekable<A>,
    overlay: std::iter::Peekable<B>,
}

impl<'a, A, B> Iterator for Nearest<A, B>
where
    A: Iterator<Item = (&'a BoxEntry, f64)>,
    B: Iterator<Item = (&'a BoxEntry, f64)>,
{
    type Item = (&'a BoxEntry, f64);

    fn next(&mut self) -> Option<Self::Item> {
        match (self.base.peek(), self.overlay.peek()) {
            (Some(a), Some(b)) if b.1 < a.1 => self.overlay.next(),
            (Some(_), _) => self.base.next(),
            (None, _) => self.overlay.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::build::box_entry;

    fn ids<'a>(it: impl Iterator<Item = &'a BoxEntry>) -> Vec<u32> {
        let mut v: Vec<u32> = it.map(|e| e.data).collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn moved_and_added_entries_are_found_where_they_are_now() {
        let entries = (0..100)
            .map(|i| box_entry([i as f64, 0.0, i as f64, 0.0], i))
            .collect();
        let old = LayerTree::bulk_load(entries);
        let mut new = old.clone();
        new.set(
            3,
            Some(&box_entry([3.0, 0.0, 3.0, 0.0], 3)),
            box_entry([50.5; 4], 3),
        );
        new.set(
            3,
            Some(&box_entry([50.5; 4], 3)),
            box_entry([60.5, 0.0, 60.5, 0.0], 3),
        );
        new.set(100, None, box_entry([2.5, 0.0, 2.5, 0.0], 100));
        let env = |a: f64, b: f64| AABB::from_corners([a, -1.0], [b, 1.0]);
        assert_eq!(
            ids(new.locate_in_envelope_intersecting(&env(2.0, 4.0))),
            [2, 4, 100]
        );
        assert_eq!(
            ids(new.locate_in_envelope_intersecting(&env(60.0, 61.0))),
            [3, 60, 61]
        );
        assert_eq!(
            ids(old.locate_in_envelope_intersecting(&env(2.0, 4.0))),
            [2, 3, 4]
        );
        assert_eq!((new.size(), old.size()), (101, 100));
        let near: Vec<u32> = new
            .nearest_neighbor_iter_with_distance_2(&[60.4, 0.0])
            .take(3)
            .map(|(e, _)| e.data)
            .collect();
        assert_eq!(near, [3, 60, 61]);
        let d: Vec<f64> = new
            .nearest_neighbor_iter_with_distance_2(&[0.0, 0.0])
            .map(|(_, d)| d)
            .collect();
        assert_eq!(d.len(), 101);
        assert!(d.windows(2).all(|w| w[0] <= w[1]), "nearest first");
        let c = new.compacted();
        assert_eq!(ids(c.iter()), ids(new.iter()));
        assert!(!new.needs_compaction());
    }
}
