"""Listen modes of the real daemon: TCP v4/v6/any/hostname, UNIX sockets, several at
once, SLURMRESTD_LISTEN, systemd socket activation, and fatal listen errors."""

from __future__ import annotations

import os
import socket
import stat
import subprocess

import pytest

from e2e import harness

needs_ipv6 = pytest.mark.skipif(
    not harness.has_ipv6_loopback(), reason="no IPv6 loopback on this host"
)


def _args(cluster, daemon_user, *extra: str) -> list[str]:
    return [*harness.privilege_args(daemon_user), "-f", str(cluster.conf), *extra]


def _ping_ok(address, cluster) -> None:
    assert harness.ping_status(address, cluster.token("root")) == 200, address


def _local_ping_ok(path: str) -> None:
    """rest_auth/local over the UNIX socket: the test's own uid is root or the daemon's."""
    assert harness.ping_status(path, None) == 200, path


def test_ipv4_loopback_port_zero(cluster, daemon_user):
    with harness.daemon_running(_args(cluster, daemon_user, "127.0.0.1:0")) as daemon:
        assert len(daemon.addresses) == 1
        host, _, port = daemon.addresses[0].rpartition(":")
        assert host == "127.0.0.1"
        assert int(port) > 0
        _ping_ok(("127.0.0.1", int(port)), cluster)
    assert daemon.proc.returncode == 0, daemon.stderr


@needs_ipv6
def test_ipv6_loopback_port_zero(cluster, daemon_user):
    with harness.daemon_running(_args(cluster, daemon_user, "[::1]:0")) as daemon:
        assert len(daemon.addresses) == 1
        assert daemon.addresses[0].startswith("[::1]:")
        _ping_ok(("::1", daemon.tcp_port("6")), cluster)
        # Only ::1 is bound: nothing of ours is on IPv4.
        assert not any(not a.startswith("[") for a in daemon.addresses)


def test_all_interfaces(cluster, daemon_user):
    families = {
        info[0]
        for info in socket.getaddrinfo(
            None, 0, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
        )
    }
    if socket.AF_INET6 in families and not harness.has_ipv6_loopback():
        families.discard(socket.AF_INET6)
    expected = len(families)
    with harness.daemon_running(
        _args(cluster, daemon_user, ":0"), expect_listeners=expected
    ) as daemon:
        assert len(daemon.addresses) == expected
        if socket.AF_INET in families:
            assert any(a.startswith("0.0.0.0:") for a in daemon.addresses), daemon.addresses
            _ping_ok(("127.0.0.1", daemon.tcp_port("4")), cluster)
        if socket.AF_INET6 in families:
            assert any(a.startswith("[::]:") for a in daemon.addresses), daemon.addresses
            _ping_ok(("::1", daemon.tcp_port("6")), cluster)


def test_hostname_localhost(cluster, daemon_user):
    resolved = {
        (info[0], info[4][0])
        for info in socket.getaddrinfo(
            "localhost", 0, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
        )
    }
    with harness.daemon_running(
        _args(cluster, daemon_user, "localhost:0"), expect_listeners=len(resolved)
    ) as daemon:
        assert len(daemon.addresses) == len(resolved)
        for address in daemon.addresses:
            host, _, port = address.rpartition(":")
            host = host.strip("[]")
            assert host in {addr for _, addr in resolved}, address
            _ping_ok((host, int(port)), cluster)


def test_unix_socket_mode_answer_and_removal(cluster, daemon_user, rundir):
    path = str(rundir / "s.sock")
    with harness.daemon_running(_args(cluster, daemon_user, f"unix:{path}")) as daemon:
        assert daemon.addresses == [f"unix:{path}"]
        st = os.stat(path)
        assert stat.S_ISSOCK(st.st_mode)
        assert stat.S_IMODE(st.st_mode) == 0o777, oct(st.st_mode)  # srwxrwxrwx
        _local_ping_ok(path)
    assert daemon.proc.returncode == 0, daemon.stderr
    assert not os.path.exists(path), "socket file left behind after a clean stop"


def test_stale_unix_socket_is_replaced(cluster, daemon_user, rundir):
    """A daemon killed with SIGKILL leaves its socket file; the next one replaces it."""
    path = str(rundir / "s.sock")
    killed = harness.start_daemon(_args(cluster, daemon_user, f"unix:{path}"))
    killed.proc.kill()
    killed.wait()
    assert stat.S_ISSOCK(os.stat(path).st_mode), "SIGKILL should leave the socket file"
    with pytest.raises(ConnectionRefusedError):
        harness.connect(path, timeout=2)
    with harness.daemon_running(_args(cluster, daemon_user, f"unix:{path}")) as daemon:
        assert daemon.addresses == [f"unix:{path}"]
        _local_ping_ok(path)
    assert not os.path.exists(path)


