//! One layer per branch: the data-driven values of a static style's layers (a colour by
//! `case` / `match` / `step`, an icon chosen by `match`, a label read by `coalesce`) split
//! into layers whose filters select the branch and whose values are constants, so a
//! converter that reads only constants, zoom ramps and plain filters (QGIS 3.22) draws what
//! MapLibre draws.
//!
//! A layer is split on its first branching expression (paint, then layout); inside a branch
//! the branch's condition is a known fact, which decides the same and related conditions of
//! the layer's other values (`status == fault` decides `status == open`, `h >= 70` decides
//! `h < 40`), so the layers multiply only by the combinations that exist. A branch whose
//! condition contradicts the facts is dropped, and so is a layer made invisible by a
//! constant zero opacity. Conditions are rewritten by [`super::conditions`]; an expression
//! it cannot rewrite is left as it is. Last, an `icon-size` zoom ramp (which QGIS 3.22
//! skips) becomes one layer per zoom level with the ramp's value there ([`BANDED`]).

use serde_json::{json, Value};

use super::conditions::{self as cond, all, any, get_key, negate, op, Facts};

/// Most layers one style layer is split into; past it the rest stays data-driven.
pub const MAX_SPLIT: usize = 64;

/// Splits every layer of `style`; returns how many layers were added.
pub fn split_layers(style: &mut Value) -> usize {
    let Some(layers) = style.get_mut("layers").and_then(Value::as_array_mut) else {
        return 0;
    };
    let before = layers.len();
    let mut out = Vec::with_capacity(before);
    for layer in layers.drain(..) {
        let mut parts = Vec::new();
        let filter = match layer.get("filter") {
            None => Some(Value::Bool(true)),
            Some(f) => cond::normalize(f),
        };
        match (filter, layer.get("source").is_some()) {
            (Some(filter), true) => {
                let mut layer = layer;
                set_filter(&mut layer, filter.clone());
                split(layer, &Facts::default().with(&filter), &mut parts);
                let many = parts.len() > 1;
                for (i, mut part) in parts.into_iter().enumerate() {
                    if many {
                        let id = part.get("id").and_then(Value::as_str).unwrap_or("layer");
                        part["id"] = json!(format!("{id}/{i}"));
                    }
                    out.push(part);
                }
            }
            (_, _) => out.push(layer),
        }
    }
    *layers = out.into_iter().flat_map(zoom_bands).collect();
    layers.len().saturating_sub(before)
}

/// Properties whose zoom ramps are made zoom bands (QGIS 3.22 reads no ramp there).
pub const BANDED: &[(&str, &str)] = &[("layout", "icon-size")];

/// `layer` as one layer per zoom band for every [`BANDED`] property that is a linear zoom
/// ramp of numbers: `[z, z + 1)` between the ramp's first and last stop, with the ramp's
/// value at `z + 0.5`, the first value below, the last above.
fn zoom_bands(layer: Value) -> Vec<Value> {
    let Some((section, property, stops)) = BANDED.iter().find_map(|&(section, property)| {
        let ramp = layer.get(section)?.get(property)?;
        Some((section, property, linear_zoom_stops(ramp)?))
    }) else {
        return vec![layer];
    };
    let zoom = |k: &str, default: f64| layer.get(k).and_then(Value::as_f64).unwrap_or(default);
    let (min, max) = (zoom("minzoom", 0.0), zoom("maxzoom", 24.0));
    let (first, last) = (stops[0].0, stops[stops.len() - 1].0);
    let mut bands = Vec::new();
    if min < first.floor() {
        bands.push((min, first.floor()));
    }
    let mut z = first.floor().max(min);
    while z < last.ceil().min(max) {
        bands.push((z, (z + 1.0).min(max)));
        z += 1.0;
    }
    if z < max {
        bands.push((z, max));
    }
    let id = layer.get("id").and_then(Value::as_str).unwrap_or("layer");
    bands
        .into_iter()
        .filter(|(lo, hi)| lo < hi)
        .map(|(lo, hi)| {
            let mut band = layer.clone();
            let at = if hi - lo <= 1.0 { lo + 0.5 } else { lo };
            let value = (ramp_at(&stops, at) * 1e4).round() / 1e4;
            band[section][property] = json!(value);
            band["id"] = json!(format!("{id}@z{lo}"));
            band["minzoom"] = json!(lo);
            if hi < 24.0 {
                band["maxzoom"] = json!(hi);
            }
            band
        })
        .collect()
}

/// The stops of `["interpolate", ["linear"], ["zoom"], z0, v0, …]` with numbers.
fn linear_zoom_stops(v: &Value) -> Option<Vec<(f64, f64)>> {
    let a = v.as_array()?;
    if op(v) != Some("interpolate")
        || a.get(1).and_then(op) != Some("linear")
        || a.get(2).and_then(op) != Some("zoom")
        || a.len() < 5
        || a.len() % 2 == 0
    {
        return None;
    }
    a[3..]
        .chunks(2)
        .map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
        .collect()
}

