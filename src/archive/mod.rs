//! Tile archives: read vector tiles from a PMTiles v3 (`pmtiles` crate, memory-mapped) or
//! an MBTiles (SQLite, `rusqlite`) file, and write the grid's tiles into a PMTiles archive
//! ([`bake`]).
//!
//! Readers hand out a tile's bytes as stored (archives usually hold gzip-compressed MVT;
//! [`ArchiveTile::gzip`] says which, from the gzip magic) and the archive's metadata
//! ([`ArchiveInfo`]: zoom range, bounds, centre, `vector_layers`). The HTTP layer decides
//! what to send.

pub mod bake;
mod mbtiles;
mod pmtiles_read;

use std::path::Path;

use bytes::Bytes;
use serde_json::Value;
use thiserror::Error;

pub use mbtiles::MbtilesArchive;
pub use pmtiles_read::PmtilesArchive;

/// Why an archive cannot be opened or read.
#[derive(Debug, Error)]
pub enum ArchiveError {
    /// The file name ends in neither `.pmtiles` nor `.mbtiles`.
    #[error("{0}: not a .pmtiles or .mbtiles file")]
    UnknownFormat(String),
    /// The PMTiles reader failed.
    #[error("PMTiles: {0}")]
    Pmtiles(#[from] pmtiles::PmtError),
    /// SQLite failed (MBTiles).
    #[error("MBTiles: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The archive holds something other than vector tiles.
    #[error("the archive holds {0} tiles, not vector tiles (MVT)")]
    NotVector(String),
    /// An I/O error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The tile read task failed.
    #[error("reading a tile failed: {0}")]
    Task(String),
}

/// A tile as the archive stores it.
#[derive(Clone, Debug, PartialEq)]
pub struct ArchiveTile {
    /// The stored bytes.
    pub data: Bytes,
    /// The bytes are gzip-compressed MVT (else plain MVT).
    pub gzip: bool,
}

impl ArchiveTile {
    fn new(data: Bytes) -> ArchiveTile {
        let gzip = data.starts_with(&[0x1f, 0x8b]);
        ArchiveTile { data, gzip }
    }
}

/// What an archive says about its tiles.
#[derive(Clone, Debug, PartialEq)]
pub struct ArchiveInfo {
    /// Lowest zoom with tiles.
    pub minzoom: u8,
    /// Highest zoom with tiles.
    pub maxzoom: u8,
    /// `[west, south, east, north]`.
    pub bounds: [f64; 4],
    /// `[lon, lat, zoom]`.
    pub center: [f64; 3],
    /// The TileJSON `vector_layers` (an array; empty when the archive has none).
    pub vector_layers: Vec<Value>,
    /// The tile set's name, if any.
    pub name: Option<String>,
    /// Its attribution, if any.
    pub attribution: Option<String>,
}

impl ArchiveInfo {
    /// The ids of `vector_layers`.
    pub fn layer_ids(&self) -> impl Iterator<Item = &str> {
        self.vector_layers
            .iter()
            .filter_map(|l| l.get("id").and_then(Value::as_str))
    }

    /// Fills name, attribution and vector_layers from a metadata JSON object.
    fn read_metadata(&mut self, meta: &Value) {
        let text = |k: &str| meta.get(k).and_then(Value::as_str).map(str::to_owned);
        self.name = text("name").or(self.name.take());
        self.attribution = text("attribution").or(self.attribution.take());
        if let Some(layers) = meta.get("vector_layers").and_then(Value::as_array) {
            self.vector_layers = layers.clone();
        }
    }
}

/// An open archive of vector tiles.
#[derive(Debug)]
pub enum TileArchive {
    /// A PMTiles v3 file (boxed: the reader holds its header and root directory).
    Pmtiles(Box<PmtilesArchive>),
    /// An MBTiles file.
    Mbtiles(MbtilesArchive),
}

impl TileArchive {
    /// Opens `path`, by extension (`.pmtiles` or `.mbtiles`). Blocking: call it off the
    /// async workers.
    pub fn open(path: &Path) -> Result<TileArchive, ArchiveError> {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext.eq_ignore_ascii_case("pmtiles") {
            Ok(TileArchive::Pmtiles(Box::new(PmtilesArchive::open(path)?)))
        } else if ext.eq_ignore_ascii_case("mbtiles") {
            Ok(TileArchive::Mbtiles(MbtilesArchive::open(path)?))
        } else {
            Err(ArchiveError::UnknownFormat(path.display().to_string()))
        }
    }

    /// The archive's metadata.
    pub fn info(&self) -> &ArchiveInfo {
        match self {
            TileArchive::Pmtiles(a) => a.info(),
            TileArchive::Mbtiles(a) => a.info(),
        }
    }

    /// Tile `z/x/y` (XYZ scheme), `None` when the archive has none there.
    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<ArchiveTile>, ArchiveError> {
        match self {
            TileArchive::Pmtiles(a) => a.tile(z, x, y).await,
            TileArchive::Mbtiles(a) => a.tile(z, x, y).await,
        }
    }
}

/// The centre of `bounds` at `zoom`.
fn centre_of(bounds: [f64; 4], zoom: u8) -> [f64; 3] {
    [
        (bounds[0] + bounds[2]) / 2.0,
        (bounds[1] + bounds[3]) / 2.0,
        f64::from(zoom),
    ]
}
