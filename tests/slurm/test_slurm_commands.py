"""The slurm backend's pure parts: identity -> child process, errors, output parsers.

A fake runner stands in for subprocess.run (the boundary); no Slurm needed.
"""

from __future__ import annotations

import os
import subprocess
import time
from typing import Any

import jwt
import pytest

from slurm.fakes import FakeRunner
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.base import Cluster
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import commands as commands_module
from slurmrestd.cluster.slurm.cluster import HEALTH_TTL_S, SlurmCluster
from slurmrestd.cluster.slurm.commands import SlurmCommands, error_from_output, token_user
from slurmrestd.cluster.slurm.parse import (
    parse_config,
    parse_licenses,
    parse_ping,
    parse_version,
)
from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.model.license import License

ME = os.geteuid()


def token_for(user: str) -> str:
    now = int(time.time())
    return jwt.encode({"sun": user, "iat": now, "exp": now + 60}, b"k" * 32, algorithm="HS256")


def jwt_identity(user: str = "alice", token_of: str | None = None) -> Identity:
    return Identity(user, 1001, 1001, "rest_auth/jwt", token=token_for(token_of or user))


LOCAL_SELF = Identity("me", ME, os.getegid(), "rest_auth/local")


# ---------------------------------------------------------------- identities


def test_a_token_goes_to_the_child_only() -> None:
    runner = FakeRunner()
    cmds = SlurmCommands("/etc/x/slurm.conf", runner=runner, base_env={"PATH": "/bin"})
    identity = jwt_identity()
    before = dict(os.environ)
    cmds.run(identity, ["scontrol", "ping"])
    assert runner.last_env["SLURM_JWT"] == identity.token
    assert runner.last_env["SLURM_CONF"] == "/etc/x/slurm.conf"
    assert dict(os.environ) == before
    # Same uid switching is left alone: the token, not the process, names the user.
    assert "user" not in runner.calls[-1][1]


def test_local_identity_runs_as_the_daemon_without_its_own_token() -> None:
    runner = FakeRunner()
    base = {"PATH": "/bin", "SLURM_JWT": "daemon", "HOME": "/root"}
    SlurmCommands(None, runner=runner, base_env=base).run(LOCAL_SELF, ["scontrol", "ping"])
    env = runner.last_env
    assert "SLURM_JWT" not in env  # a daemon-wide token must never act for a request
    assert "SLURM_CONF" not in env  # no -f: the commands find slurm.conf as they always do
    assert env["HOME"] == "/root"
    assert "user" not in runner.calls[-1][1]


def test_a_proxy_token_is_refused_not_run_as_its_owner() -> None:
    runner = FakeRunner()
    cmds = SlurmCommands(None, runner=runner, base_env={})
    with pytest.raises(SlurmError) as info:
        cmds.run(jwt_identity("alice", token_of="root"), ["scontrol", "ping"])
    assert info.value.errno == Errno.NOT_SUPPORTED
    assert runner.calls == []


def test_another_local_user_needs_a_root_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = FakeRunner()
    cmds = SlurmCommands(None, runner=runner, base_env={})
    other = Identity("bob", ME + 4242, 4242, "rest_auth/local")
    monkeypatch.setattr(commands_module.os, "geteuid", lambda: 0)
    cmds.run(other, ["scontrol", "ping"])
    assert runner.calls[-1][1]["user"] == ME + 4242
    assert runner.calls[-1][1]["group"] == 4242
    assert runner.calls[-1][1]["extra_groups"] == []
    monkeypatch.setattr(commands_module.os, "geteuid", lambda: ME + 1)
    with pytest.raises(SlurmError) as info:
        cmds.run(other, ["scontrol", "ping"])
    assert info.value.errno == Errno.ACCESS_DENIED


def test_token_user_reads_sun_then_username() -> None:
    assert token_user(token_for("alice")) == "alice"
    assert token_user(jwt.encode({"username": "bob"}, b"k" * 32, algorithm="HS256")) == "bob"
    assert token_user("not a token") is None


# -------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("stderr", "errno", "source"),
    [
        ("slurm_load_jobs error: Invalid job id specified\n", 2017, "slurm_load_jobs"),
        (
            "slurm_load_ctl_conf error: Unable to contact slurm controller (connect failure)\n",
            1800,
            "slurm_load_ctl_conf",
        ),
        (
            "slurm_load_license error: Zero Bytes were transmitted or received\n",
            5005,
            "slurm_load_license",
        ),
        ("sbatch: error: Batch job submission failed: Invalid qos specification\n", 2066, None),
        ("scontrol: something nobody tabled\n", -1, None),
    ],
)
def test_failed_commands_become_slurm_errors(stderr: str, errno: int, source: str | None) -> None:
    error = error_from_output(("scontrol", "show", "job"), 1, "", stderr)
    assert error.errno == errno
    assert error.description == stderr.strip()
    assert error.source == (source or "scontrol show job")


