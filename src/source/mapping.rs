//! Field and value mapping (`[network.fields]`, `[network.values]`): a utility's own
//! attribute names and codes become the canonical ones the styles, legend, KPIs, traces and
//! the front end read (`current_state = "open"`, `device_type = "breaker"`, ...). The
//! canonical attribute is added beside the data's own, which stays as it was.

use std::collections::BTreeMap;
use std::sync::Arc;

use thiserror::Error;

use crate::model::{Field, FieldType, LayerData, Value};
use crate::settings::NetworkConfig;

/// Why a mapping cannot be applied.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum MappingError {
    /// `[network.fields.LAYER]` names a layer the data does not have.
    #[error("network.fields.{layer}: the data has no layer {layer:?} (layers: {known})")]
    UnknownLayer { layer: String, known: String },
    /// A mapped attribute is not in the layer.
    #[error(
        "network.fields.{layer}.{canonical}: layer {layer:?} has no attribute {field:?} \
         (attributes: {known})"
    )]
    UnknownField {
        layer: String,
        canonical: String,
        field: String,
        known: String,
    },
}

/// The text a value is matched by in `[network.values]`.
fn value_text(value: &Value) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Str(s) => s.to_string(),
    }
}

/// Applies `[network.fields]` and `[network.values]` to `layers`.
pub fn apply(layers: &mut [LayerData], network: &NetworkConfig) -> Result<(), MappingError> {
    for (layer_name, fields) in &network.fields {
        let known = layers
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let layer = layers
            .iter_mut()
            .find(|l| &l.name == layer_name)
            .ok_or_else(|| MappingError::UnknownLayer {
                layer: layer_name.clone(),
                known,
            })?;
        let values = network.values.get(layer_name);
        for (canonical, source) in fields {
            map_field(
                layer,
                canonical,
                source,
                values.and_then(|v| v.get(canonical)),
            )?;
        }
    }
    Ok(())
}

/// Adds (or replaces) `canonical` in `layer` with the values of `source`, translated by
/// `codes` when given.
fn map_field(
    layer: &mut LayerData,
    canonical: &str,
    source: &str,
    codes: Option<&BTreeMap<String, String>>,
) -> Result<(), MappingError> {
    let from = layer
        .field_index(source)
        .ok_or_else(|| MappingError::UnknownField {
            layer: layer.name.clone(),
            canonical: canonical.to_string(),
            field: source.to_string(),
            known: layer
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let kind = match codes {
        Some(_) => FieldType::String,
        None => layer.fields[from].kind,
    };
    let to = match layer.field_index(canonical) {
        Some(i) => {
            layer.fields[i].kind = kind;
            i
        }
        None => {
            layer.fields.push(Field::new(canonical, kind));
            for f in &mut layer.features {
                f.properties.push(None);
            }
            layer.fields.len() - 1
        }
    };
    // One shared string per distinct code.
    let interned: Option<BTreeMap<&str, Value>> = codes.map(|c| {
        c.iter()
            .map(|(k, v)| (k.as_str(), Value::Str(Arc::from(v.as_str()))))
            .collect()
    });
    for f in &mut layer.features {
        let value = f.properties.get(from).cloned().flatten();
        let mapped = match (&interned, value) {
            (Some(codes), Some(v)) => {
                let text = value_text(&v);
                Some(
                    codes
                        .get(text.as_str())
                        .cloned()
                        .unwrap_or_else(|| Value::Str(Arc::from(text.as_str()))),
                )
            }
            (None, v) => v,
            (Some(_), None) => None,
        };
        if let Some(slot) = f.properties.get_mut(to) {
            *slot = mapped;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use geo_types::{Geometry, Point};

    use super::*;
    use crate::model::Feature;

    fn switches() -> Vec<LayerData> {
        let mut l = LayerData::new(
            "switches",
            vec![
                Field::new("closed", FieldType::Bool),
                Field::new("type", FieldType::String),
            ],
        );
        for (i, (closed, kind)) in [(true, "CB"), (false, "LBS"), (true, "XYZ")]
            .into_iter()
            .enumerate()
        {
            l.features.push(Feature {
                id: i as u64 + 1,
                geometry: Geometry::Point(Point::new(0.0, 0.0)),
                properties: vec![Some(Value::Bool(closed)), Some(Value::from(kind))],
            });
        }
        vec![l]
    }

    fn config(toml: &str) -> NetworkConfig {
        toml::from_str(toml).unwrap()
    }

    #[test]
    fn fields_are_added_with_codes_translated_and_unknown_codes_kept() {
        let mut layers = switches();
        let net = config(
            r#"
            [fields.switches]
            current_state = "closed"
            device_type = "type"
            [values.switches.current_state]
            "true" = "closed"
            "false" = "open"
            [values.switches.device_type]
            CB = "breaker"
            LBS = "sectionalizer"
            "#,
        );
        apply(&mut layers, &net).unwrap();
        let l = &layers[0];
        let state = l.field_index("current_state").unwrap();
        let kind = l.field_index("device_type").unwrap();
        assert_eq!(l.fields[state].kind, FieldType::String);
        let text = |f: &Feature, i: usize| f.properties[i].as_ref().map(value_text);
        let got: Vec<_> = l
            .features
            .iter()
            .map(|f| (text(f, state), text(f, kind), text(f, 0)))
            .collect();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            got,
            vec![
                (s("closed"), s("breaker"), s("true")),
                (s("open"), s("sectionalizer"), s("false")),
                (s("closed"), s("XYZ"), s("true")),
            ]
        );
    }

    #[test]
    fn unknown_layers_and_fields_are_named() {
        let mut layers = switches();
        let err = apply(&mut layers, &config("[fields.breakers]\nnode_id = \"bus\"")).unwrap_err();
        assert!(
            err.to_string()
                .contains("no layer \"breakers\" (layers: switches)"),
            "{err}"
        );
        let err = apply(&mut layers, &config("[fields.switches]\nnode_id = \"bus\"")).unwrap_err();
        assert!(
            err.to_string()
                .contains("no attribute \"bus\" (attributes: closed, type)"),
            "{err}"
        );
    }
}
