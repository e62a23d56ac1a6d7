//! The simulator on the demo grid (seed 1, scale 0.1), ticks driven directly: statuses
//! always agree with a fresh topology graph, every change is published as an event,
//! restoration returns the grid to its pre-fault state, and a seed fixes the sequence.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::edits::{int, position, text};
use super::*;
use crate::cache::TileCache;
use crate::index::SnapshotBuilder;
use crate::live::{ChangeEvent, Store};
use crate::metrics::Metrics;
use crate::source::demo::{generate, DemoParams};

/// A fixed clock: outage start times do not depend on when the test runs.
const NOW: i64 = 1_780_000_000;

fn state() -> Store {
    let layers = generate(&DemoParams {
        seed: 1,
        scale: 0.1,
    });
    let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
    Store::new(snap, TileCache::new(0), Arc::new(Metrics::default()), None)
}

/// Every status of the network layers against a graph built from scratch, and the outage
/// features against the simulator's records.
fn check_consistent(state: &Store, sim: &Simulator) {
    let snap = state.snapshot();
    let graph = GridGraph::build(&snap, &TopologySchema::default()).unwrap();
    let faults = sim.ops.fault_spans(None);
    for name in ["feeders", "poles", "transformers", "meters", "switches"] {
        let l = snap.layer(name).unwrap();
        for f in &l.features {
            if name == "switches" && text(l, f.id, "device_type") == Some("tie_switch") {
                continue;
            }
            let live = graph.energized_from(f.id).unwrap().is_some();
            let status = text(l, f.id, "status").unwrap();
            let want = if faults.contains(&f.id) {
                "fault"
            } else if live {
                "energized"
            } else {
                "de-energized"
            };
            assert_eq!(status, want, "{name} {} (v{})", f.id, snap.version);
        }
    }
    let outages = snap.layer("outages").unwrap();
    let meters = snap.layer("meters").unwrap();
    let ids: BTreeSet<u64> = outages.features.iter().map(|f| f.id).collect();
    assert_eq!(ids, sim.ops.outages.keys().copied().collect());
    for o in sim.ops.outages.values() {
        // The opened device's downstream trace is dark (what switching picked up aside).
        let device = int(outages, o.id, "device_id").unwrap() as u64;
        assert_eq!(
            text(snap.layer("switches").unwrap(), device, "current_state"),
            Some("open")
        );
        let down = graph.downstream(device).unwrap();
        if o.switched.is_empty() {
            for m in &down.ids.meters {
                assert_ne!(text(meters, *m, "status"), Some("energized"), "meter {m}");
            }
        }
        let dark = o
            .affected
            .iter()
            .filter(|&&id| {
                meters.by_id.contains_key(&id) && text(meters, id, "status") != Some("energized")
            })
            .count() as i64;
        assert_eq!(
            int(outages, o.id, "customers_out"),
            Some(dark),
            "outage {}",
            o.id
        );
        assert_eq!(text(outages, o.id, "status"), Some(o.status.as_str()));
        assert_eq!(int(outages, o.id, "crew_id"), o.crew.map(|c| c as i64));
    }
    let dark_meters = meters
        .features
        .iter()
        .filter(|f| text(meters, f.id, "status") != Some("energized"))
        .count() as i64;
    let out: i64 = outages
        .features
        .iter()
        .map(|f| int(outages, f.id, "customers_out").unwrap())
        .sum();
    assert_eq!(
        out, dark_meters,
        "every dark meter is in exactly one outage (v{})",
        snap.version
    );
    let crews = snap.layer("crews").unwrap();
    for c in sim.ops.crews.values() {
        assert_eq!(text(crews, c.id, "status"), Some(c.status.as_str()));
        assert_eq!(
            int(crews, c.id, "assigned_outage_id"),
            c.outage.map(|o| o as i64)
        );
        let p = position(crews, c.id).unwrap();
        assert!((p[0] - c.pos[0]).abs() < 1e-12 && (p[1] - c.pos[1]).abs() < 1e-12);
    }
}

