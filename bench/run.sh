#!/usr/bin/env bash
# fbvncd against x11vnc on the same 1280x720 file, one run, same client:
# change-to-client latency and CPU at 2/10/30 changes per second (64x64
# squares, ZRLE), latency of characters typed at a console (5 a second: a
# key sent, then its glyph drawn; both servers write keys to a file; and
# again with no key, as typed at the board itself, the row typing@board),
# then bytes and CPU for a scrolling console (grey text, and
# words in the console's 16 colours) and a scrolling photo-like picture with
# ZRLE, Tight and Hextile at 2, 10 and 30 scrolls/s, and the console (the
# coloured one and the photo with Tight) again with the client offering
# CopyRect first (as noVNC and TigerVNC do).
# Prints JSON lines, then a table of fbvncd/x11vnc ratios.
# The squares (latency and CPU, the core aim) and the typing run in ROUNDS
# rounds (default 3), the servers taking turns; the scroll rows in SCROLL_ROUNDS (default 1),
# the servers taking turns at each row; ratios use the median of the rounds.
# FEATURES=turbojpeg builds fbvncd with libjpeg-turbo for Tight's JPEG;
# MATCH=REGEX keeps the scroll rows whose content:enc:rate:copyrect matches
# (MATCH=photo:tight: the photo with Tight, with and without CopyRect).
# usage: [ROUNDS=N] [SCROLL_ROUNDS=N] [ONLY=squares|scroll (squares: and typing)] [FEATURES=..] [MATCH=..]
#        bench/run.sh [seconds per phase, default 10]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
SECS=${1:-10}
ROUNDS=${ROUNDS:-3}
SCROLL_ROUNDS=${SCROLL_ROUNDS:-1}
ONLY=${ONLY:-}
command -v x11vnc >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq x11vnc >/dev/null; }
MATCH=${MATCH:-}
(cd "$ROOT" && cargo build --release -q --bin fbvncd ${FEATURES:+--features "$FEATURES"})
WORK=$(mktemp -d)
trap 'kill $FB_PID $X_PID 2>/dev/null; rm -rf "$WORK"' EXIT
python3 "$HERE/mkfb.py" "$WORK/fb" >/dev/null
"$ROOT/target/release/fbvncd" --fb "file:$WORK/fb" --geometry 1280x720 --format xrgb8888 \
  --no-auth --no-http --listen 127.0.0.1:5931 --input "trace:$WORK/input.fbvncd" 2>"$WORK/fbvncd.log" &
FB_PID=$!
INPUTLOG=$WORK/input.log "$HERE/run_x11vnc.sh" "$WORK/fb" 5932 -q >"$WORK/x11vnc.log" 2>&1 &
X_PID=$!
sleep 3
OUT=$WORK/results.jsonl
SERVERS="fbvncd:5931:$FB_PID x11vnc:5932:$X_PID"
for round in $(seq "$ROUNDS"); do
  [ "$ONLY" = scroll ] && break
  for server in $SERVERS; do
    IFS=: read -r name port pid <<<"$server"
    python3 "$HERE/rfb_measure.py" --port "$port" --pid "$pid" --fb "$WORK/fb" --enc zrle \
      --rates 2,10,30 --secs "$SECS" --idle-secs 2 |
      sed "s/^{/{\"server\": \"$name\", \"workload\": \"squares\", \"round\": $round, /" | tee -a "$OUT"
  done
done
for round in $(seq "$ROUNDS"); do
  [ "$ONLY" = scroll ] && break
  for server in $SERVERS; do
    IFS=: read -r name port pid <<<"$server"
    for how in "" --no-key; do
      python3 "$HERE/typing_measure.py" --port "$port" --pid "$pid" --fb "$WORK/fb" $how |
        sed "s/^{/{\"server\": \"$name\", \"round\": $round, /" | tee -a "$OUT"
    done
  done
done
# Scroll rows: the servers take turns row by row (a change in the machine's
# load meets both), SCROLL_ROUNDS times (medians).
JOBS=""
for content in text colour photo; do
  for enc in zrle tight hextile; do
    for rate in 2 10 30; do JOBS="$JOBS $content:$enc:$rate:"; done
  done
done
for job in text:zrle text:tight text:hextile colour:tight photo:tight; do
  for rate in 2 10 30; do JOBS="$JOBS $job:$rate:--copyrect"; done
done
for round in $(seq "$SCROLL_ROUNDS"); do
  [ "$ONLY" = squares ] && break
  for job in $JOBS; do
    [ -n "$MATCH" ] && ! grep -qE "$MATCH" <<<"$job" && continue
    IFS=: read -r content enc rate copyrect <<<"$job"
    for server in $SERVERS; do
      IFS=: read -r name port pid <<<"$server"
      # shellcheck disable=SC2086 # copyrect: the flag or nothing
      python3 "$HERE/scroll_measure.py" --port "$port" --pid "$pid" --fb "$WORK/fb" --enc "$enc" \
        --rate "$rate" --secs "$SECS" --content "$content" $copyrect |
        sed "s/^{/{\"server\": \"$name\", \"round\": $round, /" | tee -a "$OUT"
    done
  done
done
python3 "$HERE/ratios.py" "$OUT"
for server in fbvncd:$FB_PID x11vnc:$X_PID; do
  IFS=: read -r name pid <<<"$server"
  echo "$name memory: $(grep -E 'VmRSS|VmHWM' /proc/"$pid"/status | tr -s ' \t\n' ' ')"
done
