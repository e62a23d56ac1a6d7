//! Encoding FlatGeobuf tables: one [`FeatureEncoder`] reused for every feature of a layer
//! (one builder, one scratch buffer per array, no per-feature allocation beyond the output),
//! and the header.

use flatbuffers::{FlatBufferBuilder, WIPOffset};
use flatgeobuf::packed_r_tree::NodeItem;
use flatgeobuf::{
    Column, ColumnArgs, ColumnType, Crs, CrsArgs, Feature, FeatureArgs, GeometryArgs, GeometryType,
    Header, HeaderArgs,
};
use geo_types::{Coord, Geometry, LineString, Polygon};

use super::schema;
use crate::model::{Field, FieldType, Value};

type FgbGeometry<'a> = flatgeobuf::Geometry<'a>;

/// The declared FlatGeobuf type of a geometry (`Line` is a LineString, `Rect` and `Triangle`
/// are Polygons).
pub(super) fn geometry_type(g: &Geometry) -> GeometryType {
    match g {
        Geometry::Point(_) => GeometryType::Point,
        Geometry::Line(_) | Geometry::LineString(_) => GeometryType::LineString,
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => GeometryType::Polygon,
        Geometry::MultiPoint(_) => GeometryType::MultiPoint,
        Geometry::MultiLineString(_) => GeometryType::MultiLineString,
        Geometry::MultiPolygon(_) => GeometryType::MultiPolygon,
        Geometry::GeometryCollection(_) => GeometryType::GeometryCollection,
    }
}

/// Builds size-prefixed feature tables.
pub(super) struct FeatureEncoder {
    fbb: FlatBufferBuilder<'static>,
    xy: Vec<f64>,
    ends: Vec<u32>,
    properties: Vec<u8>,
    /// Whether every geometry carries its type (layers of mixed types).
    typed: bool,
}

impl FeatureEncoder {
    /// An encoder for a layer declared as `layer_type`.
    pub fn new(layer_type: GeometryType) -> Self {
        FeatureEncoder {
            fbb: FlatBufferBuilder::with_capacity(1024),
            xy: Vec::new(),
            ends: Vec::new(),
            properties: Vec::new(),
            typed: layer_type == GeometryType::Unknown,
        }
    }

    /// Encodes one feature (geometry already validated) and appends the size-prefixed table
    /// to `out`; returns its bounding box.
    pub fn encode(
        &mut self,
        id: u64,
        geometry: &Geometry,
        fields: &[Field],
        values: &[Option<Value>],
        out: &mut Vec<u8>,
    ) -> Result<NodeItem, String> {
        self.encode_properties(id, fields, values)?;
        let mut bbox = NodeItem::create(0);
        self.fbb.reset();
        let typed = self.typed;
        let g = self.geometry(geometry, typed, &mut bbox)?;
        let properties = self.fbb.create_vector(&self.properties);
        let args = FeatureArgs {
            geometry: Some(g),
            properties: Some(properties),
            columns: None,
        };
        let feature = Feature::create(&mut self.fbb, &args);
        self.fbb.finish_size_prefixed(feature, None);
        out.extend_from_slice(self.fbb.finished_data());
        Ok(bbox)
    }

    fn encode_properties(
        &mut self,
        id: u64,
        fields: &[Field],
        values: &[Option<Value>],
    ) -> Result<(), String> {
        if values.len() != fields.len() {
            return Err(format!(
                "feature has {} values for {} fields",
                values.len(),
                fields.len()
            ));
        }
        let p = &mut self.properties;
        p.clear();
        let id = i64::try_from(id).map_err(|_| format!("id {id} exceeds the Long range"))?;
        p.extend_from_slice(&0u16.to_le_bytes());
        p.extend_from_slice(&id.to_le_bytes());
        for (i, (field, value)) in fields.iter().zip(values).enumerate() {
            let Some(value) = value else { continue };
            // Column 0 is the id; the field count was checked against u16 by the caller.
            p.extend_from_slice(&((i + 1) as u16).to_le_bytes());
            match (field.kind, value) {
                (FieldType::Bool, Value::Bool(b)) => p.push(u8::from(*b)),
                (FieldType::Int, Value::Int(v)) => p.extend_from_slice(&v.to_le_bytes()),
                (FieldType::Float, Value::Float(v)) => p.extend_from_slice(&v.to_le_bytes()),
                (FieldType::String, Value::Str(s)) => {
                    let len = u32::try_from(s.len())
                        .map_err(|_| format!("field {:?}: string too long", field.name))?;
                    p.extend_from_slice(&len.to_le_bytes());
                    p.extend_from_slice(s.as_bytes());
                }
                (kind, v) => {
                    return Err(format!(
                        "field {:?} is {kind:?} but the value is {:?}",
                        field.name,
                        v.field_type()
                    ))
                }
            }
        }
        Ok(())
    }

