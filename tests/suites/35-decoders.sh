# fbvncd's encoders against noVNC's own decoders, under node.
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"
cargo build --release --quiet --example encode_vectors
# The decoders come from the npm package the page embeds (build.rs installs it).
[ -d web/node_modules/@novnc/novnc ] || (cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
cd tests/decoders
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
FBVNCD_EXAMPLES="$ROOT/target/release/examples" node --test
