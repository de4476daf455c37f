"""Inetd mode: no listen address, one HTTP connection on stdin/stdout.

Pipes are owned by the process that creates them (fstat reports the creator's
uid, mode 0600), and rest_auth/local accepts pipes and files owned by the
daemon's uid that grant nothing to "other". As root the test creates the pipes,
so the simplest accepted case is a daemon that stays root, which needs
SLURMRESTD_SECURITY=disable_user_check; the -u/-g case creates its pipes with
the daemon user as effective uid.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml

from e2e import harness

PING = "/slurm/v0.0.38/ping"
# A daemon that hangs after answering costs this much; enough for a slow CI box.
INETD_TIMEOUT = 8.0


@dataclass
class InetdRun:
    returncode: int | None  # None: still running at the deadline (killed)
    stdout: bytes
    stderr: str

    def responses(self, methods: tuple[str, ...] = ()) -> list[harness.RawResponse]:
        responses, rest = harness.parse_responses(self.stdout, methods)
        assert rest == b"", f"trailing bytes after the responses: {rest[:200]!r}"
        return responses


def _env(**extra: str) -> dict[str, str]:
    """Root may only stay root (so that root-owned pipes match) with disable_user_check."""
    if harness.IS_ROOT:
        extra.setdefault("SLURMRESTD_SECURITY", "disable_user_check")
    return harness.base_env(**extra)


def _args(cluster, *extra: str) -> list[str]:
    return ["-f", str(cluster.conf), *extra]


def _finish(proc: subprocess.Popen[bytes], data: bytes | None, timeout: float) -> InetdRun:
    try:
        out, err = proc.communicate(data, timeout=timeout)
        returncode: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        returncode = None
    return InetdRun(returncode, out or b"", (err or b"").decode(errors="replace"))


def run_inetd(
    args: list[str], data: bytes, *, env: dict[str, str] | None = None, **popen: object
) -> InetdRun:
    """Run the daemon on pipes (or the given stdin/stdout), feeding `data` when piped."""
    stdin = popen.pop("stdin", subprocess.PIPE)
    stdout = popen.pop("stdout", subprocess.PIPE)
    proc = subprocess.Popen(
        harness.daemon_command(args),
        stdin=stdin,  # type: ignore[arg-type]
        stdout=stdout,  # type: ignore[arg-type]
        stderr=subprocess.PIPE,
        env=env if env is not None else _env(),
        **popen,  # type: ignore[arg-type]
    )
    return _finish(proc, data if stdin is subprocess.PIPE else None, INETD_TIMEOUT)


def _request(path: str, *headers: str) -> bytes:
    return harness.get_request(path, None, *headers)


@pytest.mark.parametrize("path", ["/openapi/v3", PING])
def test_one_request_answered_then_exit_zero(cluster, path):
    """`printf 'GET /openapi/v3 HTTP/1.1\\r\\n\\r\\n' | slurmrestd -a rest_auth/local`."""
    run = run_inetd(
        _args(cluster, "-a", "rest_auth/local"), f"GET {path} HTTP/1.1\r\n\r\n".encode()
    )
    assert run.returncode == 0, f"exit status {run.returncode} (None = hung)\n{run.stderr}"
    [response] = run.responses()
    assert response.status == 200, response.body[:300]
    assert response.headers["content-type"] == "application/json"
    document = json.loads(response.body)
    assert ("openapi" in document) if path.startswith("/openapi") else ("pings" in document)


def test_two_pipelined_requests_answered_in_order(cluster):
    data = _request(PING, "Accept: application/json") + _request(
        PING, "Accept: application/x-yaml", "Connection: close"
    )
    run = run_inetd(_args(cluster, "-a", "rest_auth/local"), data)
    assert run.returncode == 0, f"exit status {run.returncode} (None = hung)\n{run.stderr}"
    first, second = run.responses()
    assert (first.status, second.status) == (200, 200)
    assert first.headers["content-type"] == "application/json"
    assert "pings" in json.loads(first.body)
    assert second.headers["content-type"] == "application/x-yaml"
    assert "pings" in yaml.safe_load(second.body)


@pytest.mark.parametrize(
    "data",
    [b"garbage\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x16\x03\x01\x00\xff" + bytes(range(64))],
    ids=["garbage", "bad-version", "binary"],
)
def test_malformed_input_answers_400_and_exits_non_zero(cluster, data):
    run = run_inetd(_args(cluster, "-a", "rest_auth/local"), data)
    assert run.returncode not in (None, 0), f"exit status {run.returncode}\n{run.stderr}"
    [response] = run.responses()
    assert response.status == 400


def test_valid_request_then_garbage_answers_both_and_exits_non_zero(cluster):
    data = _request(PING) + b"garbage\r\n\r\n"
    run = run_inetd(_args(cluster, "-a", "rest_auth/local"), data)
    assert run.returncode not in (None, 0), f"exit status {run.returncode}\n{run.stderr}"
    assert [r.status for r in run.responses()] == [200, 400]


@pytest.mark.parametrize(
    ("mode", "status"),
    [(0o600, 200), (0o604, 401), (0o602, 401), (0o4600, 401)],
    ids=["0600", "other-read", "other-write", "setuid"],
)
def test_stdin_file_permissions_for_local_auth(cluster, rundir, mode, status):
    request = rundir / "request.http"
    request.write_bytes(_request(PING, "Connection: close"))
    os.chmod(request, mode)
    with open(request, "rb") as stdin:
        run = run_inetd(_args(cluster, "-a", "rest_auth/local"), b"", stdin=stdin)
    [response] = run.responses()
    assert response.status == status, response.body
    if status == 401:
        assert response.body.startswith(b"Authentication failure")
    assert run.returncode is not None, "daemon hung"


def test_pipe_with_other_permissions_is_refused(cluster):
    read_end, write_end = os.pipe()
    try:
        st = os.fstat(read_end)
        assert stat.S_ISFIFO(st.st_mode) and st.st_uid == os.geteuid()
        assert stat.S_IMODE(st.st_mode) == 0o600
        os.fchmod(read_end, 0o666)  # both ends share the pipe inode
        os.write(write_end, _request(PING, "Connection: close"))
        os.close(write_end)
        write_end = -1
        run = run_inetd(_args(cluster, "-a", "rest_auth/local"), b"", stdin=read_end)
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    [response] = run.responses()
    assert response.status == 401
    assert b"other" in response.body


@contextlib.contextmanager
def _effective_user(owner) -> Iterator[None]:
    """Create files/pipes as `owner` (root only): the kernel records the fsuid."""
    os.setegid(owner.pw_gid)
    os.seteuid(owner.pw_uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def _pipes(owner=None) -> tuple[int, int, int, int]:
    with _effective_user(owner) if owner is not None else contextlib.nullcontext():
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
    return in_r, in_w, out_r, out_w


def _run_on_pipes(args: list[str], data: bytes, pipes, env) -> InetdRun:
    in_r, in_w, out_r, out_w = pipes
    try:
        proc = subprocess.Popen(
            harness.daemon_command(args), stdin=in_r, stdout=out_w, stderr=subprocess.PIPE, env=env
        )
        os.close(in_r)
        os.close(out_w)
        in_r = out_w = -1
        with os.fdopen(in_w, "wb") as writer:
            in_w = -1
            writer.write(data)
        with os.fdopen(out_r, "rb") as reader:
            out_r = -1
            out = reader.read()  # until the daemon closes stdout (exits)
        run = _finish(proc, None, INETD_TIMEOUT)
        run.stdout = out
        return run
    finally:
        for fd in (in_r, in_w, out_r, out_w):
            if fd >= 0:
                os.close(fd)


@pytest.mark.skipif(not harness.IS_ROOT, reason="-u/-g needs root")
def test_dropped_privileges_pipes_owned_by_daemon_user(cluster, daemon_user):
    pipes = _pipes(daemon_user)
    assert os.fstat(pipes[0]).st_uid == daemon_user.pw_uid
    args = [*harness.privilege_args(daemon_user), *_args(cluster, "-a", "rest_auth/local")]
    run = _run_on_pipes(args, _request(PING, "Connection: close"), pipes, harness.base_env())
    assert run.returncode == 0, run.stderr
    [response] = run.responses()
    assert response.status == 200, response.body


@pytest.mark.skipif(not harness.IS_ROOT, reason="-u/-g needs root")
def test_dropped_privileges_pipes_owned_by_root_are_refused(cluster, daemon_user):
    args = [*harness.privilege_args(daemon_user), *_args(cluster, "-a", "rest_auth/local")]
    run = run_inetd(args, _request(PING, "Connection: close"), env=harness.base_env())
    [response] = run.responses()
    assert response.status == 401
    assert b"owned by uid 0" in response.body


def test_socketpair_on_stdin_and_stdout(cluster):
    ours, theirs = socket.socketpair()
    with ours:
        proc = subprocess.Popen(
            harness.daemon_command(_args(cluster, "-a", "rest_auth/local")),
            stdin=theirs,
            stdout=theirs,
            stderr=subprocess.PIPE,
            env=_env(),
        )
        theirs.close()
        try:
            ours.sendall(_request(PING, "Accept: application/json"))
            [first] = harness.read_responses(ours, 1)
            assert first.status == 200 and "pings" in json.loads(first.body)
            # Keep-alive on the inetd socket: a second request on the same connection.
            ours.sendall(_request(PING, "Accept: text/yaml"))
            [second] = harness.read_responses(ours, 1)
            assert second.status == 200
            assert second.headers["content-type"] == "text/yaml"
        except BaseException:
            proc.kill()
            raise
        ours.close()  # the client hangs up: the daemon's one connection is over
        run = _finish(proc, None, INETD_TIMEOUT)
    assert run.returncode == 0, f"exit status {run.returncode} (None = hung)\n{run.stderr}"


def test_stdin_and_stdout_different_sockets_is_fatal(cluster):
    in_ours, in_theirs = socket.socketpair()
    out_ours, out_theirs = socket.socketpair()
    with in_ours, in_theirs, out_ours, out_theirs:
        run = run_inetd(
            _args(cluster, "-a", "rest_auth/local"), b"", stdin=in_theirs, stdout=out_theirs
        )
    assert run.returncode == 1, run.stderr
    assert "STDIN and STDOUT must be same socket" in run.stderr


def test_thread_count_is_accepted_and_ignored(cluster):
    args = _args(cluster, "-a", "rest_auth/local", "-t", "5")
    run = run_inetd(args, _request(PING, "Connection: close"))
    assert run.returncode == 0, run.stderr
    assert [r.status for r in run.responses()] == [200]


def test_jwt_auth_in_inetd_mode(cluster):
    token = cluster.token("root")
    args = _args(cluster, "-a", "rest_auth/jwt")
    good = run_inetd(args, harness.get_request(PING, token, "Connection: close"))
    assert good.returncode == 0, good.stderr
    [response] = good.responses()
    assert response.status == 200, response.body
    assert "pings" in json.loads(response.body)
    # Only jwt loaded: the pipe's ownership does not authenticate anyone.
    anonymous = run_inetd(args, _request(PING, "Connection: close"))
    [refused] = anonymous.responses()
    assert refused.status == 401


def _popen_piped(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        harness.daemon_command(args),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )


def _read_response(proc: subprocess.Popen[bytes]) -> harness.RawResponse:
    """One response off the daemon's stdout pipe (select with a deadline)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + INETD_TIMEOUT
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while True:
            responses, _ = harness.parse_responses(buffer)
            if responses:
                return responses[0]
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no response in {INETD_TIMEOUT}s: {buffer[:200]!r}"
            if selector.select(remaining):
                chunk = os.read(proc.stdout.fileno(), 65536)
                assert chunk, f"stdout closed before a response: {buffer[:200]!r}"
                buffer += chunk


