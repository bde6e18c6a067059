#!/usr/bin/env bash
# Builds the test VM's pieces into target/vm: a static fbvncd, the fbtool
# helper, and an initramfs with busybox, the kernel modules and both tools.
# Prints the path of the kernel and of the initramfs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/target/vm
mkdir -p "$OUT"
KV=$(ls /lib/modules | sort -V | tail -n 1)
KERNEL=/boot/vmlinuz-$KV
[ -r "$KERNEL" ] || { echo "no kernel $KERNEL (apt-get install linux-image-amd64)" >&2; exit 1; }
# A static binary: the guest has none of the host's shared libraries.
(cd "$ROOT" && RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build -q --bin fbvncd --target x86_64-unknown-linux-gnu --target-dir "$OUT/cargo") >&2
gcc -static -O2 -Wall -o "$OUT/fbtool" "$ROOT/tests/vm/fbtool.c"
RD=$OUT/root
rm -rf "$RD"
mkdir -p "$RD"/{bin,lib/modules,proc,sys,dev,tmp}
cp /bin/busybox "$RD/bin/busybox"
cp "$OUT/cargo/x86_64-unknown-linux-gnu/debug/fbvncd" "$OUT/fbtool" "$RD/bin/"
# virtio-rng feeds the guest's entropy pool: without it getrandom() can
# block for minutes under TCG.
: > "$RD/lib/modules/load"
for m in vfb uinput evdev e1000 virtio_pci virtio_rng; do
  for ko in $(modprobe --show-depends -S "$KV" "$m" | awk '$1 == "insmod" {print $2}'); do
    name=$(basename "$ko"); name=${name%.xz}; name=${name%.zst}
    grep -qx "$name" "$RD/lib/modules/load" && continue
    case "$ko" in
      *.ko) cp "$ko" "$RD/lib/modules/$name" ;;
      *.ko.xz) xz -dc "$ko" > "$RD/lib/modules/$name" ;;
      *.ko.zst) zstd -qdc "$ko" > "$RD/lib/modules/$name" ;;
    esac
    echo "$name" >> "$RD/lib/modules/load"
  done
done
install -m 755 "$ROOT/tests/vm/init" "$RD/init"
(cd "$RD" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initramfs.gz"
echo "$KERNEL $OUT/initramfs.gz"
