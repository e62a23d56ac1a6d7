//! The demo basemap: the streets the demo grid is laid along, as their own layers.
//!
//! The street graph of the city (`city::build`, the same random stream as the grid, so the
//! feeders run exactly along these streets) is chained into *ways*: at each intersection the
//! two segments of the same class that continue most nearly straight on (within
//! [`MAX_TURN_DEG`]) are joined, greedily straightest first, and every chain becomes one
//! named street. Arterials get names from a list of Houston arterials, neighbourhood streets
//! tree-and-suffix names; both deterministic per seed. A meandering bayou crosses the city
//! west to east as the `water` polygon.
//!
//! Layers: `water` (polygon: `name`, `class` = `river`), `arterials` (the major streets only,
//! for low zooms: `name`, `class` = `major`) and `streets` (every street: `name`, `class` =
//! `major` / `minor`). Zoom ranges are in [`tiling`].

use std::collections::HashMap;
use std::sync::Arc;

use geo_types::{Geometry, LineString, Polygon};
use rand::Rng;

use super::geom::{to_lon_lat, V2};
use super::rng::{stage_rng, uniform, DemoRng, Stage};
use super::streets::StreetGraph;
use super::{city, DemoError, DemoParams, Plan};
use crate::model::{Feature, Field, FieldType, LayerData, Value};
use crate::tiling::{LayerConfig, TileConfig, TilingConfig};

/// Two segments meeting at a larger angle than this are different streets.
const MAX_TURN_DEG: f64 = 30.0;
/// Width of the bayou in metres.
const WATER_WIDTH_M: f64 = 70.0;
/// Vertex spacing of the bayou's centre line in metres.
const WATER_STEP_M: f64 = 120.0;

/// Names of the major streets, used in turn (then again with a direction prefix).
const ARTERIALS: &[&str] = &[
    "Westheimer Road",
    "Richmond Avenue",
    "Bellaire Boulevard",
    "Bissonnet Street",
    "Holcombe Boulevard",
    "Alabama Street",
    "Gray Street",
    "Washington Avenue",
    "Memorial Drive",
    "Allen Parkway",
    "Kirby Drive",
    "Shepherd Drive",
    "Montrose Boulevard",
    "Main Street",
    "Fannin Street",
    "Almeda Road",
    "Scott Street",
    "Cullen Boulevard",
    "Telephone Road",
    "Harrisburg Boulevard",
    "Navigation Boulevard",
    "Lyons Avenue",
    "Jensen Drive",
    "Airline Drive",
    "Yale Street",
    "Heights Boulevard",
    "Durham Drive",
    "Ella Boulevard",
    "Antoine Drive",
    "Hillcroft Avenue",
    "Fondren Road",
    "Gessner Road",
    "Beltway Drive",
    "Wilcrest Drive",
    "Dairy Ashford Road",
    "Eldridge Parkway",
    "Voss Road",
    "Chimney Rock Road",
    "Post Oak Boulevard",
    "Braeswood Boulevard",
    "Stella Link Road",
    "Buffalo Speedway",
    "Greenbriar Drive",
    "Wayside Drive",
    "Lockwood Drive",
    "Cavalcade Street",
    "Tidwell Road",
    "Little York Road",
    "Parker Road",
    "Aldine Bender Road",
    "West Road",
    "Hammerly Boulevard",
    "Long Point Road",
    "Clay Road",
    "Tanner Road",
    "Hempstead Road",
    "Katy Freeway",
    "Southwest Freeway",
    "Gulf Freeway",
    "Old Spanish Trail",
    "MacGregor Way",
    "Griggs Road",
    "Bellfort Avenue",
    "Airport Boulevard",
    "Orem Drive",
    "Fuqua Street",
    "Sims Drive",
    "Beechnut Street",
    "Bissonnet Road",
    "Alief Clodine Road",
];

