"""`portico serve` as a static file server: content and types, HEAD, validators and conditional
requests (RFC 9110 13), ranges and multipart/byteranges (RFC 9110 14), index files, directory
redirects and listings, dotfiles, symlinks, Cache-Control rules; checked byte for byte with raw
sockets and with curl.
"""
import os
import re
import subprocess
import time

import pytest

from http_util import (BIG_SIZE, HELLO_TXT, IMF_FIXDATE_RE, INDEX_HTML, ResponseReader,
                       big_content, connect, get, request_bytes)

BIG = big_content()
PAST = 1_600_000_000  # 2020-09-13: file times set here make Last-Modified a strong validator


def http_date(ts):
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(ts))


@pytest.fixture
def server(serve, site):
    for name in ("big.bin", "hello.txt"):
        os.utime(os.path.join(site, name), (PAST, PAST))
    return serve()


def test_files_are_served_exactly_with_their_types(server):
    cases = [("/", INDEX_HTML, "text/html"), ("/index.html", INDEX_HTML, "text/html"),
             ("/hello.txt", HELLO_TXT, "text/plain"), ("/style.css", None, "text/css"),
             ("/data.json", b'{"ok": true}\n', "application/json"),
             ("/big.bin", BIG, "application/octet-stream"),
             ("/docs/", b"<p>docs index</p>\n", "text/html"),
             ("/a%26b%20%22q%22.txt", b"ampersand and quotes\n", "text/plain"),
             ("/%3Cscript%3E.txt", b"angle brackets\n", "text/plain"),
             ("/link-in.txt", HELLO_TXT, "text/plain")]
    for target, body, ctype in cases:
        resp = get(server, target)
        assert resp.status == 200, (target, resp)
        if body is not None:
            assert resp.body == body, target
        assert resp.header("content-type").split(";")[0].strip() == ctype, target
        if ctype.startswith("text/"):
            assert "charset=utf-8" in resp.header("content-type").lower(), target
        assert resp.header("etag") and resp.header("etag").startswith('"'), target
        assert IMF_FIXDATE_RE.match(resp.header("last-modified")), target
        assert resp.header("accept-ranges") == "bytes", target


def test_missing_file_and_file_used_as_directory_are_404(server):
    for target in ("/nope.txt", "/hello.txt/", "/hello.txt/x", "/sub/nope/", "/index.html/."):
        resp = get(server, target)
        assert resp.status == 404, target
        assert int(resp.header("content-length")) == len(resp.body) > 0


@pytest.mark.parametrize("target", ["/", "/hello.txt", "/big.bin", "/nope", "/sub", "/sub/",
                                    "/.hidden", "/../x", "/index.html gzip", "/big.bin gzip",
                                    "/style.css br", "/large.txt gzip", "/large.txt zstd"])
def test_head_has_the_headers_of_get_and_no_body(server, site, target):
    target, _, coding = target.partition(" ")
    if target == "/large.txt":
        with open(os.path.join(site, "large.txt"), "wb") as f:
            f.write(large_text())
    headers = [("Accept-Encoding", coding)] if coding else []
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(request_bytes("GET", target, headers) + request_bytes("HEAD", target, headers))
    g = reader.read_response("GET")
    if g.wants_close():
        sock = connect(server)
        reader = ResponseReader(sock)
        sock.sendall(request_bytes("HEAD", target, headers))
    h = reader.read_response("HEAD")
    assert h.status == g.status
    ignore = {"date", "expires"}
    assert {k: v for k, v in h.fields.items() if k not in ignore} == \
        {k: v for k, v in g.fields.items() if k not in ignore}
    # No body: the next response on the connection starts right after the head.
    if not h.wants_close():
        sock.sendall(request_bytes("GET", "/hello.txt"))
        assert reader.read_response().body == HELLO_TXT
    sock.close()


def test_big_file_with_curl_is_intact(server, tmp_path):
    out = tmp_path / "big.out"
    r = subprocess.run(["curl", "-sS", "--fail", "-o", str(out), server.url + "/big.bin"],
                       timeout=120)
    assert r.returncode == 0
    assert out.read_bytes() == BIG


# --- ranges (RFC 9110 14) ---------------------------------------------------------------------

