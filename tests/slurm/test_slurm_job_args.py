"""Job writes as command lines: sbatch options, scontrol update/hold, scancel, and their errors.

Pure tests (no Slurm): the command-line facts were checked on the testbed;
the error texts are what the 22.05 commands printed there.
"""

from __future__ import annotations

import os
import time

import pytest

from slurmrestd.api.numbers import INFINITE
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import job_control as jc
from slurmrestd.cluster.slurm import sbatch_args as sb
from slurmrestd.cluster.slurm.submission import check_submitter, environment_fds, submit_error
from slurmrestd.model.job_desc import JobDescription

BEGIN = int(time.mktime((2030, 1, 2, 3, 4, 5, 0, 0, -1)))


def test_sbatch_options_of_the_canonical_fields() -> None:
    desc = JobDescription(
        name="n",
        account="research",
        partition="debug",
        minimum_nodes=2,
        maximum_nodes=4,
        tasks=3,
        cpus_per_task=2,
        memory_per_node=100,
        time_limit=INFINITE,
        time_minimum=5,
        begin_time=BEGIN,
        hold=True,
        requeue=False,
        kill_on_node_fail=False,
        priority=INFINITE,
        tres_per_node="gres/gpu:1,gres/nic",
        mail_type=["END", "FAIL"],
        current_working_directory="/tmp",
        standard_output="/dev/null",
    )
    assert sb.component_options(desc, 7) == [
        "--nodes=2-4",
        "--export-file=7",
        "--job-name=n",
        "--account=research",
        "--partition=debug",
        "--chdir=/tmp",
        "--output=/dev/null",
        "--ntasks=3",
        "--cpus-per-task=2",
        "--mem=100",
        "--gres=gpu:1,nic",
        "--time=UNLIMITED",
        "--time-min=5",
        "--begin=2030-01-02T03:04:05",
        "--hold",
        "--priority=TOP",
        "--no-requeue",
        "--no-kill",
        "--mail-type=END,FAIL",
    ]


@pytest.mark.parametrize(
    ("extra", "options"),
    [
        ({"shared": "user"}, ["--exclusive=user"]),
        ({"shared": "oversubscribe"}, ["--oversubscribe"]),
        ({"get_user_environment": True}, ["--get-user-env"]),
        ({"profile": ["ENERGY", "TASK"]}, ["--profile=energy,task"]),
        ({"flags": ["SPREAD_JOB", "USING_DEFAULT_QOS"], "spread_job": True}, ["--spread-job"]),
        ({"cpus_per_tres": "gres/gpu:4"}, ["--cpus-per-gpu=4"]),
        ({"delay_boot": 90}, ["--delay-boot=2"]),
        ({"kill_on_invalid_dependency": False}, []),  # an extra echoing a default
        ({"minimum_boards_per_node": 0, "rlimits": {"nofile": None}}, []),
    ],
)
def test_sbatch_options_of_version_extras(extra: dict[str, object], options: list[str]) -> None:
    assert sb.component_options(JobDescription(extra=extra), None) == options


@pytest.mark.parametrize(
    ("desc", "named"),
    [
        (JobDescription(extra={"site_factor": 5}), "site_factor"),
        (JobDescription(extra={"flags": ["CRON_JOB"]}), "CRON_JOB"),
        (JobDescription(extra={"cpus_per_tres": "gres/fpga:1"}), "gres/fpga:1"),
        (JobDescription(minimum_cpus=4), "minimum_cpus"),
        (JobDescription(admin_comment="x"), "admin_comment"),
    ],
)
def test_requests_sbatch_cannot_make_are_refused_by_name(desc: JobDescription, named: str) -> None:
    with pytest.raises(SlurmError) as info:
        sb.component_options(desc, None)
    assert info.value.errno == Errno.NOT_SUPPORTED
    assert named in info.value.description


def test_a_zero_begin_or_deadline_is_no_option() -> None:
    # 0 is Slurm's "unset": not --begin=1970-01-01.
    assert sb.component_options(JobDescription(begin_time=0, deadline=0), None) == []


