# End to end with vncdotool (PyPI, pinned in tests/requirements.txt).
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
ensure_venv
FBVNCD_BIN=$(build_fbvncd)
export FBVNCD_BIN
cd "$ROOT/tests/e2e"
# pytest exits 5 when it collected nothing: that is a failure here too.
python -m pytest -q -p no:cacheprovider
