//! The WebMercatorQuad tile matrix set (OGC TMS 2.0, the tiling of `/tiles/{z}/{x}/{y}`:
//! tile matrix = zoom, row = y, column = x) and the tile limits of a bounding box per zoom.

use serde_json::{json, Value as Json};

use crate::mercator::lonlat_to_world;

/// The tile matrix set's id in URLs.
pub const ID: &str = "WebMercatorQuad";
/// Its registered URI.
pub const URI: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
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
pub fn definition(self_href: String) -> Json {
    let matrices: Vec<Json> = (0..=DEFINITION_MAX_MATRIX)
        .map(|z| {
            let div = f64::from(1u32 << z);
            let n = 1u64 << z;
            json!({
                "id": z.to_string(),
                "scaleDenominator": SCALE_0 / div,
                "cellSize": CELL_0 / div,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-ORIGIN, ORIGIN],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": n,
                "matrixHeight": n,
            })
        })
        .collect();
    json!({
        "id": ID,
        "title": "Google Maps Compatible for the World",
        "uri": URI,
        "crs": CRS,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
        "links": [{"href": self_href, "rel": "self", "type": "application/json", "title": "This tile matrix set"}],
    })
}

/// `tileMatrixSetLimits` of the lon/lat box `[west, south, east, north]` for zooms
/// `minzoom..=maxzoom`: per tile matrix, the rows and columns that hold data.
pub fn limits(bounds: [f64; 4], minzoom: u8, maxzoom: u8) -> Vec<Json> {
    let nw = lonlat_to_world(bounds[0], bounds[3]);
    let se = lonlat_to_world(bounds[2], bounds[1]);
    (minzoom..=maxzoom.min(30))
        .map(|z| {
            let n = 1u64 << z;
            let cell = |v: f64| ((v * n as f64).floor().max(0.0) as u64).min(n - 1);
            json!({
                "tileMatrix": z.to_string(),
                "minTileRow": cell(nw[1]),
                "maxTileRow": cell(se[1]),
                "minTileCol": cell(nw[0]),
                "maxTileCol": cell(se[0]),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_halve_per_zoom() {
        let d = definition("x".into());
        let m = d["tileMatrices"].as_array().unwrap();
        assert_eq!(m.len(), 25);
        assert_eq!(m[0]["matrixWidth"], 1);
        assert_eq!(m[16]["matrixHeight"], 65_536);
        let s1 = m[1]["scaleDenominator"].as_f64().unwrap();
        assert!((s1 * 2.0 - SCALE_0).abs() < 1e-6);
        // 256 pixels of cell size 0 span the world.
        assert!((CELL_0 * 256.0 - 2.0 * ORIGIN).abs() < 1e-3);
    }

    #[test]
    fn limits_cover_houston() {
        let l = limits([-95.4, 29.7, -95.3, 29.8], 0, 14);
        assert_eq!(l.len(), 15);
        assert_eq!(l[0]["maxTileRow"], 0);
        let z14 = &l[14];
        // The fixture's z14 tile 3851/6772 lies inside.
        assert!(z14["minTileCol"].as_u64().unwrap() <= 3851);
        assert!(z14["maxTileCol"].as_u64().unwrap() >= 3851);
        assert!(z14["minTileRow"].as_u64().unwrap() <= 6772);
        assert!(z14["maxTileRow"].as_u64().unwrap() >= 6772);
    }
}
