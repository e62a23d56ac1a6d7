//! A uniform bucket grid over points for radius queries (street nodes, poles).
//!
//! Buckets are stored compactly (CSR) and visited in a fixed order, so queries are
//! deterministic.

use super::geom::V2;

/// Points bucketed into square cells.
#[derive(Clone, Debug)]
pub struct PointGrid {
    origin: V2,
    cell: f64,
    nx: usize,
    ny: usize,
    start: Vec<u32>,
    items: Vec<u32>,
}

impl PointGrid {
    /// Buckets `points` (indexed by position in the slice) into cells of `cell` metres.
    pub fn new(points: &[V2], cell: f64) -> Self {
        let (mut lo, mut hi) = (V2::new(0.0, 0.0), V2::new(0.0, 0.0));
        if let Some(&p) = points.first() {
            (lo, hi) = (p, p);
        }
        for p in points {
            lo = V2::new(lo.x.min(p.x), lo.y.min(p.y));
            hi = V2::new(hi.x.max(p.x), hi.y.max(p.y));
        }
        let nx = ((hi.x - lo.x) / cell) as usize + 1;
        let ny = ((hi.y - lo.y) / cell) as usize + 1;
        let mut grid = PointGrid {
            origin: lo,
            cell,
            nx,
            ny,
            start: vec![0; nx * ny + 1],
            items: vec![0; points.len()],
        };
        let cells: Vec<usize> = points.iter().map(|&p| grid.cell_of(p)).collect();
        for &c in &cells {
            grid.start[c + 1] += 1;
        }
        for i in 0..nx * ny {
            grid.start[i + 1] += grid.start[i];
        }
        let mut fill = grid.start.clone();
        for (i, &c) in cells.iter().enumerate() {
            grid.items[fill[c] as usize] = i as u32;
            fill[c] += 1;
        }
        grid
    }

    fn coord(&self, v: f64, lo: f64, n: usize) -> usize {
        (((v - lo) / self.cell).max(0.0) as usize).min(n - 1)
    }

    fn cell_of(&self, p: V2) -> usize {
        self.coord(p.y, self.origin.y, self.ny) * self.nx + self.coord(p.x, self.origin.x, self.nx)
    }

    /// Calls `f(index, distance²)` for every point within `r` of `p`.
    pub fn for_each_within(&self, points: &[V2], p: V2, r: f64, mut f: impl FnMut(u32, f64)) {
        let r2 = r * r;
        let (x0, x1) = (
            self.coord(p.x - r, self.origin.x, self.nx),
            self.coord(p.x + r, self.origin.x, self.nx),
        );
        let (y0, y1) = (
            self.coord(p.y - r, self.origin.y, self.ny),
            self.coord(p.y + r, self.origin.y, self.ny),
        );
        for cy in y0..=y1 {
            for cx in x0..=x1 {
                let c = cy * self.nx + cx;
                for &i in &self.items[self.start[c] as usize..self.start[c + 1] as usize] {
                    let d2 = points[i as usize].dist2(p);
                    if d2 <= r2 {
                        f(i, d2);
                    }
                }
            }
        }
    }
}
