//! Pre-coloured icons for the static style: clients that draw sprite icons as images and
//! ignore `icon-color` (QGIS 3.22 draws an SDF icon as a blurred dark shape) get each icon
//! already in the colours a layer gives it.
//!
//! [`bake_icons`] gives every symbol layer of a split static style (constant `icon-image`,
//! `icon-color`, `icon-halo-color`, `icon-halo-width`) the name of a [`Tint`] of its icon,
//! `{icon}~{fill}~{halo}~{width}`, drops the colour properties, and points the style's
//! `sprite` from `/sprites/{name}` to `/sprites/{name}+{style}`: the sprite of those tints,
//! which the server builds from the same style file and the same SVG symbols
//! ([`super::sprites::build_tinted`]). [`tinted_svg`] draws one tint: the symbol's
//! coverage filled with the fill colour over the coverage dilated by the halo width in the
//! halo colour, as MapLibre draws an SDF icon with a halo.

use std::collections::BTreeMap;

use serde_json::Value;

/// One icon in one colour with one halo.
#[derive(Clone, Debug, PartialEq)]
pub struct Tint {
    /// The SVG symbol's name.
    pub icon: String,
    /// Fill colour, `rrggbb` or `rrggbbaa` (lowercase hex).
    pub fill: String,
    /// Halo colour, same form.
    pub halo: String,
    /// Halo width in pixels at `@1x`.
    pub halo_width: f64,
}

impl Tint {
    /// The icon name in the tinted sprite.
    pub fn name(&self) -> String {
        format!(
            "{}~{}~{}~{}",
            self.icon, self.fill, self.halo, self.halo_width
        )
    }
}

/// Halo widths above this are clamped (a halo is an outline, not a disc).
pub const MAX_HALO: f64 = 8.0;

/// A `#rgb`, `#rrggbb` or `#rrggbbaa` colour as lowercase `rrggbb[aa]`.
pub fn hex_colour(v: &Value) -> Option<String> {
    let s = v.as_str()?.strip_prefix('#')?;
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match s.len() {
        3 => Some(s.chars().flat_map(|c| [c, c]).collect::<String>()),
        6 | 8 => Some(s.to_owned()),
        _ => None,
    }
    .map(|h| h.to_ascii_lowercase())
}

/// The sprite URL of the tints of style `style_name`, for the style's own `sprite` URL
/// (`/sprites/{name}`), if the style uses one of this server's sprites.
pub fn tinted_sprite_url(sprite: &str, style_name: &str) -> Option<String> {
    let name = sprite.strip_prefix("/sprites/")?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (ok(name) && ok(style_name)).then(|| format!("/sprites/{name}+{style_name}"))
}

/// Bakes the colours of every symbol layer with constant icon properties into tinted icon
/// names and points the style at the tinted sprite; returns the tints (sorted by name),
/// empty when the style uses no sprite of this server (then nothing changes).
pub fn bake_icons(style: &mut Value, style_name: &str) -> Vec<Tint> {
    let Some(url) = style
        .get("sprite")
        .and_then(Value::as_str)
        .and_then(|s| tinted_sprite_url(s, style_name))
    else {
        return Vec::new();
    };
    let mut tints = BTreeMap::new();
    for layer in style
        .get_mut("layers")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if layer.get("type").and_then(Value::as_str) != Some("symbol") {
            continue;
        }
        let Some(tint) = tint_of(layer) else {
            continue;
        };
        let name = tint.name();
        layer["layout"]["icon-image"] = Value::String(name.clone());
        if let Some(paint) = layer.get_mut("paint").and_then(Value::as_object_mut) {
            for p in [
                "icon-color",
                "icon-halo-color",
                "icon-halo-width",
                "icon-halo-blur",
            ] {
                paint.remove(p);
            }
        }
        tints.insert(name, tint);
    }
    if !tints.is_empty() {
        style["sprite"] = Value::String(url);
    }
    tints.into_values().collect()
}

/// The tint a symbol layer draws, when its icon and colours are constants.
fn tint_of(layer: &Value) -> Option<Tint> {
    let icon = layer.pointer("/layout/icon-image")?.as_str()?;
    let paint = |p: &str| layer.get("paint").and_then(|x| x.get(p));
    let fill = match paint("icon-color") {
        None => "000000".to_owned(),
        Some(c) => hex_colour(c)?,
    };
    let halo = match paint("icon-halo-color") {
        None => "00000000".to_owned(),
        Some(c) => hex_colour(c)?,
    };
    let halo_width = match paint("icon-halo-width") {
        None => 0.0,
        Some(w) => w.as_f64()?.clamp(0.0, MAX_HALO),
    };
    Some(Tint {
        icon: icon.to_owned(),
        fill,
        halo,
        halo_width,
    })
}

/// `rrggbb[aa]` as an SVG colour and opacity.
fn colour_and_opacity(hex: &str) -> (String, f64) {
    let alpha = hex
        .get(6..8)
        .and_then(|a| u8::from_str_radix(a, 16).ok())
        .map_or(1.0, |a| f64::from(a) / 255.0);
    (format!("#{}", &hex[..6.min(hex.len())]), alpha)
}