def test_output_raises_with_slurms_errno() -> None:
    argv = ("scontrol", "show", "job", "99")
    runner = FakeRunner({argv: (1, "", "slurm_load_jobs error: Invalid job id specified\n")})
    with pytest.raises(SlurmError) as info:
        SlurmCommands(None, runner=runner, base_env={}).output(LOCAL_SELF, argv)
    assert info.value.errno == Errno.INVALID_JOB_ID
    assert info.value.text == "Invalid job id specified"


def test_a_hung_command_times_out() -> None:
    runner = FakeRunner()
    runner.raise_exc = subprocess.TimeoutExpired(["scontrol"], 2)
    cmds = SlurmCommands(None, runner=runner, base_env={}, timeout=2)
    with pytest.raises(SlurmError) as info:
        cmds.run(LOCAL_SELF, ["scontrol", "ping"])
    assert info.value.errno == Errno.SOCKET_TIMEOUT
    assert runner.calls[-1][1]["timeout"] == 2


def test_a_missing_program_is_a_slurm_error() -> None:
    cmds = SlurmCommands(None, base_env={"PATH": "/nonexistent"})
    with pytest.raises(SlurmError) as info:
        cmds.run(LOCAL_SELF, ["no-such-slurm-command"])
    assert "cannot run no-such-slurm-command" in info.value.description


# ------------------------------------------------------------------- parsers

PING_TWO = (
    "Slurmctld(primary) at ctl1 is UP\n"
    "Slurmctld(backup) at ctl2 is DOWN\n"
    "*****************************************\n"
)


def test_parse_ping() -> None:
    assert parse_ping(PING_TWO, 1234) == [
        ControllerPing("ctl1", True, 1234, True, "primary"),
        ControllerPing("ctl2", False, 0, False, "backup"),
    ]
    assert parse_ping("garbage\n", 5) == []


def test_parse_licenses() -> None:
    text = (
        "LicenseName=fluent Total=30 Used=4 Free=26 Reserved=0 Remote=no\n"
        "LicenseName=db@remote Total=10 Used=0 Free=8 Reserved=2 Remote=yes "
        "LastConsumed=3 LastDeficit=1\n"
        "No licenses configured in Slurm.\n"
    )
    assert parse_licenses(text) == (
        License("fluent", 30, used=4, reserved=0, remote=False),
        License("db@remote", 10, reserved=2, remote=True, last_consumed=3, last_deficit=1),
    )


def test_parse_version_and_config() -> None:
    assert parse_version("slurm-wlm 22.05.8") == SlurmVersion(22, 5, 8)
    assert parse_version("no digits") is None
    config = parse_config(
        "Configuration data as of 2026-01-01T00:00:00\n"
        "ClusterName             = testbed\n"
        "SLURM_VERSION           = 22.05.8\n"
        "Cgroup Support Configuration:\n"
    )
    assert config == {"ClusterName": "testbed", "SLURM_VERSION": "22.05.8"}


# ------------------------------------------------------------------- cluster

CONFIG = "ClusterName = blue\nSLURM_VERSION = 22.05.8\n"


def fake_cluster(ping: str = "Slurmctld(primary) at ctl1 is UP\n") -> FakeRunner:
    return FakeRunner(
        {
            ("scontrol", "ping"): (0 if "UP" in ping else 1, ping, ""),
            ("scontrol", "show", "config"): (0, CONFIG, ""),
            ("scontrol", "show", "licenses", "-o"): (
                0,
                "LicenseName=matlab Total=2 Used=1 Free=1 Reserved=0 Remote=no\n",
                "",
            ),
        }
    )


def connect(runner: FakeRunner, **kw: Any) -> SlurmCluster:
    return SlurmCluster.connect_with(SlurmCommands("/c", runner=runner, base_env={}), **kw)


def test_connect_learns_name_and_release_from_the_controller() -> None:
    cluster = connect(fake_cluster())
    assert isinstance(cluster, Cluster)
    assert cluster.name == "blue"
    assert cluster.version == SlurmVersion(22, 5, 8)


def test_connect_fails_when_no_controller_answers() -> None:
    with pytest.raises(SlurmError) as info:
        connect(fake_cluster("Slurmctld(primary) at ctl1 is DOWN\n"))
    assert info.value.errno == 1800
    assert info.value.description == "no controller answers: ctl1 (primary)"


def test_every_cluster_operation_is_served_by_the_class() -> None:
    # No fallback answers for a missing one: a new protocol call must come with its code.
    calls = {n for n, v in vars(Cluster).items() if callable(v) and not n.startswith("_")}
    missing = sorted(n for n in calls if getattr(SlurmCluster, n, None) in (None, vars(Cluster)[n]))
    assert missing == []
    with pytest.raises(AttributeError):
        connect(fake_cluster()).no_such_operation  # type: ignore[attr-defined]  # noqa: B018


def test_ping_and_licenses_run_as_the_identity() -> None:
    runner = fake_cluster()
    cluster = connect(runner)
    identity = jwt_identity()
    [ping] = cluster.ping(identity)
    assert (ping.hostname, ping.responding, ping.primary) == ("ctl1", True, True)
    assert runner.last_env["SLURM_JWT"] == identity.token
    snapshot = cluster.licenses(identity)
    assert snapshot.licenses == (License("matlab", 2, used=1),)
    assert runner.last_env["SLURM_JWT"] == identity.token


