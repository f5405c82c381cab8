"""Helpers for the HTTP/1.1 conformance tests of `portico serve`: a document root with a sentinel
file just outside it, a strict response reader over raw sockets, and process probes.

The reader is deliberately strict: it checks the status line syntax and framing of every
response, so a test that reads a response also checks that it is complete.
"""
import os
import re
import socket
import time

# The content of a file just outside the document root. No response may ever contain it.
SENTINEL = b"PORTICO-SENTINEL-8d1f0c2a-outside-the-root"
# A file inside the root whose content tests check byte for byte.
INDEX_HTML = b"<!doctype html><title>home</title><p>hello from the index</p>\n"
HELLO_TXT = b"hello, world\n"
# The 1 MiB file: a pattern that makes any shifted, dropped or repeated byte visible.
BIG_SIZE = 1024 * 1024
DEADLINE_S = 120  # guard for any multi-client exchange; normally done in seconds

STATUS_LINE_RE = re.compile(rb"^HTTP/1\.1 ([1-5][0-9][0-9]) ([\x20-\x7e]*)\r\n")
IMF_FIXDATE_RE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
    r"[0-2][0-9]:[0-5][0-9]:[0-6][0-9] GMT$")


def big_content():
    """BIG_SIZE bytes in which every 4-byte word holds its own offset: a misplaced byte shows."""
    return b"".join((i * 4).to_bytes(4, "big") for i in range(BIG_SIZE // 4))


def make_site(base):
    """Creates base/www (the document root) and base/secret.txt (the sentinel) and returns the
    root path. Contents: index.html, hello.txt, big.bin (1 MiB), style.css, data.json,
    sub/ (with page.txt, no index), docs/ (with index.html), .hidden, .git/config,
    a symlink to the sentinel and one to the parent directory, and `<script>.txt`."""
    base = str(base)
    root = os.path.join(base, "www")
    os.makedirs(root)
    with open(os.path.join(base, "secret.txt"), "wb") as f:
        f.write(SENTINEL + b"\n")
    # A sibling directory whose name shares the root's prefix: "/../www-secret/x" must not work.
    os.makedirs(os.path.join(base, "www-secret"))
    with open(os.path.join(base, "www-secret", "secret.txt"), "wb") as f:
        f.write(SENTINEL + b" (sibling)\n")

    def write(rel, data):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    write("index.html", INDEX_HTML)
    write("hello.txt", HELLO_TXT)
    write("big.bin", big_content())
    write("style.css", b"body { color: #222 }\n")
    write("data.json", b'{"ok": true}\n')
    write("sub/page.txt", b"a page in a directory without index\n")
    write("docs/index.html", b"<p>docs index</p>\n")
    write(".hidden", b"hidden dotfile\n")
    write(".git/config", b"[core]\n\trepositoryformatversion = 0\n")
    write("<script>.txt", b"angle brackets\n")
    write("a&b \"q\".txt", b"ampersand and quotes\n")
    os.symlink(os.path.join(base, "secret.txt"), os.path.join(root, "link-out.txt"))
    os.symlink("../secret.txt", os.path.join(root, "rel-link-out.txt"))
    os.symlink(base, os.path.join(root, "link-parent"))
    os.symlink("hello.txt", os.path.join(root, "link-in.txt"))
    return root


class Response:
    """One parsed response: status, reason, headers (lowercase name -> list of values),
    body, and the raw head bytes."""

    def __init__(self, status, reason, fields, body, raw_head):
        self.status = status
        self.reason = reason
        self.fields = fields
        self.body = body
        self.raw_head = raw_head

    def header(self, name, default=None):
        values = self.fields.get(name.lower())
        if not values:
            return default
        return ", ".join(values)

    def headers_named(self, name):
        return list(self.fields.get(name.lower(), []))

    def wants_close(self):
        conn = (self.header("connection") or "").lower()
        return "close" in [t.strip() for t in conn.split(",")]

    def __repr__(self):
        return f"<Response {self.status} {self.reason} {self.fields} body={len(self.body)}B>"


class ResponseReader:
    """Reads responses one at a time from a socket, keeping what it read past each one."""

    def __init__(self, sock, timeout=30.0):
        self.sock = sock
        self.buf = bytearray()
        self.eof = False
        sock.settimeout(timeout)

    def _fill(self):
        if self.eof:
            return False
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _read_until(self, marker):
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                out = bytes(self.buf[:i + len(marker)])
                del self.buf[:i + len(marker)]
                return out
            if not self._fill():
                raise EOFError(f"connection closed; {len(self.buf)} bytes without {marker!r}: "
                               f"{bytes(self.buf[:200])!r}")

    def read_exactly(self, n):
        while len(self.buf) < n:
            if not self._fill():
                raise EOFError(f"connection closed after {len(self.buf)} of {n} body bytes")
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_to_eof(self):
        while self._fill():
            pass
        out = bytes(self.buf)
        self.buf.clear()
        return out

    def at_eof(self, timeout=10.0):
        """True if the peer closed with nothing more to read (waits up to timeout)."""
        if self.buf:
            return False
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            return not self._fill()
        except socket.timeout:
            return False
        finally:
            self.sock.settimeout(old)

    def read_response(self, method="GET", allow_interim=False):
        """Reads one response; checks its syntax and framing. With allow_interim, a 1xx
        response is returned as is; otherwise 1xx responses are skipped."""
        while True:
            head = self._read_until(b"\r\n\r\n")
            m = STATUS_LINE_RE.match(head)
            assert m, f"bad status line: {head[:100]!r}"
            status = int(m.group(1))
            reason = m.group(2).decode("latin-1")
            fields = {}
            for line in head[m.end():-2].split(b"\r\n")[:-1]:
                assert b"\n" not in line and b"\r" not in line, f"bare CR/LF in {head!r}"
                name, colon, value = line.partition(b":")
                assert colon and name and name == name.strip(), f"bad field line {line!r}"
                fields.setdefault(name.decode("latin-1").lower(), []).append(
                    value.strip(b" \t").decode("latin-1"))
            if 100 <= status < 200:
                assert "content-length" not in fields and "transfer-encoding" not in fields
                if allow_interim:
                    return Response(status, reason, fields, b"", head)
                continue
            break
        body = b""
        te = fields.get("transfer-encoding")
        cl = fields.get("content-length")
        if te is not None:
            assert cl is None, f"both Content-Length and Transfer-Encoding: {head!r}"
        if cl is not None:
            assert len(cl) == 1 and cl[0].isdigit(), f"bad Content-Length {cl}"
        if status in (204, 304):
            assert te is None, f"{status} with Transfer-Encoding"
            if status == 204:
                assert cl is None, "204 with Content-Length"
        elif method == "HEAD":
            pass
        elif te is not None:
            assert te == ["chunked"], f"unexpected Transfer-Encoding {te}"
            body = self._read_chunked()
        elif cl is not None:
            body = self.read_exactly(int(cl[0]))
        else:
            body = self.read_to_eof()  # close-delimited (RFC 9112 6.3 rule 8)
        return Response(status, reason, fields, body, head)

    def _read_chunked(self):
        out = bytearray()
        while True:
            line = self._read_until(b"\r\n")[:-2]
            size = int(line.split(b";")[0], 16)
            if size == 0:
                while self._read_until(b"\r\n") != b"\r\n":
                    pass  # trailer fields
                return bytes(out)
            out += self.read_exactly(size)
            assert self.read_exactly(2) == b"\r\n", "chunk not followed by CRLF"


def connect(server, timeout=30.0):
    host, port = server.host_port
    return socket.create_connection((host, port), timeout=timeout)


def request_bytes(method, target, headers=(), body=b"", version="HTTP/1.1",
                  host="localhost"):
    """A request head (plus body) with Host first unless host is None."""
    lines = [f"{method} {target} {version}"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def exchange(server, data, method="GET", timeout=30.0):
    """Opens a connection, sends raw bytes, reads one response; returns (response, reader)."""
    sock = connect(server, timeout)
    reader = ResponseReader(sock, timeout)
    sock.sendall(data)
    resp = reader.read_response(method)
    return resp, reader


def get(server, target, headers=(), method="GET", body=b"", version="HTTP/1.1"):
    """One request on its own connection (closed afterwards); returns the Response."""
    hdrs = list(headers)
    if not any(k.lower() == "connection" for k, _ in hdrs):
        hdrs.append(("Connection", "close"))
    resp, reader = exchange(server, request_bytes(method, target, hdrs, body, version), method)
    reader.sock.close()
    return resp


def assert_error_then_close(resp, reader, status):
    """An error response is complete (status, framing, an HTML body matching its length) and
    the server closes the connection right after it."""
    assert resp.status == status, resp
    assert resp.header("content-length") is not None, resp
    assert len(resp.body) == int(resp.header("content-length"))
    if status not in (204, 304) and status >= 200:
        assert resp.body, "error response without a body"
        assert str(status).encode() in resp.body
    assert resp.wants_close(), f"error {status} without Connection: close: {resp.raw_head!r}"
    assert reader.at_eof(), "server did not close after the error response"


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def wait_until(predicate, timeout, interval=0.02, message="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {message}")
        time.sleep(interval)


def fd_targets(pid):
    """The targets of a process's open fds ("socket:[123]", file paths, "anon_inode:...")."""
    base = f"/proc/{pid}/fd"
    out = []
    for name in os.listdir(base):
        try:
            out.append(os.readlink(os.path.join(base, name)))
        except FileNotFoundError:
            pass  # closed while listing
    return out


def socket_fd_count(server):
    return sum(1 for t in fd_targets(server.proc.pid) if t.startswith("socket:"))


def wait_fd_count(server, expected_sockets, timeout=30.0):
    """Waits until the server holds no more sockets than expected_sockets (its listeners and
    internal pairs: the baseline taken before the clients came). Regular files are not
    counted: the per-thread open file cache keeps hot files open by design (bounded by
    FileCache::kMaxEntries)."""
    try:
        wait_until(lambda: socket_fd_count(server) <= expected_sockets, timeout, 0.05,
                   f"socket count back to {expected_sockets}")
    except AssertionError:
        raise AssertionError(f"{socket_fd_count(server)} sockets open, baseline "
                             f"{expected_sockets}: {sorted(fd_targets(server.proc.pid))}") from None
