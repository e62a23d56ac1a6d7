//! FlatGeobuf fixture builders: raw files assembled from hand-made feature tables, files
//! from the flatgeobuf crate's reference writer, and a record walker for truncation tests.

use flatbuffers::FlatBufferBuilder;
use flatgeobuf::{
    ColumnType, FeatureArgs, FgbCrs, FgbWriter, FgbWriterOptions, GeometryArgs, GeometryType,
};
use geo_types::Geometry;
use geozero::{ColumnValue, GeomProcessor, GeozeroGeometry, PropertyProcessor};

use super::super::fgb_encode::{header, HeaderInfo};
use crate::model::Field;

const MAGIC: [u8; 8] = [b'f', b'g', b'b', 3, b'f', b'g', b'b', 0];

/// A file without spatial index: our header (EPSG:4326, `id` column then `fields`) followed
/// by the given size-prefixed feature tables.
pub fn raw_fgb(fields: &[Field], geometry_type: GeometryType, features: &[Vec<u8>]) -> Vec<u8> {
    let header = header(&HeaderInfo {
        name: "raw",
        fields,
        geometry_type,
        features: features.len() as u64,
        envelope: None,
        index_node_size: 0,
    });
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&header);
    for f in features {
        out.extend_from_slice(f);
    }
    out
}

/// A size-prefixed feature table; `geometry` is (type, xy, ends), `None` = no geometry.
pub fn raw_feature(geometry: Option<(GeometryType, &[f64], &[u32])>, properties: &[u8]) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::new();
    let geometry = geometry.map(|(type_, xy, ends)| {
        let xy = Some(fbb.create_vector(xy));
        let ends = (!ends.is_empty()).then(|| fbb.create_vector(ends));
        let args = GeometryArgs {
            xy,
            ends,
            type_,
            ..Default::default()
        };
        flatgeobuf::Geometry::create(&mut fbb, &args)
    });
    let properties = Some(fbb.create_vector(properties));
    let args = FeatureArgs {
        geometry,
        properties,
        columns: None,
    };
    let f = flatgeobuf::Feature::create(&mut fbb, &args);
    fbb.finish_size_prefixed(f, None);
    fbb.finished_data().to_vec()
}

/// A properties blob holding `id` as the Long column 0.
pub fn id_prop(id: i64) -> Vec<u8> {
    let mut p = 0u16.to_le_bytes().to_vec();
    p.extend_from_slice(&id.to_le_bytes());
    p
}

/// A point feature table with the given id.
pub fn raw_point(id: i64, x: f64, y: f64) -> Vec<u8> {
    raw_feature(Some((GeometryType::Point, &[x, y], &[])), &id_prop(id))
}

/// Start offsets of the size-prefixed feature records of a well-formed file, and the end.
pub fn feature_offsets(bytes: &[u8]) -> (Vec<usize>, usize) {
    let word = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let header_end = 12 + word(8);
    let header = flatgeobuf::size_prefixed_root_as_header(&bytes[8..header_end]).unwrap();
    let count = header.features_count() as usize;
    let index = if header.index_node_size() > 0 && count > 0 {
        flatgeobuf::packed_r_tree::PackedRTree::index_size(count, header.index_node_size())
    } else {
        0
    };
    let mut at = header_end + index;
    let mut offsets = Vec::new();
    while at < bytes.len() {
        offsets.push(at);
        at += 4 + word(at);
    }
    (offsets, at)
}

/// A geometry the reference writer streams as a CircularString.
pub struct Arc3;

impl GeozeroGeometry for Arc3 {
    fn process_geom<P: GeomProcessor>(&self, p: &mut P) -> geozero::error::Result<()> {
        p.circularstring_begin(3, 0)?;
        p.xy(0.0, 0.0, 0)?;
        p.xy(1.0, 1.0, 1)?;
        p.xy(2.0, 0.0, 2)?;
        p.circularstring_end(0)
    }
}

/// One feature for [`reference_fgb`]: geometry and (column, value) properties.
pub type RefFeature<'a> = (Geometry, Vec<(usize, ColumnValue<'a>)>);

/// A file written by `flatgeobuf::FgbWriter` (no index), declaring `crs_code` (0 = none).
pub fn reference_fgb(
    geometry_type: GeometryType,
    crs_code: i32,
    columns: &[(&str, ColumnType)],
    features: &[RefFeature],
) -> Vec<u8> {
    let mut w = writer(geometry_type, crs_code, columns);
    for (g, props) in features {
        w.add_feature_geom(g.clone(), |fw| props_into(fw, columns, props))
            .expect("reference writer");
    }
    finish(w)
}

/// A reference-writer file whose only feature is a CircularString, in a layer of `ty`.
pub fn reference_curve(ty: GeometryType) -> Vec<u8> {
    let columns = [("id", ColumnType::Long)];
    let mut w = writer(ty, 4326, &columns);
    w.add_feature_geom(Arc3, |fw| {
        props_into(fw, &columns, &[(0, ColumnValue::Long(1))]);
    })
    .expect("reference writer");
    finish(w)
}

fn writer<'a>(
    geometry_type: GeometryType,
    crs_code: i32,
    columns: &[(&str, ColumnType)],
) -> FgbWriter<'a> {
    let options = FgbWriterOptions {
        write_index: false,
        detect_type: false,
        promote_to_multi: false,
        crs: FgbCrs {
            code: crs_code,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut w = FgbWriter::create_with_options("ref", geometry_type, options).expect("writer");
    for (name, kind) in columns {
        w.add_column(name, *kind, |_, _| {});
    }
    w
}

fn props_into<P: PropertyProcessor>(
    fw: &mut P,
    columns: &[(&str, ColumnType)],
    props: &[(usize, ColumnValue)],
) {
    for (i, v) in props {
        fw.property(*i, columns[*i].0, v).expect("property");
    }
}

fn finish(w: FgbWriter) -> Vec<u8> {
    let mut out = Vec::new();
    w.write(&mut out).expect("write");
    out
}
