//! FlatGeobuf loading: malformed files, CRS, geometry rules, ids, column types, lenient mode,
//! and robustness against truncated and corrupted bytes.

use flatgeobuf::GeometryType;
use geo_types::{line_string, point, Geometry, LineString, Polygon};

use super::fgb_fixtures::*;
use super::*;
use crate::source::file::write_dir;

/// A valid file of `layer` as bytes.
fn fgb_bytes(layer: &LayerData) -> Vec<u8> {
    let dir = tmp();
    write_dir(dir.path(), std::slice::from_ref(layer)).expect("write");
    std::fs::read(dir.path().join(format!("{}.fgb", layer.name))).expect("read")
}

#[test]
fn bad_magic() {
    let dir = tmp();
    put(
        dir.path(),
        "poles.fgb",
        b"{\"type\": \"FeatureCollection\"}",
    );
    load_err(
        dir.path(),
        true,
        &["poles.fgb: not a FlatGeobuf file (bad magic bytes)"],
    );
}

#[test]
fn truncated_inside_a_feature() {
    let dir = tmp();
    let bytes = fgb_bytes(&poles());
    let (offsets, _) = feature_offsets(&bytes);
    put(dir.path(), "poles.fgb", &bytes[..bytes.len() - 5]);
    let last = format!("feature {}: truncated file", offsets.len() - 1);
    load_err(dir.path(), true, &["poles.fgb", &last, "bytes"]);
}

#[test]
fn truncated_at_a_feature_boundary() {
    let dir = tmp();
    let bytes = fgb_bytes(&poles());
    let (offsets, _) = feature_offsets(&bytes);
    put(dir.path(), "poles.fgb", &bytes[..offsets[30]]);
    load_err(
        dir.path(),
        true,
        &["poles.fgb, feature 30: truncated file: the header declares 40 features, the file ends after 30"],
    );
}

#[test]
fn truncated_header_and_index() {
    let dir = tmp();
    let bytes = fgb_bytes(&poles());
    put(dir.path(), "poles.fgb", &bytes[..40]);
    load_err(
        dir.path(),
        false,
        &["poles.fgb: truncated file: the header needs"],
    );
    let (offsets, _) = feature_offsets(&bytes);
    put(dir.path(), "poles.fgb", &bytes[..offsets[0] - 100]);
    load_err(
        dir.path(),
        false,
        &["poles.fgb: truncated file: the spatial index needs"],
    );
}

/// Replaces a file without truncating it in place (ext4 flushes truncated-and-rewritten
/// files, which makes thousands of rewrites slow).
fn rewrite(path: &std::path::Path, bytes: &[u8]) {
    let _ = std::fs::remove_file(path);
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn every_truncation_and_corruption_is_an_error_not_a_panic() {
    let dir = tmp();
    let bytes = fgb_bytes(&mixed());
    let path = dir.path().join("mixed.fgb");
    for len in 0..bytes.len() {
        rewrite(&path, &bytes[..len]);
        assert!(
            load_dir(dir.path(), LoadOptions::default()).is_err(),
            "length {len}"
        );
    }
    // Deterministic byte flips: any outcome but a panic is fine.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut corrupt = bytes.clone();
        let at = (state % bytes.len() as u64) as usize;
        corrupt[at] ^= 1 << ((state >> 32) % 8);
        rewrite(&path, &corrupt);
        let _ = load_dir(
            dir.path(),
            LoadOptions {
                lenient: state.is_multiple_of(2),
                ..LoadOptions::default()
            },
        );
    }
}

#[test]
fn projected_crs_is_rejected() {
    let dir = tmp();
    let f = (point!(x: 500_000.0, y: 4_000_000.0).into(), vec![]);
    put(
        dir.path(),
        "m.fgb",
        reference_fgb(GeometryType::Point, 3857, &[], &[f]),
    );
    load_err(
        dir.path(),
        true,
        &["m.fgb: CRS EPSG:3857 is not supported; reproject to EPSG:4326"],
    );
}

#[test]
fn projected_coordinates_without_crs() {
    let dir = tmp();
    let ok = (point!(x: 1.0, y: 1.0).into(), vec![]);
    let bad = (point!(x: 500_000.0, y: 4_000_000.0).into(), vec![]);
    put(
        dir.path(),
        "m.fgb",
        reference_fgb(GeometryType::Point, 0, &[], &[ok, bad]),
    );
    load_err(
        dir.path(),
        false,
        &["m.fgb, feature 1: longitude 500000 outside [-180, 180]"],
    );
}

