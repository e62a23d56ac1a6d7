//! What `gridtiles inspect` says about a dataset: each layer's summary (geometry type, CRS,
//! feature count, fields) and a proposed `[data]` section that serves the layers under the
//! names gridtiles' styles, legend and tiling rules know (`feeders`, `poles`,
//! `transformers`, `switches`, `meters`, `substations`), guessed from layer names and
//! geometry. The proposal is TOML to edit: layers with no guess keep their own name; a role
//! whose built-in rules merge by fields the layer lacks gets those rules without them
//! (`[layers.NAME]`), so the proposal serves as it is.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::tiling::LayerConfig;

/// The kind of geometry a layer holds, as far as roles care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeometryKind {
    Point,
    Line,
    Polygon,
    /// Mixed, unknown or none.
    Other,
}

/// One layer of a dataset, as `inspect` lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSummary {
    /// The dataset holding it.
    pub dataset: PathBuf,
    /// Its name in the dataset.
    pub name: String,
    /// GDAL's name of its geometry type (`Line String`, `3D Point`, ...).
    pub geometry: String,
    /// Its geometry kind.
    pub kind: GeometryKind,
    /// Its CRS (`EPSG:2278 (NAD83 / Texas South Central (ftUS))`), `None` without one.
    pub crs: Option<String>,
    /// Its feature count, when the driver knows it without a scan.
    pub features: Option<u64>,
    /// Its fields: name and OGR type name.
    pub fields: Vec<(String, String)>,
}

/// Name fragments per role (lower case), checked in this order; the role is the served name.
const ROLES: &[(&str, GeometryKind, &[&str])] = &[
    (
        "substations",
        GeometryKind::Point,
        &["substation", "station", "ext_grid", "source"],
    ),
    (
        "transformers",
        GeometryKind::Point,
        &["transformer", "trafo", "xfmr", "xfr"],
    ),
    (
        "switches",
        GeometryKind::Point,
        &[
            "switch",
            "breaker",
            "recloser",
            "fuse",
            "sectional",
            "disconnect",
            "cutout",
        ],
    ),
    (
        "meters",
        GeometryKind::Point,
        &["meter", "service", "customer", "consumer", "load"],
    ),
    (
        "poles",
        GeometryKind::Point,
        &["pole", "structure", "support", "tower"],
    ),
    (
        "feeders",
        GeometryKind::Line,
        &[
            "conductor",
            "span",
            "line",
            "feeder",
            "cable",
            "circuit",
            "primary",
            "secondary",
        ],
    ),
];

/// The served name proposed for a layer called `name` holding `kind`, if one fits.
pub fn guess_role(name: &str, kind: GeometryKind) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    ROLES
        .iter()
        .find(|(_, k, words)| *k == kind && words.iter().any(|w| lower.contains(w)))
        .map(|(role, _, _)| *role)
}

/// The listing and the proposed `[data]` section for `path`, as TOML (comments describe each
/// layer). Each role goes to the first layer that fits it; the others keep their names.
pub fn proposal(path: &Path, layers: &[LayerSummary]) -> String {
    let mut out = format!("# gridtiles inspect {}\n", path.display());
    for l in layers {
        out.push_str(&format!(
            "#\n# layer {:?} of {}: {}, {}, {}\n",
            l.name,
            l.dataset.display(),
            l.geometry,
            l.crs.as_deref().unwrap_or("no CRS (read as lon/lat)"),
            l.features
                .map_or("feature count unknown".to_string(), |n| format!(
                    "{n} features"
                )),
        ));
        for (name, kind) in &l.fields {
            out.push_str(&format!("#   {name}: {kind}\n"));
        }
    }
    let select = proposed_select(layers);
    let mut tiling = toml::Table::new();
    for l in layers.iter() {
        let Some(served) = select.get(&l.name) else {
            continue;
        };
        if let Some(config) = merge_fitted(served, &l.fields) {
            if let Ok(t) = toml::Table::try_from(&config) {
                tiling.insert(served.clone(), toml::Value::Table(t));
            }
        }
    }
    let mut data = toml::Table::new();
    data.insert(
        "dir".into(),
        toml::Value::String(path.display().to_string()),
    );
    let select: toml::Table = select
        .into_iter()
        .map(|(k, v)| (k, toml::Value::String(v)))
        .collect();
    let mut doc = toml::Table::new();
    doc.insert("data".into(), toml::Value::Table(data));
    out.push_str(
        "\n# Proposed: each layer under the name gridtiles' styles and tiling rules know (edit freely;\n\
         # a layer left out of data.select is not loaded).\n",
    );
    out.push_str(&toml::to_string(&doc).unwrap_or_default());
    out.push_str("\n[data.select]\n");
    out.push_str(&toml::to_string(&select).unwrap_or_default());
    if !tiling.is_empty() {
        out.push_str(
            "\n# The built-in rules of these layers merge spans by fields this data lacks: the\n\
             # missing ones are left out of merge_by (no field left: no merging).\n",
        );
        let mut doc = toml::Table::new();
        doc.insert("layers".into(), toml::Value::Table(tiling));
        out.push_str(&toml::to_string(&doc).unwrap_or_default());
    }
    out
}

