//! What `gridtiles inspect` proposes for `[network]`: per served layer, the data's attributes
//! that look like the canonical ones (`[network.fields.LAYER]`, from names and types), and for
//! switch types and states the codes the data uses translated to canonical values
//! (`[network.values.LAYER.FIELD]`, from the values present).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{FieldType, LayerData, Value};

/// Canonical attribute, the name fragments that suggest it (lower case), and whether it
/// must be numeric — per served layer.
const FIELDS: &[(&str, &str, &[&str], bool)] = &[
    ("feeders", "feeder_id", &["feeder", "circuit", "fdr"], true),
    ("feeders", "voltage_kv", &["voltage", "kv"], true),
    ("switches", "normal_state", &["normal"], false),
    (
        "switches",
        "current_state",
        &["closed", "state", "position", "status", "open"],
        false,
    ),
    (
        "switches",
        "device_type",
        &["type", "kind", "device", "class"],
        false,
    ),
    ("transformers", "rating_kva", &["kva", "rating"], true),
    (
        "meters",
        "transformer_id",
        &["transformer", "xfmr", "trafo"],
        true,
    ),
    (
        "meters",
        "customer_class",
        &["class", "category", "rate"],
        false,
    ),
];

/// Distinct values looked at, at most, to propose code translations.
const MAX_CODES: usize = 24;

/// The `[network]` proposal for `layers` (already renamed to their served names), as TOML;
/// empty when nothing fits.
pub fn proposal(layers: &[LayerData]) -> String {
    let mut fields: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut values: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>> = BTreeMap::new();
    for layer in layers {
        let mut used = BTreeSet::new();
        for (served, canonical, words, numeric) in FIELDS {
            if layer.name != *served || layer.field_index(canonical).is_some() {
                continue;
            }
            let found = layer.fields.iter().enumerate().find(|(_, f)| {
                let lower = f.name.to_ascii_lowercase();
                let numeric_ok = !numeric || matches!(f.kind, FieldType::Int | FieldType::Float);
                let other_state = *canonical == "current_state" && lower.contains("normal");
                numeric_ok
                    && !other_state
                    && !used.contains(&f.name)
                    && words.iter().any(|w| lower.contains(w))
            });
            let Some((index, field)) = found else {
                continue;
            };
            // A state may also be the normal state's source (a single `closed` column).
            if *canonical != "normal_state" {
                used.insert(field.name.clone());
            }
            fields
                .entry(layer.name.clone())
                .or_default()
                .insert(canonical.to_string(), field.name.clone());
            if let Some(codes) = codes(layer, index, canonical, &field.name) {
                values
                    .entry(layer.name.clone())
                    .or_default()
                    .insert(canonical.to_string(), codes);
            }
        }
    }
    if fields.is_empty() {
        return String::new();
    }
    let mut network = toml::Table::new();
    network.insert(
        "fields".into(),
        toml::Value::try_from(&fields).unwrap_or(toml::Value::Table(Default::default())),
    );
    if !values.is_empty() {
        network.insert(
            "values".into(),
            toml::Value::try_from(&values).unwrap_or(toml::Value::Table(Default::default())),
        );
    }
    let mut doc = toml::Table::new();
    doc.insert("network".into(), toml::Value::Table(network));
    format!(
        "\n# Proposed: the data's attributes that look like the ones styles, traces and KPIs read,\n\
         # and the codes translated (check them: a guess from names and values).\n{}",
        toml::to_string(&doc).unwrap_or_default()
    )
}

