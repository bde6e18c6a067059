#!/usr/bin/env python3
"""(Copied from the team's shared bench tools; --content photo and colour, and --copyrect added; each new line is built before the scroll, so both land together.)
Console-scroll workload: every 1/RATE s the whole 1280x720 XRGB file scrolls up 16 rows and a new
'text line' (random glyph-like blocks on black) appears at the bottom, as fbcon does.
Measures bytes received and server CPU with the given encodings (not decoded).
usage: scroll_measure.py --port P --pid PID --fb FB [--enc zrle|raw|tight|hextile] [--rate 10] [--secs 20]"""
import argparse, json, mmap, os, random, select, socket, struct, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rfb_measure import cpu_seconds, W, H, BPP

# Ink colours, as packed XRGB8888 pixels: the Linux console's 16-colour palette (fbcon's default)
# without black, the background, plus the grey of the plain text workload.
ANSI = [struct.pack("<I", c) for c in (
    0xaaaaaa, 0xaa0000, 0x00aa00, 0xaa5500, 0x0000aa, 0xaa00aa, 0x00aaaa, 0xffffff,
    0x555555, 0xff5555, 0x55ff55, 0xffff55, 0x5555ff, 0xff55ff, 0x55ffff, 0xc0c0c0)]

# Tight with quality 6, compression 6 and LastRect, as its clients ask.
ENC = {"raw": [0], "zrle": [16, 0], "tight": [7, -26, -250, -224, 0], "hextile": [5, 0]}

