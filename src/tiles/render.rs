//! Rendering one tile (signature only until the tile engine lands).

use thiserror::Error;

use crate::index::Snapshot;

use super::TileCoord;

/// Which layers a tile carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LayerSelection {
    /// Every layer of the snapshot.
    All,
    /// These layers (indices into `Snapshot::layers`, ascending, no duplicates).
    Only(Vec<usize>),
}

/// An encoded tile. `data` is empty when no layer has a feature in the tile.
#[derive(Clone, Debug, Default)]
pub struct RenderedTile {
    /// Uncompressed MVT bytes.
    pub data: Vec<u8>,
    /// Features written, over all layers.
    pub feature_count: usize,
    /// True when the tile had to be generalized further to fit `max_tile_bytes`.
    pub budget_reached: bool,
}

/// Why a tile could not be rendered.
#[derive(Debug, Error)]
pub enum RenderError {
    #[error("encoding tile {tile}: {reason}")]
    Encode { tile: TileCoord, reason: String },
}

/// Renders `tile` from `snapshot`.
pub fn render_tile(
    _snapshot: &Snapshot,
    _tile: TileCoord,
    _layers: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    unimplemented!("tile engine")
}
