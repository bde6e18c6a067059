"""fbvncd on a real kernel: Debian's kernel under qemu with vfb (and
uinput), fbvncd inside on /dev/fb0, vncdotool on the host."""

import os
import subprocess
import sys

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


def test_a_mode_change_to_16_bpp_reaches_the_client(vm, tmp_path):
    vm.run("fbtool mode /dev/fb0 1024 600 16 && fbtool pattern /dev/fb0")
    out = vm.run("cat /sys/class/graphics/fb0/bits_per_pixel")
    assert "16" in out
    vm.run("i=0; until grep -q 'screen' /tmp/log; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done")
    img = capture(vm, tmp_path, "p16.png")
    # Pure colours survive RGB565 exactly.
    assert pattern.mismatches(img, 1024, 600) == []
