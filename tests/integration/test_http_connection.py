"""`portico serve` connection behaviour (RFC 9112 9): persistence under HTTP/1.0 and 1.1 rules,
pipelining answered in order (also behind streamed bodies), byte-at-a-time input, half-close,
Expect: 100-continue, the Date and Server fields, fds released after mixed clients. The core
cases run on both event backends. Slow and stalled clients: test_http_slow_clients.py.
"""
import http.client
import re
import signal
import socket
import struct
import time
from email.utils import parsedate_to_datetime

import pytest

from http_util import (BIG_SIZE, HELLO_TXT, IMF_FIXDATE_RE, INDEX_HTML, ResponseReader,
                       assert_error_then_close, big_content, connect, request_bytes,
                       socket_fd_count, wait_fd_count)

BACKENDS = ["epoll", "poll"]
JSON = b'{"ok": true}\n'


def req(target, method="GET", headers=(), version="HTTP/1.1"):
    return request_bytes(method, target, headers, version=version)


@pytest.mark.parametrize("backend", BACKENDS)
def test_keep_alive_serves_many_requests_on_one_connection(serve, backend):
    server = serve("--event-backend", backend)
    sock = connect(server)
    reader = ResponseReader(sock)
    for i in range(20):
        sock.sendall(req("/hello.txt" if i % 2 else "/data.json"))
        resp = reader.read_response()
        assert resp.status == 200 and not resp.wants_close()
        assert resp.body == (HELLO_TXT if i % 2 else JSON)
    sock.sendall(req("/hello.txt", headers=[("Connection", "close")]))
    last = reader.read_response()
    assert last.status == 200 and last.wants_close() and last.body == HELLO_TXT
    assert reader.at_eof()
    sock.close()


def test_http_1_0_closes_by_default(serve):
    server = serve()
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(b"GET /hello.txt HTTP/1.0\r\n\r\n")
    resp = reader.read_response()
    assert resp.status == 200 and resp.body == HELLO_TXT
    assert resp.header("connection", "").lower() in ("close", "")
    assert reader.at_eof()
    sock.close()


