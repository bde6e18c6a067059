"""fbvncd against vncdotool, a client nobody here wrote."""

import os
import subprocess
import time

from PIL import Image

import pattern

W, H = 320, 240


def vncdo(port, *args, password=None, timeout=60):
    cmd = ["vncdo", "-s", f"127.0.0.1::{port}", "--nocursor"]
    if password:
        cmd += ["-p", password]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout)


def file_source(tmp_path):
    fb = tmp_path / "fb"
    pattern.write_xrgb8888(fb, W, H)
    return ["--fb", f"file:{fb}", "--geometry", f"{W}x{H}"]


def test_capture_equals_the_pattern_without_auth(fbvncd, tmp_path):
    server = fbvncd(*file_source(tmp_path), "--no-auth")
    out = tmp_path / "shot.png"
    r = vncdo(server.port, "capture", str(out))
    assert r.returncode == 0, r.stderr
    assert pattern.mismatches(Image.open(out), W, H) == []


def test_capture_with_a_password(fbvncd, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("s3cret!x\n")
    server = fbvncd(*file_source(tmp_path), "--password-file", str(pw))
    out = tmp_path / "shot.png"
    r = vncdo(server.port, "capture", str(out), password="s3cret!x")
    assert r.returncode == 0, r.stderr
    assert pattern.mismatches(Image.open(out), W, H) == []


def test_a_wrong_password_is_refused(fbvncd, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("s3cret!x\n")
    server = fbvncd(*file_source(tmp_path), "--password-file", str(pw))
    out = tmp_path / "shot.png"
    r = vncdo(server.port, "capture", str(out), password="wrong")
    assert r.returncode != 0
    assert not out.exists()
    assert any("authentication failed" in line for line in server.lines)


def test_keys_and_pointer_reach_the_trace(fbvncd, tmp_path):
    trace = tmp_path / "trace"
    server = fbvncd(*file_source(tmp_path), "--no-auth", "--input", f"trace:{trace}")
    r = vncdo(server.port, "key", "a", "key", "shift-a", "key", "!", "move", "100", "200", "click", "1")
    assert r.returncode == 0, r.stderr
    want = [
        "EV_KEY KEY_A 1", "EV_SYN SYN_REPORT 0", "EV_KEY KEY_A 0", "EV_SYN SYN_REPORT 0",
        # "shift-a" is Shift and the keysym a: a small a, as x11vnc and
        # TigerVNC's servers type it (the keysym names the character).
        "EV_KEY KEY_LEFTSHIFT 1", "EV_SYN SYN_REPORT 0",
        "EV_KEY KEY_LEFTSHIFT 0", "EV_KEY KEY_A 1", "EV_KEY KEY_LEFTSHIFT 1", "EV_SYN SYN_REPORT 0",
        "EV_KEY KEY_A 0", "EV_SYN SYN_REPORT 0",
        "EV_KEY KEY_LEFTSHIFT 0", "EV_SYN SYN_REPORT 0",
        "EV_KEY KEY_LEFTSHIFT 1", "EV_KEY KEY_1 1", "EV_KEY KEY_LEFTSHIFT 0", "EV_SYN SYN_REPORT 0",
        "EV_KEY KEY_1 0", "EV_SYN SYN_REPORT 0",
        "EV_ABS ABS_X 100", "EV_ABS ABS_Y 200", "EV_SYN SYN_REPORT 0",
        "EV_KEY BTN_LEFT 1", "EV_SYN SYN_REPORT 0", "EV_KEY BTN_LEFT 0", "EV_SYN SYN_REPORT 0",
    ]
    deadline = time.time() + 20
    while True:
        got = trace.read_text().splitlines() if trace.exists() else []
        if len(got) >= len(want) or time.time() > deadline:
            break
        time.sleep(0.05)
    assert got == want


def wait_trace(trace, n=None, last=None):
    """The trace once it has `n` lines or a line `last` (or after 20 s)."""
    deadline = time.time() + 20
    while True:
        got = trace.read_text().splitlines() if trace.exists() else []
        if (n is not None and len(got) >= n) or (last is not None and last in got) or time.time() > deadline:
            return got
        time.sleep(0.05)


def pressed(got):
    """Key names pressed (value 1), in order."""
    return [l.split()[1] for l in got if l.startswith("EV_KEY") and l.endswith(" 1")]


def test_ctrl_c_typing_wheel_and_release_on_disconnect(fbvncd, tmp_path):
    trace = tmp_path / "trace"
    server = fbvncd(*file_source(tmp_path), "--no-auth", "--input", f"trace:{trace}")
    r = vncdo(server.port, "key", "ctrl-c", "type", "Hello, World!", "move", "5", "6",
              "mousedown", "4", "mouseup", "4", "keydown", "x")
    assert r.returncode == 0, r.stderr
    got = wait_trace(trace, last="EV_KEY KEY_X 0")
    assert got[:8] == ["EV_KEY KEY_LEFTCTRL 1", "EV_SYN SYN_REPORT 0", "EV_KEY KEY_C 1", "EV_SYN SYN_REPORT 0",
                       "EV_KEY KEY_C 0", "EV_SYN SYN_REPORT 0", "EV_KEY KEY_LEFTCTRL 0", "EV_SYN SYN_REPORT 0"]
    typed = pressed(got)[2:]
    # "Hello, World!": vncdotool sends the keysyms H, W and ! without Shift;
    # fbvncd adds it (the keysym names the character).
    assert typed == ["KEY_LEFTSHIFT", "KEY_H", "KEY_E", "KEY_L", "KEY_L", "KEY_O", "KEY_COMMA", "KEY_SPACE",
                     "KEY_LEFTSHIFT", "KEY_W", "KEY_O", "KEY_R", "KEY_L", "KEY_D", "KEY_LEFTSHIFT", "KEY_1",
                     "KEY_X"]
    tail = got[got.index("EV_ABS ABS_X 5"):]
    assert tail[:7] == ["EV_ABS ABS_X 5", "EV_ABS ABS_Y 6", "EV_SYN SYN_REPORT 0",
                        "EV_REL REL_WHEEL 1", "EV_SYN SYN_REPORT 0",
                        "EV_KEY KEY_X 1", "EV_SYN SYN_REPORT 0"]
    # vncdo leaves with x held: fbvncd lets it go.
    assert tail[7:] == ["EV_KEY KEY_X 0", "EV_SYN SYN_REPORT 0"]


def test_a_view_only_password_injects_nothing(fbvncd, tmp_path):
    trace = tmp_path / "trace"
    pw = tmp_path / "pw"
    pw.write_text("full-pw1\nlook-pw2\n")
    server = fbvncd(*file_source(tmp_path), "--password-file", str(pw), "--input", f"trace:{trace}")
    r = vncdo(server.port, "key", "a", "move", "10", "10", "click", "1", password="look-pw2")
    assert r.returncode == 0, r.stderr
    r = vncdo(server.port, "key", "b", password="full-pw1")
    assert r.returncode == 0, r.stderr
    got = wait_trace(trace, 4)
    assert got == ["EV_KEY KEY_B 1", "EV_SYN SYN_REPORT 0", "EV_KEY KEY_B 0", "EV_SYN SYN_REPORT 0"]
