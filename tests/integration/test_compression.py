"""Content negotiation and compression in `portico serve`: Accept-Encoding (gzip, br, zstd;
RFC 9110 12.5.3), precompressed siblings, on-the-fly compression in bounded memory, Vary and
per-encoding ETags on 200/304/HEAD, ranges, 406, and language variants (Accept-Language).

Every encoded body is decoded with an independent decoder (Python's gzip/zlib, the Debian
brotli and zstandard modules, curl --compressed) and compared with the original bytes.
"""
import gzip
import os
import random
import socket
import subprocess
import threading
import time
import zlib

import brotli
import pytest
import zstandard

from http_util import ResponseReader, connect, get, request_bytes

PAST = 1_600_000_000  # file times here make Last-Modified a strong validator


def js_text(size, seed=1):
    """Deterministic JavaScript-like text: compresses well, but not trivially."""
    rng = random.Random(seed)
    words = ["function", "return", "const", "let", "this.state", "=>", "{", "}", "(", ")",
             ";\n", "value", "index", "render", "0x1f", " ", "props", "await", "async"]
    out = []
    n = 0
    while n < size:
        w = rng.choice(words) + rng.choice(("", " ", str(rng.randint(0, 999))))
        out.append(w)
        n += len(w)
    return "".join(out).encode()[:size]


APP_JS = js_text(100 * 1024)
STYLE_CSS = js_text(5000, seed=2)
PRE_JS = js_text(40_000, seed=3)
LARGE_TXT = js_text(3 * 1024 * 1024, seed=4)  # above the whole-file limit: streamed
PNG = bytes(random.Random(5).getrandbits(8) for _ in range(20_000))


def decode(coding, body):
    if coding == "gzip":
        return gzip.decompress(body)
    if coding == "br":
        return brotli.decompress(body)
    if coding == "zstd":
        # Streaming reader: works whether or not the frame records its content size.
        return zstandard.ZstdDecompressor().decompressobj().decompress(body)
    assert coding is None, coding
    return body


def write(root, rel, data, mtime=PAST):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (mtime, mtime))


@pytest.fixture
def docroot(tmp_path):
    root = str(tmp_path / "negotiated")
    os.makedirs(root)
    write(root, "app.js", APP_JS)
    write(root, "style.css", STYLE_CSS)
    write(root, "tiny.css", b"a{}\n")
    write(root, "image.png", PNG)
    write(root, "large.txt", LARGE_TXT)
    # Precompressed siblings, made the way build tools do (same mtime as the original).
    write(root, "pre.js", PRE_JS)
    write(root, "pre.js.gz", gzip.compress(PRE_JS, 9))
    write(root, "pre.js.br", brotli.compress(PRE_JS, quality=11))
    write(root, "pre.js.zst", zstandard.ZstdCompressor(level=19).compress(PRE_JS))
    # A sibling older than its original is stale and must be ignored.
    write(root, "stale.js", PRE_JS, mtime=PAST + 100)
    write(root, "stale.js.br", b"STALE, NOT BROTLI", mtime=PAST)
    # Language variants of a page that does not exist itself.
    write(root, "about.html.en", b"<p>About us</p>\n")
    write(root, "about.html.de", b"<p>Uber uns</p>\n")
    write(root, "docs/index.html.en", b"<p>Docs</p>\n")
    write(root, "docs/index.html.fr", b"<p>Documentation</p>\n")
    return root


@pytest.fixture
def server(serve, docroot):
    return serve("--languages", "en,de,fr", "--default-language", "en", root=docroot)


def fetch(server, target, accept=None, method="GET", headers=()):
    hdrs = list(headers)
    if accept is not None:
        hdrs.append(("Accept-Encoding", accept))
    return get(server, target, hdrs, method=method)


def vary_tokens(resp):
    return {t.strip().lower() for t in (resp.header("vary") or "").split(",") if t.strip()}


# ---- Negotiation ----------------------------------------------------------------------------

@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
def test_each_coding_decodes_to_the_original(server, coding):
    resp = fetch(server, "/app.js", coding)
    assert resp.status == 200
    assert resp.header("content-encoding") == coding
    assert resp.header("content-type").startswith("text/javascript")
    assert "accept-encoding" in vary_tokens(resp)
    # Small enough to be compressed whole: the encoded length is known.
    assert int(resp.header("content-length")) == len(resp.body) < len(APP_JS) / 2
    assert decode(coding, resp.body) == APP_JS
    assert resp.header("etag").endswith(f'-{coding}"')


