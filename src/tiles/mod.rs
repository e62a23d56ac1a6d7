//! The tile engine: from a snapshot and a tile address to an encoded Mapbox Vector Tile.
//!
//! One small module per pipeline step: [`coord`] (tile math), `clip` (rectangle clipping in
//! tile units), `encode` (MVT via the `mvt` crate) and `render` (query the index, pick the
//! zoom's generalization, transform, clip, encode, keep within the size budget).

pub mod coord;
mod render;

pub use coord::{TileCoord, TileCoordError};
pub use render::{render_tile, LayerSelection, RenderError, RenderedTile};
