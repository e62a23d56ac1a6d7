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
use rayon::prelude::*;
use serde_json::{Map, Value as Json};

use super::builder::{Built, Interner, LayerBuilder, RawFeature};
use super::schema::JsonKind;
use super::{geojson_geom, geojson_locate, geojson_notes, geojson_split, LoadError, LoadOptions};
use crate::model::{Field, FieldType, Value};

/// A feature that passed the first pass, its properties still JSON.
struct Parsed<'a> {
    index: usize,
    id: Option<u64>,
    geometry: Geometry,
    properties: Option<&'a Map<String, Json>>,
}

/// Loads the GeoJSON file at `path` as layer `name`; returns it with its skip count.
///
/// A FeatureCollection's features are parsed and checked in parallel (split by
/// [`geojson_split`]); the kinds are merged in file order, so which feature a type conflict
/// rejects does not depend on the parallelism.
pub(super) fn read(path: &Path, name: String, options: LoadOptions) -> Result<Built, LoadError> {
    let bytes =
        std::fs::read(path).map_err(|e| LoadError::file(path, format!("cannot read file: {e}")))?;
    // A UTF-8 byte order mark is not JSON, but some editors write one.
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let features = match geojson_split::features(text) {
        Some(ranges) => parse_each(path, text, &ranges)?,
        None => {
            let root: Json = serde_json::from_slice(text).map_err(|e| {
                let reason = format!("invalid JSON: {e}");
                match geojson_locate::feature_at(text, e.line(), e.column()) {
                    Some(index) => LoadError::feature(path, index, reason),
                    None => LoadError::file(path, reason),
                }
            })?;
            into_features(root).map_err(|r| LoadError::file(path, r))?
        }
    };
    drop(bytes);

    // Pass 1: geometry, id and property kinds, each feature on its own (in parallel); then
    // in order, a feature whose property conflicts with the kinds seen so far is rejected
    // and does not change them.
    let checked: Vec<_> = features.par_iter().map(check).collect();
    let mut builder = LayerBuilder::new(path, options, features.len());
    let mut kinds: BTreeMap<&str, Option<JsonKind>> = BTreeMap::new();
    let mut parsed = Vec::with_capacity(features.len());
    let mut notes = geojson_notes::Notes::default();
    for (index, (feature, checked)) in features.iter().zip(checked).enumerate() {
        let merged = checked.and_then(|(p, own)| merge_kinds(&kinds, own).map(|u| (p, u)));
        match merged {
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

    // Pass 2: typed values, strings interned (per rayon job: a string may be held once per
    // job rather than once per file).
    let fields: Vec<Field> = kinds
        .iter()
        .map(|(name, kind)| {
            let kind = kind.map_or(FieldType::String, JsonKind::field_type);
            Field::new(*name, kind)
        })
        .collect();
    let converted: Vec<(usize, RawFeature)> = parsed
        .into_par_iter()
        .with_min_len(512)
        .map_init(Interner::default, |interner, p| {
            let raw = RawFeature {
                id: p.id,
                geometry: p.geometry,
                properties: values(&fields, p.properties, interner),
            };
            (p.index, raw)
        })
        .collect();
    for (index, raw) in converted {
        builder.accept(index, raw);
    }
    // The parsed JSON is freed on both cores: dropping a few hundred thousand maps took a
    // tenth of the load on one.
    features.into_par_iter().with_min_len(512).for_each(drop);
    builder.finish(name, fields)
}

/// The features of a parsed FeatureCollection, or the single Feature.
fn into_features(mut root: Json) -> Result<Vec<Json>, String> {
    match root.get("type").and_then(Json::as_str) {
        Some("FeatureCollection") => match root.get_mut("features").map(Json::take) {
            Some(Json::Array(features)) => Ok(features),
            _ => Err("FeatureCollection without a \"features\" array".to_string()),
        },
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

/// Parses the features at `ranges` of `text` in parallel; a syntax error names its feature
/// and its line and column in the file.
fn parse_each(
    path: &Path,
    text: &[u8],
    ranges: &[std::ops::Range<usize>],
) -> Result<Vec<Json>, LoadError> {
    let parsed: Vec<serde_json::Result<Json>> = ranges
        .par_iter()
        .with_min_len(256)
        .map(|r| serde_json::from_slice(&text[r.clone()]))
        .collect();
    let mut features = Vec::with_capacity(parsed.len());
    for (index, (result, range)) in parsed.into_iter().zip(ranges).enumerate() {
        match result {
            Ok(feature) => features.push(feature),
            Err(e) => {
                let reason = format!("invalid JSON: {}", in_file(text, range.start, &e));
                return Err(LoadError::feature(path, index, reason));
            }
        }
    }
    Ok(features)
}

/// `e` (an error in the text starting at byte `start` of `text`) with the line and column
/// in the whole text, as a whole-document parse reports them.
fn in_file(text: &[u8], start: usize, e: &serde_json::Error) -> String {
    let before = &text[..start];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let column = start
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |n| n + 1);
    let (line, column) = if e.line() <= 1 {
        (line, column + e.column())
    } else {
        (line + e.line() - 1, e.column())
    };
    let message = e.to_string();
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m);
    format!("{message} at line {line} column {column}")
}

/// Kinds of a feature's properties: (property, kind or `None` for null).
type KindUpdates<'a> = Vec<(&'a str, Option<JsonKind>)>;

/// Checks one feature on its own; returns it (index unset) with its properties' kinds.
fn check(feature: &Json) -> Result<(Parsed<'_>, KindUpdates<'_>), String> {
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
    let own = properties
        .into_iter()
        .flatten()
        .filter(|(key, _)| key.as_str() != "id")
        .map(|(key, value)| (key.as_str(), JsonKind::of(value)))
        .collect();
    let parsed = Parsed {
        index: 0,
        id,
        geometry,
        properties,
    };
    Ok((parsed, own))
}

/// A feature's property kinds merged with the kinds seen so far, or why they conflict.
fn merge_kinds<'a>(
    kinds: &BTreeMap<&str, Option<JsonKind>>,
    own: KindUpdates<'a>,
) -> Result<KindUpdates<'a>, String> {
    own.into_iter()
        .map(|(key, kind)| {
            let merged = match (kinds.get(key).copied().flatten(), kind) {
                (Some(old), Some(new)) => Some(old.merge(new).ok_or_else(|| {
                    format!(
                        "property {key:?} is {} here but {} in earlier features",
                        new.describe(),
                        old.describe()
                    )
                })?),
                (old, new) => new.or(old),
            };
            Ok((key, merged))
        })
        .collect()
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

