"""Administration and job control through our daemon (--backend slurm) on the real testbed.

v0.0.46 requests over HTTP: root's token for operator changes (read back
through the daemon and through Slurm's own commands), alice's for what a
plain user may do and to see operator changes refused with Slurm's answer
("Invalid user id", 2010). Every change is undone in a `finally`, even when
an assertion fails: the testbed is shared with other tests.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from e2e import harness
from schema_check import schema_errors
from slurm.rest import call, get
from slurm.testbed import Testbed
from slurm.testbed.daemons import wait_for
from slurm.workload import cancel_and_settle

pytestmark = pytest.mark.slurm

V = "/slurm/v0.0.46"
TAG = f"h18-{os.getpid()}"
NODE = "node4"
REASON = f"{TAG} drain test"
USER_ID_MISSING = 2010


@pytest.fixture(scope="module")
def root_token(slurm_testbed: Testbed) -> str:
    return slurm_testbed.token("root", lifespan=1800)


@pytest.fixture(scope="module")
def cleanup(slurm_testbed: Testbed) -> Iterator[list[int]]:
    """Job ids to cancel (as root) when the module is done."""
    ids: list[int] = []
    yield ids
    cancel_and_settle(slurm_testbed, ids)


def as_root(daemon: harness.Daemon, method: str, path: str, token: str, body: Any = None) -> Any:
    status, answer = call(daemon.tcp_port(), method, f"{V}{path}", token, "root", body)
    assert (status, answer["errors"]) == (200, []), answer
    return answer


def refused_for(daemon: harness.Daemon, method: str, path: str, token: str, body: Any) -> None:
    """alice gets Slurm's permission answer, not a change."""
    status, answer = call(daemon.tcp_port(), method, f"{V}{path}", token, "alice", body)
    assert status >= 400
    assert [e["error_number"] for e in answer["errors"]] == [USER_ID_MISSING], answer
    assert answer["errors"][0]["description"].endswith("Invalid user id")


def sinfo_state(bed: Testbed, node: str) -> tuple[str, str]:
    out = bed.run(["sinfo", "-h", "-n", node, "-o", "%T|%E"]).stdout.splitlines()[0]
    state, _, reason = out.partition("|")
    return state, reason


def submit(bed: Testbed, name: str, user: str, cleanup: list[int], hold: bool = False) -> int:
    argv = ["sbatch", "--parsable", "-J", name, "-o", "/dev/null", "--chdir=/tmp", "-t", "5"]
    argv += ["--hold"] if hold else []
    job_id = int(bed.run([*argv, "--wrap", "sleep 300"], user=user).stdout.strip().split(";")[0])
    cleanup.append(job_id)
    return job_id


def squeue(bed: Testbed, job_id: int, fmt: str = "%T") -> str:
    argv = ["squeue", "-h", "-t", "all", "-j", str(job_id), "-o", fmt]
    return bed.run(argv, check=False).stdout.strip()


# ------------------------------------------------------------------- nodes --


@pytest.fixture
def node(slurm_testbed: Testbed) -> Iterator[str]:
    try:
        yield NODE
    finally:
        if sinfo_state(slurm_testbed, NODE)[1] == REASON:  # only our own drain
            slurm_testbed.run(["scontrol", "update", f"NodeName={NODE}", "State=RESUME"])


def test_a_node_is_drained_and_resumed_by_an_operator_only(
    ours: harness.Daemon, slurm_testbed: Testbed, root_token: str, alice_token: str, node: str
) -> None:
    refused_for(ours, "POST", f"/node/{node}", alice_token, {"state": ["DRAIN"], "reason": "x"})
    as_root(ours, "POST", f"/node/{node}", root_token, {"state": ["DRAIN"], "reason": REASON})
    [record] = as_root(ours, "GET", f"/node/{node}", root_token)["nodes"]
    assert ("DRAIN" in record["state"], record["reason"]) == (True, REASON)
    assert sinfo_state(slurm_testbed, node)[0].startswith(("drain", "drng"))
    as_root(ours, "POST", "/nodes", root_token, {"name": [node], "state": ["RESUME"]})
    [record] = as_root(ours, "GET", f"/node/{node}", root_token)["nodes"]
    assert "DRAIN" not in record["state"]
    assert sinfo_state(slurm_testbed, node)[1] == "none"  # the reason went with the drain


