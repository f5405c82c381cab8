"""`portico run` as a daemon: reloads under load (with wrk) and signal storms, graceful and fast
stop, log files (reopen, JSON), the pidfile, systemd notification, dropping root, and TLS
listeners with certificate reload.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from config_util import (LISTEN_RE, conf, curl, listening, read_lines,  # noqa: F401
                         reload_config, sighup_and_wait, wait_until, write)
from conftest import PORTICO

# --- reload ----------------------------------------------------------------------------------

def wrk_available():
    return shutil.which("wrk") is not None


def run_wrk(url, seconds, connections=16):
    return subprocess.Popen(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                             url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def assert_wrk_clean(proc):
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    assert "Socket errors" not in out, out
    assert "Non-2xx or 3xx responses" not in out, out
    done = re.search(r"(\d+) requests in", out)
    assert done and int(done.group(1)) > 0, out
    return out


@pytest.mark.skipif(not wrk_available(), reason="wrk not installed (scripts/install-deps.sh test)")
def test_reload_ten_times_under_load_without_a_failed_request(start_portico, conf):
    path = conf(reload_config("v0"))
    p = start_portico("run", "-c", path)
    assert curl(p.url + "/v")[2] == b"v0\n"
    load = run_wrk(p.url + "/v", seconds=15)
    try:
        extra = None
        for i in range(1, 11):
            if i == 3:  # a bad config: logged, the running one stays
                write(path, reload_config(f"v{i}", bad=True))
                sighup_and_wait(p, expect_ok=False)
                assert "unknown key 'broken_key'" in p.stderr()
                assert curl(p.url + "/v")[2] == b"v2\n"
                continue
            if i in (5, 6):  # add a listener, keep it for one more reload
                write(path, reload_config(f"v{i}", extra_listener=True))
                sighup_and_wait(p)
                extra = [a for a in listening(p) if a.startswith("127.0.0.2:")][-1]
                assert curl(f"http://{extra}/v")[2] == f"v{i}\n".encode()
                continue
            write(path, reload_config(f"v{i}"))  # i == 7 removes the extra listener
            sighup_and_wait(p)
            assert curl(p.url + "/v")[2] == f"v{i}\n".encode()
            if i == 7:
                assert f"closed listener http://{extra}/" in p.stderr()
                host, port = extra.rsplit(":", 1)
                with pytest.raises(ConnectionRefusedError):
                    socket.create_connection((host, int(port)), timeout=5).close()
        assert load.poll() is None, "wrk finished before the reloads did: no load during them"
    except BaseException:
        load.kill()
        load.wait()
        raise
    assert_wrk_clean(load)
    # The first listener, and the extra one once (kept open by reload 6).
    assert len(listening(p)) == 2


def test_a_signal_storm_leaves_one_consistent_config_and_no_leak(start_portico, conf, tmp_path):
    path = conf(reload_config("v0"))
    p = start_portico("run", "-c", path)
    assert curl(p.url + "/v")[2] == b"v0\n"
    # A few reloads first, so the fd baseline includes whatever a reload keeps.
    write(path, reload_config("warm"))
    sighup_and_wait(p)
    wait_until(lambda: curl(p.url + "/v")[2] == b"warm\n", message="warm-up config")
    time.sleep(0.3)
    baseline = p.fd_count()
    start = time.monotonic()
    for i in range(1, 101):
        write(path, reload_config(f"v{i}"))
        p.proc.send_signal(signal.SIGHUP)
        time.sleep(0.005)
    assert time.monotonic() - start < 5
    wait_until(lambda: curl(p.url + "/v")[2] == b"v100\n", message="the last config")
    # Coalesced: far fewer reloads than signals, and never a failed one.
    assert "still running the previous configuration" not in p.stderr()
    wait_until(lambda: p.fd_count() == baseline, timeout=20,
               message=f"fd count back to {baseline} (now {p.fd_count()})")
    assert p.proc.poll() is None


# --- stopping --------------------------------------------------------------------------------

def big_file_config(tmp_path):
    with open(tmp_path / "www-a" / "big.bin", "wb") as f:
        f.write(os.urandom(32 * 1024 * 1024))
    return reload_config("v0")


def start_downloads(p, count):
    """Opens `count` connections that each requested big.bin and read its head and a little."""
    host, port = p.host_port
    socks = []
    for _ in range(count):
        s = socket.create_connection((host, port), timeout=30)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            assert chunk, "closed before the response head"
            head += chunk
        length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
        socks.append((s, length, len(head.split(b"\r\n\r\n", 1)[1])))
    return socks


def finish_download(sock, length, have):
    while have < length:
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        have += len(chunk)
    sock.close()
    return have


def test_graceful_stop_answers_every_accepted_request(start_portico, conf, tmp_path):
    path = conf(big_file_config(tmp_path))
    p = start_portico("run", "-c", path)
    downloads = start_downloads(p, 6)
    # Load from other clients while stopping: every response they get must be complete.
    stop_load = threading.Event()
    truncated = []
    complete = [0]

    def hammer():
        host, port = p.host_port
        while not stop_load.is_set():
            try:
                s = socket.create_connection((host, port), timeout=10)
            except OSError:
                continue  # refused once the listener is closed: never accepted
            try:
                s.sendall(b"GET /v HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                data = b""
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                data = b""  # reset by the kernel: the connection was never accepted
            finally:
                s.close()
            if data and not data.endswith(b"\r\n\r\nv0\n"):
                truncated.append(data)
            elif data:
                complete[0] += 1

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    wait_until(lambda: complete[0] >= 20, message="load to be served")
    p.proc.send_signal(signal.SIGTERM)
    results = [finish_download(s, n, have) for s, n, have in downloads]
    wait_until(lambda: p.proc.poll() is not None, message="portico to exit")
    stop_load.set()
    for t in threads:
        t.join(timeout=30)
    assert p.proc.returncode == 0, p.stderr()[-3000:]
    assert results == [n for _, n, _ in downloads]
    assert not truncated, truncated[:2]
    assert "stopping gracefully" in p.stderr()


def test_sigquit_exits_at_once(start_portico, conf, tmp_path):
    path = conf(big_file_config(tmp_path))
    p = start_portico("run", "-c", path)
    downloads = start_downloads(p, 2)
    p.proc.send_signal(signal.SIGQUIT)
    p.proc.wait(timeout=20)
    assert p.proc.returncode == 0
    for s, length, have in downloads:
        assert finish_download(s, length, have) < length


# --- logs ------------------------------------------------------------------------------------

def log_config(tmp_path, fmt, error_log=False):
    text = reload_config("v0").replace("[server]", f"""[log]
