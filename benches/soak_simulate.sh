#!/usr/bin/env bash
# Memory soak: the demo grid served with the operations simulator ticking every
# --interval-ms (500 by default) under a steady tile load, for --duration seconds (600 = 10
# minutes by default); the server's RSS (from /proc) is sampled every --sample seconds and
# printed as a series. With --plain the same load runs without the simulator (the baseline the
# simulator's RSS is compared with: issue #14 asks for at most 1.5x).
#
# The tile load is the viewport replay of benches/load.sh through wrk (--connections, 8 by
# default: the soak is about memory, not throughput; gzip accepted) when wrk is installed, otherwise a bounded curl loop over the same URL list. Every
# request goes to 127.0.0.1 on a free port; the server is stopped on exit.
#
# usage: benches/soak_simulate.sh [--plain] [--duration S] [--interval-ms MS] [--sample S]
#                                 [--scale F] [--connections N] [--bin PATH]
# prints: one `t_s=… rss_mb=… version=…` line per sample, then a summary line
#   `SOAK mode=simulate|plain start_mb=… peak_mb=… end_mb=… versions=… requests=…`.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=simulate
DURATION=600
INTERVAL_MS=500
SAMPLE=10
SCALE=1
CONNS=8
BIN=target/release/gridtiles
while [ $# -gt 0 ]; do
  case "$1" in
    --plain) MODE=plain; shift ;;
    --duration) DURATION="$2"; shift 2 ;;
    --interval-ms) INTERVAL_MS="$2"; shift 2 ;;
    --sample) SAMPLE="$2"; shift 2 ;;
    --scale) SCALE="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    --bin) BIN="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

if [ "$BIN" = target/release/gridtiles ] && [ ! -x "$BIN" ]; then
  cargo build --release --quiet --bin gridtiles
fi
OUT=bench-results
mkdir -p "$OUT"
python3 benches/viewport_tiles.py "$OUT/viewport.txt"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

SERVER_PID=""
LOAD_PID=""
cleanup() {
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null || true
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

ARGS=(serve --listen "127.0.0.1:$PORT" --scale "$SCALE" --log-format human)
if [ "$MODE" = simulate ]; then
  ARGS+=(--simulate --simulate-interval-ms "$INTERVAL_MS")
fi
RUST_LOG="${RUST_LOG:-info,gridtiles::simulate=debug}" "$BIN" "${ARGS[@]}" >"$OUT/soak-server-$MODE.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 2400); do
  curl -fsS "$BASE/api/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/soak-server-$MODE.log"; exit 1; }
  sleep 0.05
done

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$SERVER_PID/status"; }
version() { curl -fsS "$BASE/tiles.json" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("version", "?"))'; }

if command -v wrk >/dev/null; then
  wrk -t1 -c"$CONNS" -d"${DURATION}s" -s benches/replay.lua "$BASE" -- "$OUT/viewport.txt" \
    >"$OUT/soak-load-$MODE.txt" 2>&1 &
else
  (
    end=$((SECONDS + DURATION))
    n=0
    while [ $SECONDS -lt $end ]; do
      while read -r p && [ $SECONDS -lt $end ]; do
        curl -s -o /dev/null -H 'Accept-Encoding: gzip' "$BASE$p" && n=$((n + 1))
      done <"$OUT/viewport.txt"
    done
    echo "RESULT requests=$n"
  ) >"$OUT/soak-load-$MODE.txt" 2>&1 &
fi
LOAD_PID=$!

START=$(rss_mb)
PEAK=$START
t=0
echo "t_s=0 rss_mb=$START version=$(version)"
while [ "$t" -lt "$DURATION" ]; do
  sleep "$SAMPLE"
  t=$((t + SAMPLE))
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited" >&2; cat "$OUT/soak-server-$MODE.log"; exit 1; }
  r=$(rss_mb)
  [ "$r" -gt "$PEAK" ] && PEAK=$r
  echo "t_s=$t rss_mb=$r version=$(version)"
done
wait "$LOAD_PID" 2>/dev/null || true
LOAD_PID=""
REQUESTS=$(sed -nE 's/.*RESULT requests=([0-9]+).*/\1/p' "$OUT/soak-load-$MODE.txt")
if [ "$MODE" = simulate ]; then
  # Tick cost from the simulator's debug log (wall time on the blocking pool, under the load).
  python3 - "$OUT/soak-server-$MODE.log" <<'PY'
import re, sys
busy, idle = [], []
for line in open(sys.argv[1], errors="replace"):
    line = re.sub(r"\x1b\[[0-9;]*m", "", line)
    if "simulator tick" not in line:
        continue
    ms = int(re.search(r"\bms=(\d+)", line).group(1))
    topo = any(re.search(k + r"=\[\d", line) for k in ("faults", "restored", "switched"))
    (busy if topo else idle).append(ms)
def stats(name, xs):
    if not xs:
        print(f"TICKS {name}: none"); return
    xs.sort(); at = lambda q: xs[min(len(xs) - 1, len(xs) * q // 100)]
    print(f"TICKS {name}: n={len(xs)} p50_ms={at(50)} p90_ms={at(90)} p99_ms={at(99)} max_ms={xs[-1]}")
stats("topology", busy)
stats("crews_only", idle)
PY
fi
echo "SOAK mode=$MODE start_mb=$START peak_mb=$PEAK end_mb=$(rss_mb) versions=$(version) requests=${REQUESTS:-?}"
