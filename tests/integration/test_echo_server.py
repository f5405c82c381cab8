"""examples/echo_server against real sockets: many clients, half-close, resets, fd exhaustion.

Every server is stopped with SIGTERM and must exit 0 with no sanitizer report; its fd count
must come back to where it was before the clients came.
"""
import errno
import os
import random
import selectors
import socket
import struct
import time

import pytest

from procutil import ManagedProcess, nofile_limit, raise_nofile_limit, wait_until

BUILD = os.environ.get("PORTICO_BUILD_DIR", os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build"))
ECHO_SERVER = os.path.join(BUILD, "examples", "echo_server")
BACKENDS = ["epoll", "poll"]
DEADLINE_S = 120  # upper bound for any one multi-client exchange; normally seconds

pytestmark = pytest.mark.skipif(not os.path.exists(ECHO_SERVER),
                                reason=f"{ECHO_SERVER} not built")


def start_server(backend="epoll", threads=2, extra=(), **kwargs):
    args = [ECHO_SERVER, "--listen", "127.0.0.1:0", "--threads", str(threads),
            "--event-backend", backend, *extra]
    return ManagedProcess(args, **kwargs)


def connect(address, timeout=10.0):
    s = socket.create_connection(address, timeout=timeout)
    return s


def recv_exactly(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def recv_until_eof(sock):
    data = bytearray()
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return bytes(data)


def make_messages(rng, client_id, count):
    """Lines of varied length (1 byte to 3 KB) and content, never containing a newline."""
    out = []
    for seq in range(count):
        size = rng.choice([0, 1, 10, 100, 1000, 3000]) + rng.randrange(0, 50)
        body = rng.randbytes(size).replace(b"\n", b"\r")
        out.append(b"%d:%d:" % (client_id, seq) + body + b"\n")
    return out


class EchoClient:
    """One client of the selector-driven test: sends its lines in windows of `window`
    messages, reads the echoes, and checks that what came back is exactly what was sent."""

    def __init__(self, sel, address, client_id, messages, window):
        self.sel = sel
        self.id = client_id
        self.messages = messages
        self.window = window
        self.next_to_send = 0
        self.expected = bytearray()  # sent but not yet echoed
        self.outgoing = bytearray()
        self.received_lines = 0
        self.done = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        err = self.sock.connect_ex(address)
        if err not in (0, errno.EINPROGRESS):
            raise OSError(err, os.strerror(err))
        self.sel.register(self.sock, selectors.EVENT_WRITE, self)

    def _queue_window(self):
        end = min(self.next_to_send + self.window, len(self.messages))
        for m in self.messages[self.next_to_send:end]:
            self.outgoing += m
            self.expected += m
        self.next_to_send = end

    def _interest(self):
        return selectors.EVENT_READ | (selectors.EVENT_WRITE if self.outgoing else 0)

    def on_event(self, mask):
        if mask & selectors.EVENT_WRITE:
            if self.next_to_send == 0 and not self.outgoing:
                err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                assert err == 0, f"client {self.id}: connect failed: {os.strerror(err)}"
                self._queue_window()
            if self.outgoing:
                n = self.sock.send(self.outgoing)
                del self.outgoing[:n]
        if mask & selectors.EVENT_READ:
            data = self.sock.recv(65536)
            assert data, f"client {self.id}: server closed early after {self.received_lines} lines"
            assert self.expected.startswith(data), (
                f"client {self.id}: echo mismatch at line {self.received_lines}")
            del self.expected[:len(data)]
            self.received_lines += data.count(b"\n")
            if not self.expected:
                if self.next_to_send == len(self.messages):
                    self.finish()
                    return
                self._queue_window()
        self.sel.modify(self.sock, self._interest(), self)

    def finish(self):
        self.done = True
        self.sel.unregister(self.sock)
        self.sock.close()


def run_clients(address, clients_count, messages_per_client, window, seed):
    rng = random.Random(seed)
    sel = selectors.DefaultSelector()
    clients = []
    try:
        for i in range(clients_count):
            clients.append(EchoClient(sel, address, i, make_messages(rng, i, messages_per_client),
                                      window))
        deadline = time.monotonic() + DEADLINE_S
        while not all(c.done for c in clients):
            assert time.monotonic() < deadline, (
                f"{sum(not c.done for c in clients)} clients unfinished after {DEADLINE_S}s")
            for key, mask in sel.select(timeout=1.0):
                key.data.on_event(mask)
        assert all(c.received_lines == messages_per_client for c in clients)
    finally:
        for c in clients:
            if not c.done:
                c.sock.close()
        sel.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_thousand_clients_each_echo_a_hundred_lines(backend):
    raise_nofile_limit(4096)  # 1,000 client sockets here; the server inherits the limit
    with start_server(backend) as server:
        baseline = server.fd_count()
        run_clients(server.address, clients_count=1000, messages_per_client=100, window=25,
                    seed=1)
        server.wait_fd_count(baseline)


@pytest.mark.parametrize("backend", BACKENDS)
def test_single_loop_server_echoes_pipelined_lines(backend):
    with start_server(backend, threads=0) as server:
        baseline = server.fd_count()
        run_clients(server.address, clients_count=50, messages_per_client=200, window=200,
                    seed=2)
        server.wait_fd_count(baseline)


@pytest.mark.parametrize("backend", BACKENDS)
def test_half_closed_peer_still_gets_its_replies(backend):
    with start_server(backend) as server:
        baseline = server.fd_count()
        payload = b"".join(b"line %d\n" % i for i in range(1000)) + b"big:" + b"x" * 60000 + b"\n"
        with connect(server.address) as s:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)  # our FIN: no more requests, but we still read
            assert recv_until_eof(s) == payload
        server.wait_fd_count(baseline)


@pytest.mark.parametrize("backend", BACKENDS)
def test_incomplete_last_line_is_dropped_at_peer_close(backend):
    with start_server(backend) as server:
        baseline = server.fd_count()
        with connect(server.address) as s:
            s.sendall(b"whole\npartial")
            s.shutdown(socket.SHUT_WR)
            assert recv_until_eof(s) == b"whole\n"
        server.wait_fd_count(baseline)


def reset(sock):
    """Closes with SO_LINGER 0: the kernel sends RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_resetting_peers_do_not_disturb_the_others(backend):
    with start_server(backend) as server:
        baseline = server.fd_count()
        steady = [connect(server.address) for _ in range(20)]
        for round_no in range(5):
            # Peers that reset: mid-line, right after sending, and while the server is
            # writing a large reply they never read.
            doomed = [connect(server.address) for _ in range(30)]
            for i, s in enumerate(doomed):
                if i % 3 == 0:
                    s.sendall(b"half a li")
                elif i % 3 == 1:
                    s.sendall(b"a full line\n")
                else:
                    s.sendall((b"y" * 60000 + b"\n") * 20)
            for s in doomed:
                reset(s)
            for i, s in enumerate(steady):
                line = b"round %d client %d\n" % (round_no, i)
                s.sendall(line)
                assert recv_exactly(s, len(line)) == line
        for s in steady:
            s.close()
        server.wait_fd_count(baseline)
        assert server.alive()


@pytest.mark.parametrize("backend", BACKENDS)
def test_oversized_line_gets_an_error_and_only_that_connection_closes(backend):
    with start_server(backend, extra=["--max-line", "1024"]) as server:
        baseline = server.fd_count()
        with connect(server.address) as bystander, connect(server.address) as offender:
            offender.sendall(b"fine\n" + b"z" * 5000 + b"\nnever echoed\n")
            reply = recv_until_eof(offender)
            assert reply == b"fine\nerror: line longer than 1024 bytes\n"
            bystander.sendall(b"still here\n")
            assert recv_exactly(bystander, 11) == b"still here\n"
        server.wait_fd_count(baseline)
        log = server.stderr()
        assert "frame too large" in log and "127.0.0.1:" in log, log


@pytest.mark.parametrize("backend", BACKENDS)
def test_fd_exhaustion_keeps_serving_accepted_clients_and_recovers(backend):
    clients_total = 200
    with start_server(backend, threads=2, preexec_fn=nofile_limit(64)) as server:
        baseline = server.fd_count()
        assert baseline < 64
        sel = selectors.DefaultSelector()
        pending = {}  # sock -> expected echo
        served = []
        try:
            for i in range(clients_total):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                assert s.connect_ex(server.address) in (0, errno.EINPROGRESS)
                line = b"client %d\n" % i
                pending[s] = [line, bytearray()]
                sel.register(s, selectors.EVENT_WRITE)

            def pump(timeout):
                for key, mask in sel.select(timeout=timeout):
                    s = key.fileobj
                    line, got = pending[s]
                    if mask & selectors.EVENT_WRITE:
                        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                            s.send(line)  # a short line: one send suffices
                        sel.modify(s, selectors.EVENT_READ)
                        continue
                    data = s.recv(4096)
                    assert data, "server closed an accepted client"
                    got += data
                    assert line.startswith(bytes(got))
                    if bytes(got) == line:
                        sel.unregister(s)
                        del pending[s]
                        served.append(s)

            # Phase 1: the server runs out of fds. Those it accepted are served; the rest
            # wait in the backlog. Wait until a good number are served and no more progress.
            wait_until(lambda: (pump(0.2), len(served) >= 20)[1], DEADLINE_S,
                       message="first clients served")
            last = -1
            while len(served) != last:
                last = len(served)
                end = time.monotonic() + 1.0
                while time.monotonic() < end:
                    pump(0.1)
            assert 0 < len(served) < clients_total, len(served)
            assert server.alive()
            # Phase 2: served clients leave; the server accepts and serves the waiting ones.
            deadline = time.monotonic() + DEADLINE_S
            while pending:
                assert time.monotonic() < deadline, f"{len(pending)} clients never served"
                while served:
                    served.pop().close()
                pump(0.2)
            while served:
                served.pop().close()
        finally:
            for s in list(pending) + served:
                s.close()
            sel.close()
        server.wait_fd_count(baseline)
        # "once per second, not per event": a handful of lines, not thousands.
        exhaustion_lines = [l for l in server.stderr().splitlines()
                            if "accept" in l.lower() and ("file" in l.lower() or "fd" in l.lower())]
        assert exhaustion_lines, "the server never ran out of fds: the test proved nothing"
        assert len(exhaustion_lines) < 200, exhaustion_lines[:5]


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_stops_cleanly_on_signals_with_clients_connected(sig):
    import signal as signal_module
    server = start_server("epoll")
    clients = [connect(server.address) for _ in range(10)]
    for c in clients:
        c.sendall(b"hello\n")
        assert recv_exactly(c, 6) == b"hello\n"
    server.close(sig=getattr(signal_module, sig))
    for c in clients:
        c.close()


def test_rejects_bad_arguments_with_status_2():
    for args in (["--threads", "x"], ["--event-backend", "kqueue"], ["--listen", "nowhere"],
                 ["--bogus", "1"]):
        proc = ManagedProcess([ECHO_SERVER, *args], listen_pattern=None)
        proc.proc.wait(timeout=30)
        assert proc.stderr().startswith("echo_server: "), proc.stderr()
        proc.close(expect_status=2)


def test_help_prints_usage_and_exits_0():
    proc = ManagedProcess([ECHO_SERVER, "--help"], listen_pattern=None)
    proc.proc.wait(timeout=30)
    assert proc.stdout().startswith("usage: echo_server")
    proc.close(expect_status=0)
