"""`portico serve` methods (RFC 9110 9): OPTIONS (server-wide and per path) with Allow; POST,
PUT, DELETE, CONNECT on static paths -> 405 with Allow; TRACE off by default and, when on,
echoing the request without credentials; PUT/DELETE uploads when enabled: 201/204, atomic
(temporary file + rename, nothing left behind), never outside the root, size limit -> 413.
"""
import os
import subprocess

import pytest

from http_util import (HELLO_TXT, SENTINEL, ResponseReader, assert_error_then_close, connect,
                       get, request_bytes)


def allow_set(resp):
    return {m.strip() for m in resp.header("allow", "").split(",") if m.strip()}


def test_options_asterisk_describes_the_server(serve):
    server = serve()
    resp = get(server, "*", method="OPTIONS")
    assert resp.status == 200
    assert {"GET", "HEAD", "OPTIONS"} <= allow_set(resp)
    assert "TRACE" not in allow_set(resp)
    assert int(resp.header("content-length")) == len(resp.body) == 0


def test_options_asterisk_lists_trace_when_enabled(serve):
    server = serve("--allow-trace")
    assert "TRACE" in allow_set(get(server, "*", method="OPTIONS"))


@pytest.mark.parametrize("target", ["/hello.txt", "/", "/sub/", "/missing.txt"])
def test_options_on_a_path_lists_allowed_methods(serve, target):
    server = serve()
    resp = get(server, target, method="OPTIONS")
    assert resp.status in (200, 204)
    assert allow_set(resp) == {"GET", "HEAD", "OPTIONS"}
    if resp.status == 200:
        assert int(resp.header("content-length")) == len(resp.body)


def test_options_with_uploads_lists_put_and_delete(serve):
    server = serve("--allow-uploads")
    assert allow_set(get(server, "/hello.txt", method="OPTIONS")) == \
        {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}


def test_options_with_curl(serve):
    server = serve()
    r = subprocess.run(["curl", "-sS", "-i", "-X", "OPTIONS", server.url + "/hello.txt"],
                       capture_output=True, timeout=60)
    assert r.returncode == 0
    assert b"\r\nAllow: GET, HEAD, OPTIONS\r\n" in r.stdout


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "TRACE"])
def test_other_methods_on_static_paths_are_405_with_allow(serve, method):
    server = serve()
    sock = connect(server)
    reader = ResponseReader(sock)
    body = b"some body"
    sock.sendall(request_bytes(method, "/hello.txt", [("Content-Length", str(len(body)))], body))
    resp = reader.read_response()
    assert resp.status == 405
    assert allow_set(resp) == {"GET", "HEAD", "OPTIONS"}
    assert int(resp.header("content-length")) == len(resp.body) > 0
    # The body was consumed with the request: the connection carries on in sync.
    if not resp.wants_close():
        sock.sendall(request_bytes("GET", "/hello.txt"))
        assert reader.read_response().body == HELLO_TXT
    sock.close()


def test_connect_is_405(serve):
    server = serve()
    resp = get(server, "localhost:443", method="CONNECT")
    assert resp.status == 405
    assert int(resp.header("content-length")) == len(resp.body)


def test_trace_is_405_by_default(serve):
    server = serve()
    resp = get(server, "/hello.txt", [("Cookie", "session=secret")], method="TRACE")
    assert resp.status == 405 and "TRACE" not in allow_set(resp)
    assert b"session=secret" not in resp.body


def test_trace_when_enabled_echoes_without_credentials(serve):
    server = serve("--allow-trace")
    headers = [("Cookie", "session=c00kie"), ("Authorization", "Basic dXNlcjpwYXNz"),
               ("Proxy-Authorization", "Basic cHJveHk6cGFzcw=="), ("cookie", "second=c00kie2"),
               ("X-Custom", "visible-value"), ("Max-Forwards", "3")]
    resp = get(server, "/some/path?q=1", headers, method="TRACE")
    assert resp.status == 200
    assert resp.header("content-type").startswith("message/http")
    assert int(resp.header("content-length")) == len(resp.body)
    echo = resp.body
    assert echo.startswith(b"TRACE /some/path?q=1 HTTP/1.1\r\n")
    assert b"X-Custom: visible-value" in echo
    for secret in (b"c00kie", b"dXNlcjpwYXNz", b"cHJveHk6cGFzcw", b"c00kie2"):
        assert secret not in echo, echo
    assert b"Cookie" not in echo and b"Authorization" not in echo


