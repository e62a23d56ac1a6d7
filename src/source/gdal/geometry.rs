//! One feature's geometry from GDAL to lon/lat `geo_types`: reprojected with the layer's
//! transformation (PROJ, through GDAL), curves linearized (circular arcs of a geodatabase or
//! GeoPackage become LineStrings), Z and M dropped, then checked with the file source's
//! geometry rules (`source::file::geom`). Errors are plain reasons; the reader adds the file,
//! layer and feature.

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::Geometry;

use crate::source::file::geom;

/// The transformation from a layer's CRS to WGS84 lon/lat; `None` when the layer has no CRS
/// (its coordinates are taken as lon/lat, and the range check catches projected ones).
pub(super) fn to_wgs84(source: Option<SpatialRef>) -> Result<Option<CoordTransform>, String> {
    let Some(mut source) = source else {
        return Ok(None);
    };
    source.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let mut wgs84 = SpatialRef::from_epsg(4326).map_err(|e| format!("EPSG:4326: {e}"))?;
    wgs84.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    CoordTransform::new(&source, &wgs84).map(Some).map_err(|e| {
        format!(
            "cannot reproject from {} to EPSG:4326: {e}",
            crs_name(&source)
        )
    })
}

/// A short name for a CRS in messages: `EPSG:2278 (NAD83 / Texas South Central (ftUS))`.
pub(super) fn crs_name(srs: &SpatialRef) -> String {
    let name = srs.name().unwrap_or_else(|| "unnamed CRS".to_string());
    match (srs.auth_name(), srs.auth_code()) {
        (Some(auth), Ok(code)) => format!("{auth}:{code} ({name})"),
        _ => name,
    }
}

/// `geometry` in lon/lat, 2D and linear, checked.
pub(super) fn lonlat(
    geometry: Option<&Geometry>,
    transform: Option<&CoordTransform>,
) -> Result<geo_types::Geometry<f64>, String> {
    let geometry = geometry.ok_or("feature has no geometry")?;
    if geometry.is_empty() {
        return Err(format!("empty {}", geometry.geometry_name()));
    }
    let mut g = match transform {
        Some(t) => geometry
            .transform(t)
            .map_err(|e| format!("cannot reproject to EPSG:4326: {e}"))?,
        None => geometry.clone(),
    };
    if has_curves(&g) {
        g = linearize(&g)?;
    }
    g.flatten_to_2d();
    let name = g.geometry_name();
    let out = g
        .to_geo()
        .map_err(|_| format!("unsupported geometry type {name}"))?;
    geom::validate(&out)?;
    Ok(out)
}

fn has_curves(g: &Geometry) -> bool {
    // Safe: `g` owns a valid geometry handle.
    unsafe { gdal_sys::OGR_G_HasCurveGeometry(g.c_geometry(), 0) != 0 }
}

/// The linear approximation of a curved geometry (GDAL's default arc stepping), through WKB
/// so the result is an owned `Geometry` again.
fn linearize(g: &Geometry) -> Result<Geometry, String> {
    // Safe: `g`'s handle is valid; the linear copy is owned here and destroyed before
    // returning; the buffer is sized by GDAL for that copy.
    unsafe {
        let linear = gdal_sys::OGR_G_GetLinearGeometry(g.c_geometry(), 0.0, std::ptr::null_mut());
        if linear.is_null() {
            return Err(format!("cannot linearize {}", g.geometry_name()));
        }
        let size = usize::try_from(gdal_sys::OGR_G_WkbSize(linear)).unwrap_or(0);
        let mut wkb = vec![0u8; size];
        let err = gdal_sys::OGR_G_ExportToIsoWkb(
            linear,
            gdal_sys::OGRwkbByteOrder::wkbNDR,
            wkb.as_mut_ptr(),
        );
        gdal_sys::OGR_G_DestroyGeometry(linear);
        if err != gdal_sys::OGRErr::OGRERR_NONE {
            return Err(format!("cannot linearize {}", g.geometry_name()));
        }
        Geometry::from_wkb(&wkb).map_err(|e| format!("cannot linearize: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::line_string;

    fn wkt(s: &str) -> Geometry {
        Geometry::from_wkt(s).unwrap()
    }

    #[test]
    fn z_m_and_curves_become_2d_linear() {
        let g = lonlat(Some(&wkt("LINESTRING Z (1 2 3, 4 5 6)")), None).unwrap();
        assert_eq!(g, line_string![(x: 1., y: 2.), (x: 4., y: 5.)].into());
        let arc = lonlat(Some(&wkt("CIRCULARSTRING (0 0, 1 1, 2 0)")), None).unwrap();
        let geo_types::Geometry::LineString(ls) = arc else {
            panic!("{arc:?}")
        };
        assert!(ls.0.len() > 10, "arc stepped into many segments");
        assert!(ls.0.iter().all(|c| (c.x - 1.0).hypot(c.y) - 1.0 < 1e-9));
    }

    #[test]
    fn bad_geometry_is_a_reason() {
        assert_eq!(lonlat(None, None).unwrap_err(), "feature has no geometry");
        assert!(lonlat(Some(&wkt("POINT EMPTY")), None)
            .unwrap_err()
            .contains("empty"));
        assert!(lonlat(Some(&wkt("LINESTRING (1 2)")), None)
            .unwrap_err()
            .contains("at least 2"));
        assert!(lonlat(Some(&wkt("POINT (500000 3000000)")), None)
            .unwrap_err()
            .contains("looks projected"));
    }

    #[test]
    fn state_plane_feet_to_lonlat() {
        let t = to_wgs84(Some(SpatialRef::from_epsg(2278).unwrap()))
            .unwrap()
            .unwrap();
        // Downtown Houston in Texas South Central (US survey feet).
        let g = lonlat(Some(&wkt("POINT (3116000 13840000)")), Some(&t)).unwrap();
        let geo_types::Geometry::Point(p) = g else {
            panic!()
        };
        assert!(
            (p.x() + 95.37).abs() < 0.05 && (p.y() - 29.76).abs() < 0.05,
            "{p:?}"
        );
    }
}
