"""`portico proxy`: requests and responses forwarded as specified: forwarding headers added,
hop-by-hop fields removed, bodies re-framed (Content-Length, chunked, close-delimited), HEAD,
100-continue, keep-alive reuse upstream, nginx as an upstream, the redirect balance mode."""
import hashlib
import json
import socket

from proxy_util import Client, backends, nginx, proxy  # noqa: F401 (fixtures)


def header_map(report):
    out = {}
    for k, v in report["headers"]:
        out.setdefault(k.lower(), []).append(v)
    return out


def test_adds_forwarding_headers_and_removes_hop_by_hop_ones(backends, proxy):
    (b,) = backends(1)
    p = proxy([b])
    c = Client(p)
    status, hdrs, body = c.request("GET", "/path?q=1", headers={
        "Host": "example.test",
        "Connection": "keep-alive, X-Secret-Hop",
        "X-Secret-Hop": "1",
        "Keep-Alive": "timeout=5",
        "TE": "trailers",
        "Proxy-Authorization": "Basic Zm9vOmJhcg==",
        "X-Forwarded-For": "6.6.6.6",  # a client may not claim an address
        "X-Kept": "yes",
    })
    assert status == 200
    seen = header_map(json.loads(body))
    assert json.loads(body)["path"] == "/path?q=1"
    assert seen["host"] == ["example.test"]
    assert seen["x-forwarded-for"] == ["127.0.0.1"]
    assert seen["x-forwarded-proto"] == ["http"]
    assert seen["x-forwarded-host"] == ["example.test"]
    assert seen["forwarded"] == ['for=127.0.0.1;host=example.test;proto=http']
    assert seen["via"] == ["1.1 portico"]
    assert seen["x-kept"] == ["yes"]
    for gone in ("x-secret-hop", "keep-alive", "te", "proxy-authorization"):
        assert gone not in seen, gone
    # Response side: the backend's own fields pass, Via is added.
    assert hdrs["x-backend"] == ["b0"]
    assert hdrs["via"] == ["1.1 portico"]
    c.close()


def raw_request(p, data, timeout=20):
    s = socket.create_connection(p.host_port, timeout=timeout)
    s.sendall(data)
    chunks = []
    while True:
        b = s.recv(65536)
        if not b:
            break
        chunks.append(b)
    s.close()
    return b"".join(chunks)


