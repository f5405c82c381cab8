"""examples/kv_server and kv_client: the length-prefixed key-value protocol end to end."""
import os
import socket
import struct
import subprocess

import pytest

from procutil import ManagedProcess, sanitizer_env

BUILD = os.environ.get("PORTICO_BUILD_DIR", os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build"))
KV_SERVER = os.path.join(BUILD, "examples", "kv_server")
KV_CLIENT = os.path.join(BUILD, "examples", "kv_client")

pytestmark = pytest.mark.skipif(not (os.path.exists(KV_SERVER) and os.path.exists(KV_CLIENT)),
                                reason="kv examples not built")


@pytest.fixture(params=["epoll", "poll"])
def server(request):
    with ManagedProcess([KV_SERVER, "--listen", "127.0.0.1:0", "--event-backend",
                         request.param]) as proc:
        yield proc


def kv_client(server, *words):
    host, port = server.address
    result = subprocess.run([KV_CLIENT, "--connect", f"{host}:{port}", *words],
                            capture_output=True, env=sanitizer_env(), timeout=60)
    for marker in ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert marker not in result.stderr.decode(errors="replace"), result.stderr
    return result.returncode, result.stdout.decode(errors="replace").rstrip("\n")


def frame(payload):
    return struct.pack(">I", len(payload)) + payload


def read_frame(sock):
    header = recv_exactly(sock, 4)
    if len(header) < 4:
        return None
    (n,) = struct.unpack(">I", header)
    return recv_exactly(sock, n)


def recv_exactly(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def test_set_get_del_with_the_example_client(server):
    assert kv_client(server, "GET", "name") == (1, "NOT_FOUND")
    assert kv_client(server, "SET", "name", "portico", "server") == (0, "OK")
    assert kv_client(server, "GET", "name") == (0, "VALUE portico server")
    assert kv_client(server, "DEL", "name") == (0, "OK")
    assert kv_client(server, "DEL", "name") == (1, "NOT_FOUND")
    code, out = kv_client(server, "FROB", "x")
    assert code == 1 and out.startswith("ERR unknown command")


def test_client_reports_a_refused_connection():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connecting is refused
        result = subprocess.run([KV_CLIENT, "--connect", f"127.0.0.1:{port}", "GET", "k"],
                                capture_output=True, env=sanitizer_env(), timeout=60)
    assert result.returncode == 1
    assert b"kv_client: connect" in result.stderr


def test_values_are_binary_safe_and_requests_can_be_pipelined(server):
    value = bytes(range(256)) * 40 + b"\n\r\n \x00"
    with socket.create_connection(server.address, timeout=10) as s:
        # Every request in one write, the frames split across TCP segments however they fall.
        s.sendall(frame(b"SET bin " + value) + frame(b"GET bin") + frame(b"SET e ") +
                  frame(b"GET e") + frame(b"GET nokey") + frame(b"SET") + frame(b""))
        assert read_frame(s) == b"OK"
        assert read_frame(s) == b"VALUE " + value
        assert read_frame(s) == b"OK"
        assert read_frame(s) == b"VALUE "
        assert read_frame(s) == b"NOT_FOUND"
        assert read_frame(s).startswith(b"ERR")
        assert read_frame(s).startswith(b"ERR")


def test_oversized_length_closes_only_that_connection(server):
    with socket.create_connection(server.address, timeout=10) as good, \
            socket.create_connection(server.address, timeout=10) as bad:
        good.sendall(frame(b"SET k v"))
        assert read_frame(good) == b"OK"
        bad.sendall(frame(b"GET k") + struct.pack(">I", 2 * 1024 * 1024) + b"garbage")
        assert read_frame(bad) == b"VALUE v"  # the frame before the bad one is answered
        assert read_frame(bad) is None  # then the server closes
        good.sendall(frame(b"GET k"))
        assert read_frame(good) == b"VALUE v"
    assert "frame too large" in server.stderr()
