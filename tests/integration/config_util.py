"""Helpers for the config-file tests (test_config.py, test_config_daemon.py): a config
writer fixture, curl, reload signalling and waiting."""
import os
import re
import signal
import subprocess
import time

import pytest

LISTEN_RE = re.compile(r"listening on http://(\S+?)/")
DEADLINE_S = 60


# --- helpers ---------------------------------------------------------------------------------

def wait_until(predicate, timeout=DEADLINE_S, interval=0.02, message="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def curl(url, host=None, method=None, headers=(), data=None):
    """One request with curl; returns (status, {lowercase name: value}, body bytes)."""
    args = ["curl", "-sS", "-i", "--max-time", "20", "--path-as-is"]
    if host:
        args += ["-H", f"Host: {host}"]
    if method:
        args += ["-X", method]
    for h in headers:
        args += ["-H", h]
    if data is not None:
        args += ["--data-binary", data]
    out = subprocess.run(args + [url], check=True, capture_output=True, timeout=30).stdout
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return status, fields, body


def write(path, text):
    tmp = str(path) + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)  # a reload never reads half a file


def reload_count(p):
    return len(re.findall(r"configuration reloaded|still running the previous configuration",
                          p.stderr()))


def sighup_and_wait(p, expect_ok=True):
    """Sends SIGHUP and waits until that reload has finished (applied or rejected)."""
    before = reload_count(p)
    p.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: reload_count(p) > before, message="the reload to finish")
    last = p.stderr().rstrip().splitlines()
    rejected = any("still running the previous configuration" in l for l in last[-20:])
    if expect_ok:
        assert "configuration reloaded" in p.stderr().split("reloading")[-1], p.stderr()[-2000:]
    else:
        assert rejected, p.stderr()[-2000:]


def listening(p):
    return LISTEN_RE.findall(p.stderr())


@pytest.fixture
def conf(tmp_path):
    """Writes tmp_path/portico.toml (plus www folders) and returns its path."""
    for name, text in (("a", "site a\n"), ("b", "site b\n"), ("c", "site c\n")):
        os.makedirs(tmp_path / f"www-{name}" / "assets")
        (tmp_path / f"www-{name}" / "index.html").write_text(text)
        (tmp_path / f"www-{name}" / "assets" / "app.css").write_text(f"/* {name} */\n")
    path = tmp_path / "portico.toml"

    def make(text):
        write(path, text)
        return str(path)

    return make


def reload_config(version, extra_listener=False, bad=False):
    text = """
[server]
threads = 2
shutdown_timeout = "20s"

[[listen]]
address = "127.0.0.1:0"
"""
    if extra_listener:
        text += '\n[[listen]]\naddress = "127.0.0.2:0"\n'
    text += f"""
[[site]]
root = "www-a"

[[site.route]]
path = "/v"
respond = {{ body = "{version}\\n" }}
"""
    if bad:
        text += "\nbroken_key = true\n"
    return text


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []
