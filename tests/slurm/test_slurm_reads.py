"""Reads through our daemon (--backend slurm) side by side with the C daemon, same moment.

A small workload of alice's (running, held, array, finished jobs) makes the
job comparison cover more than an empty queue. Partitions and reservations
with unusual settings are created by root for their own test and removed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from e2e import harness
from schema_check import schema_errors
from slurm.rest import c_port, get
from slurm.testbed import Testbed
from slurm.testbed.daemons import wait_for
from slurm.workload import cancel_and_settle

pytestmark = pytest.mark.slurm

# Job fields that change between two reads a moment apart, or depend on who
# answers: none of these is fixed for a running or pending job.
JOB_TIME_VARYING = frozenset({"last_sched_evaluation"})
# Node fields the slurmd refreshes on its own.
NODE_TIME_VARYING = frozenset({"cpu_load", "free_memory", "last_busy"})


def sbatch(bed: Testbed, *options: str) -> str:
    out = bed.run(["sbatch", "--parsable", "--output=/dev/null", *options], user="alice")
    return out.stdout.strip().split(";")[0]


def job_state(bed: Testbed, job_id: str) -> str:
    shown = bed.run(["scontrol", "show", "job", "-o", job_id]).stdout
    match = re.search(r"\bJobState=(\S+)", shown)
    return match.group(1) if match else ""


@pytest.fixture(scope="module")
def workload(slurm_testbed: Testbed) -> Iterator[dict[str, str]]:
    """alice's jobs in several states, cancelled at the end."""
    bed = slurm_testbed
    jobs = {
        "done": sbatch(bed, "--job-name=h8-done", "--wrap=true"),
        "running": sbatch(bed, "--job-name=h8-running", "--time=10", "--wrap=sleep 300"),
        "held": sbatch(bed, "--job-name=h8-held", "--hold", "--comment=waiting", "--wrap=true"),
        "array": sbatch(bed, "--job-name=h8-array", "--hold", "--array=1-3%2", "--wrap=true"),
    }
    try:
        wait_for("the finished job", lambda: job_state(bed, jobs["done"]) == "COMPLETED", 60)
        wait_for("the running job", lambda: job_state(bed, jobs["running"]) == "RUNNING", 60)
        yield jobs
    finally:
        cancel_and_settle(bed, jobs.values())


