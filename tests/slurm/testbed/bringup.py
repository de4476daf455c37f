"""Bring the testbed up, step by step, each step idempotent.

packages -> users and host name -> files and keys -> munged -> MariaDB ->
slurmdbd -> slurmctld -> slurmd x4 -> accounts -> the C slurmrestd. A step
only starts what is not already running, so a second bring-up on a healthy
testbed starts nothing and only checks (a few seconds).
"""

from __future__ import annotations

import dataclasses
import http.client
import os
import pwd
import re
import secrets
import shutil
import socket
import string
import time
from pathlib import Path

from slurm.testbed import daemons, packages
from slurm.testbed.daemons import TestbedError
from slurm.testbed.handle import Testbed, slurm_env
from slurm.testbed.layout import (
    CLUSTER,
    DB_PASSWORD,
    NODE_COUNT,
    REST_USER,
    SLURM_USER,
    USERS,
    Layout,
    choose_ports,
    free_port,
    port_free,
    save_ports,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
_HARDWARE = re.compile(
    r"CPUs=(\d+).*SocketsPerBoard=(\d+).*CoresPerSocket=(\d+).*ThreadsPerCore=(\d+)"
    r".*RealMemory=(\d+)"
)
# Accounts and associations: (account, description, organization), (user, account, default?).
ACCOUNTS = (("research", "Research group", "science"), ("ops", "Operations", "it"))
ASSOCIATIONS = (("alice", "research", True), ("alice", "ops", False), ("bob", "ops", True))
EXTRA_QOS = ("high",)  # "normal" exists in every new accounting database


class _Steps:
    """A timed log of the bring-up, kept on the Testbed for failure reports."""

    def __init__(self, bed: Testbed) -> None:
        self._bed = bed
        self._t0 = time.monotonic()

    def note(self, text: str) -> None:
        self._bed.steps.append(f"[{time.monotonic() - self._t0:6.1f}s] {text}")


def bring_up(layout: Layout) -> Testbed:
    """Start whatever part of the testbed is not running and wait until it is usable.

    Raises:
        TestbedError: a step failed; the message names it.
        packages.PackageError: apt-get could not install the packages.
    """
    os.environ.pop("SLURM_JWT", None)  # never let a token leak into our own commands
    layout.root.mkdir(parents=True, exist_ok=True)
    running = any(daemons.alive(path) is not None for path in daemons.recorded(layout))
    ports = choose_ports(layout, running=running)
    bed = Testbed(layout, ports, socket.gethostname().split(".")[0])
    steps = _Steps(bed)
    install_log: list[str] = []
    packages.ensure_installed(install_log)
    for line in install_log:
        steps.note(line)
    steps.note("packages present")
    _users_and_host(bed.host)
    conf_changed = _files(bed)
    steps.note("configuration written")
    _munged(bed)
    steps.note("munged up")
    _mariadb(bed)
    steps.note("mariadbd up")
    _slurmdbd(bed)
    steps.note("slurmdbd up")
    _slurmctld(bed, conf_changed)
    steps.note("slurmctld up")
    _slurmd(bed)
    steps.note(f"slurmd x{NODE_COUNT} up, nodes idle")
    _accounts(bed)
    steps.note("accounts, users and QOS present")
    _slurmrestd(bed)
    steps.note(f"C slurmrestd up at {bed.rest_url}")
    return bed


def tear_down(layout: Layout, *, purge: bool = False) -> list[str]:
    """Stop every daemon the harness started; with `purge` delete the directory too."""
    report = daemons.stop_recorded(layout)
    if purge and layout.root.is_dir():
        shutil.rmtree(layout.root)
        report.append(f"removed {layout.root}")
    return report


# ---------------------------------------------------------------- users, files


def _users_and_host(host: str) -> None:
    for user in USERS:
        if not _user_exists(user):
            daemons.run(["useradd", "-m", "-s", "/bin/bash", user], os.environ)
    if not _user_exists(REST_USER):
        system = ["--system", "--no-create-home", "--user-group"]
        daemons.run(["useradd", *system, "-s", "/usr/sbin/nologin", REST_USER], os.environ)
    try:
        socket.gethostbyname(host)
    except OSError:
        # slurmctld and slurmd must resolve the host name the nodes are given.
        with open("/etc/hosts", "a") as hosts:
            hosts.write(f"127.0.0.1 {host}\n")


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _chown(path: Path, user: str, mode: int) -> None:
    shutil.chown(path, user, user)
    path.chmod(mode)


def _write_if_changed(path: Path, text: str, mode: int = 0o644, owner: str = "root") -> bool:
    if path.is_file() and path.read_text() == text:
        return False
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    _chown(tmp, owner, mode)
    tmp.replace(path)
    return True


def _hardware(env: dict[str, str]) -> tuple[int, int, int, int, int]:
    out = daemons.run(["slurmd", "-C"], env).stdout
    match = _HARDWARE.search(out)
    if match is None:
        raise TestbedError(f"cannot read the hardware from `slurmd -C`: {out!r}")
    cpus, sockets, cores, threads, memory = (int(g) for g in match.groups())
    return cpus, sockets, cores, threads, memory


def _files(bed: Testbed) -> bool:
    """Directories, keys and configuration files; True if slurm.conf changed."""
    layout = bed.layout
    layout.root.chmod(0o755)
    for path, owner, mode in (
        (layout.etc, "root", 0o755),
        (layout.munge_dir, "munge", 0o755),
        (layout.run, SLURM_USER, 0o755),
        (layout.log, SLURM_USER, 0o755),
        (layout.state, SLURM_USER, 0o700),
        (layout.spool, "root", 0o755),
        (layout.mysql_dir, "mysql", 0o750),
    ):
        path.mkdir(exist_ok=True)
        _chown(path, owner, mode)
    if not layout.munge_key.is_file():
        layout.munge_key.write_bytes(secrets.token_bytes(1024))
    _chown(layout.munge_key, "munge", 0o400)
    if not layout.jwt_key.is_file():
        layout.jwt_key.write_bytes(secrets.token_bytes(32))
    _chown(layout.jwt_key, SLURM_USER, 0o600)

    cpus, sockets, cores, threads, memory = _hardware(slurm_env(layout.conf))
    ports = bed.ports
    values = {
        "cluster": CLUSTER,
        "host": bed.host,
        "slurmctld_port": ports.slurmctld,
        "slurmdbd_port": ports.slurmdbd,
        "mariadb_port": ports.mariadb,
        "slurmd_first_port": ports.slurmd[0],
        "slurmd_last_port": ports.slurmd[-1],
        "munge_socket": layout.munge_socket,
        "jwt_key": layout.jwt_key,
        "state_dir": layout.state,
        "spool_dir": layout.spool,
        "run_dir": layout.run,
        "log_dir": layout.log,
        "db_password": DB_PASSWORD,
        "node_count": NODE_COUNT,
        "batch_first": NODE_COUNT // 2 + 1,
        "cpus": cpus,
        "sockets": sockets,
        "cores": cores,
        "threads": threads,
        "node_memory": max(1, memory // NODE_COUNT),
    }

    def render(name: str) -> str:
        return string.Template((TEMPLATES / name).read_text()).substitute(values)

    conf_changed = _write_if_changed(layout.conf, render("slurm.conf.in"))
    _write_if_changed(layout.etc / "cgroup.conf", render("cgroup.conf.in"))
    # slurmdbd insists on owning its (password-holding) configuration alone.
    _write_if_changed(layout.dbd_conf, render("slurmdbd.conf.in"), 0o600, SLURM_USER)
    return conf_changed


# ------------------------------------------------------------------- daemons


def _start_forking(bed: Testbed, name: str, argv: list[str], *, user: str | None = None) -> None:
    """Start a daemon that forks and writes its own pid file, unless it runs."""
    pid_file = bed.layout.pid_file(name)
    if daemons.alive(pid_file) is not None:
        return
    pid_file.unlink(missing_ok=True)
    daemons.run(argv, bed.env(), user=user)
    daemons.wait_for(f"{name} pid file", lambda: daemons.alive(pid_file) is not None, 15)
    daemons.record(bed.layout, pid_file)
    bed.started.append(name)


def _munged(bed: Testbed) -> None:
    layout = bed.layout
    _start_forking(
        bed,
        "munged",
        [
            "/usr/sbin/munged",
            f"--socket={layout.munge_socket}",
            f"--key-file={layout.munge_key}",
            f"--pid-file={layout.pid_file('munged')}",
            f"--seed-file={layout.munge_dir / 'munged.seed'}",
            f"--log-file={layout.munge_dir / 'munged.log'}",
            "--num-threads=4",
        ],
        user="munge",
    )
    socket_arg = f"--socket={layout.munge_socket}"

    def credential_round_trip() -> bool:
        cred = daemons.run(["munge", socket_arg, "-n"], bed.env()).stdout
        daemons.run(["unmunge", socket_arg], bed.env(), input=cred)
        return True

    daemons.wait_for("munged", credential_round_trip, 20)


def _mysql(bed: Testbed, sql: str) -> None:
    sock = f"--socket={bed.layout.mysql_socket}"
    daemons.run(["mariadb", "--no-defaults", sock, "-u", "root"], bed.env(), input=sql)


def _mariadb(bed: Testbed) -> None:
    layout = bed.layout
    if not (layout.mysql_data / "mysql").is_dir():
        daemons.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                "--user=mysql",
                f"--datadir={layout.mysql_data}",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
            ],
            bed.env(),
            timeout=120,
        )
    pid_file = layout.pid_file("mariadbd")
    if daemons.alive(pid_file) is None:
        pid_file.unlink(missing_ok=True)
        layout.mysql_socket.unlink(missing_ok=True)
        daemons.spawn(
            [
                "/usr/sbin/mariadbd",
                "--no-defaults",
                "--user=mysql",
                f"--datadir={layout.mysql_data}",
                f"--socket={layout.mysql_socket}",
                f"--pid-file={pid_file}",
                f"--port={bed.ports.mariadb}",
                "--bind-address=127.0.0.1",
                "--skip-name-resolve",
                # slurmdbd logs a warning with smaller values; enough for a testbed
                "--innodb-buffer-pool-size=256M",
                "--innodb-lock-wait-timeout=900",
                "--innodb-log-file-size=64M",
            ],
            bed.env(),
            layout.log / "mariadbd.log",
        )
        daemons.wait_for("mariadbd pid file", lambda: daemons.alive(pid_file) is not None, 60)
        daemons.record(layout, pid_file)
        bed.started.append("mariadbd")
    sock = f"--socket={layout.mysql_socket}"
    # A failing command raises TestbedError, which wait_for retries until its deadline.
    ping = ["mariadb-admin", "--no-defaults", sock, "ping"]
    daemons.wait_for("mariadbd", lambda: daemons.run(ping, bed.env()) is not None, 60)
    grants = "".join(
        f"CREATE USER IF NOT EXISTS 'slurm'@'{host}' IDENTIFIED BY '{DB_PASSWORD}';"
        f"GRANT ALL ON slurm_acct_db.* TO 'slurm'@'{host}';"
        for host in ("127.0.0.1", "localhost")
    )
    _mysql(bed, f"CREATE DATABASE IF NOT EXISTS slurm_acct_db;{grants}FLUSH PRIVILEGES;")


