//! Tile engine timing on a synthetic grid of realistic size (~60K spans, ~120K poles, ~18K
//! transformers, ~160K meters, ~4K switches around Houston), independent of the demo
//! generator. Ignored by default; run in release:
//!
//! ```text
//! cargo test --release --test tiles_perf -- --ignored --nocapture
//! ```
//!
//! Prints per-zoom cold render times (mean, p50, p99, max) and sizes, and a mixed-zoom replay
//! rate on one thread. In release builds it asserts p99 ≤ 10 ms at every zoom.

mod tiles_support;

use std::time::{Duration, Instant};

use geo_types::{Geometry, LineString, Point};
use gridtiles::index::{Snapshot, SnapshotBuilder};
use gridtiles::model::{Feature, Field, FieldType, LayerData, Value};
use gridtiles::tiles::{render_tile, LayerSelection, TileCoord};
use gridtiles::tiling::TilingConfig;
use tiles_support::at;

fn s(v: &str) -> Option<Value> {
    Some(Value::from(v))
}

fn point(e: f64, n: f64) -> Geometry<f64> {
    let (x, y) = at(e, n);
    Geometry::Point(Point::new(x, y))
}

/// 16 substations on an 8 km grid, 12 feeders each; a feeder is a 40-span trunk with a
/// 14-span lateral every 2 spans; spans have a mid vertex (slightly off line).
fn big_grid() -> Vec<LayerData> {
    let f = |n: &str, t| Field::new(n, t);
    let mut subs = LayerData::new("substations", vec![f("name", FieldType::String)]);
    let mut spans = LayerData::new(
        "feeders",
        vec![
            f("feeder_id", FieldType::Int),
            f("status", FieldType::String),
            f("phase", FieldType::String),
            f("conductor", FieldType::String),
            f("length_m", FieldType::Float),
            f("install_year", FieldType::Int),
        ],
    );
    let mut poles = LayerData::new(
        "poles",
        vec![
            f("material", FieldType::String),
            f("height_m", FieldType::Float),
        ],
    );
    let mut xfmrs = LayerData::new(
        "transformers",
        vec![f("kva", FieldType::Float), f("phase", FieldType::String)],
    );
    let mut meters = LayerData::new(
        "meters",
        vec![
            f("meter_type", FieldType::String),
            f("service_class", FieldType::String),
            f("kw", FieldType::Float),
        ],
    );
    let mut switches = LayerData::new(
        "switches",
        vec![
            f("normally_open", FieldType::Bool),
            f("kind", FieldType::String),
        ],
    );
    let mut id = 0u64;
    let mut next = || {
        id += 1;
        id
    };
    let mut feeder_id = 0i64;
    for si in 0..4 {
        for sj in 0..4 {
            let (cx, cy) = (
                -12_000.0 + 8000.0 * si as f64,
                -12_000.0 + 8000.0 * sj as f64,
            );
            subs.features.push(Feature {
                id: next(),
                geometry: point(cx, cy),
                properties: vec![s("sub")],
            });
            for k in 0..12 {
                feeder_id += 1;
                let ang = (k as f64 + 0.1 * si as f64) * std::f64::consts::TAU / 12.0;
                let (dx, dy) = (ang.cos(), ang.sin());
                let (px, py) = (-dy, dx);
                let mut span = |a: (f64, f64), b: (f64, f64), phase: &str, year: i64| {
                    let mid = ((a.0 + b.0) / 2.0 + px * 2.0, (a.1 + b.1) / 2.0 + py * 2.0);
                    let line: Vec<(f64, f64)> = [a, mid, b].iter().map(|p| at(p.0, p.1)).collect();
                    spans.features.push(Feature {
                        id: next(),
                        geometry: Geometry::LineString(LineString::from(line)),
                        properties: vec![
                            Some(Value::Int(feeder_id)),
                            s(if year % 17 == 0 { "open" } else { "energized" }),
                            s(phase),
                            s("477 ACSR"),
                            Some(Value::Float(100.0)),
                            Some(Value::Int(1960 + year % 60)),
                        ],
                    });
                    for p in [a, mid] {
                        poles.features.push(Feature {
                            id: next(),
                            geometry: point(p.0, p.1),
                            properties: vec![s("wood"), Some(Value::Float(12.0))],
                        });
                    }
                };
                let o = (cx + dx * 60.0, cy + dy * 60.0);
                for t in 0..40 {
                    let a = (o.0 + dx * 100.0 * t as f64, o.1 + dy * 100.0 * t as f64);
                    let b = (a.0 + dx * 100.0, a.1 + dy * 100.0);
                    span(a, b, "ABC", t);
                    if t % 2 == 1 {
                        let side = if t % 4 == 1 { 1.0 } else { -1.0 };
                        for l in 0..14 {
                            let la = (
                                b.0 + side * px * 100.0 * l as f64,
                                b.1 + side * py * 100.0 * l as f64,
                            );
                            let lb = (la.0 + side * px * 100.0, la.1 + side * py * 100.0);
                            span(la, lb, ["A", "B", "C"][(t as usize / 2) % 3], l + t);
                        }
                    }
                }
            }
        }
    }
    // Transformers, meters and switches along laterals (from the spans just built).
    for (k, sp) in spans.features.iter().enumerate() {
        let Geometry::LineString(ls) = &sp.geometry else {
            continue;
        };
        let (a, b) = (ls.0[0], ls.0[2]);
        let is_lateral = !matches!(&sp.properties[2], Some(Value::Str(p)) if &**p == "ABC");
        if !is_lateral {
            if k % 2 == 1 {
                switches.features.push(Feature {
                    id: next(),
                    geometry: Geometry::Point(Point::new(b.x, b.y + 2e-5)),
                    properties: vec![Some(Value::Bool(k % 10 == 1)), s("recloser")],
                });
            }
            continue;
        }
        if k % 3 == 0 {
            xfmrs.features.push(Feature {
                id: next(),
                geometry: Geometry::Point(Point::new(b.x + 2e-5, b.y)),
                properties: vec![Some(Value::Float(25.0 + (k % 4) as f64 * 25.0)), s("A")],
            });
        }
        for m in 0..3 {
            let t = 0.2 + 0.3 * m as f64;
            let x = a.x + (b.x - a.x) * t + 1.5e-4;
            let y = a.y + (b.y - a.y) * t + 1.5e-4;
            meters.features.push(Feature {
                id: next(),
                geometry: Geometry::Point(Point::new(x, y)),
                properties: vec![
                    s(if m == 2 { "commercial" } else { "residential" }),
                    s(["R1", "R2", "C1", "C2"][(k + m) % 4]),
                    Some(Value::Float(((k * 7 + m) % 90) as f64 / 10.0)),
                ],
            });
        }
    }
    vec![subs, spans, poles, xfmrs, meters, switches]
}

