#!/usr/bin/env bash
# Runs every tests/suites/NN-*.sh in order; each exits 0 (pass) or not (fail).
# A suite that needs a tool installs it (tests/tools/lib.sh) or fails: a
# missing tool is a failure, never a skip.
set -uo pipefail
cd "$(dirname "$0")/../.."
passed=0
failed=0
failed_names=()
only=${1:-}
for suite in tests/suites/*.sh; do
  name=$(basename "$suite" .sh)
  if [ -n "$only" ] && [[ "$name" != *"$only"* ]]; then continue; fi
  echo "=== suite $name"
  start=$(date +%s)
  if bash "$suite"; then
    passed=$((passed + 1)); echo "=== suite $name: ok ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1)); failed_names+=("$name")
    echo "=== suite $name: FAILED ($(( $(date +%s) - start )) s)"
  fi
done
[ "$failed" -eq 0 ] || echo "failed suites: ${failed_names[*]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
