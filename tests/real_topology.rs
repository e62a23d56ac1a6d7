//! Topology from geometry and the data-quality report on a real network (`--features gdal`):
//! pandapower's MV Oberrhein (data/real), whose lines carry bus numbers but no node ids,
//! loaded with data/real/mv_oberrhein.toml. What gridtiles derives from the geometry is
//! checked against what the data says in its own attributes (`from_bus` / `to_bus`, the
//! switches' `closed`), computed independently here:
//!
//! - every line's derived ends are the positions of its two buses (except the line the data
//!   draws away from its bus, found here by distance);
//! - loops: none with the switch states (the network is operated radially), and with every
//!   switch closed exactly the cyclomatic number of the bus graph;
//! - feeders: one per circuit breaker; every line energized;
//! - the quality report's counts against the same attribute and distance computations, and
//!   `gridtiles check` prints the same report.

#![cfg(feature = "gdal")]

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;

use gridtiles::index::{Snapshot, SnapshotBuilder};
use gridtiles::model::{LayerData, Value};
use gridtiles::settings::Config;
use gridtiles::topology::quality::{self, QualityReport};
use gridtiles::topology::{GridGraph, TopologySchema};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn config() -> Config {
    let path = root().join("data/real/mv_oberrhein.toml");
    let mut c = Config::load(Some(&path), Vec::<(String, String)>::new())
        .unwrap()
        .config;
    c.data.dir = Some(root().join("data/real/mv_oberrhein.gpkg"));
    c
}

/// The dataset as loaded, before and after `[network]`.
fn load(config: &Config) -> (Vec<LayerData>, Vec<LayerData>) {
    let raw =
        gridtiles::source::contract::dir_layers(config.data.dir.as_deref().unwrap(), &config.data)
            .unwrap_or_else(|e| panic!("{e:#}"));
    let mut derived = raw.clone();
    gridtiles::source::apply_network(&mut derived, &config.network)
        .unwrap()
        .expect("topology derived from geometry");
    (raw, derived)
}

fn layer<'a>(layers: &'a [LayerData], name: &str) -> &'a LayerData {
    layers.iter().find(|l| l.name == name).unwrap()
}

fn int(l: &LayerData, f: &gridtiles::model::Feature, name: &str) -> Option<i64> {
    match f.properties.get(l.field_index(name)?)?.as_ref()? {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(*b as i64),
        Value::Float(x) => Some(*x as i64),
        Value::Str(_) => None,
    }
}

/// Metres between two lon/lat positions (equirectangular, exact enough at metres).
fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let k = (a.1.to_radians()).cos() * 111_320.0;
    ((a.0 - b.0) * k).hypot((a.1 - b.1) * 110_574.0)
}

fn xy(g: &geo_types::Geometry) -> (f64, f64) {
    match g {
        geo_types::Geometry::Point(p) => (p.x(), p.y()),
        _ => panic!("a point"),
    }
}

fn line_ends(g: &geo_types::Geometry) -> ((f64, f64), (f64, f64)) {
    match g {
        geo_types::Geometry::LineString(l) => {
            let (a, b) = (l.0[0], l.0[l.0.len() - 1]);
            ((a.x, a.y), (b.x, b.y))
        }
        _ => panic!("a line"),
    }
}

fn snapshot(layers: Vec<LayerData>, config: &Config) -> Snapshot {
    SnapshotBuilder::new(config.tiling())
        .build(layers, 1)
        .unwrap()
}

/// Bus number → position, from the raw buses.
fn bus_positions(raw: &[LayerData]) -> HashMap<i64, (f64, f64)> {
    let buses = layer(raw, "poles");
    buses
        .features
        .iter()
        .map(|f| (int(buses, f, "pp_index").unwrap(), xy(&f.geometry)))
        .collect()
}

