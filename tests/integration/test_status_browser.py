"""The status page in a real browser: headless Chromium (through chromedriver's WebDriver API,
plain HTTP from the standard library) loads PATH over HTTP and HTTPS, the DOM has the
connection table, the numbers update after more requests (the page polls PATH/json), and the
console stays free of errors. Screenshots are kept in $PORTICO_BUILD_DIR/test-artifacts/.

Skipped, with the reason, only when chromium or chromedriver is not installed.
"""
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import BUILD, PORTICO
from http_util import get, wait_until
from tls_util import HTTPS_RE, wait_for, split_host_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
STATUS = "/_portico"
ARTIFACTS = os.path.join(BUILD, "test-artifacts")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="Chromium and chromedriver are not installed (Debian packages chromium, "
           "chromium-driver; scripts/install-deps.sh installs them)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriver:
    """A minimal W3C WebDriver client for one chromedriver process and one session."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.log = open(os.path.join(str(tmp_path), "chromedriver.log"), "wb")
        self.proc = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}"], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_until(self._ready, 20, interval=0.1, message="chromedriver to listen")
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": True,  # the test's self-signed certificate
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1100",
                         f"--user-data-dir={tmp_path}/chromium-profile"],
            },
        }}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _ready(self):
        try:
            with urllib.request.urlopen(self.base + "/status", timeout=2) as r:
                return json.load(r)["value"].get("ready", False)
        except OSError:
            return False

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r)["value"]

    def cmd(self, method, path, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def go(self, url):
        self.cmd("POST", "/url", {"url": url})

    def js(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def screenshot(self, path):
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        return png

    def console(self):
        """Browser console entries since the last call (chromedriver's log endpoint)."""
        return self.cmd("POST", "/se/log", {"type": "browser"})

    def quit(self):
        try:
            self.cmd("DELETE", "")
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.log.close()


@pytest.fixture
def browser(tmp_path):
    driver = WebDriver(tmp_path)
    yield driver
    driver.quit()


@pytest.fixture
def status_server(start_portico, site, tmp_path):
    """portico serve with the status page on a plain and a TLS listener."""
    certs = tmp_path / "certs"
    subprocess.run([PORTICO, "cert", "self-signed", "--name", "127.0.0.1", "--out", str(certs)],
                   check=True, capture_output=True, timeout=60)
    p = start_portico("serve", site, "--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0",
                      "--cert", str(certs / "cert.pem"), "--key", str(certs / "key.pem"),
                      "--threads", "2", "--status", STATUS)
    p.https_port = split_host_port(wait_for(HTTPS_RE, p)[0])[1]
    return p


def text_of(browser, element_id):
    return browser.js("var e = document.getElementById(arguments[0]);"
                      "return e ? e.textContent : null;", element_id)


def check_page(browser, server, url, shot_name):
    browser.go(url)
    assert browser.js("return document.title") == "portico status"
    # The server-rendered page has the connection table with the browser's own connection.
    rows = browser.js("return document.querySelectorAll('#conn-rows tr').length")
    assert rows >= 1
    headers = browser.js("return Array.from(document.querySelectorAll('table th'))"
                         ".map(function (t) { return t.textContent; })")
    for column in ("peer", "state", "tcp", "rtt ms", "cwnd", "current request", "request id"):
        assert column in headers, headers
    total_before = int(text_of(browser, "total"))
    updates_before = int(browser.js("return document.body.getAttribute('data-updates')"))
    # More requests; the page's poll must show them without a reload.
    for _ in range(5):
        assert get(server, "/hello.txt").status == 200

    def updated():
        n = int(browser.js("return document.body.getAttribute('data-updates')"))
        return n > updates_before and int(text_of(browser, "total")) >= total_before + 5
    wait_until(updated, 20, interval=0.2, message="the page to show the new requests")
    # The table was redrawn from JSON and still has rows with TCP figures.
    cells = browser.js("var r = document.querySelector('#conn-rows tr');"
                       "return r ? Array.from(r.cells).map(function (c) { return c.textContent; })"
                       " : null")
    assert cells and cells[4] in ("ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT1", "FIN_WAIT2",
                                  "LAST_ACK", "CLOSING", "TIME_WAIT", "UNKNOWN"), cells
    assert re.fullmatch(r"\d+\.\d\d", cells[9]), cells  # rtt ms
    os.makedirs(ARTIFACTS, exist_ok=True)
    png = browser.screenshot(os.path.join(ARTIFACTS, shot_name))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    errors = [e for e in browser.console() if e.get("level") == "SEVERE"]
    assert not errors, errors


def test_status_page_over_http_in_chromium(browser, status_server):
    check_page(browser, status_server, f"http://127.0.0.1:{status_server.port}{STATUS}",
               "status-http.png")


def test_status_page_over_https_in_chromium(browser, status_server):
    check_page(browser, status_server,
               f"https://127.0.0.1:{status_server.https_port}{STATUS}", "status-https.png")
    # Over TLS the browser's connection says so.
    schemes = browser.js("return Array.from(document.querySelectorAll('#conn-rows tr'))"
                         ".map(function (r) { return r.cells[2].textContent; })")
    assert "https" in schemes, schemes
