//! Integer tile geometry that satisfies the MVT 2.1 geometry rules.
//!
//! [`TileGeom`] turns clipped `f64` tile-unit geometry into integer geometry before the
//! [`MvtWriter`](super::mvt_writer::MvtWriter) encodes it:
//! - coordinates are rounded to the nearest integer; consecutive repeats are dropped, so no
//!   LineTo has zero length;
//! - a line part that rounds to a single point is skipped (at a layer's max zoom the caller
//!   writes it as a one-unit line instead, [`TileGeom::push_unit_line`]); a part that starts
//!   where the previous one ended is joined to it (a zero-length MoveTo would start it
//!   otherwise);
//! - a polygon ring loses collinear vertices and spikes; a ring left with fewer than three
//!   vertices or zero area is skipped (with its holes, if it was an exterior ring);
//! - winding is fixed after clipping and rounding: exterior rings get positive area by the
//!   spec's shoelace formula (clockwise on screen, y down), interior rings negative;
//! - a ring never starts on the point where the previous ring ended (it is rotated by one),
//!   so every ring begins with a real MoveTo.

use super::clip::{ClipBox, TilePoint};
use super::mvt_writer::GeomType;

/// An integer tile coordinate.
pub type IntPoint = [i32; 2];

/// One feature's geometry on the integer tile grid, built part by part.
#[derive(Clone, Debug, Default)]
pub struct TileGeom {
    kind: GeomType,
    pts: Vec<IntPoint>,
    /// End offset in `pts` of every line part or ring.
    ends: Vec<usize>,
    ring: Vec<IntPoint>,
    /// The current polygon's exterior ring was written (its holes may follow).
    exterior_ok: bool,
}

/// Rounds to the nearest integer, halves up (toward +∞), so a shared coordinate rounds the
/// same in every feature. A shift-and-truncate instead of `f64::round`, which is a libm call
/// on baseline x86-64; inputs are clamped to ±2³⁰ (clipped geometry is within a few thousand
/// units) and NaN (filtered out upstream) becomes −2³⁰.
#[inline]
fn round(p: TilePoint) -> IntPoint {
    const SHIFT: f64 = (1u64 << 30) as f64;
    let r = |v: f64| {
        let v = (v + 0.5).clamp(-SHIFT, SHIFT);
        ((v + SHIFT) as i64 - SHIFT as i64) as i32
    };
    [r(p[0]), r(p[1])]
}

/// Twice the signed area by the MVT spec's formula (positive = exterior). `i128`, so even
/// coordinates at the ±2³⁰ rounding limit cannot overflow.
fn ring_area(ring: &[IntPoint]) -> i128 {
    let Some(&last) = ring.last() else {
        return 0;
    };
    let mut prev = last;
    let mut sum = 0i128;
    for &p in ring {
        sum += i128::from(prev[0]) * i128::from(p[1]) - i128::from(p[0]) * i128::from(prev[1]);
        prev = p;
    }
    sum
}

#[inline]
fn collinear(a: IntPoint, b: IntPoint, c: IntPoint) -> bool {
    let d = |p: IntPoint, q: IntPoint| {
        [
            i64::from(q[0]) - i64::from(p[0]),
            i64::from(q[1]) - i64::from(p[1]),
        ]
    };
    let (u, v) = (d(a, b), d(a, c));
    i128::from(u[0]) * i128::from(v[1]) == i128::from(u[1]) * i128::from(v[0])
}

impl TileGeom {
    /// Starts a new feature geometry of `kind`.
    pub fn begin(&mut self, kind: GeomType) {
        self.kind = kind;
        self.pts.clear();
        self.ends.clear();
        self.exterior_ok = false;
    }

    /// The geometry type being built.
    pub fn kind(&self) -> GeomType {
        self.kind
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.pts.is_empty()
    }

    /// Number of points written.
    pub fn len(&self) -> usize {
        self.pts.len()
    }

    /// Adds a point (Point geometries); a repeat of the previous point is dropped.
    pub fn push_point(&mut self, p: TilePoint) {
        let q = round(p);
        if self.pts.last() != Some(&q) {
            self.pts.push(q);
        }
    }

    /// Adds a line part. Returns false if it rounds to a single point.
    pub fn push_line(&mut self, line: &[TilePoint]) -> bool {
        let start = self.pts.len();
        for &p in line {
            let q = round(p);
            if self.pts.len() == start || self.pts[self.pts.len() - 1] != q {
                self.pts.push(q);
            }
        }
        if self.pts.len() < start + 2 {
            self.pts.truncate(start);
            return false;
        }
        if start > 0 && self.pts[start] == self.pts[start - 1] {
            // Continues the previous part: join them.
            self.pts.remove(start);
            if let Some(end) = self.ends.last_mut() {
                *end = self.pts.len();
            }
        } else {
            self.ends.push(self.pts.len());
        }
        true
    }

