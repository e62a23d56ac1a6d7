//! Tile bytes pinned: the demo grid (seed 1, scale 0.2) rendered at a fixed list of addresses,
//! each tile's length and 64-bit FNV-1a digest compared with the table below. A refactor
//! that must not change behaviour keeps this table; a change that means to alter tiles
//! updates it in the same commit and says why (`GRIDTILES_PRINT_GOLDEN=1 cargo test --test
//! tiles_golden -- --nocapture` prints the table).
//!
//! The table was first computed by the code before the engine-boundaries refactor (commit
//! a2d5a62) and matched after it.

use gridtiles::index::SnapshotBuilder;
use gridtiles::source::demo::{generate, DemoParams};
use gridtiles::tiles::{render_tile, LayerSelection, TileCoord};

/// 64-bit FNV-1a (stable across toolchains, unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The tile of zoom `z` containing lon/lat (Web Mercator, XYZ).
fn tile_at(lon: f64, lat: f64, z: u8) -> TileCoord {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let lat = lat.to_radians();
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor()
        as u32;
    TileCoord { z, x, y }
}

/// `(z, x, y, bytes, digest)` of every pinned tile.
const GOLDEN: &[(u8, u32, u32, usize, u64)] = &[
    (4, 3, 6, 0, 0xcbf29ce484222325),
    (4, 3, 6, 0, 0xcbf29ce484222325),
    (5, 7, 13, 700, 0x8879096fd614d421),
    (5, 7, 13, 700, 0x8879096fd614d421),
    (6, 15, 26, 700, 0x5e16e38a5d4537f2),
    (6, 15, 26, 700, 0x5e16e38a5d4537f2),
    (7, 30, 52, 700, 0xdc9bc9ac86c19a22),
    (7, 30, 52, 700, 0xdc9bc9ac86c19a22),
    (8, 60, 105, 7364, 0x5b9f5e3fe35f7b72),
    (8, 60, 105, 7364, 0x5b9f5e3fe35f7b72),
    (9, 120, 211, 15500, 0x99e1f1a24c8b3778),
    (9, 120, 211, 15500, 0x99e1f1a24c8b3778),
    (10, 240, 423, 26617, 0xac25033b8066d810),
    (10, 240, 423, 26617, 0xac25033b8066d810),
    (11, 481, 846, 32440, 0x1087379e0d39e2c2),
    (11, 481, 846, 32440, 0x1087379e0d39e2c2),
    (12, 962, 1693, 67397, 0xa581c2f5edbca40c),
    (12, 962, 1692, 54869, 0x4110d8a628c8462f),
    (13, 1925, 3386, 76141, 0x2812589cd7774b02),
    (13, 1925, 3385, 51044, 0xa92c19bc5aa73d8d),
    (14, 3851, 6772, 134171, 0xe4063113e0e5d3a0),
    (14, 3850, 6771, 109219, 0x5e4bd2fb4b1f7685),
    (15, 7703, 13544, 57960, 0x0d6d63bf0c2a0264),
    (15, 7701, 13543, 43607, 0x06cbf8ad9c087b06),
    (16, 15406, 27088, 17586, 0xd39cfc6fb4d7ccb7),
    (16, 15403, 27086, 10379, 0x83d59c976cbb8a04),
    (14, 3850, 6771, 109219, 0x5e4bd2fb4b1f7685),
    (14, 3851, 6771, 90452, 0x1b9c4dc7dd099be4),
    (14, 3852, 6771, 46210, 0x88deaa66a87470d0),
    (14, 3850, 6772, 96632, 0x39a1e4a53c1a9021),
    (14, 3852, 6772, 110379, 0x95356c57cc3f17a2),
    (14, 3850, 6773, 87062, 0xf361cf33b9cdcb59),
    (14, 3851, 6773, 102947, 0x2d9319a969df7ad3),
    (14, 3852, 6773, 50754, 0x663b71429e124c45),
];

#[test]
fn demo_tiles_are_byte_for_byte_the_pinned_ones() {
    let layers = generate(&DemoParams {
        seed: 1,
        scale: 0.2,
    });
    let snapshot = SnapshotBuilder::default().build(layers, 1).unwrap();
    // The city centre (the demo grid is centred on downtown Houston) and a point 2 km
    // north-west, at every zoom from 4 to 16; the centre's eight neighbours at z14.
    let mut tiles = Vec::new();
    for z in 4..=16 {
        tiles.push(tile_at(-95.3698, 29.7604, z));
        tiles.push(tile_at(-95.385, 29.772, z));
    }
    let c = tile_at(-95.3698, 29.7604, 14);
    for (dx, dy) in [
        (-1i64, -1i64),
        (0, -1),
        (1, -1),
        (-1, 0),
        (1, 0),
        (-1, 1),
        (0, 1),
        (1, 1),
    ] {
        tiles.push(TileCoord {
            z: 14,
            x: (i64::from(c.x) + dx) as u32,
            y: (i64::from(c.y) + dy) as u32,
        });
    }
    let mut got = Vec::new();
    for t in tiles {
        let r = render_tile(&snapshot, t, &LayerSelection::All).unwrap();
        got.push((t.z, t.x, t.y, r.data.len(), fnv1a(&r.data)));
    }
    if std::env::var_os("GRIDTILES_PRINT_GOLDEN").is_some() {
        for (z, x, y, n, h) in &got {
            println!("    ({z}, {x}, {y}, {n}, {h:#018x}),");
        }
    }
    assert!(
        got.iter().filter(|t| t.3 > 0).count() >= 20,
        "most pinned tiles have content: {got:?}"
    );
    assert_eq!(got, GOLDEN, "tile bytes changed");
}
