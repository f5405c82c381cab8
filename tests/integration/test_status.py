"""The status handler (issue 10): PATH, PATH/json, PATH/metrics on the real binary.

Counters must move exactly with the requests made, a half-closed connection must show its
kernel TCP state, the JSON keys are a documented contract (docs/status.md), and only clients
in the allow list (loopback by default) may look.
"""
import json
import math
import re
import socket
import subprocess
import time

import pytest

from conftest import PORTICO
from http_util import connect, get, request_bytes, wait_until, ResponseReader

STATUS = "/_portico"

# docs/status.md documents exactly these keys; adding one is fine (update both), renaming or
# removing one breaks users' dashboards.
TOP_KEYS = {"version", "pid", "time", "start_time", "uptime_seconds", "config", "requests",
            "bytes", "connections", "listeners", "workers", "upstreams"}
CONFIG_KEYS = {"generation", "last_reload"}
RELOAD_KEYS = {"result", "time", "message"}
REQUEST_KEYS = {"total", "in_flight", "last_minute", "by_status", "by_class", "by_label"}
MINUTE_KEYS = {"seconds", "requests", "per_second", "p50_ms", "p90_ms", "p99_ms"}
LABEL_KEYS = {"site", "method", "code", "count"}
BYTES_KEYS = {"in", "out", "socket_in", "socket_out"}
CONNECTION_KEYS = {"total", "by_state", "by_tcp_state", "table_truncated", "table"}
STATE_KEYS = {"handshake", "idle", "reading", "writing", "tunnel", "closing"}
ROW_KEYS = {"id", "worker", "peer", "local", "tls", "state", "age_seconds", "requests",
            "current_request", "request_id", "queued_bytes", "tcp"}
TCP_KEYS = {"state", "rtt_ms", "rttvar_ms", "retransmits", "total_retrans", "cwnd", "unacked"}
LISTENER_KEYS = {"address", "sockets", "accept_queue", "backlog"}
WORKER_KEYS = {"index", "connections", "accepted", "bytes_read", "bytes_written",
               "loop_iterations"}

SAMPLE_RE = re.compile(
    r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})?'
    r' (\S+)( -?\d+)?$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def parse_metrics(text):
    """Parses the text format 0.0.4 strictly enough to catch what a scraper rejects: returns
    {(name, frozenset(labels.items())): value} and {family: type}."""
    assert text.endswith("\n"), "exposition must end with a line feed"
    samples, types, seen_families, current = {}, {}, set(), None
    for line in text.split("\n")[:-1]:
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, f"second TYPE for {name}"
            types[name] = kind
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        assert m, f"not a sample line: {line!r}"
        name, labels_text, value = m.group(1), m.group(3) or "", m.group(4)
        labels = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                  for k, v in LABEL_RE.findall(labels_text)}
        family = re.sub(r"_(bucket|sum|count)$", "", name) if re.sub(
            r"_(bucket|sum|count)$", "", name) in types else name
        assert family in types, f"sample before its TYPE: {line!r}"
        if family != current:
            assert family not in seen_families, f"family {family} is split"
            seen_families.add(family)
            current = family
        v = float(value)  # accepts +Inf, NaN
        key = (name, frozenset(labels.items()))
        assert key not in samples, f"duplicate sample {line!r}"
        samples[key] = v
    return samples, types


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape(server):
    resp = get(server, STATUS + "/metrics")
    assert resp.status == 200, resp
    assert resp.header("content-type") == "text/plain; version=0.0.4; charset=utf-8"
    return parse_metrics(resp.body.decode())


def status_json(server, headers=()):
    resp = get(server, STATUS + "/json", headers)
    assert resp.status == 200, resp
    assert resp.header("content-type") == "application/json"
    return json.loads(resp.body)


def test_status_is_off_unless_asked_for(serve):
    server = serve()
    assert get(server, STATUS).status == 404
    assert get(server, STATUS + "/metrics").status == 404


