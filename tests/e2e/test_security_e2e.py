"""Privilege drop and start-up refusals of the real daemon (root only)."""

from __future__ import annotations

import contextlib
import grp
import json
import os
import pwd
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from e2e import harness

pytestmark = pytest.mark.skipif(
    not harness.IS_ROOT, reason="privilege drop and the root/SlurmUser refusals need root"
)

SECOND_USER = "srtest2"
MSG_ROOT = "slurmrestd should not be run as the root user."
MSG_SLURM_USER = "slurmrestd should not be run as SlurmUser"
MSG_SLURM_GROUP = "slurmrestd should not be run with SlurmUser's group."
MSG_NOBODY = "slurmrestd should not be run as the nobody user."


@pytest.fixture(scope="session")
def second_user() -> pwd.struct_passwd:
    return harness.ensure_user(SECOND_USER)


def _env(**extra: str) -> dict[str, str]:
    return harness.base_env(**extra)


@contextlib.contextmanager
def unix_daemon(
    rundir: Path, args: Sequence[str], env: Mapping[str, str] | None = None
) -> Iterator[tuple[harness.Daemon, str]]:
    path = str(rundir / "sec.sock")
    daemon = harness.start_daemon([*args, f"unix:{path}"], env=env or _env())
    try:
        yield daemon, path
    finally:
        assert daemon.stop() == 0, daemon.stderr


def ping(path: str, headers: Mapping[str, str] | None = None) -> dict:
    conn = harness.UnixHTTPConnection(path)
    try:
        status, _, body = harness.request(conn, "GET", "/slurm/v0.0.46/ping", headers=headers)
    finally:
        conn.close()
    assert status == 200, body
    return json.loads(body)


def proc_status(pid: int) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.split()
    return fields


def slurm_user_conf(rundir: Path, slurm_user: str) -> Path:
    conf = rundir / f"slurm-{slurm_user}.conf"
    conf.write_text(f"ClusterName=sec\nSlurmUser={slurm_user}\n")
    os.chmod(conf, 0o644)
    return conf


def assert_fatal(proc, message: str, sock: Path | None = None) -> None:
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert f"fatal: {message}" in err, err
    assert "listening" not in err
    if sock is not None:
        assert not sock.exists(), "socket created before the security check"


# ----------------------------------------------------------------- root


def test_root_is_refused(cluster, rundir):
    sock = rundir / "root.sock"
    proc = harness.run_daemon(["-f", str(cluster.conf), f"unix:{sock}"])
    assert_fatal(proc, MSG_ROOT, sock)


def test_disable_user_check_lets_root_serve(cluster, rundir):
    env = _env(SLURMRESTD_SECURITY="disable_user_check")
    with unix_daemon(rundir, ["-f", str(cluster.conf)], env) as (daemon, path):
        status = proc_status(daemon.proc.pid)
        assert status["Uid"] == ["0", "0", "0", "0"]
        doc = ping(path)
        assert doc["meta"]["client"]["user"] == "root"
        assert doc["pings"][0]["responding"] is True


# ----------------------------------------------------------------- -u / -g drop


def test_privileges_really_drop(cluster, rundir, daemon_user):
    uid, gid = str(daemon_user.pw_uid), str(daemon_user.pw_gid)
    with unix_daemon(rundir, [*harness.privilege_args(daemon_user), "-f", str(cluster.conf)]) as (
        daemon,
        path,
    ):
        status = proc_status(daemon.proc.pid)
        assert status["Uid"] == [uid] * 4, status["Uid"]
        assert status["Gid"] == [gid] * 4, status["Gid"]
        assert status["Groups"] in ([], [gid]), status["Groups"]
        assert status["NoNewPrivs"] == ["1"]
        assert status["CapEff"] == ["0000000000000000"]
        assert status["CapPrm"] == ["0000000000000000"]
        # The socket was made after the drop: it belongs to the daemon's user.
        st = os.stat(path)
        assert (st.st_uid, st.st_gid) == (daemon_user.pw_uid, daemon_user.pw_gid)
        assert ping(path)["meta"]["client"]["user"] == daemon_user.pw_name


def test_user_only_takes_the_users_groups(cluster, rundir, daemon_user):
    """-u without -g: the user's primary group, never root's group 0."""
    with unix_daemon(rundir, ["-u", daemon_user.pw_name, "-f", str(cluster.conf)]) as (daemon, _):
        status = proc_status(daemon.proc.pid)
        assert status["Uid"] == [str(daemon_user.pw_uid)] * 4
        assert status["Gid"] == [str(daemon_user.pw_gid)] * 4
        assert "0" not in status["Groups"]


