//! The OpenAPI 3.0 paths of the OGC API routes and of `/data/{file}` (merged into
//! `/api/openapi.json`, which the landing page links as `service-desc`).

use serde_json::{json, Map, Value as Json};

use crate::http::api::openapi::{err, get_op, int, ok_json, param};

use super::query::{DEFAULT_LIMIT, MAX_LIMIT};

/// Every OGC and download route path, in OpenAPI form; a test checks the router.
pub const PATHS: &[&str] = &[
    "/ogc",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/collections/{collectionId}",
    "/ogc/collections/{collectionId}/items",
    "/ogc/collections/{collectionId}/items/{featureId}",
    "/ogc/tileMatrixSets",
    "/ogc/tileMatrixSets/{tileMatrixSetId}",
    "/ogc/tiles",
    "/ogc/tiles/{tileMatrixSetId}",
    "/ogc/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    "/ogc/collections/{collectionId}/tiles",
    "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}",
    "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
    "/data/{file}",
];

fn string() -> Json {
    json!({"type": "string"})
}

fn f(values: &[&str]) -> Json {
    param(
        "f",
        "query",
        false,
        json!({"type": "string", "enum": values}),
        "output format",
    )
}

fn tile_params(collection: bool) -> Vec<Json> {
    let mut v = Vec::new();
    if collection {
        v.push(param("collectionId", "path", true, string(), "layer name"));
    }
    v.extend([
        param(
            "tileMatrixSetId",
            "path",
            true,
            json!({"type": "string", "enum": ["WebMercatorQuad"]}),
            "tile matrix set",
        ),
        param("tileMatrix", "path", true, int(), "zoom"),
        param("tileRow", "path", true, int(), "row (y)"),
        param("tileCol", "path", true, int(), "column (x)"),
        f(&["mvt"]),
    ]);
    v
}

/// The shared parameters (`components.parameters`): `limit` as OGC API - Features' OpenAPI
/// fragments define it, where GIS clients (QGIS, newer GDAL) read the page size from.
pub fn parameters() -> Map<String, Json> {
    let mut m = Map::new();
    m.insert(
        "limit".into(),
        param(
            "limit",
            "query",
            false,
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
            "page size (larger values are clamped to the maximum)",
        ),
    );
    m
}

