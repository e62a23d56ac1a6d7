//! Point thinning during an update: only the grid cells that contain a changed point are
//! decided again, level by level from the finest, instead of rebuilding the whole pyramid.
//!
//! [`Thinning::build`] keeps, at level `z`, the lowest-index point of every cell and counts
//! the points of the cell (its hierarchical construction reduces to exactly that, because a
//! cell of level `z` is the union of four cells of level `z + 1` and the minimum of minima is
//! the minimum). So a cell's representative and count change only if a point moved into or
//! out of it, appeared or disappeared in it; and a changed cell's result follows from its four
//! children: the finest level asks the R-tree for the cell's points, a coarser one combines the
//! children (recomputed ones from this update, unchanged ones looked up in the old pyramid,
//! through a map of the level when it is small, the R-tree when it is large). Feature order of
//! unchanged points is preserved by the update, so the result equals a full rebuild
//! (checked by `tests/index_update.rs`).

use std::collections::{HashMap, HashSet};

use rstar::AABB;

use crate::index::{Chunked, Features, LayerTree, Runs, Thinning, WorldGeometry};
use crate::mercator::WorldCoord;
use crate::tiling::{LayerConfig, TileConfig};

/// Levels with at most this many representatives are looked up through a map; larger ones
/// (few points per cell) through the R-tree.
const MAP_LEVEL_MAX: usize = 1 << 16;

type Cell = (i64, i64);

/// A thinning level: `(feature index, points represented)`, sorted by index.
type Level = Runs;

/// What changed in a thinned layer, in terms of the new feature vector.
pub struct ThinChanges<'a> {
    /// Old index → new index (`None`: deleted); `None` when no feature was deleted.
    pub remap: Option<&'a [Option<u32>]>,
    /// New indices of features that moved or were inserted.
    pub changed: &'a [u32],
    /// Old and new positions of every point that moved, appeared or disappeared.
    pub dirty: &'a [WorldCoord],
}

/// The thinning of the new features, from the old one and what changed; a full build when
/// there is no old pyramid or a feature is not a single point.
pub fn update_thinning(
    old: Option<&Thinning>,
    features: &Features,
    rtree: &LayerTree,
    ch: &ThinChanges<'_>,
    config: &LayerConfig,
    tiles: &TileConfig,
) -> Option<Thinning> {
    update_with(MAP_LEVEL_MAX, old, features, rtree, ch, config, tiles)
}

/// [`update_thinning`] with levels of at most `map_max` representatives looked up by map.
fn update_with(
    map_max: usize,
    old: Option<&Thinning>,
    features: &Features,
    rtree: &LayerTree,
    ch: &ThinChanges<'_>,
    config: &LayerConfig,
    tiles: &TileConfig,
) -> Option<Thinning> {
    let single = |i: &u32| matches!(&features[*i as usize].geometry, WorldGeometry::Points(p) if p.len() == 1);
    let Some(old) = old
        .filter(|t| t.levels.len() == usize::from(config.maxzoom) && ch.changed.iter().all(single))
    else {
        return Thinning::build(features, config, tiles);
    };
    if features.is_empty() {
        return None;
    }
    let n_levels = old.levels.len();
    let max = config.maxzoom;
    let cells_per_tile = f64::from((tiles.extent / tiles.thin_cell.max(1)).max(1));
    let grid = Grid { cells_per_tile };
    let pos = |i: u32| match &features[i as usize].geometry {
        WorldGeometry::Points(p) => p.first().copied().unwrap_or([f64::NAN; 2]),
        _ => [f64::NAN; 2],
    };
    // The old pyramid in new indices (shared when nothing was deleted).
    let (mut visible, mapped): (Chunked<u8>, Option<Vec<Level>>) = match ch.remap {
        None => {
            let mut v = old.visible_from.clone();
            while v.len() < features.len() {
                v.push(max);
            }
            (v, None)
        }
        Some(m) => {
            let at = |i: u32| m.get(i as usize).copied().flatten();
            let mut v = vec![max; features.len()];
            for (i, &f) in old.visible_from.iter().enumerate() {
                if let Some(j) = at(i as u32) {
                    v[j as usize] = f;
                }
            }
            let levels = old
                .levels
                .iter()
                .map(|l| {
                    Runs::from_sorted(
                        l.iter()
                            .filter_map(|&(i, c)| at(i).map(|j| (j, c)))
                            .collect(),
                    )
                })
                .collect();
            (v.into(), Some(levels))
        }
    };
    let levels: &[Level] = mapped.as_deref().unwrap_or(&old.levels);
    let changed: HashSet<u32> = ch.changed.iter().copied().collect();
    for &j in &changed {
        visible.set(j as usize, max);
    }
    // Decide the affected cells, finest level first; note the old representatives they
    // replace.
    let mut computed: Vec<HashMap<Cell, Option<(u32, u32)>>> = vec![HashMap::new(); n_levels];
    let mut dropped: Vec<Vec<u32>> = vec![Vec::new(); n_levels];
    let mut finer: Option<LevelLookup> = None;
    for z in (0..n_levels).rev() {
        let affected: HashSet<Cell> = ch.dirty.iter().map(|&p| grid.cell(z, p)).collect();
        let here = LevelLookup::new(map_max, &levels[z], &changed, z, &grid, &pos);
        for c in affected {
            if let Some((i, _)) = here.unchanged(c, rtree, &visible, &levels[z], &grid, &pos) {
                dropped[z].push(i);
            }
            let result = match &finer {
                None => grid
                    .points_in(z, c, rtree, &pos)
                    .into_iter()
                    .fold(None, |acc, i| {
                        let (rep, n) = acc.unwrap_or((u32::MAX, 0));
                        Some((rep.min(i), n + 1))
                    }),
                Some(lk) => grid.children(c).into_iter().fold(None, |acc, child| {
                    let r = match computed[z + 1].get(&child) {
                        Some(r) => *r,
                        None => lk.unchanged(child, rtree, &visible, &levels[z + 1], &grid, &pos),
                    };
                    match (acc, r) {
                        (None, r) | (r, None) => r,
                        (Some((a, n)), Some((b, m))) => Some((a.min(b), n + m)),
                    }
                }),
            };
            computed[z].insert(c, result);
        }
        finer = Some(here);
    }
    // The new levels: the old ones without the replaced representatives, with the new ones.
    let mut touched: HashSet<u32> = changed.clone();
    let mut new_levels = Vec::with_capacity(n_levels);
    for z in 0..n_levels {
        let mut remove: Vec<u32> = dropped[z].iter().chain(&changed).copied().collect();
        remove.sort_unstable();
        remove.dedup();
        let mut add: Vec<(u32, u32)> = computed[z].values().flatten().copied().collect();
        add.sort_unstable();
        touched.extend(remove.iter().copied());
        touched.extend(add.iter().map(|&(i, _)| i));
        new_levels.push(levels[z].spliced(&remove, &add));
    }
    drop(mapped);
    for i in touched {
        let v = (0..n_levels)
            .find(|&z| new_levels[z].contains(i))
            .map_or(max, |z| z as u8);
        if (i as usize) < visible.len() {
            visible.set(i as usize, v);
        }
    }
    Some(Thinning {
        visible_from: visible,
        levels: new_levels,
    })
}

