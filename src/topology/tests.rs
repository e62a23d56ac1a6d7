//! Exact trace results on the hand-built fixture grid (see `fixture.rs` for the picture).

use super::fixture::*;
use super::*;

fn sorted(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v
}

#[test]
fn build_counts_everything() {
    let g = normal();
    let s = g.stats();
    // Nodes: S, P1..P6, Q1..Q5, P9 (a pole without spans is still a node).
    assert_eq!(s.nodes, 13);
    assert_eq!((s.spans, s.feeders, s.substations), (12, 2, 1));
    assert_eq!((s.switches, s.transformers, s.meters), (6, 6, 10));
    // Everything but P9 is fed.
    assert_eq!(s.energized_nodes, 12);
    assert_eq!(s.skipped_spans, 0);
    assert_eq!(s.unattached_switches, 0);
    assert_eq!(s.unattached_transformers, 0);
    assert_eq!(g.feeder_ids(), vec![FEEDER_A, FEEDER_B]);
}

#[test]
fn upstream_of_meter_follows_its_transformer_to_the_breaker() {
    let r = normal().upstream(MA4).unwrap();
    assert_eq!(r.energized_from, Some(S));
    assert_eq!(r.path, vec![A6, A5, A2, A1]);
    assert_eq!(r.path_devices, vec![FA, BA]);
    assert_eq!(r.ids.spans, vec![A1, A2, A5, A6]);
    assert_eq!(r.ids.poles, vec![P1, P2, P5, P6]);
    assert_eq!(r.ids.switches, vec![BA, FA]);
    assert_eq!(r.ids.transformers, vec![TA3]);
    assert_eq!(r.ids.meters, vec![MA4]);
    assert_eq!(r.ids.substations, vec![S]);
    assert_eq!(r.customer_count, 1);
    assert!(!r.truncated);
}

#[test]
fn upstream_of_switch_starts_at_its_node() {
    let g = normal();
    // RA at P3 cuts A4 (leaving P3), which is not on its supply path.
    let r = g.upstream(RA).unwrap();
    assert_eq!(r.path, vec![A3, A2, A1]);
    assert_eq!(r.path_devices, vec![BA]);
    assert_eq!(r.ids.poles, vec![P1, P2, P3]);
    assert_eq!(r.ids.switches, vec![BA, RA]);
    // A root breaker: its line side is the substation itself.
    let r = g.upstream(BB).unwrap();
    assert_eq!(r.energized_from, Some(S));
    assert!(r.path.is_empty());
    assert_eq!(r.ids.substations, vec![S]);
    // The first span of feeder B is controlled by the root breaker.
    let r = g.upstream(B3).unwrap();
    assert_eq!(r.path, vec![B3, B2, B1]);
    assert_eq!(r.path_devices, vec![BB]);
    assert_eq!(r.ids.poles, vec![Q1, Q2]);
}

#[test]
fn upstream_of_disconnected_asset_is_empty() {
    let g = normal();
    let r = g.upstream(MX).unwrap();
    assert_eq!(r.energized_from, None);
    assert!(r.path.is_empty() && r.path_devices.is_empty());
    assert_eq!(r.ids.meters, vec![MX]);
    assert_eq!(r.ids.transformers, vec![TX]);
    assert!(r.ids.spans.is_empty() && r.ids.poles.is_empty());
    let r = g.upstream(P9).unwrap();
    assert_eq!(r.energized_from, None);
    assert_eq!(r.ids.poles, vec![P9]);
}

#[test]
fn downstream_of_recloser_stops_at_open_tie() {
    let r = normal().downstream(RA).unwrap();
    assert_eq!(r.energized_from, Some(S));
    // RA at P3 cuts A4: P3 itself stays on its source side.
    assert_eq!(r.ids.spans, vec![A4]);
    assert_eq!(r.ids.poles, vec![P4]);
    assert_eq!(r.ids.switches, vec![RA, TS]);
    assert_eq!(r.ids.transformers, vec![TA2]);
    assert_eq!(r.ids.meters, vec![MA3]);
    assert_eq!(r.customer_count, 1);
}

#[test]
fn downstream_of_trunk_span_covers_laterals() {
    let r = normal().downstream(A2).unwrap();
    assert_eq!(r.ids.spans, vec![A2, A3, A4, A5, A6]);
    assert_eq!(r.ids.poles, vec![P2, P3, P4, P5, P6]);
    assert_eq!(r.ids.switches, vec![RA, FA, TS]);
    assert_eq!(r.ids.transformers, vec![TA1, TA2, TA3]);
    assert_eq!(r.ids.meters, vec![MA1, MA2, MA3, MA4, MA5, MA6]);
    assert_eq!(r.customer_count, 6);
    // A pole: not the span feeding it, nor the breaker at the substation.
    let r = normal().downstream(P1).unwrap();
    assert_eq!(r.ids.spans, vec![A2, A3, A4, A5, A6]);
    assert_eq!(r.ids.switches, vec![RA, FA, TS]);
}

