//! Mapbox Vector Tile 2.1 protobuf writer, built for the tile hot path.
//!
//! The wire format is written with `prost`'s encoding helpers into buffers that are reused
//! from tile to tile, so a warm writer encodes a tile without allocating. Layer keys are slots
//! (the layer's field positions) numbered in order of first use; values are deduplicated per
//! layer by hashing their encoded bytes, so each distinct value is written once (MVT 2.1 §4.4).
//! Geometry arrives already valid from [`TileGeom`](super::encode::TileGeom) (integer, no
//! repeated points, rings wound and never starting where the previous part ended).
//!
//! Messages (vector_tile.proto): `Tile { repeated Layer layers = 3 }`,
//! `Layer { version = 15, name = 1, features = 2, keys = 3, values = 4, extent = 5 }`,
//! `Feature { id = 1, packed tags = 2, type = 3, packed geometry = 4 }`,
//! `Value { string = 1, double = 3, sint = 6, bool = 7 }`.

use std::collections::HashMap;
use std::hash::BuildHasher;

use prost::encoding::{encoded_len_varint, WireType};

use crate::model::Value;

use super::encode::IntPoint;

/// MVT geometry type of a feature.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GeomType {
    #[default]
    Point = 1,
    Linestring = 2,
    Polygon = 3,
}

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;
const NO_SLOT: u32 = u32::MAX;

/// Writes one tile, layer by layer. Reuse one writer for many tiles ([`MvtWriter::reset`]).
#[derive(Debug, Default)]
pub struct MvtWriter {
    extent: u32,
    /// Finished layers: the encoded `Tile` message.
    tile: Vec<u8>,
    /// Encoded `features` fields of the current layer.
    features: Vec<u8>,
    feature_count: usize,
    /// Key slot → position in the layer's key table (`NO_SLOT` = unused so far).
    key_pos: Vec<u32>,
    /// Key slots in key-table order.
    key_order: Vec<u32>,
    /// Encoded `Value` messages of the current layer, back to back.
    values: Vec<u8>,
    /// `[start, end)` of each value in `values`.
    value_spans: Vec<(u32, u32)>,
    /// Numbers and booleans (kind, bits) → value index.
    scalar_index: HashMap<(u8, u64), u32, foldhash::fast::FixedState>,
    /// Strings by identity (address, length) → value index: the fast path, since sources
    /// share one `Arc<str>` per distinct string (a hit is still compared by content).
    str_ptr_index: HashMap<(usize, usize), u32, foldhash::fast::FixedState>,
    /// Hash of a string's bytes → first value index; `str_next` chains collisions. Keeps
    /// values unique when equal strings live at different addresses.
    str_index: HashMap<u64, u32, foldhash::fast::FixedState>,
    str_next: Vec<u32>,
    tags: Vec<u32>,
    geometry: Vec<u32>,
}

impl MvtWriter {
    /// Clears everything for a new tile with `extent` units per side.
    pub fn reset(&mut self, extent: u32) {
        self.extent = extent;
        self.tile.clear();
        self.start_layer(0);
    }

    /// Starts a layer whose attributes use key slots `0..slots`. Call [`MvtWriter::finish_layer`]
    /// before the next layer.
    pub fn start_layer(&mut self, slots: usize) {
        self.features.clear();
        self.feature_count = 0;
        self.key_pos.clear();
        self.key_pos.resize(slots, NO_SLOT);
        self.key_order.clear();
        self.values.clear();
        self.value_spans.clear();
        self.scalar_index.clear();
        self.str_ptr_index.clear();
        self.str_index.clear();
        self.str_next.clear();
    }

    /// Starts a feature's attributes; add them with [`MvtWriter::tag`], then call
    /// [`MvtWriter::add_feature`].
    pub fn begin_tags(&mut self) {
        self.tags.clear();
    }

    /// Adds attribute `value` under key slot `slot` to the feature being built.
    pub fn tag(&mut self, slot: usize, value: &Value) {
        let Some(pos) = self.key_pos.get_mut(slot) else {
            return;
        };
        if *pos == NO_SLOT {
            *pos = self.key_order.len() as u32;
            self.key_order.push(slot as u32);
        }
        let key = *pos;
        let value = self.intern(value);
        self.tags.push(key);
        self.tags.push(value);
    }

    /// Adds an integer attribute (e.g. `point_count`) under key slot `slot`.
    pub fn tag_int(&mut self, slot: usize, value: i64) {
        self.tag(slot, &Value::Int(value));
    }

    /// Writes a feature with the tags given since [`MvtWriter::begin_tags`] and geometry `pts`
    /// split into parts ending at `ends` (ignored for points). Returns false and writes
    /// nothing if the geometry is empty.
    pub fn add_feature(
        &mut self,
        id: u64,
        kind: GeomType,
        pts: &[IntPoint],
        ends: &[usize],
    ) -> bool {
        self.geometry.clear();
        encode_geometry(kind, pts, ends, &mut self.geometry);
        if self.geometry.is_empty() {
            return false;
        }
        let tags_len = packed_len(&self.tags);
        let geom_len = packed_len(&self.geometry);
        let mut len = 1 + encoded_len_varint(id) + 2; // id, type
        if !self.tags.is_empty() {
            len += 1 + encoded_len_varint(tags_len as u64) + tags_len;
        }
        len += 1 + encoded_len_varint(geom_len as u64) + geom_len;
        let out = &mut self.features;
        encode_key(2, WireType::LengthDelimited, out);
        encode_varint(len as u64, out);
        encode_key(1, WireType::Varint, out);
        encode_varint(id, out);
        if !self.tags.is_empty() {
            encode_key(2, WireType::LengthDelimited, out);
            encode_varint(tags_len as u64, out);
            for &t in &self.tags {
                encode_varint(u64::from(t), out);
            }
        }
        encode_key(3, WireType::Varint, out);
        encode_varint(kind as u64, out);
        encode_key(4, WireType::LengthDelimited, out);
        encode_varint(geom_len as u64, out);
        for &g in &self.geometry {
            encode_varint(u64::from(g), out);
        }
        self.feature_count += 1;
        true
    }

    /// Finishes the current layer as `name` (omitted if it has no features); `key_name`
    /// names each key slot. Returns the layer's feature count.
    pub fn finish_layer<'a>(&mut self, name: &str, key_name: impl Fn(usize) -> &'a str) -> usize {
        let count = self.feature_count;
        if count == 0 {
            return 0;
        }
        let keys_len: usize = self
            .key_order
            .iter()
            .map(|&s| {
                let n = key_name(s as usize).len();
                1 + encoded_len_varint(n as u64) + n
            })
            .sum();
        let values_len: usize = self
            .value_spans
            .iter()
            .map(|&(a, b)| {
                let n = (b - a) as usize;
                1 + encoded_len_varint(n as u64) + n
            })
            .sum();
        let layer_len = 2 // version = 2
            + 1 + encoded_len_varint(name.len() as u64) + name.len()
            + self.features.len()
            + keys_len
            + values_len
            + 1 + encoded_len_varint(u64::from(self.extent));
        let out = &mut self.tile;
        out.reserve(layer_len + 4);
        encode_key(3, WireType::LengthDelimited, out);
        encode_varint(layer_len as u64, out);
        encode_key(15, WireType::Varint, out);
        encode_varint(2, out);
        encode_key(1, WireType::LengthDelimited, out);
        encode_varint(name.len() as u64, out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&self.features);
        for &s in &self.key_order {
            let k = key_name(s as usize);
            encode_key(3, WireType::LengthDelimited, out);
            encode_varint(k.len() as u64, out);
            out.extend_from_slice(k.as_bytes());
        }
        for &(a, b) in &self.value_spans {
            encode_key(4, WireType::LengthDelimited, out);
            encode_varint(u64::from(b - a), out);
            out.extend_from_slice(&self.values[a as usize..b as usize]);
        }
        encode_key(5, WireType::Varint, out);
        encode_varint(u64::from(self.extent), out);
        count
    }

    /// The encoded tile so far (finished layers).
    pub fn bytes(&self) -> &[u8] {
        &self.tile
    }

    /// Index of `value` in the layer's value table, adding it if new.
    fn intern(&mut self, value: &Value) -> u32 {
        let (kind, bits) = match value {
            Value::Str(s) => return self.intern_str(s),
            Value::Float(f) => (3u8, f.to_bits()),
            Value::Int(i) => (6, ((i << 1) ^ (i >> 63)) as u64),
            Value::Bool(b) => (7, u64::from(*b)),
        };
        if let Some(&i) = self.scalar_index.get(&(kind, bits)) {
            return i;
        }
        let index = self.value_spans.len() as u32;
        let start = self.values.len() as u32;
        let out = &mut self.values;
        if kind == 3 {
            encode_key(3, WireType::SixtyFourBit, out);
            out.extend_from_slice(&bits.to_le_bytes());
        } else {
            encode_key(u32::from(kind), WireType::Varint, out);
            encode_varint(bits, out);
        }
        self.value_spans.push((start, self.values.len() as u32));
        self.scalar_index.insert((kind, bits), index);
        self.str_next.push(NO_SLOT);
        index
    }

    fn intern_str(&mut self, s: &str) -> u32 {
        let identity = (s.as_ptr() as usize, s.len());
        if let Some(&i) = self.str_ptr_index.get(&identity) {
            // Verified, so a string freed and another allocated at the same address while
            // the layer is written can never alias.
            if self.str_value(i) == s.as_bytes() {
                return i;
            }
        }
        let hash = foldhash::fast::FixedState::default().hash_one(s.as_bytes());
        let mut at = self.str_index.get(&hash).copied();
        while let Some(i) = at {
            if self.str_value(i) == s.as_bytes() {
                self.str_ptr_index.insert(identity, i);
                return i;
            }
            at = Some(self.str_next[i as usize]).filter(|&n| n != NO_SLOT);
        }
        let index = self.value_spans.len() as u32;
        let start = self.values.len() as u32;
        let out = &mut self.values;
        encode_key(1, WireType::LengthDelimited, out);
        encode_varint(s.len() as u64, out);
        out.extend_from_slice(s.as_bytes());
        self.value_spans.push((start, self.values.len() as u32));
        // New strings go to the head of their hash chain.
        let next = self.str_index.insert(hash, index).unwrap_or(NO_SLOT);
        self.str_next.push(next);
        self.str_ptr_index.insert(identity, index);
        index
    }

    /// The bytes of string value `i` (empty if it is not a string).
    fn str_value(&self, i: u32) -> &[u8] {
        let (a, b) = self.value_spans[i as usize];
        let encoded = &self.values[a as usize..b as usize];
        // key byte 0x0a (field 1, length-delimited), length varint, bytes
        if encoded.first() != Some(&0x0a) {
            return &[];
        }
        let len_bytes = encoded[1..].iter().take_while(|&&b| b & 0x80 != 0).count() + 1;
        encoded.get(1 + len_bytes..).unwrap_or(&[])
    }
}

