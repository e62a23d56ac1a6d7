#!/usr/bin/env bash
# The README's run command: builds the front end when it is missing or older than its sources
# (npm ci && npm run build in frontend/, through scripts/build-release.sh), then serves the demo
# grid with the operations map at http://localhost:8080 (override with --listen ADDR; any other
# `gridtiles serve` flag is passed on, e.g. --simulate).
set -euo pipefail
cd "$(dirname "$0")/.."

stale() {
  [ -f frontend/dist/index.html ] || return 0
  [ -n "$(find frontend/src frontend/scripts frontend/index.html frontend/package-lock.json \
      frontend/vite.config.ts frontend/tsconfig.json -newer frontend/dist/index.html -print -quit)" ]
}

if stale; then
  scripts/build-release.sh frontend
else
  echo "== front end: frontend/dist is up to date"
fi
exec cargo run --release --locked --bin gridtiles -- serve --static-dir frontend/dist --styles-dir styles "$@"