#[test]
fn geometry_rules() {
    let cases: Vec<(Geometry, &str)> = vec![
        (point!(x: f64::NAN, y: 1.0).into(), "non-finite coordinate"),
        (
            point!(x: 1.0, y: 95.0).into(),
            "latitude 95 outside [-90, 90]",
        ),
        (
            LineString::from(vec![(1.0, 1.0)]).into(),
            "LineString with 1 point(s)",
        ),
        (
            Polygon::new(line_string![(x: 0., y: 0.), (x: 1., y: 0.)], vec![]).into(),
            "polygon ring 0 has 3 point(s)",
        ),
    ];
    for (g, reason) in cases {
        let dir = tmp();
        let ok = (point!(x: 1.0, y: 1.0).into(), vec![]);
        let file = reference_fgb(GeometryType::Unknown, 4326, &[], &[ok, (g, vec![])]);
        put(dir.path(), "g.fgb", file);
        load_err(dir.path(), false, &["g.fgb, feature 1: ", reason]);
    }
}

#[test]
fn missing_geometry_and_bad_parts() {
    let dir = tmp();
    let no_geometry = raw_feature(None, &id_prop(2));
    let bad_ends = raw_feature(
        Some((
            GeometryType::MultiLineString,
            &[0., 0., 1., 1., 2., 2.],
            &[2, 9],
        )),
        &id_prop(3),
    );
    let odd_xy = raw_feature(
        Some((GeometryType::LineString, &[0., 0., 1.], &[])),
        &id_prop(4),
    );
    let features = [raw_point(1, 1.0, 1.0), no_geometry, bad_ends, odd_xy];
    put(
        dir.path(),
        "raw.fgb",
        raw_fgb(&[], GeometryType::Unknown, &features),
    );
    load_err(dir.path(), false, &["raw.fgb, feature 1: missing geometry"]);
    let loaded = load_lenient(dir.path());
    assert_eq!(loaded.skipped, vec![("raw".to_string(), 3)]);
    assert_eq!(only(loaded).features[0].id, 1);
}

#[test]
fn unsupported_geometry_types() {
    let dir = tmp();
    put(
        dir.path(),
        "c.fgb",
        reference_curve(GeometryType::CircularString),
    );
    load_err(
        dir.path(),
        true,
        &["c.fgb: unsupported geometry type CircularString"],
    );
    put(dir.path(), "c.fgb", reference_curve(GeometryType::Unknown));
    load_err(
        dir.path(),
        false,
        &["c.fgb, feature 0: unsupported geometry type CircularString"],
    );
}

#[test]
fn bad_property_bytes() {
    let dir = tmp();
    let mut unknown_column = id_prop(2);
    unknown_column.extend_from_slice(&7u16.to_le_bytes());
    unknown_column.extend_from_slice(&[1, 2, 3, 4]);
    let mut short_value = 0u16.to_le_bytes().to_vec();
    short_value.extend_from_slice(&[1, 2, 3]);
    let features = [
        raw_point(1, 1.0, 1.0),
        raw_feature(Some((GeometryType::Point, &[1., 1.], &[])), &unknown_column),
        raw_feature(Some((GeometryType::Point, &[1., 1.], &[])), &short_value),
    ];
    put(
        dir.path(),
        "p.fgb",
        raw_fgb(&[], GeometryType::Point, &features),
    );
    load_err(
        dir.path(),
        false,
        &["p.fgb, feature 1: property refers to column 7"],
    );
    let loaded = load_lenient(dir.path());
    assert_eq!(loaded.skipped, vec![("p".to_string(), 2)]);
}

#[test]
fn lenient_counts_and_file_errors() {
    let dir = tmp();
    let features = [
        raw_point(1, 1.0, 1.0),
        raw_point(2, 1000.0, 1.0),
        raw_point(3, 2.0, 2.0),
        raw_point(1, 3.0, 3.0),
        raw_point(-4, 3.0, 3.0),
    ];
    put(
        dir.path(),
        "p.fgb",
        raw_fgb(&[], GeometryType::Point, &features),
    );
    load_err(dir.path(), false, &["p.fgb, feature 1: longitude 1000"]);
    let loaded = load_lenient(dir.path());
    assert_eq!(loaded.skipped, vec![("p".to_string(), 3)]);
    let ids: Vec<u64> = only(loaded).features.iter().map(|f| f.id).collect();
    assert_eq!(ids, vec![1, 3]);
}
