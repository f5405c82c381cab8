"""`portico forward-proxy` end to end: curl through CONNECT tunnels and absolute-form requests,
target and access rules (400/403), proxy authentication (407), unreachable targets (502),
relaying 100 MiB both ways with bounded memory, half-close, and 500 tunnels at once.

Targets are on loopback, which the proxy denies by default: the tests opt in with
--allow-networks 127.0.0.0/8 where they need to reach them.
"""
import hashlib
import os
import re
import resource
import selectors
import socket
import subprocess
import threading

import pytest

from conftest import PORTICO
from http_util import HELLO_TXT, ResponseReader, big_content, wait_until
from tls_util import HTTPS_RE, Pki, split_host_port, wait_for

LOOPBACK = ("--allow-networks", "127.0.0.0/8")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(tmp_path_factory.mktemp("pki"))
    p.site = p.cert("site", "localhost", ["DNS:localhost", "IP:127.0.0.1"])
    return p


@pytest.fixture
def origin(start_portico, site):
    """A plain `portico serve` of the test site."""
    return start_portico("serve", site, "--listen", "127.0.0.1:0", "--threads", "1")


@pytest.fixture
def fwd(start_portico):
    """Factory: fwd(*flags) -> a running forward proxy on an ephemeral port."""
    def start(*flags, **kwargs):
        return start_portico("forward-proxy", "--listen", "127.0.0.1:0", "--threads", "2",
                             *flags, **kwargs)
    return start


