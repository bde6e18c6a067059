# fbvncd's encoders against noVNC's own decoders, under node: as built by
# default, then with Tight's JPEG through libjpeg-turbo (--features turbojpeg).
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"
ensure_apt cmake nasm
# The decoders come from the npm package the page embeds (build.rs installs it).
[ -d web/node_modules/@novnc/novnc ] || (cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
(cd tests/decoders && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
for features in "" turbojpeg; do
  echo "# encode_vectors built with features: ${features:-default}"
  cargo build --release --quiet --example encode_vectors ${features:+--features "$features"}
  (cd tests/decoders && FBVNCD_EXAMPLES="$ROOT/target/release/examples" node --test)
done
