"""The native protocol client against the real Slurm 22.05 testbed.

Jobs are submitted held (priority 0), checked through Slurm's own squeue and
slurmctld's saved environment, and cancelled as root at the end.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from slurm.testbed import Testbed
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.protocol import ControllerError, ProtocolClient, SubmitReply
from slurmrestd.model.job_desc import JobDescription
from slurmrestd.slurmconf import parse_file

pytestmark = pytest.mark.slurm

SCRIPT = "#!/bin/bash\necho protocol\n"


@pytest.fixture(scope="module")
def client(slurm_testbed: Testbed) -> ProtocolClient:
    return ProtocolClient.from_conf(parse_file(slurm_testbed.conf), timeout=10)


@pytest.fixture(scope="module")
def submitted(slurm_testbed: Testbed) -> Iterator[list[int]]:
    """Job ids this module created; cancelled as root afterwards."""
    ids: list[int] = []
    yield ids
    if ids:
        slurm_testbed.run(["scancel", *map(str, ids)], check=False)


def held_job(user: str, tmp: Path) -> JobDescription:
    return JobDescription(
        script=SCRIPT,
        name=f"proto-{user}",
        partition="debug",
        time_limit=7,
        environment={"PROTO_USER": user, "PROTO_SPACES": "a b=c"},
        current_working_directory=str(tmp),
        standard_output=str(tmp / f"proto-{user}-%j.out"),
        hold=True,
    )


def squeue_job(bed: Testbed, job_id: int) -> dict:
    # squeue --json of 22.05 lists every job whatever the filters: pick ours.
    out = bed.run(["squeue", "--json"]).stdout
    (job,) = [job for job in json.loads(out)["jobs"] if job["job_id"] == job_id]
    return job


def saved_environment(bed: Testbed, job_id: int) -> list[str]:
    """The environment slurmctld stored for a batch job (uint32 count, NUL-ended entries)."""
    state = parse_file(bed.conf).state_save_location
    data = (Path(state) / f"hash.{job_id % 10}" / f"job.{job_id}" / "environment").read_bytes()
    (count,) = struct.unpack("=I", data[:4])
    entries = data[4:].split(b"\0")[:count]
    return [entry.decode() for entry in entries]


def test_ping_with_a_users_token_answers_fast(slurm_testbed: Testbed, client: ProtocolClient):
    latency = client.ping(slurm_testbed.token("alice"), "alice")
    assert 0 < latency < 2


def test_ping_with_a_bad_token_gets_no_answer(client: ProtocolClient):
    with pytest.raises(SlurmError) as caught:
        client.ping("not.a.token", "alice")
    assert caught.value.errno == Errno.ZERO_BYTES
    assert caught.value.description == "Zero Bytes were transmitted or received"


def test_a_token_cannot_speak_for_another_user(slurm_testbed: Testbed, client: ProtocolClient):
    # auth/jwt: only root/SlurmUser tokens may name another user; slurmctld hangs up.
    with pytest.raises(SlurmError) as caught:
        client.ping(slurm_testbed.token("alice"), "bob")
    assert caught.value.errno == Errno.ZERO_BYTES


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_held_job_is_submitted_as_the_tokens_user(
    slurm_testbed: Testbed, client: ProtocolClient, submitted: list[int], tmp_path: Path, user: str
):
    tmp_path.chmod(0o777)
    reply = client.submit_batch(held_job(user, tmp_path), slurm_testbed.token(user), user)
    submitted.append(reply.job_id)
    assert isinstance(reply, SubmitReply)
    assert reply.error_code == Errno.JOB_HELD  # Slurm's notice for priority 0
    assert reply.to_result().step_id == "batch"
    job = squeue_job(slurm_testbed, reply.job_id)
    assert job["user_name"] == user
    assert (job["name"], job["partition"], job["time_limit"]) == (f"proto-{user}", "debug", 7)
    assert job["current_working_directory"] == str(tmp_path)
    assert job["standard_output"] == str(tmp_path / f"proto-{user}-%j.out")  # kept as sent
    assert job["priority"] == 0 and job["job_state"] == "PENDING"
    assert saved_environment(slurm_testbed, reply.job_id) == [
        f"PROTO_USER={user}",
        "PROTO_SPACES=a b=c",
    ]


def test_submit_with_a_bad_token_gets_no_answer(client: ProtocolClient, tmp_path: Path):
    with pytest.raises(SlurmError) as caught:
        client.submit_batch(held_job("alice", tmp_path), "not.a.token", "alice")
    assert caught.value.errno == Errno.ZERO_BYTES


def test_unknown_partition_is_refused_with_slurms_error(
    slurm_testbed: Testbed, client: ProtocolClient, tmp_path: Path
):
    job = held_job("alice", tmp_path)
    job.partition = "no-such-partition"
    with pytest.raises(ControllerError) as caught:
        client.submit_batch(job, slurm_testbed.token("alice"), "alice")
    assert caught.value.errno == Errno.INVALID_PARTITION_NAME
    assert caught.value.description == "Invalid partition name specified"
    assert "no-such-partition" in (caught.value.detail or "")


def test_a_held_allocation_is_queued_at_once_for_the_tokens_user(
    slurm_testbed: Testbed, client: ProtocolClient, submitted: list[int], tmp_path: Path
):
    job = held_job("bob", tmp_path)
    job.script, job.name = None, f"h31-{os.getpid()}-proto"
    reply = client.allocate(job, slurm_testbed.token("bob"), "bob")
    submitted.append(reply.job_id)
    assert (reply.error_code, reply.granted, reply.partition) == (Errno.JOB_HELD, False, "debug")
    shown = squeue_job(slurm_testbed, reply.job_id)
    assert (shown["user_name"], shown["name"], shown["job_state"]) == ("bob", job.name, "PENDING")
    assert shown["batch_flag"] is False  # an allocation, not a batch job


def test_an_allocation_in_an_unknown_partition_is_refused_with_slurms_error(
    slurm_testbed: Testbed, client: ProtocolClient, tmp_path: Path
):
    job = held_job("bob", tmp_path)
    job.script, job.partition = None, "no-such-partition"
    with pytest.raises(ControllerError) as caught:
        client.allocate(job, slurm_testbed.token("bob"), "bob")
    assert caught.value.errno == Errno.INVALID_PARTITION_NAME
    assert caught.value.description == "Invalid partition name specified"


def test_licenses_with_a_users_token_list_slurm_conf_licenses_newest_first(
    slurm_testbed: Testbed, client: ProtocolClient
):
    snapshot = client.licenses(slurm_testbed.token("alice"), "alice")
    assert [(lic.name, lic.total, lic.remote) for lic in snapshot.licenses] == [
        ("matlab", 2, False),
        ("fluent", 30, False),
    ]
