"""examples/session_counter: signed session cookies end to end through a real HTTP client:
counting per cookie jar, tampered/forged cookies, logout, key rotation, cookie attributes."""
import http.client
import os
import re
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import BUILD, LISTEN_RE, SANITIZER_MARKERS

EXAMPLE = os.path.join(BUILD, "examples", "session_counter")
KEY_A = "a" * 48
KEY_B = "b" * 48


class Example:
    def __init__(self, env):
        self.err = tempfile.NamedTemporaryFile(prefix="session-counter-", delete=False)
        full_env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:halt_on_error=1",
                        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
        full_env.pop("PORTICO_SESSION_KEY", None)
        full_env.pop("PORTICO_SESSION_OLD_KEY", None)
        full_env.update(env)
        self.proc = subprocess.Popen([EXAMPLE, "127.0.0.1:0"], stderr=self.err,
                                     stdout=subprocess.DEVNULL, env=full_env)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            found = LISTEN_RE.findall(self.stderr())
            if found:
                self.host, _, port = found[0].rpartition(":")
                self.port = int(port)
                return
            assert self.proc.poll() is None, self.stderr()
            time.sleep(0.02)
        raise RuntimeError("session_counter did not start: " + self.stderr())

    def stderr(self):
        with open(self.err.name, errors="replace") as f:
            return f.read()

    def get(self, path, cookie=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        r = conn.getresponse()
        body = r.read().decode()
        set_cookie = r.getheader("Set-Cookie")
        conn.close()
        return r.status, body, set_cookie

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=20)
        text = self.stderr()
        for marker in SANITIZER_MARKERS:
            assert marker not in text, text
        assert code == 0, text
        os.unlink(self.err.name)


@pytest.fixture
def example():
    started = []

    def start(**env):
        e = Example(env)
        started.append(e)
        return e

    yield start
    for e in started:
        e.close()


def cookie_pair(set_cookie):
    return set_cookie.split(";", 1)[0]


def test_counts_per_visitor_and_sets_a_safe_cookie_once(example):
    app = example(PORTICO_SESSION_KEY=KEY_A)
    status, body, set_cookie = app.get("/")
    assert status == 200 and body == "visits: 1\n"
    assert re.fullmatch(r"counter_session=[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}; Path=/; "
                        r"Max-Age=\d+; HttpOnly; SameSite=Lax", set_cookie), set_cookie
    jar = cookie_pair(set_cookie)
    for n in range(2, 5):
        status, body, again = app.get("/", jar)
        assert body == f"visits: {n}\n"
        assert again is None  # nothing to tell the browser
    # A second visitor starts at 1.
    assert app.get("/")[1] == "visits: 1\n"


@pytest.mark.parametrize("mangle", [
    lambda v: v[:-1] + ("A" if v[-1] != "A" else "B"),           # signature changed
    lambda v: ("A" if v[0] != "A" else "B") + v[1:],             # id changed
    lambda v: v.split(".")[0],                                   # signature dropped
    lambda v: v + "\xff",                                        # a non-ASCII byte
    lambda v: "x" * 5000,                                        # huge
])
def test_a_tampered_cookie_is_no_session(example, mangle):
    app = example(PORTICO_SESSION_KEY=KEY_A)
    _, _, set_cookie = app.get("/")
    name, value = cookie_pair(set_cookie).split("=", 1)
    app.get("/", f"{name}={value}")  # visits: 2 with the real cookie
    status, body, fresh = app.get("/", f"{name}={mangle(value)}")
    assert status == 200 and body == "visits: 1\n"
    assert fresh and cookie_pair(fresh).split("=", 1)[1][:32] != value[:32]  # never the old id


def test_logout_forgets_the_visitor(example):
    app = example(PORTICO_SESSION_KEY=KEY_A)
    jar = cookie_pair(app.get("/")[2])
    app.get("/", jar)
    status, body, set_cookie = app.get("/logout", jar)
    assert body == "bye\n"
    assert set_cookie.startswith("counter_session=; Path=/; Max-Age=0;")
    assert app.get("/", jar)[1] == "visits: 1\n"


def test_cookies_from_another_key_are_not_accepted(example):
    a = example(PORTICO_SESSION_KEY=KEY_A)
    b = example(PORTICO_SESSION_KEY=KEY_B)
    jar = cookie_pair(a.get("/")[2])
    assert b.get("/", jar)[1] == "visits: 1\n"


def test_restart_with_a_rotated_key_list_keeps_verifying_old_cookies(example):
    # Sessions live in memory, so a restart loses them; what survives is the signature check:
    # the old cookie verifies under the rotated list (a new, empty session is made for it), a
    # cookie signed by neither key is deleted.
    app = example(PORTICO_SESSION_KEY=KEY_B, PORTICO_SESSION_OLD_KEY=KEY_A)
    jar_b = cookie_pair(app.get("/")[2])
    assert app.get("/", jar_b)[1] == "visits: 2\n"
    status, body, _ = app.get("/", "counter_session=" + "A" * 32 + "." + "A" * 43)
    assert body == "visits: 1\n"
