//! FlatGeobuf reading: file framing (magic bytes, header, spatial index, size-prefixed
//! features), CRS check, column plan. Features are decoded by [`super::fgb_decode`].
//!
//! The file is read into memory and walked with explicit bounds checks instead of
//! `flatgeobuf::FgbReader`, whose iterator silently stops at a truncation that falls on a
//! feature boundary and whose geozero readers index slices without bounds checks (a corrupt
//! file would panic). The FlatBuffers tables themselves are verified with the crate's
//! generated `size_prefixed_root_as_*` functions.

use std::path::Path;

use flatgeobuf::Header;

use super::builder::{Built, Interner, LayerBuilder};
use super::fgb_decode::{self, Column, Plan};
use super::{schema, LoadError, LoadOptions};
use crate::model::Field;

/// Bytes 0-2 and 4-6 of the magic; byte 3 is the format version.
const MAGIC: &[u8; 3] = b"fgb";
/// The newest FlatGeobuf format version understood.
const VERSION: u8 = 3;
/// Largest header accepted (same limit as the flatgeobuf crate).
const MAX_HEADER: usize = 10 * 1024 * 1024;
/// Bytes per node of the packed R-tree.
const NODE_BYTES: u64 = 40;

/// Loads the FlatGeobuf file at `path` as layer `name`; returns it with its skip count.
pub(super) fn read(path: &Path, name: String, options: LoadOptions) -> Result<Built, LoadError> {
    let buf =
        std::fs::read(path).map_err(|e| LoadError::file(path, format!("cannot read file: {e}")))?;
    let (header, header_end) = parse_header(&buf).map_err(|r| LoadError::file(path, r))?;
    check_crs(&header).map_err(|r| LoadError::file(path, r))?;
    let geometry_type = header.geometry_type();
    if !fgb_decode::is_supported(geometry_type) {
        return Err(LoadError::file(
            path,
            format!(
                "unsupported geometry type {}",
                fgb_decode::type_name(geometry_type)
            ),
        ));
    }
    let (columns, fields) = plan_columns(path, &header)?;
    let count = header.features_count();
    let index_bytes =
        index_size(count, header.index_node_size()).map_err(|r| LoadError::file(path, r))?;
    let mut offset = header_end
        .checked_add(usize::try_from(index_bytes).unwrap_or(usize::MAX))
        .filter(|&end| end <= buf.len())
        .ok_or_else(|| {
            LoadError::file(
                path,
                format!(
                    "truncated file: the spatial index needs {index_bytes} bytes after the header, \
                     the file has {}",
                    buf.len().saturating_sub(header_end)
                ),
            )
        })?;

    let capacity = usize::try_from(count).unwrap_or(0).min(buf.len() / 8);
    let mut builder = LayerBuilder::new(path, options, capacity);
    let mut interner = Interner::default();
    let mut index = 0usize;
    while offset < buf.len() && (count == 0 || (index as u64) < count) {
        let record = frame(&buf, offset).map_err(|r| LoadError::feature(path, index, r))?;
        let feature = flatgeobuf::size_prefixed_root_as_feature(record)
            .map_err(|e| format!("invalid feature record: {e}"))
            .and_then(|f| {
                fgb_decode::feature(&f, geometry_type, &columns, fields.len(), &mut interner)
            });
        builder.push(index, feature)?;
        offset += record.len();
        index += 1;
    }
    if count > 0 && (index as u64) < count {
        return Err(LoadError::feature(
            path,
            index,
            format!(
                "truncated file: the header declares {count} features, the file ends after {index}"
            ),
        ));
    }
    builder.finish(name, fields)
}

/// Checks the magic bytes and header size and verifies the header table; returns the header
/// and the offset just past it.
fn parse_header(buf: &[u8]) -> Result<(Header<'_>, usize), String> {
    let magic_ok =
        buf.len() >= 8 && &buf[0..3] == MAGIC && &buf[4..7] == MAGIC && buf[3] <= VERSION;
    if !magic_ok {
        return Err("not a FlatGeobuf file (bad magic bytes)".to_string());
    }
    let size = buf
        .get(8..12)
        .ok_or("truncated file: the header size is missing")?;
    let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
    if !(8..=MAX_HEADER).contains(&size) {
        return Err(format!("invalid header size {size}"));
    }
    let end = 12 + size;
    let header_buf = buf.get(8..end).ok_or_else(|| {
        format!(
            "truncated file: the header needs {size} bytes, the file has {}",
            buf.len() - 12
        )
    })?;
    let header = flatgeobuf::size_prefixed_root_as_header(header_buf)
        .map_err(|e| format!("invalid header: {e}"))?;
    Ok((header, end))
}

