//! gridtiles: an in-memory tile and vector-geometry server for electric-utility grid GIS.
//!
//! Data flows one way: [`source`] (demo generator, FlatGeobuf/GeoJSON files) produces
//! [`model::LayerData`] in lon/lat → [`index`] builds an immutable [`index::Snapshot`]
//! (projected, R-tree indexed, generalized per zoom) → [`tiles`] renders Mapbox Vector Tiles
//! from a snapshot → [`cache`] keeps encoded tiles → [`http`] serves them. [`settings`] is the
//! configuration (file, environment, flags), [`metrics`] what `/metrics` reports. See
//! ARCHITECTURE.md.

pub mod address;
pub mod analytics;
pub mod app;
pub mod archive;
pub mod cache;
pub mod carto;
pub mod cli;
pub mod dispatch;
pub mod http;
pub mod index;
pub mod live;
pub mod mercator;
pub mod metrics;
pub mod model;
pub mod settings;
pub mod simulate;
pub mod source;
pub mod tiles;
pub mod tiling;
pub mod topology;