@pytest.mark.parametrize("accept,expected", [
    (None, None),
    ("", None),
    ("gzip, deflate, br, zstd", "zstd"),
    ("gzip, deflate, br", "br"),
    ("gzip;q=1, br;q=0.1", "br"),         # server preference among acceptable codings
    ("GZIP", "gzip"),
    ("x-gzip", "gzip"),
    ("*", "zstd"),
    ("*;q=0, identity", None),
    ("zstd;q=0, br;q=0, *", "gzip"),
    ("br;q=0", None),
    ("deflate", None),
    ("gzip;q=bogus, br", "br"),           # a malformed member is ignored, not the field
    ("identity;q=0, gzip", "gzip"),
])
def test_accept_encoding_table(server, accept, expected):
    resp = fetch(server, "/app.js", accept)
    assert resp.status == 200
    assert resp.header("content-encoding") == expected
    assert decode(expected, resp.body) == APP_JS
    assert "accept-encoding" in vary_tokens(resp)


def test_identity_refused_with_nothing_acceptable_is_406(server):
    for accept in ("identity;q=0", "*;q=0", "identity;q=0, deflate"):
        resp = fetch(server, "/app.js", accept)
        assert resp.status == 406, accept
        assert "accept-encoding" in vary_tokens(resp)
    # A type that is never negotiated ignores Accept-Encoding rather than refusing.
    resp = fetch(server, "/image.png", "identity;q=0")
    assert resp.status == 200 and resp.body == PNG


def test_several_accept_encoding_fields_combine(server):
    resp = get(server, "/app.js", [("Accept-Encoding", "gzip"), ("Accept-Encoding", "br;q=0")])
    assert resp.header("content-encoding") == "gzip"
    assert decode("gzip", resp.body) == APP_JS


def curl_compressed(server, target):
    out = subprocess.run(["curl", "-sS", "--max-time", "20", "--compressed", "-D", "-", "-o",
                          "/dev/stdout", server.url + target], capture_output=True, timeout=60,
                         check=True)
    head, _, body = out.stdout.partition(b"\r\n\r\n")
    assert b"content-encoding:" in head.lower(), (target, head)
    return body


def test_curl_compressed_decodes_every_response(server):
    for target, original in (("/app.js", APP_JS), ("/pre.js", PRE_JS), ("/style.css", STYLE_CSS)):
        assert curl_compressed(server, target) == original, target


def test_curl_compressed_decodes_a_streamed_response(server):
    assert curl_compressed(server, "/large.txt") == LARGE_TXT


# ---- What is never compressed ---------------------------------------------------------------

def test_incompressible_types_are_sent_as_they_are_without_vary(server):
    resp = fetch(server, "/image.png", "gzip, br, zstd")
    assert resp.status == 200
    assert resp.header("content-encoding") is None
    assert resp.body == PNG
    assert "accept-encoding" not in vary_tokens(resp)


def test_files_below_the_minimum_size_are_not_compressed(server):
    resp = fetch(server, "/tiny.css", "gzip")
    assert resp.header("content-encoding") is None
    assert resp.body == b"a{}\n"
    assert "accept-encoding" in vary_tokens(resp)


def test_range_requests_get_the_identity_representation(server):
    resp = fetch(server, "/app.js", "gzip, br, zstd", headers=[("Range", "bytes=100-199")])
    assert resp.status == 206
    assert resp.header("content-encoding") is None
    assert resp.body == APP_JS[100:200]
    assert resp.header("content-range") == f"bytes 100-199/{len(APP_JS)}"
    assert "accept-encoding" in vary_tokens(resp)


# ---- Validators: Vary and ETag on 200, 304 and HEAD ----------------------------------------

def test_etags_differ_per_encoding_and_conditionals_use_them(server):
    tags = {}
    for coding in (None, "gzip", "br", "zstd"):
        resp = fetch(server, "/app.js", coding)
        tags[coding] = resp.header("etag")
    assert len(set(tags.values())) == 4, tags
    for coding, tag in tags.items():
        resp = fetch(server, "/app.js", coding, headers=[("If-None-Match", tag)])
        assert resp.status == 304, coding
        assert resp.header("etag") == tag
        assert "accept-encoding" in vary_tokens(resp), coding
        assert resp.body == b""
        # The same tag does not validate another encoding's representation.
        other = "gzip" if coding != "gzip" else "br"
        resp = fetch(server, "/app.js", other, headers=[("If-None-Match", tag)])
        assert resp.status == 200, (coding, other)
        assert decode(other, resp.body) == APP_JS


