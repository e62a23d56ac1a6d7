//! Which cached tiles a snapshot update makes stale, per layer and zoom.
//!
//! An [`Invalidation`] is computed by [`super::Snapshot::apply`] from the old and new bounding
//! boxes of every changed feature (buffered by the tile buffer, as the renderer queries), the
//! old and new boxes of every changed merged group (low zooms), and the thinning cells of
//! changed points. It is kept per layer so that a cached tile of a layer subset
//! (`?layers=poles`) survives a change to another layer.
//!
//! Two sets per zoom:
//! - `tiles`: tiles whose content changed (or may have);
//! - `if_over_budget`: tiles whose content changed only if the tile was generalized further
//!   to fit the size budget (its points thinned at a lower level, whose cells are larger than
//!   a tile). The cache removes these only when its entry says the budget was reached.
//!
//! A zoom whose set would exceed [`MAX_TILES_PER_ZOOM`] collapses to "every tile of this zoom".

use std::collections::HashSet;

use crate::address::{LayerSelection, TileCoord};

/// Above this many tiles of one layer at one zoom, the zoom collapses to "all tiles".
pub const MAX_TILES_PER_ZOOM: u64 = 4096;

/// A set of tiles of one zoom: some, or all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TileSet {
    /// Every tile of the zoom.
    pub all: bool,
    /// `(x, y)` of the tiles (empty when `all`).
    pub tiles: HashSet<(u32, u32)>,
}

impl TileSet {
    /// True if no tile is in the set.
    pub fn is_empty(&self) -> bool {
        !self.all && self.tiles.is_empty()
    }

    /// True if tile `(x, y)` is in the set.
    pub fn contains(&self, x: u32, y: u32) -> bool {
        self.all || self.tiles.contains(&(x, y))
    }

    /// Adds the tiles `x0..=x1 × y0..=y1`, collapsing to `all` above the cap.
    fn add_range(&mut self, x0: u32, y0: u32, x1: u32, y1: u32) {
        if self.all {
            return;
        }
        let n = (u64::from(x1 - x0) + 1) * (u64::from(y1 - y0) + 1);
        if n + self.tiles.len() as u64 > MAX_TILES_PER_ZOOM {
            self.all = true;
            self.tiles = HashSet::new();
            return;
        }
        for y in y0..=y1 {
            for x in x0..=x1 {
                self.tiles.insert((x, y));
            }
        }
    }

    fn merge(&mut self, other: &TileSet) {
        if other.all {
            self.all = true;
            self.tiles = HashSet::new();
        } else if !self.all {
            if self.tiles.len() + other.tiles.len() > MAX_TILES_PER_ZOOM as usize {
                self.all = true;
                self.tiles = HashSet::new();
            } else {
                self.tiles.extend(other.tiles.iter().copied());
            }
        }
    }
}

/// The stale tiles of one layer, per zoom `0..=maxzoom`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayerInvalidation {
    /// `tiles[z]`: tiles of zoom `z` whose content changed.
    pub tiles: Vec<TileSet>,
    /// `if_over_budget[z]`: tiles of zoom `z` that changed only if they were generalized to
    /// fit the size budget.
    pub if_over_budget: Vec<TileSet>,
}

impl LayerInvalidation {
    /// No stale tile for a server whose highest zoom is `maxzoom`.
    pub fn new(maxzoom: u8) -> Self {
        let n = usize::from(maxzoom) + 1;
        LayerInvalidation {
            tiles: vec![TileSet::default(); n],
            if_over_budget: vec![TileSet::default(); n],
        }
    }

    /// True if no tile of this layer is stale.
    pub fn is_empty(&self) -> bool {
        self.tiles
            .iter()
            .chain(&self.if_over_budget)
            .all(TileSet::is_empty)
    }

    /// Marks the tiles at zoom `z` whose bounds, grown by `pad` tile fractions, intersect
    /// the world box `b` (`[minx, miny, maxx, maxy]`).
    pub fn add_box(&mut self, z: u8, b: [f64; 4], pad: f64) {
        if let (Some(set), Some(r)) = (self.tiles.get_mut(usize::from(z)), tile_range(z, b, pad)) {
            set.add_range(r.0, r.1, r.2, r.3);
        }
    }

    /// Like [`Self::add_box`], into the over-budget set.
    pub fn add_budget_box(&mut self, z: u8, b: [f64; 4], pad: f64) {
        let set = self.if_over_budget.get_mut(usize::from(z));
        if let (Some(set), Some(r)) = (set, tile_range(z, b, pad)) {
            set.add_range(r.0, r.1, r.2, r.3);
        }
    }

