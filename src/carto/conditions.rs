//! Filter conditions in the plain form simple style converters read (QGIS 3.22's MapBox GL
//! converter): `all` / `any` of comparisons of one attribute with a literal
//! (`["==", ["get", k], v]`, `!=`, `<`, `<=`, `>`, `>=`), `["has", k]` and
//! `["!", ["has", k]]`; and what is known to hold inside a branch ([`Facts`]) to decide
//! other conditions there.
//!
//! [`normalize`] rewrites `!`, `in` over a literal list, a boolean `match`, `to-number` /
//! `to-string` around a `get` into that form; [`negate`] keeps it (`!` only over `has`).
//! Values of missing attributes are not modelled beyond `has`: a comparison with a missing
//! attribute is false in MapLibre and in QGIS alike, except `!=`, true in both.

use serde_json::{json, Value};

/// The operator of an expression array.
pub fn op(v: &Value) -> Option<&str> {
    v.as_array()?.first()?.as_str()
}

/// `["get", k]` → `k` (the attribute a plain comparison reads).
pub fn get_key(v: &Value) -> Option<&str> {
    let a = v.as_array()?;
    (a.len() == 2 && op(v) == Some("get"))
        .then(|| a[1].as_str())
        .flatten()
}

/// The attribute an input expression reads once numbers are compared as numbers:
/// `["get", k]`, `["to-number", ["get", k], …]`.
fn numeric_key(v: &Value) -> Option<&str> {
    match op(v)? {
        "get" => get_key(v),
        "to-number" => get_key(v.get(1)?),
        _ => None,
    }
}

fn is_literal(v: &Value) -> bool {
    matches!(
        v,
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null
    )
}

/// `any` of `parts` (flattened, `false` dropped); `false` when empty.
pub fn any(parts: Vec<Value>) -> Value {
    junction("any", parts)
}

/// `all` of `parts` (flattened, `true` dropped); `true` when empty.
pub fn all(parts: Vec<Value>) -> Value {
    junction("all", parts)
}

fn junction(name: &str, parts: Vec<Value>) -> Value {
    let neutral = name == "all";
    let mut out = vec![json!(name)];
    for p in parts {
        if p.as_bool() == Some(neutral) {
            continue;
        }
        if p.as_bool() == Some(!neutral) {
            return Value::Bool(!neutral);
        }
        let items = if op(&p) == Some(name) {
            p.as_array()
                .into_iter()
                .flatten()
                .skip(1)
                .cloned()
                .collect()
        } else {
            vec![p]
        };
        for item in items {
            if !out[1..].contains(&item) {
                out.push(item);
            }
        }
    }
    match out.len() {
        1 => Value::Bool(neutral),
        2 => out.pop().unwrap_or(Value::Bool(neutral)),
        _ => Value::Array(out),
    }
}

/// The equality of `input` (an attribute read) with the match label `label`, plain.
pub fn equals(input: &Value, label: &Value) -> Option<Value> {
    if let Some(k) = get_key(input) {
        return Some(json!(["==", ["get", k], label]));
    }
    // ["to-string", ["get", k]] == "24.9": the attribute is that string or that number.
    if op(input) == Some("to-string") {
        let k = get_key(input.get(1)?)?;
        let s = label.as_str()?;
        let mut parts = vec![json!(["==", ["get", k], s])];
        if let Some(n) = s
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(serde_json::Number::from_f64)
        {
            parts.push(json!(["==", ["get", k], n]));
        }
        return Some(any(parts));
    }
    None
}

