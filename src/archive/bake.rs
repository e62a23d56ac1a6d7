//! `gridtiles bake`: the grid's tiles (and optionally the basemap's) written into one
//! PMTiles v3 archive.
//!
//! Every tile of the zoom range inside the bounding box is rendered by the tile engine
//! ([`render_tile`]) and compressed exactly as the tile cache does ([`CachedTile::encode`] at
//! [`CACHED_LEVEL`]), so a grid-only archive holds the very bytes `/tiles/{z}/{x}/{y}.mvt`
//! serves. With several sources (grid and basemap) a tile is their MVT encodings
//! concatenated (protobuf messages concatenate: the layers of both), basemap first. Tiles of
//! one zoom render in parallel on all cores (rayon), are sorted by PMTiles tile id and
//! written in that order (a clustered archive); the `pmtiles` writer stores identical tiles
//! once (content hash) and skips empty ones.

use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;
use pmtiles::{Compression, PmTilesWriter, TileCoord as PmCoord, TileId, TileType};
use rayon::prelude::*;
use serde_json::json;
use thiserror::Error;

use crate::cache::{CachedTile, CACHED_LEVEL};
use crate::index::Snapshot;
use crate::mercator::lonlat_to_world;
use crate::tiles::{render_tile, LayerSelection, RenderError, RenderedTile, TileCoord};

/// Why a bake failed.
#[derive(Debug, Error)]
pub enum BakeError {
    /// The plan is not valid.
    #[error("{0}")]
    Plan(String),
    /// A tile could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Writing the archive failed.
    #[error("writing the archive: {0}")]
    Write(#[from] pmtiles::PmtError),
    /// An I/O error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// One snapshot to bake and its layers.
#[derive(Clone, Copy, Debug)]
pub struct BakeSource<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    /// Which of its layers.
    pub layers: &'a LayerSelection,
}

/// What to bake.
#[derive(Clone, Debug, PartialEq)]
pub struct BakePlan {
    /// Lowest zoom.
    pub minzoom: u8,
    /// Highest zoom.
    pub maxzoom: u8,
    /// `[west, south, east, north]` in degrees.
    pub bbox: [f64; 4],
    /// The archive's name (metadata).
    pub name: String,
    /// Its attribution (metadata), if any.
    pub attribution: Option<String>,
}

/// What one zoom took.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoomReport {
    /// The zoom.
    pub zoom: u8,
    /// Tiles rendered (every tile of the box).
    pub rendered: u64,
    /// Tiles with content (written; duplicates stored once).
    pub nonempty: u64,
    /// Compressed bytes of those tiles (before deduplication).
    pub bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
}

/// What a bake did.
#[derive(Clone, Debug, PartialEq)]
pub struct BakeReport {
    /// Per zoom, lowest first.
    pub zooms: Vec<ZoomReport>,
    /// Size of the archive file.
    pub archive_bytes: u64,
    /// Wall time.
    pub elapsed: Duration,
}

impl BakeReport {
    /// Tiles rendered over all zooms.
    pub fn rendered(&self) -> u64 {
        self.zooms.iter().map(|z| z.rendered).sum()
    }

    /// Tiles with content over all zooms.
    pub fn nonempty(&self) -> u64 {
        self.zooms.iter().map(|z| z.nonempty).sum()
    }
}

/// The tiles of zoom `z` covering `bbox`, as `(x0, x1, y0, y1)` inclusive.
pub fn tile_range(bbox: [f64; 4], z: u8) -> (u32, u32, u32, u32) {
    let n = 1u64 << z;
    let max = (n - 1) as f64;
    let col = |w: f64| (w * n as f64).floor().clamp(0.0, max) as u32;
    let nw = lonlat_to_world(bbox[0], bbox[3]);
    let se = lonlat_to_world(bbox[2], bbox[1]);
    (col(nw[0]), col(se[0]), col(nw[1]), col(se[1]))
}

/// Number of tiles `plan` renders.
pub fn tile_count(plan: &BakePlan) -> u64 {
    (plan.minzoom..=plan.maxzoom)
        .map(|z| {
            let (x0, x1, y0, y1) = tile_range(plan.bbox, z);
            u64::from(x1 - x0 + 1) * u64::from(y1 - y0 + 1)
        })
        .sum()
}

