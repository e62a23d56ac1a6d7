//! Planar geometry in a local metric frame around Houston's centre, and its projection to
//! WGS84 longitude/latitude.
//!
//! The generator works in metres east (`x`) and north (`y`) of [`CENTER_LON`]/[`CENTER_LAT`].
//! [`to_lon_lat`] converts with the sphere radius `geo`'s Haversine uses and scales longitude
//! by the cosine of each point's own latitude: east-west lengths are exact and north-south
//! runs far east or west of the centre shear slightly (about 0.1 % per 15 km of offset, so a
//! 78 m span 60 km out measures 78.3 m), which the span and meter limits leave room for.

use std::ops::{Add, Mul, Sub};

/// Longitude of the territory centre (downtown Houston).
pub const CENTER_LON: f64 = -95.37;
/// Latitude of the territory centre (downtown Houston).
pub const CENTER_LAT: f64 = 29.76;
/// Mean Earth radius in metres (the radius of `geo::Haversine`).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Shortest pole-to-pole span the generator produces (planar metres).
pub const SPAN_MIN_M: f64 = 32.0;
/// Longest pole-to-pole span the generator produces (planar metres).
pub const SPAN_MAX_M: f64 = 78.0;
/// Preferred span length: poles are spaced as close to this as the street segment allows.
const SPAN_TARGET_M: f64 = 48.0;

/// A point or vector in the local metric frame (metres east, metres north).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct V2 {
    /// Metres east.
    pub x: f64,
    /// Metres north.
    pub y: f64,
}

impl V2 {
    /// A vector from its components.
    pub const fn new(x: f64, y: f64) -> Self {
        V2 { x, y }
    }

    /// The unit vector at `angle` radians counter-clockwise from east.
    pub fn from_angle(angle: f64) -> Self {
        V2::new(angle.cos(), angle.sin())
    }

    /// Dot product.
    pub fn dot(self, o: V2) -> f64 {
        self.x * o.x + self.y * o.y
    }

    /// 2-D cross product (z component); positive when `o` is counter-clockwise of `self`.
    pub fn cross(self, o: V2) -> f64 {
        self.x * o.y - self.y * o.x
    }

    /// Euclidean length.
    pub fn norm(self) -> f64 {
        self.dot(self).sqrt()
    }

    /// Distance to `o`.
    pub fn dist(self, o: V2) -> f64 {
        (self - o).norm()
    }

    /// Squared distance to `o`.
    pub fn dist2(self, o: V2) -> f64 {
        let d = self - o;
        d.dot(d)
    }

    /// The unit vector in this direction (east for the zero vector).
    pub fn unit(self) -> V2 {
        let l = self.norm();
        if l > 0.0 {
            self * (1.0 / l)
        } else {
            V2::new(1.0, 0.0)
        }
    }

    /// This vector rotated 90° counter-clockwise.
    pub fn perp(self) -> V2 {
        V2::new(-self.y, self.x)
    }

    /// The point a fraction `t` of the way from `self` to `o`.
    pub fn lerp(self, o: V2, t: f64) -> V2 {
        self + (o - self) * t
    }

    /// Angle counter-clockwise from east, in radians.
    pub fn angle(self) -> f64 {
        self.y.atan2(self.x)
    }
}

impl Add for V2 {
    type Output = V2;
    fn add(self, o: V2) -> V2 {
        V2::new(self.x + o.x, self.y + o.y)
    }
}

impl Sub for V2 {
    type Output = V2;
    fn sub(self, o: V2) -> V2 {
        V2::new(self.x - o.x, self.y - o.y)
    }
}

impl Mul<f64> for V2 {
    type Output = V2;
    fn mul(self, k: f64) -> V2 {
        V2::new(self.x * k, self.y * k)
    }
}

/// Projects a local point to WGS84 `(lon, lat)` in degrees.
pub fn to_lon_lat(p: V2) -> (f64, f64) {
    let lat = CENTER_LAT + (p.y / EARTH_RADIUS_M).to_degrees();
    let lon = CENTER_LON + (p.x / (EARTH_RADIUS_M * lat.to_radians().cos())).to_degrees();
    (lon, lat)
}

/// How many spans a straight run of `len` metres is split into: as close to the target
/// spacing as possible while every span stays within [`SPAN_MIN_M`, `SPAN_MAX_M`] (runs
/// shorter than `SPAN_MIN_M` get one span; the street builder never produces them).
pub fn span_count(len: f64) -> u32 {
    let lo = (len / SPAN_MAX_M).ceil().max(1.0);
    let hi = (len / SPAN_MIN_M).floor().max(lo);
    (len / SPAN_TARGET_M).round().clamp(lo, hi) as u32
}

/// Smallest absolute difference between two angles, in radians (0..=π).
pub fn angle_diff(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(std::f64::consts::TAU);
    d.min(std::f64::consts::TAU - d)
}

/// Distance from `p` to the segment `a`–`b`.
pub fn dist_to_segment(p: V2, a: V2, b: V2) -> f64 {
    let ab = b - a;
    let l2 = ab.dot(ab);
    let t = if l2 > 0.0 {
        ((p - a).dot(ab) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    p.dist(a + ab * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_count_keeps_spans_in_range() {
        for i in 32..3000 {
            let len = i as f64;
            let n = span_count(len) as f64;
            assert!(
                len / n >= SPAN_MIN_M && len / n <= SPAN_MAX_M,
                "{len} / {n}"
            );
        }
    }

    #[test]
    fn projection_matches_haversine() {
        use geo::{Distance, Haversine, Point};
        for &(x, y) in &[(0.0, 0.0), (40_000.0, -50_000.0), (-60_000.0, 60_000.0)] {
            let a = V2::new(x, y);
            for d in [V2::new(78.0, 0.0), V2::new(0.0, 78.0), V2::new(55.0, -55.0)] {
                let (lo1, la1) = to_lon_lat(a);
                let (lo2, la2) = to_lon_lat(a + d);
                let h = Haversine.distance(Point::new(lo1, la1), Point::new(lo2, la2));
                // Meridians converge, so spans far east or west shear by ~0.1 % per 15 km.
                let tol = d.norm() * (0.0002 + x.abs() / 15_000.0 * 0.001);
                assert!((h - d.norm()).abs() < tol, "{h} vs {}", d.norm());
            }
        }
    }
}
