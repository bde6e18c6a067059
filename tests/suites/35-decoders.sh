# fbvncd's encoders against noVNC's own decoders, under node: as built by
# default, with Tight's JPEG through libjpeg-turbo (--features turbojpeg),
# and that build for aarch64 run under qemu-aarch64 (libjpeg-turbo's NEON
# code, as on a Pi with a 64-bit OS).
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"
ensure_apt cmake make nasm qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross file
# The decoders come from the npm package the page embeds (build.rs installs it).
[ -d web/node_modules/@novnc/novnc ] || (cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
(cd tests/decoders && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
run_decoders() { (cd tests/decoders && FBVNCD_EXAMPLES="$1" node --test); }
for features in "" turbojpeg; do
  echo "# encode_vectors built with features: ${features:-default}"
  cargo build --release --quiet --example encode_vectors ${features:+--features "$features"}
  run_decoders "$ROOT/target/release/examples"
done
arm=aarch64-unknown-linux-gnu
if ! rustup target list --installed 2>/dev/null | grep -qx "$arm" && ! rustup target add "$arm"; then
  echo "FAIL Rust's std for $arm is needed (rustup target add $arm)" >&2
  exit 1
fi
echo "# encode_vectors built with features: turbojpeg, for $arm, run under qemu-aarch64"
cargo build --release --quiet --example encode_vectors --features turbojpeg --target "$arm"
# The wrapper lies in target/ (not /tmp, which may be noexec).
wrap="$ROOT/target/qemu-aarch64-examples"
mkdir -p "$wrap"
cat >"$wrap/encode_vectors" <<EOF
#!/bin/sh
exec qemu-aarch64 -L /usr/aarch64-linux-gnu '$ROOT/target/$arm/release/examples/encode_vectors' "\$@"
EOF
chmod +x "$wrap/encode_vectors"
file -L "$ROOT/target/$arm/release/examples/encode_vectors" | grep -q "ARM aarch64"
run_decoders "$wrap"
