"""The real fbvncd as a child process, for the Python tests: started on
127.0.0.1 port 0, its log kept line by line."""

import os
import re
import subprocess
import threading
import time

import pytest

BIN = os.environ.get("FBVNCD_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "target", "debug", "fbvncd"))


class Fbvncd:
    def __init__(self, args):
        self.proc = subprocess.Popen([BIN, "--listen", "127.0.0.1:0", "--no-http", *args],
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()
        self.port = None
        deadline = time.time() + 20
        while self.port is None:
            assert time.time() < deadline, f"no listening line: {self.lines}"
            assert self.proc.poll() is None, f"fbvncd exited: {self.lines}"
            for line in list(self.lines):
                m = re.match(r"listening rfb \S+:(\d+)$", line)
                if m:
                    self.port = int(m.group(1))
            time.sleep(0.01)

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def fbvncd():
    """Starts fbvncd with the given arguments; stops them all after the test."""
    started = []

    def start(*args):
        s = Fbvncd(list(args))
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()
