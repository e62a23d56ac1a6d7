//! The insert gate: serializes "may this freshly rendered tile be cached?" with "these
//! tiles are stale", so a render of an old snapshot that finishes after an invalidation can
//! never be cached as current.
//!
//! The gate keeps the recent invalidations (a bounded log, newest last) and the layer
//! selections that have entries in the cache. A tile rendered from snapshot `v` is inserted
//! only if no logged invalidation newer than `v` touches it and the log still covers `v`
//! (`v >= horizon`); the check and the insert happen under the gate's lock, and so do the
//! logging and the removal of stale keys. Whatever the interleaving, a stale render is
//! either refused or removed by the invalidation that made it stale.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use crate::index::Invalidation;
use crate::tiles::{LayerSelection, TileCoord};

/// Invalidations remembered; a render older than all of them is served but not cached.
const LOG_LEN: usize = 256;

/// Tile slots ([`Invalidation::slots`]) the remembered invalidations hold at most (about
/// 9 MB). The log is there for renders in flight, which take milliseconds: a few recent
/// invalidations are enough, and a simulator publishing faults twice a second kept 256
/// large ones (hundreds of megabytes) alive before this bound.
const LOG_SLOTS: usize = 1 << 20;

/// Distinct layer selections cached at most (others are served, not cached), so that
/// invalidating a tile costs a bounded number of key removals.
pub const MAX_SELECTIONS: usize = 64;

/// What a logged event makes stale.
#[derive(Debug)]
pub enum Stale {
    /// Every tile (a whole new data set).
    Everything,
    /// The tiles of an incremental update.
    Tiles(Arc<Invalidation>),
}

/// What logging `stale` costs, in tile slots.
fn slots(stale: &Stale) -> usize {
    match stale {
        Stale::Everything => 1,
        Stale::Tiles(inv) => inv.slots(),
    }
}

/// The state behind the gate's lock.
#[derive(Debug, Default)]
pub struct Gate {
    /// Every invalidation with a version above this is in `log`.
    horizon: u64,
    log: VecDeque<(u64, Stale)>,
    /// Sum of the logged invalidations' slots.
    slots: usize,
    selections: HashSet<LayerSelection>,
}

impl Gate {
    /// True if a tile with `layers` at `tile`, rendered from snapshot `version`, may be
    /// cached now. Registers the selection when it may.
    pub fn admit(
        &mut self,
        version: u64,
        layers: &LayerSelection,
        tile: TileCoord,
        over_budget: bool,
    ) -> bool {
        if version < self.horizon {
            return false;
        }
        let stale = self.log.iter().any(|(v, s)| {
            *v > version
                && match s {
                    Stale::Everything => true,
                    Stale::Tiles(inv) => inv.touches(layers, tile, over_budget),
                }
        });
        if stale {
            return false;
        }
        if !self.selections.contains(layers) {
            if self.selections.len() >= MAX_SELECTIONS {
                return false;
            }
            self.selections.insert(layers.clone());
        }
        true
    }

    /// Logs an invalidation by snapshot `version`.
    pub fn log(&mut self, version: u64, stale: Stale) {
        if matches!(stale, Stale::Everything) {
            // Nothing older can be admitted any more: the log before it is not needed.
            self.log.clear();
            self.slots = 0;
            self.horizon = self.horizon.max(version.saturating_sub(1));
            self.selections.clear();
        }
        self.slots += slots(&stale);
        self.log.push_back((version, stale));
        // The newest entry always stays: its own renders must be checked against it.
        while self.log.len() > LOG_LEN || (self.slots > LOG_SLOTS && self.log.len() > 1) {
            if let Some((v, old)) = self.log.pop_front() {
                self.horizon = self.horizon.max(v);
                self.slots -= slots(&old);
            }
        }
    }

    /// Invalidations logged now.
    #[cfg(test)]
    pub fn logged(&self) -> usize {
        self.log.len()
    }

    /// The layer selections with cached entries.
    pub fn selections(&self) -> impl Iterator<Item = &LayerSelection> {
        self.selections.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(x: u32) -> TileCoord {
        TileCoord { z: 14, x, y: 7 }
    }

    #[test]
    fn renders_older_than_a_touching_invalidation_are_refused() {
        let mut g = Gate::default();
        let all = LayerSelection::All;
        assert!(g.admit(1, &all, t(1), false));
        let mut inv = Invalidation::new(1, 16);
        inv.layers[0].add_box(14, t(1).world_bounds(), 0.0);
        g.log(2, Stale::Tiles(Arc::new(inv)));
        assert!(
            !g.admit(1, &all, t(1), false),
            "v1 render of a tile stale at v2"
        );
        assert!(g.admit(1, &all, t(5), false), "untouched tile");
        assert!(g.admit(2, &all, t(1), false), "rendered from v2 itself");
        g.log(3, Stale::Everything);
        assert!(!g.admit(2, &all, t(5), false));
        assert!(g.admit(3, &all, t(5), false));
    }

    #[test]
    fn a_full_log_moves_the_horizon() {
        let mut g = Gate::default();
        for v in 2..(LOG_LEN as u64 + 10) {
            g.log(v, Stale::Tiles(Arc::new(Invalidation::new(1, 16))));
        }
        assert!(!g.admit(1, &LayerSelection::All, t(1), false));
        assert!(g.admit(LOG_LEN as u64 + 20, &LayerSelection::All, t(1), false));
    }

    #[test]
    fn large_invalidations_are_logged_within_the_slot_bound() {
        let mut g = Gate::default();
        let big = || {
            let mut inv = Invalidation::new(1, 16);
            // 64 × 64 tiles at z14 (4,096 listed): about 8,000 slots.
            inv.layers[0].add_box(
                14,
                [0.0, 0.0, 64.0 / 16384.0 - 1e-9, 64.0 / 16384.0 - 1e-9],
                0.0,
            );
            Arc::new(inv)
        };
        let per = big().slots();
        assert!(per >= 4096, "{per}");
        for v in 2..200 {
            g.log(v, Stale::Tiles(big()));
            assert!(g.slots <= LOG_SLOTS.max(per), "{} slots at v{v}", g.slots);
        }
        assert!(g.logged() < LOG_LEN && g.logged() >= LOG_SLOTS / per / 2);
        // Renders older than the log are refused, the newest version's are checked.
        assert!(!g.admit(2, &LayerSelection::All, t(1), false));
        assert!(!g.admit(
            198,
            &LayerSelection::All,
            TileCoord { z: 14, x: 3, y: 3 },
            false
        ));
        assert!(g.admit(
            199,
            &LayerSelection::All,
            TileCoord { z: 14, x: 3, y: 3 },
            false
        ));
    }

    #[test]
    fn selections_are_bounded() {
        let mut g = Gate::default();
        for i in 0..MAX_SELECTIONS {
            assert!(g.admit(1, &LayerSelection::Only(vec![i]), t(1), false));
        }
        assert!(!g.admit(1, &LayerSelection::Only(vec![999]), t(1), false));
        assert!(g.admit(1, &LayerSelection::Only(vec![3]), t(2), false));
    }
}
