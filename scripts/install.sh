#!/usr/bin/env bash
# Installs fbvncd as a systemd service on this machine (run as root on the
# board), or into a staging tree with DESTDIR (no root needed).
#
# Usage:
#   sudo scripts/install.sh [BINARY]
#   DESTDIR=/tmp/stage scripts/install.sh [BINARY]
#
#   BINARY   the fbvncd to install; default: target/release/fbvncd (build it
#            with `cargo build --release`, or use a cross-built one from
#            scripts/build-release.sh, e.g.
#            target/dist/fbvncd-VERSION-aarch64-unknown-linux-musl).
#   DESTDIR  prefix every installed path with this directory (staging for
#            a firmware image or a test); then nothing on this machine is
#            changed or started.
#
# What goes where (every file is replaced on upgrade, but the two marked
# "kept", which are only created when absent):
#   /usr/local/bin/fbvncd                      the binary
#   /etc/systemd/system/fbvncd.service         the unit (change it with
#                                              `systemctl edit fbvncd`)
#   /etc/udev/rules.d/99-fbvncd-uinput.rules   /dev/uinput for group input
#   /etc/modules-load.d/fbvncd.conf            load uinput at boot
#   /etc/sysusers.d/fbvncd.conf                the service user fbvncd
#   /etc/default/fbvncd                        options (FBVNCD_ARGS), kept
#   /etc/fbvncd/password                       a random password, kept
#
# Without DESTDIR it also creates the user (systemd-sysusers, or useradd),
# loads uinput, reloads udev and systemd, and prints the next steps; it does
# not enable or start the service.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
dist="$here/dist"
DESTDIR=${DESTDIR:-}
bin=${1:-$here/target/release/fbvncd}

if [ $# -gt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,/^set -eu/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
  exit 0
fi
if [ ! -f "$bin" ]; then
  echo "install: no binary at $bin" >&2
  echo "  build one: cargo build --release (or scripts/build-release.sh), or name it: $0 PATH" >&2
  exit 1
fi
if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install: run as root (sudo $0), or set DESTDIR=DIR to stage the files" >&2
  exit 1
fi

# put MODE SRC DST: installs SRC as DESTDIR/DST, replacing it.
put() {
  install -D -m "$1" "$2" "$DESTDIR$3"
  echo "installed $3"
}

put 0755 "$bin" /usr/local/bin/fbvncd
put 0644 "$dist/fbvncd.service" /etc/systemd/system/fbvncd.service
put 0644 "$dist/99-fbvncd-uinput.rules" /etc/udev/rules.d/99-fbvncd-uinput.rules
put 0644 "$dist/modules-load.d/fbvncd.conf" /etc/modules-load.d/fbvncd.conf
put 0644 "$dist/sysusers.d/fbvncd.conf" /etc/sysusers.d/fbvncd.conf

if [ -e "$DESTDIR/etc/default/fbvncd" ]; then
  echo "kept      /etc/default/fbvncd (yours; the shipped one is $dist/fbvncd.default)"
else
  put 0644 "$dist/fbvncd.default" /etc/default/fbvncd
fi

new_password=""
pwfile=/etc/fbvncd/password
if [ -e "$DESTDIR$pwfile" ]; then
  echo "kept      $pwfile"
else
  install -d -m 0750 "$DESTDIR/etc/fbvncd"
  # 8 characters (all VNC authentication uses), no look-alikes.
  new_password=$(LC_ALL=C tr -dc 'abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789' </dev/urandom | head -c 8)
  (umask 077 && printf '%s\n' "$new_password" >"$DESTDIR$pwfile")
  echo "created   $pwfile (a random password)"
fi

if [ -n "$DESTDIR" ]; then
  echo
  echo "Staged into $DESTDIR. On the target, as root:"
  echo "  systemd-sysusers /etc/sysusers.d/fbvncd.conf"
  echo "  chgrp fbvncd /etc/fbvncd /etc/fbvncd/password && chmod 0640 /etc/fbvncd/password"
  echo "  systemctl enable --now fbvncd"
  exit 0
fi

# The service user, in groups video and input.
if command -v systemd-sysusers >/dev/null 2>&1; then
  systemd-sysusers /etc/sysusers.d/fbvncd.conf
elif ! id fbvncd >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir / \
    --shell "$(command -v nologin || echo /bin/false)" --groups video,input fbvncd
fi
id fbvncd
# fbvncd reads its password as user fbvncd.
chgrp fbvncd /etc/fbvncd "$pwfile"
chmod 0750 /etc/fbvncd
chmod 0640 "$pwfile"

modprobe uinput 2>/dev/null || echo "note: 'modprobe uinput' failed: is CONFIG_INPUT_UINPUT enabled in this kernel?"
if command -v udevadm >/dev/null 2>&1; then
  udevadm control --reload || true
  udevadm trigger --sysname-match=uinput --subsystem-match=misc || true
fi
if command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload || true; fi

echo
/usr/local/bin/fbvncd --version || echo "note: this binary does not run on this machine (wrong architecture?)"
echo
echo "Next steps:"
echo "  1. Check the options in /etc/default/fbvncd (framebuffer, listeners)."
if [ -n "$new_password" ]; then
  echo "  2. The VNC password is in $pwfile: $new_password"
else
  echo "  2. The VNC password is in $pwfile (kept from before)."
fi
echo "  3. systemctl enable --now fbvncd"
echo "  4. journalctl -u fbvncd -f    (shows 'listening rfb ...' lines)"
echo "  RFB is not encrypted: see the README's Security section for an SSH tunnel."
