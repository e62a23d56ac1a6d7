//! Tile addresses: the vocabulary the index, the tile engine, the cache and HTTP share.
//!
//! [`TileCoord`] is a validated XYZ address (y down as in slippy maps) with its bounds in
//! world coordinates; [`LayerSelection`] says which layers a tile carries. Both sit below the
//! index so that invalidation (which tiles an update touches) needs nothing from the engine.

use thiserror::Error;

use crate::mercator::lonlat_to_world;

/// A validated tile address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

/// Why a tile address is not valid.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TileCoordError {
    #[error("zoom {z} is above the maximum zoom {maxzoom}")]
    ZoomTooHigh { z: u32, maxzoom: u8 },
    #[error("x={x} is out of range for zoom {z} (0..{limit})", limit = 1u64 << z)]
    XOutOfRange { z: u8, x: u32 },
    #[error("y={y} is out of range for zoom {z} (0..{limit})", limit = 1u64 << z)]
    YOutOfRange { z: u8, y: u32 },
    #[error("{part} must be a non-negative integer, got {value:?}")]
    NotANumber { part: &'static str, value: String },
}

impl TileCoord {
    /// Validates `z/x/y` against `maxzoom` (at most 30).
    pub fn new(z: u32, x: u32, y: u32, maxzoom: u8) -> Result<TileCoord, TileCoordError> {
        let maxzoom = maxzoom.min(30);
        if z > u32::from(maxzoom) {
            return Err(TileCoordError::ZoomTooHigh { z, maxzoom });
        }
        let z = z as u8;
        let n = 1u64 << z;
        if u64::from(x) >= n {
            return Err(TileCoordError::XOutOfRange { z, x });
        }
        if u64::from(y) >= n {
            return Err(TileCoordError::YOutOfRange { z, y });
        }
        Ok(TileCoord { z, x, y })
    }

    /// Parses path segments such as `"12"`, `"960"`, `"1700.mvt"` (the extension on `y` is
    /// optional and must be `.mvt` or `.pbf` when present).
    pub fn parse(z: &str, x: &str, y: &str, maxzoom: u8) -> Result<TileCoord, TileCoordError> {
        let y = y
            .strip_suffix(".mvt")
            .or_else(|| y.strip_suffix(".pbf"))
            .unwrap_or(y);
        let num = |part: &'static str, s: &str| {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(TileCoordError::NotANumber {
                    part,
                    value: s.chars().take(32).collect(),
                });
            }
            s.parse::<u32>().map_err(|_| TileCoordError::NotANumber {
                part,
                value: s.chars().take(32).collect(),
            })
        };
        TileCoord::new(num("z", z)?, num("x", x)?, num("y", y)?, maxzoom)
    }

    /// Number of tiles along one axis at this zoom.
    pub fn tiles_per_axis(&self) -> f64 {
        f64::from(1u32 << self.z)
    }

    /// `[minx, miny, maxx, maxy]` in world coordinates.
    pub fn world_bounds(&self) -> [f64; 4] {
        let n = self.tiles_per_axis();
        [
            f64::from(self.x) / n,
            f64::from(self.y) / n,
            f64::from(self.x + 1) / n,
            f64::from(self.y + 1) / n,
        ]
    }

    /// World bounds grown by `buffer` tile units out of `extent` on every side.
    pub fn buffered_bounds(&self, extent: u32, buffer: u32) -> [f64; 4] {
        let b = self.world_bounds();
        let pad = f64::from(buffer) / f64::from(extent) / self.tiles_per_axis();
        [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad]
    }

    /// Every tile at zoom `z` that intersects the lon/lat box `[west, south, east, north]`.
    pub fn covering(bounds: [f64; 4], z: u8) -> impl Iterator<Item = TileCoord> {
        let n = 1u32 << z;
        let nw = lonlat_to_world(bounds[0], bounds[3]);
        let se = lonlat_to_world(bounds[2], bounds[1]);
        let to_tile = |v: f64| ((v * f64::from(n)).floor().max(0.0) as u32).min(n - 1);
        let (x0, y0, x1, y1) = (
            to_tile(nw[0]),
            to_tile(nw[1]),
            to_tile(se[0]),
            to_tile(se[1]),
        );
        (y0..=y1).flat_map(move |y| (x0..=x1).map(move |x| TileCoord { z, x, y }))
    }
}

impl std::fmt::Display for TileCoord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// Which layers a tile carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LayerSelection {
    /// Every layer of the snapshot.
    All,
    /// These layers (indices into `Snapshot::layers`, ascending, no duplicates).
    Only(Vec<usize>),
}

impl LayerSelection {
    /// True when layer `i` is selected.
    pub fn contains(&self, i: usize) -> bool {
        match self {
            LayerSelection::All => true,
            LayerSelection::Only(v) => v.contains(&i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        assert_eq!(
            TileCoord::parse("12", "960", "1700.mvt", 16),
            Ok(TileCoord {
                z: 12,
                x: 960,
                y: 1700
            })
        );
        assert_eq!(
            TileCoord::parse("0", "0", "0", 16),
            Ok(TileCoord { z: 0, x: 0, y: 0 })
        );
        assert!(matches!(
            TileCoord::parse("17", "0", "0", 16),
            Err(TileCoordError::ZoomTooHigh { .. })
        ));
        assert!(matches!(
            TileCoord::parse("2", "4", "0", 16),
            Err(TileCoordError::XOutOfRange { .. })
        ));
        assert!(matches!(
            TileCoord::parse("2", "0", "4", 16),
            Err(TileCoordError::YOutOfRange { .. })
        ));
        for bad in ["-1", "a", "", "1.5", "99999999999999999999", "1e3"] {
            assert!(
                matches!(
                    TileCoord::parse(bad, "0", "0", 16),
                    Err(TileCoordError::NotANumber { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(TileCoord::parse("1", "0", "0.png", 16).is_err());
    }

    #[test]
    fn bounds_nest() {
        let t = TileCoord::new(1, 1, 0, 16).unwrap();
        assert_eq!(t.world_bounds(), [0.5, 0.0, 1.0, 0.5]);
        let b = t.buffered_bounds(4096, 64);
        assert!((b[0] - (0.5 - 64.0 / 4096.0 / 2.0)).abs() < 1e-15);
    }

    #[test]
    fn covering_houston_at_z10() {
        let tiles: Vec<_> = TileCoord::covering([-95.6, 29.5, -95.1, 30.0], 10).collect();
        assert!(tiles.len() >= 4 && tiles.len() <= 9, "{}", tiles.len());
        assert!(tiles.contains(&TileCoord {
            z: 10,
            x: 240,
            y: 422
        }));
    }
}
