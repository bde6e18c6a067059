#!/usr/bin/env bash
# JPEG compression of the photo-like picture of scroll_measure.py (1280x720)
# by jpeg-encoder (fbvncd's Tight; alone and inside Tight at quality level
# 6) and by libjpeg-turbo's tjbench (x11vnc's JPEG library), same picture,
# same run, quality 79 (Tight quality level 6 in both servers: 4:4:4 in
# both, TigerVNC's table). Installs libjpeg-turbo-progs when missing.
# FEATURES=turbojpeg: fbvncd's Tight built with libjpeg-turbo instead.
# usage: [FEATURES=turbojpeg] bench/jpeg_peer.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
command -v tjbench >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libjpeg-turbo-progs >/dev/null; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
python3 - "$HERE" "$WORK/photo.ppm" <<'PY'
import random, sys
sys.path.insert(0, sys.argv[1])
from scroll_measure import W, H, photo_row
# The rows scroll_measure.py --content photo draws (same seed, same order).
random.seed(2)
rows = (bytes(v for px in photo_row(yy) for v in px) for yy in range(H))
open(sys.argv[2], "wb").write(b"P6\n%d %d\n255\n" % (W, H) + b"".join(rows))
PY
(cd "$ROOT" && cargo build --release -q --example bench_jpeg ${FEATURES:+--features "$FEATURES"})
"$ROOT/target/release/examples/bench_jpeg" "$WORK/photo.ppm" | tee "$WORK/ours.txt"
for s in 420 444; do
  # -bgrx: the 32-bit little-endian XRGB frame x11vnc hands libjpeg-turbo.
  mps=$(tjbench "$WORK/photo.ppm" 79 -subsamp $s -bgrx -quiet -benchtime 3 -warmup 1 2>/dev/null |
    awk '$1 == "BGRX" { print $7; exit }')
  awk -v mps="$mps" -v s="${s:0:1}:${s:1:1}:${s:2:1}" \
    'BEGIN { printf "%-44s %7.2f ms %7.1f MP/s\n", "libjpeg-turbo (tjbench), " s " q79", 1280 * 720 / 1000 / mps, mps }'
done | tee "$WORK/peer.txt"
python3 - "$WORK/ours.txt" "$WORK/peer.txt" <<'PY'
import sys
ms = lambda line: float(line.split(" ms")[0].split()[-1])
ours = [l for l in open(sys.argv[1]) if " ms " in l]
peer = [l for l in open(sys.argv[2]) if " ms " in l]
print(f"jpeg-encoder / libjpeg-turbo time: 4:2:0 {ms(ours[0]) / ms(peer[0]):.2f}, 4:4:4 {ms(ours[1]) / ms(peer[1]):.2f}")
print(f"fbvncd Tight level 6 / libjpeg-turbo 4:4:4 time: {ms(ours[2]) / ms(peer[1]):.2f}")
PY