# -------------------------------------------------------------- partitions --


@pytest.fixture
def partition(slurm_testbed: Testbed) -> Iterator[str]:
    name = f"{TAG}-p"
    try:
        yield name
    finally:
        slurm_testbed.run(["scontrol", "delete", f"PartitionName={name}"], check=False)


def limit(minutes: int) -> dict[str, Any]:
    return {"set": True, "infinite": False, "number": minutes}


def test_a_partition_is_created_changed_and_deleted(
    ours: harness.Daemon, slurm_testbed: Testbed, root_token: str, alice_token: str, partition: str
) -> None:
    wanted = {"name": partition, "nodes": {"configured": NODE}, "maximums": {"time": limit(30)}}
    refused_for(ours, "POST", "/partitions", alice_token, {"partitions": [wanted]})
    as_root(ours, "POST", "/partitions", root_token, {"partitions": [wanted]})
    [record] = as_root(ours, "GET", f"/partition/{partition}", root_token)["partitions"]
    assert (record["nodes"]["configured"], record["maximums"]["time"]["number"]) == (NODE, 30)
    changed = {"name": partition, "maximums": {"time": limit(60)}}
    as_root(ours, "POST", "/partitions", root_token, {"partitions": [changed]})
    shown = slurm_testbed.run(["scontrol", "-o", "show", "partition", partition]).stdout
    assert "MaxTime=01:00:00" in shown
    as_root(ours, "DELETE", f"/partition/{partition}", root_token)
    _, answer = get(ours.tcp_port(), f"{V}/partition/{partition}", root_token, "root")
    assert answer["partitions"] == []


# ------------------------------------------------------------ reservations --


@pytest.fixture
def reservation(slurm_testbed: Testbed) -> Iterator[str]:
    name = f"{TAG}-r"
    try:
        yield name
    finally:
        slurm_testbed.run(["scontrol", "delete", f"ReservationName={name}"], check=False)


def test_a_reservation_is_created_changed_and_deleted(
    ours: harness.Daemon,
    slurm_testbed: Testbed,
    root_token: str,
    alice_token: str,
    reservation: str,
) -> None:
    # Far ahead, so that it holds nothing other tests would want now.
    start = int(time.time()) + 40 * 86400
    wanted = {
        "name": reservation,
        "node_list": [NODE],
        "start_time": limit(start),
        "duration": limit(5),
        "users": ["alice"],
    }
    refused_for(ours, "POST", "/reservation", alice_token, wanted)
    [made] = as_root(ours, "POST", "/reservation", root_token, wanted)["reservations"]
    assert (made["name"], made["start_time"]["number"], made["users"]) == (
        reservation,
        start,
        ["alice"],
    )
    changed = {"name": reservation, "duration": limit(10)}
    [now] = as_root(ours, "POST", "/reservations", root_token, {"reservations": [changed]})[
        "reservations"
    ]
    assert now["end_time"]["number"] == start + 600
    [record] = as_root(ours, "GET", f"/reservation/{reservation}", root_token)["reservations"]
    assert record["end_time"]["number"] == start + 600
    as_root(ours, "DELETE", f"/reservation/{reservation}", root_token)
    shown = slurm_testbed.run(["scontrol", "-o", "show", "reservation"], check=False).stdout
    assert f"ReservationName={reservation} " not in shown


# ------------------------------------------------- configuration, fair share --


def test_reconfigure_is_for_operators(
    ours: harness.Daemon, root_token: str, alice_token: str
) -> None:
    refused_for(ours, "GET", "/reconfigure", alice_token, None)
    as_root(ours, "GET", "/reconfigure", root_token)


def test_the_configuration_dump_is_schema_valid(ours: harness.Daemon, alice_token: str) -> None:
    status, answer = get(ours.tcp_port(), f"{V}/conf", alice_token)
    assert status == 200, answer
    assert schema_errors("v0.0.46", "v0.0.46_openapi_conf_resp", answer) == []
    conf = answer["slurm_conf"]
    assert (conf["ClusterName"], conf["KillWait"], conf["SlurmUser"]) == ("testbed", 5, "slurm")
    assert conf["controllers"][0]["address"] == "127.0.0.1"


