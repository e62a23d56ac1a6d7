//! Junction points during an update: which positions pin line vertices, and which line
//! features have a vertex where a junction appeared, moved or disappeared.
//!
//! [`super::super::SnapshotBuilder`] keeps a set of quantized junction positions while it
//! builds; an update asks the junction layers' R-trees instead (same answer: a position is a
//! junction iff some point of a junction layer quantizes to it), so no extra state is kept
//! in the snapshot.

use rstar::AABB;

use crate::index::build::quantize;
use crate::index::{IndexedLayer, WorldGeometry};
use crate::mercator::WorldCoord;

/// Half the size of the box searched around a position: larger than a quantization step
/// (2⁻³²), so every point that quantizes to the same cell is found.
const EPS: f64 = 1.0 / (1u64 << 30) as f64;

/// Looks positions up in the points of the junction layers of a snapshot.
pub struct JunctionLookup<'a> {
    layers: Vec<&'a IndexedLayer>,
}

impl<'a> JunctionLookup<'a> {
    /// Over the layers configured as `junction`.
    pub fn new(layers: impl Iterator<Item = &'a IndexedLayer>) -> Self {
        JunctionLookup {
            layers: layers.filter(|l| l.config.junction).collect(),
        }
    }

    /// True if a junction point sits at `c` (to ~1 cm).
    pub fn contains(&self, c: WorldCoord) -> bool {
        let q = quantize(c);
        let env = around(c);
        self.layers.iter().any(|l| {
            l.rtree.locate_in_envelope_intersecting(&env).any(|e| {
                matches!(
                    l.features.get(e.data as usize).map(|f| &f.geometry),
                    Some(WorldGeometry::Points(pts)) if pts.iter().any(|&p| quantize(p) == q)
                )
            })
        })
    }
}

/// Ids of the line features of `layer` with a vertex at one of `points`.
pub fn lines_at(layer: &IndexedLayer, points: &[WorldCoord]) -> Vec<u64> {
    let mut ids = Vec::new();
    for &p in points {
        let q = quantize(p);
        for e in layer.rtree.locate_in_envelope_intersecting(&around(p)) {
            let Some(f) = layer.features.get(e.data as usize) else {
                continue;
            };
            if let WorldGeometry::Lines(paths) = &f.geometry {
                if paths
                    .iter()
                    .any(|path| path.coords.iter().any(|&c| quantize(c) == q))
                {
                    ids.push(f.id);
                }
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn around(c: WorldCoord) -> AABB<[f64; 2]> {
    AABB::from_corners([c[0] - EPS, c[1] - EPS], [c[0] + EPS, c[1] + EPS])
}