/// First parts of neighbourhood street names.
const STREET_STEMS: &[&str] = &[
    "Oak",
    "Elm",
    "Pecan",
    "Magnolia",
    "Cypress",
    "Willow",
    "Cedar",
    "Hickory",
    "Maple",
    "Laurel",
    "Holly",
    "Juniper",
    "Sycamore",
    "Chestnut",
    "Walnut",
    "Birch",
    "Aspen",
    "Poplar",
    "Dogwood",
    "Redbud",
    "Mimosa",
    "Palmetto",
    "Bluebonnet",
    "Primrose",
    "Jasmine",
    "Azalea",
    "Camellia",
    "Gardenia",
    "Hawthorne",
    "Linden",
    "Mulberry",
    "Hazel",
    "Bayou",
    "Prairie",
    "Meadow",
    "Brook",
    "Ridge",
    "Glen",
    "Harbor",
    "Lake",
    "River",
    "Sunset",
    "Fairview",
    "Westview",
    "Lakeview",
    "Kingston",
    "Stratford",
    "Windsor",
    "Albany",
    "Dallas",
    "Austin",
    "Travis",
    "Crockett",
    "Bowie",
    "Houston",
    "Lamar",
    "Milam",
    "Fannin",
    "Rusk",
    "Polk",
    "Taft",
    "Hayes",
    "Grant",
    "Lincoln",
];

/// Last parts of neighbourhood street names.
const STREET_SUFFIXES: &[&str] = &[
    "Street", "Street", "Drive", "Drive", "Lane", "Avenue", "Court", "Way", "Place", "Circle",
    "Road",
];

/// Names of the bayou.
const WATER_NAME: &str = "Brays Bayou";

/// The basemap of the demo grid of `params` (same seed and scale, same city).
pub fn basemap(params: &DemoParams) -> Result<Vec<LayerData>, DemoError> {
    params.validate()?;
    let plan = Plan::for_scale(params.scale);
    let streets = city::build(
        &mut stage_rng(params.seed, Stage::Streets),
        plan.radius,
        plan.diagonals,
    );
    let mut rng = stage_rng(params.seed, Stage::Basemap);
    let ways = ways(&streets);
    let water = water(&mut rng, plan.radius);
    Ok(layers(&streets, &ways, &mut rng, water))
}

/// The tiling of the basemap's layers: tile settings from the grid's, `water` and
/// `arterials` from z8 (arterials up to z11), every street from z12; the max zoom is the
/// configured one (not guessed from the streets: 16 when unset).
pub fn tiling(tiles: &TileConfig) -> TilingConfig {
    let tiles = &tiles.clone().with_maxzoom(tiles.maxzoom);
    let layer = |minzoom: u8, maxzoom: u8| LayerConfig {
        minzoom,
        maxzoom: maxzoom.min(tiles.maxzoom),
        ..LayerConfig::default()
    };
    TilingConfig {
        tiles: tiles.clone(),
        layers: [
            ("water".to_owned(), layer(8, tiles.maxzoom)),
            ("arterials".to_owned(), layer(8, 11)),
            ("streets".to_owned(), layer(12, tiles.maxzoom)),
        ]
        .into_iter()
        .collect(),
    }
}

/// One street: its intersections in order and whether it is an arterial.
#[derive(Debug)]
struct Way {
    nodes: Vec<u32>,
    major: bool,
}

