#!/usr/bin/env python3
"""Typing at a console: a key sent (KeyEvent 'a', down and up), then an
8x16 glyph whose ink is rows 5..12 (as most
lowercase letters') written into the mmapped XRGB8888 file every 1/RATE s,
each one cell right of the one before along a text row, as characters typed
at a shell appear (along one line, left to right). Latency: the write to
the first FramebufferUpdate (Raw, so its rectangles are known) that covers
the glyph's ink. Prints one JSON line: p50, p90 and worst latency (keys
never seen are counted apart), and the server's CPU.

usage: typing_measure.py --port P --pid PID --fb FB [--rate 5] [--keys 60] [--no-key]"""
import argparse, json, mmap, os, random, socket, statistics, struct, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rfb_measure import W, H, BPP, cpu_seconds  # noqa: E402

INK = b"\xc0\xc0\xc0\x00"
ROW = 20  # the text row typed on


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")

    def rx(n):
        b = f.read(n)
        if len(b) != n:
            raise EOFError
        return b
    rx(12); s.sendall(b"RFB 003.008\n"); n = rx(1)[0]; assert 1 in rx(n), "start the server without auth"
    s.sendall(b"\x01"); assert struct.unpack(">I", rx(4))[0] == 0; s.sendall(b"\x01")
    rx(20); rx(struct.unpack(">I", rx(4))[0])
    s.sendall(b"\x00\x00\x00\x00" + struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))
    s.sendall(struct.pack(">BxHi", 2, 1, 0))  # Raw only
    s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, W, H))
    return s, rx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True); ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--fb", required=True); ap.add_argument("--rate", type=float, default=5)
    ap.add_argument("--keys", type=int, default=60)
    ap.add_argument("--no-key", action="store_true", help="send no KeyEvent: typed at the board itself")
    a = ap.parse_args(); random.seed(1)
    fd = os.open(a.fb, os.O_RDWR); fb = mmap.mmap(fd, W * H * BPP); orig = bytes(fb[:])
    fb[:] = bytes(W * H * BPP)
    s, rx = connect(a.port)
    updates, lock = [], threading.Lock()

    def reader():
        try:
            while True:
                kind = rx(1)[0]
                if kind == 2:  # Bell
                    continue
                if kind == 3:  # ServerCutText
                    rx(3); rx(struct.unpack(">I", rx(4))[0]); continue
                if kind != 0:
                    raise EOFError(f"message type {kind}: not expected with a true-colour format")
                rx(1); rects = []
                for _ in range(struct.unpack(">H", rx(2))[0]):
                    x, y, w, h, enc = struct.unpack(">HHHHi", rx(12))
                    rx(w * h * BPP); rects.append((x, y, w, h))
                with lock:
                    updates.append((time.monotonic(), rects))
                s.sendall(struct.pack(">BBHHHH", 3, 1, 0, 0, W, H))
        except (EOFError, OSError):
            pass
    threading.Thread(target=reader, daemon=True).start()
    time.sleep(1.5)
    row, writes = W * BPP, []
    c0 = cpu_seconds(a.pid); t0 = time.monotonic()
    for i in range(a.keys):
        due = time.monotonic() + 1 / a.rate
        x, top = (i % (W // 8)) * 8, ROW * 16
        # The key, as a viewer sends it; its echo (the glyph) is drawn at once.
        # (--no-key: typed at the board itself, the viewer only watching.)
        if not a.no_key:
            s.sendall(struct.pack(">BBxxI", 4, 1, 0x61) + struct.pack(">BBxxI", 4, 0, 0x61))
        for gy in range(5, 13):
            bits = random.getrandbits(8) | 1
            at = (top + gy) * row + x * BPP
            fb[at:at + 8 * BPP] = b"".join(INK if bits >> b & 1 else bytes(BPP) for b in range(8))
        writes.append((time.monotonic(), x, top + 5))
        time.sleep(max(0.0, due - time.monotonic()))
    time.sleep(0.5)
    cpu = 100 * (cpu_seconds(a.pid) - c0) / (time.monotonic() - t0)
    fb[:] = orig
    lat = []
    with lock:
        for (t, x, y) in writes:
            seen = [u for (u, rects) in updates
                    if u >= t and any(rx_ <= x < rx_ + w and ry <= y < ry + h for (rx_, ry, w, h) in rects)]
            if seen:
                lat.append(1000 * (min(seen) - t))
    if not lat:
        sys.exit("no typed glyph reached the client")
    lat.sort()
    print(json.dumps({"workload": "typing", "key": not a.no_key, "rate": a.rate, "keys": a.keys, "unseen": a.keys - len(lat),
                      "lat_ms_p50": round(statistics.median(lat), 1), "lat_ms_p90": round(lat[int(0.9 * len(lat))], 1),
                      "lat_ms_max": round(lat[-1], 1), "server_cpu_pct": round(cpu, 2)}), flush=True)


if __name__ == "__main__":
    main()
