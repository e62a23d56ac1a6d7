//! World coordinates to tile units, and the per-zoom generalization filters.
//!
//! - Transform: `((wx · 2^z) − x) · extent` (and the same for y), precomputed as one multiply
//!   and one subtract per axis.
//! - Simplification is a filter, not a computation: the index ranked every vertex once
//!   ([`crate::index::Path::importance`]), so at zoom `z` a vertex is kept iff its importance
//!   exceeds `sq_tol = (tolerance / (extent · 2^z))²` (world units²). Endpoints and junctions
//!   have infinite importance and always survive.
//! - Size filter: a line part or polygon ring whose bounding box is smaller than one pixel
//!   (`extent / 256` tile units) in both dimensions is not drawn. Points are never dropped for
//!   size.

use crate::index::Path;
use crate::mercator::WorldCoord;

use super::clip::TilePoint;
use super::TileCoord;

/// Pixels per tile side that the size filter assumes (a 256-px raster tile).
pub const PIXELS_PER_TILE: f64 = 256.0;

/// World → tile-unit transform of one tile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileTransform {
    /// Tile units per world unit: `extent · 2^z`.
    pub scale: f64,
    ox: f64,
    oy: f64,
    z: u8,
}

impl TileTransform {
    /// The transform of `tile` at `extent` tile units per side.
    pub fn new(tile: TileCoord, extent: u32) -> TileTransform {
        let extent = f64::from(extent);
        TileTransform {
            scale: tile.tiles_per_axis() * extent,
            ox: f64::from(tile.x) * extent,
            oy: f64::from(tile.y) * extent,
            z: tile.z,
        }
    }

    /// The zoom of the tile.
    pub fn zoom(&self) -> u8 {
        self.z
    }

    /// A world coordinate in tile units.
    #[inline]
    pub fn apply(&self, c: WorldCoord) -> TilePoint {
        [c[0] * self.scale - self.ox, c[1] * self.scale - self.oy]
    }

    /// A world bounding box `[minx, miny, maxx, maxy]` in tile units.
    #[inline]
    pub fn apply_bbox(&self, b: [f64; 4]) -> [f64; 4] {
        let lo = self.apply([b[0], b[1]]);
        let hi = self.apply([b[2], b[3]]);
        [lo[0], lo[1], hi[0], hi[1]]
    }

    /// True if a world bounding box is smaller than `pixel` tile units in both dimensions.
    #[inline]
    pub fn below_pixel(&self, b: [f64; 4], pixel: f64) -> bool {
        (b[2] - b[0]) * self.scale < pixel && (b[3] - b[1]) * self.scale < pixel
    }
}

/// The squared simplification tolerance in world units² for `tolerance` tile units at zoom
/// `z`: vertices with `importance > sq_tol` are kept. A non-finite result (a NaN or infinite
/// configured tolerance, extent 0) means no simplification, so endpoints always survive.
pub fn sq_tolerance(tolerance: f64, extent: u32, z: u8) -> f64 {
    let t = tolerance / (f64::from(extent) * f64::from(1u32 << z.min(31)));
    let sq = t * t;
    if sq.is_finite() {
        sq
    } else {
        0.0
    }
}

/// Size of one pixel in tile units.
pub fn pixel(extent: u32) -> f64 {
    f64::from(extent) / PIXELS_PER_TILE
}

/// Appends the vertices of `path` that survive simplification at `sq_tol`, in tile units, to
/// `out` (cleared first). Non-finite coordinates are skipped.
pub fn simplified(path: &Path, tf: &TileTransform, sq_tol: f64, out: &mut Vec<TilePoint>) {
    out.clear();
    for (&c, &imp) in path.coords.iter().zip(&path.importance) {
        if f64::from(imp) > sq_tol {
            let p = tf.apply(c);
            if p[0].is_finite() && p[1].is_finite() {
                out.push(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_corners_map_to_zero_and_extent() {
        let t = TileCoord { z: 2, x: 1, y: 3 };
        let tf = TileTransform::new(t, 4096);
        let b = t.world_bounds();
        assert_eq!(tf.apply([b[0], b[1]]), [0.0, 0.0]);
        assert_eq!(tf.apply([b[2], b[3]]), [4096.0, 4096.0]);
    }

    #[test]
    fn tolerance_halves_per_zoom() {
        let a = sq_tolerance(3.0, 4096, 10);
        let b = sq_tolerance(3.0, 4096, 11);
        assert!((a / b - 4.0).abs() < 1e-9);
        assert!((sq_tolerance(4096.0, 4096, 0) - 1.0).abs() < 1e-12);
        assert_eq!(sq_tolerance(f64::NAN, 4096, 3), 0.0);
        assert_eq!(sq_tolerance(3.0, 0, 3), 0.0);
    }

    #[test]
    fn simplification_keeps_pinned_vertices() {
        let path = Path::new(vec![[0.1, 0.1], [0.2, 0.1000001], [0.3, 0.1]], |_| false);
        let tf = TileTransform::new(TileCoord { z: 0, x: 0, y: 0 }, 4096);
        let mut out = Vec::new();
        simplified(&path, &tf, sq_tolerance(3.0, 4096, 0), &mut out);
        assert_eq!(out.len(), 2, "the tiny bump is below tolerance at z0");
        simplified(&path, &tf, 0.0, &mut out);
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn pixel_filter() {
        let tf = TileTransform::new(TileCoord { z: 0, x: 0, y: 0 }, 4096);
        let px = pixel(4096);
        assert_eq!(px, 16.0);
        assert!(tf.below_pixel([0.1, 0.1, 0.1 + 15.0 / 4096.0, 0.1], px));
        assert!(!tf.below_pixel([0.1, 0.1, 0.1, 0.1 + 17.0 / 4096.0], px));
    }
}
