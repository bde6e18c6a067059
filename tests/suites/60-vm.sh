# fbvncd on a real kernel: qemu (TCG) with Debian's kernel, vfb and uinput.
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
ensure_apt qemu-system-x86 linux-image-amd64 busybox-static cpio xz-utils
ensure_venv
cd "$ROOT/tests/vm"
python -m pytest -q -p no:cacheprovider -x
