//! The tile cache: encoded tiles, stored gzip-compressed, keyed by snapshot version, layer
//! selection and tile address.
//!
//! Design:
//! - **Key** = ([`Snapshot::version`], [`LayerSelection`], [`TileCoord`]): a new snapshot can
//!   never be answered with a tile of an older one, even before old entries are evicted.
//! - **Value** = [`CachedTile`]: the gzip bytes (served as is to the ~100 % of clients that
//!   accept gzip), the strong ETag and the uncompressed length. Empty tiles are cached too
//!   (zero bytes), so the many empty tiles of a sparse grid cost one lookup.
//! - **Capacity** is in bytes: moka's weigher charges the compressed size plus a fixed
//!   per-entry overhead. Moka's default TinyLFU admission keeps popular tiles (low zooms, the
//!   city centre) resident when a crawl sweeps through rarely used ones.
//! - **Concurrent misses** for one key render once: the first request runs the render, the
//!   others await its result (`entry().or_try_insert_with`).
//! - **Capacity 0** disables caching: every request renders (useful to profile the renderer).
//!
//! Rendering happens on Tokio's blocking pool, see [`TileCache::get`] for the measurements.

use std::any::Any;
use std::hash::{DefaultHasher, Hasher};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::http::HeaderValue;
use bytes::Bytes;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use moka::future::Cache;
use serde::Serialize;
use thiserror::Error;

use crate::index::Snapshot;
use crate::tiles::{render_tile, LayerSelection, RenderError, RenderedTile, TileCoord};

/// The signature of a tile renderer ([`render_tile`] in production; tests may plug in a
/// stand-in to exercise the cache and HTTP layers on their own).
pub type RenderFn = fn(&Snapshot, TileCoord, &LayerSelection) -> Result<RenderedTile, RenderError>;

/// Bytes charged per entry on top of the compressed tile: key, `Arc`, ETag and moka's own
/// bookkeeping (measured roughly; it matters only for the many empty tiles).
const ENTRY_OVERHEAD: usize = 160;

/// What identifies a cached tile.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// Version of the snapshot the tile was rendered from.
    pub version: u64,
    /// Layers the tile carries.
    pub layers: LayerSelection,
    /// The tile address.
    pub tile: TileCoord,
}

/// An encoded tile as the cache keeps it.
#[derive(Debug)]
pub struct CachedTile {
    gzip: Bytes,
    etag: HeaderValue,
    gzip_len: HeaderValue,
    raw_len: usize,
    feature_count: usize,
}

