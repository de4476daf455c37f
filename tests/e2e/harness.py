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
    proc = subprocess.Popen(
        daemon_command(args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env) if env is not None else base_env(),
        pass_fds=tuple(pass_fds),
        preexec_fn=preexec_fn,  # type: ignore[arg-type]
    )
    daemon = Daemon(proc, [])
    assert proc.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buffer = b""
    try:
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
            *lines, rest = buffer.split(b"\n")
            buffer = rest
            for line in lines:
                text = line.decode(errors="replace")
                daemon.stderr_lines.append(text)
                match = LISTEN_RE.search(text)
                if match:
                    daemon.addresses.append(match.group(1))
    except BaseException:
        proc.kill()
        proc.wait(5)
        raise
    finally:
        selector.close()
    return daemon


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