def split_response(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        fields.setdefault(k.strip().lower(), []).append(v.strip())
    return int(lines[0].split()[1]), fields, body


def dechunk(body):
    out = b""
    while True:
        line, _, body = body.partition(b"\r\n")
        n = int(line.split(b";")[0], 16)
        if n == 0:
            return out
        out += body[:n]
        body = body[n + 2:]


def test_reframes_chunked_and_close_delimited_bodies(backends, proxy):
    (b,) = backends(1)
    p = proxy([b])
    expected = (bytes(range(256)) * 64 * 20)[:300000]
    for path in ("/chunked?n=300000", "/close?n=300000", "/big?n=300000"):
        raw = raw_request(p, f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
        status, fields, body = split_response(raw)
        assert status == 200, path
        if "content-length" in fields:
            assert fields["content-length"] == ["300000"]
            assert body == expected, path
        else:
            # An upstream body of unknown length reaches an HTTP/1.1 client chunked.
            assert fields["transfer-encoding"] == ["chunked"], path
            assert dechunk(body) == expected, path
    # HTTP/1.0 client: delimited by the close instead.
    raw = raw_request(p, b"GET /chunked?n=50000 HTTP/1.0\r\nHost: t\r\n\r\n")
    status, fields, body = split_response(raw)
    assert status == 200 and "transfer-encoding" not in fields
    assert body == expected[:50000]


def test_head_keeps_the_length_without_a_body(backends, proxy):
    (b,) = backends(1)
    p = proxy([b])
    raw = raw_request(p, b"HEAD /big?n=12345 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    status, fields, body = split_response(raw)
    assert status == 200
    assert fields["content-length"] == ["12345"]
    assert body == b""


def test_passes_status_codes_through(backends, proxy):
    (b,) = backends(1)
    p = proxy([b])
    c = Client(p)
    for code in (201, 204, 301, 404, 418, 500):
        status, hdrs, _ = c.get(f"/status?code={code}")
        assert status == code
        assert hdrs["x-backend"] == ["b0"]
    c.close()


def test_uploads_with_length_chunked_and_100_continue(backends, proxy):
    (b,) = backends(1)
    p = proxy([b])
    data = bytes(range(256)) * 4096  # 1 MiB
    digest = hashlib.sha256(data).hexdigest()
    c = Client(p)
    status, _, body = c.request("PUT", "/up", body=data)
    assert status == 200 and json.loads(body)["sha256"] == digest

    def chunks():
        for i in range(0, len(data), 70000):
            yield data[i:i + 70000]

    status, _, body = c.request("POST", "/up", body=chunks(),
                                headers={"Transfer-Encoding": "chunked"})
    assert status == 200 and json.loads(body)["sha256"] == digest
    c.close()

    # Expect: 100-continue: the proxy says 100 before the body is sent.
    s = socket.create_connection(p.host_port, timeout=20)
    s.sendall(b"POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
              b"Expect: 100-continue\r\nConnection: close\r\n\r\n")
    first = s.recv(100)
    assert first.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    s.sendall(b"hello")
    rest = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    s.close()
    status, _, body = split_response((first + rest)[len(b"HTTP/1.1 100 Continue\r\n\r\n"):])
    assert status == 200
    assert json.loads(body)["body_bytes"] == 5
    assert "expect" not in header_map(json.loads(body))


def test_reuses_upstream_connections(backends, proxy):
    (b,) = backends(1)
    p = proxy([b])
    c = Client(p)
    for _ in range(20):
        assert c.who() == "b0"
    c.close()
    # 20 requests over one keep-alive client connection used one or two upstream connections
    # (not 20): count the established ones from the proxy to the backend.
    conns = [line for line in open("/proc/net/tcp").read().splitlines()[1:]
             if line.split()[2].endswith(":%04X" % b.port) and line.split()[3] == "01"]
    assert 1 <= len(conns) <= 2


def test_nginx_as_an_upstream(nginx, proxy):
    n = nginx()
    p = proxy([n.url])
    c = Client(p)
    status, hdrs, body = c.get("/echo", headers={"Host": "site.test"})
    assert status == 200
    assert body == b"name=nginx host=site.test xff=127.0.0.1 via=1.1 portico\n"
    status, hdrs, body = c.get("/big.bin")
    assert status == 200 and len(body) == 4 << 20
    with open(f"{n.dir}/www/big.bin", "rb") as f:
        assert body == f.read()
    status, _, _ = c.get("/missing")
    assert status == 404
    c.close()


def test_redirect_mode_answers_302_to_the_chosen_upstream(backends, proxy):
    a, b = backends(2)
    p = proxy([a, b], "--balance", "redirect")
    c = Client(p)
    locations = []
    for _ in range(4):
        status, hdrs, _ = c.get("/x/y?z=1")
        assert status == 302
        locations.append(hdrs["location"][0])
    assert locations == [f"{a.url}/x/y?z=1", f"{b.url}/x/y?z=1"] * 2
    c.close()


def test_an_upstream_given_by_name_is_resolved(backends, proxy):
    (b,) = backends(1)
    p = proxy([f"http://localhost:{b.port}"])
    c = Client(p)
    assert c.who() == "b0"
    c.close()


def test_https_upstream_verified_against_its_ca(tmp_path, start_portico, proxy):
    import re
    import subprocess

    from conftest import PORTICO
    certs = tmp_path / "certs"
    subprocess.run([PORTICO, "cert", "self-signed", "--name", "127.0.0.1", "--out", str(certs)],
                   check=True, capture_output=True, timeout=60)
    www = tmp_path / "www"
    www.mkdir()
    (www / "hello.txt").write_text("over tls\n")
    upstream = start_portico("serve", str(www), "--listen", "127.0.0.1:0", "--tls-listen",
                             "127.0.0.1:0", "--cert", str(certs / "cert.pem"), "--key",
                             str(certs / "key.pem"), "--threads", "1")
    https = re.search(r"listening on https://(\S+?)/", upstream.stderr()).group(1)
    p = proxy([f"https://{https}"], "--upstream-ca", str(certs / "cert.pem"))
    c = Client(p)
    status, _, body = c.get("/hello.txt")
    assert status == 200 and body == b"over tls\n"
    c.close()
    # Without the CA the certificate cannot be verified: 502, never the page.
    p2 = proxy([f"https://{https}"])
    c = Client(p2)
    status, _, body = c.get("/hello.txt")
    assert status == 502
    c.close()