/// Chains the street segments into ways (see the module documentation).
fn ways(g: &StreetGraph) -> Vec<Way> {
    // Undirected segments (a < b) and their index by endpoint pair.
    let mut segs: Vec<(u32, u32, bool)> = Vec::new();
    let mut seg_of: HashMap<(u32, u32), u32> = HashMap::new();
    for a in 0..g.node_count() as u32 {
        for &(b, major) in g.neighbors(a) {
            if a < b {
                seg_of.insert((a, b), segs.len() as u32);
                segs.push((a, b, major));
            }
        }
    }
    let seg = |a: u32, b: u32| seg_of[&(a.min(b), a.max(b))];
    // next[s][0]: the segment continuing s beyond its `a` end; next[s][1]: beyond `b`.
    let mut next: Vec<[Option<u32>; 2]> = vec![[None; 2]; segs.len()];
    let end = |s: u32, at: u32| usize::from(segs[s as usize].1 == at);
    let min_straight = -(MAX_TURN_DEG.to_radians().cos());
    for v in 0..g.node_count() as u32 {
        let p = g.pos(v);
        let nb = g.neighbors(v);
        let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
        for i in 0..nb.len() {
            for j in i + 1..nb.len() {
                if nb[i].1 != nb[j].1 {
                    continue;
                }
                let di = (g.pos(nb[i].0) - p).unit();
                let dj = (g.pos(nb[j].0) - p).unit();
                let cos = di.dot(dj);
                if cos <= min_straight {
                    pairs.push((cos, i, j));
                }
            }
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then((a.1, a.2).cmp(&(b.1, b.2))));
        let mut used = vec![false; nb.len()];
        for (_, i, j) in pairs {
            if used[i] || used[j] {
                continue;
            }
            (used[i], used[j]) = (true, true);
            let (si, sj) = (seg(v, nb[i].0), seg(v, nb[j].0));
            next[si as usize][end(si, v)] = Some(sj);
            next[sj as usize][end(sj, v)] = Some(si);
        }
    }
    let mut seen = vec![false; segs.len()];
    let mut out = Vec::new();
    // Open chains first (from a segment end with no continuation), then closed loops.
    let starts = (0..segs.len() as u32)
        .flat_map(|s| [(s, 0usize), (s, 1usize)])
        .filter(|&(s, e)| next[s as usize][e].is_none())
        .chain((0..segs.len() as u32).map(|s| (s, 0usize)));
    for (s, e) in starts.collect::<Vec<_>>() {
        if seen[s as usize] {
            continue;
        }
        let (a, b, major) = segs[s as usize];
        // Walk away from end `e`.
        let mut nodes = if e == 0 { vec![a, b] } else { vec![b, a] };
        seen[s as usize] = true;
        let mut cur = s;
        loop {
            let at = *nodes.last().expect("a way has nodes");
            let Some(n) = next[cur as usize][end(cur, at)] else {
                break;
            };
            if seen[n as usize] {
                break;
            }
            seen[n as usize] = true;
            let (na, nb, _) = segs[n as usize];
            nodes.push(if na == at { nb } else { na });
            cur = n;
        }
        out.push(Way { nodes, major });
    }
    out
}

/// A bayou across the territory, west to east, as a polygon in local metres.
fn water(rng: &mut DemoRng, radius: f64) -> Vec<V2> {
    let y0 = uniform(rng, -0.35, -0.15) * radius;
    let waves: Vec<(f64, f64, f64)> = (0..3)
        .map(|k| {
            let amplitude = radius * uniform(rng, 0.015, 0.04) / (k + 1) as f64;
            let wavelength = radius * uniform(rng, 0.25, 0.6) / (k + 1) as f64;
            (
                amplitude,
                wavelength,
                uniform(rng, 0.0, std::f64::consts::TAU),
            )
        })
        .collect();
    let centre = |x: f64| {
        y0 + waves
            .iter()
            .map(|&(a, l, ph)| a * (x / l * std::f64::consts::TAU + ph).sin())
            .sum::<f64>()
    };
    let steps = (2.4 * radius / WATER_STEP_M).ceil() as usize;
    let line: Vec<V2> = (0..=steps)
        .map(|i| {
            let x = -1.2 * radius + i as f64 * WATER_STEP_M;
            V2::new(x, centre(x))
        })
        .collect();
    let half = WATER_WIDTH_M / 2.0;
    let normal = |i: usize| {
        let (a, b) = (line[i.saturating_sub(1)], line[(i + 1).min(line.len() - 1)]);
        (b - a).unit().perp()
    };
    let mut ring: Vec<V2> = (0..line.len())
        .map(|i| line[i] + normal(i) * half)
        .collect();
    ring.extend((0..line.len()).rev().map(|i| line[i] - normal(i) * half));
    ring
}

