//! Load/write timing for a grid the size of the scale-1 demo (~350K features). Ignored by
//! default; run in release:
//! `cargo test --release --lib source::file::tests::perf -- --ignored --nocapture`.

use std::time::Instant;

use geo_types::{line_string, point};

use super::*;
use crate::source::file::{fgb_write, write_dir};

/// 150K meters, 100K poles and 34K transformers (points) and 66K two-point lines, with a
/// handful of distinct strings per field, in id order.
fn synthetic_grid() -> Vec<LayerData> {
    let mut next_id = 0u64;
    let mut id = || {
        next_id += 1;
        next_id
    };
    let pos = |i: usize| {
        (
            -122.5 + (i % 997) as f64 * 2.1e-4,
            37.6 + (i / 997) as f64 * 1.3e-3,
        )
    };

    let classes = [
        "residential",
        "commercial",
        "industrial",
        "agricultural",
        "municipal",
    ];
    let mut meters = LayerData::new(
        "meters",
        vec![
            Field::new("class", FieldType::String),
            Field::new("kw", FieldType::Float),
            Field::new("phase", FieldType::Int),
            Field::new("active", FieldType::Bool),
            Field::new("transformer", FieldType::Int),
        ],
    );
    for i in 0..150_000 {
        let (x, y) = pos(i);
        meters.features.push(Feature {
            id: id(),
            geometry: point!(x: x, y: y).into(),
            properties: vec![
                Some(Value::from(classes[i % 5])),
                Some(Value::Float(i as f64 * 0.01)),
                Some(Value::Int((i % 3) as i64)),
                Some(Value::Bool(i % 11 != 0)),
                Some(Value::Int((i / 8) as i64)),
            ],
        });
    }
    let materials = ["wood", "steel", "concrete"];
    let mut poles = LayerData::new(
        "poles",
        vec![
            Field::new("material", FieldType::String),
            Field::new("height", FieldType::Float),
            Field::new("feeder", FieldType::String),
        ],
    );
    for i in 0..100_000 {
        let (x, y) = pos(i * 3 + 1);
        poles.features.push(Feature {
            id: id(),
            geometry: point!(x: x, y: y).into(),
            properties: vec![
                Some(Value::from(materials[i % 3])),
                Some(Value::Float(10.0 + (i % 7) as f64)),
                Some(Value::from(format!("F{:03}", i % 60).as_str())),
            ],
        });
    }
    let mut lines = LayerData::new(
        "lines",
        vec![
            Field::new("kv", FieldType::Float),
            Field::new("feeder", FieldType::String),
            Field::new("phases", FieldType::String),
        ],
    );
    for i in 0..66_000 {
        let (x, y) = pos(i * 4 + 2);
        lines.features.push(Feature {
            id: id(),
            geometry: line_string![(x: x, y: y), (x: x + 2e-4, y: y + 1e-4)].into(),
            properties: vec![
                Some(Value::Float(12.47)),
                Some(Value::from(format!("F{:03}", i % 60).as_str())),
                Some(Value::from(["ABC", "A", "B", "C"][i % 4])),
            ],
        });
    }
    let mut transformers = LayerData::new(
        "transformers",
        vec![
            Field::new("kva", FieldType::Int),
            Field::new("feeder", FieldType::String),
        ],
    );
    for i in 0..34_000 {
        let (x, y) = pos(i * 7 + 3);
        transformers.features.push(Feature {
            id: id(),
            geometry: point!(x: x, y: y).into(),
            properties: vec![
                Some(Value::Int([25, 50, 75, 100][i % 4])),
                Some(Value::from(format!("F{:03}", i % 60).as_str())),
            ],
        });
    }
    vec![lines, meters, poles, transformers]
}

#[test]
#[ignore = "timing; run in release"]
fn load_and_write_350k_features() {
    let layers = synthetic_grid();
    let total: usize = layers.iter().map(|l| l.features.len()).sum();
    let dir = tmp();

    let t = Instant::now();
    write_dir(dir.path(), &layers).expect("write");
    let write = t.elapsed();
    let bytes: u64 = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();

    let t = Instant::now();
    for layer in &layers {
        fgb_write::encode(layer).expect("encode");
    }
    let encode = t.elapsed();

    let t = Instant::now();
    let loaded = load(dir.path());
    let load = t.elapsed();

    assert_eq!(loaded.layers, layers);
    println!(
        "{total} features, {:.1} MB: write_dir {:.0} ms (encoding alone {:.0} ms), \
         load_dir {:.0} ms",
        bytes as f64 / 1e6,
        write.as_secs_f64() * 1e3,
        encode.as_secs_f64() * 1e3,
        load.as_secs_f64() * 1e3
    );
}
