//! Web Mercator projection to normalized world coordinates.
//!
//! Every geometry in the index lives in *world coordinates*: Web Mercator (EPSG:3857) scaled so
//! the whole world is the unit square, `x` growing east from -180° and `y` growing **south**
//! from 85.0511°N (the same orientation as tile rows). A tile `z/x/y` covers
//! `[x/2^z, (x+1)/2^z] × [y/2^z, (y+1)/2^z]`, so tile math is a multiply and a subtract.

use std::f64::consts::PI;

/// A point in normalized world coordinates (`[x, y]`, both in `[0, 1]`).
pub type WorldCoord = [f64; 2];

/// Latitude limit of Web Mercator.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// Earth's equatorial circumference in metres (EPSG:3857 sphere).
pub const EARTH_CIRCUMFERENCE_M: f64 = 40_075_016.685_578_49;

/// Projects WGS84 lon/lat (degrees) to world coordinates. Latitudes beyond ±85.0511° are
/// clamped to the edge of the projection.
pub fn lonlat_to_world(lon: f64, lat: f64) -> WorldCoord {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT);
    let x = lon / 360.0 + 0.5;
    let sin = (lat * PI / 180.0).sin();
    let y = 0.5 - 0.25 * ((1.0 + sin) / (1.0 - sin)).ln() / PI;
    [x, y]
}

/// Inverse of [`lonlat_to_world`]: world coordinates to lon/lat degrees.
pub fn world_to_lonlat(p: WorldCoord) -> (f64, f64) {
    let lon = (p[0] - 0.5) * 360.0;
    let n = PI - 2.0 * PI * p[1];
    let lat = (180.0 / PI) * n.sinh().atan();
    (lon, lat)
}

/// Metres on the ground per world unit at latitude `lat` (degrees).
pub fn metres_per_world_unit(lat: f64) -> f64 {
    EARTH_CIRCUMFERENCE_M * (lat * PI / 180.0).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_houston() {
        let p = lonlat_to_world(-95.37, 29.76);
        let (lon, lat) = world_to_lonlat(p);
        assert!((lon + 95.37).abs() < 1e-9 && (lat - 29.76).abs() < 1e-9);
    }

    #[test]
    fn corners_are_unit_square() {
        assert_eq!(lonlat_to_world(-180.0, MAX_LAT)[0], 0.0);
        assert!(lonlat_to_world(-180.0, MAX_LAT)[1].abs() < 1e-12);
        assert!((lonlat_to_world(180.0, -MAX_LAT)[1] - 1.0).abs() < 1e-12);
        assert_eq!(lonlat_to_world(0.0, 0.0), [0.5, 0.5]);
    }
}