@pytest.mark.parametrize("spec,first,last", [
    ("bytes=0-9", 0, 9), ("bytes=100-199", 100, 199), ("bytes=-500", BIG_SIZE - 500, BIG_SIZE - 1),
    ("bytes=1000000-", 1000000, BIG_SIZE - 1), ("bytes=0-", 0, BIG_SIZE - 1),
    ("bytes=5-5", 5, 5), ("bytes=1048000-99999999", 1048000, BIG_SIZE - 1),
    ("bytes=-99999999", 0, BIG_SIZE - 1), ("BYTES=10-19", 10, 19), ("bytes = 10-19", None, None)])
def test_single_range(server, spec, first, last):
    resp = get(server, "/big.bin", [("Range", spec)])
    if first is None:  # not valid Range syntax: ignored, full content
        assert resp.status in (200, 206)
        assert resp.body == (BIG if resp.status == 200 else BIG[10:20])
        return
    assert resp.status == 206, spec
    assert resp.header("content-range") == f"bytes {first}-{last}/{BIG_SIZE}"
    assert resp.header("content-type") == "application/octet-stream"
    assert resp.body == BIG[first:last + 1]


def parse_multipart(resp):
    m = re.match(r"multipart/byteranges;\s*boundary=(\S+)$", resp.header("content-type"))
    assert m, resp.header("content-type")
    boundary = m.group(1).strip('"').encode()
    body = resp.body
    parts = []
    delim = b"--" + boundary
    assert body.startswith(delim + b"\r\n"), body[:100]
    pos = 0
    while True:
        assert body[pos:pos + len(delim)] == delim
        pos += len(delim)
        if body[pos:pos + 2] == b"--":
            assert body[pos + 2:] in (b"", b"\r\n")
            return parts
        assert body[pos:pos + 2] == b"\r\n"
        head_end = body.index(b"\r\n\r\n", pos)
        headers = {}
        for line in body[pos + 2:head_end].split(b"\r\n"):
            k, _, v = line.decode().partition(":")
            headers[k.strip().lower()] = v.strip()
        cr = re.match(r"bytes (\d+)-(\d+)/(\d+)$", headers["content-range"])
        first, last, total = (int(g) for g in cr.groups())
        data_start = head_end + 4
        data = body[data_start:data_start + last - first + 1]
        parts.append((headers, first, last, total, data))
        pos = data_start + len(data)
        assert body[pos:pos + 2] == b"\r\n", "part data not followed by CRLF"
        pos += 2


def test_multiple_ranges_are_multipart_byteranges_byte_exact(server):
    spec = "bytes=0-9,100-199,-10,500000-500099"
    resp = get(server, "/big.bin", [("Range", spec)])
    assert resp.status == 206
    assert resp.header("content-range") is None
    assert int(resp.header("content-length")) == len(resp.body)
    parts = parse_multipart(resp)
    wanted = [(0, 9), (100, 199), (BIG_SIZE - 10, BIG_SIZE - 1), (500000, 500099)]
    got = sorted((first, last) for _, first, last, _, _ in parts)
    assert got == sorted(wanted)
    for headers, first, last, total, data in parts:
        assert total == BIG_SIZE
        assert headers["content-type"] == "application/octet-stream"
        assert data == BIG[first:last + 1]


def test_multiple_ranges_with_curl(server, tmp_path):
    r = subprocess.run(["curl", "-sS", "-D", "-", "-r", "0-0,2-3", server.url + "/hello.txt"],
                       capture_output=True, timeout=60)
    assert r.returncode == 0
    out = r.stdout
    assert out.startswith(b"HTTP/1.1 206 ")
    assert b"\r\nContent-Range: bytes 0-0/13\r\n" in out
    assert b"\r\nContent-Range: bytes 2-3/13\r\n" in out
    assert b"\r\n\r\nh\r\n" in out and b"\r\n\r\nll\r\n" in out


def test_overlapping_ranges_cover_exactly_the_requested_bytes(server):
    resp = get(server, "/big.bin", [("Range", "bytes=0-99,50-149,148-200")])
    assert resp.status == 206
    if resp.header("content-type").startswith("multipart/byteranges"):
        covered = set()
        for _, first, last, _, data in parse_multipart(resp):
            assert data == BIG[first:last + 1]
            covered.update(range(first, last + 1))
        assert covered == set(range(0, 201))
    else:  # coalesced into one range
        assert resp.header("content-range") == f"bytes 0-200/{BIG_SIZE}"
        assert resp.body == BIG[:201]