/// CPU time of this thread in seconds (from the scheduler; immune to other processes
/// competing for the cores), or 0 where unavailable.
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

fn stats(mut times: Vec<Duration>) -> (f64, f64, f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let n = times.len();
    let mean = times.iter().map(|&d| ms(d)).sum::<f64>() / n as f64;
    let p = |q: f64| ms(times[((n as f64 * q).ceil() as usize).clamp(1, n) - 1]);
    (mean, p(0.5), p(0.99), ms(times[n - 1]))
}

/// Up to `cap` tiles at zoom `z` within `half` metres of the centre, evenly sampled.
fn sample(z: u8, half: f64, cap: usize) -> Vec<TileCoord> {
    let (w, sth) = at(-half, -half);
    let (e, n) = at(half, half);
    let all: Vec<TileCoord> = TileCoord::covering([w, sth, e, n], z).collect();
    let stride = all.len().div_ceil(cap).max(1);
    all.into_iter().step_by(stride).collect()
}

#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn per_zoom_cold_render_times() {
    let t0 = Instant::now();
    let layers = big_grid();
    let counts: Vec<String> = layers
        .iter()
        .map(|l| format!("{} {}", l.name, l.features.len()))
        .collect();
    let snap: Snapshot = SnapshotBuilder::new(TilingConfig::default())
        .build(layers, 1)
        .unwrap();
    println!("grid: {} (built in {:?})", counts.join(", "), t0.elapsed());
    println!("zoom tiles  cpu_ms  mean_ms  p50_ms  p99_ms  max_ms  mean_kB  max_kB  feats/tile");
    let mut worst_p99 = 0.0f64;
    for z in 8..=16u8 {
        let tiles = sample(z, 14_000.0, 400);
        let (mut times, mut bytes, mut feats) = (Vec::new(), Vec::new(), 0usize);
        let cpu0 = thread_cpu();
        for &t in &tiles {
            let start = Instant::now();
            let r = render_tile(&snap, t, &LayerSelection::All).unwrap();
            times.push(start.elapsed());
            bytes.push(r.data.len());
            feats += r.feature_count;
        }
        let cpu_ms = (thread_cpu() - cpu0) * 1e3 / tiles.len() as f64;
        let (mean, p50, p99, max) = stats(times);
        worst_p99 = worst_p99.max(p99);
        println!(
            "z{z:<3} {:>5}  {cpu_ms:>6.3}  {mean:>7.3}  {p50:>6.3}  {p99:>6.3}  {max:>6.3}  {:>7.1}  {:>6.1}  {:>9.0}",
            tiles.len(),
            bytes.iter().sum::<usize>() as f64 / tiles.len() as f64 / 1e3,
            *bytes.iter().max().unwrap() as f64 / 1e3,
            feats as f64 / tiles.len() as f64,
        );
    }
    // A viewport replay: the URL list of benches/viewport_tiles.py when TILES_REPLAY names
    // one, else an even mix of z8-16 tiles around the centre; TILES_REPLAY_SECS long.
    let mix: Vec<TileCoord> = match std::env::var("TILES_REPLAY") {
        Ok(path) => std::fs::read_to_string(path)
            .expect("replay list")
            .lines()
            .filter_map(|l| {
                let p: Vec<&str> = l.trim_start_matches("/tiles/").split('/').collect();
                TileCoord::parse(p.first()?, p.get(1)?, p.get(2)?, 16).ok()
            })
            .collect(),
        Err(_) => (8..=16u8).flat_map(|z| sample(z, 6000.0, 60)).collect(),
    };
    let secs: f64 = std::env::var("TILES_REPLAY_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3.0);
    let (start, cpu0) = (Instant::now(), thread_cpu());
    let mut n = 0;
    while start.elapsed().as_secs_f64() < secs {
        for &t in &mix {
            render_tile(&snap, t, &LayerSelection::All).unwrap();
            n += 1;
        }
    }
    let (wall, cpu) = (start.elapsed().as_secs_f64(), thread_cpu() - cpu0);
    println!(
        "replay of {} tiles: {n} renders, {:.0} tiles/s wall, {:.3} ms CPU per tile ({:.0} tiles/s per core)",
        mix.len(),
        n as f64 / wall,
        cpu * 1e3 / n as f64,
        n as f64 / cpu,
    );
    if !cfg!(debug_assertions) {
        assert!(worst_p99 <= 10.0, "p99 {worst_p99} ms");
    }
}