/// The SVG of `svg` (a symbol `width` × `height` px) drawn in `tint`'s colours, with room
/// for the halo around it.
pub fn tinted_svg(svg: &str, width: f64, height: f64, tint: &Tint) -> String {
    // The symbol as a nested <svg> element: what precedes its root (XML declaration,
    // comments, doctype) cannot be nested.
    let root = svg.find("<svg").map_or(svg, |i| &svg[i..]);
    let h = tint.halo_width;
    let (w2, h2) = (width + 2.0 * h, height + 2.0 * h);
    let (fill, fill_opacity) = colour_and_opacity(&tint.fill);
    let (halo, halo_opacity) = colour_and_opacity(&tint.halo);
    let halo_part = if h > 0.0 && halo_opacity > 0.0 {
        format!(
            r#"<feMorphology in="SourceAlpha" operator="dilate" radius="{h}" result="d"/><feFlood flood-color="{halo}" flood-opacity="{halo_opacity}"/><feComposite in2="d" operator="in" result="halo"/>"#
        )
    } else {
        String::new()
    };
    let merge_halo = if halo_part.is_empty() {
        ""
    } else {
        r#"<feMergeNode in="halo"/>"#
    };
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w2}" height="{h2}" viewBox="0 0 {w2} {h2}"><defs><filter id="tint" color-interpolation-filters="sRGB" filterUnits="userSpaceOnUse" x="0" y="0" width="{w2}" height="{h2}">{halo_part}<feFlood flood-color="{fill}" flood-opacity="{fill_opacity}"/><feComposite in2="SourceAlpha" operator="in" result="fill"/><feMerge>{merge_halo}<feMergeNode in="fill"/></feMerge></filter></defs><g filter="url(#tint)"><g transform="translate({h} {h})">{root}</g></g></svg>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn colours_parse_as_lowercase_hex() {
        assert_eq!(hex_colour(&json!("#FBBF24")).as_deref(), Some("fbbf24"));
        assert_eq!(hex_colour(&json!("#0aF")).as_deref(), Some("00aaff"));
        assert_eq!(hex_colour(&json!("#00000080")).as_deref(), Some("00000080"));
        assert_eq!(hex_colour(&json!("red")), None);
        assert_eq!(hex_colour(&json!("#12345")), None);
        assert_eq!(hex_colour(&json!(["get", "c"])), None);
    }

    #[test]
    fn constant_icons_are_baked_and_the_sprite_renamed() {
        let mut style = json!({"sprite": "/sprites/grid", "layers": [
            {"id": "a", "type": "symbol", "layout": {"icon-image": "breaker", "icon-size": 1},
             "paint": {"icon-color": "#FBBF24", "icon-halo-color": "#0B1220", "icon-halo-width": 1.5}},
            {"id": "b", "type": "symbol", "layout": {"icon-image": "fuse"}, "paint": {}},
            {"id": "c", "type": "symbol", "layout": {"icon-image": ["get", "k"]}, "paint": {}},
            {"id": "d", "type": "symbol", "layout": {"icon-image": "fuse"},
             "paint": {"icon-color": ["get", "c"]}},
            {"id": "e", "type": "circle", "paint": {"circle-color": "#fff"}}
        ]});
        let tints = bake_icons(&mut style, "dark");
        let names: Vec<String> = tints.iter().map(Tint::name).collect();
        assert_eq!(
            names,
            ["breaker~fbbf24~0b1220~1.5", "fuse~000000~00000000~0"]
        );
        assert_eq!(style["sprite"], "/sprites/grid+dark");
        assert_eq!(
            style["layers"][0],
            json!({"id": "a", "type": "symbol",
                "layout": {"icon-image": "breaker~fbbf24~0b1220~1.5", "icon-size": 1}, "paint": {}})
        );
        // Data-driven icons or colours stay as they were.
        assert_eq!(
            style["layers"][2]["layout"]["icon-image"],
            json!(["get", "k"])
        );
        assert_eq!(style["layers"][3]["layout"]["icon-image"], "fuse");
        // A sprite from elsewhere: nothing is baked.
        let mut other = json!({"sprite": "https://x/sprite", "layers": [
            {"id": "a", "type": "symbol", "layout": {"icon-image": "x"}}]});
        assert!(bake_icons(&mut other, "dark").is_empty());
        assert_eq!(other["layers"][0]["layout"]["icon-image"], "x");
    }

    #[test]
    fn the_tinted_svg_nests_the_symbol_with_room_for_the_halo() {
        let tint = Tint {
            icon: "b".into(),
            fill: "fbbf24".into(),
            halo: "0b122080".into(),
            halo_width: 2.0,
        };
        let svg = tinted_svg(
            "<?xml version=\"1.0\"?><svg width=\"16\" height=\"16\"/>",
            16.0,
            16.0,
            &tint,
        );
        assert!(
            svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20""#)
        );
        assert!(svg.contains(r#"radius="2""#));
        assert!(svg.contains(r##"flood-color="#0b1220" flood-opacity="0.5019607843137255""##));
        assert!(svg.contains(r#"<g transform="translate(2 2)"><svg width="16""#));
        assert!(!svg.contains("<?xml"));
    }
}
