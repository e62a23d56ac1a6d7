//! The sorted index against the direct scans, and its validity across updates.

use super::*;
use crate::analytics::health::{distribution, worst};
use crate::index::{ChangeSet, SnapshotBuilder};
use crate::model::Value;
use crate::source::demo::{generate, DemoParams};

fn demo() -> Snapshot {
    let layers = generate(&DemoParams {
        seed: 1,
        scale: 0.03,
    });
    SnapshotBuilder::default().build(layers, 1).unwrap()
}

/// `snap` with attribute `name` of the first `n` features of `layer` set to `value`.
fn edited(snap: &Snapshot, layer: &str, name: &str, n: usize, value: Value) -> Snapshot {
    let l = snap.layer(layer).unwrap();
    let i = l.fields.iter().position(|f| f.name == name).unwrap();
    let mut changes = ChangeSet::default();
    let c = changes.layers.entry(layer.into()).or_default();
    for f in l.features.iter().take(n) {
        let mut props = f.properties.clone();
        props[i] = Some(value.clone());
        c.attributes.push((f.id, props));
    }
    snap.apply(changes, snap.version + 1).unwrap().snapshot
}

fn ids(r: &(&IndexedLayer, Vec<&IndexedFeature>, usize)) -> (Vec<u64>, usize) {
    (r.1.iter().map(|f| f.id).collect(), r.2)
}

/// Every question the endpoints ask, answered by the index and by the scans.
fn assert_same_answers(index: &HealthIndex, snap: &Snapshot) {
    for layer in ["poles", "transformers", "meters", "nope"] {
        for bins in [1, 7, 10, 100] {
            assert_eq!(
                index.distribution(snap, layer, bins),
                distribution(snap, layer, bins),
                "{layer} {bins}"
            );
        }
    }
    let feeder = snap.layer("poles").unwrap().features[10].properties[snap
        .layer("poles")
        .unwrap()
        .fields
        .iter()
        .position(|f| f.name == "feeder_id")
        .unwrap()]
    .clone();
    let Some(Value::Int(feeder)) = feeder else {
        panic!("a pole without feeder")
    };
    let filters = [
        WorstFilter::default(),
        WorstFilter {
            max_health: Some(40.0),
            feeder: None,
        },
        WorstFilter {
            max_health: None,
            feeder: Some(feeder),
        },
        WorstFilter {
            max_health: Some(55.5),
            feeder: Some(feeder),
        },
    ];
    for layer in ["poles", "transformers", "nope"] {
        for by in [WorstBy::Health, WorstBy::Load] {
            for filter in filters {
                for limit in [1, 20, 10_000] {
                    let a = index.worst(snap, layer, by, filter, limit);
                    let b = worst(snap, layer, by, filter, limit);
                    match (a, b) {
                        (Ok(a), Ok(b)) => assert_eq!(ids(&a), ids(&b), "{layer} {by:?} {filter:?}"),
                        (a, b) => assert_eq!(a.err(), b.err(), "{layer} {by:?} {filter:?}"),
                    }
                }
            }
        }
    }
}

#[test]
fn answers_equal_the_scans() {
    let snap = demo();
    let index = HealthIndex::build(&snap);
    assert_same_answers(&index, &snap);
    let (_, worst_poles, total) = index
        .worst(&snap, "poles", WorstBy::Health, WorstFilter::default(), 5)
        .unwrap();
    assert_eq!(worst_poles.len(), 5);
    assert_eq!(total, snap.layer("poles").unwrap().features.len());
}

#[test]
fn a_status_change_keeps_it_a_score_change_does_not() {
    let snap = demo();
    let index = HealthIndex::build(&snap);
    let status = edited(
        &snap,
        "poles",
        "status",
        50,
        Value::Str("de-energized".into()),
    );
    assert!(index.valid_for(&status), "statuses are not ranked");
    assert_same_answers(&index, &status);
    let scores = edited(&snap, "poles", HEALTH_ATTR, 50, Value::Float(1.5));
    assert!(!index.valid_for(&scores));
    assert_same_answers(&HealthIndex::build(&scores), &scores);
    let loads = edited(&snap, "transformers", LOAD_ATTR, 3, Value::Float(180.0));
    assert!(!index.valid_for(&loads));
    assert_same_answers(&HealthIndex::build(&loads), &loads);
}
