//! Point thinning: which points of a dense layer are drawn at each zoom below its full zoom.
//!
//! At zoom `z` the world is cut into square cells of `thin_cell` tile units (cells align with
//! tile edges, so a decision never depends on the neighbouring tile). Each cell keeps one
//! representative, chosen among the points kept at `z + 1` (so a point visible at `z` stays
//! visible at every higher zoom), and records how many points it stands for (`point_count`).

use crate::tiling::{LayerConfig, TileConfig};

use super::{Chunked, Features, Runs, WorldGeometry};

/// The thinning pyramid of one point layer.
#[derive(Clone, Debug, PartialEq)]
pub struct Thinning {
    /// Per feature: the lowest zoom at which it is a representative (`maxzoom` if it is one
    /// only when nothing is thinned). In shared chunks, as the features are.
    pub visible_from: Chunked<u8>,
    /// `levels[z]`: `(feature index, points represented)` of every representative at zoom `z`,
    /// sorted by feature index, in shared runs (an update copies the runs it changes).
    /// Levels `0..maxzoom`.
    pub levels: Vec<Runs>,
}

impl Thinning {
    /// Builds the pyramid for point layers that can be thinned (not `keep_all`). Computed for
    /// every zoom below the layer's max zoom: levels below `full_zoom` are served normally,
    /// the rest only when a tile must be generalized to fit its size budget.
    pub fn build(
        features: &Features,
        config: &LayerConfig,
        tiles: &TileConfig,
    ) -> Option<Thinning> {
        if config.keep_all || features.is_empty() || config.maxzoom == 0 {
            return None;
        }
        let mut points = Vec::with_capacity(features.len());
        for f in features {
            match &f.geometry {
                WorldGeometry::Points(p) if p.len() == 1 => points.push(p[0]),
                _ => return None,
            }
        }
        let n = points.len();
        let mut visible_from = vec![config.maxzoom; n];
        let mut levels = vec![Runs::default(); config.maxzoom as usize];
        // Candidates at the level above: (feature index, count)
        let mut candidates: Vec<(u32, u32)> = (0..n as u32).map(|i| (i, 1)).collect();
        let cells_per_tile = (tiles.extent / tiles.thin_cell.max(1)).max(1) as f64;
        for z in (0..config.maxzoom).rev() {
            let cells = cells_per_tile * f64::from(1u32 << z);
            let cell_of = |i: u32| {
                let p = points[i as usize];
                ((p[0] * cells).floor() as i64, (p[1] * cells).floor() as i64)
            };
            // Sort candidates by cell, then by feature index: the first of each cell is its
            // representative (lowest index = deterministic and stable across runs).
            candidates.sort_unstable_by_key(|&(i, _)| (cell_of(i), i));
            let mut reps: Vec<(u32, u32)> = Vec::with_capacity(candidates.len() / 2 + 1);
            let mut current = None;
            for &(i, count) in &candidates {
                let cell = cell_of(i);
                if current == Some(cell) {
                    if let Some(last) = reps.last_mut() {
                        last.1 += count;
                    }
                } else {
                    current = Some(cell);
                    reps.push((i, count));
                }
            }
            for &(i, _) in &reps {
                visible_from[i as usize] = z;
            }
            let mut level = reps.clone();
            level.sort_unstable_by_key(|&(i, _)| i);
            levels[z as usize] = Runs::from_sorted(level);
            candidates = reps;
        }
        Some(Thinning {
            visible_from: visible_from.into(),
            levels,
        })
    }

    /// How many points feature `i` stands for at thinning level `z`, or `None` if it is not
    /// drawn at that level.
    pub fn represented(&self, i: u32, z: u8) -> Option<u32> {
        self.levels.get(z as usize)?.get(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexedFeature;
    use std::sync::Arc;

    fn point(id: u64, x: f64, y: f64) -> Arc<IndexedFeature> {
        Arc::new(IndexedFeature {
            id,
            geometry: WorldGeometry::Points(vec![[x, y]]),
            properties: vec![],
        })
    }

    #[test]
    fn one_representative_per_cell_and_counts_add_up() {
        // 100 points spread over a small area near (0.25, 0.4)
        let feats: Features = (0..100)
            .map(|i| {
                point(
                    i,
                    0.25 + (i % 10) as f64 * 1e-5,
                    0.4 + (i / 10) as f64 * 1e-5,
                )
            })
            .collect();
        let cfg = LayerConfig {
            maxzoom: 16,
            full_zoom: 16,
            ..LayerConfig::default()
        };
        let t = Thinning::build(&feats, &cfg, &TileConfig::default()).unwrap();
        for z in 0..16u8 {
            let total: u32 = t.levels[z as usize].iter().map(|&(_, c)| c).sum();
            assert_eq!(total, 100, "every point is represented once at z{z}");
        }
        assert_eq!(t.levels[0].len(), 1);
        // monotone: visible at z implies visible at z+1
        for z in 0..15u8 {
            for &(i, _) in t.levels[z as usize].iter() {
                assert!(t.represented(i, z + 1).is_some());
            }
        }
        assert!(t.levels[15].len() > t.levels[10].len());
    }

    #[test]
    fn keep_all_layers_are_not_thinned() {
        let feats: Features = vec![point(1, 0.5, 0.5)].into();
        let cfg = LayerConfig {
            keep_all: true,
            ..LayerConfig::default()
        };
        assert!(Thinning::build(&feats, &cfg, &TileConfig::default()).is_none());
    }
}