access = "{tmp_path}/access.log"
format = "{fmt}"
flush_interval = "50ms"
{'error = "' + str(tmp_path) + '/error.log"' if error_log else ''}

[server]""")
    return text


def test_access_log_lines_parse_as_json(start_portico, conf, tmp_path):
    p = start_portico("run", "-c", conf(log_config(tmp_path, "json")))
    for i in range(5):
        curl(p.url + f"/v?i={i}", headers=["User-Agent: test \"agent\"\u00e9"])
    lines = wait_until(lambda: len(read_lines(tmp_path / "access.log")) >= 5 and
                       read_lines(tmp_path / "access.log"), message="5 access log lines")
    # Each worker thread buffers its own lines: the file is ordered per worker, not overall.
    entries = sorted((json.loads(line) for line in lines), key=lambda e: e["uri"])
    for i, entry in enumerate(entries):
        assert entry["method"] == "GET"
        assert entry["uri"] == f"/v?i={i}"
        assert entry["status"] == 200
        assert entry["body_bytes"] == 3
        assert entry["remote_addr"] == "127.0.0.1"
        assert entry["user_agent"].startswith('test "agent"')


def test_sigusr1_reopens_logs_after_they_were_moved(start_portico, conf, tmp_path):
    p = start_portico("run", "-c", conf(log_config(tmp_path, "common", error_log=True)),
                      expect_listen=False)
    addr = wait_until(lambda: LISTEN_RE.findall("\n".join(read_lines(tmp_path / "error.log"))),
                      message="the listening line in the error log")[0]
    url = f"http://{addr}"
    curl(url + "/v")
    wait_until(lambda: len(read_lines(tmp_path / "access.log")) == 1, message="first line")
    os.rename(tmp_path / "access.log", tmp_path / "access.log.1")
    os.rename(tmp_path / "error.log", tmp_path / "error.log.1")
    p.proc.send_signal(signal.SIGUSR1)
    wait_until(lambda: any("access log" in l and "reopened" in l
                           for l in read_lines(tmp_path / "error.log")),
               message="the reopen to be logged in the new error log")
    curl(url + "/v")
    curl(url + "/v")
    wait_until(lambda: len(read_lines(tmp_path / "access.log")) == 2, message="lines in new file")
    assert len(read_lines(tmp_path / "access.log.1")) == 1
    assert all('"GET /v HTTP/1.1" 200 3' in l for l in read_lines(tmp_path / "access.log"))


# --- process chores --------------------------------------------------------------------------

def test_pidfile_is_written_and_removed_and_blocks_a_second_instance(start_portico, conf,
                                                                     tmp_path):
    path = conf(reload_config("v0").replace("[server]",
                                            f'[server]\npidfile = "{tmp_path}/portico.pid"'))
    p = start_portico("run", "-c", path)
    assert (tmp_path / "portico.pid").read_text() == f"{p.proc.pid}\n"
    second = subprocess.run([PORTICO, "run", "-c", path], capture_output=True, text=True,
                            timeout=60)
    assert second.returncode == 1
    assert f"portico is already running (pid {p.proc.pid})" in second.stderr
    assert p.stop() == 0
    assert not (tmp_path / "portico.pid").exists()


def test_systemd_notification(start_portico, conf, tmp_path):
    sock_path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(30)
    try:
        path = conf(reload_config("v0"))
        p = start_portico("run", "-c", path, env={"NOTIFY_SOCKET": sock_path})
        assert sock.recv(256).split(b"\n")[0] == b"READY=1"
        p.proc.send_signal(signal.SIGHUP)
        assert sock.recv(256) == b"RELOADING=1"
        assert sock.recv(256).split(b"\n")[0] == b"READY=1"
        p.proc.send_signal(signal.SIGTERM)
        assert sock.recv(256) == b"STOPPING=1"
    finally:
        sock.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping privileges needs root")
def test_drops_root_after_binding(start_portico, conf, tmp_path):
    path = conf(reload_config("v0").replace("[server]", '[server]\nuser = "nobody"'))
    p = start_portico("run", "-c", path)
    with open(f"/proc/{p.proc.pid}/status") as f:
        uids = [l for l in f.read().splitlines() if l.startswith(("Uid:", "Gid:"))]
    nobody = subprocess.run(["id", "-u", "nobody"], capture_output=True, text=True).stdout.strip()
    assert uids[0].split()[1:] == [nobody] * 4
    assert curl(p.url + "/v")[2] == b"v0\n"


# --- TLS -------------------------------------------------------------------------------------

def make_cert(out_dir, name="localhost"):
    subprocess.run([PORTICO, "cert", "self-signed", "--name", name, "--out", str(out_dir)],
                   check=True, capture_output=True, timeout=60)
    return (out_dir / "cert.pem").read_text()


def served_cert(addr):
    import ssl
    host, port = addr.rsplit(":", 1)
    pem = ssl.get_server_certificate((host, int(port)))
    return ssl.PEM_cert_to_DER_cert(pem)


def pem_der(pem_text):
    import ssl
    first = pem_text[:pem_text.index("-----END CERTIFICATE-----") + 25]
    return ssl.PEM_cert_to_DER_cert(first)


def tls_config(cert_dir):
    return f"""