    /// Marks every tile of zoom `z`.
    pub fn add_all(&mut self, z: u8) {
        if let Some(set) = self.tiles.get_mut(usize::from(z)) {
            set.merge(&TileSet {
                all: true,
                tiles: HashSet::new(),
            });
        }
    }

    /// True if `tile` (rendered over budget or not) is stale in this layer.
    pub fn touches(&self, tile: TileCoord, over_budget: bool) -> bool {
        let z = usize::from(tile.z);
        self.tiles
            .get(z)
            .is_some_and(|s| s.contains(tile.x, tile.y))
            || (over_budget
                && self
                    .if_over_budget
                    .get(z)
                    .is_some_and(|s| s.contains(tile.x, tile.y)))
    }

    /// Adds everything `other` marks.
    pub fn merge(&mut self, other: &LayerInvalidation) {
        for (a, b) in self.tiles.iter_mut().zip(&other.tiles) {
            a.merge(b);
        }
        for (a, b) in self.if_over_budget.iter_mut().zip(&other.if_over_budget) {
            a.merge(b);
        }
    }
}

/// The tiles made stale by one update, per layer (indexed like `Snapshot::layers`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Invalidation {
    /// One entry per snapshot layer, in snapshot order.
    pub layers: Vec<LayerInvalidation>,
}

impl Invalidation {
    /// Nothing stale, for `layers` layers and zooms `0..=maxzoom`.
    pub fn new(layers: usize, maxzoom: u8) -> Self {
        Invalidation {
            layers: vec![LayerInvalidation::new(maxzoom); layers],
        }
    }

    /// Every tile of every layer at every zoom (a whole new data set).
    pub fn everything(layers: usize, maxzoom: u8) -> Self {
        let mut inv = Invalidation::new(layers, maxzoom);
        for layer in &mut inv.layers {
            for z in 0..=maxzoom {
                layer.add_all(z);
            }
        }
        inv
    }

    /// True if no tile is stale.
    pub fn is_empty(&self) -> bool {
        self.layers.iter().all(LayerInvalidation::is_empty)
    }

    /// Tile slots the sets hold (their capacity): what keeping this invalidation costs,
    /// about 9 bytes a slot.
    pub fn slots(&self) -> usize {
        self.layers
            .iter()
            .flat_map(|l| l.tiles.iter().chain(&l.if_over_budget))
            .map(|set| set.tiles.capacity() + 1)
            .sum()
    }

    /// True if `tile` with `selection`, rendered over budget or not, is stale.
    pub fn touches(&self, selection: &LayerSelection, tile: TileCoord, over_budget: bool) -> bool {
        match selection {
            LayerSelection::All => self.layers.iter().any(|l| l.touches(tile, over_budget)),
            LayerSelection::Only(idx) => idx.iter().any(|&i| {
                self.layers
                    .get(i)
                    .is_some_and(|l| l.touches(tile, over_budget))
            }),
        }
    }

    /// Zooms at which some layer has every tile stale.
    pub fn collapsed_zooms(&self) -> Vec<u8> {
        let n = self.layers.iter().map(|l| l.tiles.len()).max().unwrap_or(0);
        (0..n)
            .filter(|&z| {
                self.layers
                    .iter()
                    .any(|l| l.tiles.get(z).is_some_and(|s| s.all))
            })
            .map(|z| z as u8)
            .collect()
    }

    /// The stale tiles over all layers (not counting over-budget ones), sorted, at most
    /// `cap`; the flag is true when the list is incomplete (over the cap, or a zoom
    /// collapsed to "all tiles").
    pub fn tile_list(&self, cap: usize) -> (Vec<TileCoord>, bool) {
        let mut set: HashSet<TileCoord> = HashSet::new();
        let mut incomplete = false;
        for layer in &self.layers {
            for (z, ts) in layer.tiles.iter().enumerate() {
                incomplete |= ts.all;
                set.extend(
                    ts.tiles
                        .iter()
                        .map(|&(x, y)| TileCoord { z: z as u8, x, y }),
                );
            }
        }
        let mut list: Vec<TileCoord> = set.into_iter().collect();
        list.sort_unstable();
        if list.len() > cap {
            list.truncate(cap);
            incomplete = true;
        }
        (list, incomplete)
    }
}

