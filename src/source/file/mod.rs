//! FlatGeobuf and GeoJSON files (placeholder until the file source lands).
