//! Timing on a synthetic grid of scale-1 size (30 substations, 600 feeders, 66 000 spans,
//! ~20 000 transformers, 150 000 meters). Ignored by default; run in release:
//! `cargo test --release --lib topology::perf -- --ignored --nocapture` (set
//! `CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16` to skip the
//! slow fat-LTO link when only timing).

use std::time::{Duration, Instant};

use geo_types::{Geometry, LineString, Point};

use crate::index::SnapshotBuilder;
use crate::model::{Feature, Field, FieldType, LayerData, Value};
use crate::tiling::TilingConfig;

use super::{GridGraph, TopologySchema};

const SUBS: u64 = 30;
const FEEDERS_PER_SUB: u64 = 20;
const TRUNK: u64 = 40;
const LATERALS: u64 = 10;
const LATERAL_LEN: u64 = 7;
const METERS_PER_FEEDER: u64 = 250;

struct Gen {
    subs: LayerData,
    spans: LayerData,
    switches: LayerData,
    transformers: LayerData,
    poles: LayerData,
    meters: LayerData,
    ids: [u64; 5],
}

fn int(v: u64) -> Option<Value> {
    Some(Value::Int(v as i64))
}

fn text(v: &str) -> Option<Value> {
    Some(Value::from(v))
}

fn pt(p: (f64, f64)) -> Geometry<f64> {
    Geometry::Point(Point::new(p.0, p.1))
}

impl Gen {
    fn new() -> Gen {
        use FieldType::{Int, String as Str};
        let f = |names: &[(&str, FieldType)]| -> Vec<Field> {
            names.iter().map(|(n, t)| Field::new(*n, *t)).collect()
        };
        Gen {
            subs: LayerData::new("substations", f(&[("substation_id", Int)])),
            spans: LayerData::new(
                "feeders",
                f(&[
                    ("feeder_id", Int),
                    ("from_node", Int),
                    ("to_node", Int),
                    ("section", Str),
                    ("status", Str),
                ]),
            ),
            switches: LayerData::new(
                "switches",
                f(&[
                    ("feeder_id", Int),
                    ("node_id", Int),
                    ("device_type", Str),
                    ("current_state", Str),
                ]),
            ),
            transformers: LayerData::new(
                "transformers",
                f(&[("feeder_id", Int), ("node_id", Int)]),
            ),
            poles: LayerData::new("poles", f(&[("feeder_id", Int)])),
            meters: LayerData::new(
                "meters",
                f(&[
                    ("feeder_id", Int),
                    ("transformer_id", Int),
                    ("customer_class", Str),
                ]),
            ),
            ids: [10_000_000, 20_000_000, 30_000_000, 40_000_000, 50_000_000],
        }
    }

    fn next(&mut self, k: usize) -> u64 {
        self.ids[k] += 1;
        self.ids[k]
    }

    fn span(&mut self, feeder: u64, a: (u64, (f64, f64)), b: (u64, (f64, f64)), section: &str) {
        let id = self.next(0);
        let line = LineString::from(vec![a.1, b.1]);
        self.spans.features.push(Feature {
            id,
            geometry: Geometry::LineString(line),
            properties: vec![
                int(feeder),
                int(a.0),
                int(b.0),
                text(section),
                text("energized"),
            ],
        });
    }

    fn pole(&mut self, feeder: u64, p: (f64, f64)) -> u64 {
        let id = self.next(1);
        self.poles.features.push(Feature {
            id,
            geometry: pt(p),
            properties: vec![int(feeder)],
        });
        id
    }

    fn switch(&mut self, feeder: u64, node: (u64, (f64, f64)), kind: &str, state: &str) {
        let id = self.next(4);
        self.switches.features.push(Feature {
            id,
            geometry: pt(node.1),
            properties: vec![int(feeder), int(node.0), text(kind), text(state)],
        });
    }

    /// One feeder: trunk, laterals with fuses, breaker, two reclosers, transformers on
    /// every third pole and 250 meters. Returns the trunk end node.
    fn feeder(&mut self, sub: (u64, (f64, f64)), feeder: u64, angle: f64) -> (u64, (f64, f64)) {
        let step = 0.0004;
        let (dx, dy) = (angle.cos() * step, angle.sin() * step);
        let mut nodes = Vec::new();
        let mut prev = sub;
        for k in 1..=TRUNK {
            let p = (sub.1 .0 + dx * k as f64, sub.1 .1 + dy * k as f64);
            let node = (self.pole(feeder, p), p);
            self.span(feeder, prev, node, "trunk");
            match k {
                1 => self.switch(feeder, node, "breaker", "closed"),
                15 | 30 => self.switch(feeder, node, "recloser", "closed"),
                _ => {}
            }
            nodes.push(node);
            prev = node;
        }
        for l in 0..LATERALS {
            let tap = nodes[(l * 4 + 2) as usize];
            let mut prev = tap;
            for k in 1..=LATERAL_LEN {
                let p = (tap.1 .0 - dy * k as f64, tap.1 .1 + dx * k as f64);
                let node = (self.pole(feeder, p), p);
                self.span(feeder, prev, node, "lateral");
                if k == 1 {
                    self.switch(feeder, node, "fuse", "closed");
                }
                nodes.push(node);
                prev = node;
            }
        }
        let xfs: Vec<u64> = nodes
            .iter()
            .step_by(3)
            .map(|&(n, p)| {
                let id = self.next(2);
                self.transformers.features.push(Feature {
                    id,
                    geometry: pt(p),
                    properties: vec![int(feeder), int(n)],
                });
                id
            })
            .collect();
        for m in 0..METERS_PER_FEEDER {
            let t = xfs[(m as usize) % xfs.len()];
            let id = self.next(3);
            let class = ["residential", "residential", "residential", "commercial"][m as usize % 4];
            self.meters.features.push(Feature {
                id,
                geometry: pt(nodes[(m as usize * 3) % nodes.len()].1),
                properties: vec![int(feeder), int(t), text(class)],
            });
        }
        nodes[TRUNK as usize - 1]
    }

