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
//! Complete at the highest zoom: at a layer's `maxzoom` (the server's, configured or guessed
//! from the data, unless the layer sets a lower one) every feature is drawn in every tile it
//! touches, however small (see [`super::draw`]: no size filter, a part that rounds to one
//! point becomes a one-unit line or square), never thinned, never merged, and never dropped
//! by the size budget: such a layer is *complete* in the tile, as `keep_all` layers are at
//! every zoom.
//!
//! Size budget: when the encoded tile exceeds `max_tile_bytes`, it is rendered again with more
//! generalization, step `k = 1, 2, …` (at most [`MAX_BUDGET_STEPS`]): line/polygon tolerance
//! ×4ᵏ (not for `keep_all` layers) and thinnable point layers at thinning level `z − k` (with
//! `point_count`; not for complete layers). Nothing is dropped while generalization can still
//! help. A tile still over budget after the last step loses attributes next: strings over
//! [`super::draw::SHORT_STRING_BYTES`] first, then every attribute (ids stay, so feature-state works);
//! only then features: each layer that is not complete keeps the first half of its
//! candidates (index order), a quarter, ... until the tile fits. Complete layers (`keep_all`
//! ones such as switches and substations, and every layer at its max zoom) never lose a
//! feature, so the only tiles served over `max_tile_bytes` are those whose complete layers'
//! features alone, without attributes and simplified, exceed it (counted as `still_over`).
//! `budget_reached` is set and a warning logged whenever the first rendering was over budget;
//! [`budget_cuts`] counts the tiles that lost attributes or features and those still over
//! (`/metrics`).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use rstar::AABB;
use thiserror::Error;

use crate::index::{GeometryKind, IndexedLayer, Snapshot};
use crate::metrics::BudgetCuts;

use super::clip::ClipBox;
use super::draw::{draw_layer, key_name, key_slots, Attributes, DrawCtx, DrawScratch, LayerMode};
use super::mvt_writer::MvtWriter;
use super::transform::{pixel, sq_tolerance, TileTransform};
use super::{LayerSelection, TileCoord};
use crate::tiling::MAX_BUDGET_STEPS;

/// The highest zoom a tile address can have (as [`TileCoord::new`] enforces).
const MAX_ZOOM: u8 = 30;

/// Tiles rendered with attributes left out to fit the budget (since start).
static ATTRIBUTES_CUT: AtomicU64 = AtomicU64::new(0);
/// Tiles rendered with features left out to fit the budget (since start).
static FEATURES_CUT: AtomicU64 = AtomicU64::new(0);
/// Tiles still over the budget with every cut made (their `keep_all` features alone).
static STILL_OVER: AtomicU64 = AtomicU64::new(0);

/// How many tiles (renders, since the process started) lost attributes, how many lost
/// features, to fit `max_tile_bytes`, and how many were still over it.
pub fn budget_cuts() -> BudgetCuts {
    BudgetCuts {
        attributes_cut: ATTRIBUTES_CUT.load(Ordering::Relaxed),
        features_cut: FEATURES_CUT.load(Ordering::Relaxed),
        still_over: STILL_OVER.load(Ordering::Relaxed),
    }
}

/// What the budget's last resort leaves out, after generalization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cut {
    attributes: Attributes,
    /// Each layer keeps `candidates >> keep_shift` of its candidates.
    keep_shift: u32,
}

impl Cut {
    const NONE: Cut = Cut {
        attributes: Attributes::All,
        keep_shift: 0,
    };