#[test]
fn downstream_of_root_breaker_and_substation() {
    let g = normal();
    let r = g.downstream(BB).unwrap();
    assert_eq!(r.ids.spans, vec![B1, B2, B3, B4, B5]);
    assert_eq!(r.ids.poles, vec![Q1, Q2, Q3, Q4, Q5]);
    // TS is the open tie at the end of feeder B's trunk (across T1).
    assert_eq!(r.ids.switches, vec![BB, FB, TS]);
    assert_eq!(r.ids.meters, vec![MB1, MB2, MB3]);
    assert_eq!(r.customer_count, 3);
    let r = g.downstream(S).unwrap();
    assert_eq!(
        r.ids.spans,
        vec![A1, A2, A3, A4, A5, A6, B1, B2, B3, B4, B5]
    );
    assert_eq!(r.ids.switches, vec![BA, RA, FA, BB, FB, TS]);
    assert_eq!(r.customer_count, 9);
    assert_eq!(r.ids.substations, vec![S]);
}

#[test]
fn downstream_of_transformer_and_meter() {
    let g = normal();
    let r = g.downstream(TA3).unwrap();
    assert_eq!(r.ids.transformers, vec![TA3]);
    assert_eq!(r.ids.meters, vec![MA4, MA5, MA6]);
    assert_eq!(r.customer_count, 3);
    assert!(r.ids.spans.is_empty());
    let r = g.downstream(MB3).unwrap();
    assert_eq!(r.ids.meters, vec![MB3]);
    assert_eq!(r.customer_count, 1);
}

#[test]
fn open_fuse_de_energizes_its_lateral() {
    let g = graph(&[TS, FA]);
    // FA at P5 cuts A6: only P6 goes dark, P5 stays fed.
    assert_eq!(g.stats().energized_nodes, 11);
    let r = g.upstream(MA4).unwrap();
    assert_eq!(r.energized_from, None);
    assert!(r.path.is_empty());
    // Downstream of the open fuse: what it would feed.
    let r = g.downstream(FA).unwrap();
    assert_eq!(r.energized_from, Some(S), "its line side is live");
    assert_eq!(r.ids.spans, vec![A6]);
    assert_eq!(r.ids.poles, vec![P6]);
    assert_eq!(r.ids.meters, vec![MA4, MA5, MA6]);
    // The trunk walk lists the open fuse where it stops but not what it cuts off.
    let r = g.downstream(A2).unwrap();
    assert_eq!(r.ids.spans, vec![A2, A3, A4, A5]);
    assert_eq!(r.ids.switches, vec![RA, FA, TS]);
    assert_eq!(r.customer_count, 3);
    // The open span itself is de-energized; the span into the fuse's pole is not.
    assert_eq!(g.upstream(A6).unwrap().energized_from, None);
    assert_eq!(g.upstream(A5).unwrap().energized_from, Some(S));
}

#[test]
fn closed_tie_backfeeds_past_open_recloser() {
    let g = graph(&[RA]);
    let r = g.upstream(TA2).unwrap();
    assert_eq!(r.energized_from, Some(S));
    assert_eq!(r.path, vec![T1, B3, B2, B1]);
    assert_eq!(r.path_devices, vec![TS, BB]);
    // The open span A4 is live from its `to` end (P4, back-fed).
    assert_eq!(g.upstream(A4).unwrap().energized_from, Some(S));
    let r = g.downstream(RA).unwrap();
    assert_eq!(r.ids.spans, vec![A4]);
    assert_eq!(r.ids.poles, vec![P4]);
    assert_eq!(r.customer_count, 1);
    let r = g.downstream(BB).unwrap();
    assert_eq!(r.ids.spans, vec![B1, B2, B3, B4, B5, T1]);
    assert_eq!(r.ids.switches, vec![RA, BB, FB, TS]);
    assert_eq!(r.ids.meters, vec![MA3, MB1, MB2, MB3]);
}