def test_http_1_0_keep_alive_is_honoured_and_announced(serve):
    server = serve()
    sock = connect(server)
    reader = ResponseReader(sock)
    for _ in range(3):
        sock.sendall(b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        resp = reader.read_response()
        assert resp.status == 200 and resp.body == HELLO_TXT
        assert resp.header("connection").lower() == "keep-alive"
    # Without the token the next 1.0 request is the last.
    sock.sendall(b"GET /data.json HTTP/1.0\r\n\r\n")
    assert reader.read_response().body == JSON
    assert reader.at_eof()
    sock.close()


def test_http_1_1_connection_close_token_in_a_list(serve):
    server = serve()
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(req("/hello.txt", headers=[("Connection", "foo, Close")]))
    resp = reader.read_response()
    assert resp.status == 200 and resp.wants_close()
    assert reader.at_eof()
    sock.close()


def test_max_requests_per_connection_ends_with_connection_close(serve):
    server = serve("--max-requests", "3")
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(req("/hello.txt") * 5)  # two more than allowed, pipelined
    for i in range(3):
        resp = reader.read_response()
        assert resp.status == 200 and resp.body == HELLO_TXT
        assert resp.wants_close() == (i == 2)
    assert reader.at_eof()
    sock.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_hundred_pipelined_requests_in_one_write_are_answered_in_order(serve, backend):
    server = serve("--event-backend", backend)
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
            plan.append(("GET", "/", 200, INDEX_HTML))
    data = b"".join(req(t, m, [("X-Seq", str(i))]) for i, (m, t, _, _) in enumerate(plan))
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(data)
    for i, (method, target, status, body) in enumerate(plan):
        resp = reader.read_response(method)
        assert resp.status == status, f"response {i} for {method} {target}: {resp}"
        if body is not None:
            assert resp.body == body, f"response {i} for {method} {target}"
        if method == "HEAD":
            assert resp.header("content-length") == str(len(INDEX_HTML))
        assert not resp.wants_close()
    sock.close()


def test_pipelined_requests_with_bodies_and_a_final_close(serve):
    server = serve()
    data = b""
    for i in range(30):
        body = b"x" * i
        data += req("/hello.txt", "GET", [("Content-Length", str(len(body)))]) + body
        data += (b"GET /data.json HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"3\r\nabc\r\n0\r\n\r\n")
    data += req("/hello.txt", headers=[("Connection", "close")])
    data += req("/never-answered.txt")  # after the close: must be ignored
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(data)
    for _ in range(30):
        assert reader.read_response().body == HELLO_TXT
        assert reader.read_response().body == JSON
    last = reader.read_response()
    assert last.body == HELLO_TXT and last.wants_close()
    assert reader.at_eof()
    sock.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_request_sent_one_byte_at_a_time(serve, backend):
    server = serve("--event-backend", backend)
    sock = connect(server)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    reader = ResponseReader(sock)
    raw = (b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow\r\n"
           b"Accept: */*\r\n\r\n"
           b"POST /x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"4\r\nwiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer-Field: v\r\n\r\n"
           b"HEAD /data.json HTTP/1.1\r\nHost: localhost\r\n\r\n")
    for i in range(len(raw)):
        sock.sendall(raw[i:i + 1])
        time.sleep(0.001)  # separate segments; correctness must not depend on it
    first = reader.read_response()
    assert first.status == 200 and first.body == HELLO_TXT
    second = reader.read_response()
    assert second.status == 405 and "GET" in second.header("allow")
    third = reader.read_response("HEAD")
    assert third.status == 200 and third.header("content-length") == str(len(JSON))
    sock.close()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("target,expected", [("/hello.txt", HELLO_TXT), ("/big.bin", None)])
def test_half_close_after_the_request_still_gets_the_whole_response(serve, backend, target,
                                                                     expected):
    server = serve("--event-backend", backend)
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(req(target))
    sock.shutdown(socket.SHUT_WR)
    resp = reader.read_response()
    assert resp.status == 200
    assert resp.body == (expected if expected is not None else big_content())
    assert reader.at_eof()
    sock.close()


def test_half_close_after_pipelined_requests_answers_all_of_them(serve):
    server = serve()
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(req("/big.bin") + req("/hello.txt") * 10 + req("/big.bin"))
    sock.shutdown(socket.SHUT_WR)
    assert reader.read_response().body == big_content()
    for _ in range(10):
        assert reader.read_response().body == HELLO_TXT
    assert reader.read_response().body == big_content()
    assert reader.at_eof()
    sock.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_pipelined_requests_behind_a_streamed_response_wait_their_turn(serve, site, backend):
    import zlib
    text = "".join(f"line {i} of a large compressible text file\n" for i in range(200000))
    with open(f"{site}/large.txt", "w") as f:
        f.write(text)
    server = serve("--event-backend", backend)
    gz = [("Accept-Encoding", "gzip")]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)  # a slow-ish reader
    sock.settimeout(60)
    sock.connect(server.host_port)
    reader = ResponseReader(sock, timeout=60)
    sock.sendall(req("/large.txt", headers=gz) + req("/hello.txt") +
                 req("/large.txt", "HEAD", gz) + req("/large.txt", headers=gz) +
                 req("/data.json", headers=[("Connection", "close")]))
    first = reader.read_response()
    assert first.header("transfer-encoding") == "chunked"
    assert zlib.decompress(first.body, 47).decode() == text
    assert reader.read_response().body == HELLO_TXT
    head = reader.read_response("HEAD")
    assert head.status == 200 and head.header("content-encoding") == "gzip"
    assert zlib.decompress(reader.read_response().body, 47).decode() == text
    assert reader.read_response().body == JSON
    assert reader.at_eof()
    sock.close()


def test_expect_100_continue_gets_100_then_the_final_response(serve, site):
    server = serve("--allow-uploads")
    sock = connect(server)
    reader = ResponseReader(sock)
    body = b"uploaded after 100 Continue\n"
    sock.sendall(b"PUT /continued.txt HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body))
    interim = reader.read_response(allow_interim=True)
    assert interim.status == 100 and interim.body == b""
    sock.sendall(body)
    final = reader.read_response()
    assert final.status == 201
    with open(f"{site}/continued.txt", "rb") as f:
        assert f.read() == body
    # The connection stays usable.
    sock.sendall(req("/continued.txt"))
    assert reader.read_response().body == body
    sock.close()


def test_expect_100_continue_with_a_too_large_body_gets_413_without_100(serve):
    server = serve("--allow-uploads", "--max-body-size", "1k")
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(b"PUT /big.txt HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                 b"Content-Length: 5000\r\n\r\n")
    first = reader.read_response(allow_interim=True)
    assert_error_then_close(first, reader, 413)
    sock.close()


def test_expect_100_continue_with_the_body_already_sent_needs_no_100(serve):
    server = serve("--allow-uploads")
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(b"PUT /eager.txt HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                 b"Content-Length: 5\r\n\r\nhello")
    resp = reader.read_response(allow_interim=True)
    if resp.status == 100:  # allowed (RFC 9110 10.1.1), but then the final one must follow
        resp = reader.read_response()
    assert resp.status == 201
    sock.close()


def test_expect_100_continue_in_http_1_0_is_ignored(serve, site):
    # RFC 9110 10.1.1: a server MUST ignore a 100-continue expectation in an HTTP/1.0 request.
    server = serve("--allow-uploads")
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(b"PUT /old.txt HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
    sock.sendall(b"hello")
    resp = reader.read_response(allow_interim=True)
    assert resp.status == 201, "an HTTP/1.0 client got an interim response"
    with open(f"{site}/old.txt", "rb") as f:
        assert f.read() == b"hello"
    sock.close()


def test_expect_100_continue_without_a_body_is_answered_directly(serve):
    server = serve()
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(req("/hello.txt", headers=[("Expect", "100-continue")]))
    resp = reader.read_response()  # a 100 first would be allowed and is skipped
    assert resp.status == 200 and resp.body == HELLO_TXT
    sock.close()


def test_date_and_server_fields(serve):
    server = serve()
    sock = connect(server)
    reader = ResponseReader(sock)
    for target in ("/hello.txt", "/missing", "/sub"):
        sock.sendall(req(target))
        resp = reader.read_response()
        dates = resp.headers_named("date")
        assert len(dates) == 1 and IMF_FIXDATE_RE.match(dates[0]), resp.raw_head
        skew = abs(parsedate_to_datetime(dates[0]).timestamp() - time.time())
        assert skew < 300, f"Date {dates[0]} is far from the clock"
        assert re.match(r"^portico(/\S+)?$", resp.header("server")), resp.header("server")
    sock.close()


def test_server_field_can_be_changed_or_hidden(serve):
    server = serve("--server-header", "")
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(req("/hello.txt"))
    assert reader.read_response().header("server") is None
    sock.close()
    server = serve("--hide-version")
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(req("/hello.txt"))
    assert reader.read_response().header("server") == "portico"
    sock.close()


def test_reason_phrases_match_the_status_codes(serve):
    server = serve()
    expected = {200: "OK", 301: "Moved Permanently", 404: "Not Found", 405: "Method Not Allowed",
                206: "Partial Content", 416: "Range Not Satisfiable"}
    cases = [("GET", "/hello.txt", []), ("GET", "/sub", []), ("GET", "/nope", []),
             ("POST", "/hello.txt", []), ("GET", "/hello.txt", [("Range", "bytes=0-1")]),
             ("GET", "/hello.txt", [("Range", "bytes=100-")])]
    sock = connect(server)
    reader = ResponseReader(sock)
    for method, target, headers in cases:
        sock.sendall(req(target, method, headers))
        resp = reader.read_response(method)
        assert resp.reason == expected[resp.status], resp.raw_head
    sock.close()


def test_http_client_library_keep_alive_round_trips(serve):
    server = serve()
    host, port = server.host_port
    conn = http.client.HTTPConnection(host, port, timeout=30)
    for _ in range(5):
        conn.request("GET", "/big.bin")
        r = conn.getresponse()
        assert r.status == 200 and r.read() == big_content()
        conn.request("HEAD", "/hello.txt")
        r = conn.getresponse()
        assert r.status == 200 and r.read() == b""
        assert r.getheader("Content-Length") == str(len(HELLO_TXT))
    conn.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_fd_count_returns_to_baseline_after_mixed_clients_leave(serve, backend):
    server = serve("--event-backend", backend, "--header-timeout", "2s")
    baseline = socket_fd_count(server)  # listeners and internal sockets, no connections
    warm = connect(server)
    warm.sendall(req("/hello.txt", headers=[("Connection", "close")]))
    assert ResponseReader(warm).read_response().status == 200
    warm.close()
    wait_fd_count(server, baseline)
    socks = []
    for i in range(40):
        s = connect(server)
        if i % 4 == 0:
            s.sendall(req("/big.bin"))  # never read, then closed
        elif i % 4 == 1:
            s.sendall(b"GET /hello.txt HTTP/1.1\r\n")  # half a head
        elif i % 4 == 2:
            s.sendall(req("/hello.txt"))
            ResponseReader(s).read_response()  # idle keep-alive
        else:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.sendall(req("/big.bin"))  # reset mid-response
        socks.append(s)
    for s in socks:
        s.close()
    wait_fd_count(server, baseline)


def test_several_listeners_on_ipv4_and_ipv6(serve):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        probe = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        pytest.skip("no ::1 on this machine")
    server = serve("--listen", "[::1]:0", "--listen", "127.0.0.1:0")
    assert len(server.addresses) == 3, server.addresses
    for address in server.addresses:
        host, _, port = address.rpartition(":")
        sock = socket.create_connection((host.strip("[]"), int(port)), timeout=30)
        reader = ResponseReader(sock)
        sock.sendall(req("/hello.txt", headers=[("Connection", "close")]))
        assert reader.read_response().body == HELLO_TXT, address
        sock.close()


def test_sigterm_lets_a_download_in_progress_finish_and_closes_idle_connections(serve):
    server = serve()
    idle = connect(server)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the download is still going
    sock.settimeout(60)
    sock.connect(server.host_port)
    reader = ResponseReader(sock, timeout=60)
    sock.sendall(req("/big.bin") * 4)  # more than the server queues: it is mid-response
    first = reader.read_response()
    assert first.status == 200 and first.body == big_content()
    server.proc.send_signal(signal.SIGTERM)
    # Responses already under way complete intact; the last one announces the close (requests
    # not yet started may be dropped: a client retries those on a new connection).
    responses = [first]
    while not reader.at_eof(timeout=30):
        resp = reader.read_response()
        assert resp.status == 200 and resp.body == big_content()
        responses.append(resp)
    assert responses[-1].wants_close() or len(responses) == 4
    assert idle.recv(1) == b""  # an idle keep-alive connection is closed at once
    idle.close()
    sock.close()
    assert server.proc.wait(timeout=60) == 0
