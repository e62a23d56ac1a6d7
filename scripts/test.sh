#!/usr/bin/env bash
# The test command (README quick start). Sets up what the tests need on a fresh machine of this
# kind, then runs every test suite. Safe to run again: each setup step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== rust tests"
cargo test --locked --all-targets
echo "== doc tests"
cargo test --locked --doc
