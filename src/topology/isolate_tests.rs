//! `GridGraph::isolate` against an oracle on demo grids: what it reports as de-energized is
//! exactly what goes dark when its devices open, i.e. the assets energized in a graph of the
//! snapshot minus those energized in a graph with the devices opened
//! ([`crate::simulate::energy::graph_with`]). Covers open tie spans that go dark, loops
//! through closed tie switches, open protective devices, and random spans of several seeds
//! (a property test).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, OnceLock};

use proptest::prelude::*;

use crate::index::{Snapshot, SnapshotBuilder};
use crate::model::Value;
use crate::simulate::edits::{text, Edits};
use crate::simulate::energy::{all_ids, graph_with, NETWORK_LAYERS};
use crate::source::demo::{generate, DemoParams};

use super::{GridGraph, TopologySchema};

/// A demo grid (scale 0.1) and its graph.
struct Grid {
    snapshot: Snapshot,
    graph: GridGraph,
}

/// Grids built so far, by `(seed, operated)`.
type Grids = BTreeMap<(u64, bool), Arc<Grid>>;

/// The demo grid of `seed`, built once; `operated`: as the simulator may leave it, with
/// some tie switches closed (loops through two feeders) and some protective devices open
/// (open non-tie spans, dark sections).
fn grid(seed: u64, operated: bool) -> Arc<Grid> {
    static GRIDS: OnceLock<Mutex<Grids>> = OnceLock::new();
    let cache = GRIDS.get_or_init(Mutex::default);
    if let Some(g) = cache.lock().unwrap().get(&(seed, operated)) {
        return Arc::clone(g);
    }
    let layers = generate(&DemoParams { seed, scale: 0.1 });
    let mut snapshot = SnapshotBuilder::default().build(layers, 1).unwrap();
    if operated {
        let switches = snapshot.layer("switches").unwrap();
        let of_kind = |kinds: &[&str]| {
            switches
                .features
                .iter()
                .filter(|f| text(switches, f.id, "device_type").is_some_and(|k| kinds.contains(&k)))
                .map(|f| f.id)
                .collect::<Vec<u64>>()
        };
        let ties = of_kind(&["tie_switch"]);
        let devices = of_kind(&["recloser", "fuse", "sectionalizer"]);
        assert!(!ties.is_empty() && !devices.is_empty(), "demo switches");
        let states = ties
            .iter()
            .step_by(2)
            .take(6)
            .map(|&id| (id, "closed"))
            .chain(devices.iter().step_by(7).take(4).map(|&id| (id, "open")));
        let mut edits = Edits::new(&snapshot);
        for (id, state) in states {
            edits
                .set("switches", id, "current_state", Some(Value::from(state)))
                .unwrap();
        }
        let next = snapshot.version + 1;
        snapshot = snapshot.apply(edits.into_changes(), next).unwrap().snapshot;
    }
    let graph = GridGraph::build(&snapshot, &TopologySchema::default()).unwrap();
    let g = Arc::new(Grid { snapshot, graph });
    cache
        .lock()
        .unwrap()
        .insert((seed, operated), Arc::clone(&g));
    g
}

/// Every network asset energized in `graph`.
fn energized(snapshot: &Snapshot, graph: &GridGraph) -> BTreeSet<u64> {
    NETWORK_LAYERS
        .into_iter()
        .filter_map(|l| snapshot.layer(l))
        .flat_map(|l| l.features.iter().map(|f| f.id))
        .filter(|&id| graph.energized_from(id).is_ok_and(|s| s.is_some()))
        .collect()
}

/// Checks `isolate(id)` against the oracle; `false` when there is nothing to compare (not
/// isolable, no device, truncated).
fn check(g: &Grid, id: u64) -> Result<bool, TestCaseError> {
    let iso = g.graph.isolate(id).unwrap();
    if !iso.isolable || iso.truncated || iso.devices.is_empty() {
        return Ok(false);
    }
    let opened: Vec<(u64, &'static str)> = iso.devices.iter().map(|&d| (d, "open")).collect();
    let after = graph_with(&g.snapshot, &opened).unwrap();
    let before = energized(&g.snapshot, &g.graph);
    let dark: BTreeSet<u64> = before
        .difference(&energized(&g.snapshot, &after))
        .copied()
        .collect();
    let reported = all_ids(&iso.de_energized);
    let missing: Vec<_> = dark.difference(&reported).collect();
    let extra: Vec<_> = reported.difference(&dark).collect();
    prop_assert!(
        missing.is_empty() && extra.is_empty(),
        "isolate({id}) opening {:?}: missing {missing:?}, extra {extra:?}",
        iso.devices
    );
    let meters = g.snapshot.layer("meters").unwrap();
    let customers = dark.iter().filter(|i| meters.by_id.contains_key(i)).count() as u64;
    prop_assert_eq!(iso.customer_count, customers);
    Ok(true)
}

fn assert_matches(g: &Grid, id: u64) {
    match check(g, id) {
        Ok(compared) => assert!(compared, "isolate({id}) is not isolable"),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn an_open_tie_span_that_goes_dark_is_reported() {
    let g = grid(1, false);
    let iso = g.graph.isolate(10_000_388).unwrap();
    assert!(all_ids(&iso.de_energized).contains(&10_006_603), "{iso:?}");
    assert_matches(&g, 10_000_388);
}

/// Opening the two devices of a loop leaves one opened span live from its `to` end.
#[test]
fn an_opened_span_still_fed_from_its_to_end_is_not_reported() {
    let g = grid(4, true);
    let iso = g.graph.isolate(10_000_526).unwrap();
    assert!(!all_ids(&iso.de_energized).contains(&10_000_545), "{iso:?}");
    assert_matches(&g, 10_000_526);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random spans of small demo grids, as generated and as operated (loops, open devices).
    #[test]
    fn isolate_reports_exactly_what_goes_dark(
        seed in 1u64..5,
        operated in any::<bool>(),
        pick in any::<prop::sample::Index>(),
    ) {
        let g = grid(seed, operated);
        let spans = g.snapshot.layer("feeders").unwrap();
        let id = spans.features[pick.index(spans.features.len())].id;
        check(&g, id)?;
    }
}