def _sacctmgr_lines(bed: Testbed, *args: str) -> list[str]:
    out = daemons.run(["sacctmgr", "-n", "-P", *args], bed.env(), timeout=30).stdout
    return [line for line in out.splitlines() if line.strip()]


def _slurmdbd(bed: Testbed) -> None:
    _start_forking(bed, "slurmdbd", ["/usr/sbin/slurmdbd"])
    # sacctmgr fails (TestbedError, retried by wait_for) until slurmdbd answers.
    daemons.wait_for("slurmdbd", lambda: _sacctmgr_lines(bed, "show", "cluster") is not None, 60)
    # Register the cluster before slurmctld does, so its first registration lands.
    if CLUSTER not in _sacctmgr_lines(bed, "show", "cluster", "format=cluster"):
        daemons.run(["sacctmgr", "-i", "add", "cluster", CLUSTER], bed.env())


def _controller_up(bed: Testbed) -> bool:
    proc = daemons.run(["scontrol", "ping"], bed.env(), check=False, timeout=30)
    return "is UP" in proc.stdout


def _slurmctld(bed: Testbed, conf_changed: bool) -> None:
    running = daemons.alive(bed.layout.pid_file("slurmctld")) is not None
    _start_forking(bed, "slurmctld", ["/usr/sbin/slurmctld"])
    daemons.wait_for("slurmctld to answer `scontrol ping`", lambda: _controller_up(bed), 60)
    if running and conf_changed:
        daemons.run(["scontrol", "reconfigure"], bed.env())