/// The bus graph of the lines as drawn (co-located buses are one place, as in the geometry;
/// a line end drawn away from its bus is a place of its own): its cyclomatic number and its
/// components holding no substation.
fn bus_graph(raw: &[LayerData]) -> (usize, usize) {
    let pos = bus_positions(raw);
    let key = |b: i64| {
        let p = pos[&b];
        ((p.0 * 1e6).round() as i64, (p.1 * 1e6).round() as i64)
    };
    let lines = layer(raw, "feeders");
    let mut ids: HashMap<(i64, i64), usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            i = p[i];
        }
        i
    }
    let mut edges = 0;
    let mut apart = 0;
    for f in &lines.features {
        let (end_a, end_b) = line_ends(&f.geometry);
        // An end the data draws away from its bus is a place of its own.
        let mut node = |b: i64, end: (f64, f64)| {
            let n = ids.len();
            let k = if metres(end, pos[&b]) > 0.5 {
                apart += 1;
                (i64::MIN, apart)
            } else {
                key(b)
            };
            *ids.entry(k).or_insert_with(|| {
                parent.push(n);
                n
            })
        };
        let (a, b) = (
            node(int(lines, f, "from_bus").unwrap(), end_a),
            node(int(lines, f, "to_bus").unwrap(), end_b),
        );
        edges += 1;
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra] = rb;
        }
    }
    let roots: HashSet<usize> = (0..parent.len()).map(|i| find(&mut parent, i)).collect();
    let cyclomatic = edges + roots.len() - parent.len();
    let subs = layer(raw, "substations");
    let fed: HashSet<usize> = subs
        .features
        .iter()
        .filter_map(|f| ids.get(&key(int(subs, f, "bus")?)).copied())
        .map(|n| find(&mut parent, n))
        .collect();
    (cyclomatic, roots.len() - fed.len())
}

#[test]
fn derived_ends_are_the_buses_the_data_names() {
    let config = config();
    let (raw, derived) = load(&config);
    let pos = bus_positions(&raw);
    let (raw_lines, lines) = (layer(&raw, "feeders"), layer(&derived, "feeders"));
    assert_eq!(
        lines.features.len(),
        raw_lines.features.len(),
        "no line is split"
    );
    // A node is named by its substation, else its pole (a bus here).
    let node_pos: HashMap<i64, (f64, f64)> = ["poles", "substations"]
        .iter()
        .flat_map(|l| &layer(&derived, l).features)
        .map(|f| (f.id as i64, xy(&f.geometry)))
        .collect();
    // Independent: lines whose drawn ends are not at their buses.
    let drawn_apart: Vec<u64> = raw_lines
        .features
        .iter()
        .filter(|f| {
            let (a, b) = line_ends(&f.geometry);
            let (fa, fb) = (
                pos[&int(raw_lines, f, "from_bus").unwrap()],
                pos[&int(raw_lines, f, "to_bus").unwrap()],
            );
            metres(a, fa) > 0.5 || metres(b, fb) > 0.5
        })
        .map(|f| f.id)
        .collect();
    assert_eq!(
        drawn_apart.len(),
        1,
        "the data draws one line away from its bus"
    );
    let mut mismatched = Vec::new();
    for (raw_f, f) in raw_lines.features.iter().zip(&lines.features) {
        assert_eq!(raw_f.id, f.id);
        let at = |name: &str| int(lines, f, name).and_then(|n| node_pos.get(&n).copied());
        let buses = [
            int(raw_lines, raw_f, "from_bus").unwrap(),
            int(raw_lines, raw_f, "to_bus").unwrap(),
        ]
        .map(|b| pos[&b]);
        let ends = [at("from_node"), at("to_node")];
        let same = |p: Option<(f64, f64)>, q: (f64, f64)| p.is_some_and(|p| metres(p, q) < 0.5);
        let matches = (same(ends[0], buses[0]) && same(ends[1], buses[1]))
            || (same(ends[0], buses[1]) && same(ends[1], buses[0]));
        if !matches {
            mismatched.push(f.id);
        }
    }
    assert_eq!(mismatched, drawn_apart);
}

fn quality_of(derived: Vec<LayerData>, config: &Config) -> (QualityReport, GridGraph, Snapshot) {
    let snap = snapshot(derived, config);
    let graph =
        GridGraph::build(&snap, &TopologySchema::default()).unwrap_or_else(|e| panic!("{e}"));
    (
        quality::check(&snap, Some(&graph), true, 10_000),
        graph,
        snap,
    )
}

