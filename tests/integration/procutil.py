"""Process helpers for integration tests: start a server, find its address, stop it, check it.

Generic on purpose (any binary that announces its address on a line such as
"listening on 127.0.0.1:PORT"): the output streams go to temporary files, the process is
stopped by PID only, and on close it must exit with the expected status and with no
sanitizer report in its stderr.

    with ManagedProcess([binary, "--listen", "127.0.0.1:0"]) as server:
        host, port = server.address
        baseline = server.fd_count()
        ...
    # leaving the block: SIGTERM, exit status 0, no sanitizer text, temp files removed
"""
import os
import re
import resource
import signal
import subprocess
import tempfile
import time

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "AddressSanitizer:DEADLYSIGNAL",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "ThreadSanitizer",
)

DEFAULT_LISTEN_PATTERN = r"listening on (?:[a-z]+://)?(\S+?)/?$"


def sanitizer_env(env=None):
    """The environment for a child: the caller's plus settings that make sanitizers fatal."""
    full = dict(os.environ)
    full.setdefault("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1:abort_on_error=0")
    full.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    if env:
        full.update(env)
    return full


def nofile_limit(n):
    """A preexec_fn that lowers the child's open-file limit (like `ulimit -n n`)."""

    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))

    return apply


def raise_nofile_limit(wanted):
    """Raises this process's soft open-file limit towards wanted (bounded by the hard limit).

    Returns the new soft limit. Tests with many client sockets call it first."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def parse_host_port(text):
    """'127.0.0.1:80' or '[::1]:80' -> (host, port)."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def wait_until(predicate, timeout, interval=0.02, message="condition"):
    """Polls predicate until it returns a truthy value (returned) or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {message}")
        time.sleep(interval)


class ManagedProcess:
    """A child process with stdout and stderr captured to files.

    args: the command line. listen_pattern: a regex whose group 1 is HOST:PORT, searched
    line by line in listen_stream ("stdout", "stderr" or "any"); None skips waiting.
    preexec_fn: e.g. nofile_limit(64). env: added to the sanitizer-friendly environment.
    """

    def __init__(self, args, *, cwd=None, env=None, preexec_fn=None,
                 listen_pattern=DEFAULT_LISTEN_PATTERN, listen_stream="stdout",
                 start_timeout=20.0):
        self.args = [str(a) for a in args]
        self._out = tempfile.NamedTemporaryFile(prefix="proc-stdout-", delete=False)
        self._err = tempfile.NamedTemporaryFile(prefix="proc-stderr-", delete=False)
        self.proc = subprocess.Popen(self.args, cwd=cwd, env=sanitizer_env(env),
                                     stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=self._err, preexec_fn=preexec_fn)
        self.address = None
        self._closed = False
        if listen_pattern is not None:
            match = self.wait_for(listen_pattern, stream=listen_stream, timeout=start_timeout)
            self.address = parse_host_port(match.group(1))

    # --- output --------------------------------------------------------------------------
    @property
    def pid(self):
        return self.proc.pid

    def stdout(self):
        return self._read(self._out.name)

    def stderr(self):
        return self._read(self._err.name)

    @staticmethod
    def _read(path):
        with open(path, "r", errors="replace") as f:
            return f.read()

    def wait_for(self, pattern, stream="stdout", timeout=20.0):
        """Waits for a line matching pattern in the given stream; returns the match."""
        regex = re.compile(pattern, re.MULTILINE)
        deadline = time.monotonic() + timeout
        while True:
            texts = {"stdout": self.stdout, "stderr": self.stderr}
            streams = texts.keys() if stream == "any" else [stream]
            for name in streams:
                match = regex.search(texts[name]())
                if match:
                    return match
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"{self.args[0]} exited with {self.proc.returncode} before printing "
                    f"{pattern!r}\nstdout:\n{self.stdout()[-2000:]}\nstderr:\n{self.stderr()[-4000:]}")
            if time.monotonic() >= deadline:
                raise AssertionError(f"{self.args[0]} did not print {pattern!r} within {timeout}s"
                                     f"\nstderr:\n{self.stderr()[-4000:]}")
            time.sleep(0.02)

    def sanitizer_report(self):
        """The stderr text if it contains a sanitizer report, else None."""
        text = self.stderr()
        return text if any(m in text for m in SANITIZER_MARKERS) else None

    def assert_no_sanitizer_report(self):
        report = self.sanitizer_report()
        assert report is None, f"sanitizer report in {self.args[0]} stderr:\n{report[-8000:]}"

    # --- resources -----------------------------------------------------------------------
    def alive(self):
        return self.proc.poll() is None

    def fds(self):
        """The targets of the process's open file descriptors ("socket:[123]", paths, ...)."""
        base = f"/proc/{self.pid}/fd"
        targets = []
        for name in os.listdir(base):
            try:
                targets.append(os.readlink(os.path.join(base, name)))
            except FileNotFoundError:
                pass  # closed while listing
        return targets

    def fd_count(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def wait_fd_count(self, expected, timeout=20.0):
        """Waits until the fd count equals expected (connections close asynchronously)."""
        try:
            wait_until(lambda: self.fd_count() == expected, timeout,
                       message=f"fd count {expected}")
        except AssertionError:
            raise AssertionError(f"fd count is {self.fd_count()}, expected {expected}; "
                                 f"open: {sorted(self.fds())}") from None

    # --- stopping ------------------------------------------------------------------------
    def stop(self, sig=signal.SIGTERM, timeout=30.0):
        """Sends sig to the process (by PID) and waits; returns the exit status.

        If it does not exit within timeout it is killed and AssertionError is raised."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"{self.args[0]} did not exit within {timeout}s of "
                                     f"{signal.Signals(sig).name}\nstderr:\n{self.stderr()[-4000:]}")
        return self.proc.returncode

    def close(self, expect_status=0, sig=signal.SIGTERM):
        """Stops the process and asserts a clean exit: the expected status, no sanitizer text.

        Idempotent. Temporary files are removed once the checks pass (kept for inspection when
        they fail; their paths are in the message)."""
        if self._closed:
            return
        self._closed = True
        status = self.stop(sig)
        self.assert_no_sanitizer_report()
        assert status == expect_status, (
            f"{self.args[0]} exited with {status}, expected {expect_status}\n"
            f"stderr ({self._err.name}):\n{self.stderr()[-4000:]}")
        for f in (self._out, self._err):
            f.close()
            os.unlink(f.name)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            # The test already failed: still stop the process, but let the original error show.
            try:
                self.stop(timeout=10.0)
            except AssertionError:
                pass
        return False
