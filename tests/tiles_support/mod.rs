//! Shared by the tile engine's integration tests: a small fixed "city" grid and a strict,
//! independent reading of MVT tiles (geozero's prost types plus our own command parser).

#![allow(dead_code)]

use std::collections::HashMap;

use geo_types::{Geometry, LineString, Point, Polygon};
use geozero::mvt::{tile, Message, Tile};
use gridtiles::index::{Snapshot, SnapshotBuilder};
use gridtiles::model::{Feature, Field, FieldType, LayerData, Value};
use gridtiles::tiles::TileCoord;
use gridtiles::tiling::TilingConfig;

pub const LON0: f64 = -95.37;
pub const LAT0: f64 = 29.76;
pub const EXTENT: i64 = 4096;
pub const BUFFER: i64 = 64;
pub const FEEDERS: [i64; 4] = [1001, 1002, 1003, 1004];

/// Lon/lat of a point `east`, `north` metres from the substation.
pub fn at(east: f64, north: f64) -> (f64, f64) {
    let dlon = east / (111_320.0 * LAT0.to_radians().cos());
    let dlat = north / 110_540.0;
    (LON0 + dlon, LAT0 + dlat)
}

fn pt(e: f64, n: f64) -> Geometry<f64> {
    let (x, y) = at(e, n);
    Geometry::Point(Point::new(x, y))
}

fn s(v: &str) -> Option<Value> {
    Some(Value::from(v))
}

/// The fixture: one substation; four feeders (E, N, W, S) of 30 trunk spans of 100 m with a
/// lateral of 8 spans every 10 spans (feeder 1004's laterals are "open", so it merges into
/// two groups); poles at every node, transformers on laterals, 4 meters per lateral span,
/// switches at lateral taps, and a service-area polygon with a hole.
pub fn city() -> Vec<LayerData> {
    let mut subs = LayerData::new(
        "substations",
        vec![
            Field::new("name", FieldType::String),
            Field::new("kv", FieldType::Float),
        ],
    );
    subs.features.push(Feature {
        id: 1,
        geometry: pt(0.0, 0.0),
        properties: vec![s("Midtown"), Some(Value::Float(138.0))],
    });
    let mut spans = LayerData::new(
        "feeders",
        vec![
            Field::new("feeder_id", FieldType::Int),
            Field::new("status", FieldType::String),
            Field::new("phase", FieldType::String),
            Field::new("length_m", FieldType::Float),
            Field::new("overhead", FieldType::Bool),
            Field::new("conductor", FieldType::String),
        ],
    );
    let mut poles = LayerData::new(
        "poles",
        vec![
            Field::new("material", FieldType::String),
            Field::new("height_m", FieldType::Float),
        ],
    );
    let mut xfmrs = LayerData::new("transformers", vec![Field::new("kva", FieldType::Float)]);
    let mut meters = LayerData::new(
        "meters",
        vec![
            Field::new("meter_type", FieldType::String),
            Field::new("kw", FieldType::Float),
        ],
    );
    let mut switches = LayerData::new(
        "switches",
        vec![
            Field::new("normally_open", FieldType::Bool),
            Field::new("kind", FieldType::String),
        ],
    );
    let mut pole_at: HashMap<(i64, i64), ()> = HashMap::new();
    let (mut span_id, mut pole_id, mut xf_id, mut meter_id, mut sw_id) =
        (10_000u64, 20_000u64, 30_000u64, 40_000u64, 50_000u64);
    let dirs = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)];
    for (f, &(dx, dy)) in dirs.iter().enumerate() {
        let feeder = FEEDERS[f];
        let mut add_span = |a: (f64, f64), b: (f64, f64), status: &str, phase: &str| {
            let (ax, ay) = at(a.0, a.1);
            let (bx, by) = at(b.0, b.1);
            span_id += 1;
            spans.features.push(Feature {
                id: span_id,
                geometry: Geometry::LineString(LineString::from(vec![(ax, ay), (bx, by)])),
                properties: vec![
                    Some(Value::Int(feeder)),
                    s(status),
                    s(phase),
                    Some(Value::Float(100.0)),
                    Some(Value::Bool(span_id % 2 == 0)),
                    if span_id % 7 == 0 {
                        None
                    } else {
                        s("477 ACSR")
                    },
                ],
            });
            for p in [a, b] {
                if pole_at
                    .insert((p.0.round() as i64, p.1.round() as i64), ())
                    .is_none()
                {
                    pole_id += 1;
                    poles.features.push(Feature {
                        id: pole_id,
                        geometry: pt(p.0, p.1),
                        properties: vec![s("wood"), Some(Value::Float(12.0))],
                    });
                }
            }
        };
        // Trunk starts 50 m out so feeders do not share nodes at the substation.
        let start = 50.0;
        for k in 0..30 {
            let a = start + 100.0 * k as f64;
            let b = a + 100.0;
            add_span((dx * a, dy * a), (dx * b, dy * b), "energized", "ABC");
        }
        for l in 1..=3 {
            let tap = start + 1000.0 * l as f64;
            let base = (dx * tap, dy * tap);
            // perpendicular direction
            let (px, py) = (-dy, dx);
            let status = if feeder == 1004 { "open" } else { "energized" };
            let phase = ["A", "B", "C"][l - 1];
            sw_id += 1;
            switches.features.push(Feature {
                id: sw_id,
                geometry: pt(base.0 + px * 5.0, base.1 + py * 5.0),
                properties: vec![Some(Value::Bool(feeder == 1004)), s("fuse")],
            });
            for k in 0..8 {
                let a = (
                    base.0 + px * 100.0 * k as f64,
                    base.1 + py * 100.0 * k as f64,
                );
                let b = (a.0 + px * 100.0, a.1 + py * 100.0);
                add_span(a, b, status, phase);
                if k % 3 == 2 {
                    xf_id += 1;
                    xfmrs.features.push(Feature {
                        id: xf_id,
                        geometry: pt(b.0 + dx * 3.0, b.1 + dy * 3.0),
                        properties: vec![Some(Value::Float(50.0))],
                    });
                }
                for m in 0..4 {
                    let along = 20.0 + 20.0 * m as f64;
                    let side = if m % 2 == 0 { 15.0 } else { 25.0 };
                    let e = a.0 + px * along + dx * side;
                    let n = a.1 + py * along + dy * side;
                    meter_id += 1;
                    meters.features.push(Feature {
                        id: meter_id,
                        geometry: pt(e, n),
                        properties: vec![
                            s(if m == 3 { "commercial" } else { "residential" }),
                            if meter_id % 5 == 0 {
                                None
                            } else {
                                Some(Value::Float(3.5))
                            },
                        ],
                    });
                }
            }
        }
    }
    let mut areas = LayerData::new("service_areas", vec![Field::new("name", FieldType::String)]);
    let ring =
        |r: f64| LineString::from(vec![at(-r, -r), at(r, -r), at(r, r), at(-r, r), at(-r, -r)]);
    areas.features.push(Feature {
        id: 60_001,
        geometry: Geometry::Polygon(Polygon::new(ring(2500.0), vec![ring(300.0)])),
        properties: vec![s("central")],
    });
    vec![subs, spans, poles, xfmrs, meters, switches, areas]
}

