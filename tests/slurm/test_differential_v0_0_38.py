"""Every v0.0.38 operation sent to the testbed's C slurmrestd and to ours, same moment.

Reads ask both daemons for the same records. Writes are done twice with the same
input, once through each daemon (two "twin" jobs), and the answers and the twins
are compared with job ids and times normalised. What may differ is the table of
rules below, each with its reason; anything else that differs fails, except the
deviations listed in DEVIATIONS: ours to fix outside this test's reach, expected
exactly (xfail, strict). The last test checks, from what the comparisons recorded,
that every operation of the v0.0.38 document was compared.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import slurmrestd
from e2e import harness
from slurm.differential import (
    Deviation,
    Differential,
    JobIds,
    Masked,
    Pair,
    Rule,
    Varies,
    assert_same,
    spec_operations,
)
from slurm.rest import c_port
from slurm.testbed import Testbed
from slurm.testbed.daemons import wait_for
from slurm.workload import cancel_and_settle

pytestmark = pytest.mark.slurm

OPERATIONS = spec_operations(Path(slurmrestd.__file__).parent / "api" / "specs" / "v0.0.38.json")
UNKNOWN_JOB = 999999
FUTURE = 4102444800  # 2100-01-01: nothing has changed since then (304)
RESERVATION = f"h19res{os.getpid()}"
SLEEPER = "#!/bin/bash\nsleep 300\n"


# --------------------------------------------------------------------------
# Normalisation as data: JSON paths ("*" = any key or index), each with its reason.


# Two daemons reading the same records a moment apart.
SAME_MOMENT: tuple[Rule, ...] = (
    Varies("jobs/*/last_sched_evaluation", "the scheduler stamps it on each pass"),
    Varies("nodes/*/cpu_load", "slurmd refreshes it on its own"),
    Varies("nodes/*/free_memory", "slurmd refreshes it on its own"),
    Varies("nodes/*/last_busy", "set whenever a job ends on the node"),
    Masked(
        "errors/*/description",
        r"(?<=\]):\d+",
        "22.05 names its HTTP client: the port is each connection's own",
    ),
)

# Two jobs made with the same input, one through each daemon, read back.
TWIN_JOBS: tuple[Rule, ...] = (
    *SAME_MOMENT,
    JobIds("job_id", "each daemon's submission gets its own id"),
    JobIds("jobs/*/job_id", "each daemon's submission gets its own id"),
    JobIds("jobs/*/array_job_id", "each daemon's submission gets its own id"),
    JobIds("errors/*/description", "error texts name the job acted on"),
    Varies("jobs/*/submit_time", "submitted a moment apart"),
    Varies("jobs/*/eligible_time", "eligible from submission (or a relative begin time)"),
    Varies("jobs/*/accrue_time", "accrues from eligibility"),
    Varies("jobs/*/start_time", "started (or expected to) a moment apart"),
    Varies("jobs/*/end_time", "start time plus the limit"),
    Varies("jobs/*/priority", "priority/basic gives each later job one less"),
    Varies("jobs/*/nodes", "the scheduler may place the twins on different nodes"),
    Varies("jobs/*/batch_host", "the scheduler may place the twins on different nodes"),
    Varies("jobs/*/job_resources", "the scheduler may place the twins on different nodes"),
)

# /diag: everything but the start of the statistics moves with every RPC (these two
# reads included) or with other sessions' jobs; compared by type and key order.
DIAG: tuple[Rule, ...] = tuple(
    Varies(f"statistics/{key}", "a counter or clock that moves between two reads")
    for key in (
        "rpcs_by_message_type", "rpcs_by_user", "req_time", "server_thread_count",
        "agent_queue_size", "agent_count", "agent_thread_count", "dbd_agent_queue_size",
        "gettimeofday_latency", "schedule_cycle_max", "schedule_cycle_last",
        "schedule_cycle_total", "schedule_cycle_mean", "schedule_cycle_mean_depth",
        "schedule_cycle_per_minute", "schedule_queue_length", "jobs_submitted", "jobs_started",
        "jobs_completed", "jobs_canceled", "jobs_failed", "jobs_pending", "jobs_running",
        "job_states_ts", "bf_backfilled_jobs", "bf_last_backfilled_jobs",
        "bf_backfilled_het_jobs", "bf_cycle_counter", "bf_cycle_mean", "bf_depth_mean",
        "bf_depth_mean_try", "bf_cycle_last", "bf_cycle_max", "bf_queue_len",
        "bf_queue_len_mean", "bf_table_size", "bf_table_size_mean", "bf_when_last_cycle",
        "bf_active",
    )
)  # fmt: skip


# --------------------------------------------------------------------------
# Known deviations: ours, to be fixed where named; expected exactly, else a failure.


DEVIATIONS: dict[str, Deviation] = {}


@pytest.fixture(scope="module")
def diff(
    ours: harness.Daemon, slurm_testbed: Testbed, alice_token: str, bob_token: str
) -> Differential:
    tokens = {"alice": alice_token, "bob": bob_token}
    return Differential(
        ours.tcp_port(), c_port(slurm_testbed), tokens, "/slurm/v0.0.38", OPERATIONS
    )


# --------------------------------------------------------------------------
# The cluster: alice's jobs in several states, a reservation, cleanup.


def sbatch(bed: Testbed, *options: str) -> int:
    out = bed.run(["sbatch", "--parsable", "--output=/dev/null", *options], user="alice")
    return int(out.stdout.strip().split(";")[0])


def job_state(bed: Testbed, job_id: int) -> str:
    shown = bed.run(["scontrol", "show", "job", "-o", str(job_id)], check=False).stdout
    match = re.search(r"\bJobState=(\S+)", shown)
    return match.group(1) if match else ""


def wait_state(bed: Testbed, state: str, *job_ids: int) -> None:
    for job_id in job_ids:
        wait_for(f"job {job_id} {state}", lambda j=job_id: job_state(bed, j) == state, 60)


@pytest.fixture(scope="module")
def made(slurm_testbed: Testbed) -> Iterator[list[int]]:
    """Every job this module made (through either daemon), cancelled at the end."""
    ids: list[int] = []
    yield ids
    cancel_and_settle(slurm_testbed, ids)


@pytest.fixture(scope="module")
def workload(slurm_testbed: Testbed, made: list[int]) -> dict[str, int]:
    bed = slurm_testbed
    jobs = {
        "completed": sbatch(bed, "--job-name=h19-done", "--wrap=true"),
        "running": sbatch(bed, "--job-name=h19-run", "--time=10", "--wrap=sleep 300"),
        "pending": sbatch(bed, "--job-name=h19-held", "--hold", "--wrap=true"),
        "array": sbatch(bed, "--job-name=h19-array", "--hold", "--array=1-3", "--wrap=true"),
    }
    made.extend(jobs.values())
    wait_state(bed, "COMPLETED", jobs["completed"])
    wait_state(bed, "RUNNING", jobs["running"])
    return jobs


@pytest.fixture(scope="module")
def reservation(slurm_testbed: Testbed) -> Iterator[str]:
    spec = ["StartTime=now+1day", "Duration=60", "Nodes=node4", "Users=alice", "Flags=MAINT"]
    slurm_testbed.run(["scontrol", "create", f"ReservationName={RESERVATION}", *spec])
    try:
        yield RESERVATION
    finally:
        slurm_testbed.run(["scontrol", "delete", f"ReservationName={RESERVATION}"], check=False)


# --------------------------------------------------------------------------
# Reads.


@pytest.mark.parametrize(
    "path",
    ["/ping", "/nodes", "/partitions", "/node/node1", "/partition/debug", "/partition/batch"],
)
def test_cluster_reads(diff: Differential, path: str) -> None:
    pair = diff.read(path, SAME_MOMENT)
    assert pair.c.status == 200
    assert_same(pair.differences(SAME_MOMENT))


def test_licenses(diff: Differential) -> None:
    # Order included: both list the controller's REQUEST_LICENSE_INFO reply as sent.
    pair = diff.read("/licenses", SAME_MOMENT)
    assert pair.c.status == 200
    assert [row["LicenseName"] for row in pair.c.json()["licenses"]] == ["matlab", "fluent"]
    assert_same(pair.differences(SAME_MOMENT))


@pytest.mark.parametrize("path", ["/node/nosuch", "/partition/nosuch", "/reservation/nosuch"])
def test_unknown_names(diff: Differential, path: str) -> None:
    pair = diff.read(path, SAME_MOMENT)
    assert pair.c.status == 500
    assert_same(pair.differences(SAME_MOMENT))


def test_reservations(diff: Differential, reservation: str) -> None:
    for path in ("/reservations", f"/reservation/{reservation}"):
        pair = diff.read(path, SAME_MOMENT)
        assert reservation in [r["name"] for r in pair.c.json()["reservations"]]
        assert_same(pair.differences(SAME_MOMENT))


@pytest.mark.parametrize(
    "path", ["/jobs", "/nodes", "/partitions", "/reservations", "/partition/debug",
             "/reservation/{reservation}"],
)  # fmt: skip
def test_update_time_answers_304_or_200(diff: Differential, reservation: str, path: str) -> None:
    path = path.format(reservation=reservation)
    unchanged = diff.both("GET", f"{path}?update_time={FUTURE}")
    assert (unchanged.c.status, unchanged.c.body) == (304, "")
    assert_same(unchanged.differences(SAME_MOMENT))
    changed = diff.read(f"{path}?update_time=1", SAME_MOMENT)
    assert changed.c.status == 200
    assert_same(changed.differences(SAME_MOMENT))


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_jobs_list(diff: Differential, workload: dict[str, int], user: str) -> None:
    pair = diff.read("/jobs", SAME_MOMENT, user)
    assert set(workload.values()) <= {j["job_id"] for j in pair.c.json()["jobs"]}
    assert_same(pair.differences(SAME_MOMENT))


@pytest.mark.parametrize("which", ["pending", "running", "completed", "array"])
@pytest.mark.parametrize("user", ["alice", "bob"])
def test_job_by_id(diff: Differential, workload: dict[str, int], which: str, user: str) -> None:
    pair = diff.read(f"/job/{workload[which]}", SAME_MOMENT, user)
    assert pair.c.status == 200
    assert_same(pair.differences(SAME_MOMENT))


@pytest.mark.parametrize("job", [str(UNKNOWN_JOB), "abc", "array_task"])
def test_job_by_bad_id(diff: Differential, workload: dict[str, int], job: str) -> None:
    # 22.05 took only plain numbers: an array task id is a 400 like "abc".
    job = f"{workload['array']}_2" if job == "array_task" else job
    pair = diff.read(f"/job/{job}", SAME_MOMENT)
    assert pair.c.status == (500 if job == str(UNKNOWN_JOB) else 400)
    assert_same(pair.differences(SAME_MOMENT))


@pytest.mark.parametrize("user", ["alice", "bob"])
def test_diag(diff: Differential, user: str) -> None:
    pair = diff.both("GET", "/diag", user)
    assert pair.c.status == 200
    assert_same(pair.differences(DIAG))
    for table in ("rpcs_by_message_type", "rpcs_by_user"):
        rows = [a.json()["statistics"][table] for a in (pair.ours, pair.c)]
        assert {tuple(row) for row in rows[0]} == {tuple(row) for row in rows[1]}, table
    users = {row["user"] for row in pair.ours.json()["statistics"]["rpcs_by_user"]}
    assert user in users


# --------------------------------------------------------------------------
# Writes: the same input through each daemon; answers and the twin jobs compared.


def reference_request(shared_reference: Path, name: str) -> bytes:
    return (shared_reference / "slurm-22.05" / "requests" / name).read_bytes()


def captured_status(shared_reference: Path, request: str) -> int:
    """The status the real daemon answered `request` with when it was captured."""
    index = json.loads((shared_reference / "slurm-22.05" / "index.json").read_text())
    [status] = {e["status"] for e in index if e["request_body"] == f"requests/{request}"}
    return int(status)


@dataclass(frozen=True)
class Twins:
    """The two jobs one input made: `ours` through our daemon, `c` through the C one."""

    ours: int
    c: int

    @property
    def labels(self) -> tuple[dict[int, str], dict[int, str]]:
        return {self.ours: "<twin>"}, {self.c: "<twin>"}

    def act(self, diff: Differential, method: str, query: str = "", body: Any = None) -> Pair:
        path, c_path = f"/job/{self.ours}{query}", f"/job/{self.c}{query}"
        return diff.both(method, path, body=body, c_path=c_path)

    def differences(self, pair: Pair) -> list[str]:
        return pair.differences(TWIN_JOBS, self.labels)


def submit_twins(diff: Differential, made: list[int], body: Any) -> tuple[Pair, Twins | None]:
    pair = diff.both("POST", "/job/submit", body=body)
    ids = [a.body.get("job_id") if isinstance(a.body, dict) else None for a in (pair.ours, pair.c)]
    made.extend(i for i in ids if i)
    return pair, (Twins(ids[0], ids[1]) if ids[0] and ids[1] else None)


@pytest.mark.parametrize(
    "request_file",
    ["submit_bad_json.json", "submit_empty.json", "submit_no_script.json",
     "submit_no_job.json", "submit_no_env.json", "submit_bad_partition.json",
     "submit_unknown_field.json", "submit_bad_type.json"],
)  # fmt: skip
def test_submit_errors(
    diff: Differential, made: list[int], shared_reference: Path, request_file: str
) -> None:
    raw = reference_request(shared_reference, request_file)
    pair, _ = submit_twins(diff, made, raw)
    assert pair.c.status == captured_status(shared_reference, request_file)
    assert_same(pair.differences(TWIN_JOBS))


def test_submit_begin_time_number(diff: Differential, made: list[int]) -> None:
    # 22.05 read a bare number as a MMDD[YY] date, never as UNIX seconds.
    job = {"hold": True, "begin_time": 1900000000, "environment": {"PATH": "/bin"}}
    pair, _ = submit_twins(diff, made, {"script": SLEEPER, "job": job})
    assert [e.get("error_code") for e in pair.c.json()["errors"]] == [2054, None, 9001]
    assert_same(pair.differences(TWIN_JOBS))


@pytest.mark.parametrize(
    "begin", [1231, "0101", "12/31/30 16:00", "noon tomorrow", "uts2000000000"]
)
def test_submit_begin_time_date(diff: Differential, made: list[int], begin: Any) -> None:
    job = {"hold": True, "begin_time": begin, "environment": {"PATH": "/bin"},
           "current_working_directory": "/tmp"}  # fmt: skip
    pair, twins = submit_twins(diff, made, {"script": SLEEPER, "job": job})
    assert twins is not None, pair
    assert_same(twins.differences(pair))
    after = twins.act(diff, "GET")
    assert_same(twins.differences(after))
    # TWIN_JOBS compares eligible_time by type only: an absolute begin must match exactly
    eligible = [answer.json()["jobs"][0]["eligible_time"] for answer in (after.ours, after.c)]
    assert eligible[0] == eligible[1] > 0


def test_submit_then_signal_and_cancel(
    diff: Differential, made: list[int], slurm_testbed: Testbed, shared_reference: Path
) -> None:
    body = json.loads(reference_request(shared_reference, "submit_ok.json"))
    body["script"] = SLEEPER  # the captured one sleeps 600 s
    pair, twins = submit_twins(diff, made, body)
    assert twins is not None, pair
    assert_same(twins.differences(pair))
    wait_state(slurm_testbed, "RUNNING", twins.ours, twins.c)
    assert_same(twins.differences(twins.act(diff, "GET")))
    for query in ("?signal=SIGUSR1", ""):
        pair = twins.act(diff, "DELETE", query)
        assert pair.c.status == 200, query
        assert_same(twins.differences(pair))


def test_submit_held_array(diff: Differential, made: list[int], shared_reference: Path) -> None:
    raw = reference_request(shared_reference, "submit_hold_array.json")
    pair, twins = submit_twins(diff, made, raw)
    assert twins is not None, pair
    assert [e["error_code"] for e in pair.c.json()["errors"]] == [2042]
    assert_same(twins.differences(pair))
    assert_same(twins.differences(twins.act(diff, "GET")))


@pytest.fixture(scope="module")
def held_twins(diff: Differential, made: list[int]) -> Twins:
    """Held, and not to start before an hour from now: released, they stay pending."""
    job = {"name": "h19-update", "hold": True, "begin_time": "now+1hour", "time_limit": 10,
           "environment": {"PATH": "/bin"}, "current_working_directory": "/tmp",
           "standard_output": "/dev/null"}  # fmt: skip
    pair, twins = submit_twins(diff, made, {"script": SLEEPER, "job": job})
    assert twins is not None, pair
    return twins


@pytest.mark.parametrize(
    "update",
    [{"comment": "updated via REST", "time_limit": 20}, {"name": "h19-renamed"}, {"hold": False},
     {"hold": True}, {"nice": 5}, {"time_limit": "soon"}, {"no_such_field": 1},
     {"begin_time": 1900000000}],
)  # fmt: skip
def test_update(diff: Differential, held_twins: Twins, update: dict[str, Any]) -> None:
    """Applied in this order to the same two held jobs: each answer, then the jobs.

    The unparsable ones: 22.05 answered 200, naming its client in the last error."""
    twins = held_twins
    pair = twins.act(diff, "POST", body=update)
    assert_same(twins.differences(pair))
    after = twins.act(diff, "GET")
    assert_same(twins.differences(after))
    # priority is compared by type only (TWIN_JOBS): a hold must still be 0 in both.
    held = {answer.json()["jobs"][0]["priority"] == 0 for answer in (after.ours, after.c)}
    assert len(held) == 1


@pytest.mark.parametrize("job", ["unknown", "pending_as_bob"])
def test_update_refused(diff: Differential, workload: dict[str, int], job: str) -> None:
    bob = job == "pending_as_bob"
    user, job_id = ("bob", workload["pending"]) if bob else ("alice", UNKNOWN_JOB)
    pair = diff.both("POST", f"/job/{job_id}", user, body={"comment": "was here"})
    assert pair.c.status == 500
    # 22.05 names its client by host name: "job update from [localhost]:<port> failed"
    assert_same(pair.differences(SAME_MOMENT))


@pytest.mark.parametrize("job", ["unknown", "pending_as_bob", "completed"])
def test_delete_refused_or_no_op(diff: Differential, workload: dict[str, int], job: str) -> None:
    user = "bob" if job.endswith("as_bob") else "alice"
    job_id = UNKNOWN_JOB if job == "unknown" else workload[job.removesuffix("_as_bob")]
    pair = diff.both("DELETE", f"/job/{job_id}", user)
    assert pair.c.status == (200 if job == "completed" else 500)
    assert_same(pair.differences(SAME_MOMENT))


@pytest.mark.parametrize("signal", ["SIGFOO", "SIGSEGV", "64", "0", "-3", "10abc", "%20"])
def test_unknown_signal(diff: Differential, held_twins: Twins, signal: str) -> None:
    # 22.05 knew only its own few names and 1..63: "invalid signal: <n>", 400
    pair = held_twins.act(diff, "DELETE", f"?signal={signal}")
    assert pair.c.status == 400
    assert_same(held_twins.differences(pair))


def test_signal_and_cancel_held(diff: Differential, held_twins: Twins) -> None:
    for query in ("?signal=SIGUSR1", "?signal=10", ""):
        pair = held_twins.act(diff, "DELETE", query)
        assert_same(held_twins.differences(pair))
    after = held_twins.act(diff, "GET")
    assert after.c.json()["jobs"][0]["job_state"] == "CANCELLED"
    assert_same(held_twins.differences(after))


def test_every_v0_0_38_operation_was_compared(
    diff: Differential, request: pytest.FixtureRequest
) -> None:
    """Last in the file: every operation of the document went to both daemons."""
    module = request.node.module
    ran = [i for i in request.session.items if i.module is module]
    collected = [i for i in request.node.parent.collect() if isinstance(i, pytest.Function)]
    if len(ran) < len(collected):
        pytest.skip("only a part of this module was selected")
    assert sorted(set(OPERATIONS.values()) - diff.compared) == []
    assert len(OPERATIONS) == 14
