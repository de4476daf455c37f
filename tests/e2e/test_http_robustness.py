"""HTTP robustness over real TCP: malformed input, limits, timeouts, keep-alive,
pipelining and connection limits. After every abuse the daemon must still answer
a normal authenticated request."""

from __future__ import annotations

import json
import selectors
import socket
import struct
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from e2e import harness

PING = "/slurm/v0.0.38/ping"
SUBMIT = "/slurm/v0.0.38/job/submit"


@dataclass
class Served:
    daemon: harness.Daemon
    cluster: harness.Cluster
    address: tuple[str, int]

    @property
    def token(self) -> str:
        return self.cluster.token("root")

    def assert_healthy(self) -> None:
        assert self.daemon.proc.poll() is None, f"daemon died:\n{self.daemon.stderr}"
        assert harness.ping_status(self.address, self.token) == 200, self.daemon.stderr


def _serve(daemon_user, *extra: str) -> Iterator[Served]:
    rundir = harness.make_rundir(daemon_user)
    try:
        cluster = harness.write_cluster(rundir, daemon_user)
        args = [*harness.privilege_args(daemon_user), "-f", str(cluster.conf), *extra]
        daemon = harness.start_daemon([*args, "127.0.0.1:0"])
        try:
            yield Served(daemon, cluster, ("127.0.0.1", daemon.tcp_port()))
        finally:
            rc = daemon.stop()
        assert rc == 0, daemon.stderr
    finally:
        harness.remove_tree(rundir)


@pytest.fixture(scope="module")
def served(daemon_user) -> Iterator[Served]:
    yield from _serve(daemon_user)


@pytest.fixture(scope="module")
def impatient(daemon_user) -> Iterator[Served]:
    """A daemon with one-second read and idle timeouts."""
    yield from _serve(daemon_user, "--read-timeout", "1", "--idle-timeout", "1")


@pytest.fixture(scope="module")
def limited(daemon_user) -> Iterator[Served]:
    """A daemon that serves at most four connections at once."""
    yield from _serve(daemon_user, "--max-connections", "4")


def _auth(token: str) -> str:
    return f"X-SLURM-USER-TOKEN: {token}\r\n"


def _head(method: str, path: str, token: str, *lines: str, version: str = "1.1") -> bytes:
    text = f"{method} {path} HTTP/{version}\r\nHost: localhost\r\n{_auth(token)}"
    return (text + "".join(f"{line}\r\n" for line in lines) + "\r\n").encode("latin-1")


# --------------------------------------------------------------- malformed corpus

# id -> (request bytes built from a token, acceptable final statuses; () = a clean close)
CORPUS: dict[str, tuple[object, set[int]]] = {
    "bare-lf": (lambda t: f"GET {PING} HTTP/1.1\n{_auth(t).strip()}\n\n".encode(), {400}),
    "cr-without-lf": (lambda t: f"GET {PING} HTTP/1.1\r{_auth(t)}\r\n".encode(), {400}),
    "lowercase-method": (lambda t: f"get {PING} HTTP/1.1\r\n{_auth(t)}\r\n".encode(), {400, 405}),
    "unknown-method": (lambda t: f"BREW {PING} HTTP/1.1\r\n{_auth(t)}\r\n".encode(), {400, 405}),
    "http-9.9": (lambda t: f"GET {PING} HTTP/9.9\r\n{_auth(t)}\r\n".encode(), {400, 505}),
    "content-length-letters": (
        lambda t: _head("GET", PING, t, "Content-Length: abc"),
        {400},
    ),
    "content-length-negative": (lambda t: _head("GET", PING, t, "Content-Length: -1"), {400}),
    "content-length-conflicting": (
        lambda t: _head("POST", SUBMIT, t, "Content-Length: 2", "Content-Length: 3") + b"{}",
        {400},
    ),
    "nul-in-header": (lambda t: _head("GET", PING, t, "X-Foo: a\x00b"), {400}),
    "binary-garbage": (lambda t: bytes(range(256)) * 8, {400}),
    "tls-client-hello": (
        lambda t: b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(200)),
        {400},
    ),
    "oversized-headers": (
        lambda t: _head("GET", PING, t, "X-Big: " + "a" * (200 * 1024)),
        {400, 431},
    ),
    "many-headers": (
        lambda t: _head("GET", PING, t, *(f"X-H{i}: {'v' * 40}" for i in range(3000))),
        {400, 431},
    ),
    "body-over-50MB": (
        lambda t: _head("POST", SUBMIT, t, "Content-Length: 52428801", "Content-Type: text/x"),
        {413},
    ),
    "post-without-length": (lambda t: _head("POST", SUBMIT, t), {411}),
    "chunked": (
        lambda t: _head("POST", SUBMIT, t, "Transfer-Encoding: chunked") + b"2\r\n{}\r\n0\r\n\r\n",
        {406},
    ),
    "content-encoding": (
        lambda t: _head("POST", SUBMIT, t, "Content-Encoding: gzip", "Content-Length: 2") + b"{}",
        {406},
    ),
    "upgrade": (lambda t: _head("GET", PING, t, "Connection: Upgrade", "Upgrade: h2c"), {406}),
    "unknown-expect": (
        lambda t: _head("POST", SUBMIT, t, "Expect: coffee", "Content-Length: 2") + b"{}",
        {417},
    ),
}