#[test]
fn radial_with_the_switch_states_one_feeder_per_breaker_every_line_fed() {
    let config = config();
    let (raw, derived) = load(&config);
    let switches = layer(&raw, "switches");
    let breakers = switches.features.iter().filter(|f| matches!(f.properties[switches.field_index("type").unwrap()].as_ref(), Some(Value::Str(s)) if &**s == "CB")).count();
    let open = switches
        .features
        .iter()
        .filter(|f| int(switches, f, "closed") == Some(0))
        .count();
    // Independent: lines with an end at a substation start the feeders. The data draws one
    // breaker's line 72 m away from its substation: that feeder is fed over its far end.
    let subs: Vec<(f64, f64)> = layer(&raw, "substations")
        .features
        .iter()
        .map(|f| xy(&f.geometry))
        .collect();
    let lines = layer(&raw, "feeders");
    let heads = lines
        .features
        .iter()
        .filter(|f| {
            let (a, b) = line_ends(&f.geometry);
            subs.iter()
                .any(|s| metres(a, *s) < 0.5 || metres(b, *s) < 0.5)
        })
        .count();
    assert_eq!(heads, breakers - 1);
    let (report, graph, snap) = quality_of(derived, &config);
    assert_eq!(report.counts["loop"], 0, "{report:#?}");
    assert_eq!(
        graph.feeder_ids().len(),
        heads,
        "feeders {:?}",
        graph.feeder_ids()
    );
    // Every line is in the network; the feeder whose head the data draws apart is dark
    // behind its open switches (and the dangling end says why).
    let stats = graph.stats();
    assert_eq!(stats.skipped_spans, 0);
    assert!(dark_spans(&graph, &snap) > 0, "{stats:?}");
    assert_eq!(report.counts["dangling_end"], 1);

    // Every switch closed: as many loops as the bus graph's cyclomatic number, which the
    // open switches break.
    let (cyclomatic, _) = bus_graph(&raw);
    assert!(
        cyclomatic > 0 && cyclomatic <= open,
        "{cyclomatic} loops, {open} open switches"
    );
    let mut all_closed = config.clone();
    for field in ["current_state", "normal_state"] {
        let codes = all_closed
            .network
            .values
            .get_mut("switches")
            .unwrap()
            .get_mut(field)
            .unwrap();
        codes.insert("false".into(), "closed".into());
    }
    let (_, derived) = load(&all_closed);
    let (report, graph, snap) = quality_of(derived, &all_closed);
    assert_eq!(report.counts["loop"], cyclomatic);
    // And every line energized.
    assert_eq!(dark_spans(&graph, &snap), 0);
}

/// Spans fed from no substation.
fn dark_spans(graph: &GridGraph, snap: &Snapshot) -> usize {
    let spans = snap.layer("feeders").unwrap();
    spans
        .features
        .iter()
        .filter(|f| graph.energized_from(f.id).unwrap().is_none())
        .count()
}

#[test]
fn quality_counts_match_an_independent_computation_and_the_check_command() {
    let config = config();
    let (raw, derived) = load(&config);
    let (report, _, _) = quality_of(derived, &config);
    let tol = 0.5;
    let points = |name: &str| -> Vec<(f64, f64)> {
        layer(&raw, name)
            .features
            .iter()
            .map(|f| xy(&f.geometry))
            .collect()
    };
    let ends: Vec<(f64, f64)> = layer(&raw, "feeders")
        .features
        .iter()
        .flat_map(|f| {
            let (a, b) = line_ends(&f.geometry);
            [a, b]
        })
        .collect();
    let near =
        |p: (f64, f64), set: &[(f64, f64)]| set.iter().filter(|q| metres(p, **q) <= tol).count();
    // Devices off the network: switches and transformers at no line end.
    let off = ["switches", "transformers"]
        .iter()
        .flat_map(|l| points(l))
        .filter(|p| near(*p, &ends) == 0)
        .count();
    // Meters without a transformer: loads at no transformer.
    let xf = points("transformers");
    let lonely_meters = points("meters")
        .into_iter()
        .filter(|p| near(*p, &xf) == 0)
        .count();
    // Dangling ends: a line end no other line end, pole (bus), substation, switch or
    // transformer meets.
    let mut attached = points("substations");
    attached.extend(points("poles"));
    attached.extend(points("switches"));
    attached.extend(xf.iter().copied());
    let dangling = ends
        .iter()
        .filter(|p| near(**p, &ends) == 1 && near(**p, &attached) == 0)
        .count();
    // Islands: groups of lines with no substation, by the data's own bus numbers.
    let (_, unfed) = bus_graph(&raw);
    let expected = [
        ("device_off_network", off),
        ("meter_without_transformer", lonely_meters),
        ("dangling_end", dangling),
        ("island", unfed),
    ];
    for (kind, n) in expected {
        assert_eq!(report.counts[kind], n, "{kind}: {report:#?}");
    }
    assert!(
        dangling > 0,
        "the line drawn away from its bus leaves a dangling end"
    );
    for kind in [
        "loop",
        "duplicate_id",
        "invalid_geometry",
        "unconnected_span",
    ] {
        assert_eq!(report.counts[kind], 0, "{kind}");
    }

    // `gridtiles check` prints the same report.
    let out = check_command(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed["counts"],
        serde_json::to_value(&report.counts).unwrap()
    );
    assert_eq!(printed["total"], report.total);
    let strict = check_command(&["--fail-on-findings"]);
    assert_eq!(
        strict.status.code(),
        Some(if report.total > 0 { 2 } else { 0 })
    );
}

