//! Search by id or name over a snapshot: assets (any layer, by exact id), feeders (by
//! `feeder_id` and `feeder_name`), substations, crews, outages and named switches. The
//! [`SearchIndex`] of names is built once per snapshot version; ids are looked up in the
//! snapshot's own id maps at query time. Results are ranked exact id first, then exact
//! name, name prefix, word prefix, substring; capped.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::index::{IndexedFeature, IndexedLayer, Snapshot};
use crate::mercator::world_to_lonlat;
use crate::model::Value;

/// Results one search returns at most.
pub const MAX_RESULTS: usize = 100;
/// Longest query accepted, characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// What a result is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Substation,
    Feeder,
    Outage,
    Crew,
    Asset,
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub kind: Kind,
    pub id: u64,
    /// The layer holding the feature (`None` for a feeder, which is many spans).
    pub layer: Option<String>,
    pub label: String,
    pub lon: f64,
    pub lat: f64,
    /// `[min_lon, min_lat, max_lon, max_lat]` for lines and feeders, `None` for points.
    pub bbox: Option<[f64; 4]>,
}

/// A search's results, best first.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub results: Vec<Hit>,
    pub count: usize,
    pub truncated: bool,
}

struct Named {
    hit: Hit,
    lower: String,
}

/// The named entries of one snapshot version.
pub struct SearchIndex {
    pub version: u64,
    named: Vec<Named>,
    /// Feeder id → position in `named`.
    feeders: BTreeMap<i64, usize>,
}

fn attr<'a>(layer: &IndexedLayer, f: &'a IndexedFeature, name: &str) -> Option<&'a Value> {
    let i = layer.fields.iter().position(|x| x.name == name)?;
    f.properties.get(i)?.as_ref()
}

fn text<'a>(layer: &IndexedLayer, f: &'a IndexedFeature, name: &str) -> Option<&'a str> {
    match attr(layer, f, name)? {
        Value::Str(s) if !s.is_empty() => Some(s),
        _ => None,
    }
}

