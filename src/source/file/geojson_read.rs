//! GeoJSON reading: a FeatureCollection (or a single Feature) becomes one layer.
//!
//! GeoJSON has no schema, so field types are inferred over the whole file in a first pass
//! (see [`JsonKind`]); the second pass converts the values. Fields are sorted by name: JSON
//! object member order is not significant and the parser does not keep it. The `id` comes from
//! the Feature's top-level `"id"` member, else from an `"id"` property; the `id` property is
//! never a field.

use std::collections::BTreeMap;
use std::path::Path;

use geo_types::Geometry;
use serde_json::{Map, Value as Json};

use super::builder::{Built, Interner, LayerBuilder, RawFeature};
use super::schema::JsonKind;
use super::{geojson_geom, geojson_locate, geojson_notes, LoadError, LoadOptions};
use crate::model::{Field, FieldType, Value};

/// A feature that passed the first pass, its properties still JSON.
struct Parsed<'a> {
    index: usize,
    id: Option<u64>,
    geometry: Geometry,
    properties: Option<&'a Map<String, Json>>,
}

/// Loads the GeoJSON file at `path` as layer `name`; returns it with its skip count.
pub(super) fn read(path: &Path, name: String, options: LoadOptions) -> Result<Built, LoadError> {
    let bytes =
        std::fs::read(path).map_err(|e| LoadError::file(path, format!("cannot read file: {e}")))?;
    // A UTF-8 byte order mark is not JSON, but some editors write one.
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let root: Json = serde_json::from_slice(text).map_err(|e| {
        let reason = format!("invalid JSON: {e}");
        match geojson_locate::feature_at(text, e.line(), e.column()) {
            Some(index) => LoadError::feature(path, index, reason),
            None => LoadError::file(path, reason),
        }
    })?;
    drop(bytes);
    let features = top_level_features(&root).map_err(|r| LoadError::file(path, r))?;

    // Pass 1: geometry, id and property kinds; a feature whose property conflicts with the
    // kinds seen so far is rejected and does not change them.
    let mut builder = LayerBuilder::new(path, options, features.len());
    let mut kinds: BTreeMap<&str, Option<JsonKind>> = BTreeMap::new();
    let mut parsed = Vec::with_capacity(features.len());
    let mut notes = geojson_notes::Notes::default();
    for (index, feature) in features.iter().enumerate() {
        match first_pass(feature, &kinds) {
            Ok((p, updates)) => {
                notes.record(feature, &p.geometry);
                for (key, kind) in updates {
                    let slot = kinds.entry(key).or_insert(None);
                    if kind.is_some() {
                        *slot = kind;
                    }
                }
                parsed.push(Parsed { index, ..p });
            }
            Err(reason) => builder.reject(index, reason)?,
        }
    }

    notes.warn(path);

    // Pass 2: typed values, strings interned.
    let fields: Vec<Field> = kinds
        .iter()
        .map(|(name, kind)| {
            let kind = kind.map_or(FieldType::String, JsonKind::field_type);
            Field::new(*name, kind)
        })
        .collect();
    let mut interner = Interner::default();
    for p in parsed {
        let properties = fields
            .iter()
            .map(|f| {
                let value = p.properties.and_then(|m| m.get(&f.name));
                value.and_then(|v| convert(v, f.kind, &mut interner))
            })
            .collect();
        let raw = RawFeature {
            id: p.id,
            geometry: p.geometry,
            properties,
        };
        builder.accept(p.index, raw);
    }
    builder.finish(name, fields)
}

/// The features of a FeatureCollection, or the single Feature.
fn top_level_features(root: &Json) -> Result<Vec<&Json>, String> {
    match root.get("type").and_then(Json::as_str) {
        Some("FeatureCollection") => root
            .get("features")
            .and_then(Json::as_array)
            .map(|a| a.iter().collect())
            .ok_or_else(|| "FeatureCollection without a \"features\" array".to_string()),
        Some("Feature") => Ok(vec![root]),
        Some(other) => Err(format!(
            "GeoJSON {other:?} is not a FeatureCollection or Feature"
        )),
        None => Err(
            "not GeoJSON: expected an object with \"type\": \"FeatureCollection\" or \"Feature\""
                .to_string(),
        ),
    }
}

