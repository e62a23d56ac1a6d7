//! The default maximum zoom, guessed from the data as tippecanoe's `-zg` guesses it.
//!
//! When `[tiles] maxzoom` is not configured, the snapshot builder picks the zoom at which
//! the data's small distances are resolved on the tile grid:
//!
//! - *feature spacing*: every feature's first vertex, sorted along a Z-order (Morton) curve;
//!   the distances between consecutive distinct positions are roughly log-normal, so their
//!   log-mean `m` and log-standard-deviation `s` describe them, and "nearby" features are
//!   `exp(m − 1.5 s)` apart (tippecanoe's rule). The zoom must resolve half of that distance
//!   with one tile unit;
//! - *detail*: the geometric mean of the non-zero segment lengths of lines and rings; the zoom
//!   must resolve an eighth of it with one tile unit (tippecanoe's factor for line detail).
//!
//! The guess is the larger of the two, clamped to
//! [`DEFAULT_MAXZOOM`]`..=`[`GUESSED_MAXZOOM_CAP`]: data never gets a lower maximum zoom than
//! the server's old fixed default (the demo grid keeps z16), and never more than z20.
//! Features smaller than a tile unit at that zoom are still drawn (see `tiles::draw`): the
//! guess decides how much detail the highest zoom shows, not which features it has.

use std::sync::Arc;

use rayon::prelude::*;

use crate::tiling::{DEFAULT_MAXZOOM, GUESSED_MAXZOOM_CAP};

use super::{IndexedFeature, Path, WorldGeometry};

/// Sums of `ln(distance)` for a log-normal estimate.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct LogStats {
    n: u64,
    sum: f64,
    sum_sq: f64,
}

impl LogStats {
    fn add(&mut self, d: f64) {
        if d > 0.0 && d.is_finite() {
            let l = d.ln();
            self.n += 1;
            self.sum += l;
            self.sum_sq += l * l;
        }
    }

    fn merge(self, o: LogStats) -> LogStats {
        LogStats {
            n: self.n + o.n,
            sum: self.sum + o.sum,
            sum_sq: self.sum_sq + o.sum_sq,
        }
    }

    /// `(mean, standard deviation)` of the logs, if any distance was added.
    fn mean_sd(&self) -> Option<(f64, f64)> {
        if self.n == 0 {
            return None;
        }
        let n = self.n as f64;
        let mean = self.sum / n;
        let var = (self.sum_sq / n - mean * mean).max(0.0);
        Some((mean, var.sqrt()))
    }
}

/// The smallest zoom whose tile unit (`1 / (extent · 2^z)` world units) is at most `want`
/// world units (`u8::MAX` for a distance too small to resolve).
fn zoom_resolving(want: f64, extent: u32) -> u8 {
    let z = (1.0 / (want * f64::from(extent.max(1)))).log2().ceil();
    if z.is_nan() || z >= f64::from(u8::MAX) {
        u8::MAX
    } else {
        z.max(0.0) as u8
    }
}

/// Interleaves the bits of `x` and `y` (a Z-order curve key).
fn morton(x: u32, y: u32) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        v = (v | (v << 1)) & 0x5555_5555_5555_5555;
        v
    }
    spread(x) | (spread(y) << 1)
}

fn segment_stats(path: &Path, stats: &mut LogStats) {
    for w in path.coords.windows(2) {
        stats.add((w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]));
    }
}