def _node_states(bed: Testbed) -> dict[str, str]:
    out = daemons.run(["sinfo", "-h", "-N", "-p", "debug", "-o", "%N %t"], bed.env()).stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


def _slurmd(bed: Testbed) -> None:
    for node in bed.nodes:
        (bed.layout.spool / node).mkdir(exist_ok=True)
        _start_forking(bed, f"slurmd-{node}", ["/usr/sbin/slurmd", "-N", node])

    # A kept testbed may have nodes a test drained or downed: give them back.
    states = _node_states(bed)
    for node in bed.nodes:
        if states.get(node, "").rstrip("*").startswith(("drain", "drng", "down", "fail")):
            daemons.run(["scontrol", "update", f"NodeName={node}", "State=RESUME"], bed.env())

    def all_usable() -> bool:
        # No suffix allowed: "idle*" is a node that does not respond.
        states = _node_states(bed)
        return all(states.get(node) in ("idle", "mix", "alloc") for node in bed.nodes)

    daemons.wait_for("every node to be idle in sinfo", all_usable, 60)


def _accounts(bed: Testbed) -> None:
    accounts = set(_sacctmgr_lines(bed, "show", "account", "format=account"))
    for name, description, organization in ACCOUNTS:
        if name not in accounts:
            daemons.run(
                [
                    "sacctmgr",
                    "-i",
                    "add",
                    "account",
                    name,
                    f"Description={description}",
                    f"Organization={organization}",
                    f"Cluster={CLUSTER}",
                ],
                bed.env(),
            )
    qos = set(_sacctmgr_lines(bed, "show", "qos", "format=name"))
    for name in EXTRA_QOS:
        if name not in qos:
            daemons.run(["sacctmgr", "-i", "add", "qos", name, "Priority=100"], bed.env())
    existing = set(_sacctmgr_lines(bed, "show", "assoc", "format=user,account"))
    for user, account, default in ASSOCIATIONS:
        if f"{user}|{account}" in existing:
            continue
        argv = ["sacctmgr", "-i", "add", "user", user, f"Account={account}", f"Cluster={CLUSTER}"]
        if default:
            argv.append(f"DefaultAccount={account}")
        daemons.run(argv, bed.env())