def test_head_gives_the_same_headers_as_get(server):
    for target, coding in (("/app.js", "gzip"), ("/app.js", "zstd"), ("/app.js", None),
                           ("/large.txt", "br"), ("/pre.js", "br"), ("/about.html", "gzip")):
        g = fetch(server, target, coding)
        h = fetch(server, target, coding, method="HEAD")
        assert h.status == g.status == 200
        assert h.body == b""
        for name in ("content-encoding", "content-length", "transfer-encoding", "etag", "vary",
                     "content-type", "content-language", "last-modified"):
            assert h.header(name) == g.header(name), (target, coding, name)


def test_large_files_are_streamed_chunked(server):
    for coding in ("gzip", "br", "zstd"):
        resp = fetch(server, "/large.txt", coding)
        assert resp.status == 200
        assert resp.header("transfer-encoding") == "chunked"
        assert resp.header("content-length") is None
        assert resp.header("content-encoding") == coding
        assert decode(coding, resp.body) == LARGE_TXT


def test_keep_alive_survives_compressed_responses(server):
    sock = connect(server, timeout=15)
    reader = ResponseReader(sock, timeout=15)
    try:
        for coding in ("gzip", "br", "zstd", None, "gzip"):
            for target, original in (("/app.js", APP_JS), ("/large.txt", LARGE_TXT)):
                hdrs = [("Accept-Encoding", coding)] if coding else []
                sock.sendall(request_bytes("GET", target, hdrs))
                resp = reader.read_response()
                assert resp.status == 200
                assert decode(coding, resp.body) == original, (target, coding)
    finally:
        sock.close()


def test_a_stream_may_last_longer_than_the_header_timeout(serve, docroot):
    # 24 MiB whose gzip output (~8 MiB) outgrows the socket buffers, read slowly: the stream is
    # still going when the 1 s header timeout has long passed.
    write(docroot, "long.txt", LARGE_TXT * 8)
    server = serve("--header-timeout", "1s", root=docroot)
    sock = connect(server, timeout=60)
    sock.sendall(request_bytes("GET", "/long.txt", [("Accept-Encoding", "gzip"),
                                                   ("Connection", "close")]))
    time.sleep(3)
    reader = ResponseReader(sock, timeout=60)
    resp = reader.read_response()
    assert resp.status == 200
    assert decode("gzip", resp.body) == LARGE_TXT * 8
    assert reader.at_eof()
    sock.close()


# ---- Precompressed siblings -----------------------------------------------------------------

@pytest.mark.parametrize("coding,suffix", [("gzip", ".gz"), ("br", ".br"), ("zstd", ".zst")])
def test_precompressed_siblings_are_served_as_is(server, docroot, coding, suffix):
    with open(os.path.join(docroot, "pre.js" + suffix), "rb") as f:
        sibling = f.read()
    resp = fetch(server, "/pre.js", coding)
    assert resp.status == 200
    assert resp.header("content-encoding") == coding
    assert resp.header("content-type").startswith("text/javascript")
    assert int(resp.header("content-length")) == len(sibling)
    assert resp.body == sibling
    assert decode(coding, resp.body) == PRE_JS
    assert "accept-encoding" in vary_tokens(resp)


def test_ranges_work_on_precompressed_siblings(server, docroot):
    with open(os.path.join(docroot, "pre.js.br"), "rb") as f:
        sibling = f.read()
    first = fetch(server, "/pre.js", "br")
    tag = first.header("etag")
    resp = fetch(server, "/pre.js", "br", headers=[("Range", "bytes=10-109")])
    assert resp.status == 206
    assert resp.header("content-encoding") == "br"
    assert resp.header("content-range") == f"bytes 10-109/{len(sibling)}"
    assert resp.body == sibling[10:110]
    # Resuming a cut download: If-Range with the br representation's tag.
    resp = fetch(server, "/pre.js", "br", headers=[("Range", "bytes=100-"), ("If-Range", tag)])
    assert resp.status == 206
    assert first.body[:100] + resp.body == sibling
    # Another representation's tag makes If-Range fail: the whole (br) body.
    identity_tag = fetch(server, "/pre.js").header("etag")
    resp = fetch(server, "/pre.js", "br",
                 headers=[("Range", "bytes=100-"), ("If-Range", identity_tag)])
    assert resp.status == 200 and resp.body == sibling