/// The maximum zoom guessed from `layers` (each a layer's features) for tiles of `extent`
/// units (see the module documentation).
pub fn guess_maxzoom(layers: &[&[Arc<IndexedFeature>]], extent: u32) -> u8 {
    const SCALE: f64 = u32::MAX as f64;
    let mut firsts: Vec<(u64, [f64; 2])> = layers
        .par_iter()
        .flat_map_iter(|features| features.iter())
        .filter_map(|f| f.geometry.first_coord())
        .filter(|c| c[0].is_finite() && c[1].is_finite())
        .map(|c| {
            let q = |v: f64| (v.clamp(0.0, 1.0) * SCALE) as u32;
            (morton(q(c[0]), q(c[1])), c)
        })
        .collect();
    firsts.par_sort_unstable_by_key(|&(k, _)| k);
    let spacing = firsts
        .par_windows(2)
        .fold(LogStats::default, |mut s, w| {
            s.add((w[1].1[0] - w[0].1[0]).hypot(w[1].1[1] - w[0].1[1]));
            s
        })
        .reduce(LogStats::default, LogStats::merge);
    let detail = layers
        .par_iter()
        .flat_map_iter(|features| features.iter())
        .fold(LogStats::default, |mut s, f| {
            match &f.geometry {
                WorldGeometry::Points(_) => {}
                WorldGeometry::Lines(paths) => paths.iter().for_each(|p| segment_stats(p, &mut s)),
                WorldGeometry::Polygons(polys) => polys
                    .iter()
                    .flatten()
                    .for_each(|p| segment_stats(p, &mut s)),
            }
            s
        })
        .reduce(LogStats::default, LogStats::merge);
    let by_spacing = spacing
        .mean_sd()
        .map(|(m, sd)| zoom_resolving((m - 1.5 * sd).exp() / 2.0, extent));
    let by_detail = detail
        .mean_sd()
        .map(|(m, _)| zoom_resolving(m.exp() / 8.0, extent));
    by_spacing
        .into_iter()
        .chain(by_detail)
        .max()
        .unwrap_or(DEFAULT_MAXZOOM)
        .clamp(DEFAULT_MAXZOOM, GUESSED_MAXZOOM_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::mercator::lonlat_to_world;

    /// Points `spacing_m` metres apart (east-west, near Houston) in a row of `n`.
    fn row(n: usize, spacing_m: f64) -> Vec<Arc<IndexedFeature>> {
        let deg = spacing_m / (111_320.0 * 29.76f64.to_radians().cos());
        (0..n)
            .map(|i| {
                let c = lonlat_to_world(-95.37 + deg * i as f64, 29.76);
                Arc::new(IndexedFeature {
                    id: i as u64,
                    geometry: WorldGeometry::Points(vec![c]),
                    properties: Vec::new(),
                })
            })
            .collect()
    }

    fn spans(n: usize, length_m: f64) -> Vec<Arc<IndexedFeature>> {
        let pts = row(n + 1, length_m);
        pts.windows(2)
            .enumerate()
            .map(|(i, w)| {
                let (a, b) = (w[0].geometry.first_coord(), w[1].geometry.first_coord());
                let path = Path::new(vec![a.unwrap(), b.unwrap()], |_| false);
                Arc::new(IndexedFeature {
                    id: i as u64,
                    geometry: WorldGeometry::Lines(vec![path]),
                    properties: Vec::new(),
                })
            })
            .collect()
    }

    #[test]
    fn zoom_resolving_is_the_first_zoom_whose_unit_fits() {
        // One tile unit at z0 with extent 4096 is 1/4096 world units.
        assert_eq!(zoom_resolving(1.0 / 4096.0, 4096), 0);
        assert_eq!(zoom_resolving(0.99 / 4096.0, 4096), 1);
        assert_eq!(zoom_resolving(1.0 / (4096.0 * 65536.0), 4096), 16);
        assert_eq!(zoom_resolving(0.0, 4096), u8::MAX);
        assert_eq!(zoom_resolving(f64::NAN, 4096), u8::MAX);
        assert_eq!(zoom_resolving(10.0, 4096), 0);
    }

    #[test]
    fn sparse_or_no_data_keeps_the_default() {
        assert_eq!(guess_maxzoom(&[], 4096), DEFAULT_MAXZOOM);
        let sparse = row(50, 500.0);
        assert_eq!(guess_maxzoom(&[&sparse], 4096), DEFAULT_MAXZOOM);
        let one = row(1, 1.0);
        assert_eq!(guess_maxzoom(&[&one], 4096), DEFAULT_MAXZOOM);
    }

    #[test]
    fn dense_data_gets_a_higher_zoom_up_to_the_cap() {
        // A tile unit at z16 is ~0.13 m here (Mercator scale at 29.76°): points 10 cm apart
        // need z18 (half of it resolved), spans of 20 cm need z19 (an eighth: 2.5 cm).
        let dense = row(200, 0.1);
        assert_eq!(guess_maxzoom(&[&dense], 4096), 18);
        let short = spans(200, 0.2);
        assert_eq!(guess_maxzoom(&[&short], 4096), 19);
        let tiny = row(200, 0.001);
        assert_eq!(guess_maxzoom(&[&tiny], 4096), GUESSED_MAXZOOM_CAP);
        // A coarser extent needs more zooms for the same data.
        assert!(guess_maxzoom(&[&dense], 512) > 18);
    }

    #[test]
    fn morton_interleaves() {
        assert_eq!(morton(0, 0), 0);
        assert_eq!(morton(1, 0), 1);
        assert_eq!(morton(0, 1), 2);
        assert_eq!(morton(3, 3), 15);
        assert_eq!(morton(u32::MAX, u32::MAX), u64::MAX);
    }
}
