//! Cartographic resources a map style needs besides tiles: font glyphs ([`glyphs`]) and
//! icon sprite sheets ([`sprites`]), built from files shipped with the server (TTF/OTF fonts,
//! SVG symbols) so that a style draws text and symbols with no request to another origin.
//! [`static_style`] turns a live style into one for clients without feature-state (QGIS):
//! constants per layer ([`static_split`], conditions in [`conditions`]) and pre-coloured
//! icons ([`tinted`]).
//! Independent of HTTP: `http::carto` serves what these build.

pub mod conditions;
pub mod glyphs;
pub mod sprites;
pub mod static_split;
pub mod static_style;
pub mod tinted;
