"""Helpers for the HTTPS integration tests: a test PKI made with the `openssl` command (a CA, server
certificates for several names and key types, an expired one, a client CA and client
certificate), starting `portico serve` with TLS listeners, and running `openssl s_client`.
"""
import os
import re
import socket
import ssl
import subprocess
import time

HTTPS_RE = re.compile(r"listening on https://(\S+?)/")
REDIRECT_RE = re.compile(r"listening on http://(\S+?)/ \(redirects")
CMD_TIMEOUT_S = 30

CA_CNF = """[ca]
default_ca = test
[test]
database = {db}/index.txt
serial = {db}/serial
new_certs_dir = {db}
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
"""


def run(args, **kwargs):
    kwargs.setdefault("timeout", CMD_TIMEOUT_S)
    kwargs.setdefault("capture_output", True)
    return subprocess.run(args, **kwargs)


def check(args, **kwargs):
    r = run(args, **kwargs)
    assert r.returncode == 0, f"{args} failed: {r.stderr.decode(errors='replace')}"
    return r


class Pki:
    """A throwaway PKI under `base`. cert(name, ...) returns (cert_path, key_path)."""

    def __init__(self, base):
        self.base = str(base)
        self.db = os.path.join(self.base, "db")
        os.makedirs(self.db, exist_ok=True)
        open(os.path.join(self.db, "index.txt"), "w").close()
        with open(os.path.join(self.db, "serial"), "w") as f:
            f.write("1000\n")
        self.cnf = os.path.join(self.base, "ca.cnf")
        with open(self.cnf, "w") as f:
            f.write(CA_CNF.format(db=self.db))
        self.ca_cert, self.ca_key = self._make_ca("portico test CA", "ca")
        self.client_ca_cert, self.client_ca_key = self._make_ca("portico client CA", "client-ca")

    def path(self, name):
        return os.path.join(self.base, name)

    @staticmethod
    def _newkey(kind):
        return ["-newkey", "rsa:2048"] if kind == "rsa" else [
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]

    def _make_ca(self, cn, stem):
        cert, key = self.path(stem + ".pem"), self.path(stem + ".key")
        check(["openssl", "req", "-x509", *self._newkey("ec"), "-nodes", "-keyout", key,
               "-out", cert, "-subj", f"/CN={cn}", "-days", "3",
               "-addext", "basicConstraints=critical,CA:TRUE",
               "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        return cert, key

    def cert(self, stem, cn, sans=(), kind="ec", start=None, end=None, client=False):
        """A certificate signed by the test CA (or the client CA when client=True). sans like
        ["DNS:localhost", "IP:127.0.0.1"]; start/end like "20200101000000Z"."""
        cert, key, csr = (self.path(stem + ".pem"), self.path(stem + ".key"),
                          self.path(stem + ".csr"))
        args = ["openssl", "req", "-new", *self._newkey(kind), "-nodes", "-keyout", key,
                "-out", csr, "-subj", f"/CN={cn}"]
        if sans:
            args += ["-addext", "subjectAltName=" + ",".join(sans)]
        args += ["-addext", "extendedKeyUsage=" + ("clientAuth" if client else "serverAuth")]
        check(args)
        ca_cert, ca_key = ((self.client_ca_cert, self.client_ca_key) if client
                           else (self.ca_cert, self.ca_key))
        args = ["openssl", "ca", "-batch", "-config", self.cnf, "-cert", ca_cert, "-keyfile",
                ca_key, "-in", csr, "-out", cert, "-notext"]
        if start or end:
            args += ["-startdate", start or "20200101000000Z", "-enddate", end]
        else:
            args += ["-days", "2"]
        check(args)
        return cert, key


def wait_for(pattern, proc, timeout=15.0):
    """Addresses matched by pattern in the process's stderr, once present."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = pattern.findall(proc.stderr())
        if found:
            time.sleep(0.05)
            return pattern.findall(proc.stderr())
        if proc.proc.poll() is not None:
            raise RuntimeError(f"portico exited with {proc.proc.returncode}: {proc.stderr()}")
        time.sleep(0.02)
    raise RuntimeError("no match for " + pattern.pattern + ": " + proc.stderr())


def wait_for_log(proc, text, timeout=15.0, count=1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.stderr().count(text) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} in portico's log:\n{proc.stderr()[-3000:]}")


def split_host_port(hp):
    host, _, port = hp.rpartition(":")
    return host.strip("[]"), int(port)


class TlsServer:
    """A started Portico plus its https address."""

    def __init__(self, portico):
        self.portico = portico
        self.https = wait_for(HTTPS_RE, portico)
        self.tls_host, self.tls_port = split_host_port(self.https[0])

    def __getattr__(self, name):  # everything else is the Portico's (proc, stderr, ...)
        return getattr(self.portico, name)


def s_client(port, *args, stdin=b"", host="127.0.0.1", timeout=CMD_TIMEOUT_S):
    """Runs openssl s_client; returns its stdout+stderr as text."""
    r = run(["openssl", "s_client", "-connect", f"{host}:{port}", *args], input=stdin,
            timeout=timeout)
    return (r.stdout + r.stderr).decode(errors="replace")


def tls_connect(port, cafile, server_hostname="localhost", host="127.0.0.1", timeout=30.0,
                alpn=("http/1.1",), context=None):
    """A verified TLS client socket (python ssl)."""
    ctx = context or ssl.create_default_context(cafile=cafile)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    raw = socket.create_connection((host, port), timeout=timeout)
    return ctx.wrap_socket(raw, server_hostname=server_hostname)


def peer_cn(sock):
    cert = sock.getpeercert()
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None