    fn grid() -> Vec<LayerData> {
        let mut g = Gen::new();
        let mut feeder = 2_000_000;
        for s in 1..=SUBS {
            let p = (
                -95.8 + ((s - 1) % 6) as f64 * 0.12,
                29.5 + ((s - 1) / 6) as f64 * 0.1,
            );
            g.subs.features.push(Feature {
                id: s,
                geometry: pt(p),
                properties: vec![int(s)],
            });
            let mut ends = Vec::new();
            for f in 0..FEEDERS_PER_SUB {
                feeder += 1;
                let angle = std::f64::consts::TAU * f as f64 / FEEDERS_PER_SUB as f64;
                ends.push((feeder, g.feeder((s, p), feeder, angle)));
            }
            // A normally open tie between the trunk ends of feeder pairs.
            for pair in ends.chunks(2) {
                if let [(fa, a), (_, b)] = pair {
                    g.span(*fa, *a, *b, "tie");
                    g.switch(*fa, *a, "tie_switch", "open");
                }
            }
        }
        vec![
            g.subs,
            g.spans,
            g.switches,
            g.transformers,
            g.poles,
            g.meters,
        ]
    }
}

/// Prints mean, median, p99 and max; returns p99.
fn stats(name: &str, times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    let n = times.len();
    let mean = times.iter().sum::<Duration>() / n.max(1) as u32;
    let at = |q: usize| times[(n * q / 100).min(n - 1)];
    println!(
        "{name:>12}: mean {mean:>9.1?}  median {:>9.1?}  p99 {:>9.1?}  max {:>9.1?}  (n = {n})",
        at(50),
        at(99),
        times[n - 1]
    );
    at(99)
}

#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn scale_one_build_and_trace_times() {
    let layers = Gen::grid();
    let counts: Vec<(String, usize)> = layers
        .iter()
        .map(|l| (l.name.clone(), l.features.len()))
        .collect();
    println!("grid: {counts:?}");
    let snap = SnapshotBuilder::new(TilingConfig::default())
        .build(layers, 1)
        .unwrap();
    let schema = TopologySchema::default();
    let mut builds = Vec::new();
    let mut graph = None;
    for _ in 0..5 {
        let t = Instant::now();
        graph = Some(GridGraph::build(&snap, &schema).unwrap());
        builds.push(t.elapsed());
    }
    stats("build", &mut builds);
    let g = graph.unwrap();
    println!("stats: {:?}", g.stats());
    assert_eq!(g.stats().energized_nodes, g.stats().nodes);
    let sample = |layer: &str, n: usize| -> Vec<u64> {
        let l = snap.layer(layer).unwrap();
        let stride = (l.features.len() / n).max(1);
        l.features.iter().step_by(stride).map(|f| f.id).collect()
    };
    let mut assets = Vec::new();
    for layer in ["feeders", "poles", "switches", "transformers", "meters"] {
        assets.extend(sample(layer, 400));
    }
    type Query = fn(&GridGraph, u64) -> usize;
    let queries: [(&str, Query); 4] = [
        ("upstream", |g, id| g.upstream(id).unwrap().ids.len()),
        ("downstream", |g, id| g.downstream(id).unwrap().ids.len()),
        ("isolate", |g, id| g.isolate(id).unwrap().de_energized.len()),
        ("neighbours", |g, id| g.neighbours(id).unwrap().ids.len()),
    ];
    for (name, q) in queries {
        let mut times: Vec<Duration> = assets
            .iter()
            .map(|&id| {
                let t = Instant::now();
                std::hint::black_box(q(&g, id));
                t.elapsed()
            })
            .collect();
        stats(name, &mut times);
        assert!(
            times[times.len() - 1] < Duration::from_millis(5),
            "{name} over 5 ms"
        );
    }
    let mut subs: Vec<Duration> = (1..=SUBS)
        .map(|s| {
            let t = Instant::now();
            std::hint::black_box(g.downstream(s).unwrap());
            t.elapsed()
        })
        .collect();
    stats("down(subst)", &mut subs);
    let mut feeders: Vec<Duration> = g
        .feeder_ids()
        .into_iter()
        .map(|f| {
            let t = Instant::now();
            std::hint::black_box(g.connections(f).unwrap());
            t.elapsed()
        })
        .collect();
    stats("connections", &mut feeders);
}