def test_live_unix_socket_is_not_stolen(cluster, daemon_user, rundir):
    path = str(rundir / "s.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as live:
        live.bind(path)
        live.listen(1)
        result = harness.run_daemon(_args(cluster, daemon_user, f"unix:{path}"))
        assert result.returncode == 1, result.stderr
        assert b"fatal" in result.stderr
        # Our listener still owns the path.
        with harness.connect(path, timeout=2):
            pass


@needs_ipv6
def test_several_listeners_in_one_process(cluster, daemon_user, rundir):
    path = str(rundir / "s.sock")
    args = _args(cluster, daemon_user, "127.0.0.1:0", "[::1]:0", f"unix:{path}")
    with harness.daemon_running(args, expect_listeners=3) as daemon:
        assert sorted(a.split(":", 1)[0] for a in daemon.addresses) == ["127.0.0.1", "[", "unix"]
        _ping_ok(("127.0.0.1", daemon.tcp_port("4")), cluster)
        _ping_ok(("::1", daemon.tcp_port("6")), cluster)
        _local_ping_ok(path)
    assert daemon.proc.returncode == 0, daemon.stderr
    assert not os.path.exists(path)


def test_listen_environment_adds_to_arguments(cluster, daemon_user, rundir):
    path = str(rundir / "env.sock")
    env = harness.base_env(SLURMRESTD_LISTEN=f"unix:{path},127.0.0.1:0")
    args = _args(cluster, daemon_user, "127.0.0.1:0")
    with harness.daemon_running(args, env=env, expect_listeners=3) as daemon:
        tcp = [a for a in daemon.addresses if a.startswith("127.0.0.1:")]
        assert len(tcp) == 2, daemon.addresses
        assert f"unix:{path}" in daemon.addresses
        for address in tcp:
            _ping_ok(("127.0.0.1", int(address.rsplit(":", 1)[1])), cluster)
        _local_ping_ok(path)


# Moves the inherited socket to fd 3, sets LISTEN_PID to its own pid (kept by exec)
# and execs the daemon: what systemd does for a socket-activated service.
_ACTIVATE = (
    "import os, sys\n"
    "fd = int(sys.argv[1])\n"
    "if fd != 3:\n"
    "    os.dup2(fd, 3)\n"
    "    os.close(fd)\n"
    "pid = os.getpid() if sys.argv[2] == 'self' else os.getppid()\n"
    "env = dict(os.environ, LISTEN_PID=str(pid), LISTEN_FDS='1')\n"
    "os.execve(sys.argv[3], sys.argv[3:], env)\n"
)


def _socket_activation_command(fd: int, args: list[str], pid: str = "self") -> list[str]:
    command = harness.daemon_command(args)
    return [command[0], "-c", _ACTIVATE, str(fd), pid, *command]


def test_systemd_socket_activation(cluster, daemon_user):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        fd = listener.fileno()
        daemon = harness.start_command(
            _socket_activation_command(fd, _args(cluster, daemon_user)), pass_fds=(fd,)
        )
        try:
            assert daemon.addresses == [f"127.0.0.1:{port}"]
            _ping_ok(("127.0.0.1", port), cluster)
            _ping_ok(("127.0.0.1", port), cluster)
        finally:
            assert daemon.stop() == 0, daemon.stderr


def test_systemd_fds_for_another_pid_are_ignored(cluster, daemon_user):
    """LISTEN_PID naming another process: fd 3 is not ours; only the argument listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        fd = listener.fileno()
        command = _socket_activation_command(
            fd, _args(cluster, daemon_user, "127.0.0.1:0"), pid="parent"
        )
        daemon = harness.start_command(command, pass_fds=(fd,))
        try:
            assert len(daemon.addresses) == 1
            assert daemon.tcp_port() != listener.getsockname()[1]
            _ping_ok(("127.0.0.1", daemon.tcp_port()), cluster)
        finally:
            assert daemon.stop() == 0, daemon.stderr


@pytest.mark.parametrize("address", ["nonsense", "1.2.3.4:99999", "[::1:0", "unix:relative"])
def test_bad_address_is_fatal(cluster, daemon_user, address):
    result = harness.run_daemon(_args(cluster, daemon_user, address))
    assert result.returncode == 1, result.stderr
    assert b"fatal" in result.stderr
    assert address.encode() in result.stderr


def test_port_in_use_is_fatal(cluster, daemon_user):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = harness.run_daemon(_args(cluster, daemon_user, f"127.0.0.1:{port}"))
    assert result.returncode == 1, result.stderr
    assert b"fatal" in result.stderr
    assert b"in use" in result.stderr.lower(), result.stderr
    assert b"listening on" not in result.stderr


def test_regular_file_at_unix_path_is_not_replaced(cluster, daemon_user, rundir):
    path = rundir / "not-a-socket"
    path.write_text("precious\n")
    result = harness.run_daemon(_args(cluster, daemon_user, f"unix:{path}"))
    assert result.returncode == 1, result.stderr
    assert b"fatal" in result.stderr
    assert path.read_text() == "precious\n"


def test_unwritable_unix_socket_directory_is_fatal(cluster, daemon_user):
    result = harness.run_daemon(_args(cluster, daemon_user, "unix:/proc/slurmrestd-test.sock"))
    assert result.returncode == 1, result.stderr
    assert b"fatal" in result.stderr
    assert b"listening on" not in result.stderr


def test_socket_activation_with_non_socket_fd_is_fatal(cluster, daemon_user, rundir):
    path = rundir / "plain-file"
    path.write_text("")
    with open(path, "rb") as plain:
        fd = plain.fileno()
        command = _socket_activation_command(fd, _args(cluster, daemon_user))
        result = subprocess.run(
            command, pass_fds=(fd,), capture_output=True, timeout=20, env=harness.base_env()
        )
    assert result.returncode == 1, result.stderr
    assert b"fatal" in result.stderr
    assert b"fd 3" in result.stderr


def test_unix_url_form_with_three_slashes(cluster, daemon_user, rundir):
    """`unix:///path` (newer upstream's form) names the same absolute path."""
    path = str(rundir / "url.sock")
    with harness.daemon_running(_args(cluster, daemon_user, f"unix://{path}")) as daemon:
        assert daemon.addresses == [f"unix:{path}"]
        _local_ping_ok(path)