#[test]
fn isolate_lateral_meter_opens_its_fuse() {
    let r = normal().isolate(MA4).unwrap();
    assert!(r.isolable);
    assert_eq!(r.devices, vec![FA]);
    assert_eq!(r.de_energized.spans, vec![A6]);
    assert_eq!(r.de_energized.poles, vec![P6]);
    // The fuse's own pole stays fed.
    assert!(r.de_energized.switches.is_empty());
    assert_eq!(r.de_energized.transformers, vec![TA3]);
    assert_eq!(r.de_energized.meters, vec![MA4, MA5, MA6]);
    assert_eq!(r.customer_count, 3);
}

#[test]
fn isolate_trunk_assets() {
    let g = normal();
    let r = g.isolate(TA2).unwrap();
    assert_eq!(r.devices, vec![RA]);
    assert_eq!(r.de_energized.spans, vec![A4]);
    assert_eq!(r.de_energized.poles, vec![P4]);
    assert_eq!(r.de_energized.switches, vec![TS]);
    assert_eq!(r.customer_count, 1);
    // Nothing protective between P2 and the feeder breaker.
    let r = g.isolate(P2).unwrap();
    assert_eq!(r.devices, vec![BA]);
    assert_eq!(r.de_energized.spans, vec![A1, A2, A3, A4, A5, A6]);
    assert_eq!(r.customer_count, 6);
    assert_eq!(r.de_energized.switches, vec![RA, FA, TS]);
    // A switch is isolated at its node, never by itself.
    let r = g.isolate(RA).unwrap();
    assert_eq!(r.devices, vec![BA]);
    // A span cut by a fuse is isolated by it; the fuse's pole Q4 stays fed.
    let r = g.isolate(B5).unwrap();
    assert!(r.isolable);
    assert_eq!(r.devices, vec![FB]);
    assert_eq!(r.de_energized.spans, vec![B5]);
    assert_eq!(r.de_energized.poles, vec![Q5]);
    assert_eq!(r.de_energized.meters, vec![MB3]);
    // B4 has no device of its own: the feeder breaker.
    assert_eq!(g.isolate(B4).unwrap().devices, vec![BB]);
}

#[test]
fn isolate_cannot_open_root_breaker_from_feeder() {
    let g = normal();
    let r = g.isolate(BB).unwrap();
    assert!(!r.isolable);
    assert!(r.devices.is_empty());
    assert_eq!(r.energized_from, Some(S));
    let r = g.isolate(S).unwrap();
    assert!(!r.isolable);
    let r = g.isolate(MX).unwrap();
    assert!(!r.isolable && r.energized_from.is_none() && r.de_energized.is_empty());
}

#[test]
fn isolate_backfed_asset_opens_the_other_feeder() {
    let r = graph(&[RA]).isolate(TA2).unwrap();
    assert_eq!(r.devices, vec![BB]);
    assert_eq!(r.de_energized.poles, vec![P4, Q1, Q2, Q3, Q4, Q5]);
    assert_eq!(r.customer_count, 4);
}

#[test]
fn isolate_in_a_loop_opens_both_sides() {
    // Tie closed, recloser closed: P4 is fed over two paths.
    let r = graph(&[]).isolate(TA2).unwrap();
    assert!(r.isolable);
    assert_eq!(r.devices, vec![RA, BB]);
    assert_eq!(r.de_energized.poles, vec![P4, Q1, Q2, Q3, Q4, Q5]);
    assert_eq!(r.de_energized.meters, vec![MA3, MB1, MB2, MB3]);
    assert_eq!(r.customer_count, 4);
}

#[test]
fn connections_list_feeder_spans_with_end_devices() {
    let c = normal().connections(FEEDER_A).unwrap();
    let ids: Vec<u64> = c.edges.iter().map(|e| e.span_id).collect();
    assert_eq!(ids, vec![A1, A2, A3, A4, A5, A6, T1]);
    let a1 = &c.edges[0];
    assert_eq!((a1.from_node, a1.to_node), (S, P1));
    assert_eq!(a1.from_devices, vec![BA, BB]);
    assert!(a1.to_devices.is_empty());
    let a4 = &c.edges[3];
    assert_eq!(a4.from_devices, vec![RA]);
    assert_eq!(a4.to_devices, vec![TA2, TS]);
    let t1 = &c.edges[6];
    assert!(t1.tie && t1.open);
    assert_eq!(t1.to_devices, vec![TB1]);
    assert!(c.edges[..6].iter().all(|e| !e.tie && !e.open));
}

