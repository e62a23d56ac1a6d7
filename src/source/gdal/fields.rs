//! Attribute columns of a GDAL layer: which OGR field becomes which [`Field`], which one is
//! the feature id, and each value as a typed [`Value`].
//!
//! Integers (32 and 64 bit) load as `Int` (the `Boolean` subtype as `Bool`), reals as
//! `Float`, strings, dates, times and date-times as `String` (ISO 8601), lists as `String`
//! holding a JSON array; binary fields are left out. An integer field named `id` is the
//! feature id and is not an attribute; so is the FID when the FID column is named `id` (a
//! GeoPackage table whose primary key is `id`).

use gdal::vector::{Feature, FieldValue};
use gdal_sys::{OGRFieldSubType, OGRFieldType};

use crate::model::{Field, FieldType, Value};
use crate::source::file::builder::Interner;

/// How one OGR field loads.
#[derive(Clone, Debug)]
pub(super) struct Column {
    /// The OGR field index.
    pub index: usize,
    /// The field, as a layer attribute.
    pub field: Field,
}

/// Where a feature's id comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IdSource {
    /// The integer field of this OGR index, named `id`.
    Field(usize),
    /// The FID, whose column is named `id` (a GeoPackage table with an `id` primary key).
    Fid,
}

/// The columns of a layer definition.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// Attribute columns, in the layer's order.
    pub columns: Vec<Column>,
    /// Where explicit ids come from; `None`: the layer is numbered (`ids`).
    pub id: Option<IdSource>,
    /// Fields left out (binary), for a debug line.
    pub skipped: Vec<String>,
}

/// The plan of `layer`'s fields.
pub(super) fn plan(layer: &impl gdal::vector::LayerAccess) -> Plan {
    let mut plan = Plan::default();
    // Safe: the layer handle is valid; GDAL returns a string it owns (maybe empty).
    let fid_column = unsafe {
        let p = gdal_sys::OGR_L_GetFIDColumn(layer.c_layer());
        (!p.is_null()).then(|| std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned())
    };
    if fid_column.as_deref() == Some("id") {
        plan.id = Some(IdSource::Fid);
    }
    let layer_defn = layer.defn();
    for (index, defn) in layer_defn.fields().enumerate() {
        let name = defn.name();
        let ogr_type = defn.field_type();
        // Safe: the feature definition outlives this loop and `index` is one of its fields.
        let subtype = unsafe {
            let field = gdal_sys::OGR_FD_GetFieldDefn(layer_defn.c_defn(), index as i32);
            gdal_sys::OGR_Fld_GetSubType(field)
        };
        let is_integer =
            ogr_type == OGRFieldType::OFTInteger || ogr_type == OGRFieldType::OFTInteger64;
        if name == "id" && is_integer && plan.id.is_none() {
            plan.id = Some(IdSource::Field(index));
            continue;
        }
        match field_type(ogr_type, subtype) {
            Some(kind) => plan.columns.push(Column {
                index,
                field: Field::new(name, kind),
            }),
            None => plan.skipped.push(name),
        }
    }
    plan
}

/// The field type an OGR field loads as; `None` for binary fields.
fn field_type(ogr: OGRFieldType::Type, subtype: OGRFieldSubType::Type) -> Option<FieldType> {
    match ogr {
        OGRFieldType::OFTInteger if subtype == OGRFieldSubType::OFSTBoolean => {
            Some(FieldType::Bool)
        }
        OGRFieldType::OFTInteger | OGRFieldType::OFTInteger64 => Some(FieldType::Int),
        OGRFieldType::OFTReal => Some(FieldType::Float),
        OGRFieldType::OFTBinary => None,
        _ => Some(FieldType::String),
    }
}

/// The feature id from the `id` field: `Ok(None)` when null, an error when negative.
pub(super) fn id(feature: &Feature<'_>, index: usize) -> Result<Option<u64>, String> {
    match feature
        .field_as_integer64(index)
        .map_err(|e| format!("field \"id\": {e}"))?
    {
        None => Ok(None),
        Some(v) => u64::try_from(v)
            .map(Some)
            .map_err(|_| format!("field \"id\": negative id {v}")),
    }
}

/// The attribute values of `feature`, aligned with `plan.columns`.
pub(super) fn values(
    feature: &Feature<'_>,
    plan: &Plan,
    interner: &mut Interner,
) -> Result<Vec<Option<Value>>, String> {
    plan.columns
        .iter()
        .map(|c| {
            let value = feature
                .field(c.index)
                .map_err(|e| format!("field {:?}: {e}", c.field.name))?;
            Ok(value.and_then(|v| convert(v, c.field.kind, interner)))
        })
        .collect()
}

/// One value as its field's type (`None` for a NaN real: nothing to draw or filter on).
fn convert(value: FieldValue, kind: FieldType, interner: &mut Interner) -> Option<Value> {
    Some(match (kind, value) {
        (FieldType::Bool, FieldValue::IntegerValue(i)) => Value::Bool(i != 0),
        (_, FieldValue::IntegerValue(i)) => Value::Int(i64::from(i)),
        (_, FieldValue::Integer64Value(i)) => Value::Int(i),
        (_, FieldValue::RealValue(f)) if f.is_nan() => return None,
        (_, FieldValue::RealValue(f)) => Value::Float(f),
        (_, FieldValue::StringValue(s)) => interner.value(&s),
        (_, FieldValue::DateValue(d)) => interner.value(&d.to_string()),
        (_, FieldValue::DateTimeValue(t)) => {
            interner.value(&format!("{}T{}{}", t.date_naive(), t.time(), t.offset()))
        }
        (_, FieldValue::IntegerListValue(l)) => interner.value(&json_list(&l)),
        (_, FieldValue::Integer64ListValue(l)) => interner.value(&json_list(&l)),
        (_, FieldValue::RealListValue(l)) => interner.value(&json_list(&l)),
        (_, FieldValue::StringListValue(l)) => interner.value(&json_list(&l)),
    })
}

fn json_list<T: serde::Serialize>(list: &[T]) -> String {
    serde_json::to_string(list).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ogr_types_map_to_field_types() {
        let none = OGRFieldSubType::OFSTNone;
        assert_eq!(
            field_type(OGRFieldType::OFTInteger, none),
            Some(FieldType::Int)
        );
        assert_eq!(
            field_type(OGRFieldType::OFTInteger, OGRFieldSubType::OFSTBoolean),
            Some(FieldType::Bool)
        );
        assert_eq!(
            field_type(OGRFieldType::OFTInteger64, none),
            Some(FieldType::Int)
        );
        assert_eq!(
            field_type(OGRFieldType::OFTReal, none),
            Some(FieldType::Float)
        );
        assert_eq!(
            field_type(OGRFieldType::OFTDateTime, none),
            Some(FieldType::String)
        );
        assert_eq!(
            field_type(OGRFieldType::OFTStringList, none),
            Some(FieldType::String)
        );
        assert_eq!(field_type(OGRFieldType::OFTBinary, none), None);
    }

    #[test]
    fn values_convert() {
        let mut i = Interner::default();
        assert_eq!(
            convert(FieldValue::IntegerValue(1), FieldType::Bool, &mut i),
            Some(Value::Bool(true))
        );
        assert_eq!(
            convert(FieldValue::RealValue(f64::NAN), FieldType::Float, &mut i),
            None
        );
        assert_eq!(
            convert(
                FieldValue::IntegerListValue(vec![1, 2]),
                FieldType::String,
                &mut i
            ),
            Some(Value::from("[1,2]"))
        );
    }
}
