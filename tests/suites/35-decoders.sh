# fbvncd's encoders against noVNC's own decoders, under node: as built by
# default, with Tight's JPEG through libjpeg-turbo (--features turbojpeg),
# and that build for aarch64, with glibc and static with musl (its C by zig
# cc), run under qemu-aarch64 (libjpeg-turbo's NEON code, as on a Pi with a
# 64-bit OS).
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
# Rust's std for a target, or fail saying so.
ensure_target() {
  rustup target list --installed 2>/dev/null | grep -qx "$1" || rustup target add "$1" || {
    echo "FAIL Rust's std for $1 is needed (rustup target add $1)" >&2
    return 1
  }
}
# Runs noVNC's decoders on encode_vectors of target $1 under qemu-aarch64
# (extra qemu arguments after it). The wrapper lies in target/ (not /tmp,
# which may be noexec).
decoders_under_qemu() {
  local target=$1 wrap="$ROOT/target/qemu-aarch64-examples/$1"
  shift
  mkdir -p "$wrap"
  cat >"$wrap/encode_vectors" <<EOF
#!/bin/sh
exec qemu-aarch64 $* '$ROOT/target/$target/release/examples/encode_vectors' "\$@"
EOF
  chmod +x "$wrap/encode_vectors"
  run_decoders "$wrap"
}
arm=aarch64-unknown-linux-gnu
ensure_target "$arm"
echo "# encode_vectors built with features: turbojpeg, for $arm, run under qemu-aarch64"
cargo build --release --quiet --example encode_vectors --features turbojpeg --target "$arm"
file -L "$ROOT/target/$arm/release/examples/encode_vectors" | grep -q "ARM aarch64"
decoders_under_qemu "$arm" -L /usr/aarch64-linux-gnu
# The static build firmware builders want: libjpeg-turbo compiled for musl
# by zig cc (scripts/zig-cc, README "Faster JPEG"), zig from PyPI.
musl=aarch64-unknown-linux-musl
ensure_target "$musl"
zig_venv="$ROOT/target/zig-venv"
if ! "$zig_venv/bin/python3" -m ziglang version >/dev/null 2>&1; then
  python3 -m venv "$zig_venv"
  "$zig_venv/bin/pip" install -q ziglang==0.17.1
fi
echo "# encode_vectors built with features: turbojpeg, for $musl (C by zig $("$zig_venv/bin/python3" -m ziglang version)), run under qemu-aarch64"
# (ZIG: the pinned zig, whatever zig may be on PATH.)
ZIG="$zig_venv/bin/python3 -m ziglang" CC_aarch64_unknown_linux_musl="$ROOT/scripts/zig-cc" \
  AR_aarch64_unknown_linux_musl="$ROOT/scripts/zig-ar" \
  cargo build --release --quiet --example encode_vectors --features turbojpeg --target "$musl"
file -L "$ROOT/target/$musl/release/examples/encode_vectors" | grep -q "ARM aarch64.*statically linked"
decoders_under_qemu "$musl"
