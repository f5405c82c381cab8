"""Access control end to end with the real binary: allow/deny by CIDR over IPv4 and IPv6,
rate limits answered 429 with exact counts, trusted proxies (a spoofed X-Forwarded-For from an
untrusted peer changes nothing), connections per client, and config errors with file:line:col.

Every count here is exact: the rates are so low (1 per minute) that no token comes back while a
test runs, and one keep-alive connection (or --threads 1) keeps the requests on one worker's
buckets.
"""
import os
import socket
import subprocess

from config_util import conf, read_lines, wait_until  # noqa: F401,F811 (conf is a fixture)
from conftest import PORTICO, read_response
from proxy_util import backends  # noqa: F401 (fixture)

FORBIDDEN_BODY = b"403 Forbidden: access from your address is not allowed here.\n"


def address(p, family):
    """(host, port) of the listener of one family ("4" or "6")."""
    for a in p.addresses:
        host, _, port = a.rpartition(":")
        if (family == "6") == host.startswith("["):
            return host.strip("[]"), int(port)
    raise AssertionError(f"no IPv{family} listener in {p.addresses}")


def connect(host, port, source=None):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(10)
    if source:
        s.bind((source, 0))
    s.connect((host, port))
    return s


def get(host, port, path="/", fields=(), source=None):
    """One request on a new connection: (status, headers, body)."""
    with connect(host, port, source) as s:
        head = f"GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
        head += "".join(f"{f}\r\n" for f in fields)
        s.sendall((head + "\r\n").encode())
        with s.makefile("rb") as f:
            return read_response(f)


def statuses_on_one_connection(host, port, n, path="/", fields=()):
    with connect(host, port) as s, s.makefile("rb") as f:
        out = []
        for _ in range(n):
            head = f"GET {path} HTTP/1.1\r\nHost: test\r\n" + "".join(f"{x}\r\n" for x in fields)
            s.sendall((head + "\r\n").encode())
            out.append(read_response(f))
        return out


# --- allow / deny ----------------------------------------------------------------------------

def test_allow_admits_ipv4_loopback_and_refuses_ipv6_loopback(serve):
    p = serve("--listen", "[::1]:0", "--allow", "127.0.0.1")
    status, _, body = get(*address(p, "4"), "/index.html")
    assert status == 200
    status, headers, body = get(*address(p, "6"), "/index.html")
    assert status == 403
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert body == FORBIDDEN_BODY


def test_deny_refuses_ipv6_loopback_and_leaves_ipv4_alone(serve):
    p = serve("--listen", "[::1]:0", "--deny", "::1")
    assert get(*address(p, "4"))[0] == 200
    assert get(*address(p, "6"))[0] == 403


def test_ipv6_network_rules_match_ipv6_clients(serve):
    p = serve("--listen", "[::1]:0", "--allow", "::/127")
    assert get(*address(p, "6"))[0] == 200
    assert get(*address(p, "4"))[0] == 403  # an IPv6 network says nothing about IPv4 clients


def test_first_matching_rule_wins_in_command_line_order(serve):
    p = serve("--deny", "127.0.0.2", "--allow", "127.0.0.0/8")
    host, port = p.host_port
    assert get(host, port, source="127.0.0.1")[0] == 200
    assert get(host, port, source="127.0.0.2")[0] == 403
    assert get(host, port, source="127.0.0.3")[0] == 200


def test_a_refused_client_is_refused_every_path_even_missing_ones(serve):
    p = serve("--deny", "127.0.0.1")
    for path in ("/", "/index.html", "/no-such-file", "/sub/"):
        assert get(*p.host_port, path)[0] == 403, path


