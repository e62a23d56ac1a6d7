//! MapLibre sprite sheets (`@1x` and `@2x` PNG + JSON index) built from a directory of SVG
//! symbols with `spreet`.
//!
//! Every icon is a signed distance field (`"sdf": true` in the index): the SVG gives the
//! shape, the style gives the colour (`icon-color`, which may be a feature-state
//! expression, so a live status change recolours an icon with no tile request) and the
//! outline (`icon-halo-color`). A symbol directory holds one sprite; its SVG file names
//! (without `.svg`) are the icon names a style's `icon-image` uses.

use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;
use spreet::{Sprite, Spritesheet};
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

/// Builds the sprite of the SVG files directly in `dir` (hidden files skipped).
/// Rasterizing and PNG optimization take a while: call it on the blocking pool, once.
pub fn build(dir: &Path) -> Result<SpriteSet, SpriteError> {
    let read_err = |path: &Path, e: &dyn std::fmt::Display| SpriteError::Read {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut paths = spreet::get_svg_input_paths(dir, false).map_err(|e| read_err(dir, &e))?;
    paths.sort();
    if paths.is_empty() || paths.len() > MAX_ICONS {
        return Err(SpriteError::Count {
            dir: dir.display().to_string(),
            count: paths.len(),
        });
    }
    let mut trees = BTreeMap::new();
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
        let tree = spreet::load_svg(path).map_err(|e| read_err(path, &e))?;
        let name = spreet::sprite_name(path, dir).map_err(|e| read_err(path, &e))?;
        trees.insert(name, tree);
    }
    let mut sheets = Vec::with_capacity(PIXEL_RATIOS.len());
    for ratio in PIXEL_RATIOS {
        let mut sprites = BTreeMap::new();
        for (name, tree) in &trees {
            let sprite = Sprite::new_sdf(tree.clone(), ratio)
                .ok_or_else(|| SpriteError::Rasterize(name.clone()))?;
            sprites.insert(name.clone(), sprite);
        }
        let sheet: Spritesheet = Spritesheet::build()
            .sprites(sprites)
            .spacing(2)
            .make_sdf()
            .generate()
            .ok_or_else(|| SpriteError::Sheet("the icons do not pack".into()))?;
        let png = sheet
            .encode_png()
            .map_err(|e| SpriteError::Sheet(e.to_string()))?;
        let index =
            serde_json::to_vec(sheet.get_index()).map_err(|e| SpriteError::Sheet(e.to_string()))?;
        sheets.push(SpriteSheet {
            png: Bytes::from(png),
            index: Bytes::from(index),
        });
    }
    Ok(SpriteSet {
        sheets,
        icons: trees.into_keys().collect(),
    })
}