/// `gridtiles check` on the real network with its configuration, and `more` flags.
fn check_command(more: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gridtiles"))
        .current_dir(root())
        .args([
            "check",
            "data/real/mv_oberrhein.gpkg",
            "--config",
            "data/real/mv_oberrhein.toml",
        ])
        .args(more)
        .output()
        .unwrap()
}

#[tokio::test]
async fn served_with_a_quality_layer_traces_and_the_quality_api() {
    let config = config();
    let state = tokio::task::spawn_blocking({
        let config = config.clone();
        move || gridtiles::app::prepare(&config)
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e:#}"));
    let snap = state.snapshot_arc();
    let quality_layer = snap.layer("quality").expect("a quality layer");
    let served_graph = GridGraph::build(&snap, &TopologySchema::default()).unwrap();
    // The graph the quality step built is the store's: asking for it builds nothing.
    let stored = state.store().graph(&snap).unwrap();
    assert_eq!((stored.version(), state.store().graph_builds()), (1, 0));
    let (report, graph, _) = {
        let (_, derived) = load(&config);
        quality_of(derived, &config)
    };
    assert_eq!(quality_layer.features.len(), report.total);
    // The findings through the API and as an OGC API collection (what QGIS reads).
    let app = gridtiles::http::router(state.clone());
    let api = common::send(&app, "GET", "/api/quality?kind=dangling_end", &[])
        .await
        .json();
    assert_eq!(api["counts"], serde_json::to_value(&report.counts).unwrap());
    assert_eq!(
        api["findings"].as_array().unwrap().len(),
        report.counts["dangling_end"]
    );
    // The operations views read the statuses the derivation wrote: the dark spans behind
    // the open switches are those the graph does not feed.
    let status = common::send(&app, "GET", "/api/substations/status", &[])
        .await
        .json();
    let dark: u64 = status["substations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["spans_de_energized"].as_u64().unwrap())
        .sum();
    assert_eq!(dark as usize, dark_spans(&served_graph, &snap), "{status}");
    assert!(dark > 0);
    let bad = common::send(&app, "GET", "/api/quality?kind=typo", &[]).await;
    assert_eq!(bad.status, 400);
    let items = common::send(
        &app,
        "GET",
        "/ogc/collections/quality/items?f=json",
        &[("host", "localhost")],
    )
    .await
    .json();
    assert_eq!(items["numberMatched"], report.total, "{items}");
    let kinds: Vec<&str> = items["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"dangling_end") && kinds.contains(&"meter_without_transformer"),
        "{kinds:?}"
    );
    // A trace works on the derived topology: downstream of a feeder's first span holds the
    // feeder's spans.
    let feeder = graph.feeder_ids()[0];
    let spans = snap.layer("feeders").unwrap();
    let first = spans
        .features
        .iter()
        .find(|f| f.id as i64 == feeder)
        .expect("a feeder is named by its first span");
    let down = graph.downstream(first.id).unwrap();
    assert!(
        down.ids.spans.len() > 1 && down.ids.spans.contains(&first.id),
        "{down:?}"
    );
}