def closed_port():
    """A loopback port with nothing listening on it."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def curl(*args, timeout=60):
    r = subprocess.run(["curl", "-sS", "--max-time", "30", *args], capture_output=True,
                       timeout=timeout)
    return r


def connect_through(proxy, target, headers=(), timeout=30.0):
    """Opens a tunnel with CONNECT; returns (socket, status, head bytes)."""
    s = proxy.connect(timeout)
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}", *[f"{k}: {v}" for k, v in headers]]
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(1)
        if not b:
            break
        head += b
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0
    return s, status, head


def raw_response(proxy, data, timeout=15.0):
    """Sends raw bytes, reads one response; returns it with what followed (the proxy closes)."""
    s = proxy.connect(timeout)
    reader = ResponseReader(s, timeout)
    s.sendall(data)
    resp = reader.read_response("CONNECT" if data.startswith(b"CONNECT") else "GET")
    s.close()
    return resp


class EchoServer:
    """A loopback TCP server: mode "echo" returns every byte; "shout-after-fin" reads until the
    client's FIN, then answers the byte count and closes; "fin-first" sends a greeting, shuts
    its sending side at once and records what it keeps receiving."""

    def __init__(self, mode="echo"):
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]
        self.received_after_fin = bytearray()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def _accept_loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        try:
            if self.mode == "echo":
                while True:
                    b = c.recv(1 << 20)
                    if not b:
                        break
                    c.sendall(b)
                c.shutdown(socket.SHUT_WR)
            elif self.mode == "shout-after-fin":
                n = 0
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    n += len(b)
                c.sendall(f"got {n} bytes".encode())
            elif self.mode == "fin-first":
                c.sendall(b"hello, then FIN")
                c.shutdown(socket.SHUT_WR)
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    self.received_after_fin += b
                self.done.set()
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.sock.close()


@pytest.fixture
def echo_server():
    servers = []

    def make(mode="echo"):
        s = EchoServer(mode)
        servers.append(s)
        return s
    yield make
    for s in servers:
        s.close()


def test_curl_through_a_connect_tunnel_to_an_https_portico(fwd, start_portico, site, pki):
    cert, key = pki.site
    tls = start_portico("serve", site, "--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0",
                        "--cert", cert, "--key", key, "--threads", "1")
    _, tls_port = split_host_port(wait_for(HTTPS_RE, tls)[0])
    proxy = fwd(*LOOPBACK, "--allow-ports", str(tls_port), "--access-log", "-")
    r = curl("--cacert", pki.ca_cert, "-x", proxy.url,
             f"https://127.0.0.1:{tls_port}/hello.txt")
    assert r.returncode == 0, r.stderr
    assert r.stdout == HELLO_TXT
    r = curl("--cacert", pki.ca_cert, "-x", proxy.url, f"https://127.0.0.1:{tls_port}/big.bin")
    assert r.returncode == 0, r.stderr
    assert r.stdout == big_content()
    # The access log line of a tunnel carries the target, the address, bytes each way and the
    # duration, written when the tunnel ends.
    wait_until(lambda: proxy.stdout().count("CONNECT 127.0.0.1:") >= 2, 10, message="log")
    lines = [ln for ln in proxy.stdout().splitlines() if "CONNECT 127.0.0.1:" in ln]
    m = re.search(r"target=127\.0\.0\.1:(\d+) addr=127\.0\.0\.1:\d+ up=(\d+) down=(\d+) "
                  r"ms=\d+ reason=\S+", lines[1])
    assert m, lines[1]
    assert int(m.group(1)) == tls_port
    assert int(m.group(2)) > 0 and int(m.group(3)) > len(big_content()), lines[1]


def test_curl_absolute_form_and_connect_to_a_plain_server(fwd, origin):
    proxy = fwd(*LOOPBACK, "--allow-ports", str(origin.port))
    url = f"http://127.0.0.1:{origin.port}/hello.txt"
    r = curl("-i", "-x", proxy.url, url)
    assert r.returncode == 0, r.stderr
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    assert body == HELLO_TXT
    assert b"\r\nVia: 1.1 portico" in head, head  # RFC 9110 7.6.3
    r = curl("-p", "-x", proxy.url, url)
    assert r.returncode == 0, r.stderr
    assert r.stdout == HELLO_TXT
    # Keep-alive to the client: two absolute-form requests share one proxy connection.
    r = curl("-v", "-x", proxy.url, url, url)
    assert r.returncode == 0, r.stderr
    assert r.stdout == HELLO_TXT * 2
    assert b"Re-using existing connection" in r.stderr or b"Reusing existing" in r.stderr, r.stderr


def test_absolute_form_removes_hop_by_hop_fields_and_proxy_credentials(fwd, echo_server):
    # The origin is a raw socket: it shows exactly which fields arrived.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    proxy = fwd(*LOOPBACK, "--allow-ports", str(port))
    got = {}

    def serve_once():
        c, _ = srv.accept()
        data = b""
        while b"\r\n\r\n" not in data:
            data += c.recv(4096)
        got["head"] = data
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n"
                  b"Keep-Alive: timeout=5\r\n\r\nok")
        c.close()
    t = threading.Thread(target=serve_once, daemon=True)
    t.start()
    req = (f"GET http://127.0.0.1:{port}/p?q=1 HTTP/1.1\r\nHost: ignored.example\r\n"
           "Proxy-Connection: keep-alive\r\nX-Drop: 1\r\nConnection: x-drop\r\nTE: trailers\r\n"
           "Proxy-Authorization: Basic dXNlcjpwYXNz\r\nAccept: */*\r\n\r\n").encode()
    resp = raw_response(proxy, req)
    t.join(10)
    srv.close()
    assert resp.status == 200 and resp.body == b"ok"
    head = got["head"].decode("latin-1")
    assert head.startswith("GET /p?q=1 HTTP/1.1\r\n"), head
    assert f"\r\nHost: 127.0.0.1:{port}\r\n" in head  # RFC 9112 3.2.2: the URI wins over Host
    for gone in ("Proxy-Connection", "X-Drop", "TE:", "Proxy-Authorization", "dXNlcjpwYXNz"):
        assert gone.lower() not in head.lower(), head
    assert "\r\nAccept: */*\r\n" in head
    assert "\r\nVia: 1.1 portico\r\n" in head
    assert resp.header("keep-alive") is None


@pytest.mark.parametrize("target", [
    "127.0.0.1",             # no port
    "127.0.0.1:",            # empty port
    "127.0.0.1:0",           # port 0
    "127.0.0.1:65536",       # beyond 65535
    "127.0.0.1:99999999",
    "user@127.0.0.1:443",    # userinfo
    "user:pw@127.0.0.1:443",
    "[::1:443",              # unterminated IPv6 literal
    "[127.0.0.1]:443",       # an IPv4 address in brackets
])
def test_malformed_connect_targets_get_400(fwd, target):
    proxy = fwd(*LOOPBACK)
    req = f"CONNECT {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    resp = raw_response(proxy, req)
    assert resp.status == 400, (target, resp)


def test_denied_ports_networks_and_names_get_403(fwd, origin):
    proxy = fwd("--deny-hosts", "*.blocked.test")
    cases = [
        (f"127.0.0.1:{origin.port}", b"port"),   # not in the default 443, 80
        ("127.0.0.1:443", b"denied network"),      # loopback: denied by default
        ("10.1.2.3:443", b"denied network"),       # RFC 1918
        ("169.254.169.254:80", b"denied network"),  # link-local (cloud metadata)
        ("[::1]:443", b"denied network"),
        ("www.blocked.test:443", b"host is not allowed"),
        ("localhost:443", b"denied network"),      # the resolved address counts (rebinding)
    ]
    for target, why in cases:
        s, status, head = connect_through(proxy, target)
        rest = s.recv(4096)
        s.close()
        assert status == 403, (target, head)
        assert why in rest, (target, rest)
    # An absolute-form request is checked the same way.
    resp = raw_response(proxy, b"GET http://127.0.0.1/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert resp.status == 403


def test_client_networks_restrict_who_may_use_the_proxy(fwd):
    proxy = fwd(*LOOPBACK, "--client-networks", "192.0.2.0/24")
    _, status, _ = connect_through(proxy, "127.0.0.1:443")
    assert status == 403


def test_proxy_authentication_missing_wrong_and_right(fwd, tmp_path, echo_server):
    users = tmp_path / "users"
    subprocess.run([PORTICO, "passwd", str(users), "alice"], input=b"s3cret-pass\n", check=True,
                   timeout=60, capture_output=True)
    echo = echo_server()
    proxy = fwd(*LOOPBACK, "--allow-ports", str(echo.port), "--auth-file", str(users))
    target = f"127.0.0.1:{echo.port}"
    s, status, head = connect_through(proxy, target)
    s.close()
    assert status == 407, head
    assert b'\r\nProxy-Authenticate: Basic realm="portico proxy"' in head, head
    import base64
    bad = base64.b64encode(b"alice:wrong").decode()
    s, status, head = connect_through(proxy, target, [("Proxy-Authorization", "Basic " + bad)])
    s.close()
    assert status == 407, head
    good = base64.b64encode(b"alice:s3cret-pass").decode()
    s, status, head = connect_through(proxy, target, [("Proxy-Authorization", "Basic " + good)])
    assert status == 200, head
    assert head.startswith(b"HTTP/1.1 200 Connection established\r\n"), head
    s.sendall(b"ping")
    assert s.recv(4) == b"ping"
    s.close()
    # curl with -U through the proxy too
    r = curl("-p", "-x", proxy.url, "-U", "alice:s3cret-pass", "-o", "/dev/null", "-w",
             "%{http_connect}", f"http://{target}/")
    assert r.stdout.startswith(b"200"), r
    # Credentials never reach the logs.
    assert "s3cret-pass" not in proxy.stderr() and "wrong" not in proxy.stderr()


def test_unreachable_and_unresolvable_targets_get_502(fwd):
    port = closed_port()
    proxy = fwd(*LOOPBACK, "--allow-ports", f"{port},443", "--dns-servers", "127.0.0.1:1")
    _, status, head = connect_through(proxy, f"127.0.0.1:{port}")
    assert status == 502, head
    _, status, head = connect_through(proxy, "no-such-host.invalid:443")
    assert status == 502, head
    resp = raw_response(proxy, f"GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert resp.status == 502


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_100_mib_both_ways_intact_with_bounded_memory(fwd, echo_server):
    echo = echo_server("echo")
    # ASan keeps freed memory in a quarantine (256 MiB by default) that would dominate the peak;
    # a small one lets the measurement show the relay's own buffers.
    env = {"ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1:quarantine_size_mb=8"}
    proxy = fwd(*LOOPBACK, "--allow-ports", str(echo.port), env=env)
    # Warm up (thread stacks, first buffers) before the baseline.
    s, status, _ = connect_through(proxy, f"127.0.0.1:{echo.port}")
    assert status == 200
    s.sendall(b"x" * 65536)
    got = 0
    while got < 65536:
        got += len(s.recv(65536))
    s.close()
    base = vm_hwm_kib(proxy.proc.pid)

    total = 100 * 1024 * 1024
    s, status, _ = connect_through(proxy, f"127.0.0.1:{echo.port}", timeout=120)
    assert status == 200
    sent_hash = hashlib.sha256()
    recv_hash = hashlib.sha256()
    block = os.urandom(1 << 20)
    received = 0

    def reader():
        nonlocal received
        while True:
            b = s.recv(1 << 20)
            if not b:
                return
            recv_hash.update(b)
            received += len(b)
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    for i in range(total // len(block)):
        chunk = bytes([i & 0xFF]) + block[1:]
        sent_hash.update(chunk)
        s.sendall(chunk)
    s.shutdown(socket.SHUT_WR)
    t.join(240)
    s.close()
    assert received == total
    assert recv_hash.digest() == sent_hash.digest()
    # Bounded buffers: the relay's memory does not grow with the bytes relayed.
    grown = vm_hwm_kib(proxy.proc.pid) - base
    assert grown < 48 * 1024, f"peak memory grew by {grown} KiB relaying 2 x 100 MiB"


def test_half_close_from_the_client_passes_through(fwd, echo_server):
    srv = echo_server("shout-after-fin")
    proxy = fwd(*LOOPBACK, "--allow-ports", str(srv.port))
    s, status, _ = connect_through(proxy, f"127.0.0.1:{srv.port}")
    assert status == 200
    s.sendall(b"a" * 100000)
    s.shutdown(socket.SHUT_WR)  # the target sees EOF, and may still answer
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    assert data == b"got 100000 bytes"


def test_half_close_from_the_target_passes_through(fwd, echo_server):
    srv = echo_server("fin-first")
    proxy = fwd(*LOOPBACK, "--allow-ports", str(srv.port))
    s, status, _ = connect_through(proxy, f"127.0.0.1:{srv.port}")
    assert status == 200
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break  # the target's FIN, passed on
        data += b
    assert data == b"hello, then FIN"
    s.sendall(b"still talking after your FIN")  # our direction stays open
    s.shutdown(socket.SHUT_WR)
    assert srv.done.wait(10)
    s.close()
    assert bytes(srv.received_after_fin) == b"still talking after your FIN"


def test_five_hundred_tunnels_at_once(fwd, echo_server):
    n = 500
    # This process holds 2 sockets per tunnel (client and echo side), the proxy 2 as well.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * n + 100
    if soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            pytest.skip(f"ulimit -n {hard} is below the {need} this test needs")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    echo = echo_server("echo")
    proxy = fwd(*LOOPBACK, "--allow-ports", str(echo.port), "--max-tunnels-per-client", str(n))
    socks = []
    try:
        for i in range(n):
            s, status, head = connect_through(proxy, f"127.0.0.1:{echo.port}")
            assert status == 200, (i, head)
            socks.append(s)
        sel = selectors.DefaultSelector()
        for i, s in enumerate(socks):
            s.sendall(f"tunnel {i:04d}".encode())
        for i, s in enumerate(socks):
            want = f"tunnel {i:04d}".encode()
            got = b""
            while len(got) < len(want):
                b = s.recv(64)
                assert b, f"tunnel {i} closed early"
                got += b
            assert got == want
        sel.close()
        # One over the per-client limit is refused with 429.
        s, status, _ = connect_through(proxy, f"127.0.0.1:{echo.port}")
        s.close()
        assert status == 429
    finally:
        for s in socks:
            s.close()


def test_connect_timeout_gets_504(fwd):
    # A listener whose accept queue is full and never accepted: further SYNs are dropped, so a
    # connect to it neither succeeds nor is refused.
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            f = socket.socket()
            f.setblocking(False)
            f.connect_ex(("127.0.0.1", port))
            fillers.append(f)
        proxy = fwd(*LOOPBACK, "--allow-ports", str(port), "--connect-timeout", "300ms")
        s, status, head = connect_through(proxy, f"127.0.0.1:{port}")
        s.close()
        assert status == 504, head
    finally:
        for f in fillers:
            f.close()
        srv.close()


def test_idle_tunnel_is_closed(fwd, echo_server):
    echo = echo_server("echo")
    proxy = fwd(*LOOPBACK, "--allow-ports", str(echo.port), "--idle-timeout", "300ms")
    s, status, _ = connect_through(proxy, f"127.0.0.1:{echo.port}")
    assert status == 200
    s.sendall(b"ping")
    assert s.recv(4) == b"ping"
    s.settimeout(20)
    assert s.recv(16) == b""  # closed by the proxy once idle
    s.close()


def test_tunnel_limit_per_client_and_release(fwd, echo_server):
    echo = echo_server("echo")
    proxy = fwd(*LOOPBACK, "--allow-ports", str(echo.port), "--max-tunnels-per-client", "2")
    a, sa, _ = connect_through(proxy, f"127.0.0.1:{echo.port}")
    b, sb, _ = connect_through(proxy, f"127.0.0.1:{echo.port}")
    c, sc, head = connect_through(proxy, f"127.0.0.1:{echo.port}")
    c.close()
    assert (sa, sb, sc) == (200, 200, 429), head
    a.close()  # a closed tunnel frees its place

    def third_ok():
        s, st, _ = connect_through(proxy, f"127.0.0.1:{echo.port}")
        s.close()
        return st == 200
    wait_until(third_ok, 10, interval=0.1, message="a tunnel place to be released")
    b.close()


def test_stopping_with_open_tunnels_and_pending_connects_exits_cleanly(fwd, echo_server):
    echo = echo_server("echo")
    srv = socket.socket()  # a target that never accepts: its connect stays pending
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    hang_port = srv.getsockname()[1]
    fillers = []
    for _ in range(8):
        f = socket.socket()
        f.setblocking(False)
        f.connect_ex(("127.0.0.1", hang_port))
        fillers.append(f)
    proxy = fwd(*LOOPBACK, "--allow-ports", f"{echo.port},{hang_port}")
    open_tunnels = []
    for _ in range(3):
        s, status, _ = connect_through(proxy, f"127.0.0.1:{echo.port}")
        assert status == 200
        s.sendall(b"x")
        assert s.recv(1) == b"x"
        open_tunnels.append(s)
    pending = proxy.connect()
    pending.sendall(f"CONNECT 127.0.0.1:{hang_port} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    # The fixture's teardown stops the proxy with SIGTERM and checks exit 0 and no sanitizer
    # report; stop it here already so the sockets can be checked.
    assert proxy.stop() == 0
    proxy.assert_clean()
    for s in open_tunnels + [pending]:
        s.settimeout(10)
        try:
            while s.recv(4096):
                pass
        except ConnectionResetError:
            pass
        s.close()
    for f in fillers:
        f.close()
    srv.close()


def forward_proxy_config(tmp_path, section):
    (tmp_path / "www").mkdir(exist_ok=True)
    (tmp_path / "www" / "index.html").write_text("the site\n")
    path = tmp_path / "portico.toml"
    path.write_text(f"""