@pytest.mark.parametrize("spec", [f"bytes={BIG_SIZE}-", f"bytes={BIG_SIZE}-{BIG_SIZE + 10}",
                                  "bytes=-0", f"bytes={BIG_SIZE + 1}-,{BIG_SIZE + 5}-"])
def test_unsatisfiable_range_is_416_with_the_size(server, spec):
    resp = get(server, "/big.bin", [("Range", spec)])
    assert resp.status == 416, spec
    assert resp.header("content-range") == f"bytes */{BIG_SIZE}"
    assert int(resp.header("content-length")) == len(resp.body)
    assert BIG[:64] not in resp.body


@pytest.mark.parametrize("spec", ["bytes=abc", "items=0-1", "bytes=9-5", "bytes=", "bytes=--1",
                                  "bytes=1-2-3", "bytes=0x1-2"])
def test_invalid_range_is_ignored(server, spec):
    resp = get(server, "/hello.txt", [("Range", spec)])
    assert resp.status == 200 and resp.body == HELLO_TXT, spec


def test_too_many_ranges_are_not_honoured_as_a_multipart_bomb(server):
    spec = "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 2000, 2))
    resp = get(server, "/big.bin", [("Range", spec)])
    assert resp.status in (200, 416), resp
    if resp.status == 200:
        assert resp.body == BIG


def test_range_on_head_is_ignored(server):
    resp = get(server, "/hello.txt", [("Range", "bytes=0-1")], method="HEAD")
    assert resp.status == 200 and resp.header("content-length") == str(len(HELLO_TXT))


def test_if_range_with_matching_and_non_matching_validators(server):
    full = get(server, "/big.bin", [("Range", "bytes=0-0")])
    etag, lm = full.header("etag"), full.header("last-modified")
    assert lm == http_date(PAST)
    cases = [(etag, 206), ('"not-the-etag"', 200), ("W/" + etag, 200), (lm, 206),
             (http_date(PAST - 1), 200), (http_date(PAST + 1), 200), ("not a date", 200)]
    for validator, status in cases:
        resp = get(server, "/big.bin", [("Range", "bytes=10-19"), ("If-Range", validator)])
        assert resp.status == status, validator
        assert resp.body == (BIG[10:20] if status == 206 else BIG), validator


# --- conditional requests (RFC 9110 13) -------------------------------------------------------

def validators(server, target="/hello.txt"):
    resp = get(server, target)
    return resp.header("etag"), resp.header("last-modified")


def test_conditionals_give_304_and_412(server):
    etag, lm = validators(server)
    assert lm == http_date(PAST)
    cases = [
        ([("If-None-Match", etag)], 304), ([("If-None-Match", "*")], 304),
        ([("If-None-Match", f'"x", {etag}')], 304), ([("If-None-Match", "W/" + etag)], 304),
        ([("If-None-Match", '"other"')], 200),
        ([("If-Modified-Since", lm)], 304), ([("If-Modified-Since", http_date(PAST + 3600))], 304),
        ([("If-Modified-Since", http_date(PAST - 1))], 200),
        ([("If-Modified-Since", "garbage")], 200),
        ([("If-Modified-Since", http_date(time.time() + 86400 * 365))], 200),
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
        ([("If-None-Match", '"other"'), ("If-Modified-Since", lm)], 200),
        ([("If-Match", etag)], 200), ([("If-Match", "*")], 200),
        ([("If-Match", '"other"')], 412), ([("If-Match", "W/" + etag)], 412),
        ([("If-Unmodified-Since", lm)], 200),
        ([("If-Unmodified-Since", http_date(PAST - 1))], 412),
        ([("If-Unmodified-Since", "garbage")], 200),
        # If-Match wins over If-Unmodified-Since.
        ([("If-Match", etag), ("If-Unmodified-Since", http_date(PAST - 1))], 200),
        ([("If-Match", '"other"'), ("If-None-Match", etag)], 412),
    ]
    for headers, status in cases:
        for method in ("GET", "HEAD"):
            resp = get(server, "/hello.txt", headers, method=method)
            assert resp.status == status, (method, headers, resp)
            if status == 304:
                assert resp.body == b""
                assert resp.header("etag") == etag
                assert resp.header("content-length") in (None, str(len(HELLO_TXT)))
            elif status == 200 and method == "GET":
                assert resp.body == HELLO_TXT
            elif status == 412 and method == "GET":
                assert int(resp.header("content-length")) == len(resp.body)