/// The code translation proposed for a switch's type or state field, from its values.
fn codes(
    layer: &LayerData,
    index: usize,
    canonical: &str,
    source: &str,
) -> Option<BTreeMap<String, String>> {
    if !matches!(canonical, "device_type" | "current_state" | "normal_state") {
        return None;
    }
    let mut distinct = BTreeSet::new();
    for f in &layer.features {
        if let Some(v) = f.properties.get(index).cloned().flatten() {
            distinct.insert(match v {
                Value::Bool(b) => b.to_string(),
                Value::Int(i) => i.to_string(),
                Value::Float(x) => x.to_string(),
                Value::Str(s) => s.to_string(),
            });
            if distinct.len() > MAX_CODES {
                return None;
            }
        }
    }
    let says_open = source.to_ascii_lowercase().contains("open");
    let map: BTreeMap<String, String> = distinct
        .into_iter()
        .filter_map(|code| {
            let lower = code.to_ascii_lowercase();
            let canonical_value = if canonical == "device_type" {
                device_kind(&lower)
            } else {
                let truthy = matches!(lower.as_str(), "true" | "1" | "yes" | "y");
                let falsy = matches!(lower.as_str(), "false" | "0" | "no" | "n");
                match (truthy, falsy) {
                    (true, _) => {
                        if says_open {
                            "open"
                        } else {
                            "closed"
                        }
                    }
                    (_, true) => {
                        if says_open {
                            "closed"
                        } else {
                            "open"
                        }
                    }
                    _ if lower.contains("open") => "open",
                    _ if lower.contains("clos") => "closed",
                    _ => return None,
                }
            };
            (canonical_value != code).then(|| (code, canonical_value.to_string()))
        })
        .collect();
    (!map.is_empty()).then_some(map)
}

/// A switch type code's canonical device type.
fn device_kind(code: &str) -> &'static str {
    if code == "cb" || code.contains("breaker") || code.contains("brk") {
        "breaker"
    } else if code.contains("recl") {
        "recloser"
    } else if code.contains("fuse") || code.contains("cutout") {
        "fuse"
    } else if code.contains("sect") {
        "sectionalizer"
    } else if code.contains("tie") {
        "tie_switch"
    } else {
        "switch"
    }
}

#[cfg(test)]
mod tests {
    use geo_types::{Geometry, Point};

    use super::*;
    use crate::model::{Feature, Field};

    #[test]
    fn switch_type_and_state_columns_are_found_and_their_codes_translated() {
        let mut sw = LayerData::new(
            "switches",
            vec![
                Field::new("closed", FieldType::Bool),
                Field::new("type", FieldType::String),
            ],
        );
        for (i, (closed, kind)) in [(true, "CB"), (false, "LBS"), (true, "Fuse 40A")]
            .into_iter()
            .enumerate()
        {
            sw.features.push(Feature {
                id: i as u64,
                geometry: Geometry::Point(Point::new(0.0, 0.0)),
                properties: vec![Some(Value::Bool(closed)), Some(Value::from(kind))],
            });
        }
        let lines = LayerData::new(
            "feeders",
            vec![
                Field::new("circuit_no", FieldType::Int),
                Field::new("circuit_name", FieldType::String),
            ],
        );
        let text = proposal(&[sw, lines]);
        let config: crate::settings::Config = toml::from_str(&text).expect(&text);
        let net = &config.network;
        let f = |l: &str, c: &str| net.fields.get(l).and_then(|m| m.get(c)).map(String::as_str);
        assert_eq!(f("switches", "current_state"), Some("closed"));
        assert_eq!(f("switches", "normal_state"), None, "no `normal` column");
        assert_eq!(f("switches", "device_type"), Some("type"));
        assert_eq!(
            f("feeders", "feeder_id"),
            Some("circuit_no"),
            "numeric only"
        );
        let v = |c: &str| net.values["switches"][c].clone();
        assert_eq!(
            v("current_state"),
            [
                ("false".into(), "open".into()),
                ("true".into(), "closed".into())
            ]
            .into()
        );
        assert_eq!(
            v("device_type"),
            [
                ("CB".into(), "breaker".into()),
                ("Fuse 40A".into(), "fuse".into()),
                ("LBS".into(), "switch".into())
            ]
            .into()
        );
        assert!(net.problems().is_empty(), "{:?}", net.problems());
        assert_eq!(proposal(&[]), "");
    }
}