impl CachedTile {
    /// Compresses a rendered tile of snapshot `version` and computes its ETag.
    pub fn encode(version: u64, rendered: &RenderedTile) -> std::io::Result<CachedTile> {
        let data = &rendered.data;
        let gzip = if data.is_empty() {
            Bytes::new()
        } else {
            // Level 6 (zlib's default): tiles are compressed once and served many times.
            let mut enc =
                GzEncoder::new(Vec::with_capacity(data.len() / 2 + 64), Compression::new(6));
            enc.write_all(data)?;
            Bytes::from(enc.finish()?)
        };
        let mut hasher = DefaultHasher::new();
        hasher.write(data);
        hasher.write_usize(data.len());
        let etag = format!("\"v{version}-{:016x}\"", hasher.finish());
        Ok(CachedTile {
            gzip_len: HeaderValue::from(gzip.len()),
            gzip,
            etag: HeaderValue::try_from(etag).map_err(std::io::Error::other)?,
            raw_len: data.len(),
            feature_count: rendered.feature_count,
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
    pub fn identity_etag(&self) -> HeaderValue {
        if self.is_empty() {
            return self.etag.clone();
        }
        let tag = self.etag.as_bytes();
        let mut v = Vec::with_capacity(tag.len() + 3);
        v.extend_from_slice(&tag[..tag.len() - 1]);
        v.extend_from_slice(b"-id\"");
        HeaderValue::from_maybe_shared(Bytes::from(v)).unwrap_or_else(|_| self.etag.clone())
    }

    /// Length of the uncompressed MVT in bytes.
    pub fn raw_len(&self) -> usize {
        self.raw_len
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

/// Why a tile could not be produced.
#[derive(Debug, Error)]
pub enum TileError {
    /// The renderer returned an error.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Compressing the rendered tile failed.
    #[error("compressing tile {tile}: {source}")]
    Compress {
        tile: TileCoord,
        source: std::io::Error,
    },
    /// The renderer panicked (caught at the blocking-task boundary).
    #[error("rendering tile {tile} failed: {reason}")]
    Panicked { tile: TileCoord, reason: String },
}

/// A point-in-time view of the cache counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Requests answered from the cache (including those that awaited a concurrent render).
    pub hits: u64,
    /// Tiles rendered (every request when the cache is disabled).
    pub misses: u64,
    /// Tiles currently cached (updated by moka's housekeeping, so slightly behind).
    pub entries: u64,
    /// Weighted size of the cached tiles in bytes (compressed size plus overhead).
    pub bytes: u64,
    /// Configured capacity in bytes (0 = caching disabled).
    pub capacity_bytes: u64,
    /// Entries evicted to stay within the capacity.
    pub evictions: u64,
}

#[derive(Debug, Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
}

/// The tile cache and the entry point for getting a tile: cached or freshly rendered.
pub struct TileCache {
    cache: Option<Cache<TileKey, Arc<CachedTile>>>,
    counters: Arc<Counters>,
    capacity_bytes: u64,
    render: RenderFn,
}

impl std::fmt::Debug for TileCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TileCache")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl TileCache {
    /// A cache of at most `capacity_bytes` (0 disables caching) over [`render_tile`].
    pub fn new(capacity_bytes: u64) -> TileCache {
        TileCache::with_renderer(capacity_bytes, render_tile)
    }

    /// A cache over another renderer (tests, benchmarks).
    pub fn with_renderer(capacity_bytes: u64, render: RenderFn) -> TileCache {
        let counters = Arc::new(Counters::default());
        let cache = (capacity_bytes > 0).then(|| {
            let evictions = Arc::clone(&counters);
            Cache::builder()
                .name("tiles")
                .max_capacity(capacity_bytes)
                .weigher(|_key: &TileKey, tile: &Arc<CachedTile>| {
                    u32::try_from(tile.gzip.len() + ENTRY_OVERHEAD).unwrap_or(u32::MAX)
                })
                .eviction_listener(move |_key, _tile, cause| {
                    if cause.was_evicted() {
                        evictions.evictions.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .build()
        });
        TileCache {
            cache,
            counters,
            capacity_bytes,
            render,
        }
    }

    /// True when tiles are cached (capacity > 0).
    pub fn is_enabled(&self) -> bool {
        self.cache.is_some()
    }

    /// The tile `tile` with `layers` of `snapshot`, from the cache or rendered.
    ///
    /// Rendering runs on the blocking pool (`spawn_blocking`), not inline. Tiles take
    /// ~0.1–5 ms to render and gzip; a blocking-pool round trip costs 14 µs p50 / 19 µs mean
    /// one at a time and ~8 µs when a pan's misses arrive together (release build, 2 cores,
    /// `examples/spawn_cost.rs`): ≤ 15 % of the cheapest miss, noise for a typical one.
    /// Rendering inline would park a runtime worker (one of two here) for milliseconds, so a
    /// burst of misses from one map pan would stall every cache hit queued behind it; on the
    /// blocking pool hits keep flowing. It also turns a renderer panic into an error (500)
    /// instead of a dropped connection. Hits never pay for it.
    pub async fn get(
        &self,
        snapshot: &Arc<Snapshot>,
        tile: TileCoord,
        layers: LayerSelection,
    ) -> Result<Arc<CachedTile>, Arc<TileError>> {
        let Some(cache) = &self.cache else {
            self.counters.misses.fetch_add(1, Ordering::Relaxed);
            return self
                .render_blocking(Arc::clone(snapshot), tile, layers)
                .await
                .map(Arc::new)
                .map_err(Arc::new);
        };
        let key = TileKey {
            version: snapshot.version,
            layers,
            tile,
        };
        if let Some(hit) = cache.get(&key).await {
            self.counters.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(hit);
        }
        let layers = key.layers.clone();
        let entry = cache
            .entry(key)
            .or_try_insert_with(async {
                self.counters.misses.fetch_add(1, Ordering::Relaxed);
                self.render_blocking(Arc::clone(snapshot), tile, layers)
                    .await
                    .map(Arc::new)
            })
            .await?;
        if !entry.is_fresh() {
            // Another request rendered it while this one waited.
            self.counters.hits.fetch_add(1, Ordering::Relaxed);
        }
        Ok(entry.into_value())
    }

    async fn render_blocking(
        &self,
        snapshot: Arc<Snapshot>,
        tile: TileCoord,
        layers: LayerSelection,
    ) -> Result<CachedTile, TileError> {
        let render = self.render;
        let task = tokio::task::spawn_blocking(move || {
            let start = Instant::now();
            let rendered = render(&snapshot, tile, &layers)?;
            let rendered_at = start.elapsed();
            let cached = CachedTile::encode(snapshot.version, &rendered)
                .map_err(|source| TileError::Compress { tile, source })?;
            tracing::debug!(
                %tile,
                features = rendered.feature_count,
                bytes = rendered.data.len(),
                gzip_bytes = cached.gzip.len(),
                budget_reached = rendered.budget_reached,
                render_us = rendered_at.as_micros() as u64,
                total_us = start.elapsed().as_micros() as u64,
                "rendered tile"
            );
            Ok(cached)
        });
        match task.await {
            Ok(result) => result,
            Err(err) => {
                let reason = if err.is_panic() {
                    panic_message(err.into_panic())
                } else {
                    "render task cancelled".to_owned()
                };
                tracing::error!(%tile, %reason, "tile renderer panicked");
                Err(TileError::Panicked { tile, reason })
            }
        }
    }

    /// Drops every cached tile (old snapshots' tiles are unreachable anyway; this frees them
    /// sooner).
    pub fn invalidate_all(&self) {
        if let Some(cache) = &self.cache {
            cache.invalidate_all();
        }
    }

    /// Runs moka's pending housekeeping so that `entries`, `bytes` and `evictions` are
    /// current. Cheap; called by the health endpoint and tests.
    pub async fn sync(&self) {
        if let Some(cache) = &self.cache {
            cache.run_pending_tasks().await;
        }
    }

    /// The current counters.
    pub fn stats(&self) -> CacheStats {
        let (entries, bytes) = self
            .cache
            .as_ref()
            .map_or((0, 0), |c| (c.entry_count(), c.weighted_size()));
        CacheStats {
            hits: self.counters.hits.load(Ordering::Relaxed),
            misses: self.counters.misses.load(Ordering::Relaxed),
            entries,
            bytes,
            capacity_bytes: self.capacity_bytes,
            evictions: self.counters.evictions.load(Ordering::Relaxed),
        }
    }
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
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
        let a = CachedTile::encode(1, &rendered).unwrap();
        assert!(!a.is_empty());
        assert!(a.gzip().len() < rendered.data.len());
        assert_eq!(a.decompress().unwrap(), rendered.data);
        assert_eq!(a.raw_len(), rendered.data.len());
        let tag = a.etag().to_str().unwrap();
        assert!(tag.starts_with("\"v1-") && tag.ends_with('"'), "{tag}");
        assert_eq!(a.etag(), CachedTile::encode(1, &rendered).unwrap().etag());
        assert_ne!(a.etag(), CachedTile::encode(2, &rendered).unwrap().etag());
        let id = a.identity_etag();
        assert_ne!(&id, a.etag());
        assert!(id.to_str().unwrap().ends_with("-id\""));
        assert_eq!(a.gzip_len().to_str().unwrap(), a.gzip().len().to_string());
    }

    #[test]
    fn empty_tiles_have_no_bytes() {
        let t = CachedTile::encode(7, &RenderedTile::default()).unwrap();
        assert!(t.is_empty());
        assert!(t.gzip().is_empty());
        assert!(t.decompress().unwrap().is_empty());
        assert_eq!(&t.identity_etag(), t.etag());
    }
}