@pytest.mark.parametrize("method", ["BREW", "PATCH", "get", "M-SEARCH"])
def test_unknown_methods_are_501(serve, method):
    server = serve()
    resp = get(server, "/hello.txt", method=method)
    assert resp.status == 501
    assert int(resp.header("content-length")) == len(resp.body) > 0


# --- uploads ----------------------------------------------------------------------------------

def put(server, target, body, headers=(), chunked=False):
    hdrs = list(headers)
    if chunked:
        hdrs.append(("Transfer-Encoding", "chunked"))
        data = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 1000]), body[i:i + 1000])
                        for i in range(0, len(body), 1000)) + b"0\r\n\r\n"
    else:
        hdrs.append(("Content-Length", str(len(body))))
        data = body
    hdrs.append(("Connection", "close"))
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(request_bytes("PUT", target, hdrs, data))
    resp = reader.read_response()
    sock.close()
    return resp


def leftovers(root):
    found = []
    for dirpath, _, files in os.walk(root):
        found += [os.path.join(dirpath, f) for f in files if f.startswith(".portico-upload")]
    return found


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_uploads_are_off_by_default(serve, site, method):
    server = serve()
    resp = get(server, "/hello.txt", method=method, body=b"x" if method == "PUT" else b"",
               headers=[("Content-Length", "1")] if method == "PUT" else [])
    assert resp.status == 405
    with open(os.path.join(site, "hello.txt"), "rb") as f:
        assert f.read() == HELLO_TXT


def test_put_creates_then_replaces_and_delete_removes(serve, site):
    server = serve("--allow-uploads")
    body = bytes(range(256)) * 300

    def on_disk(name):
        with open(os.path.join(site, name), "rb") as f:
            return f.read()

    created = put(server, "/new.bin", body)
    assert created.status == 201
    assert on_disk("new.bin") == body

    replaced = put(server, "/new.bin", b"second version\n", chunked=True)
    assert replaced.status == 204 and replaced.body == b""
    assert on_disk("new.bin") == b"second version\n"

    resp = put(server, "/sub/nested.txt", b"in a subdirectory\n")
    assert resp.status == 201
    assert get(server, "/sub/nested.txt").body == b"in a subdirectory\n"

    deleted = get(server, "/new.bin", method="DELETE")
    assert deleted.status == 204
    assert not os.path.exists(os.path.join(site, "new.bin"))
    assert get(server, "/new.bin", method="DELETE").status == 404
    assert leftovers(site) == []


def test_get_right_after_put_or_delete_sees_the_change(serve):
    # RFC 9110 9.3.4: a successful PUT means a later GET returns the new representation.
    server = serve("--allow-uploads", threads=1)
    stale = []
    for i in range(5):
        name = f"/fresh-{i}.bin"
        assert put(server, name, b"A" * 40000).status == 201
        assert get(server, name).body == b"A" * 40000  # now in the cache
        assert put(server, name, b"version B\n").status == 204
        if get(server, name).body != b"version B\n":
            stale.append(f"{name}: GET after PUT returned the old content")
        assert get(server, name, method="DELETE").status == 204
        if get(server, name).status != 404:
            stale.append(f"{name}: GET after DELETE still found the file")
    assert not stale, stale


def test_put_of_an_empty_body_and_a_chunked_body(serve, site):
    server = serve("--allow-uploads")
    assert put(server, "/empty.txt", b"").status == 201
    assert os.path.getsize(os.path.join(site, "empty.txt")) == 0
    big = os.urandom(300_000)
    assert put(server, "/chunked.bin", big, chunked=True).status == 201
    with open(os.path.join(site, "chunked.bin"), "rb") as f:
        assert f.read() == big


