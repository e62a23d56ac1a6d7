//! Rendering one tile: pick the layers visible at the zoom, query each layer's R-tree with the
//! buffered tile bounds, draw the candidates in index order, encode — and stay within the
//! tile size budget.
//!
//! Per layer and zoom:
//! - a layer is drawn iff `minzoom <= z <= maxzoom`;
//! - a line layer with `merged` groups serves them below `merged.below`: one MultiLineString
//!   per group (id = group id, e.g. the feeder id; attributes = the group's shared values);
//! - a thinned point layer below `full_zoom` draws only the representatives of level `z`,
//!   each with an Int (`sint`) attribute `point_count` (points it stands for, itself
//!   included). Zooms that are not thinned carry no `point_count`.
//!
//! Size budget: when the encoded tile exceeds `max_tile_bytes`, it is rendered again with more
//! generalization, step `k = 1, 2, …` (at most [`MAX_BUDGET_STEPS`]): line/polygon tolerance
//! ×4ᵏ and thinnable point layers at thinning level `z − k` (with `point_count`). Nothing is
//! dropped arbitrarily, and `keep_all` layers are never generalized. `budget_reached` is set
//! and a warning logged whenever the first rendering was over budget.

use std::cell::RefCell;

use rstar::AABB;
use thiserror::Error;

use crate::index::{GeometryKind, IndexedLayer, Snapshot};

use super::clip::ClipBox;
use super::draw::{draw_layer, key_name, key_slots, DrawCtx, DrawScratch, LayerMode};
use super::mvt_writer::MvtWriter;
use super::transform::{pixel, sq_tolerance, TileTransform};
use super::TileCoord;

/// The highest zoom a tile address can have (as [`TileCoord::new`] enforces).
const MAX_ZOOM: u8 = 30;

/// Generalization steps tried at most to fit a tile into `max_tile_bytes`.
pub const MAX_BUDGET_STEPS: u32 = 6;

/// Which layers a tile carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LayerSelection {
    /// Every layer of the snapshot.
    All,
    /// These layers (indices into `Snapshot::layers`, ascending, no duplicates).
    Only(Vec<usize>),
}

impl LayerSelection {
    fn contains(&self, i: usize) -> bool {
        match self {
            LayerSelection::All => true,
            LayerSelection::Only(v) => v.contains(&i),
        }
    }
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

/// Encoded tiles larger than this are refused rather than sent (no client reads them, and
/// the size budget normally keeps tiles far below it).
pub const MAX_ENCODED_TILE_BYTES: usize = 64 << 20;

/// Why a tile could not be rendered.
#[derive(Debug, Error)]
pub enum RenderError {
    #[error("tile {tile} is {bytes} bytes even after generalization (limit {limit})")]
    TooLarge {
        tile: TileCoord,
        bytes: usize,
        limit: usize,
    },
}

/// A layer with candidates in this tile.
struct Active<'a> {
    layer: &'a IndexedLayer,
    merged: bool,
    /// Index into `Scratch::cands`.
    slot: usize,
}

/// Buffers reused across tiles on one thread.
#[derive(Default)]
struct Scratch {
    cands: Vec<Vec<u32>>,
    draw: DrawScratch,
    writer: MvtWriter,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Renders `tile` from `snapshot`.
pub fn render_tile(
    snapshot: &Snapshot,
    tile: TileCoord,
    layers: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => render_with(&mut scratch, snapshot, tile, layers),
        Err(_) => render_with(&mut Scratch::default(), snapshot, tile, layers),
    })
}

