# shellcheck shell=bash source-path=SCRIPTDIR
# Deployment: scripts/install.sh into a staging tree, the systemd unit
# (systemd-analyze verify, security), the service user (systemd-sysusers),
# the udev rule, the shell scripts (shellcheck), and the static aarch64
# release binary under qemu-aarch64 serving a picture to clients on the host.
set -euo pipefail
source "$(dirname "$0")/../tools/lib.sh"
ensure_apt systemd udev qemu-user shellcheck binutils python3
ensure_venv

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

checks=0
ok() { checks=$((checks + 1)); echo "ok   $*"; }
fail() { echo "FAIL $*" >&2; exit 1; }

cd "$ROOT"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)

# --- shell scripts -------------------------------------------------------------
shellcheck -x scripts/build-release.sh scripts/install.sh tests/suites/70-deploy.sh
ok "shellcheck: scripts/*.sh and this suite"

# --- the aarch64 release build (first: its binary is also what gets installed) --
aarch64_bin=""
aarch64_reason=""
target=aarch64-unknown-linux-musl
set +e
scripts/build-release.sh "$target" >"$work/build.log" 2>&1
build_rc=$?
set -e
cat "$work/build.log"
if [ "$build_rc" -ne 0 ]; then
  fail "scripts/build-release.sh $target failed (exit $build_rc)"
elif grep -q "^  built  *$target " "$work/build.log"; then
  aarch64_bin="target/dist/fbvncd-$version-$target"
  ok "scripts/build-release.sh built $target"
else
  aarch64_reason=$(sed -n "s/^  not built  *$target  *//p" "$work/build.log")
  [ -n "$aarch64_reason" ] || fail "build-release.sh neither built $target nor said why"
  echo "NOTE $target cannot be built here: $aarch64_reason"
fi

# --- install.sh into a staging tree ----------------------------------------------
stage="$work/stage"
if [ -n "$aarch64_bin" ]; then bin="$aarch64_bin"; else bin=$(build_fbvncd); fi
DESTDIR="$stage" scripts/install.sh "$bin" >"$work/install.log"
cat "$work/install.log"
cmp "$bin" "$stage/usr/local/bin/fbvncd"
cmp dist/fbvncd.service "$stage/etc/systemd/system/fbvncd.service"
cmp dist/99-fbvncd-uinput.rules "$stage/etc/udev/rules.d/99-fbvncd-uinput.rules"
cmp dist/modules-load.d/fbvncd.conf "$stage/etc/modules-load.d/fbvncd.conf"
cmp dist/sysusers.d/fbvncd.conf "$stage/etc/sysusers.d/fbvncd.conf"
cmp dist/fbvncd.default "$stage/etc/default/fbvncd"
[ "$(stat -c %a "$stage/usr/local/bin/fbvncd")" = 755 ] || fail "binary mode"
[ "$(stat -c %a "$stage/etc/fbvncd/password")" = 600 ] || fail "password file mode $(stat -c %a "$stage/etc/fbvncd/password")"
grep -qxE '[a-zA-Z2-9]{8}' "$stage/etc/fbvncd/password" || fail "password file does not hold an 8-character password"
grep -q "^uinput$" "$stage/etc/modules-load.d/fbvncd.conf" || fail "modules-load.d does not load uinput"
grep -q "systemctl enable --now fbvncd" "$work/install.log" || fail "install.sh printed no next steps"
ok "install.sh: DESTDIR staging installs binary, unit, udev rule, modules-load, sysusers, defaults, password"

# An upgrade keeps the admin's options and password and replaces the rest.
echo 'FBVNCD_ARGS="--fb /dev/fb1 --password-file /etc/fbvncd/password"' >"$stage/etc/default/fbvncd"
password=$(cat "$stage/etc/fbvncd/password")
echo "# stale" >"$stage/etc/systemd/system/fbvncd.service"
DESTDIR="$stage" scripts/install.sh "$bin" >"$work/install2.log"
grep -q -- "--fb /dev/fb1" "$stage/etc/default/fbvncd" || fail "install.sh overwrote /etc/default/fbvncd"
[ "$(cat "$stage/etc/fbvncd/password")" = "$password" ] || fail "install.sh replaced the password"
cmp dist/fbvncd.service "$stage/etc/systemd/system/fbvncd.service"
grep -q "^kept *\/etc\/default\/fbvncd" "$work/install2.log" || fail "install.sh did not say it kept the defaults"
ok "install.sh again (upgrade): /etc/default/fbvncd and the password kept, unit replaced"

if scripts/install.sh "$work/no-such-binary" >/dev/null 2>&1; then fail "install.sh accepted a missing binary"; fi
ok "install.sh refuses a missing binary"