def test_idle_timeout_ends_inetd_connection(cluster):
    """stdin stays open after a keep-alive answer: --idle-timeout ends the one connection."""
    proc = _popen_piped(_args(cluster, "-a", "rest_auth/local", "--idle-timeout", "1"))
    assert proc.stdin is not None
    try:
        proc.stdin.write(_request(PING))
        proc.stdin.flush()
        assert _read_response(proc).status == 200
        answered = time.monotonic()
        returncode = proc.wait(INETD_TIMEOUT)
        idle = time.monotonic() - answered
    finally:
        if proc.poll() is None:
            proc.kill()
        run = _finish(proc, None, INETD_TIMEOUT)
    assert returncode == 0, run.stderr
    assert 0.8 <= idle < 5, idle


def test_read_timeout_in_inetd_mode(cluster):
    proc = _popen_piped(_args(cluster, "-a", "rest_auth/local", "--read-timeout", "1"))
    assert proc.stdin is not None
    try:
        proc.stdin.write(f"GET {PING} HTTP/1.1\r\nX-Stalled: ".encode())
        proc.stdin.flush()
        assert _read_response(proc).status == 408
        returncode = proc.wait(INETD_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
        run = _finish(proc, None, INETD_TIMEOUT)
    assert returncode not in (None, 0), run.stderr


def test_sigterm_ends_idle_inetd_connection_promptly(cluster):
    """Like listen mode: SIGTERM closes a connection that owes nothing, at once."""
    proc = _popen_piped(_args(cluster, "-a", "rest_auth/local"))
    assert proc.stdin is not None
    try:
        proc.stdin.write(_request(PING))  # keep-alive; stdin stays open
        proc.stdin.flush()
        assert _read_response(proc).status == 200
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            returncode: int | None = proc.wait(5)
        except subprocess.TimeoutExpired:
            returncode = None
        took = time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            proc.kill()
        run = _finish(proc, None, INETD_TIMEOUT)
    assert returncode == 0, (
        f"exit {returncode} {took:.1f}s after SIGTERM (None = still up)\n{run.stderr}"
    )


def test_post_body_over_pipes(cluster):
    """A body larger than one pipe read (3 MiB) arrives whole and is parsed."""
    body = b'{"comment": "' + b"x" * (3 * 1024 * 1024) + b'"}'
    head = (
        f"POST /slurm/v0.0.38/job/submit HTTP/1.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    run = run_inetd(_args(cluster, "-a", "rest_auth/local"), head + body)
    assert run.returncode == 0, run.stderr
    [response] = run.responses()
    assert response.headers["content-type"] == "application/json", response.body[:200]
    assert json.loads(response.body)["meta"]["plugin"]["type"] == "openapi/v0.0.38"
