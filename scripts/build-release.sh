#!/usr/bin/env bash
# Builds release binaries of fbvncd for every target this machine can build,
# and says for each one it cannot which and why.
#
# Usage:
#   scripts/build-release.sh [--strict] [TARGET...] [-- CARGO_ARGS...]
#
#   TARGET      default: the host, static x86_64 musl, then the Raspberry
#               Pi targets aarch64/armv7/arm (ARMv6), musl (static) and gnu.
#   --strict    exit 1 when any target could not be built, not only when
#               a build that could run failed.
#   CARGO_ARGS  passed to every `cargo build`, e.g.
#                 -- --no-default-features   (no browser client: no Node/npm needed)
#               Web assets without Node/npm: NOVNC_DIR=/path/to/novnc (a
#               directory with noVNC's core/ and vendor/, e.g. an unpacked
#               @novnc/novnc 1.7.0 package) in the environment.
#
# Binaries are copied to target/dist/fbvncd-VERSION-TARGET (with
# --no-default-features: fbvncd-VERSION-TARGET-noweb); a table of
# targets, sizes and linkage ends the output. Logs: target/dist/logs/.
#
# Per target it needs: Rust's std for it (`rustup target add`, tried here),
# and a linker: rust-lld (shipped with rustup toolchains) for the static musl
# builds, Debian's cross gcc for the gnu ones (see .cargo/config.toml).
#
# Exit status: 0 when every target was built or reported as not buildable
# here (with --strict: only when every target was built); 1 when a build
# failed; 2 on a usage error.
set -eu

cd "$(dirname "$0")/.."

strict=0
targets=()
cargo_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --strict) strict=1 ;;
    --) shift; cargo_args=("$@"); break ;;
    -h|--help) sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build-release: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done

host=$(rustc -vV | sed -n 's/^host: //p')
if [ ${#targets[@]} -eq 0 ]; then
  targets=("$host")
  for t in x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf arm-unknown-linux-musleabihf \
           aarch64-unknown-linux-gnu armv7-unknown-linux-gnueabihf arm-unknown-linux-gnueabihf; do
    [ "$t" = "$host" ] || targets+=("$t")
  done
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
sysroot=$(rustc --print sysroot)
out=target/dist
suffix=""
for a in ${cargo_args[@]+"${cargo_args[@]}"}; do
  [ "$a" != "--no-default-features" ] || suffix="-noweb"
done
mkdir -p "$out/logs"

# std_installed T: Rust's standard library for T is in the toolchain.
std_installed() {
  [ -d "$sysroot/lib/rustlib/$1/lib" ] && ls "$sysroot/lib/rustlib/$1/lib"/libstd-*.rlib >/dev/null 2>&1
}

# linker_for T: the linker .cargo/config.toml names for T (empty: the default cc).
linker_for() {
  case "$1" in
    "$host") echo "" ;;
    *-linux-musl*) echo rust-lld ;;
    aarch64-unknown-linux-gnu) echo aarch64-linux-gnu-gcc ;;
    armv7-unknown-linux-gnueabihf|arm-unknown-linux-gnueabihf) echo arm-linux-gnueabihf-gcc ;;
    *) echo "" ;;
  esac
}

# apt_for LINKER: the Debian package that brings LINKER.
apt_for() {
  case "$1" in
    aarch64-linux-gnu-gcc) echo gcc-aarch64-linux-gnu ;;
    arm-linux-gnueabihf-gcc) echo gcc-arm-linux-gnueabihf ;;
    *) echo "?" ;;
  esac
}

# have_linker L: L can be run (rust-lld lives in the toolchain, not on PATH).
have_linker() {
  case "$1" in
    "") command -v cc >/dev/null 2>&1 ;;
    rust-lld) ls "$sysroot"/lib/rustlib/*/bin/rust-lld >/dev/null 2>&1 ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

# linkage BIN: "static" or "dynamic, needs GLIBC_x.y" (readelf reads any ELF).
linkage() {
  if ! command -v readelf >/dev/null 2>&1; then echo "?"; return; fi
  if readelf -l "$1" 2>/dev/null | grep -q 'INTERP'; then
    local glibc
    glibc=$(readelf -V "$1" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -t. -k2,2n -k3,3n -u | tail -n 1)
    echo "dynamic${glibc:+, needs $glibc}"
  else
    echo "static"
  fi
}

built=()
not_here=()
failed=()
for t in "${targets[@]}"; do
  echo "=== $t"
  if ! std_installed "$t"; then
    if ! command -v rustup >/dev/null 2>&1; then
      echo "--- $t: not built: Rust's std for $t is not installed and there is no rustup to add it"
      not_here+=("$t|std for $t not installed (no rustup)")
      continue
    fi
    if ! rustup target add "$t" >"$out/logs/$t.rustup.log" 2>&1 || ! std_installed "$t"; then
      why=$(grep -m 1 -E 'error|not (found|available|installed)' "$out/logs/$t.rustup.log" || true)
      http=$(grep -o -m 1 -E 'status code: [0-9]+' "$out/logs/$t.rustup.log" || true)
      echo "--- $t: not built: rustup target add failed: std for $t not obtainable here${http:+ (download: $http)}"
      [ -z "$why" ] || echo "    rustup: $why"
      not_here+=("$t|rustup target add failed: std for $t not obtainable here${http:+ (download: $http)}")
      continue
    fi
  fi
  linker=$(linker_for "$t")
  if ! have_linker "$linker"; then
    if [ -z "$linker" ]; then
      reason="no C compiler 'cc' to link with"
    elif [ "$linker" = rust-lld ]; then
      reason="rust-lld not found in the toolchain ($sysroot)"
    else
      reason="linker $linker not found (apt-get install $(apt_for "$linker"))"
    fi
    echo "--- $t: not built: $reason"
    not_here+=("$t|$reason")
    continue
  fi
  log="$out/logs/$t.cargo.log"
  if ! cargo build --release --target "$t" ${cargo_args[@]+"${cargo_args[@]}"} >"$log" 2>&1; then
    echo "--- $t: BUILD FAILED (log: $log); last lines:"
    tail -n 15 "$log" | sed 's/^/    /'
    failed+=("$t|cargo build failed, see $log")
    continue
  fi
  bin="$out/fbvncd-$version-$t$suffix"
  cp "target/$t/release/fbvncd" "$bin"
  size=$(wc -c <"$bin")
  echo "--- $t: built $bin ($size bytes, $(linkage "$bin"))"
  built+=("$t|$size|$(linkage "$bin")|$bin")
done

echo
echo "Release builds (fbvncd $version${cargo_args[*]+, cargo ${cargo_args[*]}}):"
for row in ${built[@]+"${built[@]}"}; do
  IFS='|' read -r t size link bin <<<"$row"
  printf '  built       %-32s %9d bytes (%d KiB)  %s  %s\n' "$t" "$size" $(((size + 1023) / 1024)) "$link" "$bin"
done
for row in ${not_here[@]+"${not_here[@]}"}; do
  IFS='|' read -r t why <<<"$row"
  printf '  not built   %-32s %s\n' "$t" "$why"
done
for row in ${failed[@]+"${failed[@]}"}; do
  IFS='|' read -r t why <<<"$row"
  printf '  FAILED      %-32s %s\n' "$t" "$why"
done
echo "targets: ${#built[@]} built, ${#not_here[@]} not buildable here, ${#failed[@]} failed"

[ ${#failed[@]} -eq 0 ] || exit 1
[ "$strict" -eq 0 ] || [ ${#not_here[@]} -eq 0 ] || exit 1
exit 0
