"""Start the real daemon as a subprocess and talk to it over real sockets.

Readiness is the daemon's own "listening on ADDRESS" log lines (one per
socket), read from its stderr until a deadline; never a sleep.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import pwd
import re
import secrets
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jwt as pyjwt

TEST_USER = "srtest"  # unprivileged account the daemon drops to when tests run as root
LISTEN_RE = re.compile(r"listening on (\S+)")
IS_ROOT = os.geteuid() == 0


def ensure_test_user() -> pwd.struct_passwd:
    """The unprivileged user the daemon runs as (created when running as root)."""
    if not IS_ROOT:
        return pwd.getpwuid(os.getuid())
    try:
        return pwd.getpwnam(TEST_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--user-group",
                "--shell",
                "/usr/sbin/nologin",
                TEST_USER,
            ],
            check=True,
        )
        return pwd.getpwnam(TEST_USER)


def make_rundir(owner: pwd.struct_passwd) -> Path:
    """A directory the (dropped) daemon can create sockets in and read files from."""
    path = Path(tempfile.mkdtemp(prefix="slurmrestd-test-"))
    os.chmod(path, 0o755)
    if IS_ROOT:
        os.chown(path, owner.pw_uid, owner.pw_gid)
    return path


@dataclass
class Cluster:
    """slurm.conf + JWT key written for one test daemon."""

    dir: Path
    conf: Path
    key: bytes
    slurm_user: str

    def token(self, user: str, lifespan: int = 600, **claims: object) -> str:
        now = int(time.time())
        payload = {"iat": now, "exp": now + lifespan, "sun": user, **claims}
        return pyjwt.encode(payload, self.key, algorithm="HS256")


def write_cluster(
    rundir: Path, owner: pwd.struct_passwd, *, slurm_user: str = "root", extra: str = ""
) -> Cluster:
    key = secrets.token_bytes(32)
    key_path = rundir / "jwt_hs256.key"
    key_path.write_bytes(key)
    os.chmod(key_path, 0o600)
    if IS_ROOT:
        os.chown(key_path, owner.pw_uid, owner.pw_gid)
    conf = rundir / "slurm.conf"
    conf.write_text(
        f"ClusterName=testcluster\nSlurmUser={slurm_user}\n"
        f"AuthAltTypes=auth/jwt\nAuthAltParameters=jwt_key={key_path}\n{extra}"
    )
    os.chmod(conf, 0o644)
    return Cluster(rundir, conf, key, slurm_user)


def daemon_command(args: Sequence[str]) -> list[str]:
    return [sys.executable, "-m", "slurmrestd", *args]


def privilege_args(owner: pwd.struct_passwd) -> list[str]:
    """-u/-g so a root test run starts the daemon as the unprivileged test user."""
    return ["-u", owner.pw_name, "-g", str(owner.pw_gid)] if IS_ROOT else []


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM", "LISTEN_"))}
    env.update(extra)
    return env


@dataclass
class Daemon:
    proc: subprocess.Popen[bytes]
    addresses: list[str]
    stderr_lines: list[str] = field(default_factory=list)

    def tcp_port(self, family: str = "4") -> int:
        for address in self.addresses:
            if address.startswith("unix:"):
                continue
            if (family == "6") == address.startswith("["):
                return int(address.rsplit(":", 1)[1])
        raise AssertionError(f"no IPv{family} listener in {self.addresses}")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float = 15) -> int:
        rc = self.proc.wait(timeout)
        self._drain_stderr()
        return rc

    def _drain_stderr(self) -> None:
        if self.proc.stderr is not None:
            with contextlib.suppress(ValueError, OSError):
                rest = self.proc.stderr.read()
                if rest:
                    self.stderr_lines.extend(rest.decode(errors="replace").splitlines())

    @property
    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait(5)
        self._drain_stderr()
        return self.proc.returncode


def start_daemon(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    expect_listeners: int = 1,
    timeout: float = 20.0,
    pass_fds: Sequence[int] = (),
    preexec_fn: object = None,
) -> Daemon:
    """Start the daemon and wait until it reports `expect_listeners` listening sockets."""
    return start_command(
        daemon_command(args),
        env=env,
        expect_listeners=expect_listeners,
        timeout=timeout,
        pass_fds=pass_fds,
        preexec_fn=preexec_fn,
    )


def run_daemon(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    input: bytes = b"",
    timeout: float = 20.0,
) -> subprocess.CompletedProcess[bytes]:
    """Run the daemon to completion (inetd mode, -h, -V, list, fatal start-up)."""
    return subprocess.run(
        daemon_command(args),
        input=input,
        capture_output=True,
        timeout=timeout,
        env=dict(env) if env is not None else base_env(),
    )


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a UNIX socket."""

    def __init__(self, path: str, timeout: float = 10) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn.request(method, path, body=body, headers=dict(headers or {}))
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


