# fbvncd's page in headless Chromium (Debian's), driven by playwright-core.
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
ensure_apt chromium python3
FBVNCD_BIN=$(build_fbvncd)
export FBVNCD_BIN
cd "$ROOT/tests/browser"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
node --test