def photo_row(yy):
    """Row yy of the photo-like picture as (r, g, b) per pixel: smooth ramps, blue with 3 bits of noise
    (drawn from the module's random generator, so seeded runs repeat)."""
    return [((x + yy) // 5 % 256, yy * 3 // 4 % 256, (128 + x // 10 + random.getrandbits(3)) % 256)
            for x in range(W)]

def photo_line(y0, rows):
    """Rows y0.. of the photo-like picture as XRGB8888 bytes."""
    return b"".join(struct.pack("<I", r << 16 | g << 8 | b)
                    for yy in range(y0, y0 + rows) for r, g, b in photo_row(yy))

GLYPH_ON = struct.pack("<I", 0xC0C0C0); GLYPH_OFF = bytes(4)

class UpdateCounter:
    """Counts the FramebufferUpdates in the server's byte stream, for encodings whose rectangles say
    their own length (ZRLE, Raw, CopyRect, LastRect): a server that folds scrolls together sends
    fewer, bigger updates. Other encodings would need decoding: the count is then None."""
    SIZED = {16, 0, 1, -224}

    def __init__(self, encodings):
        self.buf = bytearray(); self.at = 0; self.updates = 0; self.rects = None
        self.on = set(encodings) <= self.SIZED

    def feed(self, data):
        if not self.on:
            return
        self.buf += data
        while self.step():
            pass
        del self.buf[:self.at]; self.at = 0

    def take(self, n):
        """The next n bytes, or None (nothing consumed) when they have not all come."""
        if len(self.buf) - self.at < n:
            return None
        b = bytes(self.buf[self.at:self.at + n]); self.at += n
        return b

    def step(self):
        start = self.at
        if self.rects is None:  # a server message starts
            head = self.take(4)
            if head is None:
                return False
            if head[0] != 0:
                raise ValueError(f"server message {head[0]} in a scroll bench")
            self.rects = struct.unpack(">H", head[2:])[0]; self.updates += 1
            return True
        if self.rects == 0:
            self.rects = None
            return True
        hdr = self.take(12)
        if hdr is None:
            return False
        x, y, w, h, enc = struct.unpack(">HHHHi", hdr)
        if enc == -224:
            self.rects = None
            return True
        n = {16: 4, 0: w * h * BPP, 1: 4}[enc]
        body = self.take(n)
        if body is not None and enc == 16:
            rest = struct.unpack(">I", body)[0]
            body = self.take(rest)
        if body is None:
            self.at = start
            return False
        self.rects -= 1
        return True


def text_line(content, rows):
    """A line of text cells 8 pixels wide, `rows` high, as XRGB8888 bytes: random glyph-like bits in
    grey, or (content "colour") words of 2..12 cells, each in one ink of the console's palette."""
    cells = [random.random() < 0.6 for _ in range(W // 8)]
    inks = [GLYPH_ON] * len(cells)
    if content == "colour":
        i = 0
        while i < len(cells):
            word = random.randint(2, 12)
            inks[i:i + word] = [ANSI[random.randrange(len(ANSI))]] * word
            i += word
        inks = inks[:len(cells)]
    line = bytearray()
    for y in range(rows):
        for c, ink in zip(cells, inks):
            pat = random.getrandbits(8) if c and 2 <= y < rows - 2 else 0
            for b in range(8):
                line += ink if pat >> b & 1 else GLYPH_OFF
    return bytes(line)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True); ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--fb", required=True); ap.add_argument("--enc", default="zrle", choices=ENC)
    ap.add_argument("--rate", type=float, default=10); ap.add_argument("--secs", type=float, default=20)
    ap.add_argument("--line", type=int, default=16, help="rows scrolled per step")
    ap.add_argument("--top", type=int, default=0); ap.add_argument("--bottom", type=int, default=720,
                    help="scroll only rows top..bottom (a terminal between a header and a status bar)")
    ap.add_argument("--content", default="text", choices=["text", "colour", "photo"],
                    help="new lines of glyphs (grey, or words in ANSI colours as `ls --color` and editors "
                         "draw them), or of a smooth picture with a little noise (photo-like)")
    ap.add_argument("--copyrect", action="store_true",
                    help="offer CopyRect first, as noVNC and TigerVNC do")
    a = ap.parse_args(); random.seed(2)
    fd = os.open(a.fb, os.O_RDWR); fb = mmap.mmap(fd, W * H * BPP); orig = bytes(fb[:])
    # black console with some text first
    fb[:] = bytes(W * H * BPP)
    s = socket.create_connection(("127.0.0.1", a.port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def rx(n):
        b = b""
        while len(b) < n:
            d = s.recv(n - len(b))
            if not d: raise EOFError
            b += d
        return b
    rx(12); s.sendall(b"RFB 003.008\n"); n = rx(1)[0]; t = rx(n); assert 1 in t, "start the server without auth"
    s.sendall(b"\x01"); assert struct.unpack(">I", rx(4))[0] == 0; s.sendall(b"\x01")
    rx(4); rx(16); rx(struct.unpack(">I", rx(4))[0])
    s.sendall(b"\x00\x00\x00\x00" + struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))
    e = ([1] if a.copyrect else []) + ENC[a.enc]; s.sendall(struct.pack(">BxH", 2, len(e)) + b"".join(struct.pack(">i", x) for x in e))
    s.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, W, H))
    s.setblocking(False)
    total = 0; row = W * BPP; LINE = a.line; TOP, BOT = a.top, a.bottom
    counter = UpdateCounter(e)
    def drain(until):
        nonlocal total
        while True:
            to = until - time.monotonic()
            if to <= 0: return
            r, _, _ = select.select([s], [], [], to)
            if r:
                try: d = s.recv(1 << 20)
                except BlockingIOError: continue
                if not d: raise EOFError
                total += len(d); counter.feed(d)
                # keep asking: one incremental request per burst of data is enough for a pull-based server
                s.sendall(struct.pack(">BBHHHH", 3, 1, 0, 0, W, H))
    drain(time.monotonic() + 1.0)
    total = 0; u0 = counter.updates; c0 = cpu_seconds(a.pid); t0 = time.monotonic(); nxt = t0; scrolls = 0
    while time.monotonic() - t0 < a.secs:
        nxt += 1 / a.rate
        # the new line is built first, so the scroll and the line land together, as when fbcon scrolls
        line = photo_line(scrolls * LINE, LINE) if a.content == "photo" else text_line(a.content, LINE)
        fb.move(TOP * row, (TOP + LINE) * row, (BOT - TOP - LINE) * row)   # scroll the band up
        fb[(BOT - LINE) * row:BOT * row] = line; scrolls += 1
        drain(nxt)
    dt = time.monotonic() - t0
    res = {"enc": a.enc + ("+copyrect" if a.copyrect else ""), "content": a.content, "rate": a.rate, "line": LINE, "band": [TOP, BOT], "secs": round(dt, 1), "scrolls": scrolls, "bytes": total,
           "kB_per_scroll": round(total / scrolls / 1024, 1),
           "updates": counter.updates - u0 if counter.on else None, "server_cpu_pct": round(100 * (cpu_seconds(a.pid) - c0) / dt, 2)}
    fb[:] = orig; fb.close(); os.close(fd); s.close()
    print(json.dumps(res))

if __name__ == "__main__":
    main()
