//! Asset health: the distribution of a layer's health scores (or of transformer loading,
//! for a layer without scores), the worst assets by health or load, and a deterministic
//! synthetic daily health history per asset for the demo grid.
//!
//! The synthetic history ends at the asset's current score on the current day: going back
//! in time the score was higher by a per-asset wear rate (0.2–0.8 points a year, from a hash
//! of the asset id) plus daily measurement noise (±1.5 points, zero on the last day), kept
//! within 0–100. It is labelled synthetic in the API: the data sets carry only today's
//! score.

use serde::Serialize;
use thiserror::Error;

use crate::index::{IndexedFeature, IndexedLayer, Snapshot};
use crate::model::Value;

use super::random::{hash, unit};
use super::time::iso_date;

/// The attribute holding an asset's health score (0–100, higher is healthier).
pub const HEALTH_ATTR: &str = "health_score";
/// The attribute holding a transformer's load, percent of its rating.
pub const LOAD_ATTR: &str = "load_pct";
/// Most bins of a distribution.
pub const MAX_BINS: usize = 100;
/// Most days of one history.
pub const MAX_HISTORY_DAYS: i64 = 3660;

/// Why a health question has no answer.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum HealthError {
    #[error("no layer {0:?}")]
    NoLayer(String),
    #[error("layer {layer:?} has no {attribute} attribute")]
    NoAttribute { layer: String, attribute: String },
    #[error("no asset has id {0}")]
    NoAsset(u64),
}

/// A number attribute of `f`.
pub fn number(layer: &IndexedLayer, f: &IndexedFeature, name: &str) -> Option<f64> {
    let i = layer.fields.iter().position(|x| x.name == name)?;
    match f.properties.get(i)?.as_ref()? {
        Value::Float(x) if x.is_finite() => Some(*x),
        Value::Int(x) => Some(*x as f64),
        _ => None,
    }
}

fn has(layer: &IndexedLayer, name: &str) -> bool {
    layer.fields.iter().any(|f| f.name == name)
}

/// One bin `[from, to)` (the last one includes `to`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub count: u64,
}

/// A layer's distribution of one attribute.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Distribution {
    pub layer: String,
    pub attribute: &'static str,
    pub bins: Vec<Bin>,
    pub count: u64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
}

/// The attribute a layer's health is read from: its health score, else (transformers)
/// its load.
pub fn metric(layer: &IndexedLayer) -> Option<&'static str> {
    [HEALTH_ATTR, LOAD_ATTR].into_iter().find(|a| has(layer, a))
}

/// The distribution of `layer`'s [`metric`] in `bins` equal bins over 0–100 (up to the
/// largest value rounded up to ten, for loads above 100 %).
pub fn distribution(
    snapshot: &Snapshot,
    layer: &str,
    bins: usize,
) -> Result<Distribution, HealthError> {
    let l = snapshot
        .layer(layer)
        .ok_or_else(|| HealthError::NoLayer(layer.into()))?;
    let attribute = metric(l).ok_or_else(|| HealthError::NoAttribute {
        layer: layer.into(),
        attribute: HEALTH_ATTR.into(),
    })?;
    Ok(histogram(
        layer,
        attribute,
        &sorted_values(l, attribute),
        bins,
    ))
}

/// Every value of `attribute` in `layer` (features without one left out), ascending.
pub fn sorted_values(layer: &IndexedLayer, attribute: &str) -> Vec<f64> {
    let mut values: Vec<f64> = layer
        .features
        .iter()
        .filter_map(|f| number(layer, f, attribute))
        .collect();
    values.sort_by(f64::total_cmp);
    values
}

/// The distribution of `values` (sorted ascending) of `layer`'s `attribute` in `bins` equal
/// bins over 0–100 (up to the largest value rounded up to ten, for loads above 100 %).
pub fn histogram(
    layer: &str,
    attribute: &'static str,
    values: &[f64],
    bins: usize,
) -> Distribution {
    let bins = bins.clamp(1, MAX_BINS);
    let top = values.last().copied().unwrap_or(0.0);
    let hi = if top > 100.0 {
        (top / 10.0).ceil() * 10.0
    } else {
        100.0
    };
    let lo = values.first().copied().unwrap_or(0.0).min(0.0);
    let width = (hi - lo) / bins as f64;
    let mut out: Vec<Bin> = (0..bins)
        .map(|i| Bin {
            from: lo + width * i as f64,
            to: if i + 1 == bins {
                hi
            } else {
                lo + width * (i + 1) as f64
            },
            count: 0,
        })
        .collect();
    for v in values {
        let i = (((v - lo) / width) as usize).min(bins - 1);
        out[i].count += 1;
    }
    let n = values.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    };
    Distribution {
        layer: layer.into(),
        attribute,
        bins: out,
        count: n as u64,
        mean: (n > 0).then(|| values.iter().sum::<f64>() / n as f64),
        median,
    }
}