def test_put_over_the_size_limit_is_413_and_writes_nothing(serve, site):
    server = serve("--allow-uploads", "--max-body-size", "1k")
    sock = connect(server)
    reader = ResponseReader(sock)
    sock.sendall(request_bytes("PUT", "/too-big.bin", [("Content-Length", "2048")]))
    assert_error_then_close(reader.read_response(), reader, 413)
    sock.close()
    resp = put(server, "/too-big-chunked.bin", b"z" * 4096, chunked=True)
    assert resp.status == 413
    assert put(server, "/fits.bin", b"y" * 1024).status == 201
    assert not os.path.exists(os.path.join(site, "too-big.bin"))
    assert not os.path.exists(os.path.join(site, "too-big-chunked.bin"))
    assert leftovers(site) == []


def test_put_into_a_missing_directory_or_onto_a_directory_is_refused(serve, site):
    server = serve("--allow-uploads")
    assert put(server, "/no/such/dir/file.txt", b"x").status == 409
    assert put(server, "/sub", b"x").status == 409
    assert put(server, "/sub/", b"x").status == 405
    assert put(server, "/", b"x").status == 405
    assert get(server, "/sub", method="DELETE").status == 405
    assert os.path.isdir(os.path.join(site, "sub"))
    assert not os.path.exists(os.path.join(site, "no"))


def test_put_and_delete_of_dotfiles_are_refused(serve, site):
    server = serve("--allow-uploads")
    assert put(server, "/.htaccess", b"deny").status == 404
    assert put(server, "/.git/config", b"evil").status == 404
    assert get(server, "/.hidden", method="DELETE").status == 404
    assert os.path.exists(os.path.join(site, ".hidden"))
    assert not os.path.exists(os.path.join(site, ".htaccess"))


def test_put_through_symlinks_never_writes_outside(serve, site):
    server = serve("--allow-uploads")
    parent = os.path.dirname(site)
    # A directory symlink leaving the root is not followed.
    resp = put(server, "/link-parent/planted.txt", b"planted")
    assert 400 <= resp.status < 500
    assert not os.path.exists(os.path.join(parent, "planted.txt"))
    # A file symlink is replaced (rename replaces the link), never written through.
    put(server, "/link-out.txt", b"through the link?")
    with open(os.path.join(parent, "secret.txt"), "rb") as f:
        assert SENTINEL in f.read()
    get(server, "/rel-link-out.txt", method="DELETE")
    assert os.path.exists(os.path.join(parent, "secret.txt"))


def test_put_preconditions(serve, site):
    server = serve("--allow-uploads")
    assert put(server, "/cond.txt", b"v1", [("If-Match", "*")]).status == 412
    assert put(server, "/cond.txt", b"v1", [("If-None-Match", "*")]).status == 201
    assert put(server, "/cond.txt", b"v2", [("If-None-Match", "*")]).status == 412
    etag = get(server, "/cond.txt").header("etag")
    assert put(server, "/cond.txt", b"v2", [("If-Match", '"stale"')]).status == 412
    assert put(server, "/cond.txt", b"v2", [("If-Match", etag)]).status == 204
    with open(os.path.join(site, "cond.txt"), "rb") as f:
        assert f.read() == b"v2"


def test_concurrent_puts_of_one_file_leave_one_whole_version(serve, site):
    # Atomic replacement: readers and the final file see one complete body, never a mix.
    import threading
    server = serve("--allow-uploads", threads=2)
    bodies = [bytes([65 + i]) * 200_000 for i in range(8)]
    errors = []

    def writer(body):
        try:
            for _ in range(3):
                resp = put(server, "/race.bin", body)
                assert resp.status in (201, 204), resp
        except Exception as e:  # reported below
            errors.append(e)

    def reader():
        try:
            for _ in range(20):
                resp = get(server, "/race.bin")
                if resp.status == 200:
                    assert resp.body in bodies, "a reader saw a partial or mixed file"
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(b,)) for b in bodies]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    with open(os.path.join(site, "race.bin"), "rb") as f:
        assert f.read() in bodies
    assert leftovers(site) == []


def test_put_with_curl_upload_file(serve, site, tmp_path):
    server = serve("--allow-uploads")
    src = tmp_path / "upload-src.bin"
    src.write_bytes(os.urandom(100_000))
    r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", str(src),
                        server.url + "/curl-upload.bin"], capture_output=True, timeout=60)
    assert r.stdout == b"201"
    with open(os.path.join(site, "curl-upload.bin"), "rb") as f:
        assert f.read() == src.read_bytes()