def test_health_is_cached_and_refreshed_in_the_background() -> None:
    now = [1000.0]
    deferred: list[Any] = []
    runner = fake_cluster()
    cluster = connect(runner, clock=lambda: now[0], in_background=deferred.append)
    calls = len(runner.calls)
    assert cluster.healthy() is True
    assert (len(runner.calls), deferred) == (calls, [])  # fresh: nothing to do
    # The controller goes away; a stale answer is returned at once, one refresh is queued.
    runner.answers[("scontrol", "ping")] = (1, "Slurmctld(primary) at ctl1 is DOWN\n", "")
    now[0] += HEALTH_TTL_S
    assert cluster.healthy() is True
    assert cluster.healthy() is True
    assert len(deferred) == 1  # not one per probe
    deferred.pop()()  # the background work runs
    assert cluster.healthy() is False
    assert deferred == []


def test_reload_asks_for_a_fresh_health_check() -> None:
    deferred: list[Any] = []
    cluster = connect(fake_cluster(), in_background=deferred.append)
    assert cluster.healthy() is True
    assert deferred == []
    cluster.reload(None)
    cluster.healthy()
    assert len(deferred) == 1


def test_an_unreachable_controller_marks_the_backend_unhealthy() -> None:
    runner = fake_cluster()
    cluster = connect(runner)
    runner.answers[("scontrol", "show", "licenses", "-o")] = (
        1,
        "",
        "slurm_load_license error: Unable to contact slurm controller (connect failure)\n",
    )
    with pytest.raises(SlurmError) as info:
        cluster.licenses(jwt_identity())
    assert info.value.errno == 1800
    assert cluster.healthy() is False


# ------------------------------------------------------ child process options


def test_a_bare_environment_keeps_nothing_that_steers_sbatch() -> None:
    runner = FakeRunner()
    base = {
        "PATH": "/bin",
        "TZ": "UTC",
        "SBATCH_PARTITION": "x",
        "SLURM_JWT": "daemon",
        "HOME": "/",
    }
    cmds = SlurmCommands("/c", runner=runner, base_env=base)
    identity = jwt_identity()
    cmds.run(identity, ["sbatch"], input="#!/bin/sh\n", pass_fds=[5], bare_env=True, umask=0o22)
    kwargs = runner.calls[-1][1]
    assert kwargs["env"] == {
        "PATH": "/bin",
        "TZ": "UTC",
        "SLURM_CONF": "/c",
        "SLURM_JWT": identity.token,
    }
    assert (kwargs["input"], kwargs["pass_fds"], kwargs["umask"]) == ("#!/bin/sh\n", (5,), 0o22)
    assert "stdin" not in kwargs
    cmds.run(identity, ["scontrol"], extra_env={"SLURM_TIME_FORMAT": "%s"})
    assert runner.last_env["SBATCH_PARTITION"] == "x"
    assert runner.last_env["SLURM_TIME_FORMAT"] == "%s"
    assert runner.calls[-1][1]["stdin"] == subprocess.DEVNULL


def sh_spawner(script: str) -> Any:
    """A spawner that runs `script` in sh instead of the Slurm command (real process)."""

    def spawn(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        kwargs["env"] = {"PATH": "/bin:/usr/bin"}
        return subprocess.Popen(["sh", "-c", script], **kwargs)

    return spawn


def test_run_watching_stops_a_command_at_its_marker() -> None:
    cmds = SlurmCommands(spawner=sh_spawner("echo 'retrying soon' >&2; sleep 30"), base_env={})
    started = time.monotonic()
    result = cmds.run_watching(None, ["scancel", "1"], give_up_on="retrying")
    assert time.monotonic() - started < 10
    assert (result.gave_up, result.stderr) == (True, "retrying soon\n")


def test_run_watching_returns_a_finished_commands_result() -> None:
    cmds = SlurmCommands(spawner=sh_spawner("echo oops >&2; exit 3"), base_env={})
    result = cmds.run_watching(None, ["scancel", "1"], give_up_on="retrying")
    assert (result.returncode, result.stderr, result.gave_up) == (3, "oops\n", False)


def test_run_watching_times_out_and_reports_a_missing_program() -> None:
    cmds = SlurmCommands(spawner=sh_spawner("sleep 30"), base_env={}, timeout=0.3)
    with pytest.raises(SlurmError) as info:
        cmds.run_watching(None, ["scancel", "1"], give_up_on="x")
    assert info.value.errno == Errno.SOCKET_TIMEOUT

    def missing(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        raise FileNotFoundError(2, "No such file or directory")

    with pytest.raises(SlurmError) as info:
        SlurmCommands(spawner=missing, base_env={}).run_watching(None, ["scancel"], give_up_on="x")
    assert info.value.description == "cannot run scancel: No such file or directory"
