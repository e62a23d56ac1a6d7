#!/usr/bin/env bash
# Load benchmark: replays a realistic viewport tile list against the release server, cold
# (cache off: every request renders a tile) and warm (cache on, pre-warmed), and against the
# bare-axum HTTP ceiling in ../shared/bench/ceiling when it is there, with the same load
# generator (wrk) and URL list. Prints startup time, RSS, tiles/s, p50/p99 and bytes.
#
# usage: benches/load.sh [--scale F] [--duration S] [--connections N]
# GRIDTILES_BIN=path runs that binary instead of building target/release/gridtiles (to
# compare two builds, e.g. before and after a change).
# Everything goes to 127.0.0.1; every wrk run is bounded by --duration.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=1
DURATION=10
CONNS=32
PORT=18080
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian)…"
  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
fi
if [ -n "${GRIDTILES_BIN:-}" ]; then
  BIN="$GRIDTILES_BIN"
else
  cargo build --release --quiet
  BIN=target/release/gridtiles
fi
OUT=bench-results
mkdir -p "$OUT"
python3 benches/viewport_tiles.py "$OUT/viewport.txt"

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  SERVER_PID=""
}
trap stop_server EXIT

# start_server ARGS...: starts gridtiles, waits for /api/health, prints startup seconds.
start_server() {
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" serve --listen "127.0.0.1:$PORT" --scale "$SCALE" --log-format human "$@" >"$OUT/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 1200); do
    if curl -fsS "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1; then
      t1=$(date +%s.%N)
      echo "startup_s=$(python3 -c "print(round($t1 - $t0, 3))")"
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.log"; return 1; }
    sleep 0.05
  done
  echo "server did not start" >&2
  return 1
}

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$SERVER_PID/status"; }

replay() { # replay URL_BASE LABEL [identity]
  local line
  line=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s benches/replay.lua "$1" -- "$OUT/viewport.txt" ${3:-} | grep '^RESULT')
  echo "$2 $line"
}

echo "== gridtiles scale $SCALE, $(nproc) cores"
echo "-- cold: cache off (every request renders)"
start_server --cache-mb 0
echo "rss_after_start_mb=$(rss_mb)"
replay "http://127.0.0.1:$PORT" cold
echo "rss_after_cold_mb=$(rss_mb)"
stop_server

echo "-- warm: cache on, pre-warmed"
start_server --cache-mb 256
while read -r p; do curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT$p"; done < <(sort -u "$OUT/viewport.txt")
WARM=$(replay "http://127.0.0.1:$PORT" warm)
echo "$WARM"
WARM_ID=$(replay "http://127.0.0.1:$PORT" warm_identity identity)
echo "$WARM_ID"
echo "rss_after_warm_mb=$(rss_mb)"

echo "-- bytes: every z10 tile over the territory (gzip, as served)"
python3 - "$PORT" <<'PY'
import json, sys, urllib.request, math
port = sys.argv[1]
tj = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/tiles.json"))
w, s, e, n = tj["bounds"]
def tile(lon, lat, z):
    k = 2 ** z
    x = (lon + 180) / 360
    sl = math.sin(math.radians(lat))
    y = 0.5 - 0.25 * math.log((1 + sl) / (1 - sl)) / math.pi
    return int(x * k), int(y * k)
z = 10
x0, y0 = tile(w, n, z); x1, y1 = tile(e, s, z)
total = count = 0
for y in range(y0, y1 + 1):
    for x in range(x0, x1 + 1):
        req = urllib.request.Request(f"http://127.0.0.1:{port}/tiles/{z}/{x}/{y}.mvt", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req) as r:
            total += len(r.read()); count += 1
print(f"z10_territory tiles={count} bytes={total} ratio_to_2.8MB={total / 2.8e6:.3%}")
PY
stop_server

CEILING=../shared/bench/ceiling
if [ -d "$CEILING" ]; then
  echo "-- HTTP ceiling (bare axum, a fixed body of the mean size the warm run sent), same wrk and URL list"
  CARGO_TARGET_DIR=/tmp/ceiling-target cargo build --release --quiet --manifest-path "$CEILING/Cargo.toml"
  mean_body() { python3 -c "import re,sys; m=re.search(r'requests=(\d+).*bytes=(\d+)', sys.argv[1]); print(max(1, int(m.group(2)) // max(1, int(m.group(1)))))" "$1"; }
  GZ_BODY=$(mean_body "$WARM")
  /tmp/ceiling-target/release/ceiling "$GZ_BODY" &
  SERVER_PID=$!
  sleep 0.5
  CEIL=$(replay "http://127.0.0.1:3099" "ceiling(body=$GZ_BODY)")
  echo "$CEIL"
  stop_server
  # Without gzip the tiles are bigger: that run's ceiling serves its mean size.
  ID_BODY=$(mean_body "$WARM_ID")
  /tmp/ceiling-target/release/ceiling "$ID_BODY" &
  SERVER_PID=$!
  sleep 0.5
  CEIL_ID=$(replay "http://127.0.0.1:3099" "ceiling_identity(body=$ID_BODY)" identity)
  echo "$CEIL_ID"
  stop_server
  rps() { sed -E 's/.* rps=([0-9]+).*/\1/' <<<"$1"; }
  echo "warm_to_ceiling_ratio=$(python3 -c "print(round($(rps "$WARM") / $(rps "$CEIL"), 3))")"
  echo "warm_identity_to_ceiling_ratio=$(python3 -c "print(round($(rps "$WARM_ID") / $(rps "$CEIL_ID"), 3))")"
fi
