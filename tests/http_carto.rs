//! `/fonts`, `/fonts/{fontstack}/{range}.pbf` and `/sprites/{name}[@2x].{json,png}` from the
//! repository's `fonts/` and `styles/sprites/`, checked with independent decoders: the glyph
//! protobuf with this file's own prost schema, the sprite sheet with the `png` crate; and the
//! styles' glyph/sprite URLs and static variant as served.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::*;
use gridtiles::http::{router, App, Settings};
use prost::Message;
use serde_json::Value;

/// The MapLibre glyph protobuf (`glyphs.proto`), written out here, not taken from the server.
mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Glyphs {
        #[prost(message, repeated, tag = "1")]
        pub stacks: Vec<Fontstack>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Fontstack {
        #[prost(string, required, tag = "1")]
        pub name: String,
        #[prost(string, required, tag = "2")]
        pub range: String,
        #[prost(message, repeated, tag = "3")]
        pub glyphs: Vec<Glyph>,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Glyph {
        #[prost(uint32, required, tag = "1")]
        pub id: u32,
        #[prost(bytes = "vec", optional, tag = "2")]
        pub bitmap: Option<Vec<u8>>,
        #[prost(uint32, required, tag = "3")]
        pub width: u32,
        #[prost(uint32, required, tag = "4")]
        pub height: u32,
        #[prost(sint32, required, tag = "5")]
        pub left: i32,
        #[prost(sint32, required, tag = "6")]
        pub top: i32,
        #[prost(uint32, required, tag = "7")]
        pub advance: u32,
    }
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// One router for the whole test (the font catalog and built sprites live in it).
fn app() -> App {
    let settings = Settings {
        styles_dir: Some(repo("styles")),
        fonts_dir: Some(repo("fonts")),
        ..Settings::default()
    };
    router(state_with(fake_render, 1 << 20, settings))
}

async fn glyphs(app: &App, uri: &str) -> proto::Glyphs {
    let r = send(app, "GET", uri, &[]).await;
    assert_eq!(r.status, 200, "{uri}: {:?}", r.body);
    assert_eq!(r.header("content-type"), "application/x-protobuf");
    proto::Glyphs::decode(&r.body[..]).expect("a glyph protobuf")
}

/// The SDF buffer MapLibre expects around each glyph bitmap.
const BUFFER: u32 = 3;

#[tokio::test]
async fn glyph_ranges_decode_with_sdf_bitmaps_for_the_fonts_listed() {
    let app = app();
    let r = send(&app, "GET", "/fonts", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        serde_json::json!(["Open Sans Bold", "Open Sans Regular"])
    );

    let g = glyphs(&app, "/fonts/Open%20Sans%20Regular/0-255.pbf").await;
    assert_eq!(g.stacks.len(), 1);
    let stack = &g.stacks[0];
    assert_eq!(stack.name, "Open Sans Regular");
    assert_eq!(stack.range, "0-255");
    let ids: BTreeSet<u32> = stack.glyphs.iter().map(|g| g.id).collect();
    for c in ('A'..='Z')
        .chain('a'..='z')
        .chain('0'..='9')
        .chain(['-', ' ', 'é'])
    {
        assert!(ids.contains(&(c as u32)), "glyph {c:?}");
    }
    assert!(ids.iter().all(|&id| id <= 255));
    for glyph in &stack.glyphs {
        let bitmap = glyph.bitmap.as_deref().unwrap_or(&[]);
        if bitmap.is_empty() {
            assert!(glyph.width == 0 || glyph.height == 0, "glyph {}", glyph.id);
            continue;
        }
        assert_eq!(
            bitmap.len() as u32,
            (glyph.width + 2 * BUFFER) * (glyph.height + 2 * BUFFER),
            "glyph {} bitmap size",
            glyph.id
        );
        if glyph.width == 0 || glyph.height == 0 {
            continue; // a space: no outline
        }
        // A signed distance field: inside the outline (>= 192) and outside (< 192) both occur.
        assert!(
            bitmap.iter().any(|&v| v >= 192),
            "glyph {} has an inside",
            glyph.id
        );
        assert!(
            bitmap.iter().any(|&v| v < 100),
            "glyph {} has an outside",
            glyph.id
        );
    }
    let a = stack.glyphs.iter().find(|g| g.id == 'A' as u32).unwrap();
    assert!(
        a.advance > 10 && a.advance < 24,
        "advance at 24 px: {}",
        a.advance
    );

    // Fallback in order: an unknown first name is skipped; the first font that has a glyph wins.
    let bold = glyphs(&app, "/fonts/Open%20Sans%20Bold/0-255.pbf").await;
    let fallback = glyphs(&app, "/fonts/Nope%20Sans,Open%20Sans%20Bold/0-255.pbf").await;
    let both = glyphs(
        &app,
        "/fonts/Open%20Sans%20Bold%2COpen%20Sans%20Regular/0-255.pbf",
    )
    .await;
    let glyph_a = |g: &proto::Glyphs| {
        g.stacks[0]
            .glyphs
            .iter()
            .find(|x| x.id == 'A' as u32)
            .cloned()
            .unwrap()
    };
    assert_eq!(glyph_a(&fallback), glyph_a(&bold));
    assert_eq!(glyph_a(&both), glyph_a(&bold));
    assert_ne!(glyph_a(&bold), *a, "bold differs from regular");

    // A range no font covers is a valid, empty message.
    let cjk = glyphs(&app, "/fonts/Open%20Sans%20Regular/19968-20223.pbf").await;
    assert!(cjk.stacks.iter().all(|s| s.glyphs.is_empty()));
}

#[tokio::test]
async fn glyph_requests_are_cached_by_etag_and_gzipped() {
    let app = app();
    let uri = "/fonts/Open%20Sans%20Bold/256-511.pbf";
    let r = send(&app, "GET", uri, &[]).await;
    assert_eq!(r.status, 200);
    let etag = r.header("etag").to_owned();
    assert!(etag.starts_with('"'), "{etag}");
    assert_eq!(r.header("cache-control"), "public, max-age=3600");
    let again = send(&app, "GET", uri, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    let gz = send(&app, "GET", uri, &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert_eq!(gunzip(&gz.body), r.body);
}

#[tokio::test]
async fn bad_glyph_requests_are_json_errors() {
    let app = app();
    for (uri, status) in [
        ("/fonts/Nope%20Sans/0-255.pbf", 404),
        ("/fonts/Open%20Sans%20Regular/0-256.pbf", 400),
        ("/fonts/Open%20Sans%20Regular/1-256.pbf", 400),
        ("/fonts/Open%20Sans%20Regular/65536-65791.pbf", 400),
        ("/fonts/Open%20Sans%20Regular/x-y.pbf", 400),
        ("/fonts/Open%20Sans%20Regular/0-255.png", 404),
        ("/fonts/a,b,c,d,e,f,g,h,i/0-255.pbf", 400),
        ("/fonts/Open%20Sans%20Regular,/0-255.pbf", 400),
    ] {
        let r = send(&app, "GET", uri, &[]).await;
        assert_eq!(r.status, status, "{uri}");
        assert!(
            r.json()["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{uri}"
        );
    }
}

fn decode_png(data: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(data));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!(
        info.color_type,
        png::ColorType::Rgba,
        "RGBA after expansion"
    );
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Every string a layout `icon-image` can evaluate to (literals and `match`/`case` outputs).
fn icon_names(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) => {
            out.insert(s.clone());
        }
        Value::Array(a) => {
            let args = &a[1..];
            match a[0].as_str() {
                Some("match") => {
                    for (i, x) in args[1..].iter().enumerate() {
                        if i % 2 == 1 || i == args.len() - 2 {
                            icon_names(x, out);
                        }
                    }
                }
                Some("case") => {
                    for (i, x) in args.iter().enumerate() {
                        if i % 2 == 1 || i == args.len() - 1 {
                            icon_names(x, out);
                        }
                    }
                }
                _ => panic!("icon-image expression not checked: {v}"),
            }
        }
        _ => panic!("icon-image {v}"),
    }
}

#[tokio::test]
async fn sprite_sheets_match_their_index_and_hold_every_style_icon() {
    let app = app();
    let mut sizes = Vec::new();
    for suffix in ["", "@2x"] {
        let index = send(
            &app,
            "GET",
            &format!("/sprites/gridtiles{suffix}.json"),
            &[],
        )
        .await;
        assert_eq!(index.status, 200);
        assert_eq!(index.header("content-type"), "application/json");
        let sheet = send(&app, "GET", &format!("/sprites/gridtiles{suffix}.png"), &[]).await;
        assert_eq!(sheet.status, 200);
        assert_eq!(sheet.header("content-type"), "image/png");
        let etag = sheet.header("etag").to_owned();
        let again = send(
            &app,
            "GET",
            &format!("/sprites/gridtiles{suffix}.png"),
            &[("if-none-match", &etag)],
        )
        .await;
        assert_eq!(again.status, 304);
        let (width, height, rgba) = decode_png(&sheet.body);
        let index = index.json();
        let icons = index.as_object().unwrap();
        assert_eq!(icons.len(), 12);
        let ratio = if suffix.is_empty() { 1 } else { 2 };
        for (name, d) in icons {
            let (x, y, w, h) = (
                d["x"].as_u64().unwrap() as u32,
                d["y"].as_u64().unwrap() as u32,
                d["width"].as_u64().unwrap() as u32,
                d["height"].as_u64().unwrap() as u32,
            );
            assert!(x + w <= width && y + h <= height, "{name} inside the sheet");
            assert_eq!(d["pixelRatio"], ratio, "{name}");
            assert_eq!(d["sdf"], true, "{name}");
            // The icon's area has an inside (alpha >= 192 in an SDF) and an outside.
            let alpha = |px: u32, py: u32| rgba[((py * width + px) * 4 + 3) as usize];
            let area: Vec<u8> = (y..y + h)
                .flat_map(|py| (x..x + w).map(move |px| (px, py)))
                .map(|(px, py)| alpha(px, py))
                .collect();
            assert!(area.iter().any(|&a| a >= 192), "{name} has a shape");
            assert!(area.contains(&0), "{name} has a margin");
            sizes.push((suffix, name.clone(), w, h));
        }
    }
    for (_, name, w, h) in sizes.iter().filter(|s| s.0.is_empty()) {
        let (_, _, w2, h2) = sizes.iter().find(|s| s.0 == "@2x" && &s.1 == name).unwrap();
        assert_eq!((*w2, *h2), (2 * w, 2 * h), "{name} @2x is twice @1x");
    }

    let index = send(&app, "GET", "/sprites/gridtiles.json", &[])
        .await
        .json();
    for theme in ["dark", "light"] {
        let style = send(
            &app,
            "GET",
            &format!("/styles/{theme}.json"),
            &[("host", "h:1")],
        )
        .await
        .json();
        let mut used = BTreeSet::new();
        for layer in style["layers"].as_array().unwrap() {
            if let Some(image) = layer["layout"].get("icon-image") {
                icon_names(image, &mut used);
            }
        }
        assert!(used.len() >= 12, "{used:?}");
        for name in &used {
            assert!(
                index.get(name).is_some(),
                "{theme}: icon {name} is in the sprite"
            );
        }
    }
}

#[tokio::test]
async fn the_tinted_sprite_draws_each_icon_in_its_colours() {
    let app = app();
    for suffix in ["", "@2x"] {
        let index = send(
            &app,
            "GET",
            &format!("/sprites/gridtiles+dark{suffix}.json"),
            &[],
        )
        .await;
        assert_eq!(index.status, 200);
        let sheet = send(
            &app,
            "GET",
            &format!("/sprites/gridtiles+dark{suffix}.png"),
            &[],
        )
        .await;
        assert_eq!(sheet.status, 200);
        assert_eq!(sheet.header("content-type"), "image/png");
        let (width, height, rgba) = decode_png(&sheet.body);
        let index = index.json();
        let ratio = if suffix.is_empty() { 1 } else { 2 };
        let pixel = |px: u32, py: u32| {
            let i = ((py * width + px) * 4) as usize;
            [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]]
        };
        let icons = index.as_object().unwrap();
        assert!(icons.len() > 20, "{}", icons.len());
        for (name, d) in icons {
            let (x, y, w, h) = (
                d["x"].as_u64().unwrap() as u32,
                d["y"].as_u64().unwrap() as u32,
                d["width"].as_u64().unwrap() as u32,
                d["height"].as_u64().unwrap() as u32,
            );
            assert!(x + w <= width && y + h <= height, "{name} inside the sheet");
            assert_eq!(d["pixelRatio"], ratio, "{name}");
            assert_ne!(d["sdf"], true, "{name}");
            // {icon}~{fill}~{halo}~{width}: both colours are drawn, opaque.
            let parts: Vec<&str> = name.split('~').collect();
            assert_eq!(parts.len(), 4, "{name}");
            let rgb = |hex: &str| {
                let n = u32::from_str_radix(&hex[..6], 16).unwrap();
                [(n >> 16) as u8, (n >> 8) as u8, n as u8, 255]
            };
            let area: Vec<[u8; 4]> = (y..y + h)
                .flat_map(|py| (x..x + w).map(move |px| (px, py)))
                .map(|(px, py)| pixel(px, py))
                .collect();
            // Opaque and within 2 per channel (PNG and premultiplied alpha round).
            let has = |c: [u8; 4]| {
                area.iter()
                    .any(|p| p[3] == 255 && (0..3).all(|i| p[i].abs_diff(c[i]) <= 2))
            };
            assert!(has(rgb(parts[1])), "{name}: no fill pixel");
            if parts[3] != "0" && parts[2].len() == 6 {
                assert!(has(rgb(parts[2])), "{name}: no halo pixel");
            }
        }
    }
    // Only a style of this server that draws that sprite's icons has a tinted sprite.
    for uri in [
        "/sprites/gridtiles+nope.json",
        "/sprites/gridtiles+..%2Fdark.json",
        "/sprites/nope+dark.json",
        "/sprites/gridtiles+.png",
    ] {
        let r = send(&app, "GET", uri, &[]).await;
        assert_eq!(r.status, 404, "{uri}");
        assert!(r.json()["error"].is_string(), "{uri}");
    }
}

#[tokio::test]
async fn unknown_sprites_are_json_404s() {
    let app = app();
    for uri in [
        "/sprites/nope.json",
        "/sprites/gridtiles.gif",
        "/sprites/gridtiles@3x.png",
        "/sprites/..%2Fdark.json",
        "/sprites/.json",
    ] {
        let r = send(&app, "GET", uri, &[]).await;
        assert_eq!(r.status, 404, "{uri}");
        assert!(r.json()["error"].is_string(), "{uri}");
    }
}

#[tokio::test]
async fn served_styles_name_this_servers_glyphs_and_sprite() {
    let app = app();
    let host = [("host", "maps.test:8080")];
    for theme in ["dark", "light"] {
        let style = send(&app, "GET", &format!("/styles/{theme}.json"), &host)
            .await
            .json();
        assert_eq!(
            style["glyphs"],
            "http://maps.test:8080/fonts/{fontstack}/{range}.pbf"
        );
        assert_eq!(style["sprite"], "http://maps.test:8080/sprites/gridtiles");
        let text = style.to_string();
        assert!(
            text.contains("feature-state"),
            "the live style uses feature-state"
        );

        let r = send(
            &app,
            "GET",
            &format!("/styles/{theme}.json?client=static"),
            &host,
        )
        .await;
        assert_eq!(r.status, 200);
        let fixed = r.json();
        assert!(
            !fixed.to_string().contains("feature-state"),
            "{theme} static"
        );
        assert_eq!(fixed["glyphs"], style["glyphs"]);
        assert_eq!(fixed["sources"], style["sources"]);
        // One layer per branch of every data-driven value: each static layer is a live
        // layer (`id`, `id/branch`, `id@zZOOM`), in the same order, and reads no expression
        // QGIS 3.22 skips.
        let live_ids: Vec<&str> = style["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        let mut last = 0;
        for layer in fixed["layers"].as_array().unwrap() {
            let id = layer["id"].as_str().unwrap();
            let base = id.split(['/', '@']).next().unwrap();
            let at = live_ids.iter().position(|l| *l == base).unwrap_or_else(|| {
                panic!("{theme}: static layer {id} is not a live layer's");
            });
            assert!(at >= last, "{theme}: {id} out of order");
            last = at;
            for part in ["paint", "layout"] {
                let text = layer[part].to_string();
                for op in [
                    r#"["case""#,
                    r#"["match""#,
                    r#"["coalesce""#,
                    r#"["to-string""#,
                ] {
                    assert!(!text.contains(op), "{theme} {id} {part}: {text}");
                }
            }
        }
        for id in &live_ids {
            assert!(
                fixed["layers"].as_array().unwrap().iter().any(|l| l["id"]
                    .as_str()
                    .unwrap()
                    .split(['/', '@'])
                    .next()
                    == Some(id)),
                "{theme}: live layer {id} has no static layer"
            );
        }
        // The feeders' colours are constants, one per branch, each under its filter.
        let feeder_colours: Vec<&Value> = fixed["layers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["id"].as_str().unwrap().starts_with("feeders/"))
            .map(|l| {
                assert!(l["filter"].to_string().contains(r#"["get","status"]"#));
                &l["paint"]["line-color"]
            })
            .collect();
        assert!(feeder_colours.len() >= 5, "{feeder_colours:?}");
        assert!(feeder_colours.iter().all(|c| c.is_string()));
        // Icons are images of the tinted sprite named by the style.
        assert_eq!(
            fixed["sprite"],
            format!("http://maps.test:8080/sprites/gridtiles+{theme}")
        );
        let index = send(
            &app,
            "GET",
            &format!("/sprites/gridtiles+{theme}.json"),
            &host,
        )
        .await
        .json();
        let mut icons = 0;
        for layer in fixed["layers"].as_array().unwrap() {
            if let Some(image) = layer["layout"]["icon-image"].as_str() {
                let entry = &index[image];
                assert!(
                    entry.is_object(),
                    "{theme}: no {image} in the tinted sprite"
                );
                assert_ne!(entry["sdf"], true, "{image} is a plain image");
                assert!(layer["paint"].get("icon-color").is_none());
                icons += 1;
            }
        }
        assert!(icons > 20, "{icons}");
    }
    for uri in ["/styles/dark.json?client=qgis", "/styles/dark.json?bogus=1"] {
        let r = send(&app, "GET", uri, &host).await;
        assert_eq!(r.status, 400, "{uri}");
        assert!(r.json()["error"].is_string());
    }
}