/// Kind updates a feature brings: (property, kind or `None` for null).
type KindUpdates<'a> = Vec<(&'a str, Option<JsonKind>)>;

/// Checks one feature; returns it (index unset) with the kinds its properties add.
fn first_pass<'a>(
    feature: &'a Json,
    kinds: &BTreeMap<&str, Option<JsonKind>>,
) -> Result<(Parsed<'a>, KindUpdates<'a>), String> {
    let obj = feature.as_object().ok_or("feature is not a JSON object")?;
    if obj.get("type").and_then(Json::as_str) != Some("Feature") {
        return Err("expected an object with \"type\": \"Feature\"".to_string());
    }
    let geometry = geojson_geom::parse(obj.get("geometry"))?;
    let properties = match obj.get("properties") {
        None | Some(Json::Null) => None,
        Some(Json::Object(m)) => Some(m),
        Some(_) => return Err("\"properties\" is not an object".to_string()),
    };
    let id = feature_id(obj.get("id"), properties.and_then(|m| m.get("id")))?;
    let mut updates = Vec::new();
    for (key, value) in properties.into_iter().flatten() {
        if key == "id" {
            continue;
        }
        let kind = JsonKind::of(value);
        let merged = match (kinds.get(key.as_str()).copied().flatten(), kind) {
            (Some(old), Some(new)) => Some(old.merge(new).ok_or_else(|| {
                format!(
                    "property {key:?} is {} here but {} in earlier features",
                    new.describe(),
                    old.describe()
                )
            })?),
            (old, new) => new.or(old),
        };
        updates.push((key.as_str(), merged));
    }
    let parsed = Parsed {
        index: 0,
        id,
        geometry,
        properties,
    };
    Ok((parsed, updates))
}

/// The feature id from the top-level member or the `id` property (which must agree).
fn feature_id(top: Option<&Json>, property: Option<&Json>) -> Result<Option<u64>, String> {
    let top = top.map(id_value).transpose()?.flatten();
    let property = property.map(id_value).transpose()?.flatten();
    match (top, property) {
        (Some(a), Some(b)) if a != b => {
            Err(format!("top-level id {a} and property id {b} disagree"))
        }
        (a, b) => Ok(a.or(b)),
    }
}

fn id_value(value: &Json) -> Result<Option<u64>, String> {
    match value {
        Json::Null => Ok(None),
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(id), _) => Ok(Some(id)),
            (None, Some(neg)) => Err(format!("negative id {neg}")),
            _ => Err(format!("id {n} is not an integer")),
        },
        other => Err(format!("id {other} is not an integer")),
    }
}

/// A JSON property value as a value of a field of type `kind` (`None` for null).
fn convert(value: &Json, kind: FieldType, interner: &mut Interner) -> Option<Value> {
    match (value, kind) {
        (Json::Null, _) => None,
        (Json::Bool(b), FieldType::Bool) => Some(Value::Bool(*b)),
        (Json::Number(n), FieldType::Int) => n.as_i64().map(Value::Int),
        (Json::Number(n), FieldType::Float) => n.as_f64().map(Value::Float),
        (Json::String(s), FieldType::String) => Some(interner.value(s)),
        (other, FieldType::String) => Some(interner.value(&other.to_string())),
        // Unreachable after inference: the first pass rejected features that disagree.
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids() {
        assert_eq!(feature_id(Some(&json!(7)), None), Ok(Some(7)));
        assert_eq!(feature_id(None, Some(&json!(8))), Ok(Some(8)));
        assert_eq!(feature_id(Some(&json!(null)), None), Ok(None));
        assert_eq!(feature_id(Some(&json!(7)), Some(&json!(7))), Ok(Some(7)));
        assert!(feature_id(Some(&json!(7)), Some(&json!(8)))
            .unwrap_err()
            .contains("disagree"));
        assert_eq!(
            feature_id(Some(&json!(-3)), None),
            Err("negative id -3".into())
        );
        assert!(feature_id(Some(&json!(1.5)), None)
            .unwrap_err()
            .contains("not an integer"));
        assert!(feature_id(Some(&json!("a-1")), None)
            .unwrap_err()
            .contains("not an integer"));
    }
}
