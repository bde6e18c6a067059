"""A minimal RFB 3.8 client for tests: no authentication, Raw encoding only.

    python3 rfb_raw_capture.py check HOST PORT W H

connects, asks for 32 bpp little-endian true colour (red shift 16, green 8,
blue 0) and Raw only, requests one full (non-incremental) update and checks
every pixel against the test pattern of pattern.py. Prints one line and exits
0 when all pixels match, 1 otherwise.
"""

import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pattern  # noqa: E402


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError(f"server closed the connection ({len(buf)} of {n} bytes read)")
        buf += chunk
    return bytes(buf)


def capture(host, port, timeout=120.0):
    """Returns (width, height, name, pixels) with pixels[y][x] = (r, g, b)."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        version = recv_exact(sock, 12)
        if not version.startswith(b"RFB 003."):
            raise ValueError(f"not an RFB server: {version!r}")
        sock.sendall(b"RFB 003.008\n")
        (count,) = struct.unpack("B", recv_exact(sock, 1))
        if count == 0:
            (n,) = struct.unpack(">I", recv_exact(sock, 4))
            raise ValueError(f"server refused: {recv_exact(sock, n).decode(errors='replace')}")
        types = recv_exact(sock, count)
        if 1 not in types:
            raise ValueError(f"security type None not offered (offered {list(types)})")
        sock.sendall(b"\x01")
        (result,) = struct.unpack(">I", recv_exact(sock, 4))
        if result != 0:
            raise ValueError(f"SecurityResult {result}")
        sock.sendall(b"\x01")  # ClientInit: shared
        w, h = struct.unpack(">HH", recv_exact(sock, 4))
        recv_exact(sock, 16)  # the server's pixel format
        (name_len,) = struct.unpack(">I", recv_exact(sock, 4))
        name = recv_exact(sock, name_len).decode(errors="replace")
        # SetPixelFormat: 32 bpp, depth 24, little-endian, true colour, 255 max, shifts 16/8/0.
        sock.sendall(struct.pack(">B3xBBBBHHHBBB3x", 0, 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))
        # SetEncodings: Raw only.
        sock.sendall(struct.pack(">BxHi", 2, 1, 0))
        # FramebufferUpdateRequest: non-incremental, the whole screen.
        sock.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, w, h))
        pixels = [[None] * w for _ in range(h)]
        missing = w * h
        while missing > 0:
            (msg,) = struct.unpack("B", recv_exact(sock, 1))
            if msg == 2:  # Bell
                continue
            if msg == 3:  # ServerCutText
                recv_exact(sock, 3)
                (n,) = struct.unpack(">I", recv_exact(sock, 4))
                recv_exact(sock, n)
                continue
            if msg == 1:  # SetColourMapEntries: not expected with true colour
                raise ValueError("SetColourMapEntries with a true-colour format")
            if msg != 0:
                raise ValueError(f"unexpected server message {msg}")
            recv_exact(sock, 1)
            (nrects,) = struct.unpack(">H", recv_exact(sock, 2))
            for _ in range(nrects):
                x, y, rw, rh, enc = struct.unpack(">HHHHi", recv_exact(sock, 12))
                if enc != 0:
                    raise ValueError(f"encoding {enc} sent, but only Raw (0) was allowed")
                data = recv_exact(sock, rw * rh * 4)
                for j in range(rh):
                    for i in range(rw):
                        b, g, r, _ = data[(j * rw + i) * 4:(j * rw + i) * 4 + 4]
                        if pixels[y + j][x + i] is None:
                            missing -= 1
                        pixels[y + j][x + i] = (r, g, b)
            if missing > 0:
                sock.sendall(struct.pack(">BBHHHH", 3, 1, 0, 0, w, h))
        return w, h, name, pixels
    finally:
        sock.close()


def main():
    if len(sys.argv) != 6 or sys.argv[1] != "check":
        sys.exit("usage: rfb_raw_capture.py check HOST PORT W H")
    host, port, want_w, want_h = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    w, h, name, pixels = capture(host, port)
    if (w, h) != (want_w, want_h):
        print(f"raw capture: size {w}x{h}, want {want_w}x{want_h}")
        sys.exit(1)
    bad = [(x, y, pixels[y][x], pattern.pixel(x, y, w, h))
           for y in range(h) for x in range(w) if pixels[y][x] != pattern.pixel(x, y, w, h)]
    if bad:
        print(f"raw capture: {len(bad)} of {w * h} pixels differ, first: {bad[:5]}")
        sys.exit(1)
    print(f"raw capture: all {w}x{h} pixels match the pattern (desktop name {name!r})")


if __name__ == "__main__":
    main()