[server]
threads = 2

[[listen]]
address = "127.0.0.1:0"
tls = {{ cert = "{cert_dir}/cert.pem", key = "{cert_dir}/key.pem" }}

[[listen]]
address = "127.0.0.2:0"

[[site]]
root = "www-a"
https_redirect = true
hsts = "8760h"
"""


def test_tls_listener_serves_https_and_swaps_certificates_on_reload(start_portico, conf,
                                                                    tmp_path):
    first = make_cert(tmp_path / "tls1")
    second = make_cert(tmp_path / "tls2")
    path = conf(tls_config("tls1"))
    p = start_portico("run", "-c", path)
    https = re.search(r"listening on https://(\S+?)/", p.stderr()).group(1)
    plain = p.addresses[0]
    r = subprocess.run(["curl", "-sS", "-k", "-i", f"https://{https}/"], capture_output=True,
                       timeout=30)
    assert r.stdout.endswith(b"\r\n\r\nsite a\n")
    assert b"Strict-Transport-Security: max-age=31536000\r\n" in r.stdout
    status, fields, _ = curl(f"http://{plain}/x?y", host="localhost")
    assert status == 308 and fields["location"] == "https://localhost/x?y"
    assert "strict-transport-security" not in fields
    assert served_cert(https) == pem_der(first)
    write(path, tls_config("tls2"))
    sighup_and_wait(p)
    assert served_cert(https) == pem_der(second)
    # A broken certificate file is refused; the running one stays.
    (tmp_path / "tls3").mkdir()
    (tmp_path / "tls3" / "cert.pem").write_text("not a certificate\n")
    (tmp_path / "tls3" / "key.pem").write_text("not a key\n")
    write(path, tls_config("tls3"))
    sighup_and_wait(p, expect_ok=False)
    assert served_cert(https) == pem_der(second)