def test_stale_siblings_are_ignored(server):
    resp = fetch(server, "/stale.js", "br")
    assert resp.status == 200
    assert resp.header("content-encoding") == "br"
    assert decode("br", resp.body) == PRE_JS  # compressed on the fly, not the stale file


def test_a_sibling_created_later_is_picked_up(server, docroot):
    before = fetch(server, "/style.css", "gzip")
    assert decode("gzip", before.body) == STYLE_CSS
    marker = gzip.compress(STYLE_CSS, 1) + b""
    write(docroot, "style.css.gz", marker)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        resp = fetch(server, "/style.css", "gzip")
        if resp.body == marker:
            break
        time.sleep(0.2)
    assert resp.body == marker


# ---- Language variants ----------------------------------------------------------------------

@pytest.mark.parametrize("accept_language,expected", [
    ("de", "de"),
    ("de-CH, en;q=0.5", "de"),
    ("en-US,en;q=0.9", "en"),
    ("fr;q=0.9, de;q=0.8", "de"),     # no about.html.fr: the next acceptable
    ("ja", "en"),                      # nothing matches: the default language
    (None, "en"),
    ("*;q=0", "en"),
])
def test_language_variants(server, accept_language, expected):
    hdrs = [("Accept-Language", accept_language)] if accept_language is not None else []
    resp = get(server, "/about.html", hdrs)
    assert resp.status == 200
    assert resp.header("content-language") == expected
    assert resp.header("content-type").startswith("text/html")
    assert resp.body == {"en": b"<p>About us</p>\n", "de": b"<p>Uber uns</p>\n"}[expected]
    assert "accept-language" in vary_tokens(resp)


def test_language_variants_of_index_files(server):
    resp = get(server, "/docs/", [("Accept-Language", "fr")])
    assert resp.status == 200
    assert resp.header("content-language") == "fr"
    assert resp.body == b"<p>Documentation</p>\n"
    resp = get(server, "/docs/", [("Accept-Language", "de")])
    assert resp.header("content-language") == "en"


def test_a_variant_named_directly_is_not_negotiated(server):
    resp = get(server, "/about.html.de", [("Accept-Language", "en")])
    assert resp.status == 200
    assert resp.body == b"<p>Uber uns</p>\n"
    assert resp.header("content-type").startswith("text/html")
    assert resp.header("content-language") == "de"
    assert "accept-language" not in vary_tokens(resp)


def test_language_and_encoding_negotiate_together(server):
    resp = get(server, "/about.html", [("Accept-Language", "de"), ("Accept-Encoding", "gzip")])
    assert resp.header("content-language") == "de"
    assert vary_tokens(resp) >= {"accept-encoding", "accept-language"}
    tag = resp.header("etag")
    resp304 = get(server, "/about.html", [("Accept-Language", "de"), ("Accept-Encoding", "gzip"),
                                          ("If-None-Match", tag)])
    assert resp304.status == 304
    assert vary_tokens(resp304) >= {"accept-encoding", "accept-language"}
    other = get(server, "/about.html", [("Accept-Language", "en"), ("Accept-Encoding", "gzip"),
                                        ("If-None-Match", tag)])
    assert other.status == 200 and other.header("content-language") == "en"


def test_missing_pages_stay_404(server):
    assert get(server, "/nope.html", [("Accept-Language", "de")]).status == 404


# ---- Flags ----------------------------------------------------------------------------------

def test_no_compress_still_serves_precompressed_siblings(serve, docroot):
    server = serve("--no-compress", root=docroot)
    resp = fetch(server, "/app.js", "gzip, br, zstd")
    assert resp.header("content-encoding") is None and resp.body == APP_JS
    assert "accept-encoding" in vary_tokens(resp)
    resp = fetch(server, "/pre.js", "br")
    assert resp.header("content-encoding") == "br"
    assert decode("br", resp.body) == PRE_JS