    /// The next harsher cut; `None` when nothing is left to leave out.
    fn next(self) -> Option<Cut> {
        Some(match self.attributes {
            Attributes::All => Cut {
                attributes: Attributes::ShortStrings,
                ..self
            },
            Attributes::ShortStrings => Cut {
                attributes: Attributes::Nothing,
                ..self
            },
            Attributes::Nothing if self.keep_shift < usize::BITS => Cut {
                keep_shift: self.keep_shift + 1,
                ..self
            },
            Attributes::Nothing => return None,
        })
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
    /// Every candidate is drawn, whatever the budget: `keep_all`, or the layer's max zoom.
    complete: bool,
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
        let slot = active.len();
        if scratch.cands.len() <= slot {
            scratch.cands.push(Vec::new());
        }
        let cands = &mut scratch.cands[slot];
        cands.clear();
        match merged {
            Some(m) => cands.extend(
                m.rtree
                    .locate_in_envelope_intersecting(&envelope)
                    .map(|e| e.data),
            ),
            None => cands.extend(
                layer
                    .rtree
                    .locate_in_envelope_intersecting(&envelope)
                    .map(|e| e.data),
            ),
        }
        if cands.is_empty() {
            continue;
        }
        cands.sort_unstable();
        active.push(Active {
            layer,
            merged: merged.is_some(),
            complete: layer.config.keep_all || z >= layer.config.maxzoom,
            slot,
        });
    }
    if active.is_empty() {
        return Ok(RenderedTile::default());
    }
    let can_generalize = active.iter().any(|a| {
        !a.layer.config.keep_all
            && ((a.layer.thinning.is_some() && !a.complete) || a.layer.kind != GeometryKind::Point)
    });
    let mut first_size = 0;
    let mut step = 0;
    let mut cut = Cut::NONE;
    loop {
        let count = render_step(scratch, &active, tile, cfg, extent, step, cut);
        let size = if count == 0 {
            0
        } else {
            scratch.writer.bytes().len()
        };
        if step == 0 && cut == Cut::NONE {
            first_size = size;
        }
        let fits = size <= cfg.max_tile_bytes;
        let generalized = !can_generalize || step == MAX_BUDGET_STEPS;
        if !fits && generalized {
            // Halving the longest droppable candidate list again still removes something?
            let droppable = active
                .iter()
                .filter(|a| !a.complete)
                .map(|a| scratch.cands.get(a.slot).map_or(0, Vec::len))
                .max()
                .unwrap_or(0);
            let useful = |c: &Cut| {
                c.keep_shift == 0 || droppable.checked_shr(c.keep_shift - 1).unwrap_or(0) > 0
            };
            if let Some(next) = cut.next().filter(useful) {
                cut = next;
                continue;
            }
        }
        if fits || generalized {
            let over = step > 0 || !fits || cut != Cut::NONE;
            if cut.attributes != Attributes::All {
                ATTRIBUTES_CUT.fetch_add(1, Ordering::Relaxed);
            }
            if cut.keep_shift > 0 {
                FEATURES_CUT.fetch_add(1, Ordering::Relaxed);
            }
            if !fits {
                STILL_OVER.fetch_add(1, Ordering::Relaxed);
            }
            if over {
                tracing::warn!(
                    tile = %tile,
                    bytes = size,
                    first_bytes = first_size,
                    max_tile_bytes = cfg.max_tile_bytes,
                    steps = step,
                    attributes = ?cut.attributes,
                    features_kept = %format_args!("1/{}", 1u128 << cut.keep_shift),
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
    cfg: &crate::tiling::TileConfig,
    extent: u32,
    step: u32,
    cut: Cut,
) -> usize {
    let z = tile.z;
    let base = DrawCtx {
        tf: TileTransform::new(tile, extent),
        clip: ClipBox::for_tile(extent, cfg.buffer),
        sq_tol: sq_tolerance(cfg.simplify_tolerance, extent, z),
        pixel: pixel(extent),
        attributes: cut.attributes,
        lossless: false,
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
        ctx.lossless = z >= layer.config.maxzoom;
        let mode = if a.merged {
            match &layer.merged {
                Some(m) => LayerMode::Merged(m),
                None => LayerMode::Features,
            }
        } else if a.complete {
            LayerMode::Features
        } else {
            thin_mode(layer, z, step)
        };
        writer.start_layer(key_slots(layer));
        let cands = scratch.cands.get(a.slot).map_or(&[][..], |c| {
            let keep = if a.complete {
                c.len()
            } else {
                c.len().checked_shr(cut.keep_shift).unwrap_or(0)
            };
            &c[..keep]
        });
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
