"""`portico proxy` streams: 100 MiB up and down in bounded memory (backpressure both ways), and
a WebSocket echo tunnelled through the proxy (101, raw bytes both ways, close)."""
import base64
import hashlib
import json
import os
import socket
import threading
import time

from proxy_backend import make_frame, read_frame
from proxy_util import Client, backends, proxy, vm_kib  # noqa: F401 (fixtures)

MIB = 1 << 20
TOTAL = 100 * MIB
# The proxy's own footprint (ASan builds included) plus its windows: far below the 100 MiB that
# would show a body being buffered whole.
RSS_GROWTH_LIMIT_KIB = 48 * 1024
# ASan keeps freed memory in a quarantine (256 MiB by default) that would look like buffering.
SMALL_QUARANTINE = {"ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1:quarantine_size_mb=8"}


def test_100_mib_download_in_bounded_memory(backends, proxy):
    (b,) = backends(1)
    p = proxy([b], env=SMALL_QUARANTINE)
    c = Client(p)
    assert c.who() == "b0"  # warm up: worker state and buffers exist
    base = vm_kib(p.proc.pid, "VmHWM")
    for path in (f"/big?n={TOTAL}", f"/chunked?n={TOTAL // 4}"):
        s = socket.create_connection(p.host_port, timeout=60)
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
        received = 0
        reads = 0
        while True:
            # Read slowly at first so the client is the bottleneck and the proxy must stop
            # reading from the upstream instead of queueing what it sends.
            if reads < 50:
                time.sleep(0.02)
            reads += 1
            data = s.recv(64 * 1024 if reads < 50 else 256 * 1024)
            if not data:
                break
            received += len(data)
        s.close()
        assert received > (TOTAL // 4 if "chunked" in path else TOTAL)
    growth = vm_kib(p.proc.pid, "VmHWM") - base
    assert growth < RSS_GROWTH_LIMIT_KIB, f"peak RSS grew by {growth} KiB"
    c.close()


def test_100_mib_upload_in_bounded_memory(backends, proxy):
    (b,) = backends(1)
    p = proxy([b], env=SMALL_QUARANTINE)
    c = Client(p)
    assert c.who() == "b0"
    base = vm_kib(p.proc.pid, "VmHWM")
    block = os.urandom(MIB)
    h = hashlib.sha256()
    for _ in range(TOTAL // MIB):
        h.update(block)

    def body():
        for _ in range(TOTAL // MIB):
            yield block

    c.timeout = 120
    status, _, reply = c.request("PUT", "/upload", body=body(),
                                 headers={"Content-Length": str(TOTAL)})
    assert status == 200
    report = json.loads(reply)
    assert report["body_bytes"] == TOTAL and report["sha256"] == h.hexdigest()
    growth = vm_kib(p.proc.pid, "VmHWM") - base
    assert growth < RSS_GROWTH_LIMIT_KIB, f"peak RSS grew by {growth} KiB"
    c.close()


def ws_handshake(p):
    s = socket.create_connection(p.host_port, timeout=20)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    f = s.makefile("rb")
    status = f.readline()
    fields = {}
    while True:
        line = f.readline().decode("latin-1")
        if line in ("\r\n", ""):
            break
        k, _, v = line.partition(":")
        fields[k.strip().lower()] = v.strip()
    accept = base64.b64encode(
        hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    return s, f, status, fields, accept


def test_websocket_echo_through_the_proxy(backends, proxy):
    (b,) = backends(1)
    p = proxy([b])
    s, f, status, fields, accept = ws_handshake(p)
    assert status.startswith(b"HTTP/1.1 101")
    assert fields["upgrade"].lower() == "websocket"
    assert "upgrade" in fields["connection"].lower()
    assert fields["sec-websocket-accept"] == accept
    assert fields["x-backend"] == "b0"
    mask = b"\x01\x02\x03\x04"
    for payload in (b"hello", b"x" * 300, os.urandom(200_000)):
        s.sendall(make_frame(2, payload, mask))
        opcode, echoed = read_frame(f)
        assert opcode == 2 and echoed == payload
    s.sendall(make_frame(8, b"\x03\xe8", mask))  # close 1000
    opcode, _ = read_frame(f)
    assert opcode == 8
    # The backend closes after its close frame; the proxy passes the end on.
    assert f.read() == b""
    s.close()
    # The proxy still serves plain requests afterwards.
    c = Client(p)
    assert c.who() == "b0"
    c.close()


def test_websocket_many_messages_both_ways_concurrently(backends, proxy):
    (b,) = backends(1)
    p = proxy([b])
    s, f, status, _, _ = ws_handshake(p)
    assert status.startswith(b"HTTP/1.1 101")
    mask = b"\xaa\xbb\xcc\xdd"
    messages = [os.urandom(1000 + i * 37) for i in range(300)]

    def writer():
        for m in messages:
            s.sendall(make_frame(2, m, mask))

    t = threading.Thread(target=writer)
    t.start()
    for m in messages:
        opcode, echoed = read_frame(f)
        assert opcode == 2 and echoed == m
    t.join()
    s.sendall(make_frame(8, b"", mask))
    assert read_frame(f)[0] == 8
    s.close()


def test_a_client_leaving_mid_download_closes_the_upstream_connection(backends, proxy):
    from procutil import wait_until
    (b,) = backends(1)
    p = proxy([b], "--pool-size", "0")
    baseline = p.fd_count()
    s = socket.create_connection(p.host_port, timeout=20)
    s.sendall(f"GET /big?n={TOTAL * 5} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    received = 0
    while received < MIB:
        received += len(s.recv(65536))
    s.close()
    # Both the client's and the upstream's sockets go away; nothing leaks.
    wait_until(lambda: p.fd_count() == baseline, 20, message="proxy fds back to baseline")
    c = Client(p)
    assert c.who() == "b0"
    c.close()


def test_a_tunnel_closed_by_the_client_closes_the_upstream_side(backends, proxy):
    from procutil import wait_until
    (b,) = backends(1)
    p = proxy([b])
    baseline = p.fd_count()
    s, f, status, _, _ = ws_handshake(p)
    assert status.startswith(b"HTTP/1.1 101")
    s.sendall(make_frame(1, b"hi", b"\x00\x00\x00\x01"))
    assert read_frame(f) == (1, b"hi")
    f.close()
    s.close()  # no close frame: the client just goes away
    wait_until(lambda: p.fd_count() == baseline, 20, message="proxy fds back to baseline")