fn int(layer: &IndexedLayer, f: &IndexedFeature, name: &str) -> Option<i64> {
    match attr(layer, f, name)? {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

/// Lon/lat of a world bounding box's centre, and the box in lon/lat.
fn place(b: [f64; 4]) -> (f64, f64, [f64; 4]) {
    let (w, n) = world_to_lonlat([b[0], b[1]]);
    let (e, s) = world_to_lonlat([b[2], b[3]]);
    let (lon, lat) = world_to_lonlat([(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]);
    (lon, lat, [w, s, e, n])
}

/// The kind of a feature of `layer`.
fn kind_of(layer: &str) -> Kind {
    match layer {
        "substations" => Kind::Substation,
        "crews" => Kind::Crew,
        "outages" => Kind::Outage,
        _ => Kind::Asset,
    }
}

/// A hit for feature `f` of `layer`.
fn feature_hit(layer: &IndexedLayer, f: &IndexedFeature, label: String) -> Hit {
    let points = matches!(f.geometry, crate::index::WorldGeometry::Points(_));
    let (lon, lat, bbox) = place(f.geometry.bbox());
    Hit {
        kind: kind_of(&layer.name),
        id: f.id,
        layer: Some(layer.name.clone()),
        label,
        lon,
        lat,
        bbox: (!points).then_some(bbox),
    }
}

/// The label of a feature: its name, or what it is (an outage: cause and feeder).
fn label(layer: &IndexedLayer, f: &IndexedFeature, feeder_names: &BTreeMap<i64, String>) -> String {
    if let Some(name) = text(layer, f, "name") {
        return name.to_string();
    }
    match layer.name.as_str() {
        "outages" => {
            let cause = text(layer, f, "cause").unwrap_or("unknown cause");
            let feeder = int(layer, f, "feeder_id");
            let on = feeder
                .and_then(|id| feeder_names.get(&id).cloned())
                .or_else(|| feeder.map(|id| format!("feeder {id}")))
                .unwrap_or_else(|| "an unknown feeder".into());
            format!("Outage {}: {cause} on {on}", f.id)
        }
        "feeders" => text(layer, f, "feeder_name")
            .map(|n| format!("{n} span {}", f.id))
            .unwrap_or_else(|| format!("span {}", f.id)),
        other => format!("{} {}", other.strip_suffix('s').unwrap_or(other), f.id),
    }
}

impl SearchIndex {
    /// Indexes the names of `snapshot`: one entry per feeder (its spans' `feeder_name`, box
    /// of its spans), substation, crew, outage and named feature of any other layer.
    pub fn build(snapshot: &Snapshot) -> SearchIndex {
        let mut named = Vec::new();
        let mut feeders = BTreeMap::new();
        let mut feeder_names: BTreeMap<i64, String> = BTreeMap::new();
        if let Some(spans) = snapshot.layer("feeders") {
            let mut boxes: BTreeMap<i64, [f64; 4]> = BTreeMap::new();
            for f in &spans.features {
                let Some(id) = int(spans, f, "feeder_id") else {
                    continue;
                };
                let b = f.geometry.bbox();
                boxes
                    .entry(id)
                    .and_modify(|a| {
                        *a = [
                            a[0].min(b[0]),
                            a[1].min(b[1]),
                            a[2].max(b[2]),
                            a[3].max(b[3]),
                        ]
                    })
                    .or_insert(b);
                if let Some(n) = text(spans, f, "feeder_name") {
                    feeder_names.entry(id).or_insert_with(|| n.to_string());
                }
            }
            for (id, b) in boxes {
                let Ok(uid) = u64::try_from(id) else { continue };
                let label = feeder_names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| format!("Feeder {id}"));
                let (lon, lat, bbox) = place(b);
                feeders.insert(id, named.len());
                named.push(Named {
                    lower: label.to_lowercase(),
                    hit: Hit {
                        kind: Kind::Feeder,
                        id: uid,
                        layer: None,
                        label,
                        lon,
                        lat,
                        bbox: Some(bbox),
                    },
                });
            }
        }
        for layer in &snapshot.layers {
            let always = matches!(layer.name.as_str(), "substations" | "crews" | "outages");
            if !always && !layer.fields.iter().any(|f| f.name == "name") {
                continue;
            }
            for f in &layer.features {
                if !always && text(layer, f, "name").is_none() {
                    continue;
                }
                let label = label(layer, f, &feeder_names);
                named.push(Named {
                    lower: label.to_lowercase(),
                    hit: feature_hit(layer, f, label),
                });
            }
        }
        SearchIndex {
            version: snapshot.version,
            named,
            feeders,
        }
    }

    /// Entries in the index.
    pub fn len(&self) -> usize {
        self.named.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.named.is_empty()
    }

    /// The feeder entry of `feeder_id`.
    pub fn feeder(&self, feeder_id: i64) -> Option<&Hit> {
        self.feeders.get(&feeder_id).map(|&i| &self.named[i].hit)
    }

    /// The named entries of `kind` whose label contains `needle` (lower case), best first.
    pub fn by_name(&self, kind: Kind, needle: &str) -> Vec<&Hit> {
        let mut hits: Vec<(u8, &Named)> = self
            .named
            .iter()
            .filter(|n| n.hit.kind == kind)
            .filter_map(|n| name_rank(&n.lower, needle).map(|r| (r, n)))
            .collect();
        hits.sort_by(|a, b| {
            (a.0, a.1.lower.len(), a.1.hit.id).cmp(&(b.0, b.1.lower.len(), b.1.hit.id))
        });
        hits.into_iter().map(|(_, n)| &n.hit).collect()
    }

    /// Searches `query` (trimmed; ids exact — the whole query or any number in it — then
    /// names by case-insensitive substring), at most `limit` results (≤ [`MAX_RESULTS`]).
    pub fn search(&self, snapshot: &Snapshot, query: &str, limit: usize) -> SearchResults {
        let limit = limit.clamp(1, MAX_RESULTS);
        let q = query.trim();
        let needle = q.to_lowercase();
        // (rank, kind, label length, id): ids 0, names 1..=4.
        let mut ranked: Vec<(u8, Hit)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for token in q
            .split(|c: char| !c.is_ascii_digit())
            .filter(|t| !t.is_empty())
        {
            let Ok(id) = token.parse::<u64>() else {
                continue;
            };
            if let Some((layer, f)) = snapshot
                .layers
                .iter()
                .find_map(|l| l.feature(id).map(|f| (l, f)))
            {
                let feeder_names = BTreeMap::new();
                let label = self
                    .named
                    .iter()
                    .find(|n| n.hit.id == id && n.hit.kind != Kind::Feeder)
                    .map(|n| n.hit.label.clone())
                    .unwrap_or_else(|| label(layer, f, &feeder_names));
                if seen.insert((kind_of(&layer.name), id)) {
                    ranked.push((0, feature_hit(layer, f, label)));
                }
            }
            if let Some(hit) = i64::try_from(id).ok().and_then(|i| self.feeder(i)) {
                if seen.insert((Kind::Feeder, id)) {
                    ranked.push((0, hit.clone()));
                }
            }
        }
        if !needle.is_empty() {
            for n in &self.named {
                if let Some(r) = name_rank(&n.lower, &needle) {
                    if seen.insert((n.hit.kind, n.hit.id)) {
                        ranked.push((r, n.hit.clone()));
                    }
                }
            }
        }
        ranked.sort_by(|a, b| {
            (a.0, a.1.kind, a.1.label.len(), a.1.id).cmp(&(b.0, b.1.kind, b.1.label.len(), b.1.id))
        });
        let truncated = ranked.len() > limit;
        ranked.truncate(limit);
        let results: Vec<Hit> = ranked.into_iter().map(|(_, h)| h).collect();
        SearchResults {
            count: results.len(),
            results,
            truncated,
        }
    }
}

/// How well `label` (lower case) matches `needle` (lower case): 1 equal, 2 prefix, 3 a
/// word starts with it, 4 substring; `None` when it does not contain it.
fn name_rank(label: &str, needle: &str) -> Option<u8> {
    if needle.is_empty() {
        return None;
    }
    let at = label.find(needle)?;
    Some(if label == needle {
        1
    } else if at == 0 {
        2
    } else if label
        .match_indices(needle)
        .any(|(i, _)| !label[..i].ends_with(|c: char| c.is_alphanumeric()))
    {
        3
    } else {
        4
    })
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
