//! Sources: where grid data comes from. Each produces `Vec<LayerData>` in lon/lat; the
//! PostgreSQL source also keeps the served snapshot live ([`postgres::sync`]).

pub mod demo;
pub mod file;
pub mod postgres;
