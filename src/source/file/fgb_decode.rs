//! Decoding one verified FlatGeobuf feature table into a [`RawFeature`]: geometry (flat `xy`
//! arrays split by `ends`, `parts` for multi-polygons and collections) and the properties
//! byte blob, all with bounds checks so that no input can panic.

use flatgeobuf::{ColumnType, GeometryType};
use geo_types::{Coord, Geometry, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};

use super::builder::{Interner, RawFeature};
use super::geom;
use crate::model::Value;

/// One header column and what loading does with it.
pub(super) struct Column {
    pub name: String,
    pub kind: ColumnType,
    pub plan: Plan,
}

/// What a column becomes.
#[derive(Clone, Copy)]
pub(super) enum Plan {
    /// The feature id.
    Id,
    /// The layer field at this position.
    Field(usize),
    /// Dropped (binary data).
    Skip,
}

/// Whether features of this declared type can be decoded (`Unknown` = per-feature types).
pub(super) fn is_supported(ty: GeometryType) -> bool {
    (GeometryType::Unknown.0..=GeometryType::GeometryCollection.0).contains(&ty.0)
}

/// A geometry type's name for messages.
pub(super) fn type_name(ty: GeometryType) -> String {
    ty.variant_name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("geometry type {}", ty.0))
}

/// Decodes one feature of a layer whose header declares `ty`.
pub(super) fn feature(
    f: &flatgeobuf::Feature,
    ty: GeometryType,
    columns: &[Column],
    field_count: usize,
    interner: &mut Interner,
) -> Result<RawFeature, String> {
    let g = f.geometry().ok_or("missing geometry")?;
    let ty = if ty == GeometryType::Unknown {
        g.type_()
    } else {
        ty
    };
    let geometry = geometry(&g, ty)?;
    let mut properties = vec![None; field_count];
    let mut id = None;
    if let Some(bytes) = f.properties() {
        decode_properties(bytes.bytes(), columns, &mut properties, &mut id, interner)?;
    }
    Ok(RawFeature {
        id,
        geometry,
        properties,
    })
}

fn geometry(g: &flatgeobuf::Geometry, ty: GeometryType) -> Result<Geometry, String> {
    match ty {
        GeometryType::Point => match coords(g)?.as_slice() {
            [c] => Ok(Point(*c).into()),
            [] => Err("empty Point".to_string()),
            more => Err(format!("Point with {} coordinates", more.len())),
        },
        GeometryType::MultiPoint => {
            let c = coords(g)?;
            geom::non_empty(c.len(), "MultiPoint")?;
            Ok(MultiPoint(c.into_iter().map(Point).collect()).into())
        }
        GeometryType::LineString => Ok(geom::line_string(coords(g)?)?.into()),
        GeometryType::MultiLineString => {
            let lines = split(g, coords(g)?)?
                .into_iter()
                .enumerate()
                .map(|(i, c)| geom::line_string(c).map_err(|r| format!("line {i}: {r}")))
                .collect::<Result<Vec<_>, _>>()?;
            geom::non_empty(lines.len(), "MultiLineString")?;
            Ok(MultiLineString(lines).into())
        }
        GeometryType::Polygon => Ok(polygon(g)?.into()),
        GeometryType::MultiPolygon => {
            let parts = g.parts().ok_or("MultiPolygon without parts")?;
            let polygons = parts
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(&p).map_err(|r| format!("polygon {i}: {r}")))
                .collect::<Result<Vec<_>, _>>()?;
            geom::non_empty(polygons.len(), "MultiPolygon")?;
            Ok(MultiPolygon(polygons).into())
        }
        GeometryType::GeometryCollection => {
            let parts = g.parts().ok_or("GeometryCollection without parts")?;
            let members = parts
                .iter()
                .enumerate()
                .map(|(i, p)| geometry(&p, p.type_()).map_err(|r| format!("member {i}: {r}")))
                .collect::<Result<Vec<_>, _>>()?;
            geom::non_empty(members.len(), "GeometryCollection")?;
            Ok(Geometry::GeometryCollection(geo_types::GeometryCollection(
                members,
            )))
        }
        GeometryType::Unknown => Err("geometry without a type".to_string()),
        other => Err(format!("unsupported geometry type {}", type_name(other))),
    }
}

/// The validated coordinates of the flat `xy` array.
fn coords(g: &flatgeobuf::Geometry) -> Result<Vec<Coord>, String> {
    let Some(xy) = g.xy() else {
        return Ok(Vec::new());
    };
    let bytes = xy.bytes();
    if bytes.len() % 16 != 0 {
        return Err(format!("odd number of xy values ({})", bytes.len() / 8));
    }
    bytes
        .chunks_exact(16)
        .map(|c| {
            let (x, y) = c.split_at(8);
            let x = f64::from_le_bytes(x.try_into().unwrap_or_default());
            let y = f64::from_le_bytes(y.try_into().unwrap_or_default());
            geom::coord(x, y)
        })
        .collect()
}

