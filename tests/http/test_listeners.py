"""Listen addresses and the sockets made from them (TCP, UNIX, inherited from systemd)."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from e2e import harness
from slurmrestd.http.listeners import (
    ListenError,
    TcpAddress,
    UnixAddress,
    bind_tcp,
    bind_unix,
    describe,
    inherited_sockets,
    parse_listen_address,
)

needs_ipv6 = pytest.mark.skipif(not harness.has_ipv6_loopback(), reason="no IPv6 loopback here")


# ------------------------------------------------------------------ parsing
@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("127.0.0.1:6820", TcpAddress("127.0.0.1", 6820)),
        ("[::1]:6820", TcpAddress("::1", 6820)),
        ("[::]:0", TcpAddress("::", 0)),
        (":6820", TcpAddress(None, 6820)),
        ("localhost:6820", TcpAddress("localhost", 6820)),
        ("  host.example.com:65535 ", TcpAddress("host.example.com", 65535)),
        ("unix:/x", UnixAddress("/x")),
        ("unix:///run/slurmrestd.socket", UnixAddress("/run/slurmrestd.socket")),
    ],
)
def test_parse_listen_address(spec: str, expected: object) -> None:
    assert parse_listen_address(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        "localhost:65536",
        "localhost:99999",
        "localhost:-1",
        "localhost:http",
        "localhost:\u00b2",
        "localhost:\u0666\u0668\u0662\u0660",
        "localhost: 80",
        "localhost:",
        ":",
        "6820",
        "localhost",
        "::1:6820",
        "fe80::1:6820",
        "[::1]",
        "[::1]6820",
        "[::1:6820",
        "unix:x",
        "unix:relative/path",
        "unix:",
    ],
)
def test_parse_listen_address_rejects(spec: str) -> None:
    with pytest.raises(ListenError, match="Invalid listen address"):
        parse_listen_address(spec)


@pytest.mark.parametrize(
    ("address", "text"),
    [
        (TcpAddress("127.0.0.1", 1), "127.0.0.1:1"),
        (TcpAddress("::1", 2), "[::1]:2"),
        (TcpAddress(None, 3), ":3"),
        (UnixAddress("/x"), "unix:/x"),
    ],
)
def test_address_text_round_trips(address: object, text: str) -> None:
    assert str(address) == text
    assert parse_listen_address(text) == address


# ---------------------------------------------------------------------- TCP
def _assert_listening(sock: socket.socket) -> None:
    assert sock.type == socket.SOCK_STREAM
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
    assert not sock.getblocking()


def _connects(sock: socket.socket) -> bool:
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1" if sock.family == socket.AF_INET else "::1"
    with socket.create_connection((host, port), timeout=2):
        return True


def test_bind_tcp_ipv4_loopback() -> None:
    (sock,) = bind_tcp(TcpAddress("127.0.0.1", 0))
    with sock:
        _assert_listening(sock)
        host, port = sock.getsockname()
        assert host == "127.0.0.1"
        assert port > 0
        assert describe(sock) == f"127.0.0.1:{port}"
        assert _connects(sock)


@needs_ipv6
def test_bind_tcp_ipv6_loopback() -> None:
    (sock,) = bind_tcp(parse_listen_address("[::1]:0"))
    with sock:
        _assert_listening(sock)
        assert sock.family == socket.AF_INET6
        assert sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY)
        port = sock.getsockname()[1]
        assert describe(sock) == f"[::1]:{port}"
        assert _connects(sock)


def test_bind_tcp_all_interfaces() -> None:
    sockets = bind_tcp(parse_listen_address(":0"))
    try:
        assert sockets
        hosts = {sock.getsockname()[0] for sock in sockets}
        assert "0.0.0.0" in hosts
        assert hosts <= {"0.0.0.0", "::"}
        for sock in sockets:
            _assert_listening(sock)
            assert _connects(sock)
    finally:
        for sock in sockets:
            sock.close()


def test_bind_tcp_resolves_localhost() -> None:
    sockets = bind_tcp(parse_listen_address("localhost:0"))
    try:
        assert sockets
        for sock in sockets:
            _assert_listening(sock)
            assert sock.getsockname()[0] in ("127.0.0.1", "::1")
    finally:
        for sock in sockets:
            sock.close()


def test_bind_tcp_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ListenError, match=f"Unable to bind 127.0.0.1:{port}"):
            bind_tcp(TcpAddress("127.0.0.1", port))


def test_bind_tcp_unresolvable_host() -> None:
    with pytest.raises(ListenError, match="Unable to resolve"):
        bind_tcp(TcpAddress("no-such-host.invalid", 0))


# --------------------------------------------------------------------- UNIX
def test_bind_unix_is_world_connectable_and_keeps_umask(tmp_path: Path) -> None:
    path = str(tmp_path / "rest.sock")
    old = os.umask(0o077)
    try:
        sock = bind_unix(UnixAddress(path))
        assert os.umask(0o077) == 0o077  # restored
    finally:
        os.umask(old)
    with sock:
        mode = os.stat(path).st_mode
        assert stat.S_ISSOCK(mode)
        assert stat.S_IMODE(mode) == 0o777
        _assert_listening(sock)
        assert describe(sock) == f"unix:{path}"
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(path)


def test_bind_unix_replaces_a_stale_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "stale.sock")
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(path)
    stale.close()  # the file stays; nobody listens
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    with bind_unix(UnixAddress(path)), socket.socket(socket.AF_UNIX) as client:
        client.connect(path)


def test_bind_unix_refuses_a_live_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "live.sock")
    with bind_unix(UnixAddress(path)) as live:
        with pytest.raises(ListenError, match="another process is listening"):
            bind_unix(UnixAddress(path))
        # The live one is untouched.
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(path)
        assert live.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)


def test_bind_unix_refuses_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("data")
    with pytest.raises(ListenError, match="not a socket"):
        bind_unix(UnixAddress(str(path)))
    assert path.read_text() == "data"


def test_bind_unix_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ListenError, match="Unable to bind"):
        bind_unix(UnixAddress(str(tmp_path / "no" / "such" / "dir.sock")))


# ---------------------------------------------------------- inherited (systemd)
# Runs in a child: systemd hands sockets over as fds 3, 4, ... of the process
# named by LISTEN_PID, so the child moves the fds it was given there first.
CHILD = textwrap.dedent(
    """
    import json, os, socket, sys
    from slurmrestd.http.listeners import ListenError, describe, inherited_sockets

    passed = [int(fd) for fd in sys.argv[2].split(",") if fd]
    for target, fd in enumerate(passed, start=3):
        os.dup2(fd, target)
    for fd in passed:
        if fd >= 3 + len(passed):
            os.close(fd)
    env = json.loads(sys.argv[3])
    if env.get("LISTEN_PID") == "self":
        env["LISTEN_PID"] = str(os.getpid())
    os.environ.update(env)
    report = {}
    try:
        sockets = inherited_sockets(os.environ if sys.argv[1] == "environ" else env)
    except ListenError as exc:
        report["error"] = str(exc)
    else:
        report["sockets"] = [describe(sock) for sock in sockets]
        report["blocking"] = [sock.getblocking() for sock in sockets]
        report["inheritable"] = [sock.get_inheritable() for sock in sockets]
    report["env"] = sorted(k for k in (os.environ if sys.argv[1] == "environ" else env)
                           if k.startswith("LISTEN_"))
    print(json.dumps(report))
    """
)


def _run_child(fds: list[int], env: dict[str, str], mapping: str = "environ") -> dict:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("LISTEN_")}
    result = subprocess.run(
        [sys.executable, "-c", CHILD, mapping, ",".join(map(str, fds)), json.dumps(env)],
        pass_fds=fds,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture
def listening() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock
    sock.close()


def test_inherited_sockets_taken_and_variables_cleared(
    listening: socket.socket, tmp_path: Path
) -> None:
    path = str(tmp_path / "activated.sock")
    with socket.socket(socket.AF_UNIX) as second:
        second.bind(path)
        second.listen()
        report = _run_child(
            [listening.fileno(), second.fileno()],
            {"LISTEN_PID": "self", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "a:b"},
        )
    port = listening.getsockname()[1]
    assert report["sockets"] == [f"127.0.0.1:{port}", f"unix:{path}"]
    assert report["blocking"] == [False, False]
    assert report["inheritable"] == [False, False]
    assert report["env"] == []


def test_inherited_sockets_clears_a_plain_mapping(listening: socket.socket) -> None:
    report = _run_child(
        [listening.fileno()], {"LISTEN_PID": "self", "LISTEN_FDS": "1"}, mapping="dict"
    )
    assert len(report["sockets"]) == 1
    assert report["env"] == []


def test_inherited_sockets_for_another_pid_are_ignored(listening: socket.socket) -> None:
    report = _run_child([listening.fileno()], {"LISTEN_PID": "1", "LISTEN_FDS": "1"})
    assert report["sockets"] == []
    assert report["env"] == ["LISTEN_FDS", "LISTEN_PID"]  # not ours to clear


def test_no_variables_no_sockets() -> None:
    assert inherited_sockets({}) == []
    assert inherited_sockets({"LISTEN_FDS": "1"}) == []
    assert inherited_sockets({"LISTEN_PID": str(os.getpid())}) == []


def test_inherited_non_listening_socket_is_refused() -> None:
    with socket.socket() as idle:
        report = _run_child([idle.fileno()], {"LISTEN_PID": "self", "LISTEN_FDS": "1"})
    assert "not a listening stream socket" in report["error"]


def test_inherited_datagram_socket_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        report = _run_child([udp.fileno()], {"LISTEN_PID": "self", "LISTEN_FDS": "1"})
    assert "not a listening stream socket" in report["error"]


def test_inherited_fd_that_is_no_socket_is_refused() -> None:
    read_end, write_end = os.pipe()
    try:
        report = _run_child([read_end], {"LISTEN_PID": "self", "LISTEN_FDS": "1"})
    finally:
        os.close(read_end)
        os.close(write_end)
    assert "is not a socket" in report["error"]


@pytest.mark.parametrize("count", ["many", "\u00b2", "-1"])
def test_bad_listen_fds_is_refused(count: str) -> None:
    with pytest.raises(ListenError, match="LISTEN_FDS"):
        inherited_sockets({"LISTEN_PID": str(os.getpid()), "LISTEN_FDS": count})


@pytest.mark.parametrize("pid", ["\u00b2", "-1", "self-ish"])
def test_unparsable_listen_pid_is_not_ours(pid: str) -> None:
    env = {"LISTEN_PID": pid, "LISTEN_FDS": "1"}
    assert inherited_sockets(env) == []
    assert env == {"LISTEN_PID": pid, "LISTEN_FDS": "1"}