/// What the worst assets are ranked by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorstBy {
    /// Lowest health score first.
    Health,
    /// Highest load first.
    Load,
}

/// Which assets to rank.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WorstFilter {
    pub max_health: Option<f64>,
    pub feeder: Option<i64>,
}

/// The features of `layer` ranked worst first by `by` (ties by id), with the total that
/// passed the filter; at most `limit`.
pub fn worst<'a>(
    snapshot: &'a Snapshot,
    layer: &str,
    by: WorstBy,
    filter: WorstFilter,
    limit: usize,
) -> Result<(&'a IndexedLayer, Vec<&'a IndexedFeature>, usize), HealthError> {
    let l = snapshot
        .layer(layer)
        .ok_or_else(|| HealthError::NoLayer(layer.into()))?;
    let attribute = match by {
        WorstBy::Health => HEALTH_ATTR,
        WorstBy::Load => LOAD_ATTR,
    };
    let missing = |attribute: &str| HealthError::NoAttribute {
        layer: layer.into(),
        attribute: attribute.into(),
    };
    if !has(l, attribute) {
        return Err(missing(attribute));
    }
    if filter.max_health.is_some() && !has(l, HEALTH_ATTR) {
        return Err(missing(HEALTH_ATTR));
    }
    let feeder_f = l.fields.iter().position(|f| f.name == "feeder_id");
    let mut ranked: Vec<(f64, &IndexedFeature)> = l
        .features
        .iter()
        .filter(|f| {
            filter
                .feeder
                .is_none_or(|id| crate::topology::int_attr(f, feeder_f) == Some(id))
        })
        .filter(|f| {
            filter
                .max_health
                .is_none_or(|m| number(l, f, HEALTH_ATTR).is_some_and(|h| h <= m))
        })
        .filter_map(|f| number(l, f, attribute).map(|v| (v, &**f)))
        .collect();
    ranked.sort_by(|a, b| {
        let order = match by {
            WorstBy::Health => a.0.total_cmp(&b.0),
            WorstBy::Load => b.0.total_cmp(&a.0),
        };
        order.then(a.1.id.cmp(&b.1.id))
    });
    let total = ranked.len();
    Ok((
        l,
        ranked.into_iter().take(limit).map(|(_, f)| f).collect(),
        total,
    ))
}

/// One day of a health history.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HealthDay {
    pub date: String,
    pub health_score: f64,
}

/// The synthetic daily health of asset `id` whose score is `current` on day `today`, for
/// the days `first..=last` (days since 1970-01-01, `last` ≤ `today`).
pub fn synthetic_history(
    id: u64,
    current: f64,
    today: i64,
    first: i64,
    last: i64,
) -> Vec<HealthDay> {
    let rate = 0.2 + 0.6 * unit(hash(&[0x4EA1, id])); // points a year
    (first..=last.min(today))
        .map(|day| {
            let noise = if day == today {
                0.0
            } else {
                1.5 * (2.0 * unit(hash(&[0x4EA1, id, day as u64])) - 1.0)
            };
            let years = (today - day) as f64 / 365.25;
            let score = (current + rate * years + noise).clamp(0.0, 100.0);
            HealthDay {
                date: iso_date(day),
                health_score: if day == today {
                    current
                } else {
                    (score * 10.0).round() / 10.0
                },
            }
        })
        .collect()
}

/// The current health score of asset `id`: its layer and score.
pub fn current_health(snapshot: &Snapshot, id: u64) -> Result<(&IndexedLayer, f64), HealthError> {
    let (l, f) = snapshot
        .layers
        .iter()
        .find_map(|l| l.feature(id).map(|f| (&**l, f)))
        .ok_or(HealthError::NoAsset(id))?;
    let score = number(l, f, HEALTH_ATTR).ok_or_else(|| HealthError::NoAttribute {
        layer: l.name.clone(),
        attribute: HEALTH_ATTR.into(),
    })?;
    Ok((l, score))
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;