def test_bad_rule_flags_exit_2_with_one_line(site):
    for flags, message in (
        (["--allow", "10.0.0.1/8"], "portico: --allow '10.0.0.1/8': host bits set "
                                    "(the network is 10.0.0.0/8)"),
        (["--deny", "localhost"], "portico: --deny 'localhost': not an IPv4 or IPv6 address"),
        (["--rate-limit", "10/fortnight"], "portico: --rate-limit '10/fortnight': expected "
                                           "COUNT/UNIT like 10/s, 600/m, 100/h or 2000/d"),
        (["--rate-limit", "1/s", "--rate-key", "ip"], "portico: --rate-key 'ip': expected "
                                                      "\"client\", \"route\" or \"header:NAME\""),
        (["--rate-burst", "5"], "portico: --rate-burst needs --rate-limit"),
    ):
        r = subprocess.run([PORTICO, "serve", str(site), "--listen", "127.0.0.1:0", *flags],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 2, flags
        assert r.stderr.strip() == message


# --- rate limits -----------------------------------------------------------------------------

def test_a_burst_of_5_at_1_per_minute_refuses_exactly_the_rest(serve):
    p = serve("--rate-limit", "1/min", "--rate-burst", "5")
    answers = statuses_on_one_connection(*p.host_port, 12, "/index.html")
    statuses = [a[0] for a in answers]
    assert statuses == [200] * 5 + [429] * 7
    for status, headers, body in answers[5:]:
        retry = int(headers["retry-after"])
        assert 1 <= retry <= 60
        assert body.startswith(b"429 Too Many Requests")


def test_rate_limits_are_per_client(serve):
    p = serve("--rate-limit", "1/min", "--rate-burst", "2", threads=1)
    host, port = p.host_port
    assert [get(host, port, source="127.0.0.1")[0] for _ in range(3)] == [200, 200, 429]
    assert [get(host, port, source="127.0.0.2")[0] for _ in range(3)] == [200, 200, 429]


def test_refused_clients_do_not_spend_the_rate_budget(serve):
    p = serve("--deny", "127.0.0.2", "--rate-limit", "1/min", "--rate-burst", "1",
              "--rate-key", "route", threads=1)
    host, port = p.host_port
    for _ in range(3):
        assert get(host, port, source="127.0.0.2")[0] == 403
    assert get(host, port, source="127.0.0.1")[0] == 200
    assert get(host, port, source="127.0.0.3")[0] == 429  # one bucket for everyone


# --- connections per client ------------------------------------------------------------------

def test_connections_beyond_the_per_client_limit_get_503_and_are_closed(serve):
    p = serve("--max-connections-per-client", "2", threads=1)
    host, port = p.host_port
    held = [connect(host, port) for _ in range(2)]
    try:
        for s in held:  # both accepted and served
            s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            assert read_response(s.makefile("rb"))[0] == 200
        with connect(host, port) as extra:
            data = b""
            while True:
                chunk = extra.recv(4096)
                if not chunk:
                    break
                data += chunk
        assert data.startswith(b"HTTP/1.1 503 Service Unavailable\r\n"), data
        assert b"Connection: close\r\n" in data
        assert get(host, port, source="127.0.0.2")[0] == 200  # another address is not limited
    finally:
        held.pop().close()
    # The closed connection's place is free again (the close is noticed asynchronously).
    wait_until(lambda: get(host, port)[0] == 200, timeout=20, message="a free connection place")
    for s in held:
        s.close()


# --- trusted proxies (config file) -----------------------------------------------------------

TRUSTED = """
[server]
threads = 1
trusted_proxies = ["127.0.0.2"]

[log]
access = "access.log"
flush_interval = "50ms"

[[listen]]
address = "127.0.0.1:0"

[[site]]
root = "www-a"
deny = ["203.0.113.0/24", "127.0.0.9"]
"""


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(start_portico, conf, tmp_path):
    path = conf(TRUSTED)
    p = start_portico("run", "-c", path, cwd=str(tmp_path))
    host, port = p.host_port
    spoof = "X-Forwarded-For: 198.51.100.1"
    # An untrusted peer cannot hide behind a made-up address...
    assert get(host, port, fields=[spoof], source="127.0.0.9")[0] == 403
    # ...nor get refused in someone else's name: the field is ignored for it.
    assert get(host, port, fields=["X-Forwarded-For: 203.0.113.7"], source="127.0.0.1")[0] == 200
    # The trusted proxy's field names the client: the rightmost untrusted hop.
    assert get(host, port, fields=["X-Forwarded-For: 203.0.113.7"], source="127.0.0.2")[0] == 403
    assert get(host, port, fields=["X-Forwarded-For: 203.0.113.7, 198.51.100.20"],
               source="127.0.0.2")[0] == 200
    assert get(host, port, fields=["X-Forwarded-For: 198.51.100.20, 127.0.0.2"],
               source="127.0.0.2")[0] == 200
    # The access log records the effective client address, as the rules saw it.
    log = str(tmp_path / "access.log")
    wait_until(lambda: len(read_lines(log)) >= 5, timeout=20, message="5 access log lines")
    clients = [line.split(" ", 1)[0] for line in read_lines(log)[:5]]
    assert clients == ["127.0.0.9", "127.0.0.1", "203.0.113.7", "198.51.100.20",
                       "198.51.100.20"]


RATE_BY_HEADER = """
[server]
threads = 1

[[listen]]
address = "127.0.0.1:0"

[[site]]
root = "www-a"

[[site.route]]
path = "/api/"
respond = { body = "api\\n" }
rate_limit = "1/min"
rate_burst = 2
rate_key = "header:X-Api-Key"
"""


def test_rate_limit_keyed_by_a_request_field_in_a_route(start_portico, conf, tmp_path):
    p = start_portico("run", "-c", conf(RATE_BY_HEADER), cwd=str(tmp_path))
    host, port = p.host_port
    a = [get(host, port, "/api/x", fields=["X-Api-Key: alpha"])[0] for _ in range(3)]
    b = [get(host, port, "/api/x", fields=["X-Api-Key: beta"])[0] for _ in range(3)]
    assert a == [200, 200, 429]
    assert b == [200, 200, 429]
    # Other paths of the site are not limited by the route's limit.
    assert [get(host, port, "/index.html")[0] for _ in range(4)] == [200] * 4


def test_config_errors_name_file_line_and_column(conf):
    path = conf("""[server]
trusted_proxies = ["10.0.0.0/8", "all"]
max_connections_per_client = -1
[[listen]]
address = "127.0.0.1:0"
[[site]]
root = "www-a"
allow = ["10.0.0.0/8", "10.1.2.3/8"]
rate_limit = "ten/s"
rate_key = "clinet"
[[site.route]]
path = "/x/"
rate_burst = 3
access_rules = ["allow ::1", "block all"]
deny = ["::1"]
""")
    r = subprocess.run([PORTICO, "check", "-c", path], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        f"{path}:2:34: trusted_proxies cannot be 'all': anyone could choose their address",
        f"{path}:3:30: 'max_connections_per_client' must be between 0 and 1000000, not -1",
        f"{path}:8:24: 'allow' network '10.1.2.3/8': host bits set (the network is 10.0.0.0/8)",
        f"{path}:9:14: rate_limit 'ten/s': expected COUNT/UNIT like 10/s, 600/m, 100/h or 2000/d",
        f"{path}:10:12: rate_key 'clinet': expected \"client\", \"route\" or \"header:NAME\" "
        "(did you mean 'client'?)",
        f"{path}:13:14: 'rate_burst' needs 'rate_limit', e.g. \"10/s\"",
        f"{path}:14:30: access rule 'block all': expected 'allow NETWORK' or 'deny NETWORK'",
        f"{path}:15:8: 'deny' cannot be combined with 'access_rules'; put it in that list as "
        "\"deny NETWORK\"",
    ]


def test_run_refuses_an_unreadable_auth_file_with_status_2(conf, tmp_path):
    path = conf('[[listen]]\naddress = "127.0.0.1:0"\n[[site]]\nroot = "www-a"\n'
                'auth_file = "users.txt"\n')
    r = subprocess.run([PORTICO, "run", "-c", path], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr.startswith(f"{path}:5:13: auth_file 'users.txt': ")
    assert len(r.stderr.strip().splitlines()) == 1
    assert not os.path.exists(tmp_path / "users.txt")


# --- asynchronous (proxy) routes -------------------------------------------------------------

PROXY_ROUTE = """
[server]
threads = 1
trusted_proxies = ["127.0.0.2"]

[[listen]]
address = "127.0.0.1:0"

[[site]]
root = "www-a"

[[site.route]]
path = "/api/"
proxy = {{ upstreams = ["{upstream}"], strip_prefix = "/api" }}
deny = ["127.0.0.3", "203.0.113.0/24"]
rate_limit = "1/min"
rate_burst = 3
"""


def test_proxy_routes_enforce_the_same_rules(start_portico, conf, tmp_path, backends):
    (upstream,) = backends(1)
    p = start_portico("run", "-c", conf(PROXY_ROUTE.format(upstream=upstream.url)),
                      cwd=str(tmp_path))
    host, port = p.host_port
    # A denied address and a denied client behind the trusted proxy never reach the upstream.
    assert get(host, port, "/api/x", source="127.0.0.3")[0] == 403
    assert get(host, port, "/api/x", fields=["X-Forwarded-For: 203.0.113.9"],
               source="127.0.0.2")[0] == 403
    # Everyone else is proxied until the burst is spent: exactly 3, then 429 with Retry-After.
    answers = [get(host, port, "/api/x") for _ in range(5)]
    assert [a[0] for a in answers] == [200, 200, 200, 429, 429]
    assert b'"path": "/x"' in answers[0][2] or b'"path":"/x"' in answers[0][2]
    assert 1 <= int(answers[3][1]["retry-after"]) <= 60
    # The site's own files are not behind the route's rules.
    assert get(host, port, "/index.html", source="127.0.0.3")[0] == 200