fn render_with(
    scratch: &mut Scratch,
    snapshot: &Snapshot,
    tile: TileCoord,
    selection: &LayerSelection,
) -> Result<RenderedTile, RenderError> {
    let cfg = &snapshot.tiling.tiles;
    let extent = cfg.extent.max(1);
    let z = tile.z;
    if z > MAX_ZOOM {
        // Not a valid address (TileCoord::new never makes one): nothing to draw.
        return Ok(RenderedTile::default());
    }
    let b = tile.buffered_bounds(extent, cfg.buffer);
    let envelope = AABB::from_corners([b[0], b[1]], [b[2], b[3]]);
    let mut active = Vec::new();
    for (li, layer) in snapshot.layers.iter().enumerate() {
        let layer: &IndexedLayer = layer;
        if !selection.contains(li) || z < layer.config.minzoom || z > layer.config.maxzoom {
            continue;
        }
        let merged = layer.merged.as_ref().filter(|m| z < m.below);
        let tree = merged.map_or(&*layer.rtree, |m| &m.rtree);
        let slot = active.len();
        if scratch.cands.len() <= slot {
            scratch.cands.push(Vec::new());
        }
        let cands = &mut scratch.cands[slot];
        cands.clear();
        cands.extend(
            tree.locate_in_envelope_intersecting(&envelope)
                .map(|e| e.data),
        );
        if cands.is_empty() {
            continue;
        }
        cands.sort_unstable();
        active.push(Active {
            layer,
            merged: merged.is_some(),
            slot,
        });
    }
    if active.is_empty() {
        return Ok(RenderedTile::default());
    }
    let can_generalize = active.iter().any(|a| {
        !a.layer.config.keep_all
            && (a.layer.thinning.is_some() || a.layer.kind != GeometryKind::Point)
    });
    let mut first_size = 0;
    let mut step = 0;
    loop {
        let count = render_step(scratch, &active, tile, cfg, extent, step);
        let size = if count == 0 {
            0
        } else {
            scratch.writer.bytes().len()
        };
        if step == 0 {
            first_size = size;
        }
        let fits = size <= cfg.max_tile_bytes;
        if fits || !can_generalize || step == MAX_BUDGET_STEPS {
            let over = step > 0 || !fits;
            if over {
                tracing::warn!(
                    tile = %tile,
                    bytes = size,
                    first_bytes = first_size,
                    max_tile_bytes = cfg.max_tile_bytes,
                    steps = step,
                    fits,
                    "tile size budget reached: generalized further"
                );
            }
            if size > MAX_ENCODED_TILE_BYTES {
                return Err(RenderError::TooLarge {
                    tile,
                    bytes: size,
                    limit: MAX_ENCODED_TILE_BYTES,
                });
            }
            let data = if count == 0 {
                Vec::new()
            } else {
                scratch.writer.bytes().to_vec()
            };
            return Ok(RenderedTile {
                data,
                feature_count: count,
                budget_reached: over,
            });
        }
        step += 1;
    }
}

/// Encodes every active layer at generalization step `step` (0 = the zoom's normal rules)
/// into `scratch.writer`. Returns the number of features written.
fn render_step(
    scratch: &mut Scratch,
    active: &[Active<'_>],
    tile: TileCoord,
    cfg: &crate::config::TileConfig,
    extent: u32,
    step: u32,
) -> usize {
    let z = tile.z;
    let base = DrawCtx {
        tf: TileTransform::new(tile, extent),
        clip: ClipBox::for_tile(extent, cfg.buffer),
        sq_tol: sq_tolerance(cfg.simplify_tolerance, extent, z),
        pixel: pixel(extent),
    };
    let factor = 4f64.powi(step as i32);
    let writer = &mut scratch.writer;
    writer.reset(extent);
    let mut count = 0;
    for a in active {
        let layer = a.layer;
        let keep_all = layer.config.keep_all;
        let mut ctx = base;
        if !keep_all {
            // Tolerance ×4 per step: squared tolerance ×16.
            ctx.sq_tol *= factor * factor;
        }
        let mode = if a.merged {
            match &layer.merged {
                Some(m) => LayerMode::Merged(m),
                None => LayerMode::Features,
            }
        } else {
            thin_mode(layer, z, step)
        };
        writer.start_layer(key_slots(layer));
        let cands = scratch.cands.get(a.slot).map_or(&[][..], |c| &c[..]);
        draw_layer(layer, mode, cands, &ctx, &mut scratch.draw, writer);
        count += writer.finish_layer(&layer.name, |slot| key_name(layer, slot));
    }
    count
}

/// The thinning level of a point layer at zoom `z` and budget step `step`.
fn thin_mode(layer: &IndexedLayer, z: u8, step: u32) -> LayerMode<'_> {
    let Some(thinning) = layer.thinning.as_ref().filter(|_| !layer.config.keep_all) else {
        return LayerMode::Features;
    };
    if step == 0 && z >= layer.config.full_zoom {
        return LayerMode::Features;
    }
    let level = u32::from(z).saturating_sub(step) as u8;
    if (level as usize) < thinning.levels.len() {
        LayerMode::Thinned(thinning, level)
    } else {
        LayerMode::Features
    }
}