    /// Adds a line part of one tile unit where `line` (at least one point) lies: from its
    /// first point rounded, one unit along its main direction (`+x` for a zero-length part),
    /// turned back where that would leave `bx`. The max zoom's replacement for a part that
    /// rounds to a single point, since MVT 2.1 forbids zero-length lines. Joined to the
    /// previous part when it starts where that ended.
    pub fn push_unit_line(&mut self, line: &[TilePoint], bx: &ClipBox) {
        let (Some(&first), Some(&last)) = (line.first(), line.last()) else {
            return;
        };
        let (dx, dy) = (last[0] - first[0], last[1] - first[1]);
        let axis = usize::from(dy.abs() > dx.abs());
        let sign = if [dx, dy][axis] < 0.0 { -1.0 } else { 1.0 };
        let q = round(first);
        let a = [f64::from(q[0]), f64::from(q[1])];
        let mut b = a;
        b[axis] += sign;
        if !bx.contains(b) {
            b[axis] = a[axis] - sign;
        }
        self.push_line(&[a, b]);
    }

    /// Adds a polygon of one tile unit with a corner at `p` rounded, inside `bx`: the max
    /// zoom's replacement for a polygon whose exterior ring collapses on the tile grid. Its
    /// holes are skipped.
    pub fn push_unit_square(&mut self, p: TilePoint, bx: &ClipBox) {
        let q = round(p);
        let [x, y] = [f64::from(q[0]), f64::from(q[1])];
        let sx = if bx.contains([x + 1.0, y]) { 1.0 } else { -1.0 };
        let sy = if bx.contains([x, y + 1.0]) { 1.0 } else { -1.0 };
        let square = [[x, y], [x + sx, y], [x + sx, y + sy], [x, y + sy]];
        self.push_ring(&square, true);
        self.exterior_ok = false;
    }

    /// Marks the current polygon as dropped: its interior rings will be skipped.
    pub fn skip_polygon(&mut self) {
        self.exterior_ok = false;
    }

    /// True if interior rings may follow (the current polygon's exterior was written).
    pub fn accepts_holes(&self) -> bool {
        self.exterior_ok
    }

    /// Adds a polygon ring (open or closed). An exterior ring starts a new polygon; an
    /// interior ring belongs to the last exterior ring and is skipped if that was skipped.
    /// Returns false if the ring was skipped as degenerate.
    pub fn push_ring(&mut self, ring: &[TilePoint], exterior: bool) -> bool {
        if !exterior && !self.exterior_ok {
            return false;
        }
        let ok = self.clean_ring(ring);
        if exterior {
            self.exterior_ok = ok;
        }
        if !ok {
            return false;
        }
        let area = ring_area(&self.ring);
        if (area > 0) != exterior {
            self.ring.reverse();
        }
        if self.pts.last() == self.ring.first() {
            self.ring.rotate_left(1);
        }
        self.pts.extend_from_slice(&self.ring);
        self.ends.push(self.pts.len());
        true
    }

    /// Rounds `ring` into `self.ring`, without closing point, repeats, collinear vertices or
    /// spikes. Returns false if fewer than three vertices or zero area remain.
    fn clean_ring(&mut self, ring: &[TilePoint]) -> bool {
        let r = &mut self.ring;
        r.clear();
        for &p in ring {
            let q = round(p);
            if r.last() == Some(&q) {
                continue;
            }
            r.push(q);
            while r.len() >= 3 && collinear(r[r.len() - 3], r[r.len() - 2], r[r.len() - 1]) {
                r.remove(r.len() - 2);
            }
        }
        // The closing point, and collinear vertices across the start of the ring.
        loop {
            let n = r.len();
            if n < 3 {
                return false;
            }
            if r[n - 1] == r[0] || collinear(r[n - 2], r[n - 1], r[0]) {
                r.pop();
            } else if collinear(r[n - 1], r[0], r[1]) {
                r.remove(0);
            } else {
                break;
            }
        }
        ring_area(r) != 0
    }

