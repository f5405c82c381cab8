"""`portico passwd FILE USER [--delete]`: user file edits, checked against an independent
PBKDF2 (Python's hashlib), atomic 0600 writes, and exit 2 on every kind of bad input."""
import base64
import hashlib
import os
import stat
import subprocess

import pytest

from conftest import PORTICO, SANITIZER_MARKERS

ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:halt_on_error=1",
           UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")


def passwd(*args, stdin=b""):
    r = subprocess.run([PORTICO, "passwd", *[str(a) for a in args]], input=stdin,
                       capture_output=True, timeout=60, env=ENV)
    err = r.stderr.decode("utf-8", "replace")
    for marker in SANITIZER_MARKERS:
        assert marker not in err, err
    return r.returncode, r.stdout.decode("utf-8", "replace"), err


def b64decode_loose(s):
    return base64.b64decode(s + "=" * (-len(s) % 4))


def check_hash(line_hash, password):
    """Recomputes the stored PBKDF2-HMAC-SHA256 with hashlib (not portico's code)."""
    empty, scheme, iterations, salt, digest = line_hash.split("$")
    assert empty == "" and scheme == "pbkdf2-sha256"
    assert int(iterations) >= 100_000
    salt_bytes = b64decode_loose(salt)
    assert len(salt_bytes) >= 16
    expected = hashlib.pbkdf2_hmac("sha256", password, salt_bytes, int(iterations))
    return b64decode_loose(digest) == expected


def users_of(path):
    out = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            user, _, h = line.partition(":")
            out[user] = h
    return out


def test_adds_a_user_to_a_new_file_with_mode_0600(tmp_path):
    f = tmp_path / "users"
    code, out, err = passwd(f, "alice", stdin=b"wonderland\n")
    assert code == 0, err
    assert "added user 'alice'" in out
    assert stat.S_IMODE(os.stat(f).st_mode) == 0o600
    users = users_of(f)
    assert list(users) == ["alice"]
    assert check_hash(users["alice"], b"wonderland")
    assert not check_hash(users["alice"], b"wonderlanD")
    assert "wonderland" not in out + err


def test_replaces_a_user_keeping_comments_order_and_the_others(tmp_path):
    f = tmp_path / "users"
    assert passwd(f, "alice", stdin=b"one\n")[0] == 0
    assert passwd(f, "bob", stdin=b"two\n")[0] == 0
    f.write_text("# staff\n" + f.read_text() + "\n# end\n")
    old = users_of(f)
    code, out, err = passwd(f, "alice", stdin=b"three\n")
    assert code == 0, err
    assert "updated user 'alice'" in out
    lines = f.read_text().splitlines()
    assert lines[0] == "# staff" and lines[-1] == "# end"
    assert [line.split(":")[0] for line in lines[1:3]] == ["alice", "bob"]
    new = users_of(f)
    assert new["bob"] == old["bob"]
    assert check_hash(new["alice"], b"three")
    assert stat.S_IMODE(os.stat(f).st_mode) == 0o600


def test_delete_removes_the_user(tmp_path):
    f = tmp_path / "users"
    passwd(f, "alice", stdin=b"a\n")
    passwd(f, "bob", stdin=b"b\n")
    code, out, err = passwd(f, "alice", "--delete")
    assert code == 0, err
    assert "removed user 'alice'" in out
    assert list(users_of(f)) == ["bob"]


def test_delete_of_an_unknown_user_or_file_fails_with_1(tmp_path):
    f = tmp_path / "users"
    code, _, err = passwd(f, "alice", "--delete")
    assert code == 1 and "no such file" in err
    passwd(f, "bob", stdin=b"b\n")
    before = f.read_bytes()
    code, _, err = passwd(f, "alice", "--delete")
    assert code == 1 and "user 'alice' is not in" in err
    assert f.read_bytes() == before


def test_utf8_user_and_password_and_crlf_line_end(tmp_path):
    f = tmp_path / "users"
    code, _, err = passwd(f, "jörg", stdin="pässwörd\r\n".encode())
    assert code == 0, err
    assert check_hash(users_of(f)["jörg"], "pässwörd".encode())