@pytest.mark.parametrize("case", list(CORPUS))
def test_malformed_request_is_refused_and_daemon_survives(served, case):
    build, statuses = CORPUS[case]
    got = harness.exchange(served.address, build(served.token), timeout=5)  # type: ignore[operator]
    assert got.closed, f"connection left open after {case}: {got.data[:200]!r}"
    responses, _ = harness.parse_responses(got.data)
    final = [r for r in responses if r.status >= 200]
    assert final, f"no answer to {case}: {got.data[:200]!r}"
    assert final[0].status in statuses, (final[0].status, final[0].body[:200])
    assert final[0].headers.get("connection", "").lower() == "close"
    assert len(final) == 1, "nothing may be answered after a protocol error"
    served.assert_healthy()


def test_truncated_body_then_half_close_is_refused(served):
    with harness.connect(served.address, timeout=5) as sock:
        sock.sendall(
            _head("POST", SUBMIT, served.token, "Content-Length: 10", "Content-Type: x") + b"{}"
        )
        sock.shutdown(socket.SHUT_WR)
        got = harness.read_until_close(sock, 5)
    assert got.closed
    responses, _ = harness.parse_responses(got.data)
    assert [r.status for r in responses] == [400]
    served.assert_healthy()


def test_expect_100_continue_gets_interim_then_answer(served):
    body = b'{"script": "#!/bin/sh"}'
    headers = ("Content-Type: application/json", f"Content-Length: {len(body)}")
    # What the same request gets without Expect, for comparison.
    plain = harness.exchange(
        served.address, _head("POST", SUBMIT, served.token, *headers, "Connection: close") + body
    )
    [baseline], _ = harness.parse_responses(plain.data)
    with harness.connect(served.address, timeout=5) as sock:
        sock.sendall(
            _head(
                "POST", SUBMIT, served.token, *headers, "Expect: 100-continue", "Connection: close"
            )
        )
        interim = b""
        while b"\r\n\r\n" not in interim:  # the client waits for 100 before the body
            chunk = sock.recv(4096)
            assert chunk, f"closed before 100 Continue: {interim!r}"
            interim += chunk
        assert interim.startswith(b"HTTP/1.1 100 "), interim
        sock.sendall(body)
        got = harness.read_until_close(sock, 5)
    responses, rest = harness.parse_responses(interim + got.data)
    assert [r.status for r in responses] == [100, baseline.status]
    assert responses[1].body.startswith(b"{") and json.loads(responses[1].body)["meta"]
    assert rest == b""
    served.assert_healthy()


def test_get_with_expect_100_continue(served):
    got = harness.exchange(
        served.address,
        _head("GET", PING, served.token, "Expect: 100-continue", "Connection: close"),
    )
    responses, _ = harness.parse_responses(got.data)
    assert [r.status for r in responses][-1] == 200
    assert all(r.status in (100, 200) for r in responses)


# ------------------------------------------------------------------- timeouts


def _wait_readable(sock: socket.socket, timeout: float) -> bool:
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(timeout))


def test_slow_head_gets_408(impatient):
    with harness.connect(impatient.address, timeout=5) as sock:
        start = time.monotonic()
        sock.sendall(f"GET {PING} HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".encode())
        got = harness.read_until_close(sock, 5)
        elapsed = time.monotonic() - start
    assert got.closed
    responses, _ = harness.parse_responses(got.data)
    assert [r.status for r in responses] == [408]
    assert 0.8 <= elapsed < 4, elapsed
    impatient.assert_healthy()


def test_slow_body_gets_408(impatient):
    with harness.connect(impatient.address, timeout=5) as sock:
        sock.sendall(_head("POST", SUBMIT, impatient.token, "Content-Length: 20") + b'{"a"')
        got = harness.read_until_close(sock, 5)
    responses, _ = harness.parse_responses(got.data)
    assert [r.status for r in responses] == [408]
    impatient.assert_healthy()