def test_no_precompressed_compresses_on_the_fly(serve, docroot):
    server = serve("--no-precompressed", root=docroot)
    resp = fetch(server, "/pre.js", "br")
    assert resp.header("content-encoding") == "br"
    with open(os.path.join(docroot, "pre.js.br"), "rb") as f:
        assert resp.body != f.read()
    assert decode("br", resp.body) == PRE_JS


def test_compress_level_changes_the_output(serve, docroot):
    fast = serve("--compress-level", "gzip=1,zstd=1", root=docroot)
    best = serve("--compress-level", "gzip=9,zstd=19", "--compress-cache", "0", root=docroot)
    for coding in ("gzip", "zstd"):
        a = fetch(fast, "/app.js", coding).body
        b = fetch(best, "/app.js", coding).body
        assert decode(coding, a) == decode(coding, b) == APP_JS
        assert len(b) < len(a), coding


@pytest.mark.parametrize("flags,message", [
    (["--compress-level", "br=12"], "--compress-level 'br=12': br=12: level must be 0..11"),
    (["--compress-level", "lzma=3"], "lzma=3: unknown coding"),
    (["--languages", "en,d_e"], "'d_e' is not a language tag"),
    (["--default-language", "e-"], "--default-language 'e-'"),
    (["--compress-cache", "lots"], "--compress-cache 'lots'"),
])
def test_bad_compression_flags_are_usage_errors(docroot, flags, message):
    from conftest import PORTICO
    out = subprocess.run([PORTICO, "serve", docroot, "--listen", "127.0.0.1:0", *flags],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2, out
    assert message in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr


# ---- Bounded memory -------------------------------------------------------------------------

def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_100_mib_file_is_compressed_in_bounded_memory(serve, tmp_path):
    root = str(tmp_path / "big")
    os.makedirs(root)
    # 100 MiB of varied text: 1 MiB blocks, each a different mix, so the encoder really works.
    size = 100 * 1024 * 1024
    block = js_text(1024 * 1024, seed=9)
    with open(os.path.join(root, "huge.txt"), "wb") as f:
        for i in range(size // len(block)):
            f.write(block[i:] + block[:i])
    # A small ASan quarantine so that RSS reflects the program, not the sanitizer's bookkeeping.
    env = {"ASAN_OPTIONS": "detect_leaks=1:halt_on_error=1:quarantine_size_mb=16"}
    server = serve("--compress-cache", "0", "--header-timeout", "600s", root=root, threads=1,
                   env=env)
    fetch(server, "/nope.txt", "gzip")  # warm up the worker's allocations
    baseline = vm_rss_kib(server.proc.pid)
    peak = [baseline]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], vm_rss_kib(server.proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        for coding, decoder in (("gzip", lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)),
                                ("zstd", lambda: zstandard.ZstdDecompressor().decompressobj())):
            sock = connect(server, timeout=120)
            sock.sendall(request_bytes("GET", "/huge.txt", [("Accept-Encoding", coding),
                                                           ("Connection", "close")]))
            f = sock.makefile("rb")
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                head += f.readline()
            assert b" 200 " in head.split(b"\r\n")[0]
            assert b"transfer-encoding: chunked" in head.lower()
            d = decoder()
            offset = 0
            mismatch = False
            rotated_index, rotated = -1, b""
            while not mismatch:
                n = int(f.readline().split(b";")[0], 16)
                if n == 0:
                    break
                plain = d.decompress(f.read(n))
                assert f.read(2) == b"\r\n"
                # Check each byte against the file's content without holding 100 MiB.
                while plain:
                    bi = offset // len(block)
                    if bi != rotated_index:
                        rotated_index, rotated = bi, block[bi:] + block[:bi]
                    within = offset % len(block)
                    expect = rotated[within:within + len(plain)]
                    if not expect or plain[:len(expect)] != expect:
                        mismatch = True
                        break
                    plain = plain[len(expect):]
                    offset += len(expect)
            sock.close()
            assert not mismatch, f"{coding}: decoded bytes differ at offset {offset}"
            assert offset == size, coding
    finally:
        stop.set()
        sampler.join()
    growth_mib = (peak[0] - baseline) / 1024
    assert growth_mib < 64, f"RSS grew by {growth_mib:.1f} MiB while compressing 100 MiB"
