//! MapLibre glyph ranges (signed-distance-field protobufs of 256 code points) rendered from
//! the TTF/OTF/TTC files of a fonts directory with FreeType (`pbf_font_tools`, as martin
//! does).
//!
//! [`FontCatalog::scan`] reads every font file's family and style once ("Open Sans" +
//! "Bold" → font name `Open Sans Bold`). [`FontCatalog::range`] renders a range of a font
//! stack — comma-separated names, the first font that has a glyph wins — on the calling
//! thread (call it on the blocking pool) and keeps the encoded result in a bounded cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use pbf_font_tools::prost::Message;
use pbf_font_tools::{freetype, Glyphs};
use thiserror::Error;

/// Glyph ranges are 256 code points: `start` a multiple of 256, `end = start + 255`.
pub const RANGE_SIZE: u32 = 256;
/// The last range start MapLibre asks for (the Basic Multilingual Plane).
pub const MAX_RANGE_START: u32 = 65280;
/// Fonts a stack may name (MapLibre styles name two or three).
pub const MAX_STACK_FONTS: usize = 8;
/// Font files a catalog reads (a Noto install has a few hundred).
pub const MAX_FONT_FILES: usize = 2000;
/// Bytes of encoded ranges kept in the cache.
const CACHE_BYTES: u64 = 64 << 20;
/// How deep below the fonts directory files are looked for (`/usr/share/fonts/truetype/x/`).
const MAX_DEPTH: usize = 4;
/// The SDF parameters every MapLibre glyph server uses: 24 px, radius 8, cutoff 0.25.
const FONT_SIZE: usize = 24;
const SDF_RADIUS: usize = 8;
const SDF_CUTOFF: f64 = 0.25;