def test_het_job_components_and_script_arguments() -> None:
    first = JobDescription(tasks=1, argv=["prog", "a b", "c"], exclusive=True)
    second = JobDescription(tasks=2)
    assert sb.sbatch_command([first, second], [3, 4]) == [
        "sbatch", "--parsable", "--exclusive", "--export-file=3", "--ntasks=1",
        ":", "--export-file=4", "--ntasks=2",
        "/dev/stdin", "a b", "c",
    ]  # fmt: skip


def test_environment_file_umask_and_job_id() -> None:
    assert sb.environment_file({"A": "x y", "B": "1\n2"}) == b"A=x y\0B=1\n2\0"
    assert sb.environment_file(None) == b""
    for bad in ({"A": "x\0y"}, {"A=B": "1"}, {"": "1"}):
        with pytest.raises(SlurmError) as info:
            sb.environment_file(bad)
        assert info.value.errno == Errno.EINVAL
    assert sb.umask_of(JobDescription(extra={"umask": 0o27})) == 0o27
    assert sb.umask_of(JobDescription()) is None
    assert sb.parse_job_id("12;testbed\n") == 12
    assert sb.parse_job_id("") is None


def test_environment_fds_hold_the_content_until_closed() -> None:
    descs = [JobDescription(environment={"A": "1"}), JobDescription(environment={"B": "2"})]
    with environment_fds(descs) as fds:
        contents = [os.read(fd, 100) for fd in fds]
        held = list(fds)
    assert contents == [b"A=1\0", b"B=2\0"]
    for fd in held:
        with pytest.raises(OSError):
            os.fstat(fd)


def identity(uid: int, token: str | None = "t") -> Identity:
    return Identity("alice", uid, uid, "rest_auth/jwt" if token else "rest_auth/local", token)


def test_only_the_daemons_own_user_may_submit_with_a_token() -> None:
    check_submitter(identity(1001), 1001)
    check_submitter(identity(1002, token=None), 1001)  # runs as its own uid (root daemon)
    with pytest.raises(SlurmError) as info:
        check_submitter(identity(1002), 1001)
    assert (info.value.errno, info.value.description) == (2010, "Invalid user id")


@pytest.mark.parametrize(
    ("stderr", "errno", "description"),
    [
        (
            "sbatch: error: invalid partition specified: nosuch\n"
            "sbatch: error: Batch job submission failed: Invalid partition name specified\n",
            2000,
            "Invalid partition name specified",
        ),
        ("sbatch: error: Batch job submission failed: Invalid user id\n", 2010, "Invalid user id"),
        ("sbatch: error: Unable to open file nosuch\n", -1, "Unable to open file nosuch"),
    ],
)
def test_submit_errors(stderr: str, errno: int, description: str) -> None:
    error = submit_error(["sbatch"], 1, "", stderr)
    assert (error.errno, error.description, error.source) == (
        errno,
        description,
        "slurm_submit_batch_job",
    )


def test_update_fields_then_hold_or_release() -> None:
    changes = JobDescription(time_limit=20, comment="two words", hold=True, minimum_nodes=1)
    assert jc.update_commands("12", changes) == [
        ["scontrol", "update", "JobId=12", "Comment=two words", "TimeLimit=20", "NumNodes=1"],
        ["scontrol", "hold", "12"],
    ]
    assert jc.update_commands("12_3", JobDescription(hold=False)) == [
        ["scontrol", "release", "12_3"]
    ]
    assert jc.update_commands("12", JobDescription(priority=INFINITE)) == [
        ["scontrol", "release", "12"]
    ]
    assert jc.update_commands("12", JobDescription(time_limit=INFINITE, begin_time=BEGIN)) == [
        ["scontrol", "update", "JobId=12", "TimeLimit=UNLIMITED", "StartTime=2030-01-02T03:04:05"]
    ]


