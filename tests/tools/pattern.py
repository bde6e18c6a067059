"""The test pattern of tests/common/pattern.rs, for Python tests: quadrants
red/green/blue/white, a yellow centre square, a magenta diagonal."""

import pictures


def pixel(x, y, w, h):
    cx, cy, s = w // 2, h // 2, min(w, h) // 6
    if x * h // max(w, 1) == y:
        return (255, 0, 255)
    if x + s >= cx and x < cx + s and y + s >= cy and y < cy + s:
        return (255, 255, 0)
    if y < cy:
        return (255, 0, 0) if x < cx else (0, 255, 0)
    return (0, 0, 255) if x < cx else (255, 255, 255)


def write_xrgb8888(path, w, h):
    """Writes the pattern as xrgb8888 (bytes B,G,R,X)."""
    pictures.write_xrgb8888(path, [pixel(x, y, w, h) for y in range(h) for x in range(w)])


def mismatches(image, w, h):
    """Pixels of a PIL image that differ from the pattern (list of (x, y, got, want))."""
    rgb = image.convert("RGB")
    assert rgb.size == (w, h), f"size {rgb.size} != {(w, h)}"
    bad = []
    for y in range(h):
        for x in range(w):
            got, want = rgb.getpixel((x, y)), pixel(x, y, w, h)
            if got != want:
                bad.append((x, y, got, want))
    return bad


if __name__ == "__main__":
    import sys

    # pattern.py write PATH W H: writes the pattern as xrgb8888.
    if len(sys.argv) != 5 or sys.argv[1] != "write":
        sys.exit("usage: pattern.py write PATH W H")
    write_xrgb8888(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