/// `cond` in the plain form, or `None` when it has a part that form cannot say.
pub fn normalize(cond: &Value) -> Option<Value> {
    if let Some(b) = cond.as_bool() {
        return Some(Value::Bool(b));
    }
    let a = cond.as_array()?;
    match op(cond)? {
        "all" | "any" => {
            let parts = a[1..].iter().map(normalize).collect::<Option<Vec<_>>>()?;
            Some(if op(cond) == Some("all") {
                all(parts)
            } else {
                any(parts)
            })
        }
        "!" => negate(&normalize(a.get(1)?)?),
        "has" if a.len() == 2 && a[1].is_string() => Some(cond.clone()),
        "==" | "!=" | "<" | "<=" | ">" | ">=" if a.len() == 3 && is_literal(&a[2]) => {
            let name = op(cond)?;
            if name == "==" || name == "!=" {
                let eq = equals(&a[1], &a[2])?;
                return Some(if name == "==" { eq } else { negate(&eq)? });
            }
            let k = numeric_key(&a[1])?;
            Some(json!([name, ["get", k], a[2]]))
        }
        "in" if a.len() == 3 && op(&a[2]) == Some("literal") => {
            let list = a[2].get(1)?.as_array()?;
            Some(any(list
                .iter()
                .map(|l| equals(&a[1], l))
                .collect::<Option<Vec<_>>>()?))
        }
        // ["match", input, labels, true|false, …, fallback] used as a condition.
        "match" if a.len() >= 5 && a.len() % 2 == 1 => {
            let mut taken = Vec::new();
            let mut all_labels = Vec::new();
            for pair in a[2..a.len() - 1].chunks(2) {
                let labels = match &pair[0] {
                    Value::Array(list) => list.clone(),
                    l => vec![l.clone()],
                };
                let eq = any(labels
                    .iter()
                    .map(|l| equals(&a[1], l))
                    .collect::<Option<Vec<_>>>()?);
                if pair[1].as_bool()? {
                    taken.push(eq.clone());
                }
                all_labels.push(eq);
            }
            if a[a.len() - 1].as_bool()? {
                taken.push(negate(&any(all_labels))?);
            }
            Some(any(taken))
        }
        _ => None,
    }
}

/// The negation of a plain condition, plain.
pub fn negate(cond: &Value) -> Option<Value> {
    if let Some(b) = cond.as_bool() {
        return Some(Value::Bool(!b));
    }
    let a = cond.as_array()?;
    let flip = |o: &str| Some(json!([o, a.get(1)?, a.get(2)?]));
    match op(cond)? {
        "all" => Some(any(a[1..].iter().map(negate).collect::<Option<_>>()?)),
        "any" => Some(all(a[1..].iter().map(negate).collect::<Option<_>>()?)),
        "==" => flip("!="),
        "!=" => flip("=="),
        "<" => flip(">="),
        ">=" => flip("<"),
        ">" => flip("<="),
        "<=" => flip(">"),
        "has" => Some(json!(["!", cond])),
        "!" if op(a.get(1)?) == Some("has") => a.get(1).cloned(),
        _ => None,
    }
}

/// Conditions known to hold (a branch's filter): its `all` parts and itself.
#[derive(Clone, Debug, Default)]
pub struct Facts(Vec<Value>);

impl Facts {
    /// These facts and `cond`.
    pub fn with(&self, cond: &Value) -> Facts {
        let mut out = self.0.clone();
        out.push(cond.clone());
        if op(cond) == Some("all") {
            out.extend(cond.as_array().into_iter().flatten().skip(1).cloned());
        }
        Facts(out)
    }

    /// `cond` (plain) without the parts of its `all` / `any` the facts decide.
    pub fn reduce(&self, cond: &Value) -> Value {
        if let Some(b) = self.decide(cond) {
            return Value::Bool(b);
        }
        match op(cond) {
            Some(o @ ("all" | "any")) => {
                let parts = cond
                    .as_array()
                    .into_iter()
                    .flatten()
                    .skip(1)
                    .map(|p| self.reduce(p))
                    .collect();
                if o == "all" {
                    all(parts)
                } else {
                    any(parts)
                }
            }
            _ => cond.clone(),
        }
    }

    /// Whether `cond` (plain) is decided by the facts: `Some(true)` always holds,
    /// `Some(false)` never does.
    pub fn decide(&self, cond: &Value) -> Option<bool> {
        if let Some(b) = cond.as_bool() {
            return Some(b);
        }
        if self.0.contains(cond) {
            return Some(true);
        }
        if negate(cond).is_some_and(|n| self.0.contains(&n)) {
            return Some(false);
        }
        match op(cond)? {
            "all" | "any" => {
                let is_all = op(cond) == Some("all");
                let mut undecided = false;
                for part in cond.as_array()?.iter().skip(1) {
                    match self.decide(part) {
                        Some(b) if b != is_all => return Some(b),
                        Some(_) => {}
                        None => undecided = true,
                    }
                }
                (!undecided).then_some(is_all)
            }
            _ => self.0.iter().find_map(|fact| implies(fact, cond)),
        }
    }
}