/// One tile of `sources` as the archive stores it (gzip), `None` when empty.
pub fn bake_tile(
    sources: &[BakeSource<'_>],
    coord: TileCoord,
) -> Result<Option<Vec<u8>>, BakeError> {
    let mut rendered: Option<RenderedTile> = None;
    for s in sources {
        let r = render_tile(s.snapshot, coord, s.layers)?;
        match &mut rendered {
            None => rendered = Some(r),
            Some(acc) => {
                acc.data.extend_from_slice(&r.data);
                acc.feature_count += r.feature_count;
            }
        }
    }
    let Some(rendered) = rendered.filter(|r| !r.data.is_empty()) else {
        return Ok(None);
    };
    let version = sources.first().map_or(0, |s| s.snapshot.version);
    let tile = CachedTile::encode(version, &rendered, CACHED_LEVEL)?;
    Ok(Some(tile.gzip().to_vec()))
}

/// Bakes `sources` by `plan` into a PMTiles archive at `out` (replaced), ticking `progress`
/// once per tile rendered.
pub fn bake(
    sources: &[BakeSource<'_>],
    plan: &BakePlan,
    out: &Path,
    progress: &ProgressBar,
) -> Result<BakeReport, BakeError> {
    let maxzoom = sources
        .iter()
        .map(|s| s.snapshot.tiling.tiles.maxzoom)
        .min()
        .unwrap_or(0);
    if sources.is_empty() {
        return Err(BakeError::Plan("nothing to bake".into()));
    }
    if plan.minzoom > plan.maxzoom || plan.maxzoom > maxzoom {
        return Err(BakeError::Plan(format!(
            "zoom range {}..={} must be ascending and at most the maximum zoom {maxzoom}",
            plan.minzoom, plan.maxzoom
        )));
    }
    let [w, s, e, n] = plan.bbox;
    let lon = |v: f64| (-180.0..=180.0).contains(&v);
    let lat = |v: f64| (-90.0..=90.0).contains(&v);
    if !(w < e && s < n && lon(w) && lon(e) && lat(s) && lat(n)) {
        return Err(BakeError::Plan(format!(
            "bounding box {:?} must be W,S,E,N in degrees with W < E and S < N",
            plan.bbox
        )));
    }
    let start = Instant::now();
    let centre_zoom = 11u8.clamp(plan.minzoom, plan.maxzoom);
    let file = BufWriter::new(std::fs::File::create(out)?);
    let mut writer = PmTilesWriter::new(TileType::Mvt)
        .precompressed(Compression::Gzip)
        .min_zoom(plan.minzoom)
        .max_zoom(plan.maxzoom)
        .bounds(w, s, e, n)
        .center((w + e) / 2.0, (s + n) / 2.0)
        .center_zoom(centre_zoom)
        .metadata(metadata(sources, plan).to_string())
        .create(file)?;
    let mut zooms = Vec::new();
    for z in plan.minzoom..=plan.maxzoom {
        let zoom_start = Instant::now();
        let (x0, x1, y0, y1) = tile_range(plan.bbox, z);
        let coords: Vec<(u32, u32)> = (x0..=x1)
            .flat_map(|x| (y0..=y1).map(move |y| (x, y)))
            .collect();
        let mut tiles: Vec<(u64, PmCoord, Vec<u8>)> = coords
            .par_iter()
            .map(|&(x, y)| {
                let tile = bake_tile(sources, TileCoord { z, x, y });
                progress.inc(1);
                let pm = PmCoord::new(z, x, y)?;
                Ok(tile?.map(|t| (TileId::from(pm).value(), pm, t)))
            })
            .filter_map(|r: Result<_, BakeError>| r.transpose())
            .collect::<Result<_, _>>()?;
        tiles.sort_unstable_by_key(|t| t.0);
        let bytes = tiles.iter().map(|t| t.2.len() as u64).sum();
        for (_, coord, data) in &tiles {
            writer.add_tile(*coord, data)?;
        }
        zooms.push(ZoomReport {
            zoom: z,
            rendered: coords.len() as u64,
            nonempty: tiles.len() as u64,
            bytes,
            elapsed: zoom_start.elapsed(),
        });
    }
    writer.finalize()?;
    Ok(BakeReport {
        zooms,
        archive_bytes: std::fs::metadata(out)?.len(),
        elapsed: start.elapsed(),
    })
}

/// The archive's metadata: name, format and the TileJSON `vector_layers` of every source.
fn metadata(sources: &[BakeSource<'_>], plan: &BakePlan) -> serde_json::Value {
    let mut layers = Vec::new();
    for s in sources {
        for (i, layer) in s.snapshot.layers.iter().enumerate() {
            if let LayerSelection::Only(only) = s.layers {
                if !only.contains(&i) {
                    continue;
                }
            }
            let mut fields: BTreeMap<&str, &str> = layer
                .tile_fields
                .iter()
                .filter_map(|&f| layer.fields.get(f))
                .map(|f| (f.name.as_str(), f.kind.tilejson_name()))
                .collect();
            if layer.thinning.is_some() {
                fields.insert("point_count", "Number");
            }
            layers.push(json!({
                "id": layer.name,
                "minzoom": layer.config.minzoom,
                "maxzoom": layer.config.maxzoom,
                "fields": fields,
            }));
        }
    }
    let mut meta = json!({
        "name": plan.name,
        "format": "pbf",
        "generator": concat!("gridtiles ", env!("CARGO_PKG_VERSION")),
        "vector_layers": layers,
    });
    if let Some(a) = &plan.attribution {
        meta["attribution"] = json!(a);
    }
    meta
}
