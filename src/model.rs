//! The source-side feature model: what every source (demo generator, files, PostgreSQL)
//! produces and what the index consumes.
//!
//! Geometry in a [`LayerData`] is WGS84 longitude/latitude. The index projects it once to
//! normalized Web Mercator (see [`crate::index`]); nothing downstream of the index sees lon/lat.

use std::sync::Arc;

use geo_types::Geometry;
use serde::Serialize;

/// A typed attribute value. Strings are shared (`Arc<str>`) so repeated values such as
/// `"residential"` or `"energized"` cost one allocation per distinct value, not per feature.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
}

impl Value {
    /// The field type this value belongs to.
    pub fn field_type(&self) -> FieldType {
        match self {
            Value::Bool(_) => FieldType::Bool,
            Value::Int(_) => FieldType::Int,
            Value::Float(_) => FieldType::Float,
            Value::Str(_) => FieldType::String,
        }
    }

    /// The value as JSON (used by health, asset and feature APIs).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(Arc::from(s))
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

/// The type of an attribute column. TileJSON `vector_layers.fields` reports these as
/// `Boolean`, `Number` or `String`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Bool,
    Int,
    Float,
    String,
}

impl FieldType {
    /// The TileJSON 3.0 type name of this field.
    pub fn tilejson_name(self) -> &'static str {
        match self {
            FieldType::Bool => "Boolean",
            FieldType::Int | FieldType::Float => "Number",
            FieldType::String => "String",
        }
    }
}

/// One attribute column of a layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
}

impl Field {
    pub fn new(name: impl Into<String>, kind: FieldType) -> Self {
        Field {
            name: name.into(),
            kind,
        }
    }
}

/// One feature: a stable id (unique across the whole grid), a geometry and its attribute
/// values, aligned with the owning layer's `fields` (`None` = null / absent).
#[derive(Clone, Debug, PartialEq)]
pub struct Feature {
    pub id: u64,
    pub geometry: Geometry<f64>,
    pub properties: Vec<Option<Value>>,
}

/// One layer as a source delivers it: a name (the MVT layer name), a schema and features.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayerData {
    pub name: String,
    pub fields: Vec<Field>,
    pub features: Vec<Feature>,
}

impl LayerData {
    pub fn new(name: impl Into<String>, fields: Vec<Field>) -> Self {
        LayerData {
            name: name.into(),
            fields,
            features: Vec::new(),
        }
    }

    /// Position of the field called `name`, if the layer has one.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}
