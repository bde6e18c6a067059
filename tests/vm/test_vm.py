"""fbvncd on a real kernel: Debian's kernel under qemu with vfb (and
uinput), fbvncd inside on /dev/fb0, vncdotool on the host."""

import os
import socket
import struct
import subprocess
import sys
import time

import pytest
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import pattern  # noqa: E402
from vm import ROOT, VM  # noqa: E402


@pytest.fixture(scope="module")
def vm():
    out = subprocess.run(["bash", os.path.join(ROOT, "tests", "vm", "build.sh")],
                         check=True, capture_output=True, text=True).stdout.split()
    machine = VM(out[0], out[1])
    yield machine
    machine.close()


def capture(vm, tmp_path, name):
    path = tmp_path / name
    r = subprocess.run([os.path.join(os.path.dirname(sys.executable), "vncdo"), "-s", f"127.0.0.1::{vm.port}", "--nocursor", "capture", str(path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return Image.open(path).convert("RGB")


def test_32_bpp_exact_pattern_in_the_devices_channel_order(vm, tmp_path):
    out = vm.run("cat /sys/class/graphics/fb0/bits_per_pixel /sys/class/graphics/fb0/virtual_size")
    assert "32" in out and "1280,720" in out, out
    vm.run("fbtool pattern /dev/fb0")
    vm.start_fbvncd()
    log = vm.run("cat /tmp/log")
    assert any("Virtual FB" in l and "stride 5120" in l for l in log), log
    assert pattern.mismatches(capture(vm, tmp_path, "p32.png"), 1280, 720) == []


def test_a_write_in_the_guest_reaches_the_host(vm, tmp_path):
    vm.run("fbtool fill /dev/fb0 100 100 64 64 123456")
    img = capture(vm, tmp_path, "fill.png")
    assert img.getpixel((100, 100)) == (0x12, 0x34, 0x56)
    assert img.getpixel((163, 163)) == (0x12, 0x34, 0x56)
    vm.run("fbtool pattern /dev/fb0")


def test_rotate_90_turns_the_picture(vm, tmp_path):
    vm.start_fbvncd("--rotate", "90")
    img = capture(vm, tmp_path, "rot.png")
    assert img.size == (720, 1280)
    # Client (x, y) shows source (y, H-1-x): the picture turned clockwise.
    bad = [(x, y) for y in range(0, 1280, 7) for x in range(0, 720, 7)
           if img.getpixel((x, y)) != pattern.pixel(y, 719 - x, 1280, 720)]
    assert bad == []
    vm.start_fbvncd()


def vncdo(vm, *args):
    r = subprocess.run([os.path.join(os.path.dirname(sys.executable), "vncdo"), "-s", f"127.0.0.1::{vm.port}",
                        "--nocursor", *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def event_node(vm, name):
    """The /dev/input/eventN of the device called `name`."""
    out = vm.run(f"grep -A5 'Name=\"{name}\"' /proc/bus/input/devices | grep -o 'event[0-9]*'")
    return "/dev/input/" + out[-1].strip()


class Reader:
    """Reads a guest input device in the background, as a program would."""

    def __init__(self, vm, name):
        self.vm = vm
        self.file = "/tmp/ev-" + name.replace(" ", "-")
        vm.run(f"fbtool events {event_node(vm, name)} 100000 > {self.file} & echo $! > {self.file}.pid")
        # Events sent before it has the device open would be missed.
        vm.run(f"i=0; until grep -q ready {self.file}; do i=$((i+1)); [ $i -gt 300 ] && break; sleep 0.05; done")

    def lines(self, n):
        """Waits for `n` events and returns them as (type, code, value)."""
        self.vm.run(f"i=0; until [ $(wc -l < {self.file}) -ge {n} ]; do i=$((i+1)); "
                    f"[ $i -gt 300 ] && break; sleep 0.1; done")
        out = [l.split()[1:] for l in self.vm.run(f"cat {self.file}") if l.startswith("EV ")]
        return [tuple(int(v) for v in e) for e in out]

    def close(self):
        self.vm.run(f"kill $(cat {self.file}.pid)")


SYN = (0, 0, 0)
EV_KEY, EV_REL, EV_ABS = 1, 2, 3
KEY_A, KEY_LEFTSHIFT, KEY_1, BTN_LEFT, BTN_TOUCH = 30, 42, 2, 272, 330
KEY_KP1, KEY_END = 79, 107
ABS_X, ABS_Y, REL_WHEEL = 0, 1, 8
ABS_MT_SLOT, ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_TRACKING_ID = 0x2f, 0x35, 0x36, 0x39


def test_keys_a_move_a_click_and_a_wheel_step_reach_the_guest(vm):
    vm.start_fbvncd()
    log = vm.run("cat /tmp/log")
    assert any("fbvncd keyboard" in l and "fbvncd pointer" in l for l in log), log
    caps = vm.run("grep -A9 'Name=\"fbvncd pointer\"' /proc/bus/input/devices")
    assert any("B: ABS=3" in l for l in caps), caps
    kbd, ptr = Reader(vm, "fbvncd keyboard"), Reader(vm, "fbvncd pointer")
    vncdo(vm, "key", "a", "key", "!")
    assert kbd.lines(10) == [
        (EV_KEY, KEY_A, 1), SYN, (EV_KEY, KEY_A, 0), SYN,
        (EV_KEY, KEY_LEFTSHIFT, 1), (EV_KEY, KEY_1, 1), (EV_KEY, KEY_LEFTSHIFT, 0), SYN,
        (EV_KEY, KEY_1, 0), SYN]
    vncdo(vm, "move", "100", "200", "click", "1", "mousedown", "4", "mouseup", "4")
    assert ptr.lines(9) == [
        (EV_ABS, ABS_X, 100), (EV_ABS, ABS_Y, 200), SYN,
        (EV_KEY, BTN_LEFT, 1), SYN, (EV_KEY, BTN_LEFT, 0), SYN,
        (EV_REL, REL_WHEEL, 1), SYN]
    kbd.close()
    ptr.close()


def rfb_connect(port, encodings):
    """A bare RFB 3.8 client (security None) asking for `encodings`."""
    s = socket.create_connection(("127.0.0.1", port), timeout=60)

    def rx(n):
        b = b""
        while len(b) < n:
            d = s.recv(n - len(b))
            assert d, "the server closed"
            b += d
        return b

    rx(12)
    s.sendall(b"RFB 003.008\n")
    types = rx(rx(1)[0])
    assert 1 in types
    s.sendall(b"\x01")
    assert rx(4) == b"\0\0\0\0"
    s.sendall(b"\x01")
    rx(20)
    rx(struct.unpack(">I", rx(4))[0])
    # 32 bpp true colour, so Raw rectangles are 4 bytes a pixel.
    s.sendall(b"\0\0\0\0" + struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))
    s.sendall(struct.pack(">BxH", 2, len(encodings)) + b"".join(struct.pack(">i", e) for e in encodings))
    return s, rx


class Leds:
    """The board's lock LEDs as a client that asked for them hears them."""

    def __init__(self, s, rx):
        self.s, self.rx, self.seen = s, rx, []

    def wait(self, until):
        """Reads updates (empty requests) until an LED state satisfies `until`."""
        for _ in range(50):
            self.s.sendall(struct.pack(">BBHHHH", 3, 1, 0, 0, 1, 1))
            msg = self.rx(1)[0]
            assert msg == 0, msg
            _, n = struct.unpack(">BH", self.rx(3))
            for _ in range(n):
                x, y, w, h, enc = struct.unpack(">HHHHi", self.rx(12))
                if enc == -261:
                    self.seen.append(self.rx(1)[0])
                elif enc == 0:
                    self.rx(w * h * 4)
            if self.seen and until(self.seen[-1]):
                return self.seen[-1]
        raise AssertionError(f"LED states seen: {self.seen}")


def tap(s, keysym):
    for down in (1, 0):
        s.sendall(struct.pack(">BBxxI", 4, down, keysym))


def test_caps_lock_led_reaches_a_client_and_letters_keep_their_case(vm):
    vm.start_fbvncd()
    s, rx = rfb_connect(vm.port, [-223, -261])  # DesktopSize (no pixels wanted), LED state
    read_leds = Leds(s, rx).wait

    assert read_leds(lambda v: True) & 4 == 0
    caps = 0xFFE5
    tap(s, caps)
    assert read_leds(lambda v: v & 4) & 4, "Caps Lock on"
    # With the board's Caps Lock on, "A" is typed without Shift and "a"
    # with it (a keysym names the letter's case, not the key's).
    kbd = Reader(vm, "fbvncd keyboard")
    for keysym in (ord("A"), ord("a")):
        tap(s, keysym)
    assert kbd.lines(10) == [
        (EV_KEY, KEY_A, 1), SYN, (EV_KEY, KEY_A, 0), SYN,
        (EV_KEY, KEY_LEFTSHIFT, 1), (EV_KEY, KEY_A, 1), (EV_KEY, KEY_LEFTSHIFT, 0), SYN,
        (EV_KEY, KEY_A, 0), SYN]
    kbd.close()
    tap(s, caps)
    assert read_leds(lambda v: not v & 4) & 4 == 0, "Caps Lock off again"
    s.close()


def test_keypad_keys_type_what_the_viewer_meant_whatever_num_lock(vm):
    vm.start_fbvncd()
    s, rx = rfb_connect(vm.port, [-223, -261])
    read_leds = Leds(s, rx).wait
    num, kp_1, kp_end = 0xFF7F, 0xFFB1, 0xFF9C

    def keypad_1_and_end_give(one, end):
        kbd = Reader(vm, "fbvncd keyboard")
        tap(s, kp_1)
        tap(s, kp_end)
        assert kbd.lines(8) == [(EV_KEY, one, 1), SYN, (EV_KEY, one, 0), SYN,
                                (EV_KEY, end, 1), SYN, (EV_KEY, end, 0), SYN]
        kbd.close()

    # The console boots with Num Lock off: the keypad's 1 would be End, so
    # the main row's 1 goes; End goes as the keypad's.
    assert read_leds(lambda v: True) & 2 == 0
    keypad_1_and_end_give(KEY_1, KEY_KP1)
    tap(s, num)
    assert read_leds(lambda v: v & 2) & 2, "Num Lock on"
    keypad_1_and_end_give(KEY_KP1, KEY_END)
    tap(s, num)
    assert read_leds(lambda v: not v & 2) & 2 == 0, "Num Lock off again"
    s.close()


def test_a_framebuffer_that_goes_away_and_comes_back(vm):
    vm.run("fbtool pattern /dev/fb0")
    vm.start_fbvncd()
    s, rx = rfb_connect(vm.port, [0])

    def request(incremental):
        s.sendall(struct.pack(">BBHHHH", 3, incremental, 100, 100, 1, 1))

    def read_pixel():
        assert rx(1)[0] == 0
        _, n = struct.unpack(">BH", rx(3))
        px = None
        for _ in range(n):
            _x, _y, w, h, enc = struct.unpack(">HHHHi", rx(12))
            assert enc == 0, enc
            data = rx(w * h * 4)
            px = (data[2], data[1], data[0])  # XRGB little-endian: B, G, R, X
        return px

    request(0)
    assert read_pixel() == pattern.pixel(100, 100, 1280, 720)
    # A request stays outstanding, so fbvncd polls through the outage.
    request(1)
    vm.run("echo vfb.0 > /sys/bus/platform/drivers/vfb/unbind")
    vm.run("i=0; until [ ! -e /dev/fb0 ]; do i=$((i+1)); [ $i -gt 50 ] && exit 1; sleep 0.1; done; sleep 2")
    vm.run("echo vfb.0 > /sys/bus/platform/drivers/vfb/bind")
    vm.run("i=0; until [ -e /dev/fb0 ]; do i=$((i+1)); [ $i -gt 50 ] && exit 1; sleep 0.1; done")
    # fbcon takes the new framebuffer over again: let it go, as init does.
    vm.run('for v in /sys/class/vtconsole/vtcon*; do grep -q "frame buffer" "$v/name" && echo 0 > "$v/bind"; done; true')
    vm.run("fbtool fill /dev/fb0 100 100 8 8 abcdef")
    # The same connection gets the returned framebuffer's picture.
    seen = []
    while True:
        seen.append(read_pixel())
        if seen[-1] == (0xAB, 0xCD, 0xEF):
            break
        assert len(seen) < 20, seen
        request(1)
    log = vm.run("cat /tmp/log")
    assert any("reopened" in l for l in log), log
    s.close()
    vm.run("fbtool pattern /dev/fb0")


def test_pointer_coordinates_follow_rotate_90(vm):
    vm.start_fbvncd("--rotate", "90")
    ptr = Reader(vm, "fbvncd pointer")
    # Shown 720x1280; client (x, y) is source (y, 719 - x).
    vncdo(vm, "move", "700", "30")
    assert ptr.lines(3) == [(EV_ABS, ABS_X, 30), (EV_ABS, ABS_Y, 19), SYN]
    ptr.close()


def test_touch_gives_a_touchscreen_with_multitouch_slots(vm):
    vm.start_fbvncd("--touch")
    props = vm.run("grep -A9 'Name=\"fbvncd touchscreen\"' /proc/bus/input/devices")
    assert any("B: PROP=2" in l for l in props), props
    touch = Reader(vm, "fbvncd touchscreen")
    vncdo(vm, "move", "300", "400", "click", "1")
    assert touch.lines(10) == [
        (EV_ABS, ABS_X, 300), (EV_ABS, ABS_MT_POSITION_X, 300),
        (EV_ABS, ABS_Y, 400), (EV_ABS, ABS_MT_POSITION_Y, 400),
        (EV_ABS, ABS_MT_TRACKING_ID, 1), (EV_KEY, BTN_TOUCH, 1), SYN,
        (EV_ABS, ABS_MT_TRACKING_ID, -1), (EV_KEY, BTN_TOUCH, 0), SYN]
    touch.close()
    vm.start_fbvncd()


def test_a_mode_change_to_16_bpp_reaches_the_client(vm, tmp_path):
    vm.run("fbtool mode /dev/fb0 1024 600 16 && fbtool pattern /dev/fb0")
    out = vm.run("cat /sys/class/graphics/fb0/bits_per_pixel")
    assert "16" in out
    vm.run("i=0; until grep -q 'screen' /tmp/log; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done")
    img = capture(vm, tmp_path, "p16.png")
    # Pure colours survive RGB565 exactly.
    assert pattern.mismatches(img, 1024, 600) == []