/// The fixture indexed with `tiling`.
pub fn snapshot_with(tiling: TilingConfig) -> Snapshot {
    SnapshotBuilder::new(tiling)
        .build(city(), 1)
        .expect("fixture builds")
}

/// The fixture indexed with the default tiling configuration.
pub fn snapshot() -> Snapshot {
    snapshot_with(TilingConfig::default())
}

/// Every tile at zoom `z` over the fixture.
pub fn tiles(snap: &Snapshot, z: u8) -> Vec<TileCoord> {
    TileCoord::covering(snap.bounds, z).collect()
}

/// Decodes a tile with geozero's prost types.
pub fn decode(data: &[u8]) -> Tile {
    Tile::decode(data).expect("tile decodes")
}

/// The decoded layer called `name`.
pub fn layer<'a>(t: &'a Tile, name: &str) -> Option<&'a tile::Layer> {
    t.layers.iter().find(|l| l.name == name)
}

/// A decoded attribute value, by its MVT value type.
#[derive(Clone, Debug, PartialEq)]
pub enum Tv {
    Sint(i64),
    Double(f64),
    Str(String),
    Bool(bool),
}

/// The attributes of feature `f` of layer `l`, each with exactly one value type set.
pub fn attrs(l: &tile::Layer, f: &tile::Feature) -> Vec<(String, Tv)> {
    assert_eq!(f.tags.len() % 2, 0, "odd tag count");
    f.tags
        .chunks(2)
        .map(|kv| {
            let key = l.keys[kv[0] as usize].clone();
            let v = &l.values[kv[1] as usize];
            let set = [
                v.string_value.is_some(),
                v.float_value.is_some(),
                v.double_value.is_some(),
                v.int_value.is_some(),
                v.uint_value.is_some(),
                v.sint_value.is_some(),
                v.bool_value.is_some(),
            ];
            assert_eq!(set.iter().filter(|&&b| b).count(), 1, "value {v:?}");
            let tv = if let Some(s) = &v.string_value {
                Tv::Str(s.clone())
            } else if let Some(d) = v.double_value {
                Tv::Double(d)
            } else if let Some(i) = v.sint_value {
                Tv::Sint(i)
            } else if let Some(b) = v.bool_value {
                Tv::Bool(b)
            } else {
                panic!("unexpected value type {v:?}");
            };
            (key, tv)
        })
        .collect()
}