/// Why a catalog or a glyph range could not be built.
#[derive(Debug, Error)]
pub enum GlyphError {
    /// The fonts directory cannot be read.
    #[error("fonts directory {dir}: {source}")]
    Dir {
        /// The directory.
        dir: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No font of the stack is in the catalog.
    #[error("no such font: {0}")]
    UnknownFont(String),
    /// The range is not `{start}-{end}` of 256 code points below 65536.
    #[error("bad glyph range {0:?}: expected START-END with START a multiple of 256 up to 65280 and END = START + 255")]
    BadRange(String),
    /// The stack names no font, or more than [`MAX_STACK_FONTS`].
    #[error("a font stack names 1 to {MAX_STACK_FONTS} fonts separated by commas")]
    BadStack,
    /// FreeType failed on a font file.
    #[error("rendering {font}: {message}")]
    Render {
        /// The font.
        font: String,
        /// FreeType's error.
        message: String,
    },
}

/// One face of a font file.
#[derive(Clone, Debug)]
struct FontFace {
    path: PathBuf,
    index: isize,
}

/// The fonts of a directory and a cache of their rendered glyph ranges.
pub struct FontCatalog {
    faces: BTreeMap<String, FontFace>,
    cache: moka::sync::Cache<(String, u32), Bytes>,
}

impl std::fmt::Debug for FontCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontCatalog")
            .field("fonts", &self.faces.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl FontCatalog {
    /// Reads the names of every font file below `dir` (`.ttf`, `.otf`, `.ttc`, a few levels
    /// deep). Files FreeType cannot open, or without a family name, are skipped with a
    /// warning; when two files give the same name, the first in path order is kept.
    pub fn scan(dir: &Path) -> Result<FontCatalog, GlyphError> {
        let mut files = Vec::new();
        collect_font_files(dir, 0, &mut files).map_err(|source| GlyphError::Dir {
            dir: dir.to_owned(),
            source,
        })?;
        files.sort();
        let mut faces = BTreeMap::new();
        let lib = freetype::Library::init().map_err(|e| GlyphError::Render {
            font: "FreeType".into(),
            message: e.to_string(),
        })?;
        for path in files {
            let mut index = 0;
            loop {
                let face = match lib.new_face(&path, index) {
                    Ok(face) => face,
                    Err(e) => {
                        tracing::warn!(file = %path.display(), error = %e, "skipping font file");
                        break;
                    }
                };
                match font_name(&face) {
                    Some(name) => {
                        faces.entry(name).or_insert_with(|| FontFace {
                            path: path.clone(),
                            index,
                        });
                    }
                    None => tracing::warn!(file = %path.display(), "font without a family name"),
                }
                index += 1;
                if index >= face.num_faces() as isize {
                    break;
                }
            }
        }
        Ok(FontCatalog {
            faces,
            cache: moka::sync::Cache::builder()
                .max_capacity(CACHE_BYTES)
                .weigher(|k: &(String, u32), v: &Bytes| {
                    u32::try_from(k.0.len() + v.len()).unwrap_or(u32::MAX)
                })
                .build(),
        })
    }

    /// The font names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.faces.keys().map(String::as_str)
    }

    /// The encoded glyph range `range` (`"0-255"`) of the comma-separated font `stack`:
    /// each code point from the first font of the stack that has it. Names not in the
    /// catalog are skipped (a style's fallback may be a font this server lacks); none known
    /// is [`GlyphError::UnknownFont`]. A range no font covers is an empty, valid message.
    /// Renders on the calling thread (tens of milliseconds per font); cached.
    pub fn range(&self, stack: &str, range: &str) -> Result<Bytes, GlyphError> {
        let start = parse_range(range)?;
        let names: Vec<&str> = stack.split(',').map(str::trim).collect();
        if names.is_empty() || names.len() > MAX_STACK_FONTS || names.iter().any(|n| n.is_empty()) {
            return Err(GlyphError::BadStack);
        }
        // Known fonts in stack order, each once: a repeated name adds nothing (and must not
        // make another cache entry).
        let mut known: Vec<(&str, &FontFace)> = Vec::with_capacity(names.len());
        for (name, face) in names.iter().filter_map(|n| self.faces.get_key_value(*n)) {
            if !known.iter().any(|(k, _)| k == name) {
                known.push((name.as_str(), face));
            }
        }
        if known.is_empty() {
            return Err(GlyphError::UnknownFont(stack.to_owned()));
        }
        let key = (
            known.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(","),
            start,
        );
        if let Some(hit) = self.cache.get(&key) {
            return Ok(hit);
        }
        let encoded = Bytes::from(render_stack(&key.0, &known, start)?.encode_to_vec());
        self.cache.insert(key, encoded.clone());
        Ok(encoded)
    }
}

/// `"{start}-{end}"` of a whole 256-code-point range → `start`.
fn parse_range(range: &str) -> Result<u32, GlyphError> {
    let bad = || GlyphError::BadRange(range.chars().take(40).collect());
    let (start, end) = range.split_once('-').ok_or_else(bad)?;
    let start: u32 = start.parse().map_err(|_| bad())?;
    let end: u32 = end.parse().map_err(|_| bad())?;
    if !start.is_multiple_of(RANGE_SIZE) || start > MAX_RANGE_START || end != start + RANGE_SIZE - 1
    {
        return Err(bad());
    }
    Ok(start)
}

/// Renders `start..start+255` for each font and merges them in stack order.
fn render_stack(
    stack_name: &str,
    fonts: &[(&str, &FontFace)],
    start: u32,
) -> Result<Glyphs, GlyphError> {
    let end = start + RANGE_SIZE - 1;
    let lib = freetype::Library::init().map_err(|e| GlyphError::Render {
        font: stack_name.to_owned(),
        message: e.to_string(),
    })?;
    let mut per_font = Vec::with_capacity(fonts.len());
    for (name, face) in fonts {
        let render_error = |e: &dyn std::fmt::Display| GlyphError::Render {
            font: (*name).to_owned(),
            message: e.to_string(),
        };
        let ft_face = lib
            .new_face(&face.path, face.index)
            .map_err(|e| render_error(&e))?;
        let stack = pbf_font_tools::glyph_range_for_face(
            &ft_face, start, end, FONT_SIZE, SDF_RADIUS, SDF_CUTOFF,
        )
        .map_err(|e| render_error(&e))?;
        per_font.push(Glyphs {
            stacks: vec![stack],
        });
    }
    let mut merged = pbf_font_tools::combine_glyphs(per_font).unwrap_or_default();
    // One stack named as the request named it (combine_glyphs joins the face names).
    for s in &mut merged.stacks {
        s.name = stack_name.to_owned();
        s.range = format!("{start}-{end}");
    }
    Ok(merged)
}

fn font_name(face: &freetype::Face) -> Option<String> {
    let family = face.family_name()?;
    Some(match face.style_name() {
        Some(style) if !style.is_empty() => format!("{family} {style}"),
        _ => family,
    })
}

fn collect_font_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if out.len() >= MAX_FONT_FILES {
            break;
        }
        if path.is_dir() {
            if depth < MAX_DEPTH {
                collect_font_files(&path, depth + 1, out)?;
            }
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc"))
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stack_is_cached_once_per_distinct_known_font_list() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
        let catalog = FontCatalog::scan(&dir).unwrap();
        let one = catalog.range("Open Sans Bold", "0-255").unwrap();
        let repeated = catalog
            .range("Open Sans Bold, Nope, Open Sans Bold", "0-255")
            .unwrap();
        catalog.cache.run_pending_tasks();
        assert_eq!(catalog.cache.entry_count(), 1);
        // Same glyphs; only the stack name in the message differs.
        let decode = |b: &Bytes| Glyphs::decode(&b[..]).unwrap().stacks[0].glyphs.clone();
        assert_eq!(decode(&one), decode(&repeated));
        assert!(matches!(
            catalog.range("Nope", "0-255"),
            Err(GlyphError::UnknownFont(_))
        ));
    }

    #[test]
    fn ranges_are_whole_256_code_point_blocks() {
        assert_eq!(parse_range("0-255").unwrap(), 0);
        assert_eq!(parse_range("65280-65535").unwrap(), 65280);
        for bad in [
            "",
            "0",
            "0-256",
            "1-256",
            "256-255",
            "65536-65791",
            "a-b",
            "-1-254",
        ] {
            assert!(
                matches!(parse_range(bad), Err(GlyphError::BadRange(_))),
                "{bad}"
            );
        }
    }
}
