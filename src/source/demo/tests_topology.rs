//! Topology and status tests: feeders are trees rooted at their breakers, ties join two
//! feeders through a switch, and every status matches an independent energization trace.

use std::collections::{HashMap, HashSet};

use super::tests::{ends, int, layer, pt, small, text};
use crate::model::LayerData;

/// A span as the tests see it.
#[derive(Clone, Copy, Debug)]
struct S {
    id: u64,
    feeder: i64,
    from: i64,
    to: i64,
    tie: bool,
}

fn spans(layers: &[LayerData]) -> Vec<S> {
    let l = layer(layers, "feeders");
    l.features
        .iter()
        .map(|f| S {
            id: f.id,
            feeder: int(l, f, "feeder_id").unwrap_or(-1),
            from: int(l, f, "from_node").unwrap_or(-1),
            to: int(l, f, "to_node").unwrap_or(-1),
            tie: text(l, f, "section") == "tie",
        })
        .collect()
}

/// Switches by id: (feeder, node, kind, normal, current, tie feeder).
fn switches(layers: &[LayerData]) -> Vec<(i64, i64, String, String, String, Option<i64>)> {
    let l = layer(layers, "switches");
    l.features
        .iter()
        .map(|f| {
            (
                int(l, f, "feeder_id").unwrap_or(-1),
                int(l, f, "node_id").unwrap_or(-1),
                text(l, f, "device_type").to_string(),
                text(l, f, "normal_state").to_string(),
                text(l, f, "current_state").to_string(),
                int(l, f, "tie_feeder_id"),
            )
        })
        .collect()
}

#[test]
fn feeders_are_trees_rooted_at_their_breakers() {
    let layers = small();
    let all = spans(layers);
    let poles = layer(layers, "poles");
    let pole_feeder: HashMap<i64, i64> = poles
        .features
        .iter()
        .map(|f| (f.id as i64, int(poles, f, "feeder_id").unwrap_or(-1)))
        .collect();
    let subs = layer(layers, "substations");
    let sub_ids: HashSet<i64> = subs.features.iter().map(|f| f.id as i64).collect();
    let sw = switches(layers);
    let mut by_feeder: HashMap<i64, Vec<S>> = HashMap::new();
    let mut entered = HashSet::new();
    for s in all.iter().filter(|s| !s.tie) {
        by_feeder.entry(s.feeder).or_default().push(*s);
        assert!(entered.insert(s.to), "pole {} fed twice", s.to);
        assert_eq!(
            pole_feeder[&s.to], s.feeder,
            "pole {} on span {}",
            s.to, s.id
        );
    }
    for (feeder, list) in &by_feeder {
        let roots: Vec<&S> = list.iter().filter(|s| sub_ids.contains(&s.from)).collect();
        assert_eq!(roots.len(), 1, "feeder {feeder} leaves its substation once");
        let sub = roots[0].from;
        let breakers: Vec<_> = sw
            .iter()
            .filter(|w| w.0 == *feeder && w.2 == "breaker")
            .collect();
        assert_eq!(breakers.len(), 1, "feeder {feeder}");
        assert_eq!(breakers[0].1, sub, "breaker of {feeder} at its substation");
        // Walk down from the substation: every span is reached exactly once.
        let mut down: HashMap<i64, Vec<i64>> = HashMap::new();
        for s in list {
            down.entry(s.from).or_default().push(s.to);
        }
        let mut seen = HashSet::new();
        let mut stack = vec![sub];
        while let Some(n) = stack.pop() {
            for &c in down.get(&n).map(Vec::as_slice).unwrap_or(&[]) {
                assert!(seen.insert(c), "cycle at {c}");
                stack.push(c);
            }
        }
        assert_eq!(seen.len(), list.len(), "feeder {feeder} is connected");
    }
}

#[test]
fn ties_join_two_feeders_through_a_normally_open_switch() {
    let layers = small();
    let all = spans(layers);
    let sw = switches(layers);
    let pole_feeder: HashMap<i64, i64> = all
        .iter()
        .filter(|s| !s.tie)
        .map(|s| (s.to, s.feeder))
        .collect();
    let ties: Vec<&S> = all.iter().filter(|s| s.tie).collect();
    assert!(ties.len() >= 20, "{} ties", ties.len());
    assert_eq!(
        ties.len(),
        sw.iter().filter(|w| w.2 == "tie_switch").count()
    );
    let spans_layer = layer(layers, "feeders");
    let kv: HashMap<i64, f64> = spans_layer
        .features
        .iter()
        .map(|f| {
            (
                int(spans_layer, f, "feeder_id").unwrap_or(-1),
                super::tests::float(spans_layer, f, "voltage_kv"),
            )
        })
        .collect();
    for t in ties {
        let (a, b) = (pole_feeder[&t.from], pole_feeder[&t.to]);
        assert_eq!(a, t.feeder);
        assert_ne!(a, b, "tie {} joins two feeders", t.id);
        assert_eq!(kv[&a], kv[&b], "tie {} joins feeders of one voltage", t.id);
        let switch = sw
            .iter()
            .find(|w| w.2 == "tie_switch" && w.1 == t.from)
            .expect("tie switch at the tie");
        assert_eq!((switch.0, switch.5), (a, Some(b)));
        assert_eq!(switch.3, "open");
    }
}