/// The size-prefixed feature record at `offset`, bounds-checked.
fn frame(buf: &[u8], offset: usize) -> Result<&[u8], String> {
    let rest = &buf[offset..];
    let Some(prefix) = rest.get(..4) else {
        return Err(format!(
            "truncated file: {} stray byte(s) where a feature should start",
            rest.len()
        ));
    };
    let size = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
    rest.get(..4 + size).ok_or_else(|| {
        format!(
            "truncated file: the feature needs {size} bytes at offset {}, only {} remain",
            offset + 4,
            rest.len() - 4
        )
    })
}

/// Size in bytes of the packed R-tree for `count` features (0 when there is none).
fn index_size(count: u64, node_size: u16) -> Result<u64, String> {
    if node_size == 0 || count == 0 {
        return Ok(0);
    }
    if node_size < 2 {
        return Err(format!("invalid spatial index node size {node_size}"));
    }
    // Leaves plus each level above them, up to a single root (even for a single leaf).
    let mut n = count;
    let mut nodes = n;
    loop {
        n = n.div_ceil(u64::from(node_size));
        nodes = nodes.saturating_add(n);
        if n <= 1 {
            break;
        }
    }
    Ok(nodes.saturating_mul(NODE_BYTES))
}

/// Rejects a declared CRS other than WGS84 lon/lat. An absent or unidentified CRS is
/// accepted; the coordinate range checks catch projected data.
fn check_crs(header: &Header) -> Result<(), String> {
    let Some(crs) = header.crs() else {
        return Ok(());
    };
    let org = crs.org().unwrap_or("EPSG");
    let code = match (crs.code(), crs.code_string()) {
        (0, None) => return Ok(()),
        (0, Some(s)) => s.trim().to_string(),
        (c, _) => c.to_string(),
    };
    let is_wgs84 = (org.eq_ignore_ascii_case("EPSG") && code == "4326")
        || (org.eq_ignore_ascii_case("OGC") && code.eq_ignore_ascii_case("CRS84"));
    if is_wgs84 || code.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "CRS {}:{code} is not supported; reproject to EPSG:4326",
            org.to_ascii_uppercase()
        ))
    }
}

/// What to do with each header column, and the layer fields they produce.
fn plan_columns(path: &Path, header: &Header) -> Result<(Vec<Column>, Vec<Field>), LoadError> {
    let mut columns = Vec::new();
    let mut fields: Vec<Field> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for column in header.columns().iter().flatten() {
        let name = column.name().to_string();
        let kind = column.type_();
        if !seen.insert(name.clone()) {
            return Err(LoadError::file(
                path,
                format!("column {name:?} is declared twice"),
            ));
        }
        let plan = if name == "id" {
            if !schema::is_integer(kind) {
                return Err(LoadError::file(
                    path,
                    format!(
                        "column \"id\" has type {}; feature ids must be integers",
                        schema::column_type_name(kind)
                    ),
                ));
            }
            Plan::Id
        } else if let Some(field_type) = schema::fgb_field_type(kind) {
            fields.push(Field::new(name.clone(), field_type));
            Plan::Field(fields.len() - 1)
        } else {
            tracing::warn!(
                path = %path.display(),
                column = %name,
                "skipping {} column {name:?}: not representable as a tile attribute",
                schema::column_type_name(kind)
            );
            Plan::Skip
        };
        columns.push(Column { name, kind, plan });
    }
    Ok((columns, fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flatgeobuf::{ColumnType, GeometryType};

    #[test]
    fn index_sizes_match_flatgeobuf() {
        for count in [1u64, 2, 15, 16, 17, 256, 257, 100_000] {
            let ours = index_size(count, 16).unwrap();
            let theirs =
                flatgeobuf::packed_r_tree::PackedRTree::index_size(count as usize, 16) as u64;
            assert_eq!(ours, theirs, "count {count}");
        }
        assert!(index_size(10, 1).is_err());
        assert_eq!(index_size(0, 16).unwrap(), 0);
    }

    #[test]
    fn column_type_is_known() {
        assert_eq!(schema::column_type_name(ColumnType::Binary), "Binary");
        assert!(!fgb_decode::is_supported(GeometryType::CircularString));
    }
}
