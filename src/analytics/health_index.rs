//! [`HealthIndex`]: the health scores and loads of the asset layers sorted once, so a
//! distribution is a pass over a sorted vector and a worst list a walk down a ranking,
//! instead of a scan of the layer's features (attribute lookups, allocation, a sort) per
//! request. Built from one snapshot and valid for every later one with the same feature
//! ids and values of the ranked attributes ([`HealthIndex::valid_for`]): the simulator
//! changes statuses, not health scores or loads. Answers equal [`super::health::distribution`]
//! and [`super::health::worst`] on the same snapshot (tested).

use std::collections::BTreeMap;

use super::health::{
    histogram, metric, number, sorted_values, Distribution, HealthError, WorstBy, WorstFilter,
    HEALTH_ATTR, LOAD_ATTR,
};
use super::inputs::Inputs;
use crate::index::{IndexedFeature, IndexedLayer, Snapshot};

/// The layers a [`HealthIndex`] ranks (those `/api/assets/health/*` and `/api/assets/worst`
/// accept).
pub const RANKED_LAYERS: [&str; 2] = ["poles", "transformers"];

/// One layer's values, sorted.
struct LayerRanks {
    /// The distribution's attribute ([`metric`]) and its values, ascending.
    metric: Option<(&'static str, Vec<f64>)>,
    /// (health score, feature index), lowest first, ties by id.
    by_health: Vec<(f64, u32)>,
    /// (load, feature index), highest first, ties by id.
    by_load: Vec<(f64, u32)>,
}

/// The ranked layers of one snapshot (see the module docs).
pub struct HealthIndex {
    layers: BTreeMap<String, LayerRanks>,
    inputs: Inputs,
}

fn ranked(l: &IndexedLayer, attribute: &str, lowest_first: bool) -> Vec<(f64, u32)> {
    let mut out: Vec<(f64, u32)> = l
        .features
        .iter()
        .enumerate()
        .filter_map(|(i, f)| number(l, f, attribute).map(|v| (v, i as u32)))
        .collect();
    let id = |i: u32| l.features[i as usize].id;
    out.sort_by(|a, b| {
        let order = if lowest_first {
            a.0.total_cmp(&b.0)
        } else {
            b.0.total_cmp(&a.0)
        };
        order.then(id(a.1).cmp(&id(b.1)))
    });
    out
}

impl HealthIndex {
    /// Sorts the values of [`RANKED_LAYERS`] in `snapshot`.
    pub fn build(snapshot: &Snapshot) -> HealthIndex {
        let mut layers = BTreeMap::new();
        for name in RANKED_LAYERS {
            let Some(l) = snapshot.layer(name) else {
                continue;
            };
            let metric = metric(l).map(|attribute| (attribute, sorted_values(l, attribute)));
            layers.insert(
                name.to_string(),
                LayerRanks {
                    metric,
                    by_health: ranked(l, HEALTH_ATTR, true),
                    by_load: ranked(l, LOAD_ATTR, false),
                },
            );
        }
        let reads: Vec<(&str, &[&str])> = RANKED_LAYERS
            .iter()
            .map(|l| (*l, &[HEALTH_ATTR, LOAD_ATTR][..]))
            .collect();
        HealthIndex {
            layers,
            inputs: Inputs::of(snapshot, None, &reads),
        }
    }

    /// True when `snapshot` has the same ids and health and load values in the ranked
    /// layers as the snapshot this index was built from.
    pub fn valid_for(&self, snapshot: &Snapshot) -> bool {
        self.inputs.unchanged(snapshot, None)
    }

    /// [`super::health::distribution`] of `layer` from the sorted values.
    pub fn distribution(
        &self,
        snapshot: &Snapshot,
        layer: &str,
        bins: usize,
    ) -> Result<Distribution, HealthError> {
        let Some(ranks) = self.ranks(snapshot, layer) else {
            return super::health::distribution(snapshot, layer, bins);
        };
        let (attribute, values) =
            ranks
                .metric
                .as_ref()
                .ok_or_else(|| HealthError::NoAttribute {
                    layer: layer.into(),
                    attribute: HEALTH_ATTR.into(),
                })?;
        Ok(histogram(layer, attribute, values, bins))
    }

    /// [`super::health::worst`] of `layer` from the rankings: the features of the current
    /// `snapshot`, worst first, and how many passed the filter.
    pub fn worst<'a>(
        &self,
        snapshot: &'a Snapshot,
        layer: &str,
        by: WorstBy,
        filter: WorstFilter,
        limit: usize,
    ) -> Result<(&'a IndexedLayer, Vec<&'a IndexedFeature>, usize), HealthError> {
        let Some(ranks) = self.ranks(snapshot, layer) else {
            return super::health::worst(snapshot, layer, by, filter, limit);
        };
        let l = snapshot
            .layer(layer)
            .ok_or_else(|| HealthError::NoLayer(layer.into()))?;
        let (attribute, ranking) = match by {
            WorstBy::Health => (HEALTH_ATTR, &ranks.by_health),
            WorstBy::Load => (LOAD_ATTR, &ranks.by_load),
        };
        let has = |a: &str| l.fields.iter().any(|f| f.name == a);
        let missing = |attribute: &str| HealthError::NoAttribute {
            layer: layer.into(),
            attribute: attribute.into(),
        };
        if !has(attribute) {
            return Err(missing(attribute));
        }
        if filter.max_health.is_some() && !has(HEALTH_ATTR) {
            return Err(missing(HEALTH_ATTR));
        }
        let feeder_f = l.fields.iter().position(|f| f.name == "feeder_id");
        let health_f = l.fields.iter().position(|f| f.name == HEALTH_ATTR);
        let health = |f: &IndexedFeature| match f.properties.get(health_f?)?.as_ref()? {
            crate::model::Value::Float(x) if x.is_finite() => Some(*x),
            crate::model::Value::Int(x) => Some(*x as f64),
            _ => None,
        };
        let mut out = Vec::new();
        let mut total = 0;
        for &(v, i) in ranking {
            if by == WorstBy::Health && filter.max_health.is_some_and(|m| v > m) {
                break; // lowest first: nothing after this passes
            }
            let f = &*l.features[i as usize];
            if filter
                .feeder
                .is_some_and(|id| crate::topology::int_attr(f, feeder_f) != Some(id))
                || filter
                    .max_health
                    .is_some_and(|m| !health(f).is_some_and(|h| h <= m))
            {
                continue;
            }
            total += 1;
            if out.len() < limit {
                out.push(f);
            }
        }
        Ok((l, out, total))
    }

    /// The ranks of `layer`, when it is ranked and present (other layers are answered by
    /// the scans).
    fn ranks(&self, snapshot: &Snapshot, layer: &str) -> Option<&LayerRanks> {
        snapshot.layer(layer)?;
        self.layers.get(layer)
    }
}

#[cfg(test)]
#[path = "health_index_tests.rs"]
mod tests;
