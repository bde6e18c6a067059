# Formatting, lints, unit and integration tests; then the same lints and the
# unit tests with Tight's JPEG through libjpeg-turbo (--features turbojpeg,
# built from source: cmake, make, nasm).
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo test
ensure_apt cmake make nasm
cargo clippy --all-targets --features turbojpeg -- -D warnings
cargo test --features turbojpeg --lib
version=$(cargo run -q --features turbojpeg -- --version)
case "$version" in
  *"features: web,turbojpeg)") echo "ok   $version" ;;
  *) echo "FAIL --version of a turbojpeg build: $version" >&2; exit 1 ;;
esac