def test_request_counters_move_exactly_with_the_requests_made(serve):
    server = serve("--status", STATUS)  # two workers: the counts are summed over both
    before, types = scrape(server)
    assert types["portico_http_requests_total"] == "counter"
    assert types["portico_http_request_duration_seconds"] == "histogram"
    for _ in range(7):
        assert get(server, "/hello.txt", method="HEAD").status == 200
    for _ in range(3):
        assert get(server, "/missing.txt").status == 404
    # One keep-alive connection with pipelined requests counts each of them.
    sock = connect(server)
    reader = ResponseReader(sock, 10)
    sock.sendall(request_bytes("HEAD", "/index.html") * 4)
    for _ in range(4):
        assert reader.read_response("HEAD").status == 200
    sock.close()
    after, _ = scrape(server)
    head_ok = dict(code="200", method="HEAD", site="default")
    get_missing = dict(code="404", method="GET", site="default")
    assert metric(after, "portico_http_requests_total", **head_ok) - \
        metric(before, "portico_http_requests_total", **head_ok) == 11
    assert metric(after, "portico_http_requests_total", **get_missing) - \
        metric(before, "portico_http_requests_total", **get_missing) == 3
    # Every answered request is in the histogram: ours and the first scrape itself.
    count = "portico_http_request_duration_seconds_count"
    assert metric(after, count) - metric(before, count) == 11 + 3 + 1
    assert metric(after, "portico_http_request_duration_seconds_bucket", le="+Inf") == \
        metric(after, count)
    # Buckets are cumulative.
    bounds = sorted((float(dict(k[1])["le"]), v) for k, v in after.items()
                    if k[0] == "portico_http_request_duration_seconds_bucket")
    assert all(a[1] <= b[1] for a, b in zip(bounds, bounds[1:]))
    assert math.isinf(bounds[-1][0])
    # The JSON view counts the same way.
    data = status_json(server)
    assert data["requests"]["by_status"]["404"] == 3
    assert data["requests"]["by_class"]["4xx"] == 3


def test_metrics_cover_connections_listeners_and_config(serve):
    server = serve("--status", STATUS)
    samples, types = scrape(server)
    for family, kind in [("portico_connections", "gauge"), ("portico_tcp_connections", "gauge"),
                         ("portico_listener_accept_queue", "gauge"),
                         ("portico_listener_backlog", "gauge"),
                         ("portico_connections_accepted_total", "counter"),
                         ("portico_http_requests_in_flight", "gauge"),
                         ("portico_config_generation", "gauge"),
                         ("portico_uptime_seconds", "gauge"), ("portico_build_info", "gauge")]:
        assert types.get(family) == kind, family
    for state in ("handshake", "idle", "reading", "writing", "tunnel", "closing"):
        assert ("portico_connections", frozenset({("state", state)})) in samples
    # The scrape's own connection is open and answering: one writing, ESTABLISHED.
    assert metric(samples, "portico_connections", state="writing") >= 1
    assert metric(samples, "portico_tcp_connections", state="ESTABLISHED") >= 1
    listener = f"127.0.0.1:{server.port}"
    # One SO_REUSEPORT socket per worker, each with the default backlog (capped by somaxconn).
    assert metric(samples, "portico_listener_backlog", listener=listener) >= 2
    assert metric(samples, "portico_config_generation") == 1