    /// Writes `g` as a Geometry table; `typed` stores its type in the table.
    fn geometry(
        &mut self,
        g: &Geometry,
        typed: bool,
        bbox: &mut NodeItem,
    ) -> Result<WIPOffset<FgbGeometry<'static>>, String> {
        let type_ = if typed {
            geometry_type(g)
        } else {
            GeometryType::Unknown
        };
        self.xy.clear();
        self.ends.clear();
        match g {
            Geometry::Point(p) => self.push_coords(&[p.0], bbox),
            Geometry::Line(l) => self.push_coords(&[l.start, l.end], bbox),
            Geometry::LineString(ls) => self.push_coords(&ls.0, bbox),
            Geometry::MultiPoint(mp) => {
                for p in &mp.0 {
                    self.push_coords(&[p.0], bbox);
                }
            }
            Geometry::MultiLineString(mls) => self.push_parts(mls.0.iter(), bbox)?,
            Geometry::Polygon(p) => self.push_polygon(p, bbox)?,
            Geometry::Rect(r) => self.push_polygon(&r.to_polygon(), bbox)?,
            Geometry::Triangle(t) => self.push_polygon(&t.to_polygon(), bbox)?,
            Geometry::MultiPolygon(mp) => {
                let parts =
                    mp.0.iter()
                        .map(|p| {
                            self.xy.clear();
                            self.ends.clear();
                            self.push_polygon(p, bbox)?;
                            Ok(self.simple(GeometryType::Unknown))
                        })
                        .collect::<Result<Vec<_>, String>>()?;
                return Ok(self.collection(&parts, type_));
            }
            Geometry::GeometryCollection(gc) => {
                let parts =
                    gc.0.iter()
                        .map(|member| self.geometry(member, true, bbox))
                        .collect::<Result<Vec<_>, String>>()?;
                return Ok(self.collection(&parts, type_));
            }
        }
        Ok(self.simple(type_))
    }

    fn push_coords(&mut self, coords: &[Coord], bbox: &mut NodeItem) {
        for c in coords {
            self.xy.push(c.x);
            self.xy.push(c.y);
            bbox.expand_xy(c.x, c.y);
        }
    }

    /// Appends the parts and their `ends` (stored only when there is more than one part).
    fn push_parts<'g>(
        &mut self,
        parts: impl Iterator<Item = &'g LineString>,
        bbox: &mut NodeItem,
    ) -> Result<(), String> {
        for part in parts {
            self.push_coords(&part.0, bbox);
            let end = u32::try_from(self.xy.len() / 2).map_err(|_| "geometry too large")?;
            self.ends.push(end);
        }
        if self.ends.len() == 1 {
            self.ends.clear();
        }
        Ok(())
    }

    fn push_polygon(&mut self, p: &Polygon, bbox: &mut NodeItem) -> Result<(), String> {
        self.push_parts(std::iter::once(p.exterior()).chain(p.interiors()), bbox)
    }

    /// A Geometry table from the scratch `xy` / `ends`.
    fn simple(&mut self, type_: GeometryType) -> WIPOffset<FgbGeometry<'static>> {
        let xy = Some(self.fbb.create_vector(&self.xy));
        let ends = (!self.ends.is_empty()).then(|| self.fbb.create_vector(&self.ends));
        let args = GeometryArgs {
            xy,
            ends,
            type_,
            ..Default::default()
        };
        FgbGeometry::create(&mut self.fbb, &args)
    }

    /// A Geometry table made of `parts`.
    fn collection(
        &mut self,
        parts: &[WIPOffset<FgbGeometry<'static>>],
        type_: GeometryType,
    ) -> WIPOffset<FgbGeometry<'static>> {
        let parts = Some(self.fbb.create_vector(parts));
        let args = GeometryArgs {
            parts,
            type_,
            ..Default::default()
        };
        FgbGeometry::create(&mut self.fbb, &args)
    }
}

/// What the header describes.
pub(super) struct HeaderInfo<'a> {
    pub name: &'a str,
    pub fields: &'a [Field],
    pub geometry_type: GeometryType,
    pub features: u64,
    /// `[min_x, min_y, max_x, max_y]`, `None` for an empty layer.
    pub envelope: Option<[f64; 4]>,
    pub index_node_size: u16,
}

/// The size-prefixed header table (EPSG:4326, `id` Long column first).
pub(super) fn header(info: &HeaderInfo) -> Vec<u8> {
    let mut fbb = FlatBufferBuilder::new();
    let mut columns = Vec::with_capacity(info.fields.len() + 1);
    let id_name = fbb.create_string("id");
    let id_args = ColumnArgs {
        name: Some(id_name),
        type_: ColumnType::Long,
        nullable: false,
        ..Default::default()
    };
    columns.push(Column::create(&mut fbb, &id_args));
    for field in info.fields {
        let name = fbb.create_string(&field.name);
        let args = ColumnArgs {
            name: Some(name),
            type_: schema::fgb_column_type(field.kind),
            ..Default::default()
        };
        columns.push(Column::create(&mut fbb, &args));
    }
    let columns = fbb.create_vector(&columns);
    let crs_args = CrsArgs {
        org: Some(fbb.create_string("EPSG")),
        code: 4326,
        name: Some(fbb.create_string("WGS 84")),
        ..Default::default()
    };
    let crs = Crs::create(&mut fbb, &crs_args);
    let name = fbb.create_string(info.name);
    let envelope = info.envelope.map(|e| fbb.create_vector(&e));
    let args = HeaderArgs {
        name: Some(name),
        envelope,
        geometry_type: info.geometry_type,
        columns: Some(columns),
        features_count: info.features,
        index_node_size: info.index_node_size,
        crs: Some(crs),
        ..Default::default()
    };
    let header = Header::create(&mut fbb, &args);
    fbb.finish_size_prefixed(header, None);
    fbb.finished_data().to_vec()
}
