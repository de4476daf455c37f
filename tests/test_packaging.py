"""The systemd units in packaging/ are valid and work as written.

The units name /opt/slurmrestd/bin/slurmrestd; the tests point them at the
slurmrestd of the interpreter running the tests and change nothing else,
except the listen port/path of the socket unit (made free for the test).
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from e2e import harness

UNITS = Path(__file__).resolve().parents[1] / "packaging" / "systemd"
INSTALLED = "/opt/slurmrestd/bin/slurmrestd"
SLURMRESTD = str(Path(sys.executable).with_name("slurmrestd"))


def _unit_lines(name: str, key: str) -> list[str]:
    return [
        line.split("=", 1)[1]
        for line in (UNITS / name).read_text().splitlines()
        if line.startswith(f"{key}=")
    ]


def _local_copy(tmp_path: Path, name: str) -> Path:
    text = (UNITS / name).read_text().replace(INSTALLED, SLURMRESTD)
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_units_pass_systemd_analyze_verify(tmp_path):
    names = ["slurmrestd.service", "slurmrestd-activated.socket", "slurmrestd-activated.service"]
    paths = [str(_local_copy(tmp_path, name)) for name in names]
    result = subprocess.run(
        ["systemd-analyze", "verify", *paths], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    # verify only warns (exit 0) on bad settings: any line about our files is a failure.
    ours = [line for line in result.stderr.splitlines() if str(tmp_path) in line]
    assert ours == []


def test_units_run_the_installed_daemon_with_known_options():
    for name in ("slurmrestd.service", "slurmrestd-activated.service"):
        (exec_start,) = _unit_lines(name, "ExecStart")
        assert exec_start.split()[0] == INSTALLED
        assert _unit_lines(name, "User") == ["slurmrestd"]
    (listen,) = _unit_lines("slurmrestd.service", "Environment")
    key, _, value = listen.partition("=")
    assert key == "SLURMRESTD_LISTEN"
    from slurmrestd.cli import parse_options

    options = parse_options([], {key: value})
    assert options.listen == ("127.0.0.1:6820", "unix:/run/slurmrestd/slurmrestd.socket")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_listener(port: int, proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """systemd-socket-activate binds its sockets a moment after it starts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "systemd-socket-activate exited"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except ConnectionRefusedError:
            time.sleep(0.02)  # polling a port that cannot notify us, bounded by the deadline
    raise AssertionError(f"nothing listening on port {port} after {timeout}s")


@pytest.mark.skipif(
    shutil.which("systemd-socket-activate") is None, reason="needs systemd-socket-activate"
)
def test_socket_unit_activates_the_daemon(rundir, cluster, daemon_user):
    """Serve the socket unit's ListenStream sockets the way systemd passes them."""
    streams = _unit_lines("slurmrestd-activated.socket", "ListenStream")
    assert streams == ["127.0.0.1:6820", "/run/slurmrestd/slurmrestd.socket"]
    port = _free_port()
    unix_path = str(rundir / "activated.sock")
    (exec_start,) = _unit_lines("slurmrestd-activated.service", "ExecStart")
    command = [SLURMRESTD if w == INSTALLED else w for w in exec_start.split()]
    command = [w for w in command if w != "$SLURMRESTD_OPTIONS"]
    # User=/Group= of the unit: done here with -u/-g since no systemd runs the test.
    command += [*harness.privilege_args(daemon_user), "-f", str(cluster.conf)]
    proc = subprocess.Popen(
        ["systemd-socket-activate", "-l", f"127.0.0.1:{port}", "-l", unix_path, *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=harness.base_env(),
    )
    try:
        _wait_for_listener(port, proc)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        status, _, body = harness.request(
            conn,
            "GET",
            "/slurm/v0.0.46/ping",
            headers={"X-SLURM-USER-TOKEN": cluster.token("root")},
        )
        assert status == 200, body
        unix = harness.UnixHTTPConnection(unix_path, timeout=20)
        status, _, body = harness.request(unix, "GET", "/slurm/v0.0.38/ping")
        assert status == 200, body
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err.decode()
    # The socket belongs to systemd: the daemon must not remove it.
    assert os.path.exists(unix_path)