def _rest_answers(bed: Testbed, token: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", bed.ports.slurmrestd, timeout=5)
    try:
        headers = {"X-SLURM-USER-NAME": "root", "X-SLURM-USER-TOKEN": token}
        conn.request("GET", "/slurm/v0.0.38/ping", headers=headers)
        return conn.getresponse().status == 200
    finally:
        conn.close()


def _slurmrestd(bed: Testbed) -> None:
    layout = bed.layout
    pid_file = layout.pid_file("slurmrestd-jwt")
    if daemons.alive(pid_file) is None:
        pid_file.unlink(missing_ok=True)
        if not port_free(bed.ports.slurmrestd):
            bed.ports = dataclasses.replace(bed.ports, slurmrestd=free_port())
            save_ports(layout, bed.ports)
        # In 22.05 rest_auth/jwt works only when SLURM_JWT=daemon makes auth/jwt the
        # process's only auth plugin; it must not run as root or SlurmUser.
        pid = daemons.spawn(
            ["/usr/sbin/slurmrestd", "-a", "rest_auth/jwt", f"127.0.0.1:{bed.ports.slurmrestd}"],
            bed.env(SLURM_JWT="daemon"),
            layout.log / "slurmrestd-jwt.log",
            user=REST_USER,
        )
        pid_file.write_text(f"{pid}\n")
        daemons.record(layout, pid_file)
        bed.started.append("slurmrestd-jwt")
    token = bed.token("root", lifespan=120)
    daemons.wait_for("the C slurmrestd to answer /ping", lambda: _rest_answers(bed, token), 30)