def test_trickling_head_still_times_out(impatient):
    """A byte every 0.2 s keeps the socket busy but the request never completes: 408."""
    with harness.connect(impatient.address, timeout=5) as sock:
        start = time.monotonic()
        sock.sendall(f"GET {PING} HTTP/1.1\r\nX-Trickle: ".encode())
        while time.monotonic() - start < 5 and not _wait_readable(sock, 0.2):
            sock.sendall(b"a")
        got = harness.read_until_close(sock, 5)
        elapsed = time.monotonic() - start
    responses, _ = harness.parse_responses(got.data)
    assert [r.status for r in responses] == [408], got.data[:200]
    assert elapsed < 4, elapsed


def test_idle_keep_alive_connection_is_closed(impatient):
    with harness.connect(impatient.address, timeout=5) as sock:
        sock.sendall(harness.get_request(PING, impatient.token))
        [response] = harness.read_responses(sock, 1)
        assert response.status == 200
        assert response.headers.get("connection", "").lower() != "close"
        answered = time.monotonic()
        got = harness.read_until_close(sock, 5)
        idle = time.monotonic() - answered
    assert got.closed and got.data == b"", got.data[:200]
    assert 0.8 <= idle < 4, idle


def test_silent_connection_is_closed_after_idle_timeout(impatient):
    with harness.connect(impatient.address, timeout=5) as sock:
        got = harness.read_until_close(sock, 5)
    assert got.closed
    responses, _ = harness.parse_responses(got.data)
    assert [r.status for r in responses] in ([], [408])


# ------------------------------------------------------- keep-alive, pipelining


def test_three_pipelined_requests_on_one_connection(served):
    accepts = ("application/json", "application/x-yaml", "text/yaml")
    with harness.connect(served.address, timeout=5) as sock:
        sock.sendall(
            b"".join(harness.get_request(PING, served.token, f"Accept: {a}") for a in accepts)
        )
        responses = harness.read_responses(sock, 3)
        assert [r.status for r in responses] == [200, 200, 200]
        assert [r.headers["content-type"] for r in responses] == list(accepts)
        # Still open: a fourth request on the same connection.
        sock.sendall(harness.get_request(PING, served.token))
        [fourth] = harness.read_responses(sock, 1)
        assert fourth.status == 200


def test_many_pipelined_requests_answered_in_order(served):
    """More than the daemon buffers at once (it must pause and resume reading)."""
    count = 80
    requests = [
        harness.get_request(PING, served.token, f"Accept: {'text/yaml' if i % 2 else '*/*'}")
        for i in range(count - 1)
    ] + [harness.get_request(PING, served.token, "Connection: close")]
    got = harness.exchange(served.address, b"".join(requests), timeout=10)
    assert got.closed
    responses, rest = harness.parse_responses(got.data)
    assert rest == b""
    assert [r.status for r in responses] == [200] * count
    types = [r.headers["content-type"] for r in responses[:-1]]
    assert types == ["text/yaml" if i % 2 else "application/json" for i in range(count - 1)]


def test_http10_closes(served):
    got = harness.exchange(served.address, harness.get_request(PING, served.token, version="1.0"))
    assert got.closed
    [response], _ = harness.parse_responses(got.data)
    assert response.version == "HTTP/1.0"
    assert response.status == 200
    assert response.headers.get("connection", "").lower() == "close"


def test_http10_keep_alive_stays_open(served):
    request = harness.get_request(PING, served.token, "Connection: keep-alive", version="1.0")
    with harness.connect(served.address, timeout=5) as sock:
        sock.sendall(request)
        [first] = harness.read_responses(sock, 1)
        assert first.status == 200
        assert first.headers.get("connection", "").lower() == "keep-alive"
        sock.sendall(request)
        [second] = harness.read_responses(sock, 1)
        assert second.status == 200


def test_connection_close_closes(served):
    with harness.connect(served.address, timeout=5) as sock:
        sock.sendall(harness.get_request(PING, served.token, "Connection: close"))
        got = harness.read_until_close(sock, 5)
    assert got.closed
    [response], rest = harness.parse_responses(got.data)
    assert response.status == 200 and rest == b""
    assert response.headers.get("connection", "").lower() == "close"


def test_half_close_after_request_gets_answer_and_close(served):
    """The client says it is done sending (FIN); the answer still comes, then a close."""
    with harness.connect(served.address, timeout=5) as sock:
        sock.sendall(harness.get_request(PING, served.token))
        sock.shutdown(socket.SHUT_WR)
        got = harness.read_until_close(sock, 5)
    assert got.closed, f"not closed after the answer: {got.data[:100]!r}"
    [response], _ = harness.parse_responses(got.data)
    assert response.status == 200


