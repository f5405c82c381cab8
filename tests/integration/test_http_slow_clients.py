"""`portico serve` against slow, stalled and greedy clients: a head or body that never
completes gets 408 and a close (a trickle does not extend the deadline), idle connections are
closed without a response, a slow reader of a 1 MiB file gets it intact, and a client that
pipelines but never reads cannot make the server buffer without bound (VmRSS stays bounded,
reading stops, and every request is answered once the client reads).
"""
import select
import socket
import threading
import time

import pytest

from http_util import (BIG_SIZE, HELLO_TXT, ResponseReader, assert_error_then_close, big_content,
                       connect, request_bytes, socket_fd_count, vm_rss_kib, wait_fd_count)

BACKENDS = ["epoll", "poll"]


def req(target, method="GET", headers=(), version="HTTP/1.1"):
    return request_bytes(method, target, headers, version=version)


@pytest.mark.parametrize("backend", BACKENDS)
def test_client_that_never_finishes_its_head_gets_408(serve, backend):
    server = serve("--header-timeout", "1s", "--event-backend", backend)
    sock = connect(server)
    reader = ResponseReader(sock, timeout=30)
    sock.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
    assert_error_then_close(reader.read_response(), reader, 408)
    sock.close()


def test_slowloris_trickle_does_not_extend_the_header_timeout(serve):
    # One byte per 200 ms keeps the connection busy but the head never completes in time.
    server = serve("--header-timeout", "1s")
    sock = connect(server)
    reader = ResponseReader(sock, timeout=30)
    sock.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r, _, _ = select.select([sock], [], [], 0.2)
        if r:
            break
        try:
            sock.send(b"X")
        except OSError:
            break
    assert_error_then_close(reader.read_response(), reader, 408)
    sock.close()


def test_body_that_stops_arriving_gets_408(serve):
    server = serve("--body-timeout", "1s", "--allow-uploads")
    sock = connect(server)
    reader = ResponseReader(sock, timeout=30)
    sock.sendall(b"PUT /new.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc")
    assert_error_then_close(reader.read_response(), reader, 408)
    sock.close()


def test_idle_keep_alive_connection_is_closed_without_a_response(serve):
    server = serve("--keepalive-timeout", "1s")
    sock = connect(server)
    reader = ResponseReader(sock, timeout=30)
    sock.sendall(req("/hello.txt"))
    assert reader.read_response().body == HELLO_TXT
    assert reader.at_eof(timeout=30)  # closed after the idle timeout, nothing sent
    sock.close()


def test_connection_that_never_sends_is_closed_without_a_response(serve):
    server = serve("--header-timeout", "1s", "--keepalive-timeout", "1s")
    sock = connect(server)
    reader = ResponseReader(sock, timeout=30)
    assert reader.read_to_eof() == b""
    sock.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_slow_reader_of_a_1_mib_file_gets_it_intact(serve, backend):
    server = serve("--event-backend", backend)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: small window
    sock.settimeout(60)
    sock.connect(server.host_port)
    sock.sendall(req("/big.bin") + req("/hello.txt", headers=[("Connection", "close")]))
    received = bytearray()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
        time.sleep(0.002)
    head_end = received.index(b"\r\n\r\n") + 4
    assert received.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nContent-Length: %d\r\n" % BIG_SIZE in received[:head_end]
    assert bytes(received[head_end:head_end + BIG_SIZE]) == big_content()
    second = bytes(received[head_end + BIG_SIZE:])
    assert second.startswith(b"HTTP/1.1 200 OK\r\n") and second.endswith(b"\r\n\r\n" + HELLO_TXT)
    sock.close()


def test_steady_slow_reader_is_not_cut_by_the_send_timeout(serve):
    # The send timeout is for a client that stopped reading, not one that reads slowly:
    # with 1 s, a reader taking 16 KiB every 20 ms (far longer than 1 s in total) is served.
    server = serve("--send-timeout", "1s", "--keepalive-timeout", "1s")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.settimeout(60)
    sock.connect(server.host_port)
    sock.sendall(req("/big.bin") * 2)
    received = bytearray()
    expected_total = None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        chunk = sock.recv(16384)
        if not chunk:
            break
        received += chunk
        if expected_total is None and received.count(b"\r\n\r\n") >= 1:
            head_len = received.index(b"\r\n\r\n") + 4
            expected_total = 2 * (head_len + BIG_SIZE)  # two same-length heads (Date aside)
        if expected_total is not None and len(received) >= expected_total - 64:
            break
        time.sleep(0.02)
    sock.close()
    first_head_end = received.index(b"\r\n\r\n") + 4
    assert bytes(received[first_head_end:first_head_end + BIG_SIZE]) == big_content()
    second = bytes(received[first_head_end + BIG_SIZE:])
    second_head_end = second.index(b"\r\n\r\n") + 4
    assert second[second_head_end:] == big_content()


