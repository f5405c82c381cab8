"""Helpers for the reverse proxy tests: backends that say who answered, nginx as an upstream,
and small HTTP clients that talk through the proxy."""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

import pytest

from procutil import ManagedProcess, wait_until

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
NGINX = "/usr/sbin/nginx"


class Backend(ManagedProcess):
    """proxy_backend.py NAME [PORT] as a child process; .url is its http:// URL."""

    def __init__(self, name, port=0):
        super().__init__([PYTHON, os.path.join(HERE, "proxy_backend.py"), name, str(port)])
        self.name = name

    @property
    def port(self):
        return self.address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def kill(self):
        """Stops it at once (SIGKILL), as a crashed server; close() afterwards is a no-op."""
        self._closed = True
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def backends():
    """Factory: backends(n) -> [Backend "b0".."b{n-1}"]; all stopped at teardown."""
    started = []

    def start(n, names=None):
        names = names or [f"b{i}" for i in range(n)]
        out = [Backend(name) for name in names]
        started.extend(out)
        return out

    start.started = started
    yield start
    for b in started:
        b.kill()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx serving a fixed page (and echoing what it got) on a free port, not daemonized."""

    def __init__(self, name="nginx"):
        self.dir = tempfile.mkdtemp(prefix="portico-nginx-")
        self.port = free_port()
        os.makedirs(os.path.join(self.dir, "www"))
        with open(os.path.join(self.dir, "www", "index.html"), "w") as f:
            f.write(f"hello from {name}\n")
        with open(os.path.join(self.dir, "www", "big.bin"), "wb") as f:
            f.write(os.urandom(4 << 20))
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
daemon off;
master_process off;
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {self.dir}/body;
  proxy_temp_path {self.dir}/proxy;
  fastcgi_temp_path {self.dir}/fastcgi;
  uwsgi_temp_path {self.dir}/uwsgi;
  scgi_temp_path {self.dir}/scgi;
  keepalive_requests 1000;
  server {{
    listen 127.0.0.1:{self.port};
    root {self.dir}/www;
    location /echo {{
      default_type text/plain;
      return 200 "name={name} host=$host xff=$http_x_forwarded_for via=$http_via\\n";
    }}
  }}
}}
""")
        self.proc = subprocess.Popen([NGINX, "-c", conf, "-p", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                assert self.proc.poll() is None, self.proc.stderr.read().decode()
                return False

        wait_until(up, 10, message="nginx listening")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def nginx():
    if not os.path.exists(NGINX):
        pytest.skip("nginx is not installed")
    started = []

    def start(name="nginx"):
        n = Nginx(name)
        started.append(n)
        return n

    yield start
    for n in started:
        n.close()


@pytest.fixture
def proxy(start_portico):
    """Factory: proxy(upstreams, *flags, threads=1) -> Portico running `portico proxy`."""

    def start(upstreams, *flags, threads=1, **kwargs):
        urls = [u if isinstance(u, str) else u.url for u in upstreams]
        args = ["proxy", "--listen", "127.0.0.1:0", "--threads", str(threads),
                "--to", ",".join(urls)]
        return start_portico(*args, *flags, **kwargs)

    return start


class Client:
    """One keep-alive connection to the proxy (http.client), reopened after a close."""

    def __init__(self, server, timeout=30):
        self.host, self.port = server.host_port
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Returns (status, headers as a lowercase-name dict of lists, body bytes)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            chunked = "chunked" in (headers or {}).get("Transfer-Encoding", "")
            self.conn.request(method, path, body=body, headers=headers or {},
                              encode_chunked=chunked)
            r = self.conn.getresponse()
            data = r.read()
        except (ConnectionError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        hdrs = {}
        for k, v in r.getheaders():
            hdrs.setdefault(k.lower(), []).append(v)
        if r.will_close:
            self.conn.close()
            self.conn = None
        return r.status, hdrs, data

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def who(self, path="/", headers=None):
        """The backend name that answered a GET (asserting a 200)."""
        status, hdrs, body = self.get(path, headers)
        assert status == 200, (status, body[:300])
        return json.loads(body)["name"]

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def vm_kib(pid, field):
    """VmRSS / VmHWM of a process in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")
