"""POST /slurm/v0.0.46/job/allocate through our daemon, against the real 22.05 testbed.

The daemon runs as the unprivileged test user, not as bob: only the native
protocol client can make bob's token allocate as bob (salloc would sign with
the daemon's own uid). An allocation made this way has no process holding
it, so the test watches that slurmctld keeps it for 30 s, and that it ends
on a cancel sent through the daemon.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from e2e import harness
from slurm.rest import call
from slurm.testbed import Testbed
from slurm.workload import cancel_and_settle

pytestmark = pytest.mark.slurm

V = "/slurm/v0.0.46"
TAG = f"h31-{os.getpid()}"
HOLDING = ("PENDING", "RUNNING", "CONFIGURING")
WATCH_S = 30


@pytest.fixture(scope="module")
def cleanup(slurm_testbed: Testbed) -> Iterator[list[int]]:
    """Job ids to cancel (as root) when the module is done, whatever happened."""
    ids: list[int] = []
    yield ids
    cancel_and_settle(slurm_testbed, ids)


def squeue(bed: Testbed, job_id: int, fmt: str) -> list[str]:
    argv = ["squeue", "-h", "-t", "all", "-j", str(job_id), "-o", fmt]
    return bed.run(argv, check=False).stdout.strip().split("|")


def allocation(name: str, **more: Any) -> dict[str, Any]:
    job = {
        "name": name,
        "partition": "debug",
        "time_limit": {"set": True, "infinite": False, "number": 2},
        "current_working_directory": "/tmp",
    }
    return {"job": {**job, **more}}


def test_bobs_token_allocates_as_bob_and_the_allocation_lasts_until_cancelled(
    ours: harness.Daemon, slurm_testbed: Testbed, bob_token: str, cleanup: list[int]
) -> None:
    port = ours.tcp_port()
    status, answer = call(port, "POST", f"{V}/job/allocate", bob_token, "bob", allocation(TAG))
    assert status == 200, answer
    job_id = answer["job_id"]
    cleanup.append(job_id)
    assert answer["errors"] == [] and answer["job_submit_user_msg"] == ""
    user, name, state, limit = squeue(slurm_testbed, job_id, "%u|%j|%T|%l")
    assert (user, name, limit) == ("bob", TAG, "2:00")
    assert state in HOLDING
    # No salloc holds it and slurmctld has no port to call back on: it must stay.
    deadline = time.monotonic() + WATCH_S
    while time.monotonic() < deadline:
        state = squeue(slurm_testbed, job_id, "%T")[0]
        assert state in HOLDING, f"allocation {job_id} ended on its own: {state}"
        time.sleep(1)
    if state == "RUNNING":  # its end is its time limit, as for any allocation
        start, end = (datetime.fromisoformat(t) for t in squeue(slurm_testbed, job_id, "%S|%e"))
        assert (end - start).total_seconds() == 120
    status, answer = call(port, "DELETE", f"{V}/job/{job_id}", bob_token, "bob")
    assert status == 200, answer
    deadline = time.monotonic() + 20
    while squeue(slurm_testbed, job_id, "%T")[0] in HOLDING and time.monotonic() < deadline:
        time.sleep(0.2)
    assert squeue(slurm_testbed, job_id, "%T")[0] in ("CANCELLED", "COMPLETING")


def test_a_held_allocation_answers_at_once_with_slurms_notice(
    ours: harness.Daemon, slurm_testbed: Testbed, bob_token: str, cleanup: list[int]
) -> None:
    body = allocation(f"{TAG}-held", hold=True)
    status, answer = call(ours.tcp_port(), "POST", f"{V}/job/allocate", bob_token, "bob", body)
    assert status == 200, answer
    cleanup.append(answer["job_id"])
    assert [w["description"] for w in answer["warnings"]] == [
        "Job is in held state, pending scheduler release"
    ]
    assert squeue(slurm_testbed, answer["job_id"], "%u|%T|%r") == ["bob", "PENDING", "JobHeldUser"]


def test_an_allocation_in_no_such_partition_gets_slurms_error(
    ours: harness.Daemon, bob_token: str
) -> None:
    body = allocation(f"{TAG}-nopart", partition=f"{TAG}-none")
    status, answer = call(ours.tcp_port(), "POST", f"{V}/job/allocate", bob_token, "bob", body)
    assert status != 200
    [error] = answer["errors"]
    assert (error["error_number"], error["description"], error["source"]) == (
        2000,
        "Invalid partition name specified",
        "slurm_allocate_resources",
    )