def side_by_side(
    ours: harness.Daemon, bed: Testbed, path: str, token: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    status, body = get(ours.tcp_port(), path, token)
    c_status, c_body = get(c_port(bed), path, token)
    assert (status, c_status) == (200, 200), (body, c_body)
    assert body["errors"] == [] == c_body["errors"]
    return body, c_body


def differences(
    ours: list[dict[str, Any]], theirs: list[dict[str, Any]], key: str, varying: frozenset[str]
) -> dict[Any, dict[str, Any]]:
    """Per record (by `key`): the fields whose values or order differ, time-varying ones aside."""
    mine = {row[key]: row for row in ours}
    found: dict[Any, dict[str, Any]] = {}
    for row in theirs:
        other = mine[row[key]]
        diff = {
            k: (other.get(k), row[k]) for k in row if k not in varying and other.get(k) != row[k]
        }
        if list(other) != list(row):
            diff["<key order>"] = (list(other), list(row))
        if diff:
            found[row[key]] = diff
    return found


def test_jobs_v0_0_38_match_the_c_daemon(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str, workload: dict[str, str]
) -> None:
    for _ in range(3):  # another session may submit between the two reads: read again
        body, c_body = side_by_side(ours, slurm_testbed, "/slurm/v0.0.38/jobs", alice_token)
        ids = sorted(job["job_id"] for job in body["jobs"])
        if ids == sorted(job["job_id"] for job in c_body["jobs"]):
            break
    assert ids == sorted(job["job_id"] for job in c_body["jobs"])
    assert {int(i) for i in workload.values()} <= set(ids)
    # A job may change state between the two reads; only the workload is stable.
    stable = {int(i) for i in workload.values()}
    jobs = [j for j in body["jobs"] if j["job_id"] in stable]
    c_jobs = [j for j in c_body["jobs"] if j["job_id"] in stable]
    assert differences(jobs, c_jobs, "job_id", JOB_TIME_VARYING) == {}
    states = {j["name"]: j["job_state"] for j in jobs}
    assert (states["h8-running"], states["h8-held"], states["h8-done"]) == (
        "RUNNING",
        "PENDING",
        "COMPLETED",
    )
    for job in jobs:
        schema = "v0.0.38_job_response_properties"
        assert schema_errors("v0.0.38", schema, job, allow_null=True) == []


def test_job_v0_0_38_is_the_c_daemons_answer(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str, workload: dict[str, str]
) -> None:
    for name in ("running", "array", "done"):
        path = f"/slurm/v0.0.38/job/{workload[name]}"
        body, c_body = side_by_side(ours, slurm_testbed, path, alice_token)
        assert differences(body["jobs"], c_body["jobs"], "job_id", JOB_TIME_VARYING) == {}
        assert len(body["jobs"]) == len(c_body["jobs"]) >= 1


def test_unknown_job_is_2017_as_the_c_daemon_says(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str
) -> None:
    status, body = get(ours.tcp_port(), "/slurm/v0.0.38/job/999999", alice_token)
    c_status, c_body = get(c_port(slurm_testbed), "/slurm/v0.0.38/job/999999", alice_token)
    assert (status, c_status) == (500, 500)
    assert [e["error_number"] for e in body["errors"]] == [2017]
    assert body["errors"][0]["error_number"] == c_body["errors"][0]["error_number"]
    status, body = get(ours.tcp_port(), "/slurm/v0.0.46/job/999999", alice_token)
    assert status == 404
    assert [e["error_number"] for e in body["errors"]] == [2017]


# Upstream writes job_resources as {} until resources are allocated, although its
# schema requires these keys (api/versions/v0_0_46/jobs.py follows upstream).
UNALLOCATED_RESOURCES_ERRORS = frozenset(
    f"job_resources: '{key}' is a required property"
    for key in ("cpus", "select_type", "threads_per_core", "nodes")
)


def job_schema_errors(body: dict[str, Any]) -> list[str]:
    """v0.0.46 schema errors of a jobs answer, upstream's known deviation aside."""
    pending = {i for i, job in enumerate(body["jobs"]) if job["job_resources"] == {}}

    def known(error: str) -> bool:
        match = re.match(r"jobs/(\d+)/(.*)$", error)
        return bool(match) and int(match[1]) in pending and match[2] in UNALLOCATED_RESOURCES_ERRORS

    errors = schema_errors("v0.0.46", "v0.0.46_openapi_job_info_resp", body)
    return [e for e in errors if not known(e)]


def test_jobs_v0_0_46_pass_the_schema(
    ours: harness.Daemon, alice_token: str, workload: dict[str, str]
) -> None:
    status, body = get(ours.tcp_port(), "/slurm/v0.0.46/jobs", alice_token)
    assert status == 200, body
    assert {int(i) for i in workload.values()} <= {j["job_id"] for j in body["jobs"]}
    assert body["last_update"]["set"] is True
    assert job_schema_errors(body) == []
    status, body = get(ours.tcp_port(), f"/slurm/v0.0.46/job/{workload['array']}_2", alice_token)
    assert status == 200, body
    assert [job["array_task_string"] for job in body["jobs"]] == ["1-3%2"]
    assert job_schema_errors(body) == []


def test_nodes_v0_0_38_match_the_c_daemon(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str
) -> None:
    body, c_body = side_by_side(ours, slurm_testbed, "/slurm/v0.0.38/nodes", alice_token)
    assert [n["name"] for n in body["nodes"]] == [n["name"] for n in c_body["nodes"]]
    assert differences(body["nodes"], c_body["nodes"], "name", NODE_TIME_VARYING) == {}
    status, body = get(ours.tcp_port(), "/slurm/v0.0.46/nodes", alice_token)
    assert status == 200
    assert {n["cluster_name"] for n in body["nodes"]} == {slurm_testbed.cluster}
    assert schema_errors("v0.0.46", "v0.0.46_openapi_nodes_resp", body) == []


def test_partitions_v0_0_38_match_the_c_daemon(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str
) -> None:
    body, c_body = side_by_side(ours, slurm_testbed, "/slurm/v0.0.38/partitions", alice_token)
    assert body["partitions"] == c_body["partitions"]
    assert [p["name"] for p in body["partitions"]] == ["debug", "batch"]
    status, body = get(ours.tcp_port(), "/slurm/v0.0.46/partitions", alice_token)
    assert status == 200
    assert schema_errors("v0.0.46", "v0.0.46_openapi_partition_resp", body) == []


@contextlib.contextmanager
def created(bed: Testbed, kind: str, names: list[str], specs: list[list[str]]) -> Iterator[None]:
    """Root creates partitions/reservations for one test and removes them after."""
    try:
        for spec in specs:
            bed.run(["scontrol", "create", *spec])
        yield
    finally:
        for name in names:
            bed.run(["scontrol", "delete", f"{kind}={name}"], check=False)


# Settings whose text form differs from the default one (alice cannot use the
# second partition: only --all shows it to her, as the C daemon does).
UNUSUAL_PARTITIONS = [
    ["PartitionName=h8odd", "Nodes=node1", "DefMemPerCPU=100", "MaxMemPerCPU=200",
     "OverTimeLimit=5", "AllowAccounts=research", "DenyQos=high", "Hidden=YES", "LLN=YES",
     "ExclusiveUser=YES", "ReqResv=YES", "DisableRootJobs=YES", "GraceTime=30", "MaxNodes=2",
     "MinNodes=1", "MaxCPUsPerNode=1", "Alternate=debug", "State=DRAIN", "QOS=high",
     "TRESBillingWeights=CPU=1.0", "PriorityJobFactor=5", "PriorityTier=3", "AllocNodes=vm",
     "DefaultTime=10", "MaxTime=100", "OverSubscribe=FORCE:2"],
    ["PartitionName=h8odd2", "Nodes=node2", "DefMemPerNode=300", "MaxMemPerNode=400",
     "OverTimeLimit=UNLIMITED", "RootOnly=YES", "DenyAccounts=ops", "AllowGroups=root",
     "State=INACTIVE", "PreemptMode=REQUEUE"],
]  # fmt: skip


def test_unusual_partitions_read_as_the_c_daemon_reads_them(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str
) -> None:
    with created(slurm_testbed, "PartitionName", ["h8odd", "h8odd2"], UNUSUAL_PARTITIONS):
        path = "/slurm/v0.0.38/partitions"
        body, c_body = side_by_side(ours, slurm_testbed, path, alice_token)
        assert body["partitions"] == c_body["partitions"]
        odd = {p["name"]: p for p in body["partitions"]}
        assert odd["h8odd"]["flags"] == [
            "hidden",
            "no_root",
            "reservation_required",
            "least_loaded_nodes",
            "exclusive_user",
        ]
        assert (odd["h8odd2"]["maximum_memory_per_node"], odd["h8odd2"]["over_time_limit"]) == (
            400,
            65535,
        )


UNUSUAL_RESERVATIONS = [
    ["ReservationName=h8res", "StartTime=now+1day", "Duration=90", "Nodes=node4",
     "Users=alice,bob", "Flags=MAINT,DAILY", "Licenses=matlab:1"],
    ["ReservationName=h8res2", "StartTime=now+2days", "Duration=UNLIMITED", "CoreCnt=1",
     "Nodes=node3", "Accounts=research", "Flags=PURGE_COMP=00:05:00"],
]  # fmt: skip


def test_reservations_read_as_the_c_daemon_reads_them(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str
) -> None:
    with created(slurm_testbed, "ReservationName", ["h8res", "h8res2"], UNUSUAL_RESERVATIONS):
        path = "/slurm/v0.0.38/reservations"
        body, c_body = side_by_side(ours, slurm_testbed, path, alice_token)
        assert body["reservations"] == c_body["reservations"]
        by_name = {r["name"]: r for r in body["reservations"]}
        assert by_name["h8res2"]["purge_completed"] == {"time": 300}
        assert by_name["h8res"]["flags"] == ["MAINT", "DAILY", "SPEC_NODES"]
        status, body = get(ours.tcp_port(), "/slurm/v0.0.46/reservations", alice_token)
        assert status == 200
        assert schema_errors("v0.0.46", "v0.0.46_openapi_reservation_resp", body) == []


def test_diag_reads_sdiag_as_the_c_daemon_reports_it(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str
) -> None:
    body, c_body = side_by_side(ours, slurm_testbed, "/slurm/v0.0.38/diag", alice_token)
    stats, c_stats = body["statistics"], c_body["statistics"]
    assert list(stats) == list(c_stats)
    # Counters move with every RPC (these two reads included); the epoch does not.
    assert stats["req_time_start"] == c_stats["req_time_start"]
    assert stats["server_thread_count"] >= 1
    assert "alice" in {row["user"] for row in stats["rpcs_by_user"]}
    assert schema_errors("v0.0.38", "v0.0.38_diag", stats, allow_null=True) == []
    status, body = get(ours.tcp_port(), "/slurm/v0.0.46/diag", alice_token)
    assert status == 200
    assert schema_errors("v0.0.46", "v0.0.46_openapi_diag_resp", body) == []