/// The values of `properties` for `fields` (both sorted by name: one merge, no lookups).
fn values(
    fields: &[Field],
    properties: Option<&Map<String, Json>>,
    interner: &mut Interner,
) -> Vec<Option<Value>> {
    let mut out = vec![None; fields.len()];
    let mut f = 0;
    for (key, value) in properties.into_iter().flatten() {
        while f < fields.len() && fields[f].name.as_str() < key.as_str() {
            f += 1;
        }
        match fields.get(f) {
            Some(field) if field.name == *key => out[f] = convert(value, field.kind, interner),
            Some(_) => {}
            None => break,
        }
    }
    out
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

    #[test]
    fn a_feature_error_is_placed_as_a_whole_document_parse_places_it() {
        let feature = r#"{"type": "Feature", "properties": {"v": 1}, "geometry": null}"#;
        for bad in [
            "{\"type\": \"Feature\", \"properties\": {\"v\": NaN}}",
            "{\"type\": \"Feature\",\n  \"properties\": {\"v\": 1e999}}",
            "{\"type\": \"Feature\", properties: {}}",
        ] {
            let text = format!(
                "{{\"type\": \"FeatureCollection\",\n \"features\": [\n  {feature},\n  {feature}, {bad}\n]}}"
            );
            let whole = serde_json::from_str::<Json>(&text).unwrap_err().to_string();
            let ranges = geojson_split::features(text.as_bytes()).expect("split");
            assert_eq!(ranges.len(), 3);
            let third = &text.as_bytes()[ranges[2].clone()];
            let e = serde_json::from_slice::<Json>(third).unwrap_err();
            assert_eq!(
                in_file(text.as_bytes(), ranges[2].start, &e),
                whole,
                "{bad}"
            );
        }
    }

    #[test]
    fn properties_are_read_by_name_whatever_their_order() {
        // `values` merges sorted fields with the map's entries: serde_json's maps must
        // iterate by key (its `preserve_order` feature would break this).
        let map: Map<String, Json> =
            serde_json::from_str(r#"{"z": 1, "id": 4, "b": "x", "a": true, "m": null}"#).unwrap();
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a", "b", "id", "m", "z"]);
        let fields = [
            Field::new("a", FieldType::Bool),
            Field::new("b", FieldType::String),
            Field::new("c", FieldType::Int),
            Field::new("m", FieldType::Int),
            Field::new("z", FieldType::Int),
        ];
        let got = values(&fields, Some(&map), &mut Interner::default());
        assert_eq!(
            got,
            [
                Some(Value::Bool(true)),
                Some(Value::Str("x".into())),
                None,
                None,
                Some(Value::Int(1))
            ]
        );
    }
}
