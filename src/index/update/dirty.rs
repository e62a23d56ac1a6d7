//! Marking stale tiles for one changed feature or group, following the renderer's rules
//! (see [`crate::tiles::render_tile`]): which zooms draw the layer, which draw individual
//! features and which merged groups, and which draw thinned representatives.
//!
//! - A feature is drawn in every tile whose buffered bounds its bounding box intersects, so
//!   its old and new boxes mark those tiles at every zoom that draws features.
//! - A thinned point layer draws, at zoom `z` below `full_zoom`, one representative per grid
//!   cell of level `z`, chosen among the points of the cell. Moving, adding or removing a
//!   point changes at most the cells that contain its old and new position, so the tiles
//!   that the (buffered) cell touches are marked. A tile over its size budget is drawn from
//!   levels down to `z − MAX_BUDGET_STEPS`, whose cells are larger than a tile: those tiles
//!   go into the over-budget set.
//! - An attribute change of a point that does not move marks its tile only at the zooms
//!   where it is drawn (it is a representative there, or the zoom is not thinned).

use crate::index::invalidation::{buffer_pad, LayerInvalidation};
use crate::index::{IndexedLayer, WorldGeometry};
use crate::mercator::WorldCoord;
use crate::tiling::TileConfig;
use crate::tiling::MAX_BUDGET_STEPS;

/// How one layer (old or new version) is drawn, for marking.
#[derive(Clone, Copy, Debug)]
pub struct DrawRules {
    minzoom: u8,
    maxzoom: u8,
    /// First zoom that draws individual features (merged groups below it).
    feature_minzoom: u8,
    /// Zooms below this draw thinned representatives; `None` if not thinned.
    thinned_below: Option<u8>,
    cells_per_tile: f64,
    extent: u32,
    buffer: u32,
}

impl DrawRules {
    /// The rules `layer` is drawn by.
    pub fn of(layer: &IndexedLayer, tiles: &TileConfig) -> DrawRules {
        let c = &layer.config;
        let feature_minzoom = match &layer.merged {
            Some(m) => c.minzoom.max(m.below),
            None => c.minzoom,
        };
        DrawRules {
            minzoom: c.minzoom,
            maxzoom: c.maxzoom.min(tiles.maxzoom),
            feature_minzoom,
            thinned_below: (layer.thinning.is_some() && !c.keep_all).then_some(c.full_zoom),
            cells_per_tile: f64::from((tiles.extent / tiles.thin_cell.max(1)).max(1)),
            extent: tiles.extent,
            buffer: tiles.buffer,
        }
    }

    /// The same rules for a layer that draws merged groups below zoom `below`.
    pub fn with_groups_below(self, below: u8) -> DrawRules {
        DrawRules {
            feature_minzoom: self.minzoom.max(below),
            ..self
        }
    }

    fn pad(&self, z: u8) -> f64 {
        buffer_pad(z, self.extent, self.buffer)
    }

    /// The world box of the thinning cell of level `level` containing `p`.
    fn cell(&self, level: u8, p: WorldCoord) -> [f64; 4] {
        let cells = self.cells_per_tile * f64::from(1u32 << level.min(30));
        let (cx, cy) = ((p[0] * cells).floor(), (p[1] * cells).floor());
        [
            cx / cells,
            cy / cells,
            (cx + 1.0) / cells,
            (cy + 1.0) / cells,
        ]
    }

    /// Zooms that draw merged groups.
    fn group_zooms(&self) -> std::ops::Range<u8> {
        self.minzoom..self.feature_minzoom.min(self.maxzoom.saturating_add(1))
    }

    fn feature_zooms(&self) -> std::ops::RangeInclusive<u8> {
        self.feature_minzoom..=self.maxzoom
    }
}

/// Marks the tiles of `geometry` as a feature that appeared, disappeared or moved.
pub fn mark_moved(inv: &mut LayerInvalidation, rules: &DrawRules, geometry: &WorldGeometry) {
    match (geometry, rules.thinned_below) {
        (WorldGeometry::Points(pts), Some(full_zoom)) => {
            for &p in pts {
                for z in rules.feature_zooms() {
                    let pad = rules.pad(z);
                    let own = if z < full_zoom {
                        rules.cell(z, p)
                    } else {
                        [p[0], p[1], p[0], p[1]]
                    };
                    inv.add_box(z, own, pad);
                    let lowest = z.saturating_sub(MAX_BUDGET_STEPS as u8);
                    inv.add_budget_box(z, rules.cell(lowest, p), pad);
                }
            }
        }
        _ => mark_box(inv, rules, geometry.bbox()),
    }
}

/// Marks the tiles of a feature whose geometry stayed where it was (an attribute change or
/// a re-ranking). `visible_from` is the feature's thinning level, when the layer is thinned.
pub fn mark_in_place(
    inv: &mut LayerInvalidation,
    rules: &DrawRules,
    geometry: &WorldGeometry,
    visible_from: Option<u8>,
) {
    let b = geometry.bbox();
    for z in rules.feature_zooms() {
        let drawn = match rules.thinned_below {
            Some(full_zoom) => z >= full_zoom || visible_from.is_none_or(|v| v <= z),
            None => true,
        };
        if drawn {
            inv.add_box(z, b, rules.pad(z));
        }
    }
}

/// Marks the tiles a feature box touches at every zoom that draws features.
fn mark_box(inv: &mut LayerInvalidation, rules: &DrawRules, b: [f64; 4]) {
    for z in rules.feature_zooms() {
        inv.add_box(z, b, rules.pad(z));
    }
}

/// Marks the tiles a merged group box touches at every zoom that draws groups.
pub fn mark_group(inv: &mut LayerInvalidation, rules: &DrawRules, b: [f64; 4]) {
    for z in rules.group_zooms() {
        inv.add_box(z, b, rules.pad(z));
    }
}

/// Marks every tile at every zoom that draws groups (the layer switched between merged and
/// individual drawing at those zooms).
pub fn mark_group_zooms_all(inv: &mut LayerInvalidation, rules: &DrawRules) {
    for z in rules.group_zooms() {
        inv.add_all(z);
    }
}
