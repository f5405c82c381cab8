"""The status page from the config file: [status] path and allow, [log] slow_request and
request_id_header, the config generation and last reload result, site labels by site name."""
import json
import subprocess

from conftest import PORTICO
from config_util import conf, curl, sighup_and_wait, write  # noqa: F401 (conf is a fixture)

CONFIG = """
[server]
threads = 2

[log]
slow_request = "10s"
request_id_header = "X-Trace-Id"

[status]
path = "/_status"
{allow}

[[listen]]
address = "127.0.0.1:0"

[[site]]
hosts = ["a.test", "www.a.test"]
root = "www-a"

[[site]]
root = "www-b"
{extra}
"""


def config(allow="", extra=""):
    return CONFIG.format(allow=allow, extra=extra)


def status(p, view="/json"):
    code, headers, body = curl(p.url + "/_status" + view)
    assert code == 200, body
    return json.loads(body) if view == "/json" else body.decode()


def test_status_from_the_config_counts_by_site_and_follows_reloads(start_portico, conf):
    path = conf(config())
    p = start_portico("run", "-c", path)
    for _ in range(3):
        assert curl(p.url + "/", host="www.a.test")[0] == 200
    for _ in range(2):
        assert curl(p.url + "/", host="other.test")[0] == 200
    data = status(p)
    by_site = {}
    for e in data["requests"]["by_label"]:
        by_site[e["site"]] = by_site.get(e["site"], 0) + e["count"]
    assert by_site["a.test"] == 3
    assert by_site["default"] == 2  # the status request itself is counted after it answers
    assert data["config"] == {"generation": 1,
                              "last_reload": {"result": "none", "time": "", "message": ""}}
    metrics = status(p, "/metrics")
    assert 'portico_http_requests_total{code="200",method="GET",site="a.test"} 3' in metrics

    # A good reload moves the generation; a bad one is reported and changes nothing else.
    write(path, config(extra='[[site.route]]\npath = "/v"\nrespond = { body = "v2" }\n'))
    sighup_and_wait(p)
    data = status(p)
    assert data["config"]["generation"] == 2
    assert data["config"]["last_reload"]["result"] == "ok"
    write(path, config() + "\nbroken_key = 1\n")
    sighup_and_wait(p, expect_ok=False)
    data = status(p)
    assert data["config"]["generation"] == 2
    assert data["config"]["last_reload"]["result"] == "failed"
    assert "portico_config_last_reload_success 0" in status(p, "/metrics")


def test_status_allow_list_from_the_config(start_portico, conf):
    p = start_portico("run", "-c", conf(config(allow='allow = ["10.0.0.0/8"]')))
    for view in ("", "/json", "/metrics"):
        assert curl(p.url + "/_status" + view)[0] == 403
    assert curl(p.url + "/", host="a.test")[0] == 200


def test_request_id_field_from_the_config(start_portico, conf):
    p = start_portico("run", "-c", conf(config()))
    import socket
    host, port = p.url[len("http://"):].rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\nX-Trace-Id: trace-77\r\n\r\n")
    assert s.recv(65536).startswith(b"HTTP/1.1 200")
    mine = f":{s.getsockname()[1]}"
    rows = [r for r in status(p)["connections"]["table"] if r["peer"].endswith(mine)]
    assert rows and rows[0]["request_id"] == "trace-77"
    s.close()


def test_bad_status_settings_are_config_errors(conf):
    for text, message in [
        (config().replace('path = "/_status"', 'path = "status"'), "status path 'status'"),
        (config(allow='allow = ["10.0.0.1/8"]'), "allow '10.0.0.1/8'"),
        (config(allow="allow = []"), "'allow' is empty"),
        (config().replace('"X-Trace-Id"', '"X Trace"'), "request_id_header 'X Trace'"),
        (config().replace('path = "/_status"', 'paht = "/_status"'), "needs a 'path'"),
    ]:
        path = conf(text)
        r = subprocess.run([PORTICO, "check", "-c", path], capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 2, (text, r.stdout, r.stderr)
        assert message in r.stderr, r.stderr
        assert "portico.toml:" in r.stderr