/// What `fact` (holding) says about the plain comparison `cond`.
fn implies(fact: &Value, cond: &Value) -> Option<bool> {
    let (fo, co) = (op(fact)?, op(cond)?);
    if co == "has" {
        // An attribute compared equal to a value is there.
        let k = cond.get(1)?.as_str()?;
        return (fo == "==" && get_key(fact.get(1)?) == Some(k)).then_some(true);
    }
    if get_key(fact.get(1)?)? != get_key(cond.get(1)?)? {
        return None;
    }
    let (fv, cv) = (fact.get(2)?, cond.get(2)?);
    if fo == "==" {
        // The attribute's value is known: evaluate.
        return match co {
            "==" => Some(fv == cv),
            "!=" => Some(fv != cv),
            _ => compare(co, fv.as_f64()?, cv.as_f64()?),
        };
    }
    // Numeric bounds: fact `x fo a`, cond `x co b`.
    let (a, b) = (fv.as_f64()?, cv.as_f64()?);
    let lower = matches!(fo, ">" | ">=");
    let upper = matches!(fo, "<" | "<=");
    match co {
        // x > a (or >= a) with a >= b: x >= b holds; x < a with a <= b: x >= b never.
        ">=" | ">" if lower && (a > b || (a == b && (co == ">=" || fo == ">"))) => Some(true),
        ">=" | ">" if upper && (a < b || (a == b && (co == ">" || fo == "<"))) => Some(false),
        "<" | "<=" if upper && (a < b || (a == b && (co == "<=" || fo == "<"))) => Some(true),
        "<" | "<=" if lower && (a > b || (a == b && (co == "<" || fo == ">"))) => Some(false),
        "==" if (lower && compare(fo, b, a) == Some(false))
            || (upper && compare(fo, b, a) == Some(false)) =>
        {
            Some(false)
        }
        _ => None,
    }
}

fn compare(o: &str, x: f64, y: f64) -> Option<bool> {
    Some(match o {
        "<" => x < y,
        "<=" => x <= y,
        ">" => x > y,
        ">=" => x >= y,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_rewrites_what_qgis_cannot_read() {
        let c = json!(["!", ["in", ["get", "t"], ["literal", ["a", "b"]]]]);
        assert_eq!(
            normalize(&c).unwrap(),
            json!(["all", ["!=", ["get", "t"], "a"], ["!=", ["get", "t"], "b"]])
        );
        let c = json!(["<", ["to-number", ["get", "h"], 100], 40]);
        assert_eq!(normalize(&c).unwrap(), json!(["<", ["get", "h"], 40]));
        let c = json!(["==", ["to-string", ["get", "kv"]], "24.9"]);
        assert_eq!(
            normalize(&c).unwrap(),
            json!([
                "any",
                ["==", ["get", "kv"], "24.9"],
                ["==", ["get", "kv"], 24.9]
            ])
        );
        let c = json!(["match", ["get", "c"], ["a", "b"], true, false]);
        assert_eq!(
            normalize(&c).unwrap(),
            json!(["any", ["==", ["get", "c"], "a"], ["==", ["get", "c"], "b"]])
        );
        assert_eq!(
            normalize(&json!(["!", ["has", "n"]])).unwrap(),
            json!(["!", ["has", "n"]])
        );
        assert!(normalize(&json!(["==", ["zoom"], 3])).is_none());
    }

    #[test]
    fn facts_decide_comparisons_of_the_same_attribute() {
        let status = |o: &str, v: &str| json!([o, ["get", "status"], v]);
        let facts = Facts::default().with(&status("==", "fault"));
        assert_eq!(facts.decide(&status("==", "fault")), Some(true));
        assert_eq!(facts.decide(&status("==", "open")), Some(false));
        assert_eq!(facts.decide(&status("!=", "open")), Some(true));
        assert_eq!(facts.decide(&json!(["has", "status"])), Some(true));
        assert_eq!(facts.decide(&json!(["==", ["get", "other"], "x"])), None);
        let out = any(vec![status("==", "fault"), status("==", "off")]);
        assert_eq!(facts.decide(&out), Some(true));
        let facts = Facts::default().with(&negate(&out).unwrap());
        assert_eq!(facts.decide(&status("==", "off")), Some(false));
        assert_eq!(facts.decide(&out), Some(false));

        let h = |o: &str, v: f64| json!([o, ["get", "h"], v]);
        let facts = Facts::default().with(&all(vec![h(">=", 40.0), h("<", 70.0)]));
        assert_eq!(facts.decide(&h("<", 40.0)), Some(false));
        assert_eq!(facts.decide(&h(">=", 70.0)), Some(false));
        assert_eq!(facts.decide(&h("<", 80.0)), Some(true));
        assert_eq!(facts.decide(&h(">=", 30.0)), Some(true));
        assert_eq!(facts.decide(&h("<", 50.0)), None);
        assert_eq!(facts.decide(&h("==", 90.0)), Some(false));
    }
}