def test_numeric_user_and_group(cluster, rundir, daemon_user):
    args = ["-u", str(daemon_user.pw_uid), "-g", str(daemon_user.pw_gid), "-f", str(cluster.conf)]
    with unix_daemon(rundir, args) as (daemon, _):
        assert proc_status(daemon.proc.pid)["Uid"] == [str(daemon_user.pw_uid)] * 4


# ----------------------------------------------------------------- refusals


def test_slurm_user_is_refused(rundir, daemon_user):
    conf = slurm_user_conf(rundir, daemon_user.pw_name)
    sock = rundir / "su.sock"
    proc = harness.run_daemon(["-u", daemon_user.pw_name, "-f", str(conf), f"unix:{sock}"])
    assert_fatal(proc, MSG_SLURM_USER, sock)


def test_slurm_users_group_is_refused(rundir, daemon_user, second_user):
    conf = slurm_user_conf(rundir, daemon_user.pw_name)
    sock = rundir / "sg.sock"
    group = grp.getgrgid(daemon_user.pw_gid).gr_name
    proc = harness.run_daemon(
        ["-u", second_user.pw_name, "-g", group, "-f", str(conf), f"unix:{sock}"]
    )
    assert_fatal(proc, MSG_SLURM_GROUP, sock)


def test_other_user_with_slurm_user_configured_runs(rundir, daemon_user, second_user):
    """The refusals are about SlurmUser only: another user with its own group runs."""
    conf = slurm_user_conf(rundir, daemon_user.pw_name)
    os.chown(rundir, second_user.pw_uid, second_user.pw_gid)
    args = ["-u", second_user.pw_name, "-g", str(second_user.pw_gid), "-f", str(conf)]
    with unix_daemon(rundir, args) as (daemon, path):
        assert proc_status(daemon.proc.pid)["Uid"] == [str(second_user.pw_uid)] * 4
        assert ping(path)["meta"]["slurm"]["cluster"] == "sec"


def test_nobody_is_refused(cluster, rundir):
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user named nobody on this system")
    sock = rundir / "nobody.sock"
    proc = harness.run_daemon(["-u", "nobody", "-f", str(cluster.conf), f"unix:{sock}"])
    assert_fatal(proc, MSG_NOBODY, sock)


@pytest.mark.parametrize(
    ("option", "name", "message"),
    [
        ("-u", "no_such_user_srt", "Unable to find user 'no_such_user_srt'"),
        ("-g", "no_such_group_srt", "Unable to find group 'no_such_group_srt'"),
    ],
)
def test_unknown_user_or_group_is_fatal(option, name, message, cluster, rundir, daemon_user):
    sock = rundir / "unknown.sock"
    other = ["-g", str(daemon_user.pw_gid)] if option == "-u" else ["-u", daemon_user.pw_name]
    proc = harness.run_daemon([option, name, *other, "-f", str(cluster.conf), f"unix:{sock}"])
    assert_fatal(proc, message, sock)


def test_bogus_security_flag_exits_1(cluster, rundir, daemon_user):
    proc = harness.run_daemon(
        [*harness.privilege_args(daemon_user), "-f", str(cluster.conf), f"unix:{rundir}/b.sock"],
        env=_env(SLURMRESTD_SECURITY="bogus"),
    )
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert "bogus" in err and "SLURMRESTD_SECURITY" in err
    assert not (rundir / "b.sock").exists()


# ----------------------------------------------------------------- unshare


@pytest.mark.parametrize(
    "security",
    [
        None,
        "disable_unshare_files",
        "disable_unshare_sysv",
        "disable_unshare_files,disable_unshare_sysv",
        "DISABLE_UNSHARE_SYSV",
    ],
)
def test_starts_with_each_unshare_setting(security, cluster, rundir, daemon_user):
    env = _env(SLURMRESTD_SECURITY=security) if security else _env()
    args = [*harness.privilege_args(daemon_user), "-f", str(cluster.conf)]
    with unix_daemon(rundir, args, env) as (daemon, path):
        assert ping(path)["pings"][0]["responding"] is True
        assert proc_status(daemon.proc.pid)["NoNewPrivs"] == ["1"]
