"""Where the testbed keeps its files and which loopback ports it uses.

Everything lives under one directory (default /var/lib/slurmrestd-py-testbed,
env SLURM_TESTBED_DIR) with its own munged, MariaDB and Slurm ports, so the
testbed never touches /etc/slurm, /etc/munge or a system MariaDB that other
tools on the host may use. Ports are chosen once, when the directory is first
set up, and kept in `testbed.json` so a later run finds the same cluster.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_DIR = "/var/lib/slurmrestd-py-testbed"
CLUSTER = "testbed"
NODE_COUNT = 4
USERS = ("alice", "bob")
REST_USER = "slurmrestd"  # the C slurmrestd refuses root and SlurmUser
SLURM_USER = "slurm"  # created by the Debian packages
DB_PASSWORD = "testbed-slurmdbd"

# Port bases differ from Slurm's defaults (6817-6820) so a system Slurm or the
# team's shared testbed may run on the same host; moved up in steps when busy.
_BASE_PORTS = {"slurmctld": 16817, "slurmdbd": 16819, "mariadb": 16306, "slurmd": 16901}
_PORT_STEP = 100
_PORT_TRIES = 20


@dataclass(frozen=True)
class Ports:
    slurmctld: int
    slurmdbd: int
    mariadb: int
    slurmd_first: int  # node K listens on slurmd_first + K - 1
    slurmrestd: int  # the C slurmrestd (JWT), picked free at bring-up

    @property
    def slurmd(self) -> tuple[int, ...]:
        return tuple(self.slurmd_first + i for i in range(NODE_COUNT))


@dataclass(frozen=True)
class Layout:
    """Paths of one testbed directory."""

    root: Path

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def conf(self) -> Path:
        return self.etc / "slurm.conf"

    @property
    def dbd_conf(self) -> Path:
        return self.etc / "slurmdbd.conf"

    @property
    def jwt_key(self) -> Path:
        return self.etc / "jwt_hs256.key"

    @property
    def munge_key(self) -> Path:
        return self.etc / "munge.key"

    @property
    def munge_dir(self) -> Path:
        return self.root / "munge"

    @property
    def munge_socket(self) -> Path:
        return self.munge_dir / "munge.socket"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def log(self) -> Path:
        return self.root / "log"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def spool(self) -> Path:
        return self.root / "spool"

    @property
    def mysql_dir(self) -> Path:
        return self.root / "mysql"

    @property
    def mysql_data(self) -> Path:
        return self.mysql_dir / "data"

    @property
    def mysql_socket(self) -> Path:
        return self.mysql_dir / "mysqld.sock"

    @property
    def manifest(self) -> Path:
        """Pid files of the daemons this harness started (what tear-down stops)."""
        return self.root / "started.pidfiles"

    @property
    def ports_file(self) -> Path:
        return self.root / "testbed.json"

    def pid_file(self, daemon: str) -> Path:
        """Pid file of one daemon: munged, mariadbd, slurmdbd, slurmctld, slurmd-nodeK, ..."""
        if daemon == "munged":
            return self.munge_dir / "munged.pid"
        if daemon == "mariadbd":
            return self.mysql_dir / "mysqld.pid"
        return self.run / f"{daemon}.pid"


def default_layout() -> Layout:
    return Layout(Path(os.environ.get("SLURM_TESTBED_DIR", DEFAULT_DIR)))


def port_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:port (a bind succeeds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port the kernel says is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pick(base: int, count: int = 1) -> int:
    for attempt in range(_PORT_TRIES):
        first = base + attempt * _PORT_STEP
        if all(port_free(first + i) for i in range(count)):
            return first
    raise RuntimeError(f"no free port range near {base}")


def load_ports(layout: Layout) -> Ports | None:
    try:
        return Ports(**json.loads(layout.ports_file.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _all_free(ports: Ports) -> bool:
    fixed = (ports.slurmctld, ports.slurmdbd, ports.mariadb, *ports.slurmd)
    return all(port_free(port) for port in fixed)


def choose_ports(layout: Layout, *, running: bool) -> Ports:
    """The ports recorded for this directory, else a fresh free set (recorded).

    When none of the testbed's daemons runs (`running` false) and another program
    took one of the recorded ports meanwhile, a new set is chosen.
    """
    known = load_ports(layout)
    if known is not None and (running or _all_free(known)):
        return known
    ports = Ports(
        slurmctld=_pick(_BASE_PORTS["slurmctld"]),
        slurmdbd=_pick(_BASE_PORTS["slurmdbd"]),
        mariadb=_pick(_BASE_PORTS["mariadb"]),
        slurmd_first=_pick(_BASE_PORTS["slurmd"], NODE_COUNT),
        slurmrestd=free_port(),
    )
    save_ports(layout, ports)
    return ports


def save_ports(layout: Layout, ports: Ports) -> None:
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.ports_file.write_text(json.dumps(asdict(ports), indent=2) + "\n")