/// The thinning grid: `cells_per_tile · 2^z` cells per axis at level `z`.
struct Grid {
    cells_per_tile: f64,
}

impl Grid {
    fn cells(&self, z: usize) -> f64 {
        self.cells_per_tile * f64::from(1u32 << z.min(31))
    }

    /// The cell of `p` at level `z`, computed exactly as [`Thinning::build`] does.
    fn cell(&self, z: usize, p: WorldCoord) -> Cell {
        let cells = self.cells(z);
        ((p[0] * cells).floor() as i64, (p[1] * cells).floor() as i64)
    }

    fn children(&self, (x, y): Cell) -> [Cell; 4] {
        [
            (2 * x, 2 * y),
            (2 * x + 1, 2 * y),
            (2 * x, 2 * y + 1),
            (2 * x + 1, 2 * y + 1),
        ]
    }

    /// The points whose cell at level `z` is `c`.
    fn points_in(
        &self,
        z: usize,
        c: Cell,
        rtree: &LayerTree,
        pos: &impl Fn(u32) -> WorldCoord,
    ) -> Vec<u32> {
        let cells = self.cells(z);
        let eps = 1e-9 / cells;
        let (x0, y0) = (c.0 as f64 / cells, c.1 as f64 / cells);
        let (x1, y1) = ((c.0 + 1) as f64 / cells, (c.1 + 1) as f64 / cells);
        let env = AABB::from_corners([x0 - eps, y0 - eps], [x1 + eps, y1 + eps]);
        rtree
            .locate_in_envelope_intersecting(&env)
            .map(|e| e.data)
            .filter(|&i| self.cell(z, pos(i)) == c)
            .collect()
    }
}

/// Finds the representative and count of an unchanged cell of one level of the old pyramid.
struct LevelLookup {
    z: usize,
    /// Small levels: cell → (representative, count) of the unchanged points' entries.
    map: Option<HashMap<Cell, (u32, u32)>>,
}

impl LevelLookup {
    fn new(
        map_max: usize,
        level: &Level,
        changed: &HashSet<u32>,
        z: usize,
        grid: &Grid,
        pos: &impl Fn(u32) -> WorldCoord,
    ) -> Self {
        let map = (level.len() <= map_max).then(|| {
            level
                .iter()
                .filter(|(i, _)| !changed.contains(i))
                .map(|&(i, c)| (grid.cell(z, pos(i)), (i, c)))
                .collect()
        });
        LevelLookup { z, map }
    }

    /// The entry of the unchanged point that represented cell `c` (`None`: no unchanged
    /// point did).
    fn unchanged(
        &self,
        c: Cell,
        rtree: &LayerTree,
        visible: &Chunked<u8>,
        level: &Level,
        grid: &Grid,
        pos: &impl Fn(u32) -> WorldCoord,
    ) -> Option<(u32, u32)> {
        if let Some(map) = &self.map {
            return map.get(&c).copied();
        }
        // Its only point visible at this level (changed points are not: theirs is reset).
        let z = self.z;
        let rep = grid
            .points_in(z, c, rtree, pos)
            .into_iter()
            .find(|&i| usize::from(visible[i as usize]) <= z)?;
        level.get(rep).map(|count| (rep, count))
    }
}

#[cfg(test)]
#[path = "thinning_tests.rs"]
mod tests;
