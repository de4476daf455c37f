"""Our daemon, started for a bench run and stopped by its PID afterwards.

Both flavours drop to an unprivileged user with -u/-g, as the tests start it
(tests/e2e/harness.py); the JWT key is read before the drop. Start-up waits
for the daemon's own "listening on" line, never a sleep.
"""

from __future__ import annotations

import collections
import contextlib
import pwd
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from e2e import harness


@dataclass
class Running:
    daemon: harness.Daemon
    url: str

    @property
    def pid(self) -> int:
        return self.daemon.proc.pid


def _drain(daemon: harness.Daemon, keep: collections.deque[str]) -> None:
    # The harness pipes stderr; a full pipe would block the daemon mid-benchmark.
    stream = daemon.proc.stderr
    if stream is None:
        return
    for raw in iter(stream.readline, b""):
        keep.append(raw.decode(errors="replace").rstrip())


@contextlib.contextmanager
def ours(args: list[str], user: pwd.struct_passwd) -> Iterator[Running]:
    """Start `slurmrestd <args> -u user -g gid 127.0.0.1:0`; stop it (SIGTERM to its PID)."""
    argv = [*args, *harness.privilege_args(user), "127.0.0.1:0"]
    daemon = harness.start_daemon(argv, env=harness.base_env(), timeout=60)
    tail: collections.deque[str] = collections.deque(maxlen=200)
    drainer = threading.Thread(target=_drain, args=(daemon, tail), daemon=True)
    drainer.start()
    try:
        yield Running(daemon, f"http://127.0.0.1:{daemon.tcp_port()}")
    finally:
        daemon.proc.terminate()  # by PID: this very child process
        try:
            daemon.proc.wait(20)
        except subprocess.TimeoutExpired:  # still running after the grace period
            daemon.proc.kill()
            daemon.proc.wait(5)
        drainer.join(5)


def slurm_backend_args(conf: Path) -> list[str]:
    return ["--backend", "slurm", "-f", str(conf), "-a", "rest_auth/jwt"]


def embedded_args(conf: Path) -> list[str]:
    return ["--backend", "embedded", "-f", str(conf), "-a", "rest_auth/jwt"]


def write_embedded_cluster(owner: pwd.struct_passwd) -> harness.Cluster:
    """A private slurm.conf + JWT key + state directory for the embedded daemon."""
    rundir = harness.make_rundir(owner)
    return harness.write_cluster(rundir, owner, extra=f"StateSaveLocation={rundir / 'state'}\n")