/// Energized span ids and node ids, traced from the substations through closed switches.
fn trace(layers: &[LayerData]) -> (HashSet<u64>, HashSet<i64>) {
    let all = spans(layers);
    let sw = switches(layers);
    let mut cut = HashSet::new();
    for w in sw.iter().filter(|w| w.4 == "open") {
        for s in &all {
            let tie_cut = w.5.is_some() && s.tie;
            let line_cut = w.5.is_none() && !s.tie && s.feeder == w.0;
            if s.from == w.1 && (tie_cut || line_cut) {
                cut.insert(s.id);
            }
        }
    }
    let mut at: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, s) in all.iter().enumerate() {
        at.entry(s.from).or_default().push(i);
        at.entry(s.to).or_default().push(i);
    }
    let subs = layer(layers, "substations");
    let mut nodes: HashSet<i64> = subs.features.iter().map(|f| f.id as i64).collect();
    let mut stack: Vec<i64> = nodes.iter().copied().collect();
    let mut live = HashSet::new();
    while let Some(n) = stack.pop() {
        for &i in at.get(&n).map(Vec::as_slice).unwrap_or(&[]) {
            let s = all[i];
            let other = if s.from == n {
                if cut.contains(&s.id) {
                    continue;
                }
                s.to
            } else {
                s.from
            };
            live.insert(s.id);
            if (s.to != n || !cut.contains(&s.id)) && nodes.insert(other) {
                stack.push(other);
            }
        }
    }
    (live, nodes)
}

#[test]
fn every_status_matches_the_energization_trace() {
    let layers = small();
    let (live, nodes) = trace(layers);
    let want = |on: bool| if on { "energized" } else { "de-energized" };
    let l = layer(layers, "feeders");
    for f in &l.features {
        let st = text(l, f, "status");
        let on = live.contains(&f.id);
        assert!(
            st == want(on) || (st == "fault" && !on),
            "span {} is {st}",
            f.id
        );
    }
    for name in ["poles"] {
        let l = layer(layers, name);
        for f in &l.features {
            assert_eq!(
                text(l, f, "status"),
                want(nodes.contains(&(f.id as i64))),
                "{name} {}",
                f.id
            );
        }
    }
    let xfs = layer(layers, "transformers");
    let mut xf_on = HashMap::new();
    for f in &xfs.features {
        let on = nodes.contains(&int(xfs, f, "node_id").unwrap_or(-1));
        xf_on.insert(f.id as i64, on);
        assert_eq!(text(xfs, f, "status"), want(on), "transformer {}", f.id);
    }
    let meters = layer(layers, "meters");
    let mut dark = 0;
    for f in &meters.features {
        let on = xf_on[&int(meters, f, "transformer_id").unwrap_or(-1)];
        dark += usize::from(!on);
        assert_eq!(text(meters, f, "status"), want(on), "meter {}", f.id);
    }
    assert!(dark > 0, "some customers are out");
    let sw = layer(layers, "switches");
    for f in &sw.features {
        let node = int(sw, f, "node_id").unwrap_or(-1);
        let far = int(sw, f, "tie_feeder_id").is_some() && {
            let tie = spans(layers).into_iter().find(|s| s.tie && s.from == node);
            tie.is_some_and(|t| nodes.contains(&t.to))
        };
        assert_eq!(
            text(sw, f, "status"),
            want(nodes.contains(&node) || far),
            "switch {}",
            f.id
        );
    }
}

