//! Removing stale tiles: by key for the tiles an [`Invalidation`] lists, by predicate for
//! zooms collapsed to "all tiles", everything for a wholesale replacement. Every removal is
//! logged in the insert gate first, under its lock (see the module docs of the cache).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::index::Invalidation;
use crate::tiles::{LayerSelection, TileCoord};

use super::gate::Stale;
use super::{lock, CachedTile, TileCache, TileKey};

impl TileCache {
    /// Drops every cached tile: snapshot `version` replaces the data wholesale. Call before
    /// publishing it.
    pub fn invalidate_everything(&self, version: u64) {
        let Some(cache) = &self.cache else {
            return;
        };
        let mut gate = lock(&self.gate);
        gate.log(version, Stale::Everything);
        cache.invalidate_all();
    }

    /// Removes the tiles that snapshot `version` makes stale. Call before publishing it.
    /// Returns the number of cached entries removed (not counting collapsed zooms, which
    /// moka removes lazily).
    pub fn invalidate(&self, version: u64, invalidation: &Arc<Invalidation>) -> usize {
        let Some(cache) = &self.cache else {
            return 0;
        };
        if invalidation.is_empty() {
            return 0;
        }
        let mut gate = lock(&self.gate);
        gate.log(version, Stale::Tiles(Arc::clone(invalidation)));
        let mut removed = 0;
        let mut collapsed = false;
        for sel in gate.selections() {
            for_each_tile(invalidation, sel, |tile, only_over_budget| {
                let key = TileKey {
                    layers: sel.clone(),
                    tile,
                };
                let stale =
                    !only_over_budget || cache.get(&key).is_some_and(|t| t.budget_reached());
                if stale && cache.remove(&key).is_some() {
                    removed += 1;
                }
            });
            collapsed |= invalidation
                .layers
                .iter()
                .any(|l| l.tiles.iter().any(|t| t.all));
        }
        if collapsed {
            let inv = Arc::clone(invalidation);
            // Entries inserted before this call and matching are never returned again.
            let _ = cache.invalidate_entries_if(move |k: &TileKey, t: &Arc<CachedTile>| {
                collapsed_touches(&inv, &k.layers, k.tile, t.budget_reached())
            });
        }
        self.counters
            .invalidations
            .fetch_add(removed as u64, Ordering::Relaxed);
        removed
    }
}

/// Calls `f(tile, only_if_over_budget)` for every listed stale tile of the layers in `sel`
/// (zooms collapsed to "all" are handled by the caller).
fn for_each_tile(inv: &Invalidation, sel: &LayerSelection, mut f: impl FnMut(TileCoord, bool)) {
    let layers: Vec<usize> = match sel {
        LayerSelection::All => (0..inv.layers.len()).collect(),
        LayerSelection::Only(v) => v.clone(),
    };
    for l in layers.iter().filter_map(|&i| inv.layers.get(i)) {
        for (sets, over) in [(&l.tiles, false), (&l.if_over_budget, true)] {
            for (z, set) in sets.iter().enumerate() {
                for &(x, y) in &set.tiles {
                    f(TileCoord { z: z as u8, x, y }, over);
                }
            }
        }
    }
}

/// True if a key falls in a zoom that some of its layers collapsed to "all tiles".
fn collapsed_touches(
    inv: &Invalidation,
    sel: &LayerSelection,
    tile: TileCoord,
    over: bool,
) -> bool {
    let z = usize::from(tile.z);
    let hit = |i: usize| {
        inv.layers.get(i).is_some_and(|l| {
            l.tiles.get(z).is_some_and(|s| s.all)
                || (over && l.if_over_budget.get(z).is_some_and(|s| s.all))
        })
    };
    match sel {
        LayerSelection::All => (0..inv.layers.len()).any(hit),
        LayerSelection::Only(v) => v.iter().any(|&i| hit(i)),
    }
}