# The default options: the framebuffer and the password file install.sh made.
# shellcheck disable=SC1091
default_args=$(. dist/fbvncd.default && echo "$FBVNCD_ARGS")
[ "$default_args" = "--fb /dev/fb0 --password-file /etc/fbvncd/password" ] \
  || fail "fbvncd.default: FBVNCD_ARGS=$default_args"
ok "fbvncd.default: FBVNCD_ARGS=$default_args"
python3 tests/tools/pattern.py write "$work/fb" 64 48

# --- the systemd unit ------------------------------------------------------------
# verify needs the units the unit refers to (sysinit.target, modprobe@.service
# ...) inside --root: copy this machine's systemd units beside the staged files.
sysunits=""
for d in /usr/lib/systemd/system /lib/systemd/system; do
  if [ -e "$d/sysinit.target" ]; then sysunits=$d; break; fi
done
[ -n "$sysunits" ] || fail "no systemd units on this machine (sysinit.target)"
mkdir -p "$stage/usr/lib/systemd"
cp -a "$sysunits" "$stage/usr/lib/systemd/system"
unit=/etc/systemd/system/fbvncd.service

# verify_unit: systemd-analyze verify on the staged unit; prints its output;
# succeeds only when it exits 0 and says nothing (unknown keys and values it
# cannot parse are only warnings there, yet they mean a broken unit).
verify_unit() {
  local out rc=0
  out=$(systemd-analyze verify --root="$stage" "$unit" 2>&1) || rc=$?
  [ -z "$out" ] || echo "$out"
  [ "$rc" -eq 0 ] && [ -z "$out" ]
}
verify_unit || fail "systemd-analyze verify: the unit is not clean"
ok "systemd-analyze verify: fbvncd.service clean (with /usr/local/bin/fbvncd from the staging tree)"

# It must catch breakage, or the pass above means nothing.
cp "$stage$unit" "$work/good.service"
for broken in 's/^DevicePolicy=/DevicePolicx=/' 's/^Restart=on-failure/Restart=sometimes/' \
              's|^ExecStart=/usr/local/bin/fbvncd|ExecStart=/usr/local/bin/fbvncd-missing|' \
              's|^DeviceAllow=/dev/fb0 r|DeviceAllow=/dev/fb0 q|' 's/^Type=exec/Type=sometimes/'; do
  sed "$broken" "$work/good.service" >"$stage$unit"
  cmp -s "$work/good.service" "$stage$unit" && fail "the edit $broken changed nothing"
  if verify_unit >/dev/null; then fail "systemd-analyze verify passed a broken unit ($broken)"; fi
done
cp "$work/good.service" "$stage$unit"
ok "systemd-analyze verify rejects broken units (unknown key, bad Restart=, missing binary, bad DeviceAllow= rights, bad Type=)"

# What the unit must say (device access, user, config file, command line).
# shellcheck disable=SC2016 # the unit's $FBVNCD_ARGS, literally
for line in "User=fbvncd" "SupplementaryGroups=video input" "DevicePolicy=closed" \
            "DeviceAllow=/dev/fb0 r" "DeviceAllow=/dev/uinput rw" "NoNewPrivileges=yes" \
            "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" "Restart=on-failure" "Type=exec" \
            "EnvironmentFile=-/etc/default/fbvncd" 'ExecStart=/usr/local/bin/fbvncd $FBVNCD_ARGS'; do
  grep -qxF "$line" "$stage$unit" || fail "fbvncd.service lacks: $line"
done
if grep -qE '^PrivateDevices=(yes|true|1)' "$stage$unit"; then fail "PrivateDevices= would hide /dev/fb0"; fi
ok "fbvncd.service: user, groups, device allow-list, hardening, EnvironmentFile, ExecStart"

# systemd's own exposure score (0 = locked down, 10 = unprotected); above 3
# would mean the hardening options stopped applying.
security=$(systemd-analyze security --offline=yes --root="$stage" "$unit" 2>&1 | grep "Overall exposure level") \
  || fail "systemd-analyze security printed no exposure level"
score=$(echo "$security" | grep -oE '[0-9]+\.[0-9]+' | head -n 1)
echo "$security"
awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }' || fail "exposure $score > 3.0"
ok "systemd-analyze security: exposure $score (<= 3.0)"

# --- the service user ------------------------------------------------------------
sysroot="$work/sysusers"
mkdir -p "$sysroot/etc"
cp -a "$stage/etc/sysusers.d" "$sysroot/etc/"
systemd-sysusers --root="$sysroot"
grep -q '^fbvncd:x:[0-9]*:[0-9]*:[^:]*:/:/usr/sbin/nologin$' "$sysroot/etc/passwd" \
  || fail "systemd-sysusers made no fbvncd user: $(cat "$sysroot/etc/passwd")"