/// Appends `v` as a protobuf varint.
#[inline]
fn encode_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends a field key (field number and wire type).
#[inline]
fn encode_key(tag: u32, wire_type: WireType, out: &mut Vec<u8>) {
    encode_varint(u64::from(tag << 3 | wire_type as u32), out);
}

/// Byte length of a packed varint field's payload.
fn packed_len(values: &[u32]) -> usize {
    values
        .iter()
        .map(|&v| encoded_len_varint(u64::from(v)))
        .sum()
}

#[inline]
fn command(id: u32, count: usize) -> u32 {
    (id & 0x7) | ((count as u32) << 3)
}

#[inline]
fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// Encodes MVT geometry commands for `pts` (parts ending at `ends`) into `out`.
fn encode_geometry(kind: GeomType, pts: &[IntPoint], ends: &[usize], out: &mut Vec<u32>) {
    let mut cursor = [0i32, 0i32];
    let mut step = |p: IntPoint, out: &mut Vec<u32>| {
        out.push(zigzag(p[0].wrapping_sub(cursor[0])));
        out.push(zigzag(p[1].wrapping_sub(cursor[1])));
        cursor = p;
    };
    if kind == GeomType::Point {
        if !pts.is_empty() {
            out.push(command(MOVE_TO, pts.len()));
            for &p in pts {
                step(p, out);
            }
        }
        return;
    }
    let min_len = if kind == GeomType::Polygon { 3 } else { 2 };
    let mut start = 0;
    for &end in ends {
        let part = pts.get(start..end).unwrap_or(&[]);
        start = end;
        if part.len() < min_len {
            continue;
        }
        out.push(command(MOVE_TO, 1));
        step(part[0], out);
        out.push(command(LINE_TO, part.len() - 1));
        for &p in &part[1..] {
            step(p, out);
        }
        if kind == GeomType::Polygon {
            out.push(command(CLOSE_PATH, 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geozero::mvt::{tile, Message, Tile};

    fn decode(bytes: &[u8]) -> Tile {
        Tile::decode(bytes).expect("valid protobuf")
    }

    #[test]
    fn writes_layers_features_keys_and_deduplicated_values() {
        let mut w = MvtWriter::default();
        w.reset(4096);
        w.start_layer(3);
        let s: Value = "energized".into();
        for id in [7u64, 8] {
            w.begin_tags();
            w.tag(2, &s);
            w.tag(0, &Value::Int(-5));
            assert!(w.add_feature(id, GeomType::Point, &[[10, 20]], &[]));
        }
        w.begin_tags();
        w.tag(1, &Value::Float(1.5));
        w.tag(0, &Value::Bool(true));
        assert!(w.add_feature(9, GeomType::Linestring, &[[0, 0], [10, 0], [10, 10]], &[3]));
        let names = ["a", "b", "c"];
        assert_eq!(w.finish_layer("grid", |s| names[s]), 3);
        let tile = decode(w.bytes());
        assert_eq!(tile.layers.len(), 1);
        let layer = &tile.layers[0];
        assert_eq!(layer.version, 2);
        assert_eq!(layer.name, "grid");
        assert_eq!(layer.extent, Some(4096));
        assert_eq!(
            layer.keys,
            vec!["c", "a", "b"],
            "keys in order of first use"
        );
        assert_eq!(layer.values.len(), 4, "repeated values written once");
        assert_eq!(layer.values[0].string_value.as_deref(), Some("energized"));
        assert_eq!(layer.values[1].sint_value, Some(-5));
        assert_eq!(layer.values[2].double_value, Some(1.5));
        assert_eq!(layer.values[3].bool_value, Some(true));
        let ids: Vec<_> = layer.features.iter().map(|f| f.id).collect();
        assert_eq!(ids, vec![Some(7), Some(8), Some(9)]);
        assert_eq!(layer.features[0].tags, vec![0, 0, 1, 1]);
        assert_eq!(layer.features[1].tags, vec![0, 0, 1, 1]);
        assert_eq!(layer.features[2].tags, vec![2, 2, 1, 3]);
        assert_eq!(layer.features[0].r#type, Some(tile::GeomType::Point as i32));
        assert_eq!(layer.features[0].geometry, vec![9, 20, 40]);
        // MoveTo(1) 0,0; LineTo(2) +10,0 +0,+10
        assert_eq!(layer.features[2].geometry, vec![9, 0, 0, 18, 20, 0, 0, 20]);
    }

    #[test]
    fn polygons_close_and_empty_layers_are_omitted() {
        let mut w = MvtWriter::default();
        w.reset(4096);
        w.start_layer(0);
        assert_eq!(w.finish_layer("empty", |_| ""), 0);
        w.start_layer(0);
        w.begin_tags();
        assert!(
            !w.add_feature(1, GeomType::Linestring, &[[1, 1]], &[1]),
            "one-point line"
        );
        w.begin_tags();
        assert!(w.add_feature(2, GeomType::Polygon, &[[0, 0], [10, 0], [10, 10]], &[3]));
        assert_eq!(w.finish_layer("poly", |_| ""), 1);
        let tile = decode(w.bytes());
        assert_eq!(tile.layers.len(), 1);
        let f = &tile.layers[0].features[0];
        assert_eq!(f.geometry, vec![9, 0, 0, 18, 20, 0, 0, 20, 15]);
        assert!(f.tags.is_empty());
    }

    #[test]
    fn equal_strings_at_different_addresses_share_one_value() {
        let mut w = MvtWriter::default();
        w.reset(4096);
        w.start_layer(1);
        let long = "x".repeat(200); // a two-byte length varint
        for s in [long.as_str(), "a", "b"] {
            let a: Value = s.into();
            let b: Value = s.into(); // a second Arc with the same text
            w.begin_tags();
            w.tag(0, &a);
            w.tag(0, &b);
            assert!(w.add_feature(1, GeomType::Point, &[[0, 0]], &[]));
        }
        w.finish_layer("l", |_| "k");
        let tile = decode(w.bytes());
        let layer = &tile.layers[0];
        assert_eq!(layer.values.len(), 3);
        assert_eq!(layer.values[0].string_value.as_deref(), Some(long.as_str()));
        assert_eq!(layer.features[0].tags, vec![0, 0, 0, 0]);
    }

    #[test]
    fn writer_is_reusable_and_deterministic() {
        let mut w = MvtWriter::default();
        let mut once = || {
            w.reset(512);
            w.start_layer(1);
            w.begin_tags();
            w.tag_int(0, 3);
            w.add_feature(u64::MAX, GeomType::Point, &[[-64, 4160]], &[]);
            w.finish_layer("p", |_| "point_count");
            w.bytes().to_vec()
        };
        let a = once();
        let b = once();
        assert_eq!(a, b);
        let tile = decode(&a);
        assert_eq!(tile.layers[0].features[0].id, Some(u64::MAX));
        assert_eq!(tile.layers[0].extent, Some(512));
    }
}
