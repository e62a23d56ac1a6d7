//! The static variant of a style (`/styles/{name}.json?client=static`): the same look with no
//! `feature-state`, for clients that read a style once and never receive live state (QGIS's
//! MapBox GL converter reads neither `feature-state` nor `coalesce` over it and falls back to
//! its default grey/red).
//!
//! Every live attribute `["coalesce", ["feature-state", k], ["get", k]]` becomes its `get`
//! branch, every highlight `["boolean", ["feature-state", k], default]` its default; then
//! conditions that became constants are folded away (`case` branches that can never or must
//! always be taken, `any` / `all` / `!` of literals), so what is left is an expression a
//! simple converter understands.
//!
//! [`static_variant`] goes further, for QGIS 3.22's converter, which reads only constants,
//! zoom ramps and plain filters: every data-driven value split into one layer per branch
//! ([`super::static_split`]) and every icon baked into a pre-coloured image of a sprite of
//! its own ([`super::tinted`]).

use serde_json::Value;

use super::tinted::{bake_icons, Tint};

/// What [`static_variant`] did.
#[derive(Debug)]
pub struct StaticVariant {
    /// Expressions that read feature-state.
    pub replaced: usize,
    /// Layers added by splitting.
    pub added_layers: usize,
    /// The icons of the tinted sprite the style now names (empty: the sprite is unchanged).
    pub tints: Vec<Tint>,
}

/// The static variant of the style named `name` (`dark` for `dark.json`): no feature-state
/// ([`make_static`]), constants per layer, pre-coloured icons.
pub fn static_variant(style: &mut Value, name: &str) -> StaticVariant {
    let replaced = make_static(style);
    let added_layers = super::static_split::split_layers(style);
    let tints = bake_icons(style, name);
    StaticVariant {
        replaced,
        added_layers,
        tints,
    }
}

/// Rewrites every layer of `style` to its static form; returns how many expressions
/// read feature-state before.
pub fn make_static(style: &mut Value) -> usize {
    let mut replaced = 0;
    if let Some(layers) = style.get_mut("layers").and_then(Value::as_array_mut) {
        for layer in layers {
            for part in ["paint", "layout", "filter"] {
                if let Some(v) = layer.get_mut(part) {
                    rewrite(v, &mut replaced);
                }
            }
        }
    }
    replaced
}

fn is_feature_state(v: &Value) -> bool {
    v.as_array().and_then(|a| a.first()).and_then(Value::as_str) == Some("feature-state")
}

/// Rewrites `v` bottom-up.
fn rewrite(v: &mut Value, replaced: &mut usize) {
    match v {
        Value::Object(map) => {
            for child in map.values_mut() {
                rewrite(child, replaced);
            }
        }
        Value::Array(items) => {
            let op = items.first().and_then(Value::as_str).map(str::to_owned);
            match op.as_deref() {
                Some("coalesce") => {
                    let before = items.len();
                    items.retain(|x| !is_feature_state(x));
                    *replaced += before - items.len();
                }
                Some("boolean") if items.get(1).is_some_and(is_feature_state) => {
                    *replaced += 1;
                    *v = items.get(2).cloned().unwrap_or(Value::Bool(false));
                    return;
                }
                Some("feature-state") => {
                    *replaced += 1;
                    *v = Value::Null;
                    return;
                }
                Some("literal") => return,
                _ => {}
            }
            for child in items.iter_mut().skip(1) {
                rewrite(child, replaced);
            }
            if let Some(folded) = fold(items) {
                *v = folded;
            }
        }
        _ => {}
    }
}

/// The constant-folded form of an expression whose arguments are already folded, if it
/// simplifies.
fn fold(items: &mut Vec<Value>) -> Option<Value> {
    let op = items.first()?.as_str()?.to_owned();
    match op.as_str() {
        // ["coalesce", x] is x.
        "coalesce" if items.len() == 2 => items.pop(),
        "!" => items.get(1)?.as_bool().map(|b| Value::Bool(!b)),
        "any" | "all" => {
            let absorbing = op == "any"; // `true` decides `any`, `false` decides `all`.
            if items[1..].iter().any(|x| x.as_bool() == Some(absorbing)) {
                return Some(Value::Bool(absorbing));
            }
            items.retain(|x| x.as_bool() != Some(!absorbing));
            match items.len() {
                1 => Some(Value::Bool(!absorbing)),
                2 => items.pop(),
                _ => None,
            }
        }
        "case" => {
            // ["case", c1, v1, c2, v2, ..., fallback]
            let mut out = vec![items[0].clone()];
            let mut rest = items.drain(1..).collect::<Vec<_>>().into_iter();
            while let Some(cond) = rest.next() {
                let Some(value) = rest.next() else {
                    out.push(cond); // the fallback
                    break;
                };
                match cond.as_bool() {
                    Some(false) => {}
                    Some(true) => {
                        out.push(value);
                        break;
                    }
                    None => {
                        out.push(cond);
                        out.push(value);
                    }
                }
            }
            if out.len() == 2 {
                return out.pop();
            }
            *items = out;
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live(k: &str) -> Value {
        json!(["coalesce", ["feature-state", k], ["get", k]])
    }

    #[test]
    fn live_attributes_become_gets_and_highlights_fold_away() {
        let traced = json!(["boolean", ["feature-state", "traced"], false]);
        let mut style = json!({"layers": [{
            "id": "x",
            "paint": {
                "circle-color": ["case", traced, "#F00", ["boolean", ["feature-state", "hover"], false], "#FFF",
                    ["==", live("status"), "fault"], "#E00", "#0F0"],
                "circle-opacity": ["case", ["any", ["==", live("status"), "off"], traced], 0.3, 1],
                "circle-radius": ["interpolate", ["linear"], ["zoom"], 5, 1, 16, 4]
            },
            "layout": {"icon-image": ["case", traced, "a", "b"]}
        }]});
        assert_eq!(make_static(&mut style), 6);
        let layer = &style["layers"][0];
        assert_eq!(
            layer["paint"]["circle-color"],
            json!(["case", ["==", ["get", "status"], "fault"], "#E00", "#0F0"])
        );
        assert_eq!(
            layer["paint"]["circle-opacity"],
            json!(["case", ["==", ["get", "status"], "off"], 0.3, 1])
        );
        assert_eq!(
            layer["paint"]["circle-radius"],
            json!(["interpolate", ["linear"], ["zoom"], 5, 1, 16, 4])
        );
        assert_eq!(layer["layout"]["icon-image"], json!("b"));
        assert!(!style.to_string().contains("feature-state"));
    }

    #[test]
    fn constant_conditions_fold() {
        let mut v = json!([
            "case",
            ["all", true, ["get", "a"]],
            1,
            ["!", true],
            2,
            true,
            3,
            4
        ]);
        let mut n = 0;
        rewrite(&mut v, &mut n);
        assert_eq!(v, json!(["case", ["get", "a"], 1, 3]));
        let mut v = json!(["any", false, ["get", "a"], ["get", "b"]]);
        rewrite(&mut v, &mut n);
        assert_eq!(v, json!(["any", ["get", "a"], ["get", "b"]]));
        let mut v = json!(["all", true, true]);
        rewrite(&mut v, &mut n);
        assert_eq!(v, json!(true));
        let mut v = json!(["literal", ["feature-state", "x"]]);
        rewrite(&mut v, &mut n);
        assert_eq!(v, json!(["literal", ["feature-state", "x"]]));
        assert_eq!(n, 0);
    }
}