#[test]
fn neighbours_of_each_kind() {
    let g = normal();
    let n = g.neighbours(A3).unwrap();
    assert_eq!(n.ids.poles, vec![P2, P3]);
    assert_eq!(n.ids.spans, vec![A2, A4, A5]);
    assert_eq!(n.ids.switches, vec![RA]);
    assert_eq!(n.ids.transformers, vec![TA1]);
    assert_eq!(g.neighbours(MA1).unwrap().ids.transformers, vec![TA1]);
    let n = g.neighbours(TA1).unwrap();
    assert_eq!(n.ids.poles, vec![P2]);
    assert_eq!(n.ids.meters, vec![MA1, MA2]);
    let n = g.neighbours(P4).unwrap();
    assert_eq!(n.ids.spans, vec![A4, T1]);
    assert_eq!(n.ids.switches, vec![TS]);
    assert_eq!(n.ids.transformers, vec![TA2]);
    let n = g.neighbours(TS).unwrap();
    assert_eq!(n.ids.poles, vec![P4]);
    assert_eq!(n.ids.spans, vec![A4, T1]);
    let n = g.neighbours(S).unwrap();
    assert_eq!(n.ids.spans, vec![A1, B1]);
    assert_eq!(n.ids.switches, vec![BA, BB]);
}

#[test]
fn meters_by_transformer_and_feeder() {
    let g = normal();
    assert_eq!(g.transformer_meters(TA3).unwrap(), vec![MA4, MA5, MA6]);
    assert_eq!(
        g.feeder_meters(FEEDER_A).unwrap(),
        vec![MA1, MA2, MA3, MA4, MA5, MA6]
    );
    // TX carries feeder B's id although no span reaches it.
    assert_eq!(g.feeder_meters(FEEDER_B).unwrap(), vec![MB1, MB2, MB3, MX]);
    assert_eq!(g.feeder_meters(7), Err(TopologyError::UnknownFeeder(7)));
}

#[test]
fn unknown_ids_are_errors() {
    let g = normal();
    assert_eq!(g.upstream(99).unwrap_err(), TopologyError::UnknownAsset(99));
    assert!(g.downstream(99).is_err());
    assert!(g.isolate(99).is_err());
    assert!(g.neighbours(99).is_err());
    assert_eq!(
        g.connections(42).unwrap_err(),
        TopologyError::UnknownFeeder(42)
    );
    assert_eq!(
        g.transformer_meters(MA1).unwrap_err(),
        TopologyError::UnknownAsset(MA1)
    );
}

#[test]
fn limits_truncate_but_count_all_customers() {
    let g = normal().with_limits(TraceLimits {
        max_ids: 2,
        ..TraceLimits::default()
    });
    let r = g.downstream(S).unwrap();
    assert!(r.truncated);
    assert!(r.ids.spans.len() <= 2 && r.ids.meters.len() <= 2);
    assert_eq!(r.customer_count, 9);
    let g = normal().with_limits(TraceLimits {
        max_nodes: 3,
        ..TraceLimits::default()
    });
    assert!(g.downstream(S).unwrap().truncated);
    assert!(!g.downstream(FA).unwrap().truncated);
}

#[test]
fn build_errors_and_bad_features() {
    use crate::index::SnapshotBuilder;
    use crate::model::Value;
    use crate::tiling::TilingConfig;
    let schema = TopologySchema::default();
    let other = TopologySchema {
        spans_layer: "lines".into(),
        ..schema.clone()
    };
    let snap = snapshot(&[TS]);
    assert_eq!(
        GridGraph::build(&snap, &other).unwrap_err(),
        TopologyError::MissingLayer("lines".into())
    );
    let renamed = TopologySchema {
        from_node: "from".into(),
        ..schema.clone()
    };
    assert!(matches!(
        GridGraph::build(&snap, &renamed),
        Err(TopologyError::MissingField { .. })
    ));
    // A span without a to_node is skipped but still a known (disconnected) asset.
    let mut layers = layers(&[TS]);
    layers[1].features[5].properties[2] = None; // A6
    layers[1].features[4].properties[1] = Some(Value::from("20000002")); // A5 from a string
    let snap = SnapshotBuilder::new(TilingConfig::default())
        .build(layers, 2)
        .unwrap();
    let g = GridGraph::build(&snap, &schema).unwrap();
    assert_eq!(g.stats().skipped_spans, 1);
    assert_eq!(g.version(), 2);
    let r = g.upstream(A6).unwrap();
    assert_eq!(r.energized_from, None);
    assert_eq!(r.ids.spans, vec![A6]);
    assert_eq!(g.upstream(A5).unwrap().path, vec![A5, A2, A1]);
    assert_eq!(sorted(g.downstream(A6).unwrap().ids.spans), vec![A6]);
}
