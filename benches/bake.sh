#!/usr/bin/env bash
# Bake benchmark: `gridtiles bake` of the demo grid (scale 1), z0-16, into a PMTiles archive
# on every core; prints tiles/s, the archive size and the time per zoom (from bake's own
# report), once for the grid alone and once with the demo basemap.
#   benches/bake.sh [EXTRA BAKE FLAGS...]     (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin gridtiles
OUT="${BAKE_OUT:-$(mktemp -d)}"
trap 'rm -rf "$OUT"' EXIT
echo "== grid, z0-16"
/usr/bin/time -f "wall %e s, max RSS %M kB" \
    target/release/gridtiles bake --out "$OUT/grid.pmtiles" --minzoom 0 --maxzoom 16 "$@"
echo "== grid + demo basemap, z0-16"
/usr/bin/time -f "wall %e s, max RSS %M kB" \
    target/release/gridtiles bake --out "$OUT/field.pmtiles" --minzoom 0 --maxzoom 16 --basemap "$@"