fn layers(g: &StreetGraph, ways: &[Way], rng: &mut DemoRng, water: Vec<V2>) -> Vec<LayerData> {
    let fields = || {
        vec![
            Field::new("name", FieldType::String),
            Field::new("class", FieldType::String),
        ]
    };
    let s = |v: &str| Some(Value::Str(Arc::from(v)));
    let mut water_layer = LayerData::new("water", fields());
    let ring: Vec<(f64, f64)> = water.iter().map(|&p| to_lon_lat(p)).collect();
    water_layer.features.push(Feature {
        id: 1,
        geometry: Geometry::Polygon(Polygon::new(LineString::from(ring), Vec::new())),
        properties: vec![s(WATER_NAME), s("river")],
    });
    let mut arterials = LayerData::new("arterials", fields());
    let mut streets = LayerData::new("streets", fields());
    let (major, minor): (Arc<str>, Arc<str>) = (Arc::from("major"), Arc::from("minor"));
    let mut arterial_names = 0usize;
    for (i, way) in ways.iter().enumerate() {
        let name: Arc<str> = if way.major {
            let k = arterial_names;
            arterial_names += 1;
            let base = ARTERIALS[k % ARTERIALS.len()];
            match k / ARTERIALS.len() {
                0 => Arc::from(base),
                1 => Arc::from(format!("North {base}")),
                2 => Arc::from(format!("South {base}")),
                n => Arc::from(format!("{base} {n}")),
            }
        } else {
            let stem = STREET_STEMS[rng.random_range(0..STREET_STEMS.len())];
            let suffix = STREET_SUFFIXES[rng.random_range(0..STREET_SUFFIXES.len())];
            Arc::from(format!("{stem} {suffix}"))
        };
        let line: Vec<(f64, f64)> = way.nodes.iter().map(|&n| to_lon_lat(g.pos(n))).collect();
        let class = if way.major { &major } else { &minor };
        let feature = Feature {
            id: i as u64 + 1,
            geometry: Geometry::LineString(LineString::from(line)),
            properties: vec![Some(Value::Str(name)), Some(Value::Str(Arc::clone(class)))],
        };
        if way.major {
            arterials.features.push(feature.clone());
        }
        streets.features.push(feature);
    }
    vec![water_layer, arterials, streets]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Vec<LayerData> {
        basemap(&DemoParams {
            seed: 3,
            scale: 0.05,
        })
        .unwrap()
    }

    #[test]
    fn deterministic_named_streets_with_classes() {
        let layers = small();
        assert_eq!(layers, small());
        let names: Vec<&str> = layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["water", "arterials", "streets"]);
        let streets = &layers[2];
        assert!(streets.features.len() > 20, "{}", streets.features.len());
        let mut classes = std::collections::BTreeMap::new();
        for f in &streets.features {
            let Some(Value::Str(name)) = &f.properties[0] else {
                panic!("street {} without a name", f.id)
            };
            assert!(name.len() > 3);
            let Some(Value::Str(class)) = &f.properties[1] else {
                panic!("no class")
            };
            *classes.entry(class.to_string()).or_insert(0) += 1;
            let Geometry::LineString(l) = &f.geometry else {
                panic!("not a line")
            };
            assert!(l.0.len() >= 2);
        }
        assert!(
            classes["major"] > 0 && classes["minor"] > classes["major"],
            "{classes:?}"
        );
        assert_eq!(layers[1].features.len(), classes["major"]);
    }

    /// Chaining keeps every street segment exactly once.
    #[test]
    fn ways_cover_every_segment_once() {
        let plan = Plan::for_scale(0.05);
        let g = city::build(
            &mut stage_rng(3, Stage::Streets),
            plan.radius,
            plan.diagonals,
        );
        let mut segs = 0;
        for a in 0..g.node_count() as u32 {
            segs += g.neighbors(a).iter().filter(|&&(b, _)| a < b).count();
        }
        let ways = ways(&g);
        let mut seen = std::collections::HashSet::new();
        for w in &ways {
            for p in w.nodes.windows(2) {
                assert!(
                    seen.insert((p[0].min(p[1]), p[0].max(p[1]))),
                    "segment twice"
                );
                let major = g.neighbors(p[0]).iter().find(|n| n.0 == p[1]).unwrap().1;
                assert_eq!(major, w.major);
            }
        }
        assert_eq!(seen.len(), segs);
        assert!(
            ways.len() < segs / 2,
            "segments are chained: {} ways",
            ways.len()
        );
    }
}
