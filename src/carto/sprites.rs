//! MapLibre sprite sheets (`@1x` and `@2x` PNG + JSON index) built from a directory of SVG
//! symbols with `spreet`.
//!
//! Every icon is a signed distance field (`"sdf": true` in the index): the SVG gives the
//! shape, the style gives the colour (`icon-color`, which may be a feature-state
//! expression, so a live status change recolours an icon with no tile request) and the
//! outline (`icon-halo-color`). A symbol directory holds one sprite; its SVG file names
//! (without `.svg`) are the icon names a style's `icon-image` uses.
//!
//! [`build_tinted`] builds the other kind, for the static style: plain images of the same
//! symbols with their colours baked in ([`super::tinted`]).

use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;
use spreet::resvg::usvg::Tree;
use spreet::{Sprite, Spritesheet};

use super::tinted::{tinted_svg, Tint};
use thiserror::Error;

/// Icons a sprite may hold.
pub const MAX_ICONS: usize = 500;
/// Largest SVG file read.
pub const MAX_SVG_BYTES: u64 = 256 << 10;
/// The pixel ratios a sprite is built at (`name.png` and `name@2x.png`).
pub const PIXEL_RATIOS: [u8; 2] = [1, 2];

/// Why a sprite could not be built.
#[derive(Debug, Error)]
pub enum SpriteError {
    /// The directory or a file cannot be read.
    #[error("{path}: {message}")]
    Read {
        /// The file or directory.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// An SVG cannot be rasterized (zero size, too large).
    #[error("{0}: cannot rasterize the SVG")]
    Rasterize(String),
    /// The directory has no SVG, or more than [`MAX_ICONS`].
    #[error("{dir}: {count} SVG symbols (1 to {MAX_ICONS} expected)")]
    Count {
        /// The directory.
        dir: String,
        /// SVG files found.
        count: usize,
    },
    /// Packing or PNG encoding failed.
    #[error("building the sprite sheet: {0}")]
    Sheet(String),
}

/// One pixel ratio's sheet: the PNG and its JSON index.
#[derive(Clone, Debug)]
pub struct SpriteSheet {
    /// The PNG image.
    pub png: Bytes,
    /// The index: icon name → `{x, y, width, height, pixelRatio, sdf}`.
    pub index: Bytes,
}

/// A sprite at every ratio of [`PIXEL_RATIOS`], in that order.
#[derive(Clone, Debug)]
pub struct SpriteSet {
    /// The sheets, `@1x` first.
    pub sheets: Vec<SpriteSheet>,
    /// The icon names, sorted.
    pub icons: Vec<String>,
}

impl SpriteSet {
    /// The sheet at `ratio` (1 or 2).
    pub fn sheet(&self, ratio: u8) -> Option<&SpriteSheet> {
        PIXEL_RATIOS
            .iter()
            .position(|&r| r == ratio)
            .and_then(|i| self.sheets.get(i))
    }
}

/// The symbols of the SVG files directly in `dir` (hidden files skipped): name → (SVG text,
/// parsed tree).
fn load_symbols(dir: &Path) -> Result<BTreeMap<String, (String, Tree)>, SpriteError> {
    let mut paths = spreet::get_svg_input_paths(dir, false).map_err(|e| read_err(dir, &e))?;
    paths.sort();
    if paths.is_empty() || paths.len() > MAX_ICONS {
        return Err(SpriteError::Count {
            dir: dir.display().to_string(),
            count: paths.len(),
        });
    }
    let mut symbols = BTreeMap::new();
    for path in &paths {
        let len = std::fs::metadata(path)
            .map_err(|e| read_err(path, &e))?
            .len();
        if len > MAX_SVG_BYTES {
            return Err(read_err(
                path,
                &format!("larger than {MAX_SVG_BYTES} bytes"),
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| read_err(path, &e))?;
        let tree = spreet::load_svg(path).map_err(|e| read_err(path, &e))?;
        let name = spreet::sprite_name(path, dir).map_err(|e| read_err(path, &e))?;
        symbols.insert(name, (text, tree));
    }
    Ok(symbols)
}

fn read_err(path: &Path, e: &dyn std::fmt::Display) -> SpriteError {
    SpriteError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Packs one ratio's sprites into a sheet.
fn pack(sprites: BTreeMap<String, Sprite>, sdf: bool) -> Result<SpriteSheet, SpriteError> {
    let mut builder = Spritesheet::build();
    builder = builder.sprites(sprites).spacing(2);
    if sdf {
        builder = builder.make_sdf();
    }
    let sheet: Spritesheet = builder
        .generate()
        .ok_or_else(|| SpriteError::Sheet("the icons do not pack".into()))?;
    let png = sheet
        .encode_png()
        .map_err(|e| SpriteError::Sheet(e.to_string()))?;
    let index =
        serde_json::to_vec(sheet.get_index()).map_err(|e| SpriteError::Sheet(e.to_string()))?;
    Ok(SpriteSheet {
        png: Bytes::from(png),
        index: Bytes::from(index),
    })
}

/// Builds the SDF sprite of the SVG files directly in `dir` (hidden files skipped).
/// Rasterizing and PNG optimization take a while: call it on the blocking pool, once.
pub fn build(dir: &Path) -> Result<SpriteSet, SpriteError> {
    let symbols = load_symbols(dir)?;
    let mut sheets = Vec::with_capacity(PIXEL_RATIOS.len());
    for ratio in PIXEL_RATIOS {
        let mut sprites = BTreeMap::new();
        for (name, (_, tree)) in &symbols {
            let sprite = Sprite::new_sdf(tree.clone(), ratio)
                .ok_or_else(|| SpriteError::Rasterize(name.clone()))?;
            sprites.insert(name.clone(), sprite);
        }
        sheets.push(pack(sprites, true)?);
    }
    Ok(SpriteSet {
        sheets,
        icons: symbols.into_keys().collect(),
    })
}

/// Builds the sprite of `tints` of the symbols in `dir`: plain (non-SDF) images named
/// [`Tint::name`], each symbol drawn in its fill colour inside its halo.
pub fn build_tinted(dir: &Path, tints: &[Tint]) -> Result<SpriteSet, SpriteError> {
    let symbols = load_symbols(dir)?;
    if tints.is_empty() || tints.len() > MAX_ICONS {
        return Err(SpriteError::Count {
            dir: dir.display().to_string(),
            count: tints.len(),
        });
    }
    let mut trees = BTreeMap::new();
    for tint in tints {
        let (text, tree) = symbols.get(&tint.icon).ok_or_else(|| SpriteError::Read {
            path: dir.join(format!("{}.svg", tint.icon)).display().to_string(),
            message: "no such symbol".into(),
        })?;
        let size = tree.size();
        let svg = tinted_svg(
            text,
            f64::from(size.width()),
            f64::from(size.height()),
            tint,
        );
        let tinted = Tree::from_str(&svg, &spreet::resvg::usvg::Options::default())
            .map_err(|_| SpriteError::Rasterize(tint.name()))?;
        trees.insert(tint.name(), tinted);
    }
    let mut sheets = Vec::with_capacity(PIXEL_RATIOS.len());
    for ratio in PIXEL_RATIOS {
        let mut sprites = BTreeMap::new();
        for (name, tree) in &trees {
            let sprite = Sprite::new(tree.clone(), ratio)
                .ok_or_else(|| SpriteError::Rasterize(name.clone()))?;
            sprites.insert(name.clone(), sprite);
        }
        sheets.push(pack(sprites, false)?);
    }
    Ok(SpriteSet {
        sheets,
        icons: trees.into_keys().collect(),
    })
}
