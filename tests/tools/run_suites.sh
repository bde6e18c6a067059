#!/usr/bin/env bash
# The suites of tests/run-all.sh; each suite is a function, its result counted.
set -uo pipefail
passed=0
failed=0
run_suite() {
  local name=$1; shift
  echo "=== suite: $name"
  if "$@"; then passed=$((passed + 1)); echo "=== suite $name: ok"
  else failed=$((failed + 1)); echo "=== suite $name: FAILED"; fi
}
run_suite "cargo fmt" cargo fmt --all -- --check
run_suite "cargo clippy" cargo clippy --all-targets -- -D warnings
run_suite "cargo test" cargo test
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