fn ramp_at(stops: &[(f64, f64)], z: f64) -> f64 {
    let mut prev = stops[0];
    if z <= prev.0 {
        return prev.1;
    }
    for &(sz, sv) in &stops[1..] {
        if z <= sz {
            return prev.1 + (sv - prev.1) * (z - prev.0) / (sz - prev.0);
        }
        prev = (sz, sv);
    }
    prev.1
}

fn set_filter(layer: &mut Value, filter: Value) {
    if let Some(obj) = layer.as_object_mut() {
        if filter == Value::Bool(true) {
            obj.remove("filter");
        } else {
            obj.insert("filter".into(), filter);
        }
    }
}

/// Where a branching expression sits: the section (`paint` / `layout`), the property and
/// the array indices down to it.
struct Site {
    section: &'static str,
    property: String,
    path: Vec<usize>,
}

fn split(mut layer: Value, facts: &Facts, out: &mut Vec<Value>) {
    simplify_layer(&mut layer, facts);
    if invisible(&layer) {
        return;
    }
    let site = if out.len() + 1 >= MAX_SPLIT {
        None
    } else {
        find_site(&layer)
    };
    let Some(site) = site else {
        out.push(tidy_filter(layer));
        return;
    };
    let expr = at(&layer, &site).cloned().unwrap_or(Value::Null);
    let Some(branches) = branches(&expr) else {
        out.push(tidy_filter(layer));
        return;
    };
    for (condition, value) in branches {
        let condition = facts.reduce(&condition);
        if condition == Value::Bool(false) {
            continue;
        }
        let mut part = layer.clone();
        if let Some(slot) = at_mut(&mut part, &site) {
            *slot = value;
        }
        let filter = all(vec![
            part.get("filter").cloned().unwrap_or(Value::Bool(true)),
            condition.clone(),
        ]);
        set_filter(&mut part, filter);
        split(part, &facts.with(&condition), out);
    }
}

/// `layer` without the parts of its `all` filter that its other parts imply
/// (`status != fault` next to `status == open`).
fn tidy_filter(mut layer: Value) -> Value {
    let Some(parts) = layer
        .get("filter")
        .filter(|f| op(f) == Some("all"))
        .and_then(Value::as_array)
        .map(|a| a[1..].to_vec())
    else {
        return layer;
    };
    let mut kept = parts.clone();
    for part in &parts {
        let others: Vec<Value> = kept.iter().filter(|p| *p != part).cloned().collect();
        let facts = others.iter().fold(Facts::default(), |f, p| f.with(p));
        if facts.decide(part) == Some(true) {
            kept = others;
        }
    }
    set_filter(&mut layer, all(kept));
    layer
}

/// The branches of a branching expression: (plain condition, value) pairs that cover
/// every feature once; `None` when its conditions cannot be said plainly.
fn branches(expr: &Value) -> Option<Vec<(Value, Value)>> {
    let a = expr.as_array()?;
    let mut out = Vec::new();
    match op(expr)? {
        "case" if a.len() >= 4 && a.len() % 2 == 0 => {
            let mut previous = Vec::new();
            for pair in a[1..a.len() - 1].chunks(2) {
                let c = cond::normalize(&pair[0])?;
                let mut parts = previous.clone();
                parts.push(c.clone());
                out.push((all(parts), pair[1].clone()));
                previous.push(negate(&c)?);
            }
            out.push((all(previous), a[a.len() - 1].clone()));
        }
        "match" if a.len() >= 5 && a.len() % 2 == 1 => {
            let mut previous = Vec::new();
            for pair in a[2..a.len() - 1].chunks(2) {
                let labels = match &pair[0] {
                    Value::Array(list) => list.clone(),
                    l => vec![l.clone()],
                };
                let eq = any(labels
                    .iter()
                    .map(|l| cond::equals(&a[1], l))
                    .collect::<Option<Vec<_>>>()?);
                out.push((eq.clone(), pair[1].clone()));
                previous.push(negate(&eq)?);
            }
            out.push((all(previous), a[a.len() - 1].clone()));
        }
        // ["step", input, v0, t1, v1, …]: v0 below t1, vi from ti.
        "step" if a.len() >= 5 && a.len() % 2 == 1 && op(&a[1]) != Some("zoom") => {
            let key = match op(&a[1])? {
                "get" => get_key(&a[1])?,
                "to-number" => get_key(a[1].get(1)?)?,
                _ => return None,
            };
            let stops: Vec<f64> = a[3..]
                .iter()
                .step_by(2)
                .map(Value::as_f64)
                .collect::<Option<_>>()?;
            let bound = |o: &str, t: f64| json!([o, ["get", key], t]);
            for i in 0..=stops.len() {
                let mut parts = Vec::new();
                if i > 0 {
                    parts.push(bound(">=", stops[i - 1]));
                }
                if i < stops.len() {
                    parts.push(bound("<", stops[i]));
                }
                out.push((all(parts), a[2 + 2 * i].clone()));
            }
        }
        // ["coalesce", ["get", a], ["get", b], …]: the first attribute present.
        "coalesce" if a.len() >= 3 => {
            let mut previous = Vec::new();
            for item in &a[1..] {
                let Some(k) = get_key(item) else {
                    out.push((all(previous), item.clone()));
                    return Some(out);
                };
                let mut parts = previous.clone();
                parts.push(json!(["has", k]));
                out.push((all(parts), item.clone()));
                previous.push(json!(["!", ["has", k]]));
            }
        }
        _ => return None,
    }
    Some(out)
}

