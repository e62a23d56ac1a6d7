//! Drawing one layer of one tile: world geometry → simplified → tile units → clipped →
//! integer MVT geometry, feature by feature in index order.
//!
//! Below a layer's max zoom, line parts and polygons smaller than a pixel are left out (the
//! size filter) and parts that round to a single tile unit vanish. At its max zoom
//! ([`DrawCtx::lossless`]) nothing is left out: a line part that rounds to one point (a span
//! shorter than a tile unit, or of zero length) is written as a line of one tile unit from
//! that point along the part's main direction, and a polygon whose exterior ring collapses
//! as a one-unit square, since MVT 2.1 forbids zero-length lines and zero-area rings.
//!
//! The caller ([`super::render`]) has already queried the R-tree and sorted the candidate
//! indices; this module decides per candidate what is drawn (thinning representatives,
//! merged groups) and writes it. Every buffer lives in [`DrawScratch`] or the
//! [`MvtWriter`], reused across features, layers and tiles: a warm thread draws without
//! allocating.

use crate::index::{IndexedLayer, MergedLines, Path, Thinning, WorldGeometry};
use crate::model::Value;

use super::clip::{clip_line, ClipBox, RingClipper, TilePoint};
use super::encode::TileGeom;
use super::mvt_writer::{GeomType, MvtWriter};
use super::transform::{simplified, TileTransform};

/// Name of the attribute that thinned point features carry: how many points the drawn point
/// stands for (itself included).
pub const POINT_COUNT: &str = "point_count";

/// Per-tile drawing parameters for one layer.
#[derive(Clone, Copy, Debug)]
pub struct DrawCtx {
    /// World → tile units.
    pub tf: TileTransform,
    /// The tile box grown by the buffer, in tile units.
    pub clip: ClipBox,
    /// Squared simplification tolerance in world units².
    pub sq_tol: f64,
    /// One pixel in tile units (size filter).
    pub pixel: f64,
    /// Which attribute values are written (the size budget's last resort before features).
    pub attributes: Attributes,
    /// The layer's max zoom: no size filter, and a line part or polygon that rounds to a
    /// single point is still written (a one-unit line, a one-unit square), so every feature
    /// appears in every tile it touches.
    pub lossless: bool,
}

/// Which attribute values a tile carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attributes {
    /// Every tile field.
    All,
    /// Strings longer than [`SHORT_STRING_BYTES`] left out.
    ShortStrings,
    /// None (ids, geometry and `point_count` only).
    Nothing,
}

/// Longest string value kept under [`Attributes::ShortStrings`].
pub const SHORT_STRING_BYTES: usize = 256;

