//! Reading an MBTiles file (SQLite: `tiles(zoom_level, tile_column, tile_row, tile_data)`
//! with TMS rows, and `metadata(name, value)` with `json` holding `vector_layers`), read
//! only, on the blocking pool.

use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde_json::Value;

use super::{centre_of, ArchiveError, ArchiveInfo, ArchiveTile};

/// An open MBTiles file. One connection behind a mutex: reads of one tile take
/// microseconds, and a basemap's tiles are HTTP-cacheable.
#[derive(Debug)]
pub struct MbtilesArchive {
    conn: Arc<Mutex<Connection>>,
    info: ArchiveInfo,
}

impl MbtilesArchive {
    /// Opens `path` read-only and reads its metadata.
    pub fn open(path: &Path) -> Result<MbtilesArchive, ArchiveError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let mut meta = std::collections::HashMap::new();
        {
            let mut stmt = conn.prepare("SELECT name, value FROM metadata")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for row in rows {
                let (k, v) = row?;
                meta.insert(k, v);
            }
        }
        if let Some(format) = meta.get("format") {
            if format != "pbf" && format != "mvt" {
                return Err(ArchiveError::NotVector(format.clone()));
            }
        }
        let (min, max): (Option<u8>, Option<u8>) = conn.query_row(
            "SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let zoom = |k: &str, dflt: Option<u8>| {
            meta.get(k)
                .and_then(|v| v.trim().parse::<u8>().ok())
                .or(dflt)
                .unwrap_or(0)
        };
        let (minzoom, maxzoom) = (zoom("minzoom", min), zoom("maxzoom", max));
        let numbers = |k: &str| -> Option<Vec<f64>> {
            let v = meta.get(k)?;
            v.split(',').map(|p| p.trim().parse::<f64>().ok()).collect()
        };
        let bounds = match numbers("bounds").as_deref() {
            Some(&[w, s, e, n]) => [w, s, e, n],
            _ => [-180.0, -85.051_129, 180.0, 85.051_129],
        };
        let center = match numbers("center").as_deref() {
            Some(&[lon, lat, z]) => [lon, lat, z],
            _ => centre_of(bounds, minzoom),
        };
        let mut info = ArchiveInfo {
            minzoom,
            maxzoom,
            bounds,
            center,
            vector_layers: Vec::new(),
            name: meta.get("name").cloned(),
            attribution: meta.get("attribution").cloned(),
        };
        if let Some(json) = meta
            .get("json")
            .and_then(|j| serde_json::from_str::<Value>(j).ok())
        {
            info.read_metadata(&json);
        }
        Ok(MbtilesArchive {
            conn: Arc::new(Mutex::new(conn)),
            info,
        })
    }

    /// The archive's metadata.
    pub fn info(&self) -> &ArchiveInfo {
        &self.info
    }

    /// Tile `z/x/y` (XYZ; MBTiles rows count from the south).
    pub async fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<ArchiveTile>, ArchiveError> {
        if z > 30 || u64::from(x) >= 1 << z || u64::from(y) >= 1 << z {
            return Ok(None);
        }
        let row = (1u64 << z) - 1 - u64::from(y);
        let conn = Arc::clone(&self.conn);
        let data = tokio::task::spawn_blocking(move || {
            let conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            let mut stmt = conn.prepare_cached(
                "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 \
                 AND tile_row = ?3",
            )?;
            stmt.query_row((z, x, row), |r| r.get::<_, Vec<u8>>(0))
                .optional()
        })
        .await
        .map_err(|e| ArchiveError::Task(e.to_string()))??;
        Ok(data
            .filter(|d| !d.is_empty())
            .map(|d| ArchiveTile::new(Bytes::from(d))))
    }
}
