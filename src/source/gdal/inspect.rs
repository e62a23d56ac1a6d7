//! `gridtiles inspect PATH`: the layers of the datasets at `PATH` as GDAL sees them, without
//! reading their features (the count comes from the driver when it knows it cheaply).

use std::path::Path;

use gdal::vector::{geometry_type_to_name, LayerAccess, OGRwkbGeometryType};

use super::read::open;
use super::roles::{GeometryKind, LayerSummary};
use super::{geometry, GdalError};

/// Every layer of every dataset of `path`, in dataset then layer order.
pub(super) fn inspect(path: &Path) -> Result<Vec<LayerSummary>, GdalError> {
    let mut out = Vec::new();
    for dataset in super::datasets(path)? {
        let ds = open(&dataset)?;
        for index in 0..ds.layer_count() {
            let layer = ds.layer(index).map_err(|e| {
                GdalError::path(&dataset, format!("cannot open layer {index}: {e}"))
            })?;
            let geometry_type = layer.defn().geometry_type();
            let fields = layer
                .defn()
                .fields()
                .map(|f| (f.name(), gdal::vector::field_type_to_name(f.field_type())))
                .collect();
            out.push(LayerSummary {
                dataset: dataset.clone(),
                name: layer.name(),
                geometry: geometry_type_to_name(geometry_type),
                kind: kind(geometry_type),
                crs: layer.spatial_ref().map(|s| geometry::crs_name(&s)),
                features: layer.try_feature_count(),
                fields,
            });
        }
    }
    Ok(out)
}

#[allow(non_upper_case_globals)]
fn kind(t: OGRwkbGeometryType::Type) -> GeometryKind {
    use OGRwkbGeometryType::*;
    // Safe: a pure function of the type code.
    match unsafe { gdal_sys::OGR_GT_Flatten(t) } {
        wkbPoint | wkbMultiPoint => GeometryKind::Point,
        wkbLineString | wkbMultiLineString | wkbCircularString | wkbCompoundCurve
        | wkbMultiCurve => GeometryKind::Line,
        wkbPolygon | wkbMultiPolygon | wkbCurvePolygon | wkbMultiSurface => GeometryKind::Polygon,
        _ => GeometryKind::Other,
    }
}
