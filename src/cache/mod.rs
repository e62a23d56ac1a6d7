//! The tile cache: encoded tiles, stored gzip-compressed, keyed by layer selection and tile
//! address, kept across snapshot versions and invalidated tile by tile.
//!
//! Design:
//! - **Key** = ([`LayerSelection`], [`TileCoord`]), no snapshot version: a live update keeps
//!   every tile it does not touch. The value records the version it was rendered from (in
//!   its ETag too), so the ETag of a changed tile changes.
//! - **Invalidation**: [`TileCache::invalidate`] removes exactly the keys an
//!   [`Invalidation`] names (per layer: a key is stale if any of its layers is), or every key
//!   of a zoom that collapsed to "all tiles"; [`TileCache::invalidate_everything`] drops all.
//!   Callers invalidate *before* publishing the new snapshot.
//! - **The race**: a request that took the old snapshot may finish rendering after the
//!   invalidation. Inserts pass through a gate (`gate`): under one lock, a render of
//!   version `v` is cached only if no logged invalidation newer than `v` touches its key,
//!   and invalidations are logged and applied under the same lock. So no interleaving can
//!   leave a stale tile cached; at worst a render is served once without being cached.
//! - **Value** = [`CachedTile`]: the gzip bytes (served as is to the ~100 % of clients that
//!   accept gzip), the strong ETag and the uncompressed length. Empty tiles are cached too
//!   (zero bytes), so the many empty tiles of a sparse grid cost one lookup.
//! - **Capacity** is in bytes: moka's weigher charges the compressed size plus a fixed
//!   per-entry overhead. Moka's default TinyLFU admission keeps popular tiles (low zooms, the
//!   city centre) resident when a crawl sweeps through rarely used ones.
//! - **Concurrent misses** for one key and snapshot render once: the first request renders,
//!   the others await its result (an in-flight map of once-cells, touched only on misses).
//! - **Hits** take no lock and allocate nothing: one moka lookup.
//! - **Identity copies**: a client that does not accept gzip gets the tile inflated once and
//!   kept in a smaller cache of its own (a quarter of the budget, [`IdentityCopies`]).
//! - **Capacity 0** disables caching: every request renders (useful to profile the renderer).
//!
//! Rendering happens on Tokio's blocking pool, see [`TileCache::get`] for the measurements.

mod entry;
mod gate;
mod identity;
mod invalidate;

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use moka::sync::Cache;
use thiserror::Error;
use tokio::sync::OnceCell;

use crate::index::Snapshot;
pub use crate::metrics::CacheStats;
use crate::metrics::RenderTimes;
use crate::tiles::{render_tile, LayerSelection, RenderError, RenderedTile, TileCoord};

pub use entry::CachedTile;
use gate::Gate;
pub use gate::MAX_SELECTIONS;
pub use identity::IdentityCopies;

/// The signature of a tile renderer ([`render_tile`] in production; tests may plug in a
/// stand-in to exercise the cache and HTTP layers on their own).
pub type RenderFn = fn(&Snapshot, TileCoord, &LayerSelection) -> Result<RenderedTile, RenderError>;

/// gzip level of cached tiles: compressed once, served many times. Measured on the demo
/// grid (`examples/gzip_levels.rs`, miniz_oxide backend): at z14 level 3 takes ~0.5 ms per
/// tile and is within 2 % of level 6's size, which takes ~1.2 ms (as long as the render).
pub const CACHED_LEVEL: u32 = 3;

/// gzip level when the cache is disabled and every request compresses: level 1 is ~4×
/// faster than level 6 for ~10 % more bytes.
const UNCACHED_LEVEL: u32 = 1;

/// Bytes charged per entry on top of the compressed tile: key, `Arc`, ETag and moka's own
/// bookkeeping (measured roughly; it matters only for the many empty tiles).
const ENTRY_OVERHEAD: usize = 160;

/// What identifies a cached tile (across snapshot versions).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TileKey {
    /// Layers the tile carries.
    pub layers: LayerSelection,
    /// The tile address.
    pub tile: TileCoord,
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
        /// The tile.
        tile: TileCoord,
        /// The I/O error from the encoder.
        source: std::io::Error,
    },
    /// The renderer panicked (caught at the blocking-task boundary).
    #[error("rendering tile {tile} failed: {reason}")]
    Panicked {
        /// The tile.
        tile: TileCoord,
        /// The panic message.
        reason: String,
    },
}

#[derive(Debug, Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
    invalidations: AtomicU64,
}

/// The result of a render, shared with concurrent requests for the same tile.
type Shared = Result<Arc<CachedTile>, Arc<TileError>>;

/// Renders in flight, by snapshot version and key.
type Inflight = HashMap<(u64, TileKey), Arc<OnceCell<Shared>>>;

/// The map under the cache: moka with foldhash (a tile key hashes in a few nanoseconds
/// instead of SipHash's tens; randomly seeded per process).
type TileMap = Cache<TileKey, Arc<CachedTile>, foldhash::fast::RandomState>;

