"""`portico proxy --status`: the upstream servers on the status page (JSON and Prometheus), and
the request id passed upstream."""
import json
import re

from proxy_util import Backend, Client, backends, free_port, proxy  # noqa: F401 (fixtures)


def fetch(client, path):
    status, hdrs, body = client.get(path)
    assert status == 200, (status, body[:300])
    return body.decode()


def test_upstreams_show_on_the_status_page_with_health_and_counts(backends, proxy):
    a, b = backends(2)
    dead = f"http://127.0.0.1:{free_port()}"
    p = proxy([a, b, dead], "--status", "/_portico", "--retries", "2")
    c = Client(p)
    for _ in range(12):
        assert c.get("/x")[0] == 200  # a retry hides the dead server
    doc = json.loads(fetch(c, "/_portico/json"))
    ups = {u["server"]: u for u in doc["upstreams"]}
    assert set(ups) == {a.url, b.url, dead}, doc["upstreams"]
    assert all(u["pool"] == "proxy" for u in ups.values())
    assert ups[a.url]["up"] and ups[b.url]["up"]
    assert ups[dead]["failures"] >= 1
    assert ups[a.url]["picks"] + ups[b.url]["picks"] >= 12

    metrics = fetch(c, "/_portico/metrics")
    for server, value in ((a.url, 1), (b.url, 1)):
        line = f'portico_upstream_up{{pool="proxy",server="{server}"}} {value}'
        assert line in metrics, metrics
    # The dead server is down once passive health has seen enough failures, up otherwise: the
    # sample is there either way.
    assert re.search(r'portico_upstream_up\{pool="proxy",server="%s"\} [01]' % re.escape(dead),
                     metrics), metrics
    c.close()


def test_request_id_is_passed_upstream(backends, proxy):
    (a,) = backends(1)
    p = proxy([a], "--status", "/_portico")
    c = Client(p)
    status, hdrs, body = c.get("/echo", headers={"X-Request-Id": "abc-123"})
    assert status == 200
    seen = {k.lower(): v for k, v in json.loads(body)["headers"]}
    assert seen.get("x-request-id") == "abc-123"
    # Without one, the id portico made up is what the upstream gets.
    status, hdrs, body = c.get("/echo")
    seen = {k.lower(): v for k, v in json.loads(body)["headers"]}
    assert re.fullmatch(r"[A-Za-z0-9._:+/=@-]{1,128}", seen.get("x-request-id", "")), seen
    c.close()