fn drain(rx: &mut tokio::sync::broadcast::Receiver<Arc<ChangeEvent>>) -> Vec<Arc<ChangeEvent>> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

#[test]
fn statuses_follow_the_graph_and_every_change_is_an_event() {
    let state = state();
    let mut rx = state.subscribe_changes();
    let mut sim = Simulator::new(&state.snapshot(), 7, 8).unwrap();
    assert_eq!(
        sim.ops.outages.len(),
        1,
        "the generator's outage is taken over"
    );
    let initial = sim.ops.outages.values().next().unwrap().clone();
    assert!(initial.fault_span.is_some() && !initial.affected.is_empty());
    check_consistent(&state, &sim);
    let mut versions = Vec::new();
    let (mut faults, mut restored, mut switched) = (0, 0, 0);
    for t in 0..60 {
        let r = sim.tick(&state, NOW + t * 3).unwrap();
        if t == 0 {
            assert_eq!(r.faults.len(), 1, "a fault on the first tick");
        }
        faults += r.faults.len();
        restored += r.restored.len();
        switched += r.switched.len();
        versions.extend(r.versions);
        check_consistent(&state, &sim);
    }
    assert!(
        faults >= 5 && restored >= 3,
        "faults {faults}, restored {restored}"
    );
    println!("60 ticks: {faults} faults, {restored} restored, {switched} pick-ups");
    let events = drain(&mut rx);
    let got: Vec<u64> = events.iter().map(|e| e.version).collect();
    assert_eq!(got, versions, "one event per published version");
    assert_eq!(
        got,
        (2..2 + got.len() as u64).collect::<Vec<_>>(),
        "consecutive versions"
    );
    for e in &events {
        assert!(!e.changes.is_empty(), "v{} has changes", e.version);
        assert!(!e.invalidated_tiles.is_empty() || e.tiles_incomplete);
    }
    let layers: BTreeSet<&str> = events
        .iter()
        .flat_map(|e| e.changes.iter().map(|c| c.layer.as_str()))
        .collect();
    for l in [
        "feeders",
        "switches",
        "meters",
        "transformers",
        "crews",
        "outages",
    ] {
        assert!(layers.contains(l), "{l} changed: {layers:?}");
    }
}

/// Status / state of every network asset, by id.
fn network_state(state: &Store) -> BTreeMap<u64, (String, String)> {
    let snap = state.snapshot();
    let mut out = BTreeMap::new();
    for name in ["feeders", "poles", "transformers", "meters", "switches"] {
        let l = snap.layer(name).unwrap();
        for f in &l.features {
            let s = |field| text(l, f.id, field).unwrap_or("").to_owned();
            out.insert(f.id, (s("status"), s("current_state")));
        }
    }
    out
}