def test_client_that_stops_reading_is_dropped_by_the_send_timeout(serve):
    server = serve("--send-timeout", "1s", "--keepalive-timeout", "60s")
    baseline = socket_fd_count(server)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(60)
    sock.connect(server.host_port)
    sock.sendall(req("/big.bin") * 8)  # 8 MiB that will never be read
    # The server gives up on the stalled connection long before the keep-alive timeout.
    wait_fd_count(server, baseline, timeout=30)
    sock.close()


def _send_until_server_stops_reading(sock, data, cap):
    """Sends data repeatedly without reading until the server stops taking it (no progress
    for several seconds) or cap bytes went out; returns the number of whole requests sent."""
    sock.setblocking(False)
    sent_total = 0
    pending = memoryview(b"")
    while sent_total < cap:
        if not pending:
            pending = memoryview(data)
        _, w, _ = select.select([], [sock], [], 3.0)
        if not w:
            break  # the server stopped reading: backpressure reached us
        try:
            n = sock.send(pending)
        except BlockingIOError:
            continue
        pending = pending[n:]
        sent_total += n
    # Finish the request in progress so the stream stays well-formed.
    sock.setblocking(True)
    if pending:
        sock.sendall(pending)
        sent_total += len(pending)
    return sent_total


@pytest.mark.parametrize("target,body_size", [("/hello.txt", len(HELLO_TXT)),
                                              ("/big.bin", BIG_SIZE)])
def test_client_that_sends_but_never_reads_cannot_grow_server_memory(serve, target, body_size):
    server = serve("--max-requests", "100000000", threads=1)
    warm = connect(server)
    warm_reader = ResponseReader(warm)
    warm.sendall(req("/big.bin", headers=[("Connection", "close")]))
    warm_reader.read_response()
    warm.close()
    baseline_kib = vm_rss_kib(server.proc.pid)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.settimeout(120)
    sock.connect(server.host_port)
    one = req(target)
    # If the server answered everything it was sent, it would hold cap/len(one) responses.
    cap = 32 * 1024 * 1024 if body_size < 1000 else 64 * 1024
    sent = _send_until_server_stops_reading(sock, one * 1000, cap)
    requests = sent // len(one)
    growth_kib = vm_rss_kib(server.proc.pid) - baseline_kib
    would_buffer_kib = requests * (body_size + 150) // 1024
    assert growth_kib < 96 * 1024, (
        f"server grew by {growth_kib} KiB for {requests} unread responses "
        f"({would_buffer_kib} KiB if all were buffered)")
    if body_size < 1000:
        assert sent < cap, "the server kept reading requests it could not answer"

    # Reading now resumes the server: every request is answered, in order, and a last one
    # (sent while reading, as the server may not take it before) ends the connection.
    last = threading.Thread(target=sock.sendall,
                            args=(req("/hello.txt", headers=[("Connection", "close")]),))
    last.start()
    reader = ResponseReader(sock, timeout=120)
    if body_size < 1000:
        stream = reader.read_to_eof()
        assert stream.count(b"HTTP/1.1 200 OK\r\n") == requests + 1
        assert stream.count(HELLO_TXT) == requests + 1
    else:
        expected = big_content()
        for _ in range(requests):
            resp = reader.read_response()
            assert resp.status == 200 and resp.body == expected
        assert reader.read_response().body == HELLO_TXT
        assert reader.at_eof()
    last.join(60)
    sock.close()


def test_half_close_with_more_pipelined_output_than_the_high_water_mark(serve):
    server = serve("--keepalive-timeout", "3s", "--event-backend", "epoll", threads=1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    sock.settimeout(60)
    sock.connect(server.host_port)
    count = 20  # 20 MiB of responses: far above what the server queues before pausing
    sock.sendall(req("/big.bin") * count)
    sock.shutdown(socket.SHUT_WR)
    reader = ResponseReader(sock, timeout=60)
    expected = big_content()
    got = 0
    try:
        for _ in range(count):
            if reader.read_response().body != expected:
                break
            got += 1
    except EOFError:
        pass
    sock.close()
    assert got == count, f"only {got} of {count} pipelined responses before the close"