def test_json_keys_are_the_documented_ones(serve):
    server = serve("--status", STATUS)
    # A connection that stays open so the table has a row that is not the status request.
    sock = connect(server)
    reader = ResponseReader(sock, 10)
    sock.sendall(request_bytes("GET", "/hello.txt"))
    assert reader.read_response("GET").status == 200
    data = status_json(server)
    assert set(data) == TOP_KEYS
    assert set(data["config"]) == CONFIG_KEYS
    assert set(data["config"]["last_reload"]) == RELOAD_KEYS
    assert data["config"]["last_reload"]["result"] == "none"
    assert set(data["requests"]) == REQUEST_KEYS
    assert set(data["requests"]["last_minute"]) == MINUTE_KEYS
    assert all(set(e) == LABEL_KEYS for e in data["requests"]["by_label"])
    assert set(data["bytes"]) == BYTES_KEYS
    assert set(data["connections"]) == CONNECTION_KEYS
    assert set(data["connections"]["by_state"]) == STATE_KEYS
    assert data["connections"]["table"], "no connection rows"
    for row in data["connections"]["table"]:
        assert set(row) == ROW_KEYS
        assert set(row["tcp"]) == TCP_KEYS
    assert data["listeners"] and all(set(l) == LISTENER_KEYS for l in data["listeners"])
    assert len(data["workers"]) == 2 and all(set(w) == WORKER_KEYS for w in data["workers"])
    assert data["upstreams"] == []
    # The idle keep-alive connection is there with its last request's facts.
    port = sock.getsockname()[1]
    row = next(r for r in data["connections"]["table"] if r["peer"].endswith(f":{port}"))
    assert row["state"] == "idle"
    assert row["requests"] == 1
    assert row["tcp"]["state"] == "ESTABLISHED"
    assert row["tcp"]["cwnd"] > 0
    sock.close()


def test_a_half_closed_connection_shows_close_wait(serve):
    server = serve("--status", STATUS)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small receive window: the server cannot push everything into the kernel at once.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(server.host_port)
    # 32 MiB of responses the client does not read, then the client's FIN: the server has
    # output queued, keeps the connection to send it, and the kernel holds it in CLOSE_WAIT.
    sock.sendall(request_bytes("GET", "/big.bin") * 32)
    sock.shutdown(socket.SHUT_WR)
    port = sock.getsockname()[1]

    def row():
        for r in status_json(server)["connections"]["table"]:
            if r["peer"].endswith(f":{port}") and r["tcp"]["state"] == "CLOSE_WAIT":
                return r
        return None

    r = wait_until(row, 10, interval=0.1, message="a CLOSE_WAIT row for the half-closed client")
    assert r["state"] in ("writing", "closing")
    assert r["current_request"] == "GET /big.bin HTTP/1.1"
    data = status_json(server)
    assert data["connections"]["by_tcp_state"]["CLOSE_WAIT"] >= 1
    samples, _ = scrape(server)
    assert metric(samples, "portico_tcp_connections", state="CLOSE_WAIT") >= 1
    sock.close()


def test_loopback_is_allowed_by_default_and_other_networks_are_not(serve):
    server = serve("--status", STATUS, "--status-allow", "10.0.0.0/8",
                   "--status-allow", "192.168.0.0/16")
    for path in (STATUS, STATUS + "/", STATUS + "/json", STATUS + "/metrics"):
        resp = get(server, path)
        assert resp.status == 403, (path, resp)
        assert b"portico_http" not in resp.body and b"connections" not in resp.body
    # Other paths are not affected.
    assert get(server, "/hello.txt").status == 200


def test_only_get_and_head_are_answered(serve):
    server = serve("--status", STATUS)
    resp = get(server, STATUS + "/json", method="POST", body=b"x",
               headers=[("Content-Length", "1")])
    assert resp.status == 405
    assert resp.header("allow") == "GET, HEAD"
    resp = get(server, STATUS, method="HEAD")
    assert resp.status == 200
    assert resp.header("content-type") == "text/html; charset=utf-8"


def test_page_is_complete_without_javascript(serve):
    server = serve("--status", STATUS)
    resp = get(server, STATUS)
    assert resp.status == 200
    html = resp.body.decode()
    assert html.startswith("<!DOCTYPE html>")
    assert "<tbody id=\"conn-rows\">" in html and "GET /_portico HTTP/1.1" in html
    assert 'http-equiv=refresh' in html  # reloads itself when scripts are off
    assert "src=" not in html.replace('data-json', ''), "no external assets"
    assert resp.header("cache-control") == "no-store"
    assert "default-src 'none'" in resp.header("content-security-policy")


