//! Live operations, measured on the demo grid:
//! 1. event latency: an update published (`AppState::publish_update`) to its `change` frame
//!    read by a server-sent-events client over real TCP, 500 attribute-only updates of a
//!    meter's `kwh`;
//! 2. single-row updates applied and published (`Snapshot::apply` + `publish_update`, no
//!    client): a meter moved by about a metre, 200 times;
//! 3. the operations simulator's tick cost (faults, restorations, switching, crews), 200
//!    ticks driven directly, with the share of ticks that published something.
//!
//! ```text
//! cargo bench --bench live                     # scale 1
//! cargo bench --bench live -- 0.1              # another scale
//! cargo bench --bench live -- 10 --no-ticks    # updates only (the scale-10 target)
//! cargo bench --bench live -- --ticks-only      # the simulator's ticks only
//! ```

use std::time::{Duration, Instant};

use gridtiles::cache::TileCache;
use gridtiles::http::{self, AppState, Settings, ShutdownTiming};
use gridtiles::index::{ChangeSet, LayerChanges, SnapshotBuilder, WorldGeometry};
use gridtiles::model::{Feature, Value};
use gridtiles::simulate::Simulator;
use gridtiles::source::demo::{generate, DemoParams};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const UPDATES: usize = 500;
const TICKS: u64 = 200;
const MOVES: usize = 200;

fn percentiles(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let n = times.len();
    let at = |q: usize| times[(n * q / 100).min(n - 1)];
    let mean = times.iter().sum::<Duration>() / n.max(1) as u32;
    println!(
        "{name:>26}: mean {mean:>9.2?}  p50 {:>9.2?}  p90 {:>9.2?}  p99 {:>9.2?}  max {:>9.2?}  (n = {n})",
        at(50),
        at(90),
        at(99),
        times[n - 1]
    );
}

fn state(scale: f64) -> AppState {
    let layers = generate(&DemoParams { seed: 1, scale });
    let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
    AppState::new(snap, TileCache::new(64 << 20), Settings::default())
}

async fn event_latency(scale: f64) {
    let state = state(scale);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(http::serve_until(
        listener,
        state.clone(),
        async {
            let _ = stopped.await;
        },
        ShutdownTiming::default(),
    ));
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut text = String::new();
    let mut buf = vec![0u8; 1 << 16];
    while !text.contains("event: hello") {
        let n = tcp.read(&mut buf).await.unwrap();
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let meter = state.snapshot_arc().layer("meters").unwrap().features[0].clone();
    let kwh = state
        .snapshot_arc()
        .layer("meters")
        .unwrap()
        .fields
        .iter()
        .position(|f| f.name == "kwh")
        .unwrap();
    let (mut apply, mut latency) = (Vec::new(), Vec::new());
    for i in 0..UPDATES {
        let snap = state.snapshot_arc();
        let mut props = meter.properties.clone();
        props[kwh] = Some(Value::Float(1000.0 + i as f64));
        let mut set = ChangeSet::default();
        set.layers.insert(
            "meters".into(),
            LayerChanges {
                attributes: vec![(meter.id, props)],
                ..LayerChanges::default()
            },
        );
        let t = Instant::now();
        let update = snap.apply(set, snap.version + 1).unwrap();
        apply.push(t.elapsed());
        let t = Instant::now();
        let v = state.publish_update(update, false).version;
        // Event ids are `{epoch}-{version}`.
        let needle = format!("-{v}\nevent: change");
        text.clear();
        while !text.contains(&needle) {
            let n = tcp.read(&mut buf).await.unwrap();
            text.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        latency.push(t.elapsed());
    }
    println!("scale {scale}: meter attribute update, {UPDATES} times");
    percentiles("Snapshot::apply", apply);
    percentiles("publish -> SSE client", latency);
}

/// A meter moved back and forth by about a metre: one upsert per update.
fn moved_meter(scale: f64) {
    let state = state(scale);
    let meter = state.snapshot_arc().layer("meters").unwrap().features[17].clone();
    let [x, y] = match &meter.geometry {
        WorldGeometry::Points(p) => p[0],
        _ => panic!("meters are points"),
    };
    let (mut apply, mut publish) = (Vec::new(), Vec::new());
    for i in 0..MOVES {
        let snap = state.snapshot_arc();
        let dx = if i % 2 == 0 { 2.5e-8 } else { 0.0 };
        let (lon, lat) = gridtiles::mercator::world_to_lonlat([x + dx, y]);
        let mut set = ChangeSet::default();
        set.layers.insert(
            "meters".into(),
            LayerChanges {
                upserts: vec![Feature {
                    id: meter.id,
                    geometry: geo_types::Geometry::Point(geo_types::Point::new(lon, lat)),
                    properties: meter.properties.clone(),
                }],
                ..LayerChanges::default()
            },
        );
        let t = Instant::now();
        let update = snap.apply(set, snap.version + 1).unwrap();
        apply.push(t.elapsed());
        drop(snap);
        state.publish_update(update, false);
        publish.push(t.elapsed());
    }
    println!("scale {scale}: meter moved, {MOVES} times");
    percentiles("Snapshot::apply", apply);
    percentiles("apply + publish_update", publish);
}

fn simulator(scale: f64) {
    let state = state(scale);
    let t = Instant::now();
    let mut sim = Simulator::new(&state.snapshot_arc(), 1, 8).unwrap();
    println!("scale {scale}: simulator start {:?}", t.elapsed());
    let (mut busy, mut idle) = (Vec::new(), Vec::new());
    let (mut faults, mut restored, mut switched, mut versions) = (0, 0, 0, 0);
    for i in 0..TICKS {
        let t = Instant::now();
        let r = sim.tick(state.store(), 1_780_000_000 + i as i64).unwrap();
        let took = t.elapsed();
        faults += r.faults.len();
        restored += r.restored.len();
        switched += r.switched.len();
        versions += r.versions.len();
        if r.faults.is_empty() && r.restored.is_empty() && r.switched.is_empty() {
            idle.push(took);
        } else {
            busy.push(took);
        }
    }
    println!(
        "{TICKS} ticks: {faults} faults, {restored} restorations, {switched} switching, {versions} versions"
    );
    percentiles("tick with topology change", busy);
    percentiles("tick, crews only", idle);
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("live: run with `cargo bench --bench live`");
        return;
    }
    let scale: f64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1.0);
    if !std::env::args().any(|a| a == "--ticks-only") {
        event_latency(scale).await;
        tokio::task::spawn_blocking(move || moved_meter(scale))
            .await
            .unwrap();
        if std::env::args().any(|a| a == "--no-ticks") {
            return;
        }
    }
    tokio::task::spawn_blocking(move || simulator(scale))
        .await
        .unwrap();
}