[server]
threads = 2

[[listen]]
address = "127.0.0.1:0"

[forward_proxy]
{section}

[[site]]
root = "www"
""")
    return str(path)


def test_config_forward_proxy_section_serves_proxy_requests_beside_the_sites(
        start_portico, tmp_path, echo_server, origin):
    echo = echo_server("echo")
    conf = forward_proxy_config(tmp_path, f"""
allow_ports = [{echo.port}, {origin.port}]
allow_networks = ["127.0.0.0/8"]
idle_timeout = "1m"
""")
    check = subprocess.run([PORTICO, "check", "-c", conf], capture_output=True, timeout=30)
    assert check.returncode == 0, check.stderr
    p = start_portico("run", "-c", conf)
    # CONNECT and absolute-form requests go to the proxy ...
    s, status, _ = connect_through(p, f"127.0.0.1:{echo.port}")
    assert status == 200
    s.sendall(b"through the config")
    assert s.recv(64) == b"through the config"
    s.close()
    r = curl("-x", p.url, f"http://127.0.0.1:{origin.port}/hello.txt")
    assert r.stdout == HELLO_TXT, r
    # ... its rules apply ...
    _, status, _ = connect_through(p, "127.0.0.1:443")
    assert status == 403
    # ... and origin-form requests still reach the sites.
    r = curl(p.url + "/")
    assert r.stdout == b"the site\n"


def test_config_forward_proxy_errors_name_file_line_and_column(tmp_path):
    conf = forward_proxy_config(tmp_path, """
allow_ports = [443, 0]
allow_networks = ["10.0.0.1/8"]
alow_hosts = ["x"]
""")
    r = subprocess.run([PORTICO, "check", "-c", conf], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert re.search(r"portico\.toml:10:21: a port in 'allow_ports'", r.stderr), r.stderr
    assert re.search(r"portico\.toml:12:1: unknown key 'alow_hosts'", r.stderr), r.stderr
    conf = forward_proxy_config(tmp_path, 'allow_networks = ["10.0.0.1/8"]')
    r = subprocess.run([PORTICO, "check", "-c", conf], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "allow_networks: '10.0.0.1/8'" in r.stderr, r.stderr
    conf = forward_proxy_config(tmp_path, 'auth_file = "missing-users"')
    r = subprocess.run([PORTICO, "check", "-c", conf], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "auth_file 'missing-users'" in r.stderr, r.stderr
