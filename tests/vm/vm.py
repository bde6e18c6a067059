"""Boots the test VM (Debian's kernel under qemu TCG, our initramfs) and runs
commands in it over the serial console."""

import os
import socket
import subprocess
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VM:
    def __init__(self, kernel, initrd):
        self.port = free_port()
        self.lines = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(
            ["qemu-system-x86_64", "-accel", "tcg", "-m", "512", "-smp", "1", "-no-reboot",
             "-display", "none", "-vga", "none", "-monitor", "none", "-serial", "stdio",
             "-kernel", kernel, "-initrd", initrd,
             "-append", "console=ttyS0 quiet loglevel=3 panic=-1",
             "-device", "virtio-rng-pci",
             "-nic", f"user,model=e1000,hostfwd=tcp:127.0.0.1:{self.port}-:5900"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_line("@@READY", timeout=120)

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()

    def wait_line(self, prefix, start=0, timeout=60):
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.lines)):
                    if self.lines[i].startswith(prefix):
                        return i, self.lines[i]
                left = deadline - time.time()
                if left <= 0 or self.proc.poll() is not None:
                    raise TimeoutError(f"no {prefix!r} from the VM; its console:\n" + "\n".join(self.lines[-40:]))
                self.cond.wait(left)

    def run(self, cmd, timeout=60):
        """Runs a shell command in the guest; returns its output lines."""
        with self.cond:
            start = len(self.lines)
        self.proc.stdin.write((cmd + "\n").encode())
        self.proc.stdin.flush()
        i, done = self.wait_line("@@DONE", start, timeout)
        status = int(done.split()[1])
        out = self.lines[start:i]
        assert status == 0, f"{cmd!r} failed ({status}): {out}"
        return out

    def start_fbvncd(self, *args):
        self.run("killall fbvncd 2>/dev/null; rm -f /tmp/log; "
                 f"fbvncd --fb /dev/fb0 --listen 0.0.0.0:5900 --no-http --no-auth {' '.join(args)} "
                 "> /tmp/log 2>&1 & "
                 "i=0; until grep -q 'listening rfb' /tmp/log; do i=$((i+1)); "
                 "[ $i -gt 300 ] && cat /tmp/log && exit 1; sleep 0.1; done")

    def close(self):
        try:
            self.proc.stdin.write(b"poweroff -f\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=20)
        except Exception:
            self.proc.kill()
            self.proc.wait()