#[test]
fn restoration_returns_every_asset_to_its_pre_fault_state() {
    let state = state();
    let mut before = network_state(&state);
    let crews_before: Vec<(u64, [f64; 2])> = {
        let snap = state.snapshot();
        let l = snap.layer("crews").unwrap();
        l.features
            .iter()
            .map(|f| (f.id, position(l, f.id).unwrap()))
            .collect()
    };
    let mut sim = Simulator::new(&state.snapshot(), 3, 8).unwrap();
    let initial = sim.ops.outages.values().next().unwrap().clone();
    // Pre-fault: the generator's outage repaired too (its device closed, statuses per the
    // graph).
    {
        let snap = state.snapshot();
        let closed: Vec<(u64, &'static str)> =
            initial.devices.iter().map(|&d| (d, "closed")).collect();
        let all: BTreeSet<u64> = before.keys().copied().collect();
        let graph =
            crate::topology::GridGraph::build(&snap, &crate::topology::TopologySchema::default())
                .unwrap();
        let repaired = energy::energize(
            &mut sim.statuses,
            &graph,
            &snap,
            &closed,
            &all,
            &BTreeSet::new(),
        )
        .unwrap();
        for (_, id, status) in repaired.statuses {
            before.get_mut(&id).unwrap().0 = status.to_owned();
        }
        for (id, state) in closed {
            before.get_mut(&id).unwrap().1 = state.to_owned();
        }
    }
    let mut switched = 0;
    for t in 0..30 {
        switched += sim.tick(&state, NOW + t).unwrap().switched.len();
    }
    assert!(switched > 0, "some switching to undo");
    // No new faults: every outage is worked off and the crews drive home.
    sim.wind_down();
    let mut t = 0;
    while !sim.is_idle() {
        sim.tick(&state, NOW + 100 + t).unwrap();
        t += 1;
        assert!(t < 300, "not restored after 300 ticks");
    }
    check_consistent(&state, &sim);
    let after = network_state(&state);
    let snap = state.snapshot();
    assert!(snap.layer("outages").unwrap().features.is_empty());
    assert_eq!(before.len(), after.len());
    for (id, (status, current)) in &before {
        assert_eq!(&after[id], &(status.clone(), current.clone()), "asset {id}");
    }
    let crews = snap.layer("crews").unwrap();
    for (id, p) in crews_before {
        assert_eq!(text(crews, id, "status"), Some("available"));
        assert_eq!(int(crews, id, "assigned_outage_id"), None);
        let q = position(crews, id).unwrap();
        assert!(
            (p[0] - q[0]).abs() < 1e-12 && (p[1] - q[1]).abs() < 1e-12,
            "crew {id} home"
        );
    }
}

#[test]
fn a_seed_fixes_the_sequence() {
    let run = |seed: u64| {
        let state = state();
        let mut rx = state.subscribe_changes();
        let mut sim = Simulator::new(&state.snapshot(), seed, 8).unwrap();
        for t in 0..25 {
            sim.tick(&state, NOW + t).unwrap();
        }
        drain(&mut rx)
            .iter()
            .map(|e| serde_json::to_string(&**e).unwrap())
            .collect::<Vec<_>>()
    };
    let a = run(11);
    assert!(a.len() > 10);
    assert_eq!(a, run(11));
    assert_ne!(a, run(12));
}

#[test]
fn needs_the_operations_layers() {
    let layers: Vec<_> = generate(&DemoParams {
        seed: 1,
        scale: 0.02,
    })
    .into_iter()
    .filter(|l| l.name != "crews")
    .collect();
    let snap = SnapshotBuilder::default().build(layers, 1).unwrap();
    assert!(matches!(
        Simulator::new(&snap, 1, 8),
        Err(SimError::MissingLayer("crews"))
    ));
}

#[test]
fn outages_wait_the_configured_ticks_for_an_operator_before_a_crew_is_sent() {
    for wait in [3, 12] {
        let state = state();
        let mut sim = Simulator::new(&state.snapshot(), 7, 8)
            .unwrap()
            .with_auto_dispatch_after(wait);
        // Ticks each outage went without a crew, by outage id.
        let mut uncrewed: BTreeMap<u64, (u64, bool)> = BTreeMap::new();
        for t in 0..40u64 {
            sim.tick(&state, NOW + t as i64 * 3).unwrap();
            for o in sim.ops.outages.values() {
                let e = uncrewed.entry(o.id).or_insert((0, false));
                if o.crew.is_none() {
                    e.0 += 1;
                } else {
                    e.1 = true;
                }
            }
        }
        let crewed: Vec<u64> = uncrewed
            .values()
            .filter(|(_, sent)| *sent)
            .map(|(n, _)| *n)
            .collect();
        assert!(!crewed.is_empty(), "wait {wait}: no crew was ever sent");
        // An outage seen at the end of its opening tick waits `wait - 1` more ticks at least.
        assert!(
            crewed.iter().all(|&n| n + 1 >= wait),
            "wait {wait}: uncrewed ticks {crewed:?}"
        );
    }
}
