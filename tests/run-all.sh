#!/usr/bin/env bash
# Runs every test tier of fbvncd, installing what is missing first.
# Usage: tests/run-all.sh        (from anywhere; needs root or sudo for apt)
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash tests/tools/run_suites.sh "$@"
