//! [`Inputs`]: what a derived value (AMI rollups, the outage history, health rankings) was
//! computed from — the topology graph's structure and the attributes it read of some layers —
//! so that a later snapshot version can tell whether the value is still valid without
//! computing it again (`live::PerVersion::get_or_reuse`). The simulator's ticks change
//! statuses, switch states, crews and outages, not meters' classes or feeders, so the values
//! that read only those are carried across its versions.

use std::sync::Arc;

use arc_swap::ArcSwapOption;

use crate::index::{IndexedLayer, Snapshot};

/// One layer read: its name, the layer as it was last seen with the same values (absent:
/// `None`) and the attributes read.
#[derive(Debug)]
struct LayerRead {
    name: String,
    layer: ArcSwapOption<IndexedLayer>,
    fields: Vec<String>,
}

/// The inputs of a derived value.
#[derive(Debug, Default)]
pub struct Inputs {
    /// [`crate::topology::GridGraph::structure_id`] of the graph read, if any.
    structure: Option<u64>,
    layers: Vec<LayerRead>,
}

impl Inputs {
    /// Inputs that read the graph structure `structure` (if any) and, of `snapshot`, the
    /// attributes `fields` of each named layer (`(layer, fields)`).
    pub fn of(snapshot: &Snapshot, structure: Option<u64>, reads: &[(&str, &[&str])]) -> Inputs {
        Inputs {
            structure,
            layers: reads
                .iter()
                .map(|(name, fields)| LayerRead {
                    name: name.to_string(),
                    layer: ArcSwapOption::new(
                        snapshot.layers.iter().find(|l| l.name == *name).cloned(),
                    ),
                    fields: fields.iter().map(|f| f.to_string()).collect(),
                })
                .collect(),
        }
    }

    /// True when `snapshot` (with a graph of structure `structure`) holds the same inputs:
    /// the same structure, each layer present or absent as before, with the same feature
    /// ids and values of the fields read ([`IndexedLayer::same_values`]). When they are, the
    /// snapshot's layers are remembered in place of the older ones, so the next check
    /// compares consecutive versions (mostly shared features) and no old layer is kept
    /// alive.
    pub fn unchanged(&self, snapshot: &Snapshot, structure: Option<u64>) -> bool {
        if self.structure != structure {
            return false;
        }
        let now: Vec<Option<&Arc<IndexedLayer>>> = self
            .layers
            .iter()
            .map(|r| snapshot.layers.iter().find(|l| l.name == r.name))
            .collect();
        let same =
            self.layers
                .iter()
                .zip(&now)
                .all(|(r, now)| match (r.layer.load().as_ref(), now) {
                    (None, None) => true,
                    (Some(a), Some(b)) => {
                        let fields: Vec<&str> = r.fields.iter().map(String::as_str).collect();
                        a.same_values(b, &fields)
                    }
                    _ => false,
                });
        if same {
            for (r, now) in self.layers.iter().zip(now) {
                r.layer.store(now.cloned());
            }
        }
        same
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{ChangeSet, SnapshotBuilder};
    use crate::model::Value;
    use crate::source::demo::{generate, DemoParams};

    #[test]
    fn an_update_of_other_attributes_keeps_the_inputs() {
        let layers = generate(&DemoParams {
            seed: 1,
            scale: 0.02,
        });
        let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
        let meters = snap.layer("meters").unwrap();
        let id = meters.features[5].id;
        let field = |name: &str| meters.fields.iter().position(|f| f.name == name).unwrap();
        let (status, class) = (field("status"), field("customer_class"));
        let inputs = Inputs::of(&snap, Some(3), &[("meters", &["customer_class"])]);
        assert!(inputs.unchanged(&snap, Some(3)));
        assert!(!inputs.unchanged(&snap, Some(4)), "another structure");
        let edit = |i: usize, v: &str| {
            let mut props = meters.features[5].properties.clone();
            props[i] = Some(Value::Str(v.into()));
            let mut changes = ChangeSet::default();
            changes
                .layers
                .entry("meters".into())
                .or_default()
                .attributes
                .push((id, props));
            snap.apply(changes, snap.version + 1).unwrap().snapshot
        };
        assert!(
            inputs.unchanged(&edit(status, "de-energized"), Some(3)),
            "a status is not read"
        );
        let other = edit(class, "industrial");
        assert_ne!(
            other
                .layer("meters")
                .unwrap()
                .feature(id)
                .unwrap()
                .properties[class],
            meters.features[5].properties[class],
            "the edit changed the class"
        );
        assert!(!inputs.unchanged(&other, Some(3)), "a class is read");
        let none = Inputs::of(&snap, None, &[("no such layer", &[])]);
        assert!(none.unchanged(&snap, None));
    }
}
