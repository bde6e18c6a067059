"""fbvncd's Hextile and ZRLE through vncdotool's decoders (Python, nobody
here wrote them), in 32- and 16-bit client pixel formats, on a picture with
noise, few-colour areas, solid blocks and a gradient, at odd sizes."""

import threading

import pytest
from vncdotool import api, client, rfb

from pictures import picture, write_xrgb8888

_lock = threading.Lock()


def capture(port, encoding, pixel_format):
    """One capture by vncdotool, asking for `encoding` in `pixel_format`."""
    with _lock:  # vncdotool's settings are class attributes
        saved = client.VNCDoToolClient.encoding, client.VNCDoToolClient.setImageMode

        def set_image_mode(self):
            self.setPixelFormat(pixel_format)
            self._image_mode = client.PF2IM[pixel_format]

        client.VNCDoToolClient.encoding = encoding
        client.VNCDoToolClient.setImageMode = set_image_mode
        try:
            c = api.connect(f"127.0.0.1::{port}", timeout=60)
            c.factory.nocursor = True
            c.refreshScreen()
            img = c.screen.convert("RGB")
            c.disconnect()
        finally:
            client.VNCDoToolClient.encoding, client.VNCDoToolClient.setImageMode = saved
    return img


def quantise(rgb, bits):
    return tuple(c >> (8 - b) for c, b in zip(rgb, bits))


@pytest.mark.parametrize("size", [(63, 65), (130, 70)])
@pytest.mark.parametrize("name,encoding,pf,bits", [
    ("hextile", rfb.Encoding.HEXTILE, client.RGB32, (8, 8, 8)),
    ("hextile", rfb.Encoding.HEXTILE, client.BGR16, (5, 6, 5)),
    # vncdotool's ZRLE decoder reads 3-byte CPIXELs only (32-bit formats).
    ("zrle", rfb.Encoding.ZRLE, client.RGB32, (8, 8, 8)),
], ids=["hextile-rgb32", "hextile-bgr16", "zrle-rgb32"])
def test_vncdotool_decodes_exactly(fbvncd, tmp_path, size, name, encoding, pf, bits):
    w, h = size
    px = picture(w, h, seed=w * h)
    fb = tmp_path / "fb"
    write_xrgb8888(fb, px)
    server = fbvncd("--fb", f"file:{fb}", "--geometry", f"{w}x{h}", "--no-auth", "--encodings", name)
    img = capture(server.port, encoding, pf)
    assert img.size == (w, h)
    got = [img.getpixel((i % w, i // w)) for i in range(w * h)]
    bad = [(i % w, i // w, got[i], px[i]) for i in range(w * h)
           if quantise(got[i], bits) != quantise(px[i], bits)]
    assert bad[:5] == []
    assert any(f"pixels as {name}" in line for line in server.lines), server.lines


@pytest.fixture(scope="module", autouse=True)
def reactor():
    yield
    api.shutdown()  # vncdotool's reactor runs once per process