/// Splits coordinates into parts at the `ends` offsets (absent or single = one part).
fn split(g: &flatgeobuf::Geometry, coords: Vec<Coord>) -> Result<Vec<Vec<Coord>>, String> {
    let ends = match g.ends() {
        Some(ends) if ends.len() > 1 => ends,
        _ => return Ok(vec![coords]),
    };
    let mut parts = Vec::with_capacity(ends.len());
    let mut start = 0usize;
    for end in ends.iter() {
        let end = end as usize;
        if end <= start || end > coords.len() {
            return Err(format!(
                "invalid part end {end} (previous {start}, {} points)",
                coords.len()
            ));
        }
        parts.push(coords[start..end].to_vec());
        start = end;
    }
    if start != coords.len() {
        return Err(format!("parts cover {start} of {} points", coords.len()));
    }
    Ok(parts)
}

fn polygon(g: &flatgeobuf::Geometry) -> Result<Polygon, String> {
    let rings = split(g, coords(g)?)?
        .into_iter()
        .enumerate()
        .map(|(i, c)| geom::ring(c, i))
        .collect::<Result<Vec<_>, _>>()?;
    geom::polygon(rings)
}

/// A property value as stored, before mapping to a field.
enum Raw<'a> {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
    Binary,
}

/// Decodes the properties blob: (u16 column index, value)*.
fn decode_properties(
    bytes: &[u8],
    columns: &[Column],
    properties: &mut [Option<Value>],
    id: &mut Option<u64>,
    interner: &mut Interner,
) -> Result<(), String> {
    let mut off = 0;
    // `off + 1 <`: tolerate the stray trailing byte some writers leave after binary values.
    while off + 1 < bytes.len() {
        let col = u16::from_le_bytes(take::<2>(bytes, &mut off)?) as usize;
        let column = columns.get(col).ok_or_else(|| {
            format!(
                "property refers to column {col}; the header declares {}",
                columns.len()
            )
        })?;
        let raw = read_raw(bytes, &mut off, column.kind)
            .map_err(|r| format!("column {:?}: {r}", column.name))?;
        match column.plan {
            Plan::Skip => {}
            Plan::Id => *id = Some(to_id(raw)?),
            Plan::Field(i) => {
                let value = to_value(raw, interner)
                    .map_err(|r| format!("column {:?}: {r}", column.name))?;
                if let Some(slot) = properties.get_mut(i) {
                    *slot = Some(value);
                }
            }
        }
    }
    Ok(())
}

fn take<const N: usize>(bytes: &[u8], off: &mut usize) -> Result<[u8; N], String> {
    let chunk = bytes
        .get(*off..*off + N)
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .ok_or("truncated property value")?;
    *off += N;
    Ok(chunk)
}

fn take_slice<'a>(bytes: &'a [u8], off: &mut usize) -> Result<&'a [u8], String> {
    let len = u32::from_le_bytes(take::<4>(bytes, off)?) as usize;
    let slice = bytes
        .get(*off..off.saturating_add(len))
        .ok_or("truncated property value")?;
    *off += len;
    Ok(slice)
}

fn read_raw<'a>(bytes: &'a [u8], off: &mut usize, kind: ColumnType) -> Result<Raw<'a>, String> {
    Ok(match kind {
        ColumnType::Bool => Raw::Bool(take::<1>(bytes, off)?[0] != 0),
        ColumnType::Byte => Raw::Int(i8::from_le_bytes(take(bytes, off)?).into()),
        ColumnType::UByte => Raw::Int(u8::from_le_bytes(take(bytes, off)?).into()),
        ColumnType::Short => Raw::Int(i16::from_le_bytes(take(bytes, off)?).into()),
        ColumnType::UShort => Raw::Int(u16::from_le_bytes(take(bytes, off)?).into()),
        ColumnType::Int => Raw::Int(i32::from_le_bytes(take(bytes, off)?).into()),
        ColumnType::UInt => Raw::Int(u32::from_le_bytes(take(bytes, off)?).into()),
        ColumnType::Long => Raw::Int(i64::from_le_bytes(take(bytes, off)?)),
        ColumnType::ULong => Raw::UInt(u64::from_le_bytes(take(bytes, off)?)),
        ColumnType::Float => Raw::Float(f32::from_le_bytes(take(bytes, off)?).into()),
        ColumnType::Double => Raw::Float(f64::from_le_bytes(take(bytes, off)?)),
        ColumnType::String | ColumnType::Json | ColumnType::DateTime => {
            let s = take_slice(bytes, off)?;
            Raw::Str(std::str::from_utf8(s).map_err(|e| format!("invalid UTF-8: {e}"))?)
        }
        ColumnType::Binary => {
            take_slice(bytes, off)?;
            Raw::Binary
        }
        other => return Err(format!("unknown column type {}", other.0)),
    })
}

fn to_id(raw: Raw) -> Result<u64, String> {
    match raw {
        Raw::Int(v) if v < 0 => Err(format!("negative id {v}")),
        Raw::Int(v) => Ok(v as u64),
        Raw::UInt(v) => Ok(v),
        _ => Err("id is not an integer".to_string()),
    }
}

fn to_value(raw: Raw, interner: &mut Interner) -> Result<Value, String> {
    Ok(match raw {
        Raw::Bool(b) => Value::Bool(b),
        Raw::Int(v) => Value::Int(v),
        Raw::UInt(v) => Value::Int(
            i64::try_from(v).map_err(|_| format!("value {v} exceeds the Int range (i64::MAX)"))?,
        ),
        Raw::Float(v) => Value::Float(v),
        Raw::Str(s) => interner.value(s),
        Raw::Binary => return Err("binary values are not supported".to_string()),
    })
}
