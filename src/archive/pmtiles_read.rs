//! Reading a PMTiles v3 archive: the `pmtiles` crate's reader over a memory map of the file
//! (zero-copy tile reads; the file must not be changed while it is served).

use std::path::Path;

use pmtiles::{AsyncPmTilesReader, MmapBackend, TileCoord, TileType};
use serde_json::Value;

use super::{centre_of, ArchiveError, ArchiveInfo, ArchiveTile};

/// An open PMTiles archive.
pub struct PmtilesArchive {
    reader: AsyncPmTilesReader<MmapBackend>,
    info: ArchiveInfo,
}

impl std::fmt::Debug for PmtilesArchive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PmtilesArchive")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl PmtilesArchive {
    /// Opens `path` and reads its header and metadata (blocking: a small runtime of its own
    /// drives the reader's futures, which only touch the memory map).
    pub fn open(path: &Path) -> Result<PmtilesArchive, ArchiveError> {
        let rt = tokio::runtime::Builder::new_current_thread().build()?;
        rt.block_on(Self::open_async(path))
    }

    async fn open_async(path: &Path) -> Result<PmtilesArchive, ArchiveError> {
        let reader = AsyncPmTilesReader::new_with_path(path).await?;
        let h = reader.get_header();
        if h.tile_type != TileType::Mvt {
            return Err(ArchiveError::NotVector(format!("{:?}", h.tile_type)));
        }
        let bounds = [
            h.min_longitude,
            h.min_latitude,
            h.max_longitude,
            h.max_latitude,
        ];
        let mut info = ArchiveInfo {
            minzoom: h.min_zoom,
            maxzoom: h.max_zoom,
            bounds,
            center: [
                h.center_longitude,
                h.center_latitude,
                f64::from(h.center_zoom),
            ],
            vector_layers: Vec::new(),
            name: None,
            attribution: None,
        };
        if info.center[..2] == [0.0, 0.0] {
            info.center = centre_of(bounds, h.min_zoom.max(h.center_zoom));
        }
        // An archive without metadata is still servable.
        if let Ok(text) = reader.get_metadata().await {
            if let Ok(meta) = serde_json::from_str::<Value>(&text) {
                info.read_metadata(&meta);
            }
        }
        Ok(PmtilesArchive { reader, info })
    }

    /// The archive's metadata.
    pub fn info(&self) -> &ArchiveInfo {
        &self.info
    }

    /// Tile `z/x/y` as stored.
    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<ArchiveTile>, ArchiveError> {
        let coord = TileCoord::new(z, x, y)?;
        Ok(self.reader.get_tile(coord).await?.map(ArchiveTile::new))
    }
}