def test_request_line_and_peer_are_escaped_in_the_page(serve):
    server = serve("--status", STATUS)
    # A connection whose current request line holds markup: it must appear as text.
    sock = connect(server)
    sock.sendall(b"GET /<script>alert(1)</script> HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
    wait_until(lambda: any(r["current_request"].startswith("GET /<script>")
                           for r in status_json(server)["connections"]["table"]),
               10, interval=0.05, message="the row of the request in progress")
    html = get(server, STATUS).body.decode()
    assert "<script>alert(1)" not in html
    assert "GET /&lt;script&gt;alert(1)&lt;/script&gt; HTTP/1.1" in html
    sock.close()


def test_request_ids_are_taken_when_valid_and_generated_otherwise(serve):
    server = serve("--status", STATUS)
    ids = {}
    socks = []
    for name, sent in [("given", "client-id-42"), ("bad", "has space"), ("none", None)]:
        sock = connect(server)
        reader = ResponseReader(sock, 10)
        headers = [("X-Request-Id", sent)] if sent else []
        sock.sendall(request_bytes("GET", "/hello.txt", headers))
        assert reader.read_response("GET").status == 200
        ids[name] = sock.getsockname()[1]
        socks.append(sock)
    table = status_json(server)["connections"]["table"]
    by_port = {int(r["peer"].rsplit(":", 1)[1]): r["request_id"] for r in table}
    assert by_port[ids["given"]] == "client-id-42"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]+-0", by_port[ids["bad"]])
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]+-0", by_port[ids["none"]])
    assert by_port[ids["bad"]] != by_port[ids["none"]]
    for s in socks:
        s.close()


def test_request_id_header_is_configurable(serve):
    server = serve("--status", STATUS, "--request-id-header", "X-Trace")
    sock = connect(server)
    reader = ResponseReader(sock, 10)
    sock.sendall(request_bytes("GET", "/hello.txt", [("X-Trace", "t-1"), ("X-Request-Id", "r-1")]))
    assert reader.read_response("GET").status == 200
    port = sock.getsockname()[1]
    row = next(r for r in status_json(server)["connections"]["table"]
               if r["peer"].endswith(f":{port}"))
    assert row["request_id"] == "t-1"
    sock.close()


def test_slow_requests_are_logged_with_their_timing(serve):
    server = serve("--slow-request", "20ms")
    sock = connect(server)
    reader = ResponseReader(sock, 10)
    # The head arrives in two parts 100 ms apart: the request cannot take less than that.
    sock.sendall(b"GET /hello.txt HTTP/1.1\r\nX-Request-Id: slow-1\r\n")
    time.sleep(0.1)
    sock.sendall(b"Host: x\r\n\r\n")
    assert reader.read_response("GET").status == 200
    line = wait_until(lambda: next((l for l in server.stderr().splitlines()
                                    if "slow request slow-1" in l), None),
                      10, message="the slow request line")
    assert '"GET /hello.txt HTTP/1.1" 200' in line
    for part in ("first byte", "head", "response head", "last byte queued"):
        assert part in line, line
    # A fast request is not logged.
    assert get(server, "/hello.txt", headers=[("X-Request-Id", "fast-1")]).status == 200
    sock.close()
    assert "fast-1" not in server.stderr()


@pytest.mark.parametrize("flags, message", [
    (["--status", "no-slash"], "--status"),
    (["--status", "/a b"], "--status"),
    (["--status", "/s", "--status-allow", "10.0.0.1/8"], "--status-allow"),
    (["--status-allow", "10.0.0.0/8"], "--status-allow needs --status"),
    (["--slow-request", "soon"], "--slow-request"),
    (["--request-id-header", "X Id"], "--request-id-header"),
])
def test_bad_flags_are_usage_errors(site, flags, message):
    r = subprocess.run([PORTICO, "serve", site, "--listen", "127.0.0.1:0", *flags],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
