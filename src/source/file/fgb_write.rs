//! Writing one layer as a FlatGeobuf file: validate, encode every feature into one buffer,
//! Hilbert-sort and index them (the flatgeobuf crate's packed R-tree), then write header,
//! index and features to a temporary file that is renamed into place.
//!
//! Everything is deterministic: no clocks, no hash-ordered iteration, a stable sort.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use flatgeobuf::packed_r_tree::{calc_extent, PackedRTree};
use flatgeobuf::GeometryType;

use super::fgb_encode::{self, FeatureEncoder, HeaderInfo};
use super::{geom, hilbert, LoadError};
use crate::model::LayerData;

/// The FlatGeobuf magic bytes, format version 3.
const MAGIC: [u8; 8] = [b'f', b'g', b'b', 3, b'f', b'g', b'b', 0];

/// Writes `layer` to `<dir>/<name>.fgb`.
pub(super) fn write_layer(dir: &Path, layer: &LayerData) -> Result<(), LoadError> {
    check_name(&layer.name).map_err(|r| LoadError::file(dir, r))?;
    let path = dir.join(format!("{}.fgb", layer.name));
    check_fields(layer).map_err(|r| LoadError::file(&path, r))?;
    let encoded =
        encode(layer).map_err(|(index, reason)| LoadError::feature(&path, index, reason))?;
    write_atomic(&path, &encoded).map_err(|e| LoadError::file(&path, format!("cannot write: {e}")))
}

/// A layer name must be usable as a file stem.
fn check_name(name: &str) -> Result<(), String> {
    let bad = name.is_empty()
        || name.starts_with('.')
        || name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    if bad {
        Err(format!("layer name {name:?} cannot be a file name"))
    } else {
        Ok(())
    }
}

fn check_fields(layer: &LayerData) -> Result<(), String> {
    if layer.fields.len() >= usize::from(u16::MAX) {
        return Err(format!("too many fields ({})", layer.fields.len()));
    }
    let mut seen = std::collections::HashSet::new();
    for f in &layer.fields {
        if f.name == "id" {
            return Err("field name \"id\" is reserved for the feature id column".to_string());
        }
        if !seen.insert(f.name.as_str()) {
            return Err(format!("field {:?} is declared twice", f.name));
        }
    }
    Ok(())
}

/// The layer's declared geometry type: the common type of all features, else `Unknown`.
fn layer_type(layer: &LayerData) -> GeometryType {
    let mut types = layer
        .features
        .iter()
        .map(|f| fgb_encode::geometry_type(&f.geometry));
    match types.next() {
        Some(first) if types.all(|t| t == first) => first,
        _ => GeometryType::Unknown,
    }
}

/// A whole encoded file, still in pieces.
pub(super) struct Encoded {
    header: Vec<u8>,
    index: Option<PackedRTree>,
    features: Vec<u8>,
    /// (start, end) in `features` of each feature, in output (Hilbert) order.
    order: Vec<(usize, usize)>,
}

/// Validates and encodes `layer`; errors carry the feature index.
pub(super) fn encode(layer: &LayerData) -> Result<Encoded, (usize, String)> {
    let geometry_type = layer_type(layer);
    let mut encoder = FeatureEncoder::new(geometry_type);
    let mut features = Vec::with_capacity(layer.features.len() * 64);
    let mut nodes = Vec::with_capacity(layer.features.len());
    let mut spans = Vec::with_capacity(layer.features.len());
    for (i, f) in layer.features.iter().enumerate() {
        geom::validate(&f.geometry).map_err(|r| (i, r))?;
        let start = features.len();
        let mut node = encoder
            .encode(
                f.id,
                &f.geometry,
                &layer.fields,
                &f.properties,
                &mut features,
            )
            .map_err(|r| (i, r))?;
        node.offset = i as u64;
        nodes.push(node);
        spans.push((start, features.len()));
    }
    let extent = calc_extent(&nodes);
    let mut index = None;
    let mut order = spans.clone();
    if !nodes.is_empty() {
        // Stable sort: features with equal Hilbert values keep their input order.
        hilbert::sort(&mut nodes, &extent);
        let mut offset = 0u64;
        for (slot, node) in order.iter_mut().zip(nodes.iter_mut()) {
            let span = spans[node.offset as usize];
            *slot = span;
            node.offset = offset;
            offset += (span.1 - span.0) as u64;
        }
        let tree = PackedRTree::build(&nodes, &extent, PackedRTree::DEFAULT_NODE_SIZE)
            .map_err(|e| (0, format!("cannot build the spatial index: {e}")))?;
        index = Some(tree);
    }
    let envelope =
        (!nodes.is_empty()).then_some([extent.min_x, extent.min_y, extent.max_x, extent.max_y]);
    let header = fgb_encode::header(&HeaderInfo {
        name: &layer.name,
        fields: &layer.fields,
        geometry_type,
        features: layer.features.len() as u64,
        envelope,
        index_node_size: if index.is_some() {
            PackedRTree::DEFAULT_NODE_SIZE
        } else {
            0
        },
    });
    Ok(Encoded {
        header,
        index,
        features,
        order,
    })
}

/// Writes to `.<name>.tmp` next to `path`, then renames; removes the temporary file on error.
fn write_atomic(path: &Path, encoded: &Encoded) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let result = write_file(&tmp, encoded).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

fn write_file(tmp: &Path, encoded: &Encoded) -> std::io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(tmp)?);
    write_to(&mut out, encoded)?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

/// Writes the whole file: magic bytes, header, index, features in index order.
fn write_to(out: &mut impl Write, encoded: &Encoded) -> std::io::Result<()> {
    out.write_all(&MAGIC)?;
    out.write_all(&encoded.header)?;
    if let Some(tree) = &encoded.index {
        tree.stream_write(out)?;
    }
    for &(start, end) in &encoded.order {
        out.write_all(&encoded.features[start..end])?;
    }
    Ok(())
}

/// `layer` as the bytes of a FlatGeobuf file (what [`write_layer`] writes); errors name the
/// feature index when one feature is at fault.
pub(super) fn layer_bytes(layer: &LayerData) -> Result<Vec<u8>, (Option<usize>, String)> {
    check_fields(layer).map_err(|r| (None, r))?;
    let encoded = encode(layer).map_err(|(i, r)| (Some(i), r))?;
    let mut out = Vec::with_capacity(
        MAGIC.len() + encoded.header.len() + encoded.features.len() + 40 * encoded.order.len(),
    );
    write_to(&mut out, &encoded).map_err(|e| (None, e.to_string()))?;
    Ok(out)
}