@pytest.mark.parametrize("stdin,message", [
    (b"", "no password on standard input"),
    (b"\n", "empty password refused"),
    (b"\r\n", "empty password refused"),
    (b"tab\there\n", "control character"),
    (b"nul\x00here\n", "control character"),
    (b"x" * 2000 + b"\n", "longer than 1024 bytes"),
])
def test_bad_passwords_are_refused_with_2_and_nothing_written(tmp_path, stdin, message):
    f = tmp_path / "users"
    code, _, err = passwd(f, "alice", stdin=stdin)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1  # one line
    assert not f.exists()


@pytest.mark.parametrize("user,message", [
    ("a:b", "contains ':'"),
    ("#root", "starts with '#'"),
    (" alice", "starts or ends with a space"),
    ("x" * 256, "longer than 255 bytes"),
    ("bad\tname", "control character"),
])
def test_bad_user_names_are_refused_with_2(tmp_path, user, message):
    f = tmp_path / "users"
    code, _, err = passwd(f, user, stdin=b"pw\n")
    assert code == 2
    assert message in err
    assert not f.exists()


def test_non_utf8_user_name_is_refused_with_2(tmp_path):
    f = tmp_path / "users"
    r = subprocess.run([PORTICO.encode(), b"passwd", str(f).encode(), b"\xff\xfe"], input=b"pw\n",
                       capture_output=True, timeout=60, env=ENV)
    assert r.returncode == 2
    assert b"not valid UTF-8" in r.stderr
    assert not f.exists()


def test_a_file_with_a_plain_text_password_is_not_rewritten(tmp_path):
    f = tmp_path / "users"
    f.write_text("# old file\ncarol:hunter2\n")
    code, _, err = passwd(f, "alice", stdin=b"pw\n")
    assert code == 2
    assert err.strip().endswith(f"{f}:2: user 'carol': plain-text password refused; "
                                "store a hash made by 'portico passwd'")
    assert f.read_text() == "# old file\ncarol:hunter2\n"
    assert "hunter2" not in err


def test_usage_errors_exit_2(tmp_path):
    assert passwd()[0] == 2
    assert passwd(tmp_path / "users")[0] == 2
    code, _, err = passwd(tmp_path / "users", "alice", "--frobnicate", stdin=b"pw\n")
    assert code == 2 and err.count("\n") == 1
    assert not (tmp_path / "users").exists()


def test_no_temporary_files_are_left_behind(tmp_path):
    f = tmp_path / "users"
    for i in range(3):
        assert passwd(f, f"u{i}", stdin=b"pw\n")[0] == 0
    passwd(f, "u1", "--delete")
    assert sorted(os.listdir(tmp_path)) == ["users"]


def test_a_symlinked_file_stays_a_symlink(tmp_path):
    real = tmp_path / "real-users"
    link = tmp_path / "users"
    assert passwd(real, "alice", stdin=b"a\n")[0] == 0
    link.symlink_to(real)
    code, _, err = passwd(link, "bob", stdin=b"b\n")
    assert code == 0, err
    assert link.is_symlink()
    assert list(users_of(real)) == ["alice", "bob"]


def test_the_password_is_never_echoed(tmp_path):
    code, out, err = passwd(tmp_path / "users", "alice", stdin=b"S3cr3t-Value\n")
    assert code == 0
    assert "S3cr3t-Value" not in out + err


def test_concurrent_runs_lose_no_change(tmp_path):
    f = tmp_path / "users"
    procs = [subprocess.Popen([PORTICO, "passwd", str(f), f"user{i}"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
             for i in range(8)]
    for p in procs:
        p.stdin.write(b"pw\n")
        p.stdin.close()
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
        p.stderr.close()
    assert sorted(users_of(f)) == sorted(f"user{i}" for i in range(8))
    assert sorted(os.listdir(tmp_path)) == ["users"]