/// The proposed `data.select`: each layer with a geometry under its role's name (each role
/// to the first layer that fits it), else its own.
pub fn proposed_select(layers: &[LayerSummary]) -> BTreeMap<String, String> {
    let mut select = BTreeMap::new();
    let mut taken = std::collections::HashSet::new();
    for l in layers.iter().filter(|l| l.kind != GeometryKind::Other) {
        let served = guess_role(&l.name, l.kind)
            .filter(|role| taken.insert(*role))
            .map_or_else(|| l.name.clone(), str::to_string);
        select.insert(l.name.clone(), served);
    }
    select
}

/// The built-in tiling rules of layer `served` with the merge fields that `fields` lacks
/// left out; `None` when the built-in rules fit as they are.
fn merge_fitted(served: &str, fields: &[(String, String)]) -> Option<LayerConfig> {
    let mut config = LayerConfig::defaults_for(served);
    let has = |name: &String| fields.iter().any(|(f, _)| f == name);
    if config.merge_by.iter().all(has) && config.merge_id.iter().all(has) {
        return None;
    }
    config.merge_by.retain(has);
    config.merge_id = config.merge_id.filter(has);
    Some(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_from_names_and_geometry() {
        use GeometryKind::*;
        assert_eq!(guess_role("ElecPrimaryConductor", Line), Some("feeders"));
        assert_eq!(guess_role("lines", Line), Some("feeders"));
        assert_eq!(guess_role("Transformer", Point), Some("transformers"));
        assert_eq!(guess_role("FuseBank", Point), Some("switches"));
        assert_eq!(guess_role("ServicePoint", Point), Some("meters"));
        assert_eq!(guess_role("ext_grid", Point), Some("substations"));
        assert_eq!(guess_role("Pole", Point), Some("poles"));
        // Geometry must fit: a polygon called "substation" is not the point layer.
        assert_eq!(guess_role("Substation", Polygon), None);
        assert_eq!(guess_role("buses", Point), None);
    }

    #[test]
    fn proposal_is_toml_that_the_configuration_reads() {
        let layer = |name: &str, kind| LayerSummary {
            dataset: PathBuf::from("u.gpkg"),
            name: name.into(),
            geometry: "Point".into(),
            kind,
            crs: Some("EPSG:2278 (NAD83 / Texas South Central (ftUS))".into()),
            features: Some(3),
            fields: vec![("name".into(), "String".into())],
        };
        let layers = [
            layer("Line 1", GeometryKind::Line),
            layer("Line 2", GeometryKind::Line),
            layer("buses", GeometryKind::Point),
            layer("attributes", GeometryKind::Other),
        ];
        let text = proposal(Path::new("u.gpkg"), &layers);
        let config: crate::settings::Config = toml::from_str(&text).expect(&text);
        assert_eq!(config.data.dir, Some(PathBuf::from("u.gpkg")));
        let select: Vec<(&str, &str)> = config
            .data
            .select
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        // One layer per role; the second line layer and the buses keep their names.
        assert_eq!(
            select,
            [
                ("Line 1", "feeders"),
                ("Line 2", "Line 2"),
                ("buses", "buses")
            ]
        );
        assert!(text.contains("# layer \"buses\" of u.gpkg: Point, EPSG:2278"));
        // "Line 1" has no feeder_id / status: feeders without merging.
        let feeders = config.tiling().layer("feeders");
        assert!(feeders.merge_by.is_empty() && feeders.merge_id.is_none());
        assert_eq!(
            feeders.minzoom,
            LayerConfig::defaults_for("feeders").minzoom
        );
    }
}
