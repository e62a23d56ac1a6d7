//! Feature ids stay unique across layers under live changes (the PostgreSQL source's
//! check): a row upserted with an id another layer holds is skipped, unless that layer gives
//! the id up in the same change; two tables holding one id refuse the first load.

mod common;

use std::collections::BTreeMap;

use common::*;
use geo_types::{Geometry, Point};
use gridtiles::index::{ChangeSet, LayerChanges};
use gridtiles::model::{Feature, Value};
use gridtiles::source::postgres::unique_ids::{check_layers, drop_taken_ids};

fn pole(id: u64) -> Feature {
    Feature {
        id,
        geometry: Geometry::Point(Point::new(HOUSTON.0, HOUSTON.1)),
        properties: vec![Some(Value::Float(9.0)), Some(Value::Bool(true))],
    }
}

fn changes(layers: Vec<(&str, LayerChanges)>) -> ChangeSet {
    ChangeSet {
        layers: layers
            .into_iter()
            .map(|(n, c)| (n.to_owned(), c))
            .collect::<BTreeMap<_, _>>(),
    }
}

#[test]
fn an_upsert_with_another_layers_id_is_skipped() {
    let snap = snapshot(1);
    // 1 is the substation's id, 100 a feeder span's; 5000 is free; 1003 is the pole's own.
    let mut set = changes(vec![(
        "poles",
        LayerChanges {
            upserts: vec![pole(1), pole(5000), pole(100), pole(1003)],
            ..LayerChanges::default()
        },
    )]);
    assert_eq!(drop_taken_ids(&snap, &mut set), 2);
    let ids: Vec<u64> = set.layers["poles"].upserts.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![5000, 1003]);
    // The snapshot applies the rest, and id 1 is still the substation.
    let update = snap.apply(set, 2).unwrap();
    let subs = update.snapshot.layer_index("substations").unwrap();
    assert!(update.snapshot.layers[subs].by_id.contains_key(&1));
    let poles = update.snapshot.layer_index("poles").unwrap();
    assert!(!update.snapshot.layers[poles].by_id.contains_key(&1));
    assert!(update.snapshot.layers[poles].by_id.contains_key(&5000));
}

#[test]
fn an_id_moving_between_layers_in_one_change_is_kept() {
    let snap = snapshot(1);
    let mut set = changes(vec![
        (
            "substations",
            LayerChanges {
                deletes: vec![1],
                ..LayerChanges::default()
            },
        ),
        (
            "poles",
            LayerChanges {
                upserts: vec![pole(1)],
                ..LayerChanges::default()
            },
        ),
    ]);
    assert_eq!(drop_taken_ids(&snap, &mut set), 0);
    // Two layers claiming one new id in the same change: both skipped.
    let mut set = changes(vec![
        (
            "feeders",
            LayerChanges {
                upserts: vec![Feature {
                    properties: vec![None, None, None],
                    ..pole(7777)
                }],
                ..LayerChanges::default()
            },
        ),
        (
            "poles",
            LayerChanges {
                upserts: vec![pole(7777)],
                ..LayerChanges::default()
            },
        ),
    ]);
    assert_eq!(drop_taken_ids(&snap, &mut set), 2);
}

#[test]
fn the_first_load_refuses_a_shared_id() {
    let mut layers = houston_layers();
    assert!(check_layers(&layers).is_ok());
    layers[2].features.push(pole(100));
    let err = check_layers(&layers).unwrap_err().to_string();
    assert!(err.contains("\"poles\""), "{err}");
    assert!(
        err.contains("id 100 is also used by layer \"feeders\""),
        "{err}"
    );
}