/// The attribute value type a snapshot value must be written as.
pub fn expected_tv(v: &Value) -> Tv {
    match v {
        Value::Int(i) => Tv::Sint(*i),
        Value::Float(f) => Tv::Double(*f),
        Value::Str(s) => Tv::Str(s.to_string()),
        Value::Bool(b) => Tv::Bool(*b),
    }
}

fn zigzag(v: u32) -> i64 {
    i64::from((v >> 1) as i32 ^ -((v & 1) as i32))
}

/// Parses a feature's geometry strictly by the MVT 2.1 rules (command layout, no zero-length
/// LineTo or MoveTo steps, rings of non-zero area with the first ring exterior) and checks
/// every coordinate is within `[-buffer, extent + buffer]`. Returns the parts.
pub fn parse_geometry(f: &tile::Feature) -> Result<Vec<Vec<[i64; 2]>>, String> {
    let g = &f.geometry;
    let ty = f.r#type.ok_or("no type")?;
    let mut i = 0;
    let mut cur = [0i64; 2];
    let mut parts: Vec<Vec<[i64; 2]>> = Vec::new();
    let step = |i: &mut usize, cur: &mut [i64; 2]| -> Result<[i64; 2], String> {
        let (dx, dy) = (
            zigzag(*g.get(*i).ok_or("truncated")?),
            zigzag(*g.get(*i + 1).ok_or("truncated")?),
        );
        *i += 2;
        *cur = [cur[0] + dx, cur[1] + dy];
        for c in *cur {
            if !(-BUFFER..=EXTENT + BUFFER).contains(&c) {
                return Err(format!("coordinate {c} out of range"));
            }
        }
        Ok([dx, dy])
    };
    let cmd = |i: &mut usize| -> Result<(u32, u32), String> {
        let c = *g.get(*i).ok_or("truncated")?;
        *i += 1;
        Ok((c & 7, c >> 3))
    };
    if g.is_empty() {
        return Err("empty geometry".into());
    }
    while i < g.len() {
        let (id, count) = cmd(&mut i)?;
        if id != 1 {
            return Err(format!("expected MoveTo, got {id}"));
        }
        match ty {
            1 => {
                if count == 0 || !parts.is_empty() {
                    return Err("point: one MoveTo with count > 0".into());
                }
                let mut part = Vec::new();
                for k in 0..count {
                    let d = step(&mut i, &mut cur)?;
                    if k > 0 && d == [0, 0] {
                        return Err("repeated point".into());
                    }
                    part.push(cur);
                }
                parts.push(part);
            }
            2 | 3 => {
                if count != 1 {
                    return Err("MoveTo count must be 1".into());
                }
                let d = step(&mut i, &mut cur)?;
                if !parts.is_empty() && d == [0, 0] {
                    return Err("zero-length MoveTo".into());
                }
                let mut part = vec![cur];
                let (id, n) = cmd(&mut i)?;
                if id != 2 || n == 0 || (ty == 3 && n < 2) {
                    return Err(format!("bad LineTo ({id}, {n})"));
                }
                for _ in 0..n {
                    if step(&mut i, &mut cur)? == [0, 0] {
                        return Err("zero-length LineTo".into());
                    }
                    part.push(cur);
                }
                if ty == 3 {
                    if cmd(&mut i)? != (7, 1) {
                        return Err("ring without ClosePath".into());
                    }
                    let area = ring_area(&part);
                    if area == 0 {
                        return Err("zero-area ring".into());
                    }
                    if parts.is_empty() && area < 0 {
                        return Err("first ring is not exterior".into());
                    }
                }
                parts.push(part);
            }
            _ => return Err(format!("unknown type {ty}")),
        }
    }
    Ok(parts)
}

/// Twice the signed ring area by the MVT spec formula (positive = exterior).
pub fn ring_area(r: &[[i64; 2]]) -> i64 {
    let n = r.len();
    (0..n)
        .map(|k| {
            let (a, b) = (r[k], r[(k + 1) % n]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum()
}
