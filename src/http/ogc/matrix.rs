//! The WebMercatorQuad tile matrix set (OGC TMS 2.0, the tiling of `/tiles/{z}/{x}/{y}`:
//! tile matrix = zoom, row = y, column = x) and the tile limits of a bounding box per zoom.

use super::docs::{TileMatrix, TileMatrixLimits, TileMatrixSet};
use super::links::{Link, JSON};

use crate::mercator::lonlat_to_world;

/// The tile matrix set's id in URLs.
pub const ID: &str = "WebMercatorQuad";
/// Its registered URI.
pub const URI: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
/// Its title.
pub const TITLE: &str = "Google Maps Compatible for the World";
/// Web Mercator (EPSG:3857).
pub const CRS: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
/// The last tile matrix of the registered definition.
pub const DEFINITION_MAX_MATRIX: u8 = 24;

/// Half the Web Mercator world width in metres (the top-left corner is `(-ORIGIN, ORIGIN)`).
const ORIGIN: f64 = 20_037_508.342_789_244;
/// Scale denominator of tile matrix 0 (0.28 mm pixels).
const SCALE_0: f64 = 559_082_264.028_717_8;
/// Metres per pixel of tile matrix 0 (256-pixel tiles).
const CELL_0: f64 = 156_543.033_928_040_97;

/// The tile matrix set definition document (TMS 2.0 JSON encoding), matrices 0 to 24.
pub fn definition(self_href: String) -> TileMatrixSet {
    let tile_matrices = (0..=DEFINITION_MAX_MATRIX)
        .map(|z| {
            let div = f64::from(1u32 << z);
            let n = 1u64 << z;
            TileMatrix {
                id: z.to_string(),
                scale_denominator: SCALE_0 / div,
                cell_size: CELL_0 / div,
                corner_of_origin: "topLeft",
                point_of_origin: [-ORIGIN, ORIGIN],
                tile_width: 256,
                tile_height: 256,
                matrix_width: n,
                matrix_height: n,
            }
        })
        .collect();
    TileMatrixSet {
        id: ID,
        title: TITLE,
        uri: URI,
        crs: CRS,
        ordered_axes: ["X", "Y"],
        well_known_scale_set: "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        tile_matrices,
        links: vec![Link::new(self_href, "self", JSON, "This tile matrix set")],
    }
}

/// `tileMatrixSetLimits` of the lon/lat box `[west, south, east, north]` for zooms
/// `minzoom..=maxzoom`: per tile matrix, the rows and columns that hold data.
pub fn limits(bounds: [f64; 4], minzoom: u8, maxzoom: u8) -> Vec<TileMatrixLimits> {
    let nw = lonlat_to_world(bounds[0], bounds[3]);
    let se = lonlat_to_world(bounds[2], bounds[1]);
    (minzoom..=maxzoom.min(30))
        .map(|z| {
            let n = 1u64 << z;
            let cell = |v: f64| ((v * n as f64).floor().max(0.0) as u64).min(n - 1);
            TileMatrixLimits {
                tile_matrix: z.to_string(),
                min_tile_row: cell(nw[1]),
                max_tile_row: cell(se[1]),
                min_tile_col: cell(nw[0]),
                max_tile_col: cell(se[0]),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_halve_per_zoom() {
        let d = definition("x".into());
        let m = &d.tile_matrices;
        assert_eq!(m.len(), 25);
        assert_eq!(m[0].matrix_width, 1);
        assert_eq!(m[16].matrix_height, 65_536);
        let s1 = m[1].scale_denominator;
        assert!((s1 * 2.0 - SCALE_0).abs() < 1e-6);
        // 256 pixels of cell size 0 span the world.
        assert!((CELL_0 * 256.0 - 2.0 * ORIGIN).abs() < 1e-3);
    }

    #[test]
    fn limits_cover_houston() {
        let l = limits([-95.4, 29.7, -95.3, 29.8], 0, 14);
        assert_eq!(l.len(), 15);
        assert_eq!(l[0].max_tile_row, 0);
        let z14 = &l[14];
        // The fixture's z14 tile 3851/6772 lies inside.
        assert!(z14.min_tile_col <= 3851 && z14.max_tile_col >= 3851);
        assert!(z14.min_tile_row <= 6772 && z14.max_tile_row >= 6772);
    }
}
