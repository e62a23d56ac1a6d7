//! Attribute type mapping: FlatGeobuf column types to and from [`FieldType`], and the type
//! inference lattice for schemaless GeoJSON properties.

use flatgeobuf::ColumnType;
use serde_json::Value as Json;

use crate::model::FieldType;

/// The field type a FlatGeobuf column loads as; `None` for columns that are skipped
/// (Binary, and unknown future column types).
pub(super) fn fgb_field_type(column: ColumnType) -> Option<FieldType> {
    match column {
        ColumnType::Bool => Some(FieldType::Bool),
        c if is_integer(c) => Some(FieldType::Int),
        ColumnType::Float | ColumnType::Double => Some(FieldType::Float),
        ColumnType::String | ColumnType::Json | ColumnType::DateTime => Some(FieldType::String),
        _ => None,
    }
}

/// Whether a FlatGeobuf column holds integers (and so may be the `id` column).
pub(super) fn is_integer(column: ColumnType) -> bool {
    matches!(
        column,
        ColumnType::Byte
            | ColumnType::UByte
            | ColumnType::Short
            | ColumnType::UShort
            | ColumnType::Int
            | ColumnType::UInt
            | ColumnType::Long
            | ColumnType::ULong
    )
}

/// The FlatGeobuf column type a field is written as.
pub(super) fn fgb_column_type(field: FieldType) -> ColumnType {
    match field {
        FieldType::Bool => ColumnType::Bool,
        FieldType::Int => ColumnType::Long,
        FieldType::Float => ColumnType::Double,
        FieldType::String => ColumnType::String,
    }
}

/// A column type's name for messages.
pub(super) fn column_type_name(column: ColumnType) -> String {
    column
        .variant_name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("column type {}", column.0))
}

/// What kind of JSON value a GeoJSON property holds (null has no kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum JsonKind {
    /// A number that fits an `i64`.
    Int,
    /// Any other number.
    Float,
    Bool,
    String,
    /// An array or object, kept as its JSON text.
    Json,
}

impl JsonKind {
    /// The kind of `value`, `None` for null.
    pub(super) fn of(value: &Json) -> Option<JsonKind> {
        match value {
            Json::Null => None,
            Json::Bool(_) => Some(JsonKind::Bool),
            Json::Number(n) if n.is_i64() => Some(JsonKind::Int),
            Json::Number(_) => Some(JsonKind::Float),
            Json::String(_) => Some(JsonKind::String),
            Json::Array(_) | Json::Object(_) => Some(JsonKind::Json),
        }
    }

    /// The kind a property has once it held both `self` and `other`; `None` when they cannot
    /// share a field (e.g. a number and a string).
    pub(super) fn merge(self, other: JsonKind) -> Option<JsonKind> {
        use JsonKind::*;
        match (self, other) {
            (a, b) if a == b => Some(a),
            (Int, Float) | (Float, Int) => Some(Float),
            (String, Json) | (Json, String) => Some(String),
            _ => None,
        }
    }

    /// The field type of a property of this kind.
    pub(super) fn field_type(self) -> FieldType {
        match self {
            JsonKind::Int => FieldType::Int,
            JsonKind::Float => FieldType::Float,
            JsonKind::Bool => FieldType::Bool,
            JsonKind::String | JsonKind::Json => FieldType::String,
        }
    }

    /// A name for messages.
    pub(super) fn describe(self) -> &'static str {
        match self {
            JsonKind::Int => "an integer",
            JsonKind::Float => "a number",
            JsonKind::Bool => "a boolean",
            JsonKind::String => "a string",
            JsonKind::Json => "an array/object",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fgb_mapping() {
        assert_eq!(fgb_field_type(ColumnType::UByte), Some(FieldType::Int));
        assert_eq!(fgb_field_type(ColumnType::ULong), Some(FieldType::Int));
        assert_eq!(fgb_field_type(ColumnType::Float), Some(FieldType::Float));
        assert_eq!(fgb_field_type(ColumnType::Json), Some(FieldType::String));
        assert_eq!(
            fgb_field_type(ColumnType::DateTime),
            Some(FieldType::String)
        );
        assert_eq!(fgb_field_type(ColumnType::Binary), None);
        assert_eq!(fgb_column_type(FieldType::Int), ColumnType::Long);
    }

    #[test]
    fn json_lattice() {
        let k = |v| JsonKind::of(&v);
        assert_eq!(k(json!(null)), None);
        assert_eq!(k(json!(1)), Some(JsonKind::Int));
        assert_eq!(k(json!(1.5)), Some(JsonKind::Float));
        assert_eq!(k(json!(u64::MAX)), Some(JsonKind::Float));
        assert_eq!(JsonKind::Int.merge(JsonKind::Float), Some(JsonKind::Float));
        assert_eq!(JsonKind::Int.merge(JsonKind::String), None);
        assert_eq!(JsonKind::Bool.merge(JsonKind::Int), None);
        assert_eq!(
            JsonKind::Json.merge(JsonKind::String),
            Some(JsonKind::String)
        );
    }
}
