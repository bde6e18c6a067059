# The native viewers users run, each decoding fbvncd's encodings with its own
# code: libvncclient (Remmina, Guacamole), gtk-vnc (gvnccapture), TightVNC's
# RFB 3.3 client (vncsnapshot) and TigerVNC's viewer in Xvfb, typed into with
# xdotool (Debian packages).
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
ensure_apt gcc libc6-dev libvncserver-dev gvncviewer vncsnapshot tigervnc-viewer tigervnc-tools xvfb x11-utils xdotool
ensure_venv
FBVNCD_BIN=$(build_fbvncd)
export FBVNCD_BIN
mkdir -p "$ROOT/target/test-tools"
FBVNCD_LVC_GRAB="$ROOT/target/test-tools/lvc_grab"
cc -O1 -Wall -Wextra -Werror -o "$FBVNCD_LVC_GRAB" "$ROOT/tests/clients/lvc_grab.c" -lvncclient
export FBVNCD_LVC_GRAB
cd "$ROOT/tests/clients"
python -m pytest -q -p no:cacheprovider
