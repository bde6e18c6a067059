"""fbvncd with the native viewers its users run, each decoding what fbvncd
sends with its own code (nobody here wrote it): libvncclient (Remmina,
Guacamole), gtk-vnc (virt-viewer, Vinagre, GNOME Connections), the TightVNC
client in vncsnapshot (RFB 3.3 only) and TigerVNC's viewer, in Xvfb. The
server offers one encoding at a time; the picture each client shows is
compared pixel by pixel with the file served."""

import contextlib
import itertools
import os
import re
import select
import struct
import subprocess
import threading
import time

import pytest
from PIL import Image

from pictures import overwrite_xrgb8888, picture, smooth, write_xrgb8888, xrgb8888

# Neither a multiple of Hextile's 16 nor of ZRLE's 64.
W, H = 333, 217
LVC_GRAB = os.environ.get("FBVNCD_LVC_GRAB", "lvc_grab")


def serve(fbvncd, tmp_path, px, encodings, *, input_to="none", auth=("--no-auth",)):
    fb = tmp_path / "fb"
    write_xrgb8888(fb, px)
    return fbvncd("--fb", f"file:{fb}", "--geometry", f"{W}x{H}", *auth, "--input", input_to,
                  "--encodings", encodings)


def differences(got, want, tolerance, bits=(8, 8, 8)):
    """(x, y, got, want) where a channel differs by more than `tolerance`
    in its top `bits` (what a client with fewer bits a channel gets)."""
    assert len(got) == len(want), (len(got), len(want))
    return [(i % W, i // W, g, w) for i, (g, w) in enumerate(zip(got, want))
            if max(abs((a >> (8 - n)) - (b >> (8 - n))) for a, b, n in zip(g, w, bits)) > tolerance]


def pixels(image):
    rgb = image.convert("RGB")
    assert rgb.size == (W, H)
    data = rgb.tobytes()
    return [tuple(data[i:i + 3]) for i in range(0, len(data), 3)]


def chose(server, name):
    return any(line.endswith(f": pixels as {name}") for line in server.lines)


def display_number(port):
    """The `host:N` display whose port (5900 + N) is `port`: the only way
    gvnccapture takes a port."""
    assert port >= 5900, port
    return f"127.0.0.1:{port - 5900}"


# --- libvncclient ---------------------------------------------------------

@pytest.mark.parametrize("encoding,bpp", [
    ("raw", 32), ("hextile", 32), ("zrle", 32), ("tight", 32),
    ("raw", 16), ("hextile", 16), ("zrle", 16), ("tight", 16),
])
def test_libvncclient_decodes_exactly(fbvncd, tmp_path, encoding, bpp):
    px = picture(W, H, seed=bpp)
    server = serve(fbvncd, tmp_path, px, encoding)
    shot = tmp_path / "shot.ppm"
    r = subprocess.run([LVC_GRAB, str(server.port), encoding, str(bpp), str(shot)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    # 16 bits: libvncclient's 5 bits a channel, red at bit 0.
    bits = (8, 8, 8) if bpp == 32 else (5, 5, 5)
    assert differences(pixels(Image.open(shot)), px, 0, bits)[:5] == []
    assert chose(server, encoding), server.lines


def test_libvncclient_shows_tight_jpeg_close(fbvncd, tmp_path):
    px = smooth(W, H)
    server = serve(fbvncd, tmp_path, px, "tight")
    shot = tmp_path / "shot.ppm"
    r = subprocess.run([LVC_GRAB, str(server.port), "tight", "32", str(shot), "8"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    got = pixels(Image.open(shot))
    assert differences(got, px, 12)[:5] == []
    # Lossy: it did come as JPEG.
    assert differences(got, px, 0), "pixel-exact: no JPEG used"


def test_libvncclient_jpeg_beside_a_big_change_turns_exact(fbvncd, tmp_path):
    """A photo-like picture whose top three quarters change all the time
    (a video, bigger than what fbvncd sends as one update in one piece):
    the still bottom quarter, first sent as JPEG, turns exact in
    libvncclient's picture (Remmina's, Guacamole's)."""
    w, h, band = 1024, 512, 384
    px = smooth(w, h)
    fb = tmp_path / "fb"
    write_xrgb8888(fb, px)
    server = fbvncd("--fb", f"file:{fb}", "--geometry", f"{w}x{h}", "--no-auth", "--input", "none",
                    "--encodings", "tight")
    # Eight frames: a window sliding down a taller picture, 8 rows a frame.
    reel = xrgb8888(smooth(w, band + 64))
    frames = [reel[k * 8 * w * 4:(k * 8 + band) * w * 4] for k in range(8)]
    stop = threading.Event()

    def play():
        with open(fb, "r+b", buffering=0) as f:
            for n in itertools.count():
                if stop.is_set():
                    return
                f.seek(0)
                f.write(frames[n % len(frames)])
                time.sleep(0.005)

    player = threading.Thread(target=play)
    player.start()
    try:
        shot = tmp_path / "shot.ppm"
        r = subprocess.run([LVC_GRAB, str(server.port), "tight", "32", str(shot), "8", "5"],
                           capture_output=True, text=True, timeout=60)
    finally:
        stop.set()
        player.join()
    assert r.returncode == 0, r.stderr[-2000:]
    rgb = Image.open(shot).convert("RGB")
    assert rgb.size == (w, h)
    data = rgb.crop((0, band, w, h)).tobytes()
    still = [tuple(data[i:i + 3]) for i in range(0, len(data), 3)]
    assert still == px[band * w:], "the still part is not exact"
    stats = wait_for_line(server, " sent ")
    assert re.search(r", \d+ exact refresh(es)? of JPEG$", stats), stats


# --- gtk-vnc --------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["raw", "hextile", "zrle"])
def test_gtk_vnc_decodes_exactly(fbvncd, tmp_path, encoding):
    px = picture(W, H, seed=3)
    server = serve(fbvncd, tmp_path, px, encoding)
    shot = tmp_path / "shot.png"
    r = subprocess.run(["gvnccapture", display_number(server.port), str(shot)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, (r.stdout + r.stderr)[-2000:]
    assert differences(pixels(Image.open(shot)), px, 0)[:5] == []
    assert chose(server, encoding), server.lines


# --- vncsnapshot: TightVNC 1.2.8's decoders, RFB 3.3 ------------------------

@pytest.mark.parametrize("encoding", ["raw", "hextile", "tight"])
def test_rfb_3_3_client_decodes(fbvncd, tmp_path, encoding):
    px = picture(W, H, seed=4)
    server = serve(fbvncd, tmp_path, px, encoding)
    shot = tmp_path / "shot.jpg"
    r = subprocess.run(["vncsnapshot", "-quiet", "-nojpeg", "-encodings", encoding, "-quality", "100",
                        f"127.0.0.1::{server.port}", str(shot)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, (r.stdout + r.stderr)[-2000:]
    # vncsnapshot writes only JPEG files: at quality 100 within a level or two.
    assert differences(pixels(Image.open(shot)), px, 4)[:5] == []
    assert chose(server, encoding), server.lines
    assert any("connected (RFB 3.3" in line for line in server.lines), server.lines


# --- TigerVNC's viewer, in Xvfb -------------------------------------------

class Xvfb:
    """A virtual X screen whose framebuffer Xvfb keeps in an XWD file."""

    def __init__(self, fbdir):
        self.fbdir = fbdir
        r, w = os.pipe()
        # Xvfb picks a free display and writes its number to `w`.
        with open(fbdir / "log", "ab") as log:
            self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "800x600x24",
                                          "-fbdir", str(fbdir), "-nolisten", "tcp"],
                                         pass_fds=(w,), stderr=log)
        os.close(w)
        # The number, then a newline, once it accepts clients; the pipe must
        # stay open until both are in (a failed write ends Xvfb). EOF: it
        # exited.
        said = b""
        deadline = time.time() + 20
        while not said.endswith(b"\n") and time.time() < deadline:
            ready, _, _ = select.select([r], [], [], max(0, deadline - time.time()))
            chunk = os.read(r, 64) if ready else b""
            if not chunk:
                break
            said += chunk
        os.close(r)
        assert said.strip().isdigit(), (said, (fbdir / "log").read_text())
        self.display = ":" + said.strip().decode()
        self.env = dict(os.environ, DISPLAY=self.display)

    def window_origin(self, title_end):
        """Where the window whose title ends with `title_end` shows its
        inside (TigerVNC's is "DESKTOP - TigerVNC"; its dialogs differ)."""
        tree = subprocess.run(["xwininfo", "-root", "-tree"], env=self.env,
                              capture_output=True, text=True, timeout=10).stdout
        for line in tree.splitlines():
            if f'{title_end}": (' in line:
                m = re.search(r"\d+x\d+[+-]-?\d+[+-]-?\d+\s+\+(-?\d+)\+(-?\d+)", line)
                if m:
                    return int(m.group(1)), int(m.group(2))
        return None

    def region(self, x0, y0):
        """The W x H pixels at (`x0`, `y0`) of the screen, as (r, g, b); None
        when they do not all lie on it."""
        data = (self.fbdir / "Xvfb_screen0").read_bytes()
        fields = struct.unpack(">25I", data[:100])
        header, byte_order, bits, line = fields[0], fields[7], fields[11], fields[12]
        assert (bits, byte_order) == (32, 0), "Xvfb keeps 32-bit little-endian pixels at depth 24"
        assert fields[14:17] == (0xFF0000, 0xFF00, 0xFF), "red, green, blue masks"
        if x0 < 0 or y0 < 0 or x0 + W > fields[4] or y0 + H > fields[5]:
            return None
        start = header + fields[19] * 12  # after the header and the colour map
        out = []
        for y in range(y0, y0 + H):
            row = data[start + y * line + x0 * 4:start + y * line + (x0 + W) * 4]
            out.extend((row[i + 2], row[i + 1], row[i]) for i in range(0, len(row), 4))
        return out

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def xvfb(tmp_path):
    fbdir = tmp_path / "xvfb"
    fbdir.mkdir()
    x = Xvfb(fbdir)
    yield x
    x.stop()


@contextlib.contextmanager
def tigervnc(xvfb, port, *options, security=("-SecurityTypes", "None")):
    """TigerVNC's viewer on the Xvfb screen while the block runs; its
    messages go to a file beside Xvfb's (`viewer.log`)."""
    with open(xvfb.fbdir / "viewer.log", "ab") as log:
        viewer = subprocess.Popen(["xtigervncviewer", *security, "-geometry", f"{W}x{H}+0+0",
                                   *options, f"127.0.0.1::{port}"],
                                  env=xvfb.env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        yield viewer
    finally:
        viewer.terminate()
        viewer.wait(timeout=10)


def wait_for_picture(xvfb, viewer, want, tolerance, bits=(8, 8, 8), secs=30):
    """Waits until TigerVNC's window shows `want`; fails with the first
    differences when it does not within `secs`."""
    deadline = time.time() + secs
    bad = ["no window"]
    while time.time() < deadline:
        assert viewer.poll() is None, ((xvfb.fbdir / "viewer.log").read_text()[-2000:],
                                       (xvfb.fbdir / "log").read_text())
        origin = xvfb.window_origin(" - TigerVNC")
        shown = origin and xvfb.region(*origin)
        if shown:
            bad = differences(shown, want, tolerance, bits)
            if not bad:
                return
        time.sleep(0.2)
    pytest.fail(f"TigerVNC's window differs: {len(bad)} pixels, first {bad[:5]}")


LOSSLESS = ["-AutoSelect=0", "-FullColor", "-NoJPEG"]


@pytest.mark.parametrize("encoding", ["zrle", "tight", "hextile"])
def test_tigervnc_shows_exactly(fbvncd, tmp_path, xvfb, encoding):
    px = picture(W, H, seed=6)
    server = serve(fbvncd, tmp_path, px, encoding)
    with tigervnc(xvfb, server.port, *LOSSLESS, "-PreferredEncoding", encoding) as viewer:
        wait_for_picture(xvfb, viewer, px, 0)
    assert chose(server, encoding), server.lines


def test_tigervnc_follows_a_scroll_and_a_change(fbvncd, tmp_path, xvfb):
    """With CopyRect, as TigerVNC asks by default: the picture scrolls up 16
    lines with new lines at the bottom (as a console does), then a patch
    changes; the window follows both exactly."""
    px = picture(W, H, seed=8)
    server = serve(fbvncd, tmp_path, px, "copyrect,tight")
    with tigervnc(xvfb, server.port, *LOSSLESS, "-PreferredEncoding", "tight") as viewer:
        wait_for_picture(xvfb, viewer, px, 0)
        fresh = picture(W, H, seed=9)
        px = px[16 * W:] + fresh[:16 * W]
        overwrite_xrgb8888(tmp_path / "fb", px)
        wait_for_picture(xvfb, viewer, px, 0)
        px = [(255, 0, 128) if 40 <= i % W < 90 and 30 <= i // W < 70 else p for i, p in enumerate(px)]
        overwrite_xrgb8888(tmp_path / "fb", px)
        wait_for_picture(xvfb, viewer, px, 0)
    # The scroll went as a move (one, or two if a poll caught the file half
    # rewritten): the server's line when the client leaves.
    stats = wait_for_line(server, " sent ")
    assert re.search(r"; \d+ rectangles? in tight .*, [12] copyrect moves?$", stats), stats


def wait_for_line(server, part, secs=10):
    deadline = time.time() + secs
    while time.time() < deadline:
        found = [line for line in server.lines if part in line]
        if found:
            return found[0]
        time.sleep(0.05)
    pytest.fail(f"no log line with {part!r}: {server.lines[-10:]}")


def test_tigervnc_as_it_comes(fbvncd, tmp_path, xvfb):
    """TigerVNC's own settings (automatic encoding choice, JPEG allowed) on
    a photo-like picture: close to the file."""
    px = smooth(W, H)
    server = serve(fbvncd, tmp_path, px, "copyrect,tight,zrle,hextile")
    with tigervnc(xvfb, server.port) as viewer:
        wait_for_picture(xvfb, viewer, px, 12)
    # TigerVNC asks for Tight first.
    assert chose(server, "tight"), server.lines


def test_tigervnc_jpeg_turns_exact_once_still(fbvncd, tmp_path, xvfb):
    """Tight JPEG at TigerVNC's quality level 2 on a photo-like picture:
    once the picture has stayed still, the server sends it again without
    loss and the window becomes exact (JPEG at that level never is), as
    TigerVNC's own servers do."""
    px = smooth(W, H)
    server = serve(fbvncd, tmp_path, px, "tight")
    with tigervnc(xvfb, server.port, "-AutoSelect=0", "-FullColor", "-QualityLevel=2",
                  "-PreferredEncoding", "tight") as viewer:
        wait_for_picture(xvfb, viewer, px, 0)
    stats = wait_for_line(server, " sent ")
    assert re.search(r", \d+ exact refresh(es)? of JPEG$", stats), stats


@pytest.mark.parametrize("encoding", ["zrle", "tight", "hextile"])
@pytest.mark.parametrize("level,bits", [(2, (3, 3, 2)), (1, (2, 2, 2))])
def test_tigervnc_low_colour(fbvncd, tmp_path, xvfb, encoding, level, bits):
    """TigerVNC's low-colour modes (for a slow link): 8-bit pixels, 256 or
    64 colours; each channel's top bits exact."""
    px = picture(W, H, seed=10)
    server = serve(fbvncd, tmp_path, px, encoding)
    with tigervnc(xvfb, server.port, "-AutoSelect=0", "-FullColor=0", f"-LowColorLevel={level}",
                  "-NoJPEG", "-PreferredEncoding", encoding) as viewer:
        wait_for_picture(xvfb, viewer, px, 0, bits)
    assert chose(server, encoding), server.lines


def test_tigervnc_keys_and_pointer_reach_the_trace(fbvncd, tmp_path, xvfb):
    """Typing and clicking in TigerVNC's window (xdotool, X events as a user
    makes them): the keys and the click come out of fbvncd's input side,
    the click where it was made in the picture."""
    trace = tmp_path / "trace"
    px = picture(W, H, seed=11)
    server = serve(fbvncd, tmp_path, px, "zrle", input_to=f"trace:{trace}")
    with tigervnc(xvfb, server.port) as viewer:
        wait_for_picture(xvfb, viewer, px, 0)
        x0, y0 = xvfb.window_origin(" - TigerVNC")
        xdotool = ["xdotool", "search", "--name", "TigerVNC", "windowfocus", "--sync"]
        for action in (["type", "--delay", "30", "aB!"], ["key", "ctrl+c", "Return"],
                       ["mousemove", str(x0 + 50), str(y0 + 60), "click", "1"]):
            r = subprocess.run(xdotool + action, env=xvfb.env, capture_output=True, text=True, timeout=30)
            assert r.returncode == 0, r.stderr
        deadline = time.time() + 20
        got = []
        while "EV_KEY BTN_LEFT 0" not in got and time.time() < deadline:
            got = trace.read_text().splitlines() if trace.exists() else []
            time.sleep(0.05)
    events = [line for line in got if not line.startswith("EV_SYN")]
    pressed = [e.split()[1] for e in events if e.startswith("EV_KEY") and e.endswith(" 1")]
    assert pressed == ["KEY_A", "KEY_LEFTSHIFT", "KEY_B", "KEY_LEFTSHIFT", "KEY_1", "KEY_LEFTCTRL", "KEY_C",
                       "KEY_ENTER", "BTN_LEFT"], got
    assert events[-4:] == ["EV_ABS ABS_X 50", "EV_ABS ABS_Y 60", "EV_KEY BTN_LEFT 1", "EV_KEY BTN_LEFT 0"], got


@pytest.mark.parametrize("typed,accepted", [("s3cret!x", True), ("wrong!!x", False)])
def test_tigervnc_with_a_password(fbvncd, tmp_path, xvfb, typed, accepted):
    """VNC authentication (DES) as TigerVNC does it, with a password file
    made by TigerVNC's own vncpasswd."""
    pw = tmp_path / "pw"
    pw.write_text("s3cret!x\n")
    theirs = tmp_path / "passwd"
    theirs.write_bytes(subprocess.run(["vncpasswd", "-f"], input=typed.encode(), capture_output=True,
                                      check=True, timeout=10).stdout)
    px = picture(W, H, seed=12)
    server = serve(fbvncd, tmp_path, px, "tight", auth=("--password-file", str(pw)))
    with tigervnc(xvfb, server.port, *LOSSLESS, "-passwd", str(theirs),
                  security=("-SecurityTypes", "VncAuth")) as viewer:
        if accepted:
            wait_for_picture(xvfb, viewer, px, 0)
        else:
            # TigerVNC then shows its error in a dialog and waits for a click.
            wait_for_line(server, "authentication failed")
            assert not any("pixels as" in line for line in server.lines), server.lines
