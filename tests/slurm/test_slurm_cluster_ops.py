"""SlurmCluster's jobs/nodes/partitions/reservations/diag and job writes, over a fake runner.

The runner (the subprocess boundary) answers with real 22.05 output; what is
checked is which command runs, as whom, and what comes back.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from slurm.fakes import FakeRunner
from slurm.test_slurm_commands import CONFIG, jwt_identity, sh_spawner
from slurm.test_slurm_text_parsers import PARTITIONS, RESERVATIONS, SDIAG
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import SlurmCluster, SlurmCommands
from slurmrestd.cluster.slurm.cluster import (
    SDIAG as SDIAG_ARGV,
)
from slurmrestd.cluster.slurm.cluster import (
    SHOW_PARTITIONS,
    SHOW_RESERVATIONS,
    SINFO_JSON,
    SQUEUE_JSON,
)
from slurmrestd.model.job_desc import JobDescription

NOW = 1795226000.5
PING = (0, "Slurmctld(primary) at ctl1 is UP\n", "")


@pytest.fixture
def responses(shared_reference: Path) -> dict[tuple[str, ...], tuple[int, str, str]]:
    found = shared_reference / "slurm-22.05/responses"
    return {
        ("scontrol", "ping"): PING,
        ("scontrol", "show", "config"): (0, CONFIG, ""),
        SQUEUE_JSON: (0, (found / "GET_slurm_v0.0.38_jobs.json").read_text(), ""),
        SINFO_JSON: (0, (found / "GET_slurm_v0.0.38_nodes.json").read_text(), ""),
        SHOW_PARTITIONS: (0, PARTITIONS, ""),
        SHOW_RESERVATIONS: (0, RESERVATIONS, ""),
        SDIAG_ARGV: (0, SDIAG, ""),
    }


def cluster_with(runner: FakeRunner, euid: int = 1001) -> SlurmCluster:
    commands = SlurmCommands("/c", runner=runner, base_env={"PATH": "/bin", "SBATCH_QOS": "x"})
    return SlurmCluster.connect_with(commands, wall_clock=lambda: NOW, euid=lambda: euid)


def test_reads_run_as_the_identity_and_parse_the_output(
    responses: dict[tuple[str, ...], tuple[int, str, str]],
) -> None:
    runner = FakeRunner(responses)
    cluster = cluster_with(runner)
    alice = jwt_identity()
    jobs = cluster.jobs(alice)
    assert (len(jobs.jobs), jobs.last_update) == (26, int(NOW))
    assert runner.calls[-1][0] == list(SQUEUE_JSON)
    assert runner.last_env["SLURM_JWT"] == alice.token
    assert [j.job_id for j in cluster.job(alice, "26").jobs] == [26]
    with pytest.raises(SlurmError) as info:
        cluster.job(alice, "999")
    assert info.value.errno == Errno.INVALID_JOB_ID
    nodes = cluster.nodes(alice).nodes
    assert {n.cluster_name for n in nodes} == {"blue"}  # sinfo's JSON names no cluster
    parts = cluster.partitions(alice).partitions
    assert [p.name for p in parts] == ["debug", "batch", "h8probe", "h8probe2"]
    assert {p.cluster_name for p in parts} == {"blue"}
    assert [r.name for r in cluster.reservations(alice).reservations] == ["h8probe", "h8probe2"]
    assert runner.last_env["SLURM_TIME_FORMAT"] == "%s"
    assert cluster.diag(alice).jobs_submitted == 10


def test_a_failed_read_is_slurms_error() -> None:
    runner = FakeRunner(
        {
            ("scontrol", "ping"): PING,
            ("scontrol", "show", "config"): (0, CONFIG, ""),
            SQUEUE_JSON: (
                1,
                "",
                "slurm_load_jobs error: Unable to contact slurm controller (connect failure)",
            ),
        }
    )
    cluster = cluster_with(runner)
    with pytest.raises(SlurmError) as info:
        cluster.jobs(jwt_identity())
    assert (info.value.errno, info.value.source) == (Errno.CONTROLLER_CONNECT, "slurm_load_jobs")
    assert cluster.healthy() is False


def test_concurrent_reads_of_one_user_share_one_command(
    responses: dict[tuple[str, ...], tuple[int, str, str]],
) -> None:
    runner = FakeRunner(responses)
    cluster = cluster_with(runner)
    before = len(runner.calls)
    runner.gate = threading.Event()
    alice = jwt_identity()
    other_token = dataclasses.replace(alice, token="another-token-of-alice")
    with ThreadPoolExecutor(4) as pool:
        shared = [pool.submit(cluster.jobs, alice), pool.submit(cluster.job, alice, "26")]
        separate = pool.submit(cluster.jobs, other_token)
        deadline = time.monotonic() + 5
        while (
            len(runner.calls) - before < 2
            or cluster._reads.callers((alice.user_name, alice.uid, alice.token, SQUEUE_JSON)) < 2
        ):
            assert time.monotonic() < deadline
            time.sleep(0.001)
        runner.gate.set()
        assert len(shared[0].result(5).jobs) == 26
        assert [j.job_id for j in shared[1].result(5).jobs] == [26]
        assert len(separate.result(5).jobs) == 26
    # One run for alice's two calls; another token never rides on hers.
    assert [argv for argv, _ in runner.calls[before:]] == [list(SQUEUE_JSON)] * 2


class SbatchRunner(FakeRunner):
    """Answers sbatch like Slurm would, keeping what the --export-file fds held."""

    def __init__(self, code: int, stdout: str, stderr: str = "") -> None:
        super().__init__(
            {("scontrol", "ping"): PING, ("scontrol", "show", "config"): (0, CONFIG, "")}
        )
        self.sbatch = (code, stdout, stderr)
        self.files: list[bytes] = []

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if argv[0] != "sbatch":
            return super().__call__(argv, **kwargs)
        self.calls.append((argv, kwargs))
        self.files = [os.pread(fd, 4096, 0) for fd in kwargs.get("pass_fds", ())]
        return subprocess.CompletedProcess(argv, *self.sbatch)


def test_submit_runs_sbatch_with_the_script_and_only_the_jobs_environment() -> None:
    runner = SbatchRunner(0, "42\n")
    cluster = cluster_with(runner)
    desc = JobDescription(script="#!/bin/sh\n", environment={"A": "1"}, hold=True, name="n")
    result = cluster.submit_job(jwt_identity(), [desc])
    assert (result.job_id, result.notices) == (
        42,
        ((2042, "Job is in held state, pending scheduler release"),),
    )
    argv, kwargs = runner.calls[-1]
    fd = kwargs["pass_fds"][0]
    assert argv == ["sbatch", "--parsable", f"--export-file={fd}", "--job-name=n", "--hold"]
    assert (kwargs["input"], runner.files) == ("#!/bin/sh\n", [b"A=1\0"])
    assert "SBATCH_QOS" not in kwargs["env"]  # the daemon's settings never steer sbatch
    with pytest.raises(OSError):
        os.fstat(fd)  # closed once sbatch is done


def test_submit_refusals() -> None:
    runner = SbatchRunner(
        1, "", "sbatch: error: Batch job submission failed: Invalid qos specification\n"
    )
    desc = JobDescription(script="#!/bin/sh\n", environment={"A": "1"})
    other_daemon = cluster_with(runner, euid=999)
    calls = len(runner.calls)
    with pytest.raises(SlurmError) as info:
        other_daemon.submit_job(jwt_identity(), [desc])
    assert info.value.errno == Errno.USER_ID_MISSING
    assert len(runner.calls) == calls  # refused before sbatch runs
    with pytest.raises(SlurmError) as info:
        other_daemon.submit_job(jwt_identity(), [JobDescription(environment={})])
    assert info.value.errno == Errno.JOB_SCRIPT_MISSING
    with pytest.raises(SlurmError) as info:
        cluster_with(runner).submit_job(jwt_identity(), [desc])
    assert (info.value.errno, info.value.description) == (2066, "Invalid qos specification")


def test_update_and_requeue_run_scontrol_in_order_and_map_failures() -> None:
    runner = FakeRunner(
        {
            ("scontrol", "ping"): PING,
            ("scontrol", "show", "config"): (0, CONFIG, ""),
            ("scontrol", "requeue", "9"): (1, "", "Job is pending execution for job 9\n"),
        }
    )
    cluster = cluster_with(runner)
    cluster.update_job(jwt_identity(), "7", JobDescription(comment="c", hold=False))
    assert [argv for argv, _ in runner.calls[-2:]] == [
        ["scontrol", "update", "JobId=7", "Comment=c"],
        ["scontrol", "release", "7"],
    ]
    with pytest.raises(SlurmError) as info:
        cluster.requeue_job(jwt_identity(), "9")
    assert (info.value.errno, info.value.source) == (Errno.JOB_PENDING, "slurm_requeue")


@pytest.mark.parametrize(
    ("stderr", "errno"),
    [
        ("scancel: Terminating job 7", None),
        ("scancel: error: Kill job error on job id 7: Access/permission denied", 2002),
        ("scancel: Job is in transitional state, retrying", 2020),
    ],
)
def test_signal_runs_scancel_watching_for_its_retries(stderr: str, errno: int | None) -> None:
    runner = FakeRunner(
        {("scontrol", "ping"): PING, ("scontrol", "show", "config"): (0, CONFIG, "")}
    )
    spawned: list[list[str]] = []
    script = f"echo '{stderr}' >&2; sleep 30" if errno == 2020 else f"echo '{stderr}' >&2"

    def spawn(argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        spawned.append(argv)
        return sh_spawner(script)(argv, **kwargs)

    commands = SlurmCommands("/c", runner=runner, spawner=spawn, base_env={})
    cluster = SlurmCluster.connect_with(commands)
    if errno is None:
        cluster.signal_job(jwt_identity(), "7", 10, frozenset({"BATCH_JOB"}))
    else:
        with pytest.raises(SlurmError) as info:
            cluster.signal_job(jwt_identity(), "7", 10, frozenset({"BATCH_JOB"}))
        assert (info.value.errno, info.value.source) == (errno, "slurm_kill_job")
    assert spawned == [["scancel", "-v", "--signal=10", "--batch", "7"]]


def test_reads_within_the_freshness_bound_share_one_command_until_a_write(
    responses: dict[tuple[str, ...], tuple[int, str, str]],
) -> None:
    runner = FakeRunner(responses)
    clock = [1000.0]
    commands = SlurmCommands("/c", runner=runner, base_env={"PATH": "/bin"})
    cluster = SlurmCluster.connect_with(
        commands, wall_clock=lambda: NOW, clock=lambda: clock[0], freshness=2.0
    )
    alice, bob = jwt_identity(), jwt_identity("bob")

    def squeues() -> int:
        return sum(1 for argv, _ in runner.calls if tuple(argv) == SQUEUE_JSON)

    cluster.jobs(alice)
    cluster.job(alice, "26")  # /job/{id} is answered from the same job table
    clock[0] += 0.9  # under half the bound: no refresh ahead either (freshness.py)
    cluster.jobs(alice)
    assert squeues() == 1
    cluster.jobs(bob)  # another user's credentials read for themselves
    assert squeues() == 2
    clock[0] += 1.2  # past the bound
    cluster.jobs(alice)
    assert squeues() == 3
    cluster.update_job(alice, "26", JobDescription(comment="x"))
    cluster.jobs(alice)  # read-your-writes: no reuse after a write
    assert squeues() == 4
