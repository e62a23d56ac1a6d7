//! One cache entry: a rendered tile compressed once with gzip, with its strong ETag, the
//! header values the hot path needs (precomputed), the snapshot version it was rendered
//! from and whether it had to be generalized to fit the size budget.

use std::hash::{DefaultHasher, Hasher};
use std::io::{Read, Write};

use axum::http::HeaderValue;
use bytes::Bytes;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;

use crate::tiles::RenderedTile;

/// An encoded tile as the cache keeps it.
#[derive(Debug)]
pub struct CachedTile {
    gzip: Bytes,
    etag: HeaderValue,
    identity_etag: HeaderValue,
    gzip_len: HeaderValue,
    raw_len: usize,
    feature_count: usize,
    version: u64,
    budget_reached: bool,
}

impl CachedTile {
    /// Compresses a rendered tile of snapshot `version` at gzip `level` (0–9) and computes
    /// its ETag (which does not depend on the level).
    pub fn encode(
        version: u64,
        rendered: &RenderedTile,
        level: u32,
    ) -> std::io::Result<CachedTile> {
        let data = &rendered.data;
        let gzip = if data.is_empty() {
            Bytes::new()
        } else {
            let mut enc = GzEncoder::new(
                Vec::with_capacity(data.len() / 2 + 64),
                Compression::new(level.min(9)),
            );
            enc.write_all(data)?;
            Bytes::from(enc.finish()?)
        };
        let mut hasher = DefaultHasher::new();
        hasher.write(data);
        hasher.write_usize(data.len());
        let hash = hasher.finish();
        let etag = format!("\"v{version}-{hash:016x}\"");
        // Strong ETags must differ between content codings (RFC 9110 §8.8.3); an empty tile
        // has no body and keeps the one ETag.
        let identity_etag = if data.is_empty() {
            etag.clone()
        } else {
            format!("\"v{version}-{hash:016x}-id\"")
        };
        Ok(CachedTile {
            gzip_len: HeaderValue::from(gzip.len()),
            gzip,
            etag: HeaderValue::try_from(etag).map_err(std::io::Error::other)?,
            identity_etag: HeaderValue::try_from(identity_etag).map_err(std::io::Error::other)?,
            raw_len: data.len(),
            feature_count: rendered.feature_count,
            version,
            budget_reached: rendered.budget_reached,
        })
    }

    /// True when no layer has a feature in the tile (served as 204 No Content).
    pub fn is_empty(&self) -> bool {
        self.raw_len == 0
    }

    /// The gzip-compressed tile (empty for an empty tile).
    pub fn gzip(&self) -> &Bytes {
        &self.gzip
    }

    /// `Content-Length` of the gzip representation, precomputed.
    pub fn gzip_len(&self) -> &HeaderValue {
        &self.gzip_len
    }

    /// The strong ETag (quoted) of the tile: snapshot version and a hash of the
    /// uncompressed bytes. It names the gzip representation; see [`Self::identity_etag`].
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }

    /// The ETag of the uncompressed representation. Strong ETags must differ between
    /// content codings (RFC 9110 §8.8.3), so this is the gzip ETag with a `-id` suffix.
    /// Empty tiles have no body and keep the one ETag.
    pub fn identity_etag(&self) -> &HeaderValue {
        &self.identity_etag
    }

    /// Length of the uncompressed MVT in bytes.
    pub fn raw_len(&self) -> usize {
        self.raw_len
    }

    /// Version of the snapshot the tile was rendered from.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// True when the tile was generalized further to fit the size budget.
    pub fn budget_reached(&self) -> bool {
        self.budget_reached
    }

    /// Features in the tile, over all layers.
    pub fn feature_count(&self) -> usize {
        self.feature_count
    }

    /// The uncompressed MVT bytes (for the rare client that does not accept gzip).
    pub fn decompress(&self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.raw_len);
        if !self.gzip.is_empty() {
            GzDecoder::new(&self.gzip[..]).read_to_end(&mut out)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_round_trips_and_tags() {
        let rendered = RenderedTile {
            data: b"not really an mvt but bytes all the same".repeat(20),
            feature_count: 3,
            budget_reached: false,
        };
        let a = CachedTile::encode(1, &rendered, 3).unwrap();
        assert!(!a.is_empty());
        assert!(a.gzip().len() < rendered.data.len());
        assert_eq!(a.decompress().unwrap(), rendered.data);
        assert_eq!(a.raw_len(), rendered.data.len());
        let tag = a.etag().to_str().unwrap();
        assert!(tag.starts_with("\"v1-") && tag.ends_with('"'), "{tag}");
        assert_eq!(
            a.etag(),
            CachedTile::encode(1, &rendered, 3).unwrap().etag()
        );
        assert_ne!(
            a.etag(),
            CachedTile::encode(2, &rendered, 3).unwrap().etag()
        );
        let id = a.identity_etag();
        assert_ne!(id, a.etag());
        assert!(id.to_str().unwrap().ends_with("-id\""));
        assert_eq!(a.gzip_len().to_str().unwrap(), a.gzip().len().to_string());
        let fast = CachedTile::encode(1, &rendered, 1).unwrap();
        assert_eq!(
            fast.etag(),
            a.etag(),
            "the ETag names the content, not the level"
        );
        assert_eq!(fast.decompress().unwrap(), rendered.data);
    }

    #[test]
    fn empty_tiles_have_no_bytes() {
        let t = CachedTile::encode(7, &RenderedTile::default(), 3).unwrap();
        assert!(t.is_empty());
        assert!(t.gzip().is_empty());
        assert!(t.decompress().unwrap().is_empty());
        assert_eq!(t.identity_etag(), t.etag());
    }
}
