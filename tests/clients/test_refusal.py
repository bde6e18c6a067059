"""A viewer refused because the server is full is told why, and each native
client copes: libvncclient and the RFB 3.3 client in vncsnapshot print the
reason, gtk-vnc fails cleanly (a 3.3 failure sent before the client's
version made gvnccapture abort)."""

import socket
import subprocess

import pytest

from test_clients import LVC_GRAB, display_number


@pytest.fixture
def full_server(fbvncd):
    """fbvncd with --max-clients 1 and that one place taken."""
    server = fbvncd("--fb", "demo", "--no-auth", "--input", "none", "--max-clients", "1")
    holder = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    f = holder.makefile("rwb")
    assert f.read(12) == b"RFB 003.008\n"
    f.write(b"RFB 003.008\n")
    f.flush()
    assert f.read(2) == b"\x01\x01"
    f.write(b"\x01")
    f.flush()
    assert f.read(4) == b"\0\0\0\0"
    f.write(b"\x01")
    f.flush()
    f.read(24)
    yield server
    holder.close()


def refused_lines(server):
    return [line for line in server.lines if "refused: too many clients" in line]


def test_libvncclient_shows_the_reason(full_server, tmp_path):
    r = subprocess.run([LVC_GRAB, str(full_server.port), "raw", "32", str(tmp_path / "x.ppm")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "VNC connection failed: too many clients" in r.stderr, r.stderr[-2000:]
    assert refused_lines(full_server)


def test_rfb_3_3_client_shows_the_reason(full_server, tmp_path):
    r = subprocess.run(["vncsnapshot", "-quiet", f"127.0.0.1::{full_server.port}", str(tmp_path / "x.jpg")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "too many clients" in r.stdout + r.stderr, (r.stdout + r.stderr)[-2000:]


def test_gtk_vnc_fails_cleanly(full_server, tmp_path):
    r = subprocess.run(["gvnccapture", display_number(full_server.port), str(tmp_path / "x.png")],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 1, (r.returncode, r.stderr[-2000:])
    assert "Disconnected" in r.stdout + r.stderr
