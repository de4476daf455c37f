"""SIGTERM/SIGINT stop, SIGPIPE, and SIGHUP reload of the real daemon."""

from __future__ import annotations

import errno
import http.client
import json
import os
import secrets
import signal
import socket
import struct
import time
from collections.abc import Iterator

import jwt as pyjwt
import pytest

from e2e import harness

PING = "/slurm/v0.0.46/ping"
TCP = ["127.0.0.1:0"]
SIGPIPE_BIT = 1 << (signal.SIGPIPE - 1)


@pytest.fixture
def served(cluster, daemon_user, rundir) -> Iterator[tuple[harness.Daemon, str]]:
    """A daemon on a UNIX socket and TCP; yields (daemon, socket path)."""
    path = str(rundir / "sig.sock")
    d = harness.start_daemon(
        [*harness.privilege_args(daemon_user), "-f", str(cluster.conf), f"unix:{path}", *TCP],
        expect_listeners=2,
    )
    try:
        yield d, path
    finally:
        d.stop()


def unix_ping(path: str) -> int:
    conn = harness.UnixHTTPConnection(path)
    try:
        status, _, _ = harness.request(conn, "GET", PING)
    finally:
        conn.close()
    return status


def tcp_status(d: harness.Daemon, token: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", d.tcp_port(), timeout=10)
    try:
        status, _, body = harness.request(conn, "GET", PING, headers={"X-SLURM-USER-TOKEN": token})
    finally:
        conn.close()
    return status, body


def token_with(key: bytes, user: str = "root") -> str:
    now = int(time.time())
    return pyjwt.encode({"iat": now, "exp": now + 600, "sun": user}, key, algorithm="HS256")


def wait_exit(d: harness.Daemon, limit: float) -> tuple[int, float]:
    start = time.monotonic()
    rc = d.wait(limit)
    return rc, time.monotonic() - start


def connect_refused(address: str | tuple[str, int]) -> bool:
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        try:
            sock.connect(address)
        except OSError as exc:
            return exc.errno in (errno.ECONNREFUSED, errno.ENOENT)
    return False


def poll(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")


# ----------------------------------------------------------------- SIGTERM / SIGINT


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_signal_exits_0_and_removes_socket(signum, served):
    d, path = served
    assert unix_ping(path) == 200
    assert os.path.exists(path)
    d.signal(signum)
    rc, took = wait_exit(d, 5)
    assert rc == 0, d.stderr
    assert took < 5
    assert not os.path.exists(path), "unix socket file left behind"
    assert f"caught {signal.Signals(signum).name}" in d.stderr


def test_request_in_flight_is_answered_after_sigterm(served, cluster):
    """A slow client whose answer is still being sent at SIGTERM gets all of it."""
    d, path = served
    port = d.tcp_port()
    token = cluster.token("root")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as slow:
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a slow reader
        slow.settimeout(10)
        slow.connect(("127.0.0.1", port))
        # A keep-alive connection that has been served once ...
        slow.sendall(
            f"GET {PING} HTTP/1.1\r\nHost: x\r\nX-SLURM-USER-TOKEN: {token}\r\n\r\n".encode()
        )
        assert read_response(slow).startswith(b"HTTP/1.1 200")
        # ... asks for the (megabytes large) OpenAPI document and reads only its start.
        slow.sendall(
            f"GET /openapi/v3 HTTP/1.1\r\nHost: x\r\nX-SLURM-USER-TOKEN: {token}\r\n\r\n".encode()
        )
        start = slow.recv(1024)
        assert start.startswith(b"HTTP/1.1 200"), start
        d.signal(signal.SIGTERM)
        harness.wait_for_stderr(d, r"caught SIGTERM")
        # New connections are refused from now on (listeners closed), on TCP and UNIX.
        poll(lambda: connect_refused(("127.0.0.1", port)), 5, "TCP listener to close")
        poll(lambda: connect_refused(path), 5, "UNIX listener to close")
        assert d.proc.poll() is None, "daemon exited with an answer still being sent"
        answer = read_response(slow, start)
        _, _, body = answer.partition(b"\r\n\r\n")
        assert json.loads(body)["paths"], "truncated OpenAPI document"
        assert len(body) > 100_000
        # That was the last answer on this connection: the daemon closes it.
        assert slow.recv(65536) == b""
    rc, _ = wait_exit(d, 5)
    assert rc == 0, d.stderr
    assert not os.path.exists(path)


def test_request_being_received_at_sigterm_is_answered(served, cluster):
    """A request whose head arrived (and got "100 Continue") before SIGTERM is finished."""
    d, _ = served
    token = cluster.token("root")
    with socket.create_connection(("127.0.0.1", d.tcp_port()), timeout=10) as busy:
        busy.sendall(
            f"GET {PING} HTTP/1.1\r\nHost: x\r\nX-SLURM-USER-TOKEN: {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\n"
            "Expect: 100-continue\r\n\r\n".encode()
        )
        # From "100 Continue" on the daemon is provably in the middle of reading the request.
        interim = read_response(busy)
        assert interim.startswith(b"HTTP/1.1 100"), interim
        d.signal(signal.SIGTERM)
        harness.wait_for_stderr(d, r"caught SIGTERM")
        busy.sendall(b"{}")
        answer = read_response(busy)
        assert answer.startswith(b"HTTP/1.1 200"), answer
        assert b'"pings"' in answer
    rc, _ = wait_exit(d, 5)
    assert rc == 0, d.stderr


def read_response(sock: socket.socket, data: bytes = b"") -> bytes:
    """One response (head + Content-Length body) from a raw socket; `data` = bytes already read."""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed mid-response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed mid-body after {len(body)} of {length} bytes"
        body += chunk
    assert len(body) == length, "unexpected extra bytes after the response"
    return head + b"\r\n\r\n" + body


# ----------------------------------------------------------------- SIGPIPE


def test_sigpipe_is_ignored(served, cluster):
    d, path = served
    with open(f"/proc/{d.proc.pid}/status", encoding="ascii") as status:
        ignored = next(int(line.split()[1], 16) for line in status if line.startswith("SigIgn:"))
    assert ignored & SIGPIPE_BIT, f"SIGPIPE not ignored (SigIgn={ignored:x})"
    # /openapi/v3 is a large answer (MBs): the daemon is still writing when the peer is gone.
    request = (
        f"GET /openapi/v3 HTTP/1.1\r\nHost: x\r\nX-SLURM-USER-TOKEN: {cluster.token('root')}"
        "\r\n\r\n"
    ).encode()
    port = d.tcp_port()
    for i in range(100):
        if i % 2:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
        else:
            sock = socket.create_connection(("127.0.0.1", port))
            # RST on close: the daemon's write fails at once
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(request)
        sock.close()
    # A direct SIGPIPE is ignored as well.
    d.signal(signal.SIGPIPE)
    assert unix_ping(path) == 200
    assert d.proc.poll() is None, d.stderr


# ----------------------------------------------------------------- SIGHUP


def _write_key(path, key: bytes, mode: int = 0o600) -> None:
    # Rewrite in place: owner (the daemon's user) and path stay the same.
    with open(path, "wb") as f:
        f.write(key)
    os.chmod(path, mode)


def test_sighup_reloads_rotated_key(served, cluster):
    d, _ = served
    key_a, key_b = cluster.key, secrets.token_bytes(32)
    token_a, token_b = token_with(key_a), token_with(key_b)
    assert tcp_status(d, token_a)[0] == 200
    assert tcp_status(d, token_b)[0] == 401

    kept = http.client.HTTPConnection("127.0.0.1", d.tcp_port(), timeout=10)
    try:
        status, _, body = harness.request(
            kept, "GET", PING, headers={"X-SLURM-USER-TOKEN": token_a}
        )
        assert status == 200, body
        _write_key(cluster.dir / "jwt_hs256.key", key_b)
        d.signal(signal.SIGHUP)
        poll(lambda: tcp_status(d, token_b)[0] == 200, 10, "key B to be accepted")
        status, body = tcp_status(d, token_a)
        assert status == 401, body
        assert b"signature" in body
        harness.wait_for_stderr(d, r"configuration reloaded")
        # The connection opened before SIGHUP still works, with the new key.
        status, _, body = harness.request(
            kept, "GET", PING, headers={"X-SLURM-USER-TOKEN": token_b}
        )
        assert status == 200, body
    finally:
        kept.close()
    assert d.proc.poll() is None


def test_sighup_with_broken_key_keeps_the_old_one(served, cluster):
    d, path = served
    token_a = token_with(cluster.key)
    key_b = secrets.token_bytes(32)
    _write_key(cluster.dir / "jwt_hs256.key", key_b, mode=0o666)
    d.signal(signal.SIGHUP)
    harness.wait_for_stderr(d, r"reload failed.*insecure")
    status, body = tcp_status(d, token_a)
    assert status == 200, body
    assert tcp_status(d, token_with(key_b))[0] == 401
    assert unix_ping(path) == 200
    # Fixing the file and reloading again takes the new key.
    os.chmod(cluster.dir / "jwt_hs256.key", 0o600)
    d.signal(signal.SIGHUP)
    poll(lambda: tcp_status(d, token_with(key_b))[0] == 200, 10, "fixed key B to be accepted")
    assert d.proc.poll() is None


def test_sighup_while_idle_then_sigterm(served):
    d, path = served
    d.signal(signal.SIGHUP)
    harness.wait_for_stderr(d, r"configuration reloaded")
    assert unix_ping(path) == 200
    d.signal(signal.SIGTERM)
    rc, _ = wait_exit(d, 5)
    assert rc == 0
    assert not os.path.exists(path)
