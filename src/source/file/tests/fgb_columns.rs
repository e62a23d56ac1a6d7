//! FlatGeobuf loading: the `id` column and the mapping of every column type.

use flatgeobuf::{ColumnType, GeometryType};
use geo_types::{point, Geometry};
use geozero::ColumnValue;

use super::fgb_fixtures::*;
use super::*;

#[test]
fn ids_from_the_id_column() {
    let dir = tmp();
    let pt = |x| -> Geometry { point!(x: x, y: 1.0).into() };
    let cols = [("name", ColumnType::String), ("id", ColumnType::Int)];
    let f = |x, id: Option<i32>| {
        let mut props = vec![(0, ColumnValue::String("n"))];
        props.extend(id.map(|id| (1, ColumnValue::Int(id))));
        (pt(x), props)
    };
    put(
        dir.path(),
        "a.fgb",
        reference_fgb(
            GeometryType::Point,
            4326,
            &cols,
            &[f(1.0, Some(9)), f(2.0, Some(3))],
        ),
    );
    let layer = only(load(dir.path()));
    assert_eq!(layer.fields, vec![Field::new("name", FieldType::String)]);
    let ids: Vec<u64> = layer.features.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![3, 9], "sorted by id, id column not a field");

    put(
        dir.path(),
        "a.fgb",
        reference_fgb(
            GeometryType::Point,
            4326,
            &cols,
            &[f(1.0, Some(9)), f(2.0, Some(-5))],
        ),
    );
    load_err(dir.path(), false, &["a.fgb, feature 1: negative id -5"]);
    let three = [f(1.0, Some(7)), f(2.0, Some(8)), f(3.0, Some(7))];
    put(
        dir.path(),
        "a.fgb",
        reference_fgb(GeometryType::Point, 4326, &cols, &three),
    );
    load_err(
        dir.path(),
        false,
        &["a.fgb, feature 2: duplicate id 7 (already used by feature 0)"],
    );
    put(
        dir.path(),
        "a.fgb",
        reference_fgb(
            GeometryType::Point,
            4326,
            &cols,
            &[f(1.0, Some(7)), f(2.0, None)],
        ),
    );
    load_err(
        dir.path(),
        false,
        &["a.fgb, feature 1: feature has no id, but other features"],
    );

    // No id at all: sequential ids from 1.
    put(
        dir.path(),
        "a.fgb",
        reference_fgb(
            GeometryType::Point,
            4326,
            &cols,
            &[f(1.0, None), f(2.0, None)],
        ),
    );
    let ids: Vec<u64> = only(load(dir.path()))
        .features
        .iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(ids, vec![1, 2]);

    let text_id = [("id", ColumnType::String)];
    let g = (pt(1.0), vec![(0, ColumnValue::String("a"))]);
    put(
        dir.path(),
        "a.fgb",
        reference_fgb(GeometryType::Point, 4326, &text_id, &[g]),
    );
    load_err(dir.path(), false, &["a.fgb: column \"id\" has type String"]);
}

#[test]
fn column_types() {
    use ColumnValue as V;
    let dir = tmp();
    let cols = [
        ("b", ColumnType::Bool),
        ("i8", ColumnType::Byte),
        ("u8", ColumnType::UByte),
        ("i16", ColumnType::Short),
        ("u16", ColumnType::UShort),
        ("i32", ColumnType::Int),
        ("u32", ColumnType::UInt),
        ("i64", ColumnType::Long),
        ("u64", ColumnType::ULong),
        ("f32", ColumnType::Float),
        ("f64", ColumnType::Double),
        ("s", ColumnType::String),
        ("j", ColumnType::Json),
        ("t", ColumnType::DateTime),
        ("bin", ColumnType::Binary),
    ];
    let values = vec![
        V::Bool(true),
        V::Byte(-8),
        V::UByte(200),
        V::Short(-300),
        V::UShort(60_000),
        V::Int(-70_000),
        V::UInt(4_000_000_000),
        V::Long(-1 << 40),
        V::ULong(1 << 62),
        V::Float(0.5),
        V::Double(2.25),
        V::String("x"),
        V::Json("[1]"),
        V::DateTime("2024-01-02T03:04:05Z"),
        V::Binary(&[1, 2]),
    ];
    let props: Vec<_> = values.into_iter().enumerate().collect();
    let f = (point!(x: 1.0, y: 1.0).into(), props);
    put(
        dir.path(),
        "t.fgb",
        reference_fgb(GeometryType::Point, 4326, &cols, &[f]),
    );
    let layer = only(load(dir.path()));
    let kinds: Vec<(&str, FieldType)> = layer
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.kind))
        .collect();
    use FieldType::*;
    let expected = [
        ("b", Bool),
        ("i8", Int),
        ("u8", Int),
        ("i16", Int),
        ("u16", Int),
        ("i32", Int),
        ("u32", Int),
        ("i64", Int),
        ("u64", Int),
        ("f32", Float),
        ("f64", Float),
        ("s", String),
        ("j", String),
        ("t", String),
    ];
    assert_eq!(kinds, expected, "binary column skipped");
    let got = &layer.features[0].properties;
    let want = [
        Value::Bool(true),
        Value::Int(-8),
        Value::Int(200),
        Value::Int(-300),
        Value::Int(60_000),
        Value::Int(-70_000),
        Value::Int(4_000_000_000),
        Value::Int(-1 << 40),
        Value::Int(1 << 62),
        Value::Float(0.5),
        Value::Float(2.25),
        Value::from("x"),
        Value::from("[1]"),
        Value::from("2024-01-02T03:04:05Z"),
    ];
    assert_eq!(
        got.iter().map(|v| v.clone().unwrap()).collect::<Vec<_>>(),
        want
    );

    let big = (point!(x: 1.0, y: 1.0).into(), vec![(0, V::ULong(u64::MAX))]);
    put(
        dir.path(),
        "t.fgb",
        reference_fgb(
            GeometryType::Point,
            4326,
            &[("n", ColumnType::ULong)],
            &[big],
        ),
    );
    load_err(
        dir.path(),
        false,
        &["t.fgb, feature 0: column \"n\": value 18446744073709551615 exceeds the Int range"],
    );
}
