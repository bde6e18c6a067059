"""Test pictures for the Python client tests, as lists of (r, g, b) rows
joined: one that exercises every encoder's branches, one smooth enough for
JPEG to keep close."""

import math
import random
import struct


def picture(w, h, seed):
    """Four bands, left to right: noise (full colour), a gradient, text-like
    dots in three inks on a dark ground (palettes), a two-colour checker."""
    rng = random.Random(seed)
    ink = [(255, 255, 255), (0, 255, 0), (255, 255, 0)]
    px = []
    for y in range(h):
        for x in range(w):
            band = x * 4 // w
            if band == 0:
                px.append((rng.randrange(256), rng.randrange(256), rng.randrange(256)))
            elif band == 1:
                px.append((x * 255 // w, y * 255 // h, (x + y) & 0xFF))
            elif band == 2:
                px.append(ink[rng.randrange(3)] if 3 <= y % 16 <= 12 and rng.randrange(3) == 0 else (16, 16, 32))
            else:
                px.append([(51, 102, 153), (204, 51, 0)][(x // 24 + y // 24) % 2])
    return px


def xrgb8888(px):
    return b"".join(struct.pack("BBBB", b, g, r, 0) for r, g, b in px)


def write_xrgb8888(path, px):
    with open(path, "wb") as f:
        f.write(xrgb8888(px))


def overwrite_xrgb8888(path, px):
    """Rewrites a served file in place: fbvncd maps it, so it must never be
    cut shorter, not even for a moment (as "wb" would)."""
    with open(path, "r+b") as f:
        f.write(xrgb8888(px))


def smooth(w, h):
    """Slow waves in red and green, a ramp in blue: JPEG keeps it within a
    few levels at high quality."""
    return [(int(127 + 120 * math.sin(x / 23)), int(127 + 120 * math.cos(y / 17)), (x + y) * 255 // (w + h))
            for y in range(h) for x in range(w)]
