#!/usr/bin/env bash
# Analytics endpoints an operator waits for (issue #11): per-endpoint latency with curl -w,
# the first request after the server answers /api/health (cold) and the median of --runs more
# (warm); with --simulate the server runs the operations simulator (every --interval-ms) and,
# after the latency runs, the endpoints are asked in turn for --duration seconds while the
# simulator publishes versions: the script counts the builds the server logged ("AMI rollups
# built", "outage history built", "health index built", "search index built") and the versions
# published meanwhile.
#
# usage: benches/analytics_latency.sh [--bin PATH] [--simulate] [--interval-ms MS]
#                                     [--duration S] [--runs N] [--scale F]
# prints: one `endpoint first_ms=… median_ms=… max_ms=… status=…` line per endpoint, then with
#   --simulate `BUILDS duration_s=… versions=… requests=… ami_rollups=… outage_history=…
#   health_index=… search_index=…`.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=target/release/gridtiles
SIMULATE=0
INTERVAL_MS=500
DURATION=60
RUNS=5
SCALE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --simulate) SIMULATE=1; shift ;;
    --interval-ms) INTERVAL_MS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --scale) SCALE="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "no server binary at $BIN (cargo build --release, or --bin)" >&2; exit 1; }

OUT=bench-results
mkdir -p "$OUT"
LOG="$OUT/analytics-server.log"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
ARGS=(serve --listen "127.0.0.1:$PORT" --scale "$SCALE" --log-format human)
[ "$SIMULATE" = 1 ] && ARGS+=(--simulate --simulate-interval-ms "$INTERVAL_MS")

SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
RUST_LOG="${RUST_LOG:-info}" "$BIN" "${ARGS[@]}" >"$LOG" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 2400); do
  curl -fsS "$BASE/api/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.05
done

MONTH="from=2025-07-01T06:00:00Z&to=2025-07-31T06:00:00Z"
ENDPOINTS=(
  "/api/kpi"
  "/api/ami/history?system=true&bucket=15m&$MONTH"
  "/api/ami/history?system=true&bucket=1h"
  "/api/ami/consumption/by-class"
  "/api/ami/transformers/loading?limit=50"
  "/api/assets/health/distribution?layer=poles"
  "/api/assets/worst?layer=poles&limit=50"
  "/api/assets/worst?layer=transformers&limit=50"
  "/api/search?q=Midtown"
  "/api/assistant?q=customers%20out%20now"
  "/api/assistant?q=transformers%20over%20100%25%20load"
)

# One request: "<ms> <status>" (the request timeout answers 503).
timed() {
  curl -sS -o /dev/null -w '%{time_total} %{http_code}\n' --max-time 120 "$BASE$1" |
    awk '{printf "%.1f %s\n", $1 * 1000, $2}'
}

for e in "${ENDPOINTS[@]}"; do
  read -r first status < <(timed "$e")
  samples=()
  for _ in $(seq 1 "$RUNS"); do
    read -r ms s < <(timed "$e")
    samples+=("$ms")
    [ "$s" = 200 ] || status="$s"
  done
  stats=$(printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR] = $1} END {printf "median_ms=%s max_ms=%s", a[int((NR + 1) / 2)], a[NR]}')
  echo "$e first_ms=$first $stats status=$status"
done

if [ "$SIMULATE" = 1 ]; then
  count() { grep -c "$1" "$LOG" || true; }
  version() { curl -fsS "$BASE/metrics" | awk '/^gridtiles_snapshot_version / {printf "%d\n", $2}'; }
  v0=$(version)
  b0=("$(count 'AMI rollups built')" "$(count 'outage history built')" "$(count 'health index built')" "$(count 'search index built')")
  end=$((SECONDS + DURATION))
  n=0
  while [ $SECONDS -lt $end ]; do
    for e in "${ENDPOINTS[@]}"; do
      timed "$e" >/dev/null
      n=$((n + 1))
    done
    sleep 1
  done
  v1=$(version)
  echo "BUILDS duration_s=$DURATION versions=$((v1 - v0)) requests=$n" \
    "ami_rollups=$(( $(count 'AMI rollups built') - b0[0] ))" \
    "outage_history=$(( $(count 'outage history built') - b0[1] ))" \
    "health_index=$(( $(count 'health index built') - b0[2] ))" \
    "search_index=$(( $(count 'search index built') - b0[3] ))"
fi