def test_fair_share_is_schema_valid_and_filtered(ours: harness.Daemon, alice_token: str) -> None:
    status, answer = get(ours.tcp_port(), f"{V}/shares", alice_token)
    assert status == 200, answer
    assert schema_errors("v0.0.46", "v0.0.46_openapi_shares_resp", answer) == []
    rows = answer["shares"]["shares"]
    assert {("ops", "root"), ("alice", "ops"), ("bob", "ops")} <= {
        (r["name"], r["parent"]) for r in rows
    }
    status, answer = get(ours.tcp_port(), f"{V}/shares?accounts=ops&users=bob", alice_token)
    assert [(r["name"], r["type"]) for r in answer["shares"]["shares"]] == [
        ("ops", ["ASSOCIATION"]),
        ("bob", ["USER"]),
    ]


# -------------------------------------------------------------- job control --


def test_a_running_jobs_state_resources_and_requeue(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str, cleanup: list[int]
) -> None:
    job_id = submit(slurm_testbed, f"{TAG}-run", "alice", cleanup)
    wait_for(f"job {job_id} to run", lambda: squeue(slurm_testbed, job_id) == "RUNNING", 60)
    port = ours.tcp_port()
    status, answer = get(port, f"{V}/jobs/state?job_id={job_id}", alice_token)
    assert (status, [j["job_state"][0] for j in answer["jobs"]]) == (200, ["RUNNING"]), answer
    status, answer = get(port, f"{V}/resources/{job_id}", alice_token)
    assert status == 200, answer
    [layout] = answer["nodes"]
    assert layout["node"] == squeue(slurm_testbed, job_id, "%N")
    assert (layout["cores_per_socket"], layout["sockets_per_node"]) == (2, 1)
    assert layout["core_bitmap"] in ("0", "1")
    status, answer = get(port, f"{V}/job/{job_id}/requeue?Hold", alice_token)
    assert (status, answer["errors"]) == (200, []), answer
    # Back in the queue, held: the controller counts one restart.
    wait_for(
        f"job {job_id} to be requeued and held",
        lambda: squeue(slurm_testbed, job_id, "%T|%r") == "PENDING|job requeued in held state",
        60,
    )
    status, answer = get(port, f"{V}/resources/{job_id}", alice_token)
    assert [e["error_number"] for e in answer["errors"]] == [2085]


def test_bulk_delete_by_name_reaches_only_the_callers_jobs(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str, cleanup: list[int]
) -> None:
    name = f"{TAG}-bulk"
    mine = [submit(slurm_testbed, name, "alice", cleanup, hold=True) for _ in range(2)]
    bobs = submit(slurm_testbed, name, "bob", cleanup, hold=True)
    status, answer = call(
        ours.tcp_port(), "DELETE", f"{V}/jobs", alice_token, body={"job_name": name}
    )
    assert status == 200, answer
    done = {entry["job_id"]["number"]: entry["error"]["code"] for entry in answer["status"]}
    assert done == {mine[0]: 0, mine[1]: 0}
    assert [squeue(slurm_testbed, j) for j in mine] == ["CANCELLED", "CANCELLED"]
    assert squeue(slurm_testbed, bobs) == "PENDING"


def test_an_allocation_is_queued_for_the_token_user(
    ours_as_alice: harness.Daemon, slurm_testbed: Testbed, alice_token: str, cleanup: list[int]
) -> None:
    body = {
        "job": {
            "name": f"{TAG}-alloc",
            "partition": "debug",
            "time_limit": limit(2),
            "current_working_directory": "/tmp",
        }
    }
    status, answer = call(
        ours_as_alice.tcp_port(), "POST", f"{V}/job/allocate", alice_token, body=body
    )
    assert status == 200, answer
    job_id = answer["job_id"]
    cleanup.append(job_id)
    shown = squeue(slurm_testbed, job_id, "%j|%u|%T")
    assert shown.split("|")[:2] == [f"{TAG}-alloc", "alice"]
    assert shown.split("|")[2] in ("PENDING", "RUNNING", "CONFIGURING")