#[test]
fn outages_are_exactly_downstream_of_open_reclosers() {
    let layers = small();
    let all = spans(layers);
    let sw = switches(layers);
    let mut down: HashMap<i64, Vec<S>> = HashMap::new();
    for s in all.iter().filter(|s| !s.tie) {
        down.entry(s.from).or_default().push(*s);
    }
    let l = layer(layers, "feeders");
    let status: HashMap<u64, &str> = l
        .features
        .iter()
        .map(|f| (f.id, text(l, f, "status")))
        .collect();
    let open: Vec<_> = sw
        .iter()
        .filter(|w| w.2 == "recloser" && w.4 == "open")
        .collect();
    assert!(!open.is_empty(), "at least one recloser has locked out");
    let mut below = HashSet::new();
    for w in open {
        let mut stack = vec![w.1];
        let mut faults = 0;
        while let Some(n) = stack.pop() {
            for s in down.get(&n).map(Vec::as_slice).unwrap_or(&[]) {
                below.insert(s.id);
                faults += usize::from(status[&s.id] == "fault");
                stack.push(s.to);
            }
        }
        assert_eq!(faults, 1, "one faulted span below recloser at {}", w.1);
    }
    for s in all.iter().filter(|s| !s.tie) {
        assert_eq!(
            status[&s.id] != "energized",
            below.contains(&s.id),
            "span {}",
            s.id
        );
    }
    // Poles, transformers and meters out are exactly those at the poles below.
    let dark_poles: HashSet<i64> = all
        .iter()
        .filter(|s| below.contains(&s.id))
        .map(|s| s.to)
        .collect();
    let poles = layer(layers, "poles");
    for f in &poles.features {
        let dark = dark_poles.contains(&(f.id as i64));
        assert_eq!(
            text(poles, f, "status") == "de-energized",
            dark,
            "pole {}",
            f.id
        );
    }
    let xfs = layer(layers, "transformers");
    let mut dark_xfs = HashSet::new();
    for f in &xfs.features {
        let dark = dark_poles.contains(&int(xfs, f, "node_id").unwrap_or(-1));
        assert_eq!(
            text(xfs, f, "status") == "de-energized",
            dark,
            "transformer {}",
            f.id
        );
        if dark {
            dark_xfs.insert(f.id as i64);
        }
    }
    assert!(!dark_xfs.is_empty());
    let meters = layer(layers, "meters");
    for f in &meters.features {
        let dark = dark_xfs.contains(&int(meters, f, "transformer_id").unwrap_or(-1));
        assert_eq!(
            text(meters, f, "status") == "de-energized",
            dark,
            "meter {}",
            f.id
        );
    }
}

#[test]
fn the_network_through_closed_switches_is_radial() {
    // Union-find over spans that conduct at both ends: a cycle would join a set to itself.
    let layers = small();
    let all = spans(layers);
    let sw = switches(layers);
    let mut cut = HashSet::new();
    for w in sw.iter().filter(|w| w.4 == "open") {
        for s in all
            .iter()
            .filter(|s| s.from == w.1 && (s.tie == w.5.is_some()) && (s.tie || s.feeder == w.0))
        {
            cut.insert(s.id);
        }
    }
    let mut parent: HashMap<i64, i64> = HashMap::new();
    fn root(parent: &mut HashMap<i64, i64>, mut n: i64) -> i64 {
        while let Some(&p) = parent.get(&n) {
            if p == n {
                break;
            }
            n = p;
        }
        n
    }
    let mut closed_ties = 0;
    for s in all.iter().filter(|s| !cut.contains(&s.id)) {
        closed_ties += usize::from(s.tie);
        let (a, b) = (root(&mut parent, s.from), root(&mut parent, s.to));
        assert_ne!(a, b, "span {} closes a loop", s.id);
        parent.insert(a, b);
        parent.entry(b).or_insert(b);
    }
    assert!(closed_ties > 0, "a load transfer closes a tie");
}

#[test]
fn some_switches_are_in_an_abnormal_state() {
    let sw = switches(small());
    let abnormal: Vec<_> = sw.iter().filter(|w| w.3 != w.4).collect();
    assert!(abnormal.iter().any(|w| w.2 == "recloser"));
    assert!(abnormal
        .iter()
        .any(|w| w.2 == "tie_switch" && w.4 == "closed"));
    assert!(abnormal
        .iter()
        .any(|w| w.2 == "sectionalizer" && w.4 == "open"));
    assert!(abnormal.len() < sw.len() / 20);
    for kind in ["breaker", "recloser", "fuse", "tie_switch"] {
        assert!(sw.iter().any(|w| w.2 == kind), "{kind}");
    }
}

#[test]
fn feeders_do_not_share_streets() {
    // Poles are never stacked and no two spans run over the same pole pair.
    let layers = small();
    let poles = layer(layers, "poles");
    let mut cells: HashMap<(i64, i64), Vec<geo::Point<f64>>> = HashMap::new();
    for f in &poles.features {
        let p = pt(f);
        let key = ((p.x() * 1e4).floor() as i64, (p.y() * 1e4).floor() as i64);
        for dx in -1..=1 {
            for dy in -1..=1 {
                for q in cells
                    .get(&(key.0 + dx, key.1 + dy))
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                {
                    let d = geo::Distance::distance(&geo::Haversine, p, *q);
                    assert!(d > 2.0, "poles {d} m apart near {p:?}");
                }
            }
        }
        cells.entry(key).or_default().push(p);
    }
    let l = layer(layers, "feeders");
    let mut pairs = HashSet::new();
    for f in &l.features {
        let (a, b) = ends(f);
        let key = |p: geo::Point<f64>| ((p.x() * 1e7) as i64, (p.y() * 1e7) as i64);
        assert!(
            pairs.insert((key(a).min(key(b)), key(a).max(key(b)))),
            "span {} doubled",
            f.id
        );
    }
}
