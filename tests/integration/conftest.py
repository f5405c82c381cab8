"""Shared fixtures: start the real portico binary on an ephemeral port and stop it by PID.

Every server started here is checked at teardown: it must exit cleanly on SIGTERM
and its stderr must hold no sanitizer report.
"""
import os
import re
import signal
import socket
import subprocess
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("PORTICO_BUILD_DIR", os.path.join(ROOT, "build"))
PORTICO = os.path.join(BUILD, "portico")
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
                     "AddressSanitizer:DEADLYSIGNAL")
LISTEN_RE = re.compile(r"listening on http://(\S+?)/")


class Portico:
    """A running `portico` process with its stderr captured to a file."""

    def __init__(self, args, cwd=None, env=None, start_timeout=15.0, expect_listen=True,
                 preexec_fn=None):
        self.args = [PORTICO] + list(args)
        self.errfile = tempfile.NamedTemporaryFile(prefix="portico-stderr-", delete=False)
        self.outfile = tempfile.NamedTemporaryFile(prefix="portico-stdout-", delete=False)
        full_env = dict(os.environ)
        full_env.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
        full_env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        if env:
            full_env.update(env)
        self.proc = subprocess.Popen(self.args, cwd=cwd, env=full_env, stdout=self.outfile,
                                     stderr=self.errfile, preexec_fn=preexec_fn)
        self.addresses = []
        if expect_listen:
            self._wait_listening(start_timeout)

    def _wait_listening(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.stderr()
            found = LISTEN_RE.findall(text)
            if found:
                # all listeners are announced together, right after start
                time.sleep(0.05)
                self.addresses = LISTEN_RE.findall(self.stderr())
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"portico exited with {self.proc.returncode}: {text}")
            time.sleep(0.02)
        raise RuntimeError("portico did not start listening: " + self.stderr())

    @property
    def host_port(self):
        hp = self.addresses[0]
        host, _, port = hp.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def port(self):
        return self.host_port[1]

    @property
    def url(self):
        return f"http://{self.addresses[0]}"

    def stderr(self):
        with open(self.errfile.name, "r", errors="replace") as f:
            return f.read()

    def stdout(self):
        with open(self.outfile.name, "r", errors="replace") as f:
            return f.read()

    def fd_count(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def connect(self, timeout=10.0):
        host, port = self.host_port
        s = socket.create_connection((host, port), timeout=timeout)
        return s

    def stop(self, sig=signal.SIGTERM, timeout=20.0):
        """Stops the process by PID; returns its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("portico did not stop within %.0fs" % timeout)
        return self.proc.returncode

    def assert_clean(self):
        text = self.stderr()
        for marker in SANITIZER_MARKERS:
            assert marker not in text, f"sanitizer report in portico stderr:\n{text[-6000:]}"

    def close(self):
        code = self.stop()
        self.assert_clean()
        assert code == 0, f"portico exited with {code}:\n{self.stderr()[-3000:]}"
        for f in (self.errfile, self.outfile):
            f.close()
            os.unlink(f.name)


@pytest.fixture
def start_portico():
    """Factory: start_portico(args...) -> Portico; every one is stopped and checked."""
    started = []

    def start(*args, **kwargs):
        p = Portico(args, **kwargs)
        started.append(p)
        return p

    yield start
    errors = []
    for p in started:
        try:
            p.close()
        except AssertionError as e:
            errors.append(str(e))
    assert not errors, "\n".join(errors)


def http_exchange(sock, data, timeout=10.0):
    """Sends raw bytes and reads until the peer closes; returns everything read."""
    sock.settimeout(timeout)
    if data:
        sock.sendall(data)
    chunks = []
    while True:
        try:
            b = sock.recv(65536)
        except ConnectionResetError:
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


def read_response(f):
    """Reads one response from a socket file (rb); returns (status, headers, body).

    Handles Content-Length bodies and bodyless statuses; the caller says HEAD by
    passing method='HEAD' through read_response_for.
    """
    return read_response_for(f, "GET")


def read_response_for(f, method):
    line = f.readline()
    if not line:
        raise EOFError("connection closed before a response")
    parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    status = int(parts[1])
    headers = {}
    while True:
        h = f.readline().decode("latin-1")
        if h in ("\r\n", "\n", ""):
            break
        name, _, value = h.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    body = b""
    if method != "HEAD" and status not in (204, 304) and status >= 200:
        n = int(headers.get("content-length", ["0"])[0])
        body = f.read(n)
    return status, {k: v[0] if len(v) == 1 else v for k, v in headers.items()}, body


@pytest.fixture
def site(tmp_path):
    """A document root tmp_path/www with the files of http_util.make_site and a sentinel file
    just outside it (tmp_path/secret.txt); returns the root path."""
    from http_util import make_site
    return make_site(tmp_path)


@pytest.fixture
def serve(start_portico, site):
    """Factory: serve(*flags, root=site, threads=2) -> Portico running `portico serve` on an
    ephemeral 127.0.0.1 port; stopped and checked like every start_portico process."""

    def start(*flags, root=None, threads=2, **kwargs):
        args = ["serve", root or site, "--listen", "127.0.0.1:0", "--threads", str(threads)]
        return start_portico(*args, *flags, **kwargs)

    return start
