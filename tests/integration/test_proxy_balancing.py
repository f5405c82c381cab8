"""`portico proxy --balance ...`: how requests are spread over real backends by each policy.
One worker thread, so each policy's sequence is that of one balancer."""
import collections
import time
import threading

from proxy_util import Client, backends, proxy  # noqa: F401 (fixtures)


def shares(c, n, path="/", headers=None):
    return collections.Counter(c.who(path, headers) for _ in range(n))


def test_round_robin_respects_weights(backends, proxy):
    a, b, c_ = backends(3)
    p = proxy([f"{a.url};weight=3", b.url, f"{c_.url};weight=2"])
    c = Client(p)
    assert shares(c, 60) == {"b0": 30, "b1": 10, "b2": 20}
    c.close()


def test_least_conn_avoids_the_busy_server(backends, proxy):
    a, b = backends(2)
    p = proxy([a, b], "--balance", "least-conn")
    slow_result = {}

    def slow():
        slow_result["who"] = Client(p).who("/slow?s=2")

    t = threading.Thread(target=slow)
    t.start()
    c = Client(p)
    # Wait until the slow request is in flight (its server has one active request).
    time.sleep(0.5)
    quick = shares(c, 10)
    t.join()
    busy = slow_result["who"]
    idle = "b1" if busy == "b0" else "b0"
    assert quick == {idle: 10}
    # With nothing in flight, both get requests again.
    assert set(shares(c, 10)) == {"b0", "b1"}
    c.close()


def test_ip_hash_keeps_a_client_on_one_server(backends, proxy):
    backs = backends(3)
    p = proxy(backs, "--balance", "ip-hash")
    c = Client(p)
    assert len(shares(c, 20)) == 1
    c.close()


def test_consistent_hash_moves_only_the_keys_of_a_removed_server(backends, proxy):
    backs = backends(4)
    keys = [f"/item/{i}" for i in range(200)]
    p4 = proxy(backs, "--balance", "hash")
    c = Client(p4)
    before = {k: c.who(k) for k in keys}
    assert {k: c.who(k) for k in keys[:20]} == {k: before[k] for k in keys[:20]}  # stable
    c.close()
    counts = collections.Counter(before.values())
    assert len(counts) == 4 and min(counts.values()) >= 20, counts

    removed = "b3"
    p3 = proxy(backs[:3], "--balance", "hash")
    c = Client(p3)
    after = {k: c.who(k) for k in keys}
    c.close()
    moved = [k for k in keys if after[k] != before[k]]
    # Exactly the removed server's keys move; about 1/4 of them.
    assert all(before[k] == removed for k in moved)
    assert len(moved) == counts[removed]
    assert 0.1 <= len(moved) / len(keys) <= 0.45


def test_hash_on_a_header(backends, proxy):
    backs = backends(3)
    p = proxy(backs, "--balance", "hash", "--hash-key", "header:X-User")
    c = Client(p)
    for user in ("alice", "bob", "carol", "dave"):
        got = shares(c, 5, "/", {"X-User": user})
        assert len(got) == 1, (user, got)
    c.close()


def test_power_of_two_choices_uses_every_server(backends, proxy):
    backs = backends(3)
    p = proxy([f"{backs[0].url};weight=2", backs[1].url, backs[2].url], "--balance", "p2c")
    c = Client(p)
    got = shares(c, 200)
    c.close()
    assert set(got) == {"b0", "b1", "b2"}
    assert got["b0"] > got["b1"] and got["b0"] > got["b2"], got


def test_sticky_cookie_keeps_a_client_on_one_server(backends, proxy):
    backs = backends(3)
    p = proxy(backs, "--balance", "sticky")
    first = Client(p)
    status, hdrs, _ = first.get("/")
    assert status == 200
    cookie = hdrs["set-cookie"][0]
    name_value = cookie.split(";")[0]
    assert name_value.startswith("portico_upstream=")
    assert "HttpOnly" in cookie and "Path=/" in cookie
    server = hdrs["x-backend"][0]
    # Every later request with the cookie goes to the same server, and sets no cookie again,
    # while clients without it are spread.
    other = Client(p)
    others = collections.Counter()
    for _ in range(12):
        status, hdrs, _ = first.get("/", {"Cookie": f"a=b; {name_value}"})
        assert hdrs["x-backend"] == [server]
        assert "set-cookie" not in hdrs
        others[other.who()] += 1
    assert len(others) == 3
    # An unknown cookie value is replaced.
    status, hdrs, _ = first.get("/", {"Cookie": "portico_upstream=0000000000000000"})
    assert hdrs["set-cookie"][0].startswith("portico_upstream=")
    first.close()
    other.close()
