"""The HTTP/1.1 behaviour of `portico serve` over TLS: the same exchanges as the plain-HTTP
conformance tests (files, HEAD, ranges, conditionals, keep-alive, pipelining, byte-at-a-time
input, slow readers, timeouts), through TLS 1.3 and 1.2, with python ssl, curl and requests.
"""
import os
import socket
import ssl
import time

import pytest

from http_util import (BIG_SIZE, HELLO_TXT, INDEX_HTML, ResponseReader, big_content,
                       request_bytes, wait_fd_count)
from tls_util import Pki, TlsServer, check, tls_connect

JSON = b'{"ok": true}\n'
VERSIONS = ["TLSv1.3", "TLSv1.2"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(tmp_path_factory.mktemp("pki"))
    p.site = p.cert("site", "localhost", ["DNS:localhost", "IP:127.0.0.1"])
    return p


@pytest.fixture
def tls_serve(start_portico, site, pki):
    def start(*flags, threads=2):
        cert, key = pki.site
        return TlsServer(start_portico("serve", site, "--listen", "127.0.0.1:0", "--tls-listen",
                                       "127.0.0.1:0", "--cert", cert, "--key", key, "--threads",
                                       str(threads), *flags))
    return start


def client_context(pki, version):
    ctx = ssl.create_default_context(cafile=pki.ca_cert)
    v = ssl.TLSVersion.TLSv1_3 if version == "TLSv1.3" else ssl.TLSVersion.TLSv1_2
    ctx.minimum_version = ctx.maximum_version = v
    return ctx


def open_tls(server, pki, version="TLSv1.3"):
    s = tls_connect(server.tls_port, pki.ca_cert, context=client_context(pki, version))
    assert s.version() == version
    return s


def req(target, method="GET", headers=(), version="HTTP/1.1"):
    return request_bytes(method, target, headers, version=version)


@pytest.mark.parametrize("version", VERSIONS)
def test_files_head_and_keep_alive_over_tls(tls_serve, pki, version):
    server = tls_serve()
    s = open_tls(server, pki, version)
    reader = ResponseReader(s)
    for i in range(20):
        s.sendall(req("/hello.txt" if i % 2 else "/data.json"))
        r = reader.read_response()
        assert r.status == 200 and not r.wants_close()
        assert r.body == (HELLO_TXT if i % 2 else JSON)
    s.sendall(req("/", "HEAD"))
    r = reader.read_response("HEAD")
    assert r.status == 200 and r.body == b""
    assert r.header("content-length") == str(len(INDEX_HTML))
    s.sendall(req("/missing.txt"))
    assert reader.read_response().status == 404
    s.sendall(req("/hello.txt", headers=[("Connection", "close")]))
    last = reader.read_response()
    assert last.wants_close() and last.body == HELLO_TXT
    assert reader.at_eof()
    s.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_one_mib_file_is_intact_over_tls(tls_serve, pki, version):
    # Larger than the inline limit: sent from the file (kTLS sendfile or pread + SSL_write).
    server = tls_serve()
    s = open_tls(server, pki, version)
    reader = ResponseReader(s, timeout=60)
    s.sendall(req("/big.bin"))
    r = reader.read_response()
    assert r.status == 200 and len(r.body) == BIG_SIZE
    assert r.body == big_content()
    s.close()


def test_ranges_and_conditionals_over_tls(tls_serve, pki):
    server = tls_serve()
    s = open_tls(server, pki)
    reader = ResponseReader(s)
    big = big_content()
    s.sendall(req("/big.bin", headers=[("Range", "bytes=1000-1999")]))
    r = reader.read_response()
    assert r.status == 206
    assert r.header("content-range") == f"bytes 1000-1999/{BIG_SIZE}"
    assert r.body == big[1000:2000]
    s.sendall(req("/big.bin", headers=[("Range", f"bytes=-100")]))
    r = reader.read_response()
    assert r.status == 206 and r.body == big[-100:]
    s.sendall(req("/big.bin", headers=[("Range", "bytes=0-9,500000-600000")]))
    r = reader.read_response()
    assert r.status == 206
    assert r.header("content-type").startswith("multipart/byteranges")
    assert big[0:10] in r.body and big[500000:600001] in r.body
    s.sendall(req("/big.bin", headers=[("Range", f"bytes={BIG_SIZE}-")]))
    r = reader.read_response()
    assert r.status == 416
    s.sendall(req("/hello.txt"))
    etag = reader.read_response().header("etag")
    s.sendall(req("/hello.txt", headers=[("If-None-Match", etag)]))
    r = reader.read_response()
    assert r.status == 304 and r.body == b""
    s.sendall(req("/hello.txt"))
    assert reader.read_response().body == HELLO_TXT  # still in sync after the 304
    s.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_one_hundred_pipelined_requests_over_tls(tls_serve, pki, version):
    server = tls_serve()
    plan = []
    for i in range(100):
        kind = i % 5
        if kind == 0:
            plan.append(("GET", f"/hello.txt?i={i}", 200, HELLO_TXT))
        elif kind == 1:
            plan.append(("GET", "/data.json", 200, JSON))
        elif kind == 2:
            plan.append(("HEAD", "/", 200, b""))
        elif kind == 3:
            plan.append(("GET", f"/missing-{i}.txt", 404, None))
        else:
            plan.append(("GET", "/big.bin", 200, None))
    data = b"".join(req(t, m, [("X-Seq", str(i))]) for i, (m, t, _, _) in enumerate(plan))
    s = open_tls(server, pki, version)
    reader = ResponseReader(s, timeout=60)
    s.sendall(data)  # one write: several TLS records arriving together
    for i, (method, target, status, body) in enumerate(plan):
        r = reader.read_response(method)
        assert r.status == status, f"response {i} for {method} {target}: {r}"
        if body is not None:
            assert r.body == body
        if target == "/big.bin":
            assert len(r.body) == BIG_SIZE
    s.close()


def test_request_sent_one_byte_at_a_time_over_tls(tls_serve, pki):
    server = tls_serve()
    s = open_tls(server, pki)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for b in req("/hello.txt"):
        s.sendall(bytes([b]))  # every byte its own TLS record
    r = ResponseReader(s).read_response()
    assert r.status == 200 and r.body == HELLO_TXT
    s.close()


def test_slow_reader_of_a_1_mib_file_over_tls(tls_serve, pki):
    server = tls_serve()
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # small window: many WANT_WRITEs
    raw.settimeout(60)
    raw.connect(("127.0.0.1", server.tls_port))
    s = client_context(pki, "TLSv1.3").wrap_socket(raw, server_hostname="localhost")
    s.sendall(req("/big.bin") + req("/hello.txt", headers=[("Connection", "close")]))
    received = bytearray()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        chunk = s.recv(4096)
        if not chunk:
            break
        received += chunk
        time.sleep(0.001)
    head_end = received.index(b"\r\n\r\n") + 4
    assert bytes(received[head_end:head_end + BIG_SIZE]) == big_content()
    second = bytes(received[head_end + BIG_SIZE:])
    assert second.startswith(b"HTTP/1.1 200 OK\r\n") and second.endswith(b"\r\n\r\n" + HELLO_TXT)
    s.close()


def test_header_timeout_gives_408_over_tls(tls_serve, pki):
    server = tls_serve("--header-timeout", "1s")
    s = open_tls(server, pki)
    s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n")  # never finished
    reader = ResponseReader(s, timeout=15)
    r = reader.read_response()
    assert r.status == 408
    assert reader.at_eof()
    s.close()


def test_curl_and_requests_over_tls(tls_serve, pki, site, tmp_path):
    server = tls_serve()
    url = f"https://localhost:{server.tls_port}"
    out = tmp_path / "big.bin"
    check(["curl", "-sS", "--cacert", pki.ca_cert, "-o", str(out), url + "/big.bin"])
    assert out.read_bytes() == big_content()
    r = check(["curl", "-sS", "--cacert", pki.ca_cert, "-r", "10-19", url + "/big.bin"])
    assert r.stdout == big_content()[10:20]
    r = check(["curl", "-sS", "--cacert", pki.ca_cert, "--http1.1", url + "/hello.txt",
               url + "/data.json"])  # two requests, one connection
    assert r.stdout == HELLO_TXT + JSON
    import requests
    with requests.Session() as session:
        for _ in range(5):
            resp = session.get(url + "/hello.txt", verify=pki.ca_cert, timeout=30)
            assert resp.status_code == 200 and resp.content == HELLO_TXT


def test_fd_count_returns_to_baseline_after_tls_clients_leave(tls_serve, pki):
    server = tls_serve(threads=1)
    with open_tls(server, pki) as s:
        s.sendall(req("/hello.txt", headers=[("Connection", "close")]))
        ResponseReader(s).read_response()
    time.sleep(0.2)
    baseline = server.fd_count()
    socks = []
    for i in range(30):
        s = open_tls(server, pki, VERSIONS[i % 2])
        s.sendall(req("/hello.txt"))
        assert ResponseReader(s).read_response().status == 200
        socks.append(s)
    for i, s in enumerate(socks):
        if i % 3 == 0:
            s.close()  # TCP close without close_notify
        elif i % 3 == 1:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()  # RST
        else:
            try:
                s.unwrap()  # close_notify
            except (ssl.SSLError, OSError):
                pass
            s.close()
    wait_fd_count(server, baseline)
