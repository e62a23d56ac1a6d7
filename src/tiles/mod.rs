//! The tile engine: from a snapshot and a tile address to an encoded Mapbox Vector Tile 2.1.
//!
//! One small module per pipeline step (as in geojson-vt): [`transform`] (world → tile units, per-zoom simplification and size filters), [`clip`]
//! (rectangle clipping in tile units), [`encode`] (integer geometry rules), `mvt_writer` (the MVT
//! protobuf writer), `draw` (one layer's features through that pipeline) and `render` (layer and zoom
//! rules, R-tree queries, the size budget).

pub mod clip;
mod draw;
pub mod encode;
mod mvt_writer;
mod render;
pub mod transform;

pub use crate::address::{LayerSelection, TileCoord, TileCoordError};
pub use crate::tiling::MAX_BUDGET_STEPS;
pub use draw::POINT_COUNT;
pub use render::{budget_cuts, render_tile, RenderError, RenderedTile};
