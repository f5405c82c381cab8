"""`portico check` and `portico run` through the real binary: config errors, virtual hosts,
routes, redirects and per-route headers (with curl).
"""
import os
import subprocess

from config_util import conf, curl  # noqa: F401,F811 (conf is a fixture)
from conftest import PORTICO, ROOT


# --- check -----------------------------------------------------------------------------------

def test_check_accepts_the_example_config():
    r = subprocess.run([PORTICO, "check", "-c", os.path.join(ROOT, "examples", "portico.toml")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "ok (" in r.stdout


def test_check_reports_every_error_with_file_line_and_column(conf):
    path = conf("""listn = 1
[[listen]]
address = "localhost:80"
[[site]]
root = "missing"
""")
    r = subprocess.run([PORTICO, "check", "-c", path], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        f"{path}:1:1: unknown key 'listn' (did you mean 'listen'?)",
        f"{path}:3:11: bad listen address 'localhost:80': expected IP:PORT, e.g. 127.0.0.1:8080, "
        "[::1]:8080 or *:80 (host names are not resolved)",
        f"{path}:5:8: root 'missing': no such file or directory",
    ]


def test_check_needs_a_config_file():
    r = subprocess.run([PORTICO, "check"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1


def test_run_refuses_a_bad_config_with_status_2(conf, tmp_path):
    path = conf('[[listen]]\naddress = "127.0.0.1:0"\n[[site]]\nroot = "nope"\n')
    r = subprocess.run([PORTICO, "run", "-c", path], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert r.stderr.strip() == f"{path}:4:8: root 'nope': no such file or directory"


# --- virtual hosts and routes ----------------------------------------------------------------

VHOSTS = """
[server]
threads = 2
unknown_host = 404

[[listen]]
address = "127.0.0.1:0"

[[site]]
hosts = ["example.test"]
root = "www-a"

[[site.route]]
path = "/old/"
redirect = { to = "https://example.test/new/{path}{query}", status = 301 }

[[site.route]]
path = "/everything"
match = "prefix"
redirect = { to = "http://{host}/moved{path}{query}", status = 307 }

[[site.route]]
path = "/api"
match = "prefix"
respond = { body = "api prefix\\n" }

[[site.route]]
path = "/api/v2/"
respond = { body = "api v2\\n" }

[[site.route]]
path = "/api/v2/status"
respond = { body = "status exact\\n", content_type = "application/json" }

[[site.route]]
path = "/assets/"
headers = { "X-Frame-Options" = "DENY", "X-Route" = "assets" }
remove_headers = ["ETag"]
cache_control = "public, max-age=600"

[[site.route]]
path = "/form"
methods = ["GET"]
respond = { body = "form\\n" }

[[site.route]]
path = "/form"
methods = ["POST"]
respond = { status = 201, body = "created\\n" }

[[site]]
hosts = ["*.example.test"]
root = "www-b"
headers = { "X-Site" = "wildcard" }

[[site]]
hosts = ["canon.test", "www.canon.test"]
canonical_host = "canon.test"
root = "www-c"

[[site]]
hosts = ["secure.test"]
https_redirect = true
https_port = 8443
root = "www-c"
"""


def test_virtual_hosts_exact_and_wildcard(start_portico, conf):
    p = start_portico("run", "-c", conf(VHOSTS))
    url = p.url
    assert curl(url + "/", host="example.test")[2] == b"site a\n"
    assert curl(url + "/", host="EXAMPLE.test:80")[2] == b"site a\n"
    status, fields, body = curl(url + "/", host="www.example.test")
    assert (status, body, fields["x-site"]) == (200, b"site b\n", "wildcard")
    assert curl(url + "/", host="a.b.example.test")[2] == b"site b\n"
    # No default site: an unknown Host gets the configured status.
    assert curl(url + "/", host="unknown.test")[0] == 404
    assert curl(url + "/", host="example.test.evil")[0] == 404


def test_redirects_keep_path_and_query(start_portico, conf):
    p = start_portico("run", "-c", conf(VHOSTS))
    status, fields, _ = curl(p.url + "/old/a/b.html?x=1&y=%20", host="example.test")
    assert status == 301
    assert fields["location"] == "https://example.test/new/a/b.html?x=1&y=%20"
    status, fields, _ = curl(p.url + "/everything/deep/path?q", host="example.test:8080",
                             method="POST", data="x")
    assert status == 307
    assert fields["location"] == "http://example.test:8080/moved/deep/path?q"


def test_canonical_host_and_https_redirects(start_portico, conf):
    p = start_portico("run", "-c", conf(VHOSTS))
    status, fields, _ = curl(p.url + "/a?b=1", host=f"www.canon.test:{p.port}")
    assert status == 301
    assert fields["location"] == f"http://canon.test:{p.port}/a?b=1"
    assert curl(p.url + "/", host="canon.test")[2] == b"site c\n"
    status, fields, _ = curl(p.url + "/x?y", host="secure.test")
    assert status == 308
    assert fields["location"] == "https://secure.test:8443/x?y"


def test_route_precedence(start_portico, conf):
    p = start_portico("run", "-c", conf(VHOSTS))
    h = "example.test"
    assert curl(p.url + "/api/v2/status", host=h)[2] == b"status exact\n"
    assert curl(p.url + "/api/v2/status/more", host=h)[2] == b"api v2\n"
    assert curl(p.url + "/api/v2/", host=h)[2] == b"api v2\n"
    assert curl(p.url + "/api/v2", host=h)[2] == b"api prefix\n"
    assert curl(p.url + "/api", host=h)[2] == b"api prefix\n"
    assert curl(p.url + "/apix", host=h)[0] == 404  # the site's files: no such file
    # The route is chosen on the normalized path.
    assert curl(p.url + "/x/../api/v2/status", host=h)[2] == b"status exact\n"
    assert curl(p.url + "/%61pi/v2/status", host=h)[2] == b"status exact\n"


def test_per_route_headers_cache_and_methods(start_portico, conf):
    p = start_portico("run", "-c", conf(VHOSTS))
    h = "example.test"
    status, fields, body = curl(p.url + "/assets/app.css", host=h)
    assert (status, body) == (200, b"/* a */\n")
    assert fields["x-frame-options"] == "DENY"
    assert fields["x-route"] == "assets"
    assert fields["cache-control"] == "public, max-age=600"
    assert "etag" not in fields
    # Outside the route: the site's files with their usual fields.
    status, fields, _ = curl(p.url + "/index.html", host=h)
    assert "etag" in fields and "x-frame-options" not in fields
    assert curl(p.url + "/form", host=h)[2] == b"form\n"
    assert curl(p.url + "/form", host=h, method="POST", data="a=1")[0] == 201
    status, fields, _ = curl(p.url + "/form", host=h, method="DELETE")
    assert status == 405
    assert fields["allow"] == "GET, HEAD, POST, OPTIONS"
