"""Path traversal matrix against `portico serve`: a sentinel file sits just outside the document
root (and in a sibling directory whose name extends the root's); no request target, however
encoded, may bring its content (or /etc/passwd) into a response. Every answer must be a
complete 4xx; the same matrix runs with listings and dotfiles on, on both event backends, with
raw sockets and with curl --path-as-is.
"""
import subprocess

import pytest

from http_util import SENTINEL, ResponseReader, connect

UP = "/secret.txt"  # appended to each escape below: the sentinel is root/../secret.txt

TRAVERSALS = [
    ("plain", "/.." + UP),
    ("dot_slash_then_up", "/./.." + UP),
    ("double_slash", "//.." + UP),
    ("encoded_dots", "/%2e%2e" + UP),
    ("encoded_dots_upper", "/%2E%2E" + UP),
    ("encoded_dots_and_slash", "/%2e%2e%2fsecret.txt"),
    ("dots_encoded_slash", "/..%2fsecret.txt"),
    ("encoded_slash_upper", "/..%2Fsecret.txt"),
    ("half_encoded_first", "/%2e." + UP),
    ("half_encoded_second", "/.%2e" + UP),
    ("half_encoded_all", "/.%2e%2fsecret.txt"),
    ("backslash_encoded", "/..%5csecret.txt"),
    ("backslash_encoded_dots", "/%2e%2e%5csecret.txt"),
    ("backslash_raw", "/..\\secret.txt"),
    ("double_encoded", "/%252e%252e%252fsecret.txt"),
    ("double_encoded_slash", "/..%252fsecret.txt"),
    ("double_nibble", "/%%32%65%%32%65/secret.txt"),
    ("iis_unicode", "/%u002e%u002e/secret.txt"),
    ("overlong_utf8_dots", "/%c0%ae%c0%ae" + UP),
    ("overlong_utf8_slash", "/..%c0%afsecret.txt"),
    ("overlong_utf8_all", "/%c0%ae%c0%ae%c0%afsecret.txt"),
    ("overlong_3_byte_slash", "/..%e0%80%afsecret.txt"),
    ("overlong_3_byte_dot", "/%e0%80%ae%e0%80%ae" + UP),
    ("fullwidth_dots", "/%ef%bc%8e%ef%bc%8e" + UP),
    ("tomcat_semicolon", "/..;" + UP),
    ("semicolon_after_dir", "/sub/..;/..;" + UP),
    ("from_subdir", "/sub/../.." + UP),
    ("from_subdir_encoded", "/sub/%2e%2e/%2e%2e" + UP),
    ("from_subdir_encoded_slashes", "/sub%2f..%2f..%2fsecret.txt"),
    ("from_subdir_mixed", "/sub/./../.%2e/secret.txt"),
    ("from_subdir_half_encoded", "/sub/..%2f..%2fsecret.txt"),
    ("nul_after_dots", "/..%00" + UP),
    ("nul_suffix", "/../secret.txt%00.html"),
    ("trailing_dots_segment", "/..."),
    ("long_chain", "/" + "../" * 64 + "secret.txt"),
    ("long_encoded_chain", "/" + "%2e%2e%2f" * 64 + "secret.txt"),
    ("long_chain_after_dirs", "/sub/docs/a/b/c" + "/.." * 40 + UP),
    ("deep_then_up", "/a/b/c/d/../../../../.." + UP),
    ("sibling_directory", "/../www-secret/secret.txt"),
    ("sibling_directory_encoded", "/%2e%2e/www-secret/secret.txt"),
    ("etc_passwd", "/../../../../../../../../etc/passwd"),
    ("etc_passwd_encoded", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"),
    ("proc_self_environ", "/../../../../../../proc/self/environ"),
    ("absolute_form", "http://localhost/.." + UP),
    ("absolute_form_encoded", "http://localhost/%2e%2e" + UP),
    ("absolute_form_other_host", "http://evil.example/../secret.txt"),
    ("absolute_form_no_path_slash", "http://localhost.." + UP),
    ("absolute_form_userinfo", "http://user@localhost/.." + UP),
    ("absolute_form_https", "https://localhost/%2e%2e" + UP),
    ("symlink_to_file", "/link-out.txt"),
    ("relative_symlink_to_file", "/rel-link-out.txt"),
    ("symlink_to_parent_dir", "/link-parent/secret.txt"),
    ("symlink_to_parent_sibling", "/link-parent/www-secret/secret.txt"),
    ("symlink_listing", "/link-parent/"),
    ("query_carries_dots", "/hello.txt?/../../secret.txt"),
    ("dotdot_at_end", "/.."),
    ("dotdot_slash_at_end", "/../"),
    ("encoded_dotdot_at_end", "/%2e%2e"),
]

# Targets that, decoded exactly once, name an ordinary file inside the root (which a PUT may
# create): the decoded name.
LITERAL_NAMES = {"double_encoded": "%2e%2e%2fsecret.txt"}

CONFIGS = {
    "default": [],
    "browse_and_dotfiles": ["--browse", "--allow-dotfiles"],
    "poll_backend": ["--event-backend", "poll", "--browse"],
}


def fetch(server, target, method="GET"):
    sock = connect(server)
    reader = ResponseReader(sock)
    raw = f"{method} ".encode() + target.encode("latin-1") + \
        b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    sock.sendall(raw)
    resp = reader.read_response(method)
    rest = reader.read_to_eof()
    sock.close()
    return resp, rest


def assert_no_leak(target, resp, rest):
    everything = resp.raw_head + resp.body + rest
    assert SENTINEL not in everything, f"{target!r} leaked the sentinel: {resp}"
    assert b"root:x:0:0" not in everything, f"{target!r} leaked /etc/passwd"
    assert b"PATH=" not in everything, f"{target!r} leaked an environment"


@pytest.mark.parametrize("config", list(CONFIGS), ids=list(CONFIGS))
def test_traversal_matrix_never_leaks_the_sentinel(serve, config):
    server = serve(*CONFIGS[config])
    failures = []
    for name, target in TRAVERSALS:
        for method in ("GET", "HEAD"):
            resp, rest = fetch(server, target, method)
            assert_no_leak(target, resp, rest)
            if name == "query_carries_dots":
                ok = resp.status == 200 and (method == "HEAD" or resp.body == b"hello, world\n")
            else:
                ok = 400 <= resp.status < 500
            if not ok:
                failures.append(f"{name} {method} {target!r} -> {resp.status}")
            if resp.status >= 400:
                assert int(resp.header("content-length")) == len(resp.body) or method == "HEAD"
    assert not failures, "\n".join(failures)
    # The server is still fine afterwards.
    resp, _ = fetch(server, "/hello.txt")
    assert resp.status == 200


@pytest.mark.parametrize("name,target", TRAVERSALS[:40], ids=[t[0] for t in TRAVERSALS[:40]])
def test_traversal_with_curl_path_as_is(serve, name, target):
    if not target.startswith("/") or "\\" in target:
        pytest.skip("curl rewrites this form")
    server = serve()
    r = subprocess.run(["curl", "-sS", "-i", "--path-as-is", "--max-time", "60",
                        server.url + target], capture_output=True, timeout=90)
    assert r.returncode == 0, r.stderr
    assert SENTINEL not in r.stdout
    status = int(r.stdout.split(b" ", 2)[1])
    assert 400 <= status < 500, f"{target!r} -> {status}"


def test_sentinel_is_really_outside_and_readable(serve, site):
    # Guards the matrix: the sentinel exists where the escapes aim, and serving the parent
    # directory as a root would expose it.
    import os
    parent = os.path.dirname(site)
    with open(os.path.join(parent, "secret.txt"), "rb") as f:
        assert SENTINEL in f.read()
    server = serve(root=parent)
    resp, _ = fetch(server, "/secret.txt")
    assert resp.status == 200 and SENTINEL in resp.body


def test_symlinks_out_are_followed_only_when_allowed(serve):
    server = serve("--allow-symlinks")
    resp, _ = fetch(server, "/link-out.txt")
    assert resp.status == 200 and SENTINEL in resp.body
    # Even then, ".." never climbs out by itself.
    for target in ("/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"):
        resp, rest = fetch(server, target)
        assert_no_leak(target, resp, rest)
        assert 400 <= resp.status < 500


def test_traversal_on_put_and_delete_never_touches_outside(serve, site):
    import os
    server = serve("--allow-uploads")
    parent = os.path.dirname(site)
    before = sorted(os.listdir(parent))
    with open(os.path.join(parent, "secret.txt"), "rb") as f:
        secret_before = f.read()
    for name, target in TRAVERSALS:
        if not target.startswith("/") or target.startswith("/hello.txt?"):
            continue
        for method, body in (("PUT", b"overwritten!"), ("DELETE", b"")):
            sock = connect(server)
            reader = ResponseReader(sock)
            sock.sendall(f"{method} ".encode() + target.encode("latin-1") +
                         b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(body) + body)
            resp = reader.read_response()
            sock.close()
            if name.startswith("symlink_to_file") or name.startswith("relative_symlink"):
                # Replacing or removing the link itself (inside the root) is allowed.
                continue
            if name in LITERAL_NAMES and resp.status in (201, 204):
                # Decoded once, this is an ordinary name inside the root.
                assert os.path.exists(os.path.join(site, LITERAL_NAMES[name])) or \
                    method == "DELETE"
                continue
            assert 400 <= resp.status < 500, f"{method} {target!r} -> {resp.status}"
    assert sorted(os.listdir(parent)) == before
    with open(os.path.join(parent, "secret.txt"), "rb") as f:
        assert f.read() == secret_before
    with open(os.path.join(parent, "www-secret", "secret.txt"), "rb") as f:
        assert SENTINEL in f.read()
