//! Snapping in local metres: a uniform grid of cells one tolerance wide over the data's
//! positions, union-find over the span ends closer than the tolerance, and nearest-node
//! lookups for interior vertices and point devices.

use std::collections::HashMap;

/// Lon/lat → local metres around one latitude (equirectangular: exact enough for
/// tolerances of metres within a distribution grid's extent).
#[derive(Clone, Copy, Debug)]
pub(super) struct LocalMetres {
    kx: f64,
    ky: f64,
}

impl LocalMetres {
    /// The projection around `lat0` degrees.
    pub fn around(lat0: f64) -> Self {
        let ky = 110_574.0;
        LocalMetres {
            kx: 111_320.0 * lat0.to_radians().cos().max(1e-6),
            ky,
        }
    }

    pub fn project(&self, lon: f64, lat: f64) -> [f64; 2] {
        [lon * self.kx, lat * self.ky]
    }
}

/// Positions bucketed in square cells of the tolerance's size.
pub(super) struct Grid {
    cell: f64,
    tolerance: f64,
    points: Vec<[f64; 2]>,
    cells: HashMap<(i64, i64), Vec<u32>>,
}

impl Grid {
    /// An empty grid; tolerances under a micrometre count as one micrometre.
    pub fn new(tolerance_m: f64) -> Self {
        let tolerance = tolerance_m.max(1e-6);
        Grid {
            cell: tolerance,
            tolerance,
            points: Vec::new(),
            cells: HashMap::new(),
        }
    }

    fn key(&self, p: [f64; 2]) -> (i64, i64) {
        (
            (p[0] / self.cell).floor() as i64,
            (p[1] / self.cell).floor() as i64,
        )
    }

    /// Adds `p`; returns its index.
    pub fn insert(&mut self, p: [f64; 2]) -> u32 {
        let i = self.points.len() as u32;
        self.points.push(p);
        let key = self.key(p);
        self.cells.entry(key).or_default().push(i);
        i
    }

    /// Every point within the tolerance of `p`, with its distance.
    pub fn near(&self, p: [f64; 2]) -> impl Iterator<Item = (u32, f64)> + '_ {
        let (cx, cy) = self.key(p);
        (cx - 1..=cx + 1)
            .flat_map(move |x| (cy - 1..=cy + 1).map(move |y| (x, y)))
            .filter_map(|k| self.cells.get(&k))
            .flatten()
            .filter_map(move |&i| {
                let q = self.points[i as usize];
                let d = (q[0] - p[0]).hypot(q[1] - p[1]);
                (d <= self.tolerance).then_some((i, d))
            })
    }

    /// The nearest point within the tolerance of `p` (ties: the lowest index).
    pub fn nearest(&self, p: [f64; 2]) -> Option<u32> {
        self.near(p)
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
            .map(|(i, _)| i)
    }

    /// Clusters: points joined when closer than the tolerance, transitively. Returns each
    /// point's cluster, numbered densely in order of first point.
    pub fn clusters(&self) -> (Vec<u32>, usize) {
        let mut parent: Vec<u32> = (0..self.points.len() as u32).collect();
        fn find(parent: &mut [u32], mut i: u32) -> u32 {
            while parent[i as usize] != i {
                let up = parent[parent[i as usize] as usize];
                parent[i as usize] = up;
                i = up;
            }
            i
        }
        for (i, &p) in self.points.iter().enumerate() {
            for (j, _) in self.near(p) {
                let (a, b) = (find(&mut parent, i as u32), find(&mut parent, j));
                if a != b {
                    parent[a.max(b) as usize] = a.min(b);
                }
            }
        }
        let mut dense = HashMap::new();
        let cluster = (0..self.points.len() as u32)
            .map(|i| {
                let root = find(&mut parent, i);
                let next = dense.len() as u32;
                *dense.entry(root).or_insert(next)
            })
            .collect();
        (cluster, dense.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_join_transitively_within_the_tolerance_only() {
        let mut g = Grid::new(1.0);
        for p in [[0.0, 0.0], [0.9, 0.0], [1.8, 0.0], [5.0, 5.0], [6.01, 5.0]] {
            g.insert(p);
        }
        let (cluster, n) = g.clusters();
        assert_eq!(cluster, vec![0, 0, 0, 1, 2]);
        assert_eq!(n, 3);
        assert_eq!(g.nearest([1.7, 0.1]), Some(2));
        assert_eq!(g.nearest([3.0, 3.0]), None);
    }

    #[test]
    fn a_metre_of_longitude_shrinks_with_latitude() {
        let m = LocalMetres::around(60.0);
        let a = m.project(10.0, 60.0);
        let b = m.project(10.001, 60.0);
        assert!((b[0] - a[0] - 55.66).abs() < 0.01, "{}", b[0] - a[0]);
    }
}