/// The tile cache and the entry point for getting a tile: cached or freshly rendered.
pub struct TileCache {
    cache: Option<TileMap>,
    identity: Option<IdentityCopies>,
    gate: Mutex<Gate>,
    inflight: Mutex<Inflight>,
    counters: Arc<Counters>,
    capacity_bytes: u64,
    render: RenderFn,
    render_times: Arc<RenderTimes>,
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
                    u32::try_from(tile.gzip().len() + ENTRY_OVERHEAD).unwrap_or(u32::MAX)
                })
                .eviction_listener(move |_key, _tile, cause| {
                    if cause.was_evicted() {
                        evictions.evictions.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .support_invalidation_closures()
                .build_with_hasher(foldhash::fast::RandomState::default())
        });
        TileCache {
            cache,
            identity: (capacity_bytes > 0).then(|| IdentityCopies::new(capacity_bytes / 4)),
            gate: Mutex::new(Gate::default()),
            inflight: Mutex::new(HashMap::new()),
            counters,
            capacity_bytes,
            render,
            render_times: Arc::default(),
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
        self.get_keyed(snapshot, &TileKey { layers, tile }).await
    }

    /// [`TileCache::get`] by key (the key stays the caller's, e.g. for
    /// [`TileCache::identity`]).
    pub async fn get_keyed(
        &self,
        snapshot: &Arc<Snapshot>,
        key: &TileKey,
    ) -> Result<Arc<CachedTile>, Arc<TileError>> {
        let tile = key.tile;
        let Some(cache) = &self.cache else {
            self.counters.misses.fetch_add(1, Ordering::Relaxed);
            return self
                .render_blocking(Arc::clone(snapshot), tile, key.layers.clone())
                .await
                .map(Arc::new)
                .map_err(Arc::new);
        };
        if let Some(hit) = cache.get(key) {
            self.counters.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(hit);
        }
        let version = snapshot.version;
        let cell = {
            let mut inflight = lock(&self.inflight);
            Arc::clone(inflight.entry((version, key.clone())).or_default())
        };
        // Removes the in-flight entry when the last interested request is done (or gone).
        let flight = InflightGuard {
            map: &self.inflight,
            key: (version, key.clone()),
            cell,
        };
        let mut rendered_here = false;
        let result = flight
            .cell
            .get_or_init(|| async {
                rendered_here = true;
                self.counters.misses.fetch_add(1, Ordering::Relaxed);
                let layers = key.layers.clone();
                let tile = self
                    .render_blocking(Arc::clone(snapshot), tile, layers)
                    .await
                    .map(Arc::new)
                    .map_err(Arc::new)?;
                self.insert(cache, key, version, &tile);
                Ok(tile)
            })
            .await
            .clone();
        if !rendered_here {
            // Another request rendered it while this one waited.
            self.counters.hits.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// The uncompressed bytes of `cached` (the tile of `key`), for a client that does not
    /// accept gzip: kept after the first such request while the cache is on.
    pub fn identity(&self, key: &TileKey, cached: &CachedTile) -> std::io::Result<bytes::Bytes> {
        match &self.identity {
            Some(copies) => copies.get(key, cached),
            None => cached.decompress().map(bytes::Bytes::from),
        }
    }

    /// Caches `tile` (rendered from snapshot `version`) unless an invalidation newer than
    /// the render touches it.
    fn insert(&self, cache: &TileMap, key: &TileKey, version: u64, tile: &Arc<CachedTile>) {
        let mut gate = lock(&self.gate);
        if gate.admit(version, &key.layers, key.tile, tile.budget_reached()) {
            cache.insert(key.clone(), Arc::clone(tile));
        }
    }

    async fn render_blocking(
        &self,
        snapshot: Arc<Snapshot>,
        tile: TileCoord,
        layers: LayerSelection,
    ) -> Result<CachedTile, TileError> {
        let render = self.render;
        let times = Arc::clone(&self.render_times);
        let level = if self.cache.is_some() {
            CACHED_LEVEL
        } else {
            UNCACHED_LEVEL
        };
        let task = tokio::task::spawn_blocking(move || {
            let start = Instant::now();
            let rendered = render(&snapshot, tile, &layers)?;
            let rendered_at = start.elapsed();
            let cached = CachedTile::encode(snapshot.version, &rendered, level)
                .map_err(|source| TileError::Compress { tile, source })?;
            times.observe(tile.z, start.elapsed());
            tracing::debug!(
                %tile,
                features = rendered.feature_count,
                bytes = rendered.data.len(),
                gzip_bytes = cached.gzip().len(),
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

    /// Runs moka's pending housekeeping so that `entries`, `bytes` and `evictions` are
    /// current. Cheap; called by the health endpoint and tests.
    pub async fn sync(&self) {
        if let Some(cache) = &self.cache {
            cache.run_pending_tasks();
        }
    }

    /// Tile generation times (render and gzip) per zoom.
    pub fn render_times(&self) -> &Arc<RenderTimes> {
        &self.render_times
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
            invalidations: self.counters.invalidations.load(Ordering::Relaxed),
        }
    }
}

/// Drops an in-flight entry once its render is done, or once no request waits on it any
/// more (a cancelled request must not leave it behind).
struct InflightGuard<'a> {
    map: &'a Mutex<Inflight>,
    key: (u64, TileKey),
    cell: Arc<OnceCell<Shared>>,
}

impl Drop for InflightGuard<'_> {
    fn drop(&mut self) {
        let mut map = lock(self.map);
        let remove = map.get(&self.key).is_some_and(|c| {
            // Finished, or held by the map and this guard only.
            Arc::ptr_eq(c, &self.cell) && (self.cell.initialized() || Arc::strong_count(c) <= 2)
        });
        if remove {
            map.remove(&self.key);
        }
    }
}

/// Locks a mutex, recovering from poisoning (the guarded data stays consistent: every
/// critical section is a few map operations).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_owned())
}