def test_a_change_of_nothing_still_asks_slurmctld() -> None:
    # 22.05 sent an empty update and reported slurmctld's answer (2017 for an unknown
    # job); scontrol sends one only with a field, and EndTime= changes nothing.
    assert jc.update_commands("12", JobDescription()) == [
        ["scontrol", "update", "JobId=12", "EndTime="]
    ]
    assert jc.NO_CHANGE == "EndTime="


@pytest.mark.parametrize("field", ["begin_time", "deadline"])
def test_a_time_of_zero_is_slurms_unset_and_changes_nothing(field: str) -> None:
    # scontrol would read StartTime=1970-01-01T00:00:00 as "no change" and refuse;
    # slurmctld ignores a 0 time in an update (seen over the protocol on 22.05.8).
    assert jc.update_commands("12", JobDescription(**{field: 0})) == [
        ["scontrol", "update", "JobId=12", "EndTime="]
    ]
    assert jc.update_commands("12", JobDescription(comment="c", **{field: 0})) == [
        ["scontrol", "update", "JobId=12", "Comment=c"]
    ]
    # Any other time in the past is kept: scontrol and slurmctld make it "now".
    key = {"begin_time": "StartTime", "deadline": "Deadline"}[field]
    assert jc.update_commands("12", JobDescription(**{field: 1})) == [
        ["scontrol", "update", "JobId=12", f"{key}={sb.local_time(1)}"]
    ]


def test_updates_scontrol_cannot_make_or_bad_ids_are_refused() -> None:
    with pytest.raises(SlurmError) as info:
        jc.update_commands("12", JobDescription(environment={"A": "1"}))
    assert (info.value.errno, info.value.description) == (
        Errno.NOT_SUPPORTED,
        "environment cannot be changed by scontrol update",
    )
    for bad in ("abc", "12;rm", "-1"):
        with pytest.raises(SlurmError) as info:
            jc.update_commands(bad, JobDescription(comment="x"))
        assert info.value.errno == Errno.INVALID_JOB_ID
    assert jc.requeue_command("7") == ["scontrol", "requeue", "7"]


@pytest.mark.parametrize(
    ("signal", "flags", "argv"),
    [
        (9, frozenset(), ["scancel", "-v", "5"]),
        # No flags: the whole job, batch shell included (upstream's default).
        (10, frozenset(), ["scancel", "-v", "--signal=10", "--full", "5"]),
        (10, frozenset({"BATCH_JOB"}), ["scancel", "-v", "--signal=10", "--batch", "5"]),
        (9, frozenset({"FULL_JOB"}), ["scancel", "-v", "--signal=9", "--full", "5"]),
    ],
)
def test_scancel_command(signal: int, flags: frozenset[str], argv: list[str]) -> None:
    assert jc.scancel_command("5", signal, flags) == argv


@pytest.mark.parametrize(
    ("stderr", "errno", "description"),
    [
        ("scancel: Terminating job 8\n", None, None),
        (
            "scancel: Terminating job 8\n"
            "scancel: error: Kill job error on job id 8: Access/permission denied\n",
            2002,
            "Access/permission denied",
        ),
        (
            "scancel: Terminating job 4\n"
            "scancel: error: Kill job error on job id 4: Invalid job id specified\n",
            2017,
            "Invalid job id specified",
        ),
        (
            "scancel: error: Kill job error on job id 8: "
            "Job/step already completing or completed\n",
            2021,
            "Job/step already completing or completed",
        ),
    ],
)
def test_scancel_errors(stderr: str, errno: int | None, description: str | None) -> None:
    error = jc.scancel_error(stderr, gave_up=False)
    if errno is None:
        assert error is None
    else:
        assert error is not None
        assert (error.errno, error.description, error.source) == (
            errno,
            description,
            "slurm_kill_job",
        )


def test_a_scancel_stopped_at_its_retry_is_slurmctlds_not_now() -> None:
    error = jc.scancel_error("scancel: Job is in transitional state, retrying\n", gave_up=True)
    assert error is not None
    assert (error.errno, error.description) == (2020, "Job can not be altered now, try again later")