def test_304_leaves_the_connection_in_sync(server):
    etag, _ = validators(server)
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(request_bytes("GET", "/hello.txt", [("If-None-Match", etag)]) * 3 +
                 request_bytes("GET", "/hello.txt"))
    for _ in range(3):
        resp = reader.read_response()
        assert resp.status == 304 and not resp.wants_close()
    assert reader.read_response().body == HELLO_TXT
    sock.close()


def test_etag_changes_when_the_file_changes(server, site):
    etag1, _ = validators(server)
    with open(os.path.join(site, "hello.txt"), "wb") as f:
        f.write(b"changed content\n")
    os.utime(os.path.join(site, "hello.txt"), (PAST + 10, PAST + 10))
    resp = get(server, "/hello.txt", [("If-None-Match", etag1)])
    assert resp.status == 200 and resp.body == b"changed content\n"
    assert resp.header("etag") != etag1


# --- directories, dotfiles, symlinks, caching -------------------------------------------------

@pytest.mark.parametrize("target,location", [
    ("/sub", "/sub/"), ("/docs", "/docs/"), ("/sub?x=1&y=%2F", "/sub/?x=1&y=%2F"),
    ("/docs?", "/docs/")])
def test_directory_without_slash_redirects_keeping_the_query(server, target, location):
    resp = get(server, target)
    assert resp.status == 301
    loc = resp.header("location")
    assert loc in (location, location.rstrip("?")) or loc.endswith("://" + "localhost" + location)
    assert int(resp.header("content-length")) == len(resp.body)


def test_redirect_location_is_not_an_open_redirect(server):
    # "//evil.example/sub" would be a network-path reference if echoed back verbatim.
    resp = get(server, "//sub")
    if resp.status == 301:
        assert not resp.header("location").startswith("//"), resp.header("location")


def test_directory_without_index_is_403_unless_browsing(server):
    resp = get(server, "/sub/")
    assert resp.status == 403
    assert b"a page in a directory" not in resp.body