for g in video input; do
  grep -qE "^$g:x:[0-9]+:(.*,)?fbvncd(,.*)?$" "$sysroot/etc/group" || fail "fbvncd is not in group $g"
done
ok "systemd-sysusers: system user fbvncd (no login) in groups video and input"

# --- the udev rule ---------------------------------------------------------------
rule="$stage/etc/udev/rules.d/99-fbvncd-uinput.rules"
if udevadm verify --help >/dev/null 2>&1; then
  udevadm verify "$rule"
  ok "udevadm verify: 99-fbvncd-uinput.rules"
  sed 's/KERNEL==/KERNEL=/' "$rule" >"$work/bad.rules"
  if udevadm verify "$work/bad.rules" >/dev/null 2>&1; then fail "udevadm verify passed a broken rule"; fi
  ok "udevadm verify rejects a broken rule"
else
  echo "NOTE udevadm $(udevadm --version) has no 'verify' (systemd >= 254): using tests/tools/udev_rule_check.py"
  # The checker accepts every rules file this machine's udev ships ...
  python3 tests/tools/udev_rule_check.py /usr/lib/udev/rules.d/*.rules
  # ... and rejects broken variants of ours.
  for broken in 's/KERNEL==/KERNEL=/' 's/GROUP="input"/GROUP=="input"/' 's/0660/0866/' 's/GROUP=/GRUOP=/' \
                's/"uinput",/"uinput/' 's/static_node=uinput/statc_node=uinput/'; do
    sed "$broken" "$rule" >"$work/bad.rules"
    if python3 tests/tools/udev_rule_check.py "$work/bad.rules" >/dev/null; then
      fail "the udev rule check passed a broken rule ($broken)"
    fi
  done
  python3 tests/tools/udev_rule_check.py "$rule"
  ok "udev rule syntax (checker accepts Debian's rules, rejects 6 broken variants, accepts ours)"
fi
grep -v '^#' "$rule" | grep -qxF 'KERNEL=="uinput", GROUP="input", MODE="0660", OPTIONS+="static_node=uinput"' \
  || fail "the udev rule does not give /dev/uinput to group input, mode 0660, static node"
ok "udev rule: /dev/uinput group input, mode 0660, static_node"

# --- install.sh as root, on the real paths ---------------------------------------
# In a private mount namespace: a copy of /etc over /etc and an empty tmpfs on
# /usr/local, so this machine itself is not changed. There the user is really
# created, and fbvncd runs as that user with the password file install.sh made.
if [ "$(id -u)" -ne 0 ]; then
  echo "NOT RUN install.sh as root: this suite is not running as root"
elif ! unshare -m true 2>/dev/null; then
  echo "NOT RUN install.sh as root: no private mount namespace here (unshare -m failed)"
else
  cp -a /etc "$work/etc"
  mkdir -p "$work/pub"
  chmod 0711 "$work"
  chmod 0755 "$work/pub"
  cp "$work/fb" "$work/pub/fb"
  chmod 0644 "$work/pub/fb"
  runner=""
  [ -z "$aarch64_bin" ] || runner=qemu-aarch64
  cat >"$work/root-install.sh" <<'EOF'
set -euo pipefail
mount --bind "$WORK/etc" /etc
mount -t tmpfs none /usr/local
scripts/install.sh "$BIN" >"$WORK/root-install.log" 2>&1 || { cat "$WORK/root-install.log"; exit 1; }
id -nG fbvncd | tr ' ' '\n' | grep -qx video || { echo "fbvncd not in video"; exit 1; }
id -nG fbvncd | tr ' ' '\n' | grep -qx input || { echo "fbvncd not in input"; exit 1; }
[ "$(stat -c '%U:%G %a' /etc/fbvncd/password)" = "root:fbvncd 640" ] || { stat /etc/fbvncd/password; exit 1; }
grep -q "VNC password is in /etc/fbvncd/password" "$WORK/root-install.log" || { cat "$WORK/root-install.log"; exit 1; }
# fbvncd as its user, reading the installed password file.
# shellcheck disable=SC2086 # RUNNER is empty or one word
setpriv --reuid=fbvncd --regid=fbvncd --init-groups -- $RUNNER /usr/local/bin/fbvncd \
  --password-file /etc/fbvncd/password --fb "file:$WORK/pub/fb" --geometry 64x48 \
  --listen 127.0.0.1:0 --no-http --input none 2>"$WORK/user-server.log" &
pid=$!
port=""
for _ in $(seq 1200); do
  port=$(sed -n 's/^listening rfb 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$WORK/user-server.log")
  [ -z "$port" ] || break
  kill -0 "$pid" 2>/dev/null || { cat "$WORK/user-server.log"; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { cat "$WORK/user-server.log"; exit 1; }
[ "$(ps -o user= -p "$pid")" = fbvncd ] || { echo "fbvncd does not run as user fbvncd"; exit 1; }
vncdo -s "127.0.0.1::$port" --nocursor -p "$(cat /etc/fbvncd/password)" capture "$WORK/user-shot.png"
kill -TERM "$pid"
wait "$pid"
EOF
  WORK="$work" BIN="$bin" RUNNER="$runner" unshare -m bash "$work/root-install.sh" \
    || fail "install.sh as root in a private mount namespace"
  python3 - "$work/user-shot.png" <<'EOF'
import sys
sys.path.insert(0, "tests/tools")
from PIL import Image
import pattern
bad = pattern.mismatches(Image.open(sys.argv[1]), 64, 48)
if bad:
    sys.exit(f"capture: {len(bad)} pixels differ, first {bad[:5]}")
EOF
  ok "install.sh as root (private mount namespace): user fbvncd in video+input, password root:fbvncd 0640; fbvncd as user fbvncd serves with that password (vncdotool capture exact)"
fi

# --- the aarch64 binary under qemu-aarch64 ----------------------------------------
if [ -z "$aarch64_bin" ]; then
  echo "NOT RUN aarch64 under qemu-aarch64 (--version, serving a picture): $target cannot be built here: $aarch64_reason"
else
  readelf -h "$aarch64_bin" | grep -q "Machine:.*AArch64" || fail "$aarch64_bin is not an AArch64 ELF"
  if readelf -l "$aarch64_bin" | grep -q INTERP; then fail "$aarch64_bin is dynamically linked"; fi
  ok "$aarch64_bin: AArch64 ELF, static (no program interpreter)"

  got=$(qemu-aarch64 "$aarch64_bin" --version)
  want="fbvncd $version (aarch64; features: web)"
  [ "$got" = "$want" ] || fail "--version under qemu-aarch64: '$got', want '$want'"
  ok "qemu-aarch64 fbvncd --version: $got"

  # serve FORMAT: starts the aarch64 fbvncd on the pattern file; sets port.
  port=""
  serve() {
    : >"$work/server.log"
    qemu-aarch64 "$aarch64_bin" --fb "file:$work/fb" --geometry 64x48 --format "$1" --no-auth \
      --listen 127.0.0.1:0 --no-http --input none 2>"$work/server.log" &
    server_pid=$!
    port=""
    # Waits for the listening line (emulation is slow: up to 120 s), not a timing check.
    for _ in $(seq 1200); do
      port=$(sed -n 's/^listening rfb 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$work/server.log")
      [ -z "$port" ] || return 0
      kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; fail "fbvncd (aarch64) exited at start"; }
      sleep 0.1
    done
    cat "$work/server.log"
    fail "fbvncd (aarch64) printed no 'listening rfb' line"
  }
  # stop: SIGTERM; fbvncd must exit 0.
  stop() {
    local rc=0
    kill -TERM "$server_pid"
    wait "$server_pid" || rc=$?
    server_pid=""
    [ "$rc" -eq 0 ] || { cat "$work/server.log"; fail "fbvncd (aarch64) exited $rc on SIGTERM"; }
  }

  serve xrgb8888
  python3 tests/tools/rfb_raw_capture.py check 127.0.0.1 "$port" 64 48
  ok "aarch64 fbvncd under qemu: Raw capture by our RFB 3.8 client, every pixel exact"
  vncdo -s "127.0.0.1::$port" --nocursor capture "$work/shot.png"
  python3 - "$work/shot.png" <<'EOF'
import sys
sys.path.insert(0, "tests/tools")
from PIL import Image
import pattern
bad = pattern.mismatches(Image.open(sys.argv[1]), 64, 48)
if bad:
    sys.exit(f"vncdotool capture: {len(bad)} pixels differ, first {bad[:5]}")
print("vncdotool capture: all 64x48 pixels match the pattern")
EOF
  ok "aarch64 fbvncd under qemu: vncdotool capture (its default encodings), every pixel exact"
  stop
  grep -q "connected" "$work/server.log" || fail "the server log shows no connection"
  ok "aarch64 fbvncd under qemu: SIGTERM, exit 0"

  # The pixel check can fail: the same bytes served as xbgr8888 swap red and blue.
  serve xbgr8888
  if python3 tests/tools/rfb_raw_capture.py check 127.0.0.1 "$port" 64 48; then
    fail "the raw capture check passed a picture with red and blue swapped"
  fi
  stop
  ok "the raw capture check rejects a wrong picture (red/blue swapped)"
fi

echo "deploy: $checks checks passed${aarch64_reason:+; aarch64 part not run: $aarch64_reason}"
