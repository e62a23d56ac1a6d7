//! Sources: where grid data comes from. Each produces `Vec<LayerData>` in lon/lat.

pub mod demo;
pub mod file;