def raw_exchange(address: tuple[str, int] | str, data: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes, read until the server closes (or timeout); return what came back."""
    family = (
        socket.AF_UNIX
        if isinstance(address, str)
        else (socket.AF_INET6 if ":" in address[0] else socket.AF_INET)
    )
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(address)
        sock.sendall(data)
        chunks = []
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks)


@contextlib.contextmanager
def daemon_running(args: Sequence[str], **kw: object) -> Iterator[Daemon]:
    daemon = start_daemon(args, **kw)  # type: ignore[arg-type]
    try:
        yield daemon
    finally:
        daemon.stop()


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------
# Helpers for the CLI / security / auth / signal end-to-end tests.


def ensure_user(name: str) -> pwd.struct_passwd:
    """Another unprivileged system user (root only; created idempotently)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        if not IS_ROOT:
            raise
    subprocess.run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--user-group",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(name)


_STDERR_PARTIAL: dict[int, bytes] = {}


def wait_for_stderr(daemon: Daemon, pattern: str, timeout: float = 10.0) -> re.Match[str]:
    """Read the running daemon's stderr until a line matches `pattern` (regex) or time is up.

    Lines already collected count too. Raises AssertionError on timeout or exit.
    """
    regex = re.compile(pattern)
    for line in daemon.stderr_lines:
        match = regex.search(line)
        if match:
            return match
    assert daemon.proc.stderr is not None
    fd = daemon.proc.stderr.fileno()
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no stderr line matching {pattern!r}:\n{daemon.stderr}")
            if not selector.select(remaining):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(
                    f"daemon closed stderr before logging {pattern!r}:\n{daemon.stderr}"
                )
            buffer = _STDERR_PARTIAL.pop(daemon.proc.pid, b"") + chunk
            *lines, rest = buffer.split(b"\n")
            if rest:
                _STDERR_PARTIAL[daemon.proc.pid] = rest
            found = None
            for raw in lines:
                text = raw.decode(errors="replace")
                daemon.stderr_lines.append(text)
                found = found or regex.search(text)
            if found:
                return found


_CLIENT_SCRIPT = r"""
import http.client, json, socket, sys
path, method, url, headers = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
class C(http.client.HTTPConnection):
    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(path)
        self.sock = s
c = C("localhost", timeout=10)
c.request(method, url, headers=headers)
r = c.getresponse()
body = r.read()
json.dump({"status": r.status, "body": body.decode("utf-8", "replace")}, sys.stdout)
"""


def unix_request_as(
    path: str,
    user: pwd.struct_passwd | None,
    method: str,
    url: str,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, bytes]:
    """One HTTP request over a UNIX socket from a child process running as `user`.

    `user=None` runs the client as the test process itself. Only root can
    switch users; the child gets the user's primary group and no others.
    """
    import json

    kwargs: dict[str, object] = {}
    if user is not None and (user.pw_uid != os.getuid() or user.pw_gid != os.getgid()):
        kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    proc = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            _CLIENT_SCRIPT,
            path,
            method,
            url,
            json.dumps(dict(headers or {})),
        ],
        capture_output=True,
        timeout=20,
        cwd="/",
        **kwargs,  # type: ignore[arg-type]
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    answer = json.loads(proc.stdout)
    return answer["status"], answer["body"].encode()


# --------------------------------------------------------------------------
# Helpers for the listen-mode, inetd and HTTP robustness tests (appended).


def start_command(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    expect_listeners: int = 1,
    timeout: float = 20.0,
    pass_fds: Sequence[int] = (),
    preexec_fn: object = None,
) -> Daemon:
    """As start_daemon, for a command that execs the daemon (e.g. through `sh -c`)."""
    proc = subprocess.Popen(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else base_env(),
        pass_fds=tuple(pass_fds),
        preexec_fn=preexec_fn,  # type: ignore[arg-type]
    )
    daemon = Daemon(proc, [])
    try:
        wait_listening(daemon, expect_listeners, timeout)
    except BaseException:
        proc.kill()
        proc.wait(5)
        raise
    return daemon


