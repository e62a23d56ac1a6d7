//! Notifications waiting to be applied: the keys per (layer, watch), or "the whole layer".
//! Turning them into a [`ChangeSet`] reads the rows again (or the whole layer).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::index::{ChangeSet, LayerChanges, Snapshot};
use crate::model::Value;

use crate::source::postgres::live::listen::Notice;
use crate::source::postgres::live::reread::{reread, Keys};
use crate::source::postgres::load::PgSource;
use crate::source::postgres::plan::LayerPlan;
use crate::source::postgres::{client, PgError};

/// Keys per query: large batches are read in chunks of this many.
const KEYS_PER_QUERY: usize = 10_000;

/// What is known to have changed, not yet applied.
#[derive(Debug, Default)]
pub struct Pending {
    /// (layer index, watch index) → keys as text.
    keys: HashMap<(usize, usize), HashSet<String>>,
    /// Layers to read whole.
    whole: HashSet<usize>,
}

impl Pending {
    /// True if nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.whole.is_empty()
    }

    /// Records a notification. Returns false if no layer watches its table.
    pub fn add(&mut self, plans: &[LayerPlan], n: &Notice) -> bool {
        let mut matched = false;
        for (li, plan) in plans.iter().enumerate() {
            for (wi, w) in plan.watches.iter().enumerate() {
                if w.schema != n.schema || w.table != n.table {
                    continue;
                }
                matched = true;
                let parses = !w.numeric || n.keys.iter().all(|k| k.parse::<i64>().is_ok());
                if n.all || n.column != w.key || !parses {
                    self.whole.insert(li);
                } else {
                    self.keys
                        .entry((li, wi))
                        .or_default()
                        .extend(n.keys.iter().cloned());
                }
            }
        }
        matched
    }

    /// Reads what changed and returns it as a change set (layers read whole are `replace`
    /// changes; keyed rows are upserts, and rows that no longer match are deletes).
    pub async fn read(self, src: &PgSource, snapshot: &Snapshot) -> Result<ChangeSet, PgError> {
        let mut set = ChangeSet {
            layers: BTreeMap::new(),
        };
        for &li in &self.whole {
            let plan = &src.plans[li];
            let layer = src.load_layer_with(plan, false).await?;
            set.layers.insert(
                plan.name.clone(),
                LayerChanges {
                    upserts: layer.features,
                    deletes: Vec::new(),
                    replace: true,
                    ..LayerChanges::default()
                },
            );
        }
        let conn = client(&src.pool, &src.target).await?;
        for ((li, wi), keys) in self.keys {
            if self.whole.contains(&li) {
                continue;
            }
            let plan = &src.plans[li];
            let watch = &plan.watches[wi];
            let keys: Vec<String> = keys.into_iter().collect();
            let ch = set.layers.entry(plan.name.clone()).or_default();
            for chunk in keys.chunks(KEYS_PER_QUERY) {
                let typed = if watch.numeric {
                    Keys::Int(chunk.iter().filter_map(|k| k.parse().ok()).collect())
                } else {
                    Keys::Text(chunk.to_vec())
                };
                let rows = reread(&conn, plan, watch, &typed).await?;
                let mut present = HashSet::with_capacity(rows.len());
                for r in rows {
                    if let Some(f) = r.feature {
                        present.insert(f.id);
                        ch.upserts.push(f);
                    }
                }
                ch.deletes
                    .extend(gone(snapshot, plan, watch.field, &typed, &present));
            }
        }
        Ok(set)
    }
}

/// Ids of the layer's current features that matched `keys` on the watched column but are
/// not among the rows read again (`present`): deleted, or moved out of the query.
fn gone(
    snapshot: &Snapshot,
    plan: &LayerPlan,
    field: Option<usize>,
    keys: &Keys,
    present: &HashSet<u64>,
) -> Vec<u64> {
    let Some(layer) = snapshot.layer(&plan.name) else {
        return Vec::new();
    };
    match field {
        None => match keys {
            Keys::Int(ids) => ids
                .iter()
                .filter(|&&id| id >= 0 && !present.contains(&(id as u64)))
                .map(|&id| id as u64)
                .filter(|id| layer.by_id.contains_key(id))
                .collect(),
            Keys::Text(_) => Vec::new(),
        },
        Some(fi) => {
            // The layer's field index of the watched column (plan fields = layer fields).
            let Some(idx) = layer
                .fields
                .iter()
                .position(|f| f.name == plan.fields[fi].name)
            else {
                return Vec::new();
            };
            let matches = |v: &Value| match (v, keys) {
                (Value::Int(i), Keys::Int(k)) => k.contains(i),
                (Value::Str(s), Keys::Text(k)) => k.iter().any(|x| x.as_str() == &**s),
                (v, Keys::Text(k)) => {
                    let t = v.to_json().to_string();
                    k.contains(&t)
                }
                _ => false,
            };
            layer
                .features
                .iter()
                .filter(|f| !present.contains(&f.id))
                .filter(|f| {
                    f.properties
                        .get(idx)
                        .and_then(Option::as_ref)
                        .is_some_and(matches)
                })
                .map(|f| f.id)
                .collect()
        }
    }
}
