"""HTTPS with real clients: openssl s_client (versions, SNI, ALPN, resumption), curl against a test
CA, python ssl; certificate reload with a connection open; stalled handshakes; garbage and
plain HTTP on the TLS port; HSTS, the HTTP-to-HTTPS redirect listener, mTLS; start-up errors;
`portico cert self-signed`.
"""
import os
import signal
import socket
import ssl
import stat
import subprocess
import time

import pytest

from conftest import PORTICO
from http_util import ResponseReader, request_bytes, wait_fd_count
from tls_util import (HTTPS_RE, REDIRECT_RE, Pki, TlsServer, check, peer_cn, run, s_client,
                      split_host_port, tls_connect, wait_for, wait_for_log)

SITE_NAMES = ["DNS:localhost", "DNS:site.test", "IP:127.0.0.1"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    p = Pki(tmp_path_factory.mktemp("pki"))
    p.site = p.cert("site", "site-ecdsa", SITE_NAMES)
    p.site_rsa = p.cert("site-rsa", "site-rsa", SITE_NAMES, kind="rsa")
    p.other = p.cert("other", "other.test", ["DNS:other.test"])
    p.wild = p.cert("wild", "wildcard", ["DNS:*.wild.test"])
    p.expired = p.cert("expired", "expired.test", ["DNS:expired.test"], start="20200101000000Z",
                       end="20200201000000Z")
    p.client = p.cert("alice", "alice", client=True)
    return p


@pytest.fixture
def https(start_portico, site, pki):
    """Factory: https(*flags, certs=[pki.site]) -> TlsServer with plain and TLS listeners."""

    def start(*flags, certs=None, plain=True, threads=2):
        args = ["serve", site, "--tls-listen", "127.0.0.1:0", "--threads", str(threads)]
        if plain:
            args += ["--listen", "127.0.0.1:0"]
        for cert, key in certs or [pki.site]:
            args += ["--cert", cert, "--key", key]
        return TlsServer(start_portico(*args, *flags, expect_listen=plain))

    return start


def warm_baseline(server, pki):
    """The fd count after one request (the open-file cache keeps the served file open)."""
    with tls_connect(server.tls_port, pki.ca_cert) as s:
        assert get_over(s).status == 200
    time.sleep(0.2)
    return server.fd_count()


def get_over(sock, target="/index.html", method="GET", headers=(), host="localhost"):
    reader = ResponseReader(sock)
    sock.sendall(request_bytes(method, target, headers, host=host))
    return reader.read_response(method)


# --- protocol versions, SNI, ALPN, resumption (openssl s_client) -----------------------------

def test_tls13_and_tls12_are_accepted(https):
    server = https()
    out13 = s_client(server.tls_port, "-tls1_3", "-servername", "localhost")
    assert "New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256" in out13, out13
    out12 = s_client(server.tls_port, "-tls1_2", "-servername", "localhost")
    assert "New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256" in out12, out12


@pytest.mark.parametrize("flag", ["-tls1_1", "-tls1"])
def test_tls11_and_tls10_are_refused_by_the_server(https, flag):
    server = https()
    # SECLEVEL=0 lets the client offer the old version, so the refusal is the server's.
    out = s_client(server.tls_port, flag, "-cipher", "DEFAULT@SECLEVEL=0")
    assert "Cipher is" not in out or "Cipher is (NONE)" in out, out
    assert "alert protocol version" in out, out




@pytest.mark.parametrize("sni,expected_cn", [
    ("localhost", "site-ecdsa"),
    ("site.test", "site-ecdsa"),
    ("other.test", "other.test"),
    ("a.wild.test", "wildcard"),
    ("unknown.test", "site-ecdsa"),  # the first certificate is the default
])
def test_sni_picks_the_certificate(https, pki, sni, expected_cn):
    server = https(certs=[pki.site, pki.other, pki.wild])
    out = s_client(server.tls_port, "-servername", sni)
    assert f"subject=CN = {expected_cn}\n" in out, out


def test_ecdsa_and_rsa_certificates_for_the_same_name(https, pki):
    server = https(certs=[pki.site, pki.site_rsa])
    ec = s_client(server.tls_port, "-servername", "site.test", "-sigalgs", "ECDSA+SHA256")
    assert "subject=CN = site-ecdsa" in ec and "Server public key is 256 bit" in ec, ec
    rsa = s_client(server.tls_port, "-servername", "site.test", "-sigalgs",
                   "RSA-PSS+SHA256:RSA+SHA256")
    assert "subject=CN = site-rsa" in rsa and "Server public key is 2048 bit" in rsa, rsa


def test_alpn_selects_http11_and_refuses_unknown_protocols(https):
    server = https()
    out = s_client(server.tls_port, "-alpn", "h2,http/1.1")
    assert "ALPN protocol: http/1.1" in out, out
    bad = s_client(server.tls_port, "-alpn", "h2")
    assert "no application protocol" in bad, bad


@pytest.mark.parametrize("version", ["-tls1_3", "-tls1_2"])
def test_session_resumption_is_reused(https, tmp_path, version):
    server = https()
    sess = str(tmp_path / "sess.pem")
    # A TLS 1.3 ticket arrives after the handshake: keep stdin open a moment to receive it.
    first = subprocess.run(
        f"(sleep 0.5; echo) | openssl s_client -connect 127.0.0.1:{server.tls_port} {version} "
        f"-servername localhost -sess_out {sess}", shell=True, capture_output=True, timeout=30)
    assert b"New, TLSv1." in first.stdout, first.stdout
    second = subprocess.run(
        f"(sleep 0.5; echo) | openssl s_client -connect 127.0.0.1:{server.tls_port} {version} "
        f"-servername localhost -sess_in {sess}", shell=True, capture_output=True, timeout=30)
    assert b"Reused, TLSv1." in second.stdout, second.stdout


# --- real clients ---------------------------------------------------------------------------

def test_curl_verifies_the_server_against_the_test_ca(https, pki, site):
    server = https()
    r = check(["curl", "-sS", "--cacert", pki.ca_cert, "-o", "-", "-w", "%{http_code} %{scheme}",
               f"https://localhost:{server.tls_port}/index.html"])
    with open(os.path.join(site, "index.html"), "rb") as f:
        assert r.stdout == f.read() + b"200 HTTPS"
    # A CA that did not sign the certificate fails verification.
    r = run(["curl", "-sS", "--cacert", pki.client_ca_cert,
             f"https://localhost:{server.tls_port}/index.html"])
    assert r.returncode == 60, r.stderr


def test_python_ssl_client_gets_tls13_http11_and_a_verified_chain(https, pki):
    server = https()
    with tls_connect(server.tls_port, pki.ca_cert) as s:
        assert s.version() == "TLSv1.3"
        assert s.selected_alpn_protocol() == "http/1.1"
        assert peer_cn(s) == "site-ecdsa"
        r = get_over(s)
        assert r.status == 200


def test_plain_and_tls_listeners_serve_the_same_site(https, pki):
    server = https()
    host, port = server.host_port
    plain = socket.create_connection((host, port), timeout=10)
    assert get_over(plain).body == get_over(tls_connect(server.tls_port, pki.ca_cert)).body
    plain.close()


# --- certificate reload ------------------------------------------------------------------------

def replace_files(src_pair, dst_pair):
    """Copies a certificate and key over another pair by rename (new inodes), key first."""
    for src, dst in ((src_pair[1], dst_pair[1]), (src_pair[0], dst_pair[0])):
        tmp = dst + ".new"
        with open(src, "rb") as f, open(tmp, "wb") as g:
            g.write(f.read())
        os.rename(tmp, dst)


def test_reload_on_file_change_keeps_open_connections(https, pki, tmp_path):
    live = (str(tmp_path / "live.pem"), str(tmp_path / "live.key"))
    replace_files(pki.site, live)
    server = https(certs=[live])
    old = tls_connect(server.tls_port, pki.ca_cert)
    assert peer_cn(old) == "site-ecdsa"
    assert get_over(old).status == 200

    new_pair = pki.cert("site-v2", "site-v2", SITE_NAMES)
    replace_files(new_pair, live)
    wait_for_log(server, "TLS: certificates reloaded (generation 2)")
    with tls_connect(server.tls_port, pki.ca_cert) as fresh:
        assert peer_cn(fresh) == "site-v2"
    # The connection from before the reload is still served, on its old session.
    assert get_over(old).status == 200
    assert peer_cn(old) == "site-ecdsa"
    old.close()


def test_sighup_reloads_and_broken_files_keep_the_old_certificate(https, pki, tmp_path):
    live = (str(tmp_path / "live.pem"), str(tmp_path / "live.key"))
    replace_files(pki.site, live)
    server = https(certs=[live])
    server.proc.send_signal(signal.SIGHUP)
    wait_for_log(server, "TLS: certificates reloaded (generation 2)")

    # A certificate whose key does not match: an error is logged, the old one stays.
    other = pki.cert("site-v3", "site-v3", SITE_NAMES)
    with open(live[0], "wb") as f, open(other[0], "rb") as g:
        f.write(g.read())
    wait_for_log(server, "reload failed, keeping the current certificates")
    assert "does not match certificate" in server.stderr()
    with tls_connect(server.tls_port, pki.ca_cert) as s:
        assert peer_cn(s) == "site-ecdsa"
        assert get_over(s).status == 200


# --- hostile and broken clients ----------------------------------------------------------------

def test_300_stalled_handshakes_do_not_stop_a_new_client(https, pki):
    # One worker loop: the stalled connections and the new client share it.
    server = https("--header-timeout", "2s", threads=1)
    baseline = warm_baseline(server, pki)
    stalled = []
    try:
        for i in range(300):
            s = socket.create_connection(("127.0.0.1", server.tls_port), timeout=10)
            if i % 2:
                s.sendall(b"\x16\x03\x01\x02\x00\x01")  # a ClientHello that never completes
            stalled.append(s)
        with tls_connect(server.tls_port, pki.ca_cert) as s:
            assert get_over(s).status == 200
        r = check(["curl", "-sS", "--cacert", pki.ca_cert, "-o", "/dev/null", "-w",
                   "%{http_code}", f"https://localhost:{server.tls_port}/index.html"])
        assert r.stdout == b"200"
        # The handshake deadline (the header timeout) drops them all.
        wait_fd_count(server, baseline, timeout=30)
    finally:
        for s in stalled:
            s.close()


def test_garbage_client_hello_is_refused_and_the_server_goes_on(https, pki):
    server = https(threads=1)  # one loop, one open-file cache: a stable fd baseline
    baseline = warm_baseline(server, pki)
    payloads = [
        b"\x16\x03\x01\x00\x40" + b"\x5a" * 64,  # handshake record of nonsense
        b"\x16\x03\x03\xff\xff" + os.urandom(200),  # oversized length
        b"\x80\x2e\x01\x03\x01" + os.urandom(43),  # SSLv2-format hello, complete
        os.urandom(512),
        b"\x00" * 100,
    ]
    for p in payloads:
        s = socket.create_connection(("127.0.0.1", server.tls_port), timeout=10)
        s.sendall(p)
        s.settimeout(10)
        try:
            while s.recv(4096):
                pass
        except ConnectionResetError:
            pass
        s.close()
    with tls_connect(server.tls_port, pki.ca_cert) as s:
        assert get_over(s).status == 200
    wait_fd_count(server, baseline)


def test_plain_http_on_the_tls_port_gets_400_in_plain_text(https):
    server = https()
    s = socket.create_connection(("127.0.0.1", server.tls_port), timeout=10)
    s.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
    reader = ResponseReader(s, timeout=10)
    r = reader.read_response()
    assert r.status == 400
    assert r.wants_close()
    assert b"HTTPS" in r.body
    assert reader.at_eof()
    s.close()


def test_client_closing_mid_handshake_leaks_nothing(https, pki):
    server = https(threads=1)  # one loop, one open-file cache: a stable fd baseline
    baseline = warm_baseline(server, pki)
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", server.tls_port), timeout=10)
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        s.close()
    with tls_connect(server.tls_port, pki.ca_cert) as s:
        assert get_over(s).status == 200
    wait_fd_count(server, baseline)


# --- HSTS, redirect listener, mTLS ---------------------------------------------------------------

def test_hsts_only_on_https_responses(https, pki):
    server = https("--hsts", "31536000")
    with tls_connect(server.tls_port, pki.ca_cert) as s:
        assert get_over(s).header("strict-transport-security") == "max-age=31536000"
        assert get_over(s, "/missing").header("strict-transport-security") == "max-age=31536000"
    host, port = server.host_port
    plain = socket.create_connection((host, port), timeout=10)
    assert get_over(plain).header("strict-transport-security") is None  # RFC 6797 7.2
    plain.close()


def test_redirect_listener_sends_every_request_to_https(https, pki):
    server = https("--redirect-http", "127.0.0.1:0")
    redirect = split_host_port(wait_for(REDIRECT_RE, server.portico)[0])
    s = socket.create_connection(redirect, timeout=10)
    r = get_over(s, "/docs/a%20b.html?x=1&y=2", host="example.test")
    assert r.status == 301
    assert r.header("location") == f"https://example.test:{server.tls_port}/docs/a%20b.html?x=1&y=2"
    r = get_over(s, "/", method="HEAD", host="example.test:8080")
    assert r.status == 301
    assert r.header("location") == f"https://example.test:{server.tls_port}/"
    s.close()
    # HTTP/1.0 without Host: the TLS listener's address stands in.
    s = socket.create_connection(redirect, timeout=10)
    s.sendall(b"GET /x?q HTTP/1.0\r\n\r\n")
    r = ResponseReader(s).read_response()
    assert r.header("location") == f"https://127.0.0.1:{server.tls_port}/x?q"
    s.close()
    # curl follows it to the HTTPS site.
    r = check(["curl", "-sS", "-L", "--cacert", pki.ca_cert, "-o", "/dev/null", "-w",
               "%{http_code} %{url_effective}",
               f"http://localhost:{redirect[1]}/index.html"])
    assert r.stdout == f"200 https://localhost:{server.tls_port}/index.html".encode()


def test_client_certificates_are_required_with_client_ca(https, pki):
    server = https("--client-ca", pki.client_ca_cert)
    url = f"https://localhost:{server.tls_port}/index.html"
    r = run(["curl", "-sS", "--cacert", pki.ca_cert, "-o", "/dev/null", url])
    assert r.returncode != 0
    cert, key = pki.client
    r = check(["curl", "-sS", "--cacert", pki.ca_cert, "--cert", cert, "--key", key, "-o",
               "/dev/null", "-w", "%{http_code}", url])
    assert r.stdout == b"200"
    # A certificate from a CA the server does not trust.
    site_cert, site_key = pki.other
    r = run(["curl", "-sS", "--cacert", pki.ca_cert, "--cert", site_cert, "--key", site_key,
             "-o", "/dev/null", url])
    assert r.returncode != 0


def test_tls_only_server_has_no_plain_listener(https):
    server = https(plain=False)
    assert "listening on http://" not in server.stderr()
    out = s_client(server.tls_port, "-servername", "localhost")
    assert "New, TLSv1.3" in out


# --- start-up errors -------------------------------------------------------------------------------

def run_serve(site, *flags):
    return run([PORTICO, "serve", site, "--tls-listen", "127.0.0.1:0", *flags], timeout=30)


def test_missing_certificate_file_is_a_clear_startup_error(site, tmp_path, pki):
    missing = str(tmp_path / "nope.pem")
    r = run_serve(site, "--cert", missing, "--key", pki.site[1])
    assert r.returncode == 2
    assert r.stderr.decode().strip() == (
        f"portico: certificate file '{missing}': cannot read: No such file or directory")


def test_key_that_does_not_match_is_a_clear_startup_error(site, pki):
    r = run_serve(site, "--cert", pki.site[0], "--key", pki.other[1])
    assert r.returncode == 2
    assert r.stderr.decode().strip() == (
        f"portico: key file '{pki.other[1]}' does not match certificate '{pki.site[0]}'")


def test_expired_certificate_starts_with_a_warning_naming_the_date(https, pki):
    server = https(certs=[pki.site, pki.expired])
    assert f"certificate '{pki.expired[0]}' (expired.test) expired on 2020-02-01 00:00:00 UTC" \
        in server.stderr()


@pytest.mark.parametrize("flags,message", [
    (["--cert", "a.pem"], "--cert and --key come in pairs (got 1 --cert and 0 --key)"),
    ([], "--tls-listen needs --cert FILE --key FILE"),
])
def test_inconsistent_tls_flags_are_usage_errors(site, flags, message):
    r = run_serve(site, *flags)
    assert r.returncode == 2
    assert r.stderr.decode().strip() == "portico: " + message


def test_cert_flags_without_tls_listen_are_usage_errors(site, pki):
    r = run([PORTICO, "serve", site, "--cert", pki.site[0], "--key", pki.site[1]], timeout=30)
    assert r.returncode == 2
    assert "need --tls-listen" in r.stderr.decode()


# --- portico cert self-signed --------------------------------------------------------------------

def test_cert_self_signed_writes_a_usable_development_certificate(start_portico, site, tmp_path):
    out = tmp_path / "dev"
    r = check([PORTICO, "cert", "self-signed", "--name", "localhost", "--out", str(out)])
    assert b"cert.pem" in r.stdout
    cert, key = str(out / "cert.pem"), str(out / "key.pem")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    text = check(["openssl", "x509", "-in", cert, "-noout", "-text"]).stdout.decode()
    assert "DNS:localhost" in text and "NIST CURVE: P-256" in text
    # Refuses to overwrite without --force.
    again = run([PORTICO, "cert", "self-signed", "--name", "localhost", "--out", str(out)])
    assert again.returncode == 1 and b"--force" in again.stderr
    bad = run([PORTICO, "cert", "self-signed", "--name", "bad name", "--out", str(out)])
    assert bad.returncode == 2
    server = TlsServer(start_portico("serve", site, "--listen", "127.0.0.1:0", "--tls-listen",
                                     "127.0.0.1:0", "--cert", cert, "--key", key))
    r = check(["curl", "-sS", "--cacert", cert, "-o", "/dev/null", "-w", "%{http_code}",
               f"https://localhost:{server.tls_port}/index.html"])
    assert r.stdout == b"200"


def test_weak_tls12_ciphers_are_refused(https):
    server = https()
    out = s_client(server.tls_port, "-tls1_2", "-cipher", "AES128-SHA:ECDHE-ECDSA-AES128-SHA")
    assert "Cipher is (NONE)" in out or "handshake failure" in out, out


@pytest.mark.parametrize("request_line", [
    b"GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    b"GET /index.html HTTP/1.0\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n",  # 400, then close
])
def test_server_sends_close_notify_before_closing(https, request_line):
    server = https()
    # -msg shows the alerts; -ign_eof keeps s_client reading until the server closes.
    proc = subprocess.run(
        ["sh", "-c", f"(printf '{request_line.decode().encode('unicode_escape').decode()}'; "
                     f"sleep 1) | openssl s_client -connect 127.0.0.1:{server.tls_port} "
                     f"-quiet -msg -ign_eof"], capture_output=True, timeout=30)
    out = (proc.stdout + proc.stderr).decode(errors="replace")
    assert "HTTP/1.1 " in out, out
    assert "<<< TLS 1.3, Alert [length 0002], warning close_notify" in out, out