/// The OpenAPI path items.
pub fn paths() -> Map<String, Json> {
    let auth = "401/403 when the route group requires authentication";
    let geojson = |what: &str| json!({"description": what, "content": {"application/geo+json": {"schema": {"type": "object"}}}});
    let collection = || param("collectionId", "path", true, string(), "layer name");
    let tms = || {
        param(
            "tileMatrixSetId",
            "path",
            true,
            json!({"type": "string", "enum": ["WebMercatorQuad"]}),
            "tile matrix set",
        )
    };
    let tile_responses = json!({
        "200": {"description": "the tile", "content": {"application/vnd.mapbox-vector-tile": {}}},
        "204": {"description": "empty tile"}, "304": {"description": "not modified (If-None-Match)"},
        "400": err("malformed tile address or tile matrix above the maximum zoom"),
        "404": err("unknown collection or tile matrix set"), "401": err(auth),
    });
    let doc = json!({
        "/ogc": get_op("OGC API landing page", "ogc", vec![f(&["json"])],
            json!({"200": ok_json("links to the API definition, conformance, collections and tiles"), "400": err("bad f"), "401": err(auth)})),
        "/ogc/conformance": get_op("OGC API conformance classes", "ogc", vec![f(&["json"])],
            json!({"200": ok_json("conformsTo"), "400": err("bad f"), "401": err(auth)})),
        "/ogc/collections": get_op("Feature collections (one per layer)", "ogc", vec![f(&["json"])],
            json!({"200": ok_json("collections with extent, crs, itemType and links"), "400": err("bad f"), "401": err(auth)})),
        "/ogc/collections/{collectionId}": get_op("One feature collection", "ogc", vec![collection(), f(&["json"])],
            json!({"200": ok_json("the collection"), "404": err("unknown collection"), "401": err(auth)})),
        "/ogc/collections/{collectionId}/items": get_op("Features of a collection (GeoJSON, WGS84, in feature order); any attribute of the layer is an exact-value filter (?status=energized)", "ogc", vec![
            collection(),
            param("bbox", "query", false, json!({"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}), "minLon,minLat,maxLon,maxLat (WGS84)"),
            json!({"$ref": "#/components/parameters/limit"}),
            param("offset", "query", false, json!({"type": "integer", "minimum": 0, "default": 0}), "features to skip"),
            param("datetime", "query", false, string(), "RFC 3339 instant or interval (validated; the layers have no temporal property)"),
            param("crs", "query", false, json!({"type": "string", "enum": [super::CRS84]}), "output CRS (only CRS84)"),
            param("bbox-crs", "query", false, json!({"type": "string", "enum": [super::CRS84]}), "CRS of bbox (only CRS84)"),
            f(&["json", "geojson"]),
        ], json!({"200": geojson("FeatureCollection with numberMatched, numberReturned, timeStamp, links (self, next, prev)"), "400": err("bad bbox, limit, offset, datetime, filter value, or unknown parameter"), "404": err("unknown collection"), "401": err(auth)})),
        "/ogc/collections/{collectionId}/items/{featureId}": get_op("One feature (id = asset id)", "ogc", vec![
            collection(), param("featureId", "path", true, int(), "asset id"), f(&["json", "geojson"]),
        ], json!({"200": geojson("the Feature"), "404": err("unknown collection or feature"), "401": err(auth)})),
        "/ogc/tileMatrixSets": get_op("Tile matrix sets", "ogc tiles", vec![f(&["json"])],
            json!({"200": ok_json("the list"), "401": err(auth)})),
        "/ogc/tileMatrixSets/{tileMatrixSetId}": get_op("The WebMercatorQuad definition (TMS 2.0)", "ogc tiles", vec![tms(), f(&["json"])],
            json!({"200": ok_json("the tile matrix set"), "404": err("unknown tile matrix set"), "401": err(auth)})),
        "/ogc/tiles": get_op("Vector tile sets of the dataset", "ogc tiles", vec![f(&["json"])],
            json!({"200": ok_json("tilesets"), "401": err(auth)})),
        "/ogc/tiles/{tileMatrixSetId}": get_op("Tile set metadata (every layer)", "ogc tiles", vec![tms(), f(&["json"])],
            json!({"200": ok_json("dataType, crs, tileMatrixSetURI, tileMatrixSetLimits, layers, links"), "404": err("unknown tile matrix set"), "401": err(auth)})),
        "/ogc/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": get_op("A vector tile with every layer (same as /tiles/{z}/{x}/{y})", "ogc tiles", tile_params(false), tile_responses.clone()),
        "/ogc/collections/{collectionId}/tiles": get_op("Vector tile sets of one collection", "ogc tiles", vec![collection(), f(&["json"])],
            json!({"200": ok_json("tilesets"), "404": err("unknown collection"), "401": err(auth)})),
        "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}": get_op("Tile set metadata of one collection", "ogc tiles", vec![collection(), tms(), f(&["json"])],
            json!({"200": ok_json("tile set metadata"), "404": err("unknown collection or tile matrix set"), "401": err(auth)})),
        "/ogc/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": get_op("A vector tile with one layer (same as /tiles/{z}/{x}/{y}?layers={collectionId})", "ogc tiles", tile_params(true), tile_responses),
        "/data/{file}": get_op("A layer as FlatGeobuf with its packed Hilbert R-tree ({layer}.fgb), regenerated when the data changes; single byte ranges (Range, If-Range) for /vsicurl/ and the flatgeobuf HTTP reader", "download", vec![
            param("file", "path", true, string(), "{layer}.fgb"),
            param("Range", "header", false, string(), "bytes=start-end, start- or -suffix (one range)"),
            param("If-Range", "header", false, string(), "the ETag the range is valid for"),
        ], json!({
            "200": {"description": "the whole file", "content": {"application/flatgeobuf": {}}},
            "206": {"description": "the requested range (Content-Range)", "content": {"application/flatgeobuf": {}}},
            "304": {"description": "not modified (If-None-Match)"},
            "404": err("no such layer or not .fgb"), "416": err("range not satisfiable (Content-Range: bytes */length)"),
            "401": err(auth),
        })),
    });
    match doc {
        Json::Object(m) => m,
        _ => Map::new(),
    }
}
