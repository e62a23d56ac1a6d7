#!/usr/bin/env bash
# The OpenAPI document against the server it describes: schemathesis (PyPI, pinned) generates
# requests from /api/openapi.json and checks every answer: no 5xx, every status code and
# content type documented, every JSON body valid against its response schema, documented
# headers present. Bounded (fixed seed, a fixed number of examples per operation) so the run
# takes a few minutes; any finding fails it.
#
#   scripts/schemathesis.sh [BINARY]     (default target/release/gridtiles)
#
# Not checked: `positive_data_acceptance` (a schema-valid request must get 2xx). Some rules
# are the data's, not the schema's: a period must lie inside the outage history, an id must
# name an asset, a crew must be available. Those answers are documented 4xx and are checked
# as such by status_code_conformance. `/api/events` (an endless stream) is left out.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-target/release/gridtiles}
ST_VERSION=4.32.5
ST_DIR=target/test-cache/schemathesis
if ! PYTHONPATH=$ST_DIR python3 -c "import schemathesis" 2>/dev/null; then
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --target "$ST_DIR" "schemathesis==$ST_VERSION"
fi

PORT=${GRIDTILES_SCHEMATHESIS_PORT:-18777}
LOG=$(mktemp)
"$BIN" serve --listen "127.0.0.1:$PORT" --scale 0.1 --simulate --simulate-interval-ms 1000 \
    >"$LOG" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break
    kill -0 $PID 2>/dev/null || { cat "$LOG"; exit 1; }
    sleep 0.5
done

PYTHONPATH=$ST_DIR python3 -m schemathesis.cli run "http://127.0.0.1:$PORT/api/openapi.json" \
    --url "http://127.0.0.1:$PORT" \
    --seed 20261207 \
    --max-examples "${GRIDTILES_SCHEMATHESIS_EXAMPLES:-25}" \
    --workers 2 \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --exclude-path /api/events \
    --request-timeout 30 \
    --no-color
