"""`portico proxy` when upstreams fail: 502 for a refused connection, 504 for a slow server,
503 with Retry-After when none is up, retries that hide a dead server from GETs, POST not
retried, passive and active health checks."""
import json
import os
import threading
import time

from procutil import wait_until
from proxy_util import Backend, Client, backends, free_port, proxy  # noqa: F401 (fixtures)


def read_log(path):
    with open(path) as f:
        return f.read()


def test_refused_upstream_is_502_and_logged(tmp_path, proxy):
    dead = f"http://127.0.0.1:{free_port()}"
    log = tmp_path / "access.log"
    p = proxy([dead], "--access-log", str(log))
    c = Client(p)
    status, hdrs, body = c.get("/x")
    assert status == 502
    assert b"502 Bad Gateway" in body
    c.close()
    line = wait_until(lambda: os.path.exists(log) and read_log(log).strip(), 10,
                      message="access log line")
    assert '"GET /x HTTP/1.1" 502' in line
    assert f"upstream={dead[len('http://'):]} reason=refused" in line


def test_slow_upstream_is_504(backends, proxy):
    (b,) = backends(1)
    p = proxy([b], "--upstream-timeout", "1")
    c = Client(p)
    status, _, body = c.get("/slow?s=4")
    assert status == 504
    assert b"504 Gateway Timeout" in body
    c.close()


def test_no_server_up_is_503_with_retry_after(proxy):
    p = proxy([f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"])
    c = Client(p)
    status, _, _ = c.get("/")  # both refuse: both are marked down
    assert status == 502
    status, hdrs, body = c.get("/")
    assert status == 503
    assert hdrs["retry-after"] == ["5"]
    assert b"503 Service Unavailable" in body
    c.close()


def test_a_refused_server_is_skipped_without_a_failed_get(backends, proxy):
    (b,) = backends(1)
    p = proxy([f"http://127.0.0.1:{free_port()}", b.url])
    c = Client(p)
    assert [c.who() for _ in range(6)] == ["b0"] * 6
    c.close()


def test_post_is_not_retried_unless_allowed(backends, proxy):
    (b,) = backends(1)
    dead = f"http://127.0.0.1:{free_port()}"
    p = proxy([dead, b.url], "--retries", "2")
    c = Client(p)
    # Round-robin sends the first request to the dead server.
    status, _, _ = c.request("POST", "/", body=b"x")
    assert status == 502
    c.close()

    p2 = proxy([dead, b.url], "--retry-post")
    c = Client(p2)
    status, _, body = c.request("POST", "/", body=b"x")
    assert status == 200 and json.loads(body)["name"] == "b0"
    c.close()


def test_failover_when_a_backend_is_killed_mid_test(backends, proxy):
    backs = backends(3)
    p = proxy(backs, threads=2)
    stop = threading.Event()
    results = []
    errors = []

    def client_loop():
        c = Client(p)
        while not stop.is_set():
            try:
                status, _, body = c.get("/")
                results.append((status, json.loads(body)["name"] if status == 200 else None))
            except Exception as e:  # noqa: BLE001 - any failure is what the test looks for
                errors.append(repr(e))
        c.close()

    threads = [threading.Thread(target=client_loop) for _ in range(3)]
    for t in threads:
        t.start()
    wait_until(lambda: len(results) >= 60, 30, message="requests before the kill")
    backs[1].kill()
    killed_at = len(results)
    wait_until(lambda: len(results) >= killed_at + 150, 60, message="requests after the kill")
    stop.set()
    for t in threads:
        t.join(30)
    assert not errors
    assert all(status == 200 for status, _ in results), [r for r in results if r[0] != 200]
    after = {name for _, name in results[killed_at + 20:]}
    assert after == {"b0", "b2"}


def test_active_health_check_brings_a_server_back(backends, proxy):
    a, b = backends(2)
    port = b.port
    p = proxy([a, b], "--health-check", "/health", "--health-interval", "200ms")
    c = Client(p)
    assert {c.who() for _ in range(4)} == {"b0", "b1"}
    b.kill()
    # Probes take it out (fall = 3); every GET meanwhile still succeeds on b0.
    wait_until(lambda: "is down" in p.stderr() or "down" in p.stderr(), 10,
               message="the probe failure logged")
    assert {c.who() for _ in range(6)} == {"b0"}
    revived = Backend("b1", port)
    try:
        # Passive health alone would keep it out for 10 s; the probes (rise = 2) bring it back
        # well before.
        start = time.monotonic()
        wait_until(lambda: c.who() == "b1", 8, interval=0.05, message="b1 back in rotation")
        assert time.monotonic() - start < 8
    finally:
        revived.kill()
    c.close()