/// What a layer draws at this zoom.
#[derive(Clone, Copy, Debug)]
pub enum LayerMode<'a> {
    /// Every candidate feature.
    Features,
    /// Only the representatives of this thinning level, with `point_count`.
    Thinned(&'a Thinning, u8),
    /// The merged groups (candidates are group indices).
    Merged(&'a MergedLines),
}

/// Reusable buffers for drawing.
#[derive(Debug, Default)]
pub struct DrawScratch {
    simp: Vec<TilePoint>,
    clipped: Vec<TilePoint>,
    ends: Vec<usize>,
    rings: RingClipper,
    geom: TileGeom,
}

/// Draws the candidates `cands` (sorted indices) of `layer` into `out`.
pub fn draw_layer(
    layer: &IndexedLayer,
    mode: LayerMode<'_>,
    cands: &[u32],
    ctx: &DrawCtx,
    s: &mut DrawScratch,
    out: &mut MvtWriter,
) {
    match mode {
        LayerMode::Merged(merged) => {
            for &gi in cands {
                let Some(group) = merged.groups.get(gi as usize) else {
                    continue;
                };
                s.geom.begin(GeomType::Linestring);
                for path in group.paths_at(ctx.tf.zoom()) {
                    draw_line(path, ctx, s);
                }
                let attrs = ctx.attributes;
                write_feature(
                    out,
                    layer,
                    group.id,
                    &s.geom,
                    &group.properties,
                    None,
                    attrs,
                );
            }
        }
        LayerMode::Features | LayerMode::Thinned(..) => {
            for &i in cands {
                let count = match mode {
                    LayerMode::Thinned(t, level) => {
                        match t.visible_from.get(i as usize) {
                            Some(&from) if from <= level => {}
                            _ => continue,
                        }
                        match t.represented(i, level) {
                            Some(c) => Some(c),
                            None => continue,
                        }
                    }
                    _ => None,
                };
                let Some(feature) = layer.features.get(i as usize) else {
                    continue;
                };
                draw_geometry(&feature.geometry, ctx, s);
                let (id, props, attrs) = (feature.id, &feature.properties, ctx.attributes);
                write_feature(out, layer, id, &s.geom, props, count, attrs);
            }
        }
    }
}

/// Writes the layer's tile attributes of `props` (those `attrs` lets through), then
/// `point_count` when thinned (a source attribute of that name is left out on thinned zooms).
fn write_feature(
    out: &mut MvtWriter,
    layer: &IndexedLayer,
    id: u64,
    geom: &TileGeom,
    props: &[Option<Value>],
    count: Option<u32>,
    attrs: Attributes,
) {
    if geom.is_empty() {
        return;
    }
    out.begin_tags();
    for &j in &layer.tile_fields {
        if attrs == Attributes::Nothing {
            break;
        }
        if let (Some(field), Some(Some(value))) = (layer.fields.get(j), props.get(j)) {
            if count.is_some() && field.name == POINT_COUNT {
                continue;
            }
            if attrs == Attributes::ShortStrings
                && matches!(value, Value::Str(s) if s.len() > SHORT_STRING_BYTES)
            {
                continue;
            }
            out.tag(j, value);
        }
    }
    if let Some(c) = count {
        out.tag_int(point_count_slot(layer), i64::from(c));
    }
    let (pts, ends) = geom.parts();
    out.add_feature(id, geom.kind(), pts, ends);
}

/// Key slots of a layer: one per field, then `point_count`.
pub fn key_slots(layer: &IndexedLayer) -> usize {
    layer.fields.len() + 1
}

/// The key slot of `point_count`.
fn point_count_slot(layer: &IndexedLayer) -> usize {
    layer.fields.len()
}

/// The attribute name of key slot `slot`.
pub fn key_name(layer: &IndexedLayer, slot: usize) -> &str {
    layer
        .fields
        .get(slot)
        .map_or(POINT_COUNT, |f| f.name.as_str())
}

/// Fills `s.geom` with the tile geometry of `geometry` (possibly empty).
fn draw_geometry(geometry: &WorldGeometry, ctx: &DrawCtx, s: &mut DrawScratch) {
    match geometry {
        WorldGeometry::Points(pts) => {
            s.geom.begin(GeomType::Point);
            for &c in pts {
                let p = ctx.tf.apply(c);
                if ctx.clip.contains(p) {
                    s.geom.push_point(p);
                }
            }
        }
        WorldGeometry::Lines(paths) => {
            s.geom.begin(GeomType::Linestring);
            for path in paths {
                draw_line(path, ctx, s);
            }
        }
        WorldGeometry::Polygons(polys) => {
            s.geom.begin(GeomType::Polygon);
            for rings in polys {
                for (k, ring) in rings.iter().enumerate() {
                    draw_ring(ring, k == 0, ctx, s);
                }
            }
        }
    }
}

/// Adds the clipped, simplified parts of one line to `s.geom`. At the max zoom a line that
/// touches the box is never lost: simplified away (the size budget's steps), it is drawn
/// with every vertex; a part or the whole line collapsing to one point becomes a unit line.
fn draw_line(path: &Path, ctx: &DrawCtx, s: &mut DrawScratch) {
    if (!ctx.lossless && ctx.tf.below_pixel(path.bbox, ctx.pixel))
        || !ctx.clip.intersects_bbox(ctx.tf.apply_bbox(path.bbox))
    {
        return;
    }
    let before = s.geom.len();
    push_line_parts(path, ctx, ctx.sq_tol, s);
    if !ctx.lossless || s.geom.len() != before {
        return;
    }
    if ctx.sq_tol > 0.0 {
        push_line_parts(path, ctx, 0.0, s);
    }
    if s.geom.len() == before {
        // Clipping leaves no part of two distinct points: a zero-length line inside the box.
        if let Some(&p) = s.simp.iter().find(|&&p| ctx.clip.contains(p)) {
            s.geom.push_unit_line(&[p], &ctx.clip);
        }
    }
}

/// Adds the parts of `path` simplified at `sq_tol` and clipped; at the max zoom a part that
/// rounds to one point is written as a unit line.
fn push_line_parts(path: &Path, ctx: &DrawCtx, sq_tol: f64, s: &mut DrawScratch) {
    simplified(path, &ctx.tf, sq_tol, &mut s.simp);
    s.clipped.clear();
    s.ends.clear();
    clip_line(&s.simp, &ctx.clip, &mut s.clipped, &mut s.ends);
    let mut start = 0;
    for &end in &s.ends {
        let part = &s.clipped[start..end];
        if !s.geom.push_line(part) && ctx.lossless {
            s.geom.push_unit_line(part, &ctx.clip);
        }
        start = end;
    }
}

/// Adds one clipped, simplified ring to `s.geom` (an exterior ring starts a polygon). At
/// the max zoom an exterior ring that touches the box is never lost: simplified away, it is
/// drawn with every vertex; collapsed on the tile grid, it becomes a unit square.
fn draw_ring(path: &Path, exterior: bool, ctx: &DrawCtx, s: &mut DrawScratch) {
    if !exterior && !s.geom.accepts_holes() {
        return;
    }
    if (!ctx.lossless && ctx.tf.below_pixel(path.bbox, ctx.pixel))
        || !ctx.clip.intersects_bbox(ctx.tf.apply_bbox(path.bbox))
    {
        if exterior {
            s.geom.skip_polygon();
        }
        return;
    }
    if push_ring_at(path, exterior, ctx, ctx.sq_tol, s) || !exterior {
        return;
    }
    s.geom.skip_polygon();
    if !ctx.lossless || (ctx.sq_tol > 0.0 && push_ring_at(path, true, ctx, 0.0, s)) {
        return;
    }
    s.geom.skip_polygon();
    let inside = |p: &&TilePoint| ctx.clip.contains(**p);
    if let Some(&p) = s.clipped.iter().find(inside).or(s.simp.iter().find(inside)) {
        s.geom.push_unit_square(p, &ctx.clip);
    }
}

/// Simplifies `path` at `sq_tol`, clips it and adds it as a ring; false if it degenerated.
fn push_ring_at(
    path: &Path,
    exterior: bool,
    ctx: &DrawCtx,
    sq_tol: f64,
    s: &mut DrawScratch,
) -> bool {
    simplified(path, &ctx.tf, sq_tol, &mut s.simp);
    s.clipped.clear();
    s.rings.clip_ring(&s.simp, &ctx.clip, &mut s.clipped) && s.geom.push_ring(&s.clipped, exterior)
}
