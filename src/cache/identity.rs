//! Uncompressed copies of cached tiles for clients that do not accept gzip (GDAL's MVT
//! driver without `GDAL_HTTP_...` encoding options, scripts, some proxies): decompressing on
//! every request costs more than the rest of the hit path, so a hot tile is inflated once
//! and kept here.
//!
//! A separate, smaller cache rather than a field of [`CachedTile`]: the main cache's byte
//! budget stays what gzip clients get, and copies of tiles only non-gzip clients ask for
//! compete among themselves. A copy is keyed like its tile and carries the gzip ETag it was
//! inflated from; it is used only when that ETag equals the cached tile's (same version and
//! content), so it needs no invalidation of its own: a stale copy is never served, it is
//! replaced on the next request and ages out otherwise.

use axum::http::HeaderValue;
use bytes::Bytes;
use moka::sync::Cache;

use super::{CachedTile, TileKey};

/// Bytes charged per copy on top of the tile: key, ETag and moka's bookkeeping.
const COPY_OVERHEAD: usize = 160;

/// An inflated tile and the ETag of the gzip representation it came from.
#[derive(Debug)]
struct Copy {
    gzip_etag: HeaderValue,
    bytes: Bytes,
}

/// The identity copies, bounded in bytes.
pub struct IdentityCopies {
    copies: Cache<TileKey, std::sync::Arc<Copy>, foldhash::fast::RandomState>,
}

impl IdentityCopies {
    /// At most `capacity_bytes` of copies.
    pub fn new(capacity_bytes: u64) -> IdentityCopies {
        IdentityCopies {
            copies: Cache::builder()
                .name("identity-tiles")
                .max_capacity(capacity_bytes)
                .weigher(|_key: &TileKey, copy: &std::sync::Arc<Copy>| {
                    u32::try_from(copy.bytes.len() + COPY_OVERHEAD).unwrap_or(u32::MAX)
                })
                .build_with_hasher(foldhash::fast::RandomState::default()),
        }
    }

    /// The uncompressed bytes of `tile` (cached under `key`): the kept copy when it was
    /// inflated from this very tile, otherwise inflated now and kept.
    pub fn get(&self, key: &TileKey, tile: &CachedTile) -> std::io::Result<Bytes> {
        if let Some(copy) = self.copies.get(key) {
            if copy.gzip_etag == tile.etag() {
                return Ok(copy.bytes.clone());
            }
        }
        let bytes = Bytes::from(tile.decompress()?);
        self.copies.insert(
            key.clone(),
            std::sync::Arc::new(Copy {
                gzip_etag: tile.etag().clone(),
                bytes: bytes.clone(),
            }),
        );
        Ok(bytes)
    }

    /// Copies kept and their weighed bytes (after pending housekeeping).
    #[cfg(test)]
    pub fn size(&self) -> (u64, u64) {
        self.copies.run_pending_tasks();
        (self.copies.entry_count(), self.copies.weighted_size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiles::{LayerSelection, RenderedTile, TileCoord};

    fn tile(version: u64, text: &[u8]) -> CachedTile {
        let rendered = RenderedTile {
            data: text.repeat(50),
            feature_count: 1,
            budget_reached: false,
        };
        CachedTile::encode(version, &rendered, 3).unwrap()
    }

    #[test]
    fn a_copy_serves_only_the_tile_it_was_inflated_from() {
        let copies = IdentityCopies::new(1 << 20);
        let key = TileKey {
            layers: LayerSelection::All,
            tile: TileCoord { z: 3, x: 1, y: 2 },
        };
        let v1 = tile(1, b"first version ");
        let a = copies.get(&key, &v1).unwrap();
        assert_eq!(a, v1.decompress().unwrap());
        let again = copies.get(&key, &v1).unwrap();
        assert_eq!(
            again.as_ptr(),
            a.as_ptr(),
            "the kept copy, not a new inflate"
        );
        // The tile changed (a live update rendered it again): the old copy is not served.
        let v2 = tile(2, b"second version ");
        let b = copies.get(&key, &v2).unwrap();
        assert_eq!(b, v2.decompress().unwrap());
        assert_ne!(a, b);
        assert_eq!(copies.size().0, 1);
    }

    #[test]
    fn copies_stay_within_their_budget() {
        let copies = IdentityCopies::new(20_000);
        for x in 0..100 {
            let key = TileKey {
                layers: LayerSelection::All,
                tile: TileCoord { z: 10, x, y: 0 },
            };
            copies
                .get(&key, &tile(1, format!("tile {x} ").as_bytes()))
                .unwrap();
        }
        let (_, bytes) = copies.size();
        assert!(bytes <= 20_000, "{bytes} bytes kept");
    }
}
