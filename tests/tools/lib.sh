# Shared helpers for tests/suites/*.sh (source it). Installs what is missing.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ROOT
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# ensure_apt PKG...: installs the Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local stamp=/tmp/fbvncd-apt-updated
  if [ ! -e "$stamp" ]; then $SUDO apt-get update -q >/dev/null && touch "$stamp"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_venv: tests/.venv with the pinned packages of tests/requirements.txt.
ensure_venv() {
  local venv="$ROOT/tests/.venv"
  if [ ! -x "$venv/bin/python" ] || ! cmp -s "$ROOT/tests/requirements.txt" "$venv/.requirements"; then
    python3 -m venv "$venv" || return 1
    "$venv/bin/pip" install -q -r "$ROOT/tests/requirements.txt" || return 1
    cp "$ROOT/tests/requirements.txt" "$venv/.requirements"
  fi
  export PATH="$venv/bin:$PATH"
}

# build_fbvncd: builds the debug binary; prints its path.
build_fbvncd() {
  (cd "$ROOT" && cargo build -q --bin fbvncd) >&2 || return 1
  echo "$ROOT/target/debug/fbvncd"
}