def test_listing_escapes_names_sorts_and_hides_dotfiles(serve, site):
    server = serve("--browse")
    # The root has index.html, so list a directory that has none.
    os.remove(os.path.join(site, "index.html"))
    resp = get(server, "/")
    assert resp.status == 200
    assert resp.header("content-type").startswith("text/html")
    page = resp.body.decode("utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;.txt" in page
    assert 'a&amp;b &quot;q&quot;.txt' in page or "a&amp;b &#34;q&#34;.txt" in page
    assert ".hidden" not in page and ".git" not in page
    names = re.findall(r'<a href="([^"]+)"', page)
    assert "hello.txt" in names or "/hello.txt" in names
    # The escaped href resolves to the file.
    script_href = next(n for n in names if "script" in n)
    assert "<" not in script_href and '"' not in script_href
    target = script_href if script_href.startswith("/") else "/" + script_href
    linked = get(server, target.replace("&amp;", "&"))
    assert linked.status == 200 and linked.body == b"angle brackets\n"
    # Rows: name, size, date; directories first, then files, each group sorted by name.
    rows = re.findall(r'<tr><td><a href="([^"]+)">([^<]*)</a></td><td[^>]*>([^<]*)</td>'
                      r'<td[^>]*>(.*?)</td></tr>', page)
    rows = [r for r in rows if r[0] != "../"]
    assert len(rows) >= 8, page
    kinds = [r[0].endswith("/") for r in rows]
    assert kinds == sorted(kinds, reverse=True), "directories are not listed first"
    for is_dir in (True, False):
        group = [r[1] for r in rows if r[0].endswith("/") == is_dir]
        assert group in (sorted(group), sorted(group, key=str.casefold)), group
    sizes = {r[1]: r[2] for r in rows}
    assert sizes["hello.txt"] == "13 B" and sizes["big.bin"] in ("1.0 MiB", "1 MiB")
    assert all(re.search(r"\d{4}-\d\d-\d\d", r[3]) for r in rows)
    sub = get(server, "/sub/")
    assert sub.status == 200 and b"page.txt" in sub.body


@pytest.mark.parametrize("target", ["/.hidden", "/.git/config", "/.git/", "/.git",
                                    "/sub/../.hidden", "/%2ehidden", "/%2Egit/config",
                                    "/.git%2fconfig", "/docs/../.git/config"])
def test_dotfiles_are_404(server, target):
    resp = get(server, target)
    assert resp.status == 404, target
    assert b"hidden dotfile" not in resp.body and b"repositoryformatversion" not in resp.body


def test_dotfiles_are_served_when_allowed(serve):
    server = serve("--allow-dotfiles")
    assert get(server, "/.hidden").body == b"hidden dotfile\n"
    assert get(server, "/.git/config").status == 200


@pytest.mark.parametrize("target", ["/link-out.txt", "/rel-link-out.txt", "/link-parent/secret.txt",
                                    "/link-parent/", "/link-parent"])
def test_symlinks_leaving_the_root_are_refused(server, target):
    resp = get(server, target)
    assert resp.status in (403, 404), (target, resp)
    assert b"SENTINEL" not in resp.body


def test_cache_control_rules_apply_by_glob(serve):
    server = serve("--cache-control", "*.css=public, max-age=3600",
                   "--cache-control", "/docs/*=no-store")
    css = get(server, "/style.css")
    assert css.header("cache-control") == "public, max-age=3600"
    assert IMF_FIXDATE_RE.match(css.header("expires"))
    docs = get(server, "/docs/index.html")
    assert docs.header("cache-control") == "no-store"
    assert get(server, "/hello.txt").header("cache-control") is None


# --- compressed representations (streamed when too large to cache) ---------------------------

def large_text():
    return "".join(f"line {i} of a large compressible text file\n" for i in range(200000)).encode()


@pytest.mark.parametrize("version", ["HTTP/1.1", "HTTP/1.0"])
def test_streamed_gzip_of_a_large_file_is_complete(serve, site, version):
    import zlib
    text = large_text()
    with open(os.path.join(site, "large.txt"), "wb") as f:
        f.write(text)
    server = serve()
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(request_bytes("GET", "/large.txt", [("Accept-Encoding", "gzip")],
                               version=version))
    resp = reader.read_response()
    assert resp.status == 200 and resp.header("content-encoding") == "gzip"
    assert "accept-encoding" in resp.header("vary", "").lower()
    assert zlib.decompress(resp.body, 47) == text
    if version == "HTTP/1.1":
        # The connection carries on after the last chunk.
        sock.sendall(request_bytes("GET", "/hello.txt"))
        assert reader.read_response().body == HELLO_TXT
    sock.close()


@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
def test_streamed_compression_with_curl(serve, site, tmp_path, coding):
    text = large_text()
    with open(os.path.join(site, "large.txt"), "wb") as f:
        f.write(text)
    server = serve()
    out = tmp_path / "large.out"
    r = subprocess.run(["curl", "-sS", "--fail", "--compressed", "-H", f"Accept-Encoding: {coding}",
                        "-o", str(out), "-w", "%{content_type}", server.url + "/large.txt"],
                       capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == text


def test_304_and_206_carry_the_fields_a_200_would(serve):
    # RFC 9110 15.4.5 / 15.3.7: Cache-Control, Expires, ETag, Vary as in the 200.
    server = serve("--cache-control", "*.txt=public, max-age=60")
    full = get(server, "/hello.txt")
    etag = full.header("etag")
    for resp in (get(server, "/hello.txt", [("If-None-Match", etag)]),
                 get(server, "/hello.txt", [("Range", "bytes=0-1")]),
                 get(server, "/hello.txt", [("Range", "bytes=0-0,2-3")])):
        assert resp.status in (206, 304)
        assert resp.header("etag") == etag
        assert resp.header("cache-control") == "public, max-age=60"
        assert resp.header("expires") is not None
        assert resp.header("vary") == full.header("vary")