/// The tiles `x0, y0, x1, y1` (inclusive) at zoom `z` whose bounds grown by `pad` (in world
/// units) intersect the world box `b`. `None` for an empty or non-finite box.
pub fn tile_range(z: u8, b: [f64; 4], pad: f64) -> Option<(u32, u32, u32, u32)> {
    if !(b.iter().all(|v| v.is_finite()) && b[0] <= b[2] && b[1] <= b[3]) || z > 30 {
        return None;
    }
    let n = f64::from(1u32 << z);
    let max = (1u32 << z) - 1;
    // Tile x touches the box iff x/n - pad <= b.maxx and (x+1)/n + pad >= b.minx. A tiny
    // slack keeps boxes that touch a tile edge exactly on both sides of it.
    const SLACK: f64 = 1e-9;
    let lo = |v: f64| {
        ((v - pad) * n - 1.0 - SLACK)
            .ceil()
            .clamp(0.0, f64::from(max)) as u32
    };
    let hi = |v: f64| ((v + pad) * n + SLACK).floor().clamp(0.0, f64::from(max)) as u32;
    Some((lo(b[0]), lo(b[1]), hi(b[2]), hi(b[3])))
}

/// The tile buffer at zoom `z` in world units.
pub fn buffer_pad(z: u8, extent: u32, buffer: u32) -> f64 {
    f64::from(buffer) / f64::from(extent.max(1)) / f64::from(1u32 << z.min(30))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_in_a_tile_interior_touches_one_tile() {
        let t = TileCoord {
            z: 10,
            x: 240,
            y: 422,
        };
        let b = t.world_bounds();
        let c = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
        let pad = buffer_pad(10, 4096, 64);
        assert_eq!(
            tile_range(10, [c[0], c[1], c[0], c[1]], pad),
            Some((240, 422, 240, 422))
        );
        // Near the east edge, inside the neighbour's buffer: both tiles.
        let e = [b[2] - 1e-12, c[1]];
        assert_eq!(
            tile_range(10, [e[0], e[1], e[0], e[1]], pad),
            Some((240, 422, 241, 422))
        );
    }

    #[test]
    fn agrees_with_buffered_bounds_intersection() {
        let pad = buffer_pad(12, 4096, 64);
        for &(x, y) in &[
            (0.2, 0.3),
            (0.123_456, 0.654_321),
            (0.5, 0.5),
            (0.999, 0.001),
        ] {
            let b = [x, y, x + 3e-4, y + 1e-4];
            let (x0, y0, x1, y1) = tile_range(12, b, pad).unwrap();
            for tx in x0.saturating_sub(2)..=x1 + 2 {
                for ty in y0.saturating_sub(2)..=y1 + 2 {
                    let t = TileCoord {
                        z: 12,
                        x: tx,
                        y: ty,
                    };
                    let tb = t.buffered_bounds(4096, 64);
                    let hit = tb[0] <= b[2] && tb[2] >= b[0] && tb[1] <= b[3] && tb[3] >= b[1];
                    let inside = (x0..=x1).contains(&tx) && (y0..=y1).contains(&ty);
                    assert!(!hit || inside, "tile {t} intersects but is not listed");
                    assert!(hit || !inside || tx == x0 || tx == x1 || ty == y0 || ty == y1);
                }
            }
        }
    }

    #[test]
    fn huge_boxes_collapse_and_lists_are_capped() {
        let mut inv = Invalidation::new(2, 16);
        inv.layers[0].add_box(16, [0.1, 0.1, 0.2, 0.2], 0.0);
        inv.layers[1].add_box(3, [0.1, 0.1, 0.2, 0.2], 0.0);
        assert!(inv.layers[0].tiles[16].all);
        assert_eq!(inv.collapsed_zooms(), vec![16]);
        let t = TileCoord { z: 16, x: 1, y: 1 };
        assert!(inv.touches(&LayerSelection::All, t, false));
        assert!(inv.touches(&LayerSelection::Only(vec![0]), t, false));
        assert!(!inv.touches(&LayerSelection::Only(vec![1]), t, false));
        let (list, incomplete) = inv.tile_list(10);
        assert!(incomplete, "z16 collapsed");
        // 0.1..0.2 crosses the tile edge at 0.125 at z3: 2 × 2 tiles.
        assert_eq!(list.len(), 4);
        assert!(list.iter().all(|t| t.z == 3));
        assert_eq!(inv.tile_list(3), (list[..3].to_vec(), true));
        assert!(tile_range(3, [f64::NAN, 0.0, 1.0, 1.0], 0.0).is_none());
    }

    #[test]
    fn over_budget_tiles_only_count_for_over_budget_entries() {
        let mut inv = Invalidation::new(1, 16);
        inv.layers[0].add_budget_box(14, [0.5, 0.5, 0.5, 0.5], 0.0);
        let t = TileCoord {
            z: 14,
            x: 8192,
            y: 8192,
        };
        assert!(!inv.touches(&LayerSelection::All, t, false));
        assert!(inv.touches(&LayerSelection::All, t, true));
        assert!(inv.tile_list(100).0.is_empty());
    }
}
