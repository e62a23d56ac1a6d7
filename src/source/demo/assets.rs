//! The poles, transformers and meters layers, including pole attributes (height, material,
//! age and a health score that falls with age).

use rand::Rng;

use super::customers::{round1, Class};
use super::feeders::Section;
use super::geom::to_lon_lat;
use super::layers::{
    empty_layer, float, int, point, str_val, Strs, FEEDER_ID, METER_ID, POLE_ID, SUBSTATION_ID,
    TRANSFORMER_ID,
};
use super::rng::{normal, pick, uniform, DemoRng};
use super::Grid;
use crate::model::{Feature, LayerData};

/// Year the pole ages are counted to.
const THIS_YEAR: f64 = 2025.0;

/// The poles layer.
pub fn poles(g: &Grid, st: &Strs, rng: &mut DemoRng) -> LayerData {
    let mut layer = empty_layer(4, g.net.poles.len());
    for (i, pole) in g.net.poles.iter().enumerate() {
        let span = &g.net.spans[i];
        let sub = g.feeders[span.feeder as usize].substation;
        let centrality = (pole.pos.norm() / g.radius).min(1.0);
        let trunk = span.section == Section::Trunk;
        let (height, material) = if trunk {
            (
                pick(rng, &[(45, 0.5), (50, 0.35), (55, 0.15)]),
                pick(rng, &[(0, 0.72), (1, 0.18), (2, 0.1)]),
            )
        } else {
            (
                pick(rng, &[(35, 0.35), (40, 0.5), (45, 0.15)]),
                pick(rng, &[(0, 0.9), (1, 0.07), (2, 0.03)]),
            )
        };
        let year = if material == 0 {
            normal(rng, 1992.0 - 22.0 * (1.0 - centrality), 14.0)
                .round()
                .clamp(1955.0, 2024.0)
        } else {
            uniform(rng, 1990.0, 2025.0).floor()
        };
        let wear = if material == 0 { 0.6 } else { 0.3 };
        let health = if rng.random_bool(0.03) {
            uniform(rng, 5.0, 40.0)
        } else {
            normal(rng, 105.0 - (THIS_YEAR - year) * wear, 8.0).clamp(0.0, 100.0)
        };
        layer.features.push(Feature {
            id: POLE_ID + i as u64,
            geometry: point(g.pole_ll[i]),
            properties: vec![
                int(FEEDER_ID + span.feeder as u64),
                int(SUBSTATION_ID + sub as u64),
                int(height),
                str_val(&st.materials[material]),
                int(year as u64),
                float(round1(health)),
                st.status(g.energy.pole[i]),
            ],
        });
    }
    layer
}

/// The transformers layer.
pub fn transformers(g: &Grid, st: &Strs) -> LayerData {
    let mut layer = empty_layer(3, g.transformers.len());
    for (i, t) in g.transformers.iter().enumerate() {
        let feeder = g.net.spans[t.pole as usize].feeder;
        layer.features.push(Feature {
            id: TRANSFORMER_ID + i as u64,
            geometry: point(g.pole_ll[t.pole as usize]),
            properties: vec![
                int(FEEDER_ID + feeder as u64),
                int(SUBSTATION_ID + g.feeders[feeder as usize].substation as u64),
                int(POLE_ID + t.pole as u64),
                float(t.kva),
                str_val(&st.phases[t.phase as usize]),
                float(t.load_pct),
                int(t.customers as u64),
                st.status(g.energy.pole[t.pole as usize]),
            ],
        });
    }
    layer
}

/// The meters layer.
pub fn meters(g: &Grid, st: &Strs) -> LayerData {
    let mut layer = empty_layer(5, g.meters.len());
    for (i, m) in g.meters.iter().enumerate() {
        let t = &g.transformers[m.transformer as usize];
        let feeder = g.net.spans[t.pole as usize].feeder;
        let class = match m.class {
            Class::Residential => 0,
            Class::Commercial => 1,
            Class::Industrial => 2,
        };
        layer.features.push(Feature {
            id: METER_ID + i as u64,
            geometry: point(to_lon_lat(m.pos)),
            properties: vec![
                int(FEEDER_ID + feeder as u64),
                int(SUBSTATION_ID + g.feeders[feeder as usize].substation as u64),
                int(TRANSFORMER_ID + m.transformer as u64),
                str_val(&st.classes[class]),
                float(m.kwh),
                str_val(&st.phases[t.phase as usize]),
                st.status(g.energy.pole[t.pole as usize]),
            ],
        });
    }
    layer
}
