//! Search over a small demo grid: ids exact, names case-insensitive, ranking, caps.

use super::*;
use crate::index::SnapshotBuilder;
use crate::source::demo::{generate, DemoParams};

fn demo() -> Snapshot {
    let layers = generate(&DemoParams {
        seed: 1,
        scale: 0.06,
    });
    SnapshotBuilder::default().build(layers, 1).unwrap()
}

fn name(snap: &Snapshot, layer: &str, i: usize) -> (u64, String) {
    let l = snap.layer(layer).unwrap();
    let f = &l.features[i];
    (f.id, text(l, f, "name").unwrap().to_string())
}

#[test]
fn ids_are_exact_and_first() {
    let snap = demo();
    let index = SearchIndex::build(&snap);
    let pole = snap.layer("poles").unwrap().features[5].id;
    let r = index.search(&snap, &pole.to_string(), 10);
    assert_eq!(r.results[0].id, pole);
    assert_eq!(r.results[0].kind, Kind::Asset);
    assert_eq!(r.results[0].layer.as_deref(), Some("poles"));
    assert!(r.results[0].bbox.is_none());
    // A number inside words counts too; a prefix of an id does not match it.
    let r = index.search(&snap, &format!("pole {pole}"), 10);
    assert_eq!(r.results[0].id, pole);
    let short = &pole.to_string()[..4];
    assert!(index
        .search(&snap, short, 100)
        .results
        .iter()
        .all(|h| h.id != pole));
    // A feeder id is a feeder, with the box of its spans.
    let spans = snap.layer("feeders").unwrap();
    let feeder = int(spans, &spans.features[0], "feeder_id").unwrap();
    let r = index.search(&snap, &feeder.to_string(), 10);
    let hit = r.results.iter().find(|h| h.kind == Kind::Feeder).unwrap();
    assert_eq!(hit.id, feeder as u64);
    let b = hit.bbox.unwrap();
    assert!(b[0] < b[2] && b[1] < b[3] && (b[0]..=b[2]).contains(&hit.lon));
    assert_eq!(
        hit.label,
        text(spans, &spans.features[0], "feeder_name").unwrap()
    );
}

#[test]
fn names_match_case_insensitively_ranked_and_capped() {
    let snap = demo();
    let index = SearchIndex::build(&snap);
    let (id, sub) = name(&snap, "substations", 1);
    let r = index.search(&snap, &sub.to_uppercase(), 10);
    assert_eq!((r.results[0].id, r.results[0].kind), (id, Kind::Substation));
    assert_eq!(r.results[0].label, sub);
    // A substring of the name: every result contains it.
    let part: String = sub
        .chars()
        .skip(2)
        .take(4)
        .collect::<String>()
        .to_lowercase();
    let r = index.search(&snap, &part, 100);
    assert!(r.results.iter().any(|h| h.id == id));
    assert!(r
        .results
        .iter()
        .all(|h| h.label.to_lowercase().contains(&part)));
    // Crews by name; outages carry cause and feeder in their label.
    let (crew, crew_name) = name(&snap, "crews", 0);
    let r = index.search(&snap, &crew_name.to_lowercase(), 5);
    assert_eq!((r.results[0].id, r.results[0].kind), (crew, Kind::Crew));
    let outage = snap.layer("outages").unwrap().features[0].id;
    let r = index.search(&snap, &outage.to_string(), 5);
    assert_eq!(r.results[0].kind, Kind::Outage);
    assert!(
        r.results[0]
            .label
            .starts_with(&format!("Outage {outage}: ")),
        "{}",
        r.results[0].label
    );
    // Caps: "e" is in almost every name.
    let r = index.search(&snap, "e", 7);
    assert_eq!((r.count, r.truncated), (7, true));
    let all = index.search(&snap, "e", 100_000);
    let with_e = index.named.iter().filter(|n| n.lower.contains('e')).count();
    assert_eq!(all.count, with_e.min(MAX_RESULTS));
    assert_eq!(all.truncated, with_e > MAX_RESULTS);
    assert_eq!(index.search(&snap, "   ", 10).count, 0);
    assert_eq!(index.search(&snap, "no such name at all", 10).count, 0);
}

#[test]
fn ranks_exact_before_prefix_before_substring() {
    assert_eq!(name_rank("washington", "washington"), Some(1));
    assert_eq!(name_rank("washington avenue", "washington"), Some(2));
    assert_eq!(name_rank("north washington", "washington"), Some(3));
    assert_eq!(name_rank("northwashington", "washington"), Some(4));
    assert_eq!(name_rank("midtown", "washington"), None);
}