    /// The points and the end offset of every line part or ring (empty for points).
    pub fn parts(&self) -> (&[IntPoint], &[usize]) {
        (&self.pts, &self.ends)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring_of(g: &TileGeom, i: usize) -> Vec<IntPoint> {
        let start = if i == 0 { 0 } else { g.ends[i - 1] };
        g.pts[start..g.ends[i]].to_vec()
    }

    #[test]
    fn rounding_is_half_up_and_total() {
        assert_eq!(round([0.49, 0.5]), [0, 1]);
        assert_eq!(round([-0.5, -0.51]), [0, -1]);
        assert_eq!(round([4159.7, -63.2]), [4160, -63]);
        assert_eq!(round([f64::NAN, f64::INFINITY]), [-(1 << 30), 1 << 30]);
        assert_eq!(round([1e300, f64::NEG_INFINITY]), [1 << 30, -(1 << 30)]);
    }

    #[test]
    fn winding_is_fixed_for_exterior_and_interior() {
        let mut g = TileGeom::default();
        g.begin(GeomType::Polygon);
        // counter-clockwise on screen (negative by the spec formula) exterior
        let ext = [
            [0.0, 0.0],
            [0.0, 10.0],
            [10.0, 10.0],
            [10.0, 0.0],
            [0.0, 0.0],
        ];
        assert!(g.push_ring(&ext, true));
        assert!(ring_area(&ring_of(&g, 0)) > 0);
        let hole = [[2.0, 2.0], [4.0, 2.0], [4.0, 4.0], [2.0, 4.0], [2.0, 2.0]];
        assert!(g.push_ring(&hole, false));
        assert!(ring_area(&ring_of(&g, 1)) < 0);
    }

    #[test]
    fn collapsed_rings_and_orphan_holes_are_skipped() {
        let mut g = TileGeom::default();
        g.begin(GeomType::Polygon);
        let thin = [[0.0, 0.0], [10.0, 0.2], [20.0, 0.0], [0.0, 0.0]];
        assert!(!g.push_ring(&thin, true));
        let hole = [[2.0, 2.0], [4.0, 2.0], [4.0, 4.0], [2.0, 2.0]];
        assert!(!g.push_ring(&hole, false), "hole of a dropped exterior");
        assert!(g.is_empty());
    }

    #[test]
    fn collinear_vertices_are_removed() {
        let mut g = TileGeom::default();
        g.begin(GeomType::Polygon);
        let sq = [
            [0.0, 0.0],
            [5.0, 0.0],
            [10.0, 0.0],
            [10.0, 10.0],
            [0.0, 10.0],
            [0.0, 5.0],
        ];
        assert!(g.push_ring(&sq, true));
        assert_eq!(g.len(), 4);
    }

    #[test]
    fn ring_never_starts_where_the_previous_ended() {
        let mut g = TileGeom::default();
        g.begin(GeomType::Polygon);
        assert!(g.push_ring(&[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]], true));
        let last = *g.pts.last().unwrap();
        let next = [[last[0] as f64, last[1] as f64], [20.0, 20.0], [30.0, 10.0]];
        assert!(g.push_ring(&next, true));
        assert_ne!(g.pts[3], last);
    }

    #[test]
    fn unit_lines_and_squares_replace_collapsed_parts() {
        let bx = ClipBox::for_tile(4096, 64);
        let mut g = TileGeom::default();
        g.begin(GeomType::Linestring);
        // A zero-length part and a part shorter than a unit, going up (y down on screen).
        g.push_unit_line(&[[3.2, 4.1], [3.2, 4.1]], &bx);
        g.push_unit_line(&[[10.2, 10.4], [10.3, 10.0]], &bx);
        assert_eq!(g.pts, vec![[3, 4], [4, 4], [10, 10], [10, 9]]);
        assert_eq!(g.ends, vec![2, 4]);
        // A part starting where the previous ended is joined to it: no zero-length MoveTo.
        g.push_unit_line(&[[10.0, 9.0]], &bx);
        assert_eq!(g.pts.len(), 5);
        assert_eq!(g.ends, vec![2, 5]);
        // On the box's edge the unit turns back inside.
        g.begin(GeomType::Linestring);
        g.push_unit_line(&[[4160.0, 7.0]], &bx);
        assert_eq!(g.pts, vec![[4160, 7], [4159, 7]]);
        g.begin(GeomType::Polygon);
        g.push_unit_square([5.4, 5.6], &bx);
        assert_eq!(g.len(), 4);
        assert!(ring_area(&g.pts) > 0, "exterior winding");
        assert!(!g.accepts_holes());
        assert!(!g.push_ring(&[[0.0, 0.0], [9.0, 0.0], [9.0, 9.0]], false));
        g.begin(GeomType::Polygon);
        g.push_unit_square([4160.0, 4160.0], &bx);
        assert!(g.pts.iter().all(|p| p[0] <= 4160 && p[1] <= 4160));
        assert!(ring_area(&g.pts) > 0, "exterior winding");
    }

    #[test]
    fn touching_line_parts_are_joined_and_points_deduplicated() {
        let mut g = TileGeom::default();
        g.begin(GeomType::Linestring);
        assert!(g.push_line(&[[0.0, 0.0], [5.2, 0.0]]));
        assert!(g.push_line(&[[4.9, 0.1], [9.0, 3.0]]));
        assert_eq!(g.ends, vec![3]);
        assert!(!g.push_line(&[[1.1, 1.1], [0.9, 0.9]]));
        assert!(g.push_line(&[[20.0, 20.0], [21.0, 20.0]]));
        assert_eq!(g.ends, vec![3, 5]);
        g.begin(GeomType::Point);
        g.push_point([1.2, 1.2]);
        g.push_point([0.8, 0.8]);
        assert_eq!(g.len(), 1);
    }
}