/// Whether `v` is an expression that splits (reads feature data to choose a value).
fn is_site(v: &Value) -> bool {
    match op(v) {
        Some("case" | "match") => true,
        Some("step") => v.get(1).and_then(op) != Some("zoom"),
        Some("coalesce") => v
            .as_array()
            .is_some_and(|a| a.len() >= 3 && a[1..].iter().any(|x| get_key(x).is_some())),
        _ => false,
    }
}

fn find_site(layer: &Value) -> Option<Site> {
    for section in ["paint", "layout"] {
        let Some(props) = layer.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (property, value) in props {
            let mut path = Vec::new();
            if find_in(value, &mut path) && branches(descend(value, &path)?).is_some() {
                return Some(Site {
                    section,
                    property: property.clone(),
                    path,
                });
            }
        }
    }
    None
}

/// Depth-first: the path to the first splitting expression in `v`.
fn find_in(v: &Value, path: &mut Vec<usize>) -> bool {
    if is_site(v) && branches(v).is_some() {
        return true;
    }
    let Some(items) = v.as_array() else {
        return false;
    };
    if op(v) == Some("literal") {
        return false;
    }
    for (i, child) in items.iter().enumerate().skip(1) {
        path.push(i);
        if find_in(child, path) {
            return true;
        }
        path.pop();
    }
    false
}

fn descend<'a>(mut v: &'a Value, path: &[usize]) -> Option<&'a Value> {
    for &i in path {
        v = v.get(i)?;
    }
    Some(v)
}

fn at<'a>(layer: &'a Value, site: &Site) -> Option<&'a Value> {
    descend(layer.get(site.section)?.get(&site.property)?, &site.path)
}

fn at_mut<'a>(layer: &'a mut Value, site: &Site) -> Option<&'a mut Value> {
    let mut v = layer.get_mut(site.section)?.get_mut(&site.property)?;
    for &i in &site.path {
        v = v.get_mut(i)?;
    }
    Some(v)
}

/// Decides what the facts decide in every paint and layout value, folds constants and
/// drops `to-string` around a label's field (labels are text anyway).
fn simplify_layer(layer: &mut Value, facts: &Facts) {
    for section in ["paint", "layout"] {
        if let Some(props) = layer.get_mut(section).and_then(Value::as_object_mut) {
            for value in props.values_mut() {
                simplify(value, facts);
            }
        }
    }
    if let Some(field) = layer.pointer_mut("/layout/text-field") {
        if op(field) == Some("to-string") {
            *field = field.get(1).cloned().unwrap_or(Value::Null);
        }
    }
}

fn simplify(v: &mut Value, facts: &Facts) {
    let Some(items) = v.as_array_mut() else {
        return;
    };
    if items.first().and_then(Value::as_str) == Some("literal") {
        return;
    }
    for child in items.iter_mut().skip(1) {
        simplify(child, facts);
    }
    if let Some(decided) = cond::normalize(v).and_then(|c| facts.decide(&c)) {
        if !matches!(op(v), Some("case" | "match" | "step" | "coalesce")) {
            *v = Value::Bool(decided);
            return;
        }
    }
    if let Some(folded) = fold(v, facts) {
        *v = folded;
    }
}

/// A branching expression the facts decide, or arithmetic on literals, as its value.
fn fold(v: &Value, facts: &Facts) -> Option<Value> {
    let a = v.as_array()?;
    match op(v)? {
        "*" => {
            let product = a[1..].iter().map(Value::as_f64).product::<Option<f64>>()?;
            // Rounded: 1.8 × 2.2 is 3.96, not 3.9600000000000004.
            serde_json::Number::from_f64((product * 1e6).round() / 1e6).map(Value::Number)
        }
        _ if is_site(v) => {
            let live: Vec<(Value, Value)> = branches(v)?
                .into_iter()
                .filter(|(c, _)| facts.decide(c) != Some(false))
                .collect();
            match live.as_slice() {
                [(c, value)] if facts.decide(c) == Some(true) || live.len() == 1 => {
                    Some(value.clone())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// A layer drawn with a constant zero opacity (and nothing else to draw).
fn invisible(layer: &Value) -> bool {
    let zero = |p: &str| {
        layer
            .pointer(&format!("/paint/{p}"))
            .and_then(Value::as_f64)
            == Some(0.0)
    };
    match layer.get("type").and_then(Value::as_str) {
        Some("line") => zero("line-opacity"),
        Some("fill") => zero("fill-opacity"),
        Some("symbol") => {
            zero("icon-opacity")
                && (layer.pointer("/layout/text-field").is_none() || zero("text-opacity"))
        }
        Some("circle") => {
            zero("circle-opacity") && (zero("circle-stroke-opacity") || zero("circle-stroke-width"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;
