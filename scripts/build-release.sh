#!/usr/bin/env bash
# Release build, as the Dockerfile runs it and CI tests it (no Docker engine needed):
#   frontend  build the front end (npm ci && npm run build in frontend/) when
#             frontend/package.json exists; otherwise say so and leave an empty frontend/dist
#   binary    cargo build --release --locked (with --full: the GDAL build,
#             --no-default-features --features gdal, which links the system's libgdal)
#   stage     copy the runtime tree into OUT (default target/runtime):
#               OUT/gridtiles, OUT/frontend/dist (if built), OUT/styles, OUT/fonts (if present)
#             then smoke-test it: start the staged binary from OUT on a free loopback port,
#             `gridtiles healthcheck` until it answers, SIGTERM, expect exit 0
#             (with --full the smoke test serves data/real/mv_oberrhein.gpkg, a GeoPackage)
# usage: scripts/build-release.sh [--out DIR] [--no-smoke] [--full] [frontend] [binary] [stage]
# No phase named: all three.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=target/runtime
SMOKE=1
FULL=0
PHASES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --no-smoke) SMOKE=0; shift ;;
    --full) FULL=1; shift ;;
    frontend|binary|stage) PHASES+=("$1"); shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ ${#PHASES[@]} -eq 0 ] && PHASES=(frontend binary stage)
has() { local p; for p in "${PHASES[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

if has frontend; then
  if [ -f frontend/package.json ]; then
    if ! command -v npm >/dev/null; then
      echo "installing Node.js and npm (Debian)…"
      apt-get install -y -qq nodejs npm >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq nodejs npm; }
    fi
    echo "== front end: npm ci && npm run build"
    (cd frontend && npm ci --no-audit --no-fund && npm run build)
    [ -f frontend/dist/index.html ] || { echo "front end build left no frontend/dist/index.html" >&2; exit 1; }
  else
    echo "== front end: no frontend/package.json, skipping (the image serves tiles and API only)"
    mkdir -p frontend/dist
  fi
fi

if has binary; then
  if [ "$FULL" = 1 ]; then
    echo "== release binary (GDAL): cargo build --release --locked --no-default-features --features gdal"
    cargo build --release --locked --bin gridtiles --no-default-features --features gdal
  else
    echo "== release binary: cargo build --release --locked"
    cargo build --release --locked --bin gridtiles
  fi
fi

if has stage; then
  BIN=${CARGO_TARGET_DIR:-target}/release/gridtiles
  [ -x "$BIN" ] || { echo "no $BIN: run the binary phase first" >&2; exit 1; }
  echo "== staging the runtime tree in $OUT"
  rm -rf "$OUT"
  mkdir -p "$OUT"
  cp "$BIN" "$OUT/gridtiles"
  if command -v strip >/dev/null; then strip "$OUT/gridtiles"; fi
  if [ -f frontend/dist/index.html ]; then
    mkdir -p "$OUT/frontend"
    cp -R frontend/dist "$OUT/frontend/dist"
  else
    echo "   (no front end to stage)"
  fi
  if [ -d styles ]; then cp -R styles "$OUT/styles"; else echo "   (no styles/ to stage)"; fi
  # Fonts for /fonts (glyphs rendered from them at request time).
  if [ -d fonts ]; then cp -R fonts "$OUT/fonts"; else echo "   (no fonts/ to stage)"; fi
  du -sh "$OUT" | sed 's/^/   runtime tree: /'
  ls -l "$OUT/gridtiles" | awk '{printf "   binary: %.1f MB\n", $5 / 1048576}'

  if [ "$SMOKE" = 1 ]; then
    echo "== smoke test of the staged tree"
    LOG=$(mktemp)
    # Port 0: the kernel picks a free port; the "listening" log line tells which.
    DATA=(--scale 0.05)
    if [ "$FULL" = 1 ]; then DATA=(--data "$PWD/data/real/mv_oberrhein.gpkg"); fi
    (cd "$OUT" && exec env -i PATH=/usr/bin:/bin ./gridtiles serve --listen 127.0.0.1:0 \
       "${DATA[@]}" --log-format json) >"$LOG" 2>&1 &
    PID=$!
    trap 'kill "$PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
    PORT=""
    for _ in $(seq 1 1200); do
      PORT=$(grep '"listening"' "$LOG" | sed -n 's/.*"addr":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' | head -1 || true)
      [ -n "$PORT" ] && break
      kill -0 "$PID" 2>/dev/null || { cat "$LOG"; echo "staged server exited" >&2; exit 1; }
      sleep 0.1
    done
    [ -n "$PORT" ] || { cat "$LOG"; echo "staged server did not listen" >&2; exit 1; }
    "$OUT/gridtiles" healthcheck --url "http://127.0.0.1:$PORT/api/health"
    if [ -f "$OUT/frontend/dist/index.html" ]; then
      "$OUT/gridtiles" healthcheck --url "http://127.0.0.1:$PORT/"
    fi
    kill -TERM "$PID"
    rc=0; wait "$PID" || rc=$?
    trap - EXIT
    grep -q '"server stopped"' "$LOG" || { cat "$LOG"; echo "no clean stop" >&2; exit 1; }
    rm -f "$LOG"
    [ "$rc" = 0 ] || { echo "staged server exited $rc on SIGTERM" >&2; exit 1; }
    echo "   ok: healthy, then exit 0 on SIGTERM"
  fi
fi
