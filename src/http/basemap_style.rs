//! The basemap part of a served style: a source whose `url` is `/basemap.json` gets this
//! server's basemap (absolute `tiles` URL, zooms, bounds, attribution from the basemap's
//! TileJSON), and of the style layers tagged `metadata["gridtiles:basemap"]` only those for
//! the served basemap's schema are kept (`demo` or `openmaptiles`). Without a basemap, the
//! source and every layer drawing it are removed, so the style never points at a `404`.

use serde_json::{json, Value};

use super::basemap::Basemap;
use super::tilejson::TileJson;

/// The source `url` on disk that stands for "this server's basemap".
pub const BASEMAP_PLACEHOLDER_URL: &str = "/basemap.json";

/// Fills or removes the basemap of `style`; `served`: this server's basemap and its
/// TileJSON.
pub fn fill_basemap(style: &mut Value, served: Option<(&Basemap, &TileJson)>) {
    let Some(sources) = style.get_mut("sources").and_then(Value::as_object_mut) else {
        return;
    };
    let ids: Vec<String> = sources
        .iter()
        .filter(|(_, s)| s.get("url").and_then(Value::as_str) == Some(BASEMAP_PLACEHOLDER_URL))
        .map(|(id, _)| id.clone())
        .collect();
    if ids.is_empty() {
        return;
    }
    for id in &ids {
        match served {
            Some((_, tiles)) => {
                let mut src = json!({
                    "type": "vector",
                    "tiles": tiles.tiles,
                    "minzoom": tiles.minzoom,
                    "maxzoom": tiles.maxzoom,
                    "bounds": tiles.bounds,
                });
                if let Some(a) = &tiles.attribution {
                    src["attribution"] = json!(a);
                }
                sources.insert(id.clone(), src);
            }
            None => {
                sources.remove(id);
            }
        }
    }
    let keep_schema = served.and_then(|(b, _)| b.schema.style_key());
    if let Some(layers) = style.get_mut("layers").and_then(Value::as_array_mut) {
        layers.retain(|l| {
            let on_basemap = l
                .get("source")
                .and_then(Value::as_str)
                .is_some_and(|s| ids.iter().any(|id| id == s));
            let schema = l
                .pointer("/metadata/gridtiles:basemap")
                .and_then(Value::as_str);
            match (served.is_some(), schema) {
                (false, _) => !on_basemap,
                (true, Some(s)) => Some(s) == keep_schema,
                (true, None) => true,
            }
        });
    }
}