def wait_listening(daemon: Daemon, expect_listeners: int, timeout: float) -> None:
    """Read the daemon's stderr until it reports `expect_listeners` listening sockets."""
    proc = daemon.proc
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stderr, selectors.EVENT_READ)
        while len(daemon.addresses) < expect_listeners:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"daemon not ready in {timeout}s:\n{daemon.stderr}")
            if not selector.select(remaining):
                continue
            chunk = os.read(proc.stderr.fileno(), 65536)
            if not chunk:
                proc.wait(5)
                raise AssertionError(
                    f"daemon exited with {proc.returncode} before listening:\n"
                    f"{daemon.stderr}\n{buffer.decode(errors='replace')}"
                )
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                text = line.decode(errors="replace")
                daemon.stderr_lines.append(text)
                match = LISTEN_RE.search(text)
                if match:
                    daemon.addresses.append(match.group(1))


def has_ipv6_loopback() -> bool:
    """Whether ::1 can be bound here (containers often have no IPv6)."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def connect(address: tuple[str, int] | str, timeout: float = 10) -> socket.socket:
    """A connected client socket to a TCP (host, port) or UNIX path address."""
    if isinstance(address, str):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    else:
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    return sock


@dataclass
class Exchange:
    """What came back on one connection, and whether the server closed it."""

    data: bytes
    closed: bool  # the server closed (EOF or reset) before the deadline
    reset: bool = False


def read_until_close(sock: socket.socket, timeout: float) -> Exchange:
    """Read until the peer closes or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Exchange(b"".join(chunks), closed=False)
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(1 << 20)
        except TimeoutError:
            return Exchange(b"".join(chunks), closed=False)
        except ConnectionResetError:
            return Exchange(b"".join(chunks), closed=True, reset=True)
        if not chunk:
            return Exchange(b"".join(chunks), closed=True)
        chunks.append(chunk)


def exchange(address: tuple[str, int] | str, data: bytes, timeout: float = 10) -> Exchange:
    """Send raw bytes (the server may stop reading early), read until close or timeout."""
    with connect(address, timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
        return read_until_close(sock, timeout)


@dataclass
class RawResponse:
    version: str
    status: int
    headers: dict[str, str]  # lower-case names; last value wins
    body: bytes


def parse_responses(data: bytes, methods: Sequence[str] = ()) -> tuple[list[RawResponse], bytes]:
    """Split a byte stream into complete HTTP/1.x responses; return them and the rest.

    `methods` are the request methods in order (a HEAD answer has no body).
    """
    responses: list[RawResponse] = []
    rest = data
    while True:
        head, sep, after = rest.partition(b"\r\n\r\n")
        if not sep:
            return responses, rest
        lines = head.decode("latin-1").split("\r\n")
        version, _, status_text = lines[0].partition(" ")
        status = int(status_text.split(" ", 1)[0])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        method = methods[len(responses)] if len(responses) < len(methods) else "GET"
        length = 0
        if status >= 200 and status not in (204, 304) and method != "HEAD":
            length = int(headers.get("content-length", "0"))
        if len(after) < length:
            return responses, rest
        responses.append(RawResponse(version, status, headers, after[:length]))
        rest = after[length:]


def read_responses(sock: socket.socket, count: int, timeout: float = 10) -> list[RawResponse]:
    """Read exactly `count` final (non-1xx) responses off a kept-alive connection."""
    deadline = time.monotonic() + timeout
    buffer = b""
    while True:
        responses, _ = parse_responses(buffer)
        final = [r for r in responses if r.status >= 200]
        if len(final) >= count:
            return final[:count]
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{len(final)}/{count} responses in {timeout}s: {buffer[:300]!r}")
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(1 << 20)
        except TimeoutError:
            continue
        if not chunk:
            raise AssertionError(f"closed after {len(final)}/{count} responses: {buffer[:300]!r}")
        buffer += chunk


def get_request(path: str, token: str | None = None, *extra: str, version: str = "1.1") -> bytes:
    """Bytes of a GET request; `extra` are whole header lines without CRLF."""
    lines = [f"GET {path} HTTP/{version}", "Host: localhost"]
    if token is not None:
        lines.append(f"X-SLURM-USER-TOKEN: {token}")
    lines.extend(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def ping_status(address: tuple[str, int] | str, token: str | None, timeout: float = 10) -> int:
    """Status of one `GET /slurm/v0.0.38/ping` with Connection: close (0 if no answer)."""
    got = exchange(address, get_request("/slurm/v0.0.38/ping", token, "Connection: close"), timeout)
    responses, _ = parse_responses(got.data)
    return responses[0].status if responses else 0
