"""Basic authentication end to end: users made by `portico passwd`, `portico serve --auth-file`,
the 401/400/429 answers of RFC 7617 / RFC 9110 11 / RFC 6585 over real sockets, and no
credentials in any log."""
import base64
import http.client
import os
import subprocess

import pytest

from conftest import PORTICO
from http_util import HELLO_TXT

REALM = "Staff area"
CHALLENGE = f'Basic realm="{REALM}", charset="UTF-8"'
PASSWORD = "c0rrect-h0rse"


def supports_auth_file():
    r = subprocess.run([PORTICO, "serve", "--help"], capture_output=True, text=True, timeout=30)
    return "--auth-file" in r.stdout


pytestmark = pytest.mark.skipif(not supports_auth_file(),
                                reason="this build's serve has no --auth-file")


def add_user(path, user, password):
    r = subprocess.run([PORTICO, "passwd", str(path), user], input=password.encode() + b"\n",
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr


@pytest.fixture
def users(tmp_path):
    path = tmp_path / "users"
    add_user(path, "alice", PASSWORD)
    add_user(path, "jörg", "pässwörd")
    return path


@pytest.fixture
def server(serve, users, tmp_path):
    log = tmp_path / "access.log"
    p = serve("--auth-file", str(users), "--auth-realm", REALM, "--access-log", str(log),
              threads=1)
    p.access_log = log
    return p


def basic(user_pass: bytes):
    return "Basic " + base64.b64encode(user_pass).decode()


def get(server, authorization=None, path="/hello.txt", extra=None):
    conn = http.client.HTTPConnection(*server.host_port, timeout=10)
    headers = dict(extra or {})
    if authorization is not None:
        headers["Authorization"] = authorization
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, r, body


def test_no_credentials_get_the_challenge(server):
    status, r, _ = get(server)
    assert status == 401
    assert r.getheader("WWW-Authenticate") == CHALLENGE


def test_right_credentials_get_the_file(server):
    status, _, body = get(server, basic(f"alice:{PASSWORD}".encode()))
    assert status == 200
    assert body == HELLO_TXT


def test_utf8_user_and_password(server):
    status, _, body = get(server, basic("jörg:pässwörd".encode()))
    assert status == 200 and body == HELLO_TXT


@pytest.mark.parametrize("authorization", [
    basic(b"alice:wrong"),
    basic(b"mallory:" + PASSWORD.encode()),
    basic(b"alice:" + PASSWORD.upper().encode()),
    basic("jörg:pässwörd".encode("latin-1")),   # a legacy client's Latin-1: not our user
    basic(b"\xff\xfe:x"),                       # not UTF-8
    "Bearer abc.def",                           # another scheme: challenged, not refused
])
def test_wrong_or_foreign_credentials_get_401(server, authorization):
    status, r, _ = get(server, authorization)
    assert status == 401
    assert r.getheader("WWW-Authenticate") == CHALLENGE


@pytest.mark.parametrize("authorization", [
    "Basic !!!!",
    "Basic",
    "Basic " + base64.b64encode(b"no-colon").decode(),
    basic(b"alice:tab\there"),
    basic(b"alice:x") + " trailing",
])
def test_malformed_basic_credentials_get_400(server, authorization):
    status, r, _ = get(server, authorization)
    assert status == 400
    assert r.getheader("WWW-Authenticate") is None


def test_repeated_failures_get_429_even_with_the_right_password(server):
    for _ in range(10):
        assert get(server, basic(b"alice:guess"))[0] == 401
    status, r, _ = get(server, basic(f"alice:{PASSWORD}".encode()))
    assert status == 429
    retry_after = int(r.getheader("Retry-After"))
    assert 1 <= retry_after <= 60


def test_a_success_resets_the_failure_count(server):
    for _ in range(9):
        assert get(server, basic(b"alice:guess"))[0] == 401
    assert get(server, basic(f"alice:{PASSWORD}".encode()))[0] == 200
    for _ in range(9):
        assert get(server, basic(b"alice:guess"))[0] == 401
    assert get(server, basic(f"alice:{PASSWORD}".encode()))[0] == 200


def test_many_requests_on_one_connection_stay_authorized(server):
    conn = http.client.HTTPConnection(*server.host_port, timeout=10)
    for _ in range(50):
        conn.request("GET", "/hello.txt", headers={"Authorization": basic(
            f"alice:{PASSWORD}".encode())})
        r = conn.getresponse()
        assert r.status == 200 and r.read() == HELLO_TXT
    conn.close()


def test_credentials_never_reach_the_logs(server):
    get(server, basic(f"alice:{PASSWORD}".encode()))
    for _ in range(11):
        get(server, basic(b"alice:Sup3r-Secret-Guess"))
    server.stop()
    logs = server.stderr() + server.stdout() + server.access_log.read_text(errors="replace")
    for secret in (PASSWORD, "Sup3r-Secret-Guess",
                   base64.b64encode(f"alice:{PASSWORD}".encode()).decode()):
        assert secret not in logs


def test_a_plain_text_user_file_stops_the_server_with_file_and_line(tmp_path, site):
    bad = tmp_path / "bad-users"
    add_user(bad, "alice", PASSWORD)
    with open(bad, "a") as f:
        f.write("bob:hunter2\n")
    r = subprocess.run([PORTICO, "serve", site, "--listen", "127.0.0.1:0", "--auth-file",
                        str(bad)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert f"{bad}:2: user 'bob': plain-text password refused" in r.stderr
    assert "hunter2" not in r.stderr
