//! The `?layers=a,b` query parameter shared by tiles and TileJSON: a comma-separated list of
//! layer names, validated against the snapshot.

use axum::extract::Query;
use axum::http::Uri;
use serde::Deserialize;

use crate::index::Snapshot;
use crate::tiles::LayerSelection;

use super::error::{truncate, ApiError};

#[derive(Deserialize)]
struct LayersQuery {
    layers: Option<String>,
}

/// The layer selection a request asks for: every layer without `?layers=`, else the named
/// layers in snapshot order. A list naming every layer is normalized to
/// [`LayerSelection::All`] so that both spellings share cache entries.
///
/// Errors: an unknown layer is 404 (naming it); an empty list, an empty name or a layer
/// named twice is 400.
pub(crate) fn selection(uri: &Uri, snapshot: &Snapshot) -> Result<LayerSelection, ApiError> {
    if uri.query().is_none() {
        return Ok(LayerSelection::All);
    }
    let query = Query::<LayersQuery>::try_from_uri(uri)
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {}", e.body_text())))?;
    let Some(list) = query.0.layers else {
        return Ok(LayerSelection::All);
    };
    parse_list(&list, snapshot)
}

pub(crate) fn parse_list(list: &str, snapshot: &Snapshot) -> Result<LayerSelection, ApiError> {
    if list.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "layers must name at least one layer".to_owned(),
        ));
    }
    let mut indices = Vec::new();
    for name in list.split(',').map(str::trim) {
        if name.is_empty() {
            return Err(ApiError::BadRequest(format!(
                "empty layer name in layers={:?}",
                truncate(list, 200)
            )));
        }
        let Some(index) = snapshot.layer_index(name) else {
            return Err(ApiError::NotFound(format!(
                "unknown layer {:?}",
                truncate(name, 100)
            )));
        };
        if indices.contains(&index) {
            return Err(ApiError::BadRequest(format!(
                "layer {name:?} is listed twice"
            )));
        }
        indices.push(index);
    }
    if indices.len() == snapshot.layers.len() {
        return Ok(LayerSelection::All);
    }
    indices.sort_unstable();
    Ok(LayerSelection::Only(indices))
}

/// Indices into `snapshot.layers` of the selected layers, in snapshot order.
pub(crate) fn indices(selection: &LayerSelection, snapshot: &Snapshot) -> Vec<usize> {
    match selection {
        LayerSelection::All => (0..snapshot.layers.len()).collect(),
        LayerSelection::Only(v) => v.clone(),
    }
}

/// `s` percent-encoded for a URL query value (everything but RFC 3986 unreserved bytes and
/// the `,` separator).
pub(crate) fn encode_query_value(s: &str) -> String {
    const QUERY_VALUE: &percent_encoding::AsciiSet = &super::ogc::links::UNRESERVED.remove(b',');
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode_query_value("feeders,poles"), "feeders,poles");
        assert_eq!(encode_query_value("a b&c"), "a%20b%26c");
        assert_eq!(encode_query_value("é"), "%C3%A9");
    }
}
