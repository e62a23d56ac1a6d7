#!/usr/bin/env bash
# Startup benchmark (issue #14 "parallel snapshot build", #15 item 6): time from starting
# `gridtiles serve` to the first `200` from /api/health, the snapshot build time the server
# logs (`built snapshot ... ms=`), and the process RSS at that moment (VmRSS, and the peak
# VmHWM), for:
#   - the demo grid generated in memory at scale 1 and 10 (`serve --scale N`);
#   - the same grids from FlatGeobuf files (`gridtiles generate`, then `serve --data DIR`),
#     as GeoJSON files and as one GeoPackage (converted with GDAL's ogr2ogr, when installed;
#     the GeoPackage with the GDAL build only).
# Each case runs RUNS times (default 3) and prints every run.
#
#   benches/startup.sh                        builds the release binary first
#   GRIDTILES_BIN=path/to/gridtiles benches/startup.sh   a given binary (e.g. to compare two builds)
#   SCALES="1" RUNS=1 benches/startup.sh      fewer cases
#   RAYON_NUM_THREADS=1 benches/startup.sh    the same binary on one thread
#   GEOJSON=0 GPKG=0 benches/startup.sh     without the GeoJSON / GeoPackage cases
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${GRIDTILES_BIN:-}" ]; then
    cargo build --release --locked --bin gridtiles
    GRIDTILES_BIN="${CARGO_TARGET_DIR:-target}/release/gridtiles"
fi
RUNS="${RUNS:-3}"
SCALES="${SCALES:-1 10}"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# run LABEL ARGS...: one startup; prints seconds to healthy, build ms, RSS and peak RSS.
run() {
    local label="$1"
    shift
    local port log start now status rss hwm ms
    port="$(free_port)"
    log="$WORK/server.log"
    start="$(date +%s.%N)"
    "$GRIDTILES_BIN" serve --listen "127.0.0.1:$port" --log-format json "$@" >"$log" 2>&1 &
    SERVER_PID=$!
    while :; do
        status="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/health" || true)"
        [ "$status" = "200" ] && break
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "$label: server exited"; cat "$log"; exit 1
        fi
        sleep 0.02
    done
    now="$(date +%s.%N)"
    rss="$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")"
    hwm="$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status")"
    ms="$(grep -o '"message":"built snapshot"[^}]*' "$log" | grep -o '"ms":[0-9]*' | head -1 | cut -d: -f2 || true)"
    [ -n "$ms" ] || ms="$(grep 'built snapshot' "$log" | grep -o 'ms[": =]*[0-9]*' | head -1 | grep -o '[0-9]*$' || true)"
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    printf '%-22s ready %6.2f s   snapshot build %6s ms   RSS %5d MB   peak %5d MB\n' \
        "$label" "$(echo "$now - $start" | bc)" "${ms:-?}" $((rss / 1024)) $((hwm / 1024))
}

echo "binary: $GRIDTILES_BIN ($(nproc) cores, RAYON_NUM_THREADS=${RAYON_NUM_THREADS:-all})"
for scale in $SCALES; do
    "$GRIDTILES_BIN" generate --out "$WORK/fgb-$scale" --scale "$scale" >/dev/null 2>&1
    size="$(du -sm "$WORK/fgb-$scale" | cut -f1)"
    for _ in $(seq "$RUNS"); do
        run "demo scale $scale" --scale "$scale"
    done
    for _ in $(seq "$RUNS"); do
        run "fgb scale $scale (${size} MB)" --data "$WORK/fgb-$scale"
    done
    # The same layers as GeoJSON (converted by GDAL's ogr2ogr, when installed).
    if [ "${GEOJSON:-1}" = 1 ] && command -v ogr2ogr >/dev/null; then
        mkdir -p "$WORK/geojson-$scale"
        for f in "$WORK/fgb-$scale"/*.fgb; do
            ogr2ogr -f GeoJSON -lco RFC7946=YES "$WORK/geojson-$scale/$(basename "$f" .fgb).geojson" "$f"
        done
        size="$(du -sm "$WORK/geojson-$scale" | cut -f1)"
        for _ in $(seq "$RUNS"); do
            run "geojson scale $scale (${size} MB)" --data "$WORK/geojson-$scale"
        done
    fi
    # The same layers as one GeoPackage, when the binary is the GDAL build
    # (`cargo build --release --no-default-features --features gdal`).
    gpkg="$WORK/grid-$scale.gpkg"
    if [ "${GPKG:-1}" = 1 ] && command -v ogr2ogr >/dev/null; then
        first=1
        for f in "$WORK/fgb-$scale"/*.fgb; do
            ogr2ogr -f GPKG $([ "$first" = 1 ] || echo -update) "$gpkg" "$f" \
                -nln "$(basename "$f" .fgb)"
            first=0
        done
        if "$GRIDTILES_BIN" inspect "$gpkg" >/dev/null 2>&1; then
            size="$(du -sm "$gpkg" | cut -f1)"
            for _ in $(seq "$RUNS"); do
                run "gpkg scale $scale (${size} MB)" --data "$gpkg"
            done
        else
            echo "gpkg scale $scale: skipped (not the GDAL build)"
        fi
    fi
done
