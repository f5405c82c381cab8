"""The `proxy = { ... }` route action of portico.toml: proxying next to static files, config
errors with their position, and a reload that swaps the upstreams while clients keep going."""
import json
import subprocess

from config_util import conf, sighup_and_wait, wait_until  # noqa: F401 (fixtures)
from conftest import PORTICO
from proxy_util import Client, backends  # noqa: F401 (fixtures)


def config(upstreams, extra=""):
    ups = ", ".join(f'"{u}"' for u in upstreams)
    return f"""
[server]
threads = 2

[[listen]]
address = "127.0.0.1:0"

[[site]]
root = "www-a"

[[site.route]]
path = "/api/"
proxy = {{ upstreams = [{ups}], strip_prefix = "/api"{extra} }}
"""


def test_proxy_route_next_to_static_files(start_portico, conf, backends):
    a, b = backends(2)
    path = conf(config([a.url, b.url], ', balance = "round-robin", host = "upstream"'))
    p = start_portico("run", "-c", path)
    c = Client(p)
    names = set()
    for _ in range(4):
        status, hdrs, body = c.get("/api/users?id=7")
        assert status == 200
        report = json.loads(body)
        assert report["path"] == "/users?id=7"
        host = [v for k, v in report["headers"] if k.lower() == "host"]
        assert host == [f"127.0.0.1:{a.port if report['name'] == 'b0' else b.port}"]
        names.add(report["name"])
    assert names == {"b0", "b1"}
    status, _, body = c.get("/")
    assert status == 200 and body == b"site a\n"
    c.close()


def test_config_errors_name_the_position(conf):
    path = conf(config(["ftp://x"], ', balance = "least-con", retrys = 3'))
    out = subprocess.run([PORTICO, "check", "-c", path], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert any(":13:" in l and "upstream 'ftp://x': expected http://" in l for l in lines), lines
    assert any("'balance' must be round-robin" in l for l in lines), lines
    assert any("unknown key 'retrys'" in l and "did you mean 'retries'" in l for l in lines), lines


def test_reload_swaps_upstreams(start_portico, conf, backends):
    a, b = backends(2)
    path = conf(config([a.url]))
    p = start_portico("run", "-c", path)
    c = Client(p)
    assert {c.who("/api/") for _ in range(3)} == {"b0"}
    conf(config([b.url]))
    sighup_and_wait(p)
    # Each worker picks up the new route; the old one's idle connections are closed.
    wait_until(lambda: Client(p).who("/api/") == "b1", 20, message="the new upstream")
    assert {Client(p).who("/api/") for _ in range(4)} == {"b1"}
    c.close()