def test_each_pipelined_request_is_authenticated(served):
    data = harness.get_request(PING, served.token) + harness.get_request(PING, None)
    got = harness.exchange(served.address, data, timeout=5)
    assert got.closed
    responses, _ = harness.parse_responses(got.data)
    assert [r.status for r in responses] == [200, 401]
    assert responses[1].body.startswith(b"Authentication failure")


def test_nothing_after_a_protocol_error_is_answered(served):
    data = (
        harness.get_request(PING, served.token)
        + b"garbage\r\n\r\n"
        + harness.get_request(PING, served.token)
    )
    got = harness.exchange(served.address, data, timeout=5)
    assert got.closed
    responses, _ = harness.parse_responses(got.data)
    assert [r.status for r in responses] == [200, 400]


# -------------------------------------------------------------- connection limits


def test_fifty_clients_through_four_connections(limited):
    token = limited.token
    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(
            pool.map(lambda _: harness.ping_status(limited.address, token, 20), range(50))
        )
    assert statuses == [200] * 50
    limited.assert_healthy()


def test_connection_limit_is_enforced_and_released(limited):
    held = []
    try:
        for _ in range(4):
            sock = harness.connect(limited.address, timeout=5)
            held.append(sock)
            sock.sendall(harness.get_request(PING, limited.token))
            [response] = harness.read_responses(sock, 1)  # accepted and kept alive
            assert response.status == 200
        with harness.connect(limited.address, timeout=5) as waiting:
            waiting.sendall(harness.get_request(PING, limited.token, "Connection: close"))
            assert not _wait_readable(waiting, 0.5), "a fifth connection was served"
            held.pop().close()  # a slot frees up: the waiting client is served
            got = harness.read_until_close(waiting, 5)
        [response], _ = harness.parse_responses(got.data)
        assert response.status == 200
    finally:
        for sock in held:
            sock.close()
    limited.assert_healthy()


def test_connect_and_disconnect_leaves_no_trace(limited):
    for i in range(200):
        sock = harness.connect(limited.address, timeout=5)
        if i % 2:  # abortive close: RST instead of FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    # Leaked slots would show with only four of them: more sequential requests than slots,
    # then four kept-alive connections at once.
    for _ in range(8):
        limited.assert_healthy()
    held = [harness.connect(limited.address, timeout=5) for _ in range(4)]
    try:
        for sock in held:
            sock.sendall(harness.get_request(PING, limited.token))
        for sock in held:
            [response] = harness.read_responses(sock, 1, timeout=5)
            assert response.status == 200
    finally:
        for sock in held:
            sock.close()


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_client_that_never_reads_does_not_hold_up_others(served):
    """2000 pipelined requests for the 2.4 MB document, never read: memory stays bounded
    (reading pauses while answers are owed) and other clients are served meanwhile."""
    before = _rss_kib(served.daemon.proc.pid)
    request = harness.get_request("/openapi/v3", served.token)
    with harness.connect(served.address, timeout=5) as hog:
        hog.setblocking(False)
        for _ in range(2000):
            try:
                hog.send(request)
            except BlockingIOError:
                break
        for _ in range(3):
            served.assert_healthy()
        grown = _rss_kib(served.daemon.proc.pid) - before
    assert grown < 200 * 1024, f"RSS grew by {grown} KiB"
    served.assert_healthy()


@pytest.fixture
def two_listeners(daemon_user, rundir, cluster, request) -> Iterator[tuple[Served, str]]:
    """TCP and UNIX listeners sharing --max-connections (request.param)."""
    path = str(rundir / "s.sock")
    args = [
        *harness.privilege_args(daemon_user),
        "-f",
        str(cluster.conf),
        "--max-connections",
        str(request.param),
        "127.0.0.1:0",
        f"unix:{path}",
    ]
    with harness.daemon_running(args, expect_listeners=2) as daemon:
        yield Served(daemon, cluster, ("127.0.0.1", daemon.tcp_port())), path


@pytest.mark.parametrize("two_listeners", [1], indirect=True)
def test_single_connection_slot_serves_every_listener(two_listeners):
    """--max-connections 1 with two listeners: one connection at a time, on either."""
    served, path = two_listeners
    statuses = [
        harness.ping_status(address, token, timeout=3)
        for address, token in [(path, None), (served.address, served.token)] * 2
    ]
    assert statuses == [200, 200, 200, 200], statuses


@pytest.mark.parametrize("two_listeners", [2], indirect=True)
def test_connection_limit_counts_connections_not_listeners(two_listeners):
    """--max-connections 2: a kept-alive TCP client and a second TCP client both served."""
    served, _ = two_listeners
    with harness.connect(served.address, timeout=5) as first:
        first.sendall(harness.get_request(PING, served.token))
        assert harness.read_responses(first, 1)[0].status == 200
        assert harness.ping_status(served.address, served.token, timeout=3) == 200
