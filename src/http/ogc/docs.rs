//! The JSON documents of the OGC API routes as types (landing page, conformance, collections,
//! tile matrix sets, tile set lists and metadata), in the member names and order the OGC
//! specifications use; their `ToSchema` is what `/api/openapi.json` says about them.

use serde::Serialize;
use serde_json::{Map, Value as Json};
use utoipa::ToSchema;

use super::links::Link;

/// `GET /ogc`: the landing page.
#[derive(Debug, Serialize, ToSchema)]
pub struct LandingPage {
    pub title: String,
    pub description: &'static str,
    pub links: Vec<Link>,
}

/// `GET /ogc/conformance`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Conformance {
    #[serde(rename = "conformsTo")]
    pub conforms_to: &'static [&'static str],
    pub links: Vec<Link>,
}

/// `GET /ogc/collections`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Collections {
    pub links: Vec<Link>,
    pub collections: Vec<Collection>,
}

/// One feature collection (a layer).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Always `feature`.
    pub item_type: &'static str,
    pub crs: [&'static str; 1],
    pub storage_crs: &'static str,
    pub extent: Extent,
    pub links: Vec<Link>,
}

/// A collection's extent.
#[derive(Debug, Serialize, ToSchema)]
pub struct Extent {
    pub spatial: SpatialExtent,
}

/// A collection's spatial extent in CRS84.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpatialExtent {
    /// One box: `[west, south, east, north]`.
    pub bbox: [[f64; 4]; 1],
    pub crs: &'static str,
}

/// `GET /ogc/tileMatrixSets`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TileMatrixSets {
    pub tile_matrix_sets: Vec<TileMatrixSetRef>,
    pub links: Vec<Link>,
}

/// A tile matrix set in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct TileMatrixSetRef {
    pub id: &'static str,
    pub title: &'static str,
    pub uri: &'static str,
    pub crs: &'static str,
    pub links: Vec<Link>,
}

/// `GET /ogc/tileMatrixSets/{tileMatrixSetId}`: a tile matrix set definition (TMS 2.0 JSON).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TileMatrixSet {
    pub id: &'static str,
    pub title: &'static str,
    pub uri: &'static str,
    pub crs: &'static str,
    pub ordered_axes: [&'static str; 2],
    pub well_known_scale_set: &'static str,
    pub tile_matrices: Vec<TileMatrix>,
    pub links: Vec<Link>,
}

/// One tile matrix (zoom level) of a tile matrix set.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TileMatrix {
    pub id: String,
    pub scale_denominator: f64,
    pub cell_size: f64,
    pub corner_of_origin: &'static str,
    pub point_of_origin: [f64; 2],
    pub tile_width: u32,
    pub tile_height: u32,
    pub matrix_width: u64,
    pub matrix_height: u64,
}

/// `GET /ogc/tiles`, `GET /ogc/collections/{collectionId}/tiles`: the tile sets.
#[derive(Debug, Serialize, ToSchema)]
pub struct TileSets {
    pub tilesets: Vec<TileSetRef>,
    pub links: Vec<Link>,
}

/// A tile set in a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TileSetRef {
    pub title: String,
    /// Always `vector`.
    pub data_type: &'static str,
    pub crs: &'static str,
    #[serde(rename = "tileMatrixSetURI")]
    pub tile_matrix_set_uri: &'static str,
    pub links: Vec<Link>,
}

/// Tile set metadata: the zooms, rows and columns that hold data, the layers in the tiles.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TileSet {
    pub title: String,
    pub data_type: &'static str,
    pub crs: &'static str,
    #[serde(rename = "tileMatrixSetURI")]
    pub tile_matrix_set_uri: &'static str,
    pub tile_matrix_set_limits: Vec<TileMatrixLimits>,
    pub bounding_box: BoundingBox,
    pub layers: Vec<TileLayer>,
    pub links: Vec<Link>,
}

/// The rows and columns of one tile matrix that hold data.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TileMatrixLimits {
    pub tile_matrix: String,
    pub min_tile_row: u64,
    pub max_tile_row: u64,
    pub min_tile_col: u64,
    pub max_tile_col: u64,
}

/// A bounding box in CRS84.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoundingBox {
    pub lower_left: [f64; 2],
    pub upper_right: [f64; 2],
    pub crs: &'static str,
}

/// A layer of the tiles.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TileLayer {
    pub id: String,
    pub title: String,
    pub data_type: &'static str,
    pub min_tile_matrix: String,
    pub max_tile_matrix: String,
    /// A JSON Schema of the attributes in the tiles.
    #[schema(value_type = Object)]
    pub properties_schema: Json,
    /// 0 points, 1 lines, 2 polygons; absent for a layer that mixes them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub geometry_dimension: Option<u8>,
}

/// The JSON Schema of a layer's tile attributes: `{"type": "object", "properties": …}`.
pub fn object_schema(properties: Map<String, Json>) -> Json {
    let mut schema = Map::new();
    schema.insert("type".into(), Json::String("object".into()));
    schema.insert("properties".into(), Json::Object(properties));
    Json::Object(schema)
}
