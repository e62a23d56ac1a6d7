//! The load the grid serves now, from the transformers' attributes: `kva × load_pct / 100`
//! at [`POWER_FACTOR`], energized transformers only (`/api/kpi`'s total, the substations'
//! status).

use crate::index::{IndexedFeature, IndexedLayer, Snapshot};
use crate::model::Value;

/// Power factor assumed to turn transformer kVA into MW.
pub const POWER_FACTOR: f64 = 0.9;

fn float(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Float(x) => Some(*x),
        Value::Int(i) => Some(*i as f64),
        _ => None,
    }
}

/// Field positions of the transformer attributes the load needs (resolved once per layer,
/// not per feature: `/api/kpi` sums every transformer on each call).
pub struct LoadFields {
    kva: Option<usize>,
    load_pct: Option<usize>,
    status: Option<usize>,
}

impl LoadFields {
    /// The fields of transformer layer `l`.
    pub fn of(l: &IndexedLayer) -> LoadFields {
        let at = |name: &str| l.fields.iter().position(|f| f.name == name);
        LoadFields {
            kva: at("kva"),
            load_pct: at("load_pct"),
            status: at("status"),
        }
    }

    fn value(f: &IndexedFeature, i: Option<usize>) -> Option<&Value> {
        f.properties.get(i?)?.as_ref()
    }

    /// True unless the transformer has a `status` other than `energized`.
    pub fn energized(&self, f: &IndexedFeature) -> bool {
        match Self::value(f, self.status) {
            Some(Value::Str(s)) => &**s == "energized",
            _ => true,
        }
    }

    /// Load of one transformer in MW: `kva × load_pct / 100` at [`POWER_FACTOR`] (0 when
    /// either attribute is missing or not finite).
    pub fn mw(&self, f: &IndexedFeature) -> f64 {
        let kva = float(Self::value(f, self.kva)).unwrap_or(0.0);
        let pct = float(Self::value(f, self.load_pct)).unwrap_or(0.0);
        let mw = kva * pct / 100.0 * POWER_FACTOR / 1000.0;
        if mw.is_finite() {
            mw.max(0.0)
        } else {
            0.0
        }
    }
}

/// Load served now by every energized transformer, MW (`kva × load_pct / 100` at
/// [`POWER_FACTOR`]).
pub fn total_load_mw(snapshot: &Snapshot) -> f64 {
    let Some(l) = snapshot.layer("transformers") else {
        return 0.0;
    };
    let fields = LoadFields::of(l);
    l.features
        .iter()
        .filter(|f| fields.energized(f))
        .map(|f| fields.mw(f))
        .sum()
}
