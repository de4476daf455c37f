"""Every operation outside /slurmdb/ of v0.0.38 and v0.0.46, over TCP, on the slurm backend.

Our daemon (`--backend slurm`, JWT, `--read-freshness 0`) runs as an unprivileged
third user in front of the real Slurm 22.05 testbed. alice and bob (JWT) submit,
allocate, run, change, hold, release, signal and cancel their own jobs and are
refused on each other's; root changes nodes, partitions and reservations. Every 200 body is
checked against its schema and every change is read back through the daemon and,
where cheap, through Slurm's own commands. A second daemon runs as alice with
rest_auth/local on a UNIX socket: the job life cycles and arrays walk it too (no
token: sbatch, scontrol and scancel sign with munge as alice). TESTED and the last
test work as in the embedded walk (tests/e2e/test_every_operation_slurm.py);
test_walk_slurmdb_backend.py walks /slurmdb/.
"""

from __future__ import annotations

import os
import pwd
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from e2e import harness
from e2e.embedded_client import Client, operation_share
from slurm.testbed import Testbed
from slurm.walk import (
    LONG_LIST,
    SAMPLE,
    TAG,
    UnixClient,
    WalkClient,
    WalkLog,
    job_38,
    job_46,
    marked,
    number,
    script,
    slurm_daemon,
    squeue,
    trap_script,
    wait_state,
    wait_until,
)
from slurm.workload import cancel_and_settle

pytestmark = pytest.mark.slurm

SHARE = "slurm"
V38 = "/slurm/v0.0.38"
V46 = "/slurm/v0.0.46"
USERS = ("alice", "bob")
# The same job walks over rest_auth/local: a daemon running as alice on a UNIX socket,
# reached as alice; its calls carry no token (munge as the daemon's uid: alice).
LOCAL = "local"
EVERY_WAY = (*USERS, LOCAL)
OWNER = {LOCAL: "alice"}  # whose job it is, by way in
NODE = "node3"  # drained for a moment (another live module uses node4)
SPARE_NODE = "node4"  # what the tagged partition and reservations hold
FAR_AHEAD = 40 * 86400  # reservations start then, so they hold nothing anyone wants now

# Slurm's own answers to a user touching another user's job (22.05.8, as scontrol and
# scancel print them and as the C slurmrestd answers: reference/slurm-22.05 captures).
INVALID_USER_ID = 2010  # scontrol update / hold / release
ACCESS_DENIED = 2002  # scancel, with or without a signal

TESTED: dict[str, tuple[str, ...]] = {
    "test_the_document_is_served_under_each_name": (
        "GET /openapi",
        "GET /openapi.json",
        "GET /openapi.yaml",
        "GET /openapi/v3",
    ),
    "test_v0_0_38_job_life_cycle_as_each_user": (
        "slurm_v0_0_38_submit_job",
        "slurm_v0_0_38_get_job",
        "slurm_v0_0_38_update_job",
        "slurm_v0_0_38_get_jobs",
        "slurm_v0_0_38_cancel_job",
    ),
    "test_v0_0_38_cluster_reads": (
        "slurm_v0_0_38_ping",
        "slurm_v0_0_38_diag",
        "slurm_v0_0_38_slurmctld_get_licenses",
        "slurm_v0_0_38_get_nodes",
        "slurm_v0_0_38_get_node",
        "slurm_v0_0_38_get_partitions",
        "slurm_v0_0_38_get_partition",
        "slurm_v0_0_38_get_reservations",
        "slurm_v0_0_38_get_reservation",
    ),
    "test_v0_0_46_job_life_cycle_as_each_user": (
        "slurm_v0046_post_job_submit",
        "slurm_v0046_get_job",
        "slurm_v0046_post_job",
        "slurm_v0046_get_jobs",
        "slurm_v0046_delete_job",
    ),
    "test_v0_0_46_allocation_resources_and_states": (
        "slurm_v0046_post_job_allocate",
        "slurm_v0046_get_resources",
        "slurm_v0046_get_jobs_state",
    ),
    "test_v0_0_46_requeue_and_bulk_cancel": (
        "slurm_v0046_get_job_requeue",
        "slurm_v0046_post_jobs_requeue",
        "slurm_v0046_delete_jobs",
    ),
    "test_v0_0_46_drain_resume_and_dynamic_nodes": (
        "slurm_v0046_post_node",
        "slurm_v0046_get_node",
        "slurm_v0046_post_nodes",
        "slurm_v0046_get_nodes",
        "slurm_v0046_post_new_node",
        "slurm_v0046_delete_node",
    ),
    "test_v0_0_46_partition_create_change_delete": (
        "slurm_v0046_post_partitions",
        "slurm_v0046_get_partition",
        "slurm_v0046_get_partitions",
        "slurm_v0046_delete_partition",
    ),
    "test_v0_0_46_reservation_create_update_delete": (
        "slurm_v0046_post_reservation",
        "slurm_v0046_get_reservation",
        "slurm_v0046_post_reservations",
        "slurm_v0046_get_reservations",
        "slurm_v0046_delete_reservation",
    ),
    "test_v0_0_46_ping_diag_licenses_conf": (
        "slurm_v0046_get_ping",
        "slurm_v0046_get_diag",
        "slurm_v0046_get_licenses",
        "slurm_v0046_get_conf",
    ),
    "test_v0_0_46_shares": ("slurm_v0046_get_shares",),
    "test_v0_0_46_reconfigure_by_an_operator": ("slurm_v0046_get_reconfigure",),
    "test_util_hostnames_and_hostlist": ("util_v0046_post_hostnames", "util_v0046_post_hostlist"),
}


@dataclass
class Walk:
    bed: Testbed
    daemon: harness.Daemon
    daemon_user: pwd.struct_passwd
    log: WalkLog
    clients: dict[str, WalkClient | UnixClient]  # alice, bob, root, the daemon's user, local
    jobs: list[int] = field(default_factory=list)  # cancelled (as root) at the end
    local_socket: str = ""  # the rest_auth/local daemon's (running as alice)
    markers: list[str] = field(default_factory=list)  # files the trap scripts wrote

    def submit(self, user: str, path: str, body: dict) -> tuple[int, dict]:
        """Submit as `user` (200 required); the job id (kept for clean-up) and the answer."""
        status, doc = self.clients[user].call("POST", path, body)
        assert status == 200 and "job_id" in doc, doc
        self.jobs.append(doc["job_id"])
        return doc["job_id"], doc

    def marker(self, user: str, what: str) -> str:
        path = f"/tmp/{TAG}-{user}-{what}"
        self.markers.append(path)
        return path


@pytest.fixture(scope="module")
def walk(slurm_testbed: Testbed, daemon_user: pwd.struct_passwd) -> Iterator[Walk]:
    alice = pwd.getpwnam("alice")
    rundir = harness.make_rundir(alice)
    socket_path = str(rundir / "slurmrestd.socket")
    with (
        slurm_daemon(slurm_testbed, daemon_user, "rest_auth/jwt", "127.0.0.1:0") as daemon,
        slurm_daemon(slurm_testbed, alice, "rest_auth/local", f"unix:{socket_path}"),
    ):
        users = (*USERS, "root", daemon_user.pw_name)
        tokens = {user: slurm_testbed.token(user, lifespan=1800) for user in users}
        document_client = Client(daemon, tokens["alice"])
        document_client.headers["X-SLURM-USER-NAME"] = "alice"
        status, document = document_client.call("GET", "/openapi/v3")
        assert status == 200
        log = WalkLog(document)
        mine: list[int] = []
        clients: dict[str, WalkClient | UnixClient] = {
            user: WalkClient(daemon, tokens[user], user, log, mine) for user in users
        }
        clients[LOCAL] = UnixClient(socket_path, alice, log)
        walk = Walk(slurm_testbed, daemon, daemon_user, log, clients, mine, socket_path)
        try:
            yield walk
        finally:
            cancel_and_settle(slurm_testbed, walk.jobs)
            for path in walk.markers:
                Path(path).unlink(missing_ok=True)
            harness.remove_tree(rundir)


@pytest.fixture(autouse=True)
def attributed(request: pytest.FixtureRequest, walk: Walk) -> None:
    """What each test exercises is logged under its name (checked by the last test)."""
    walk.log.start_test(request.node.originalname)


def only(records: list[dict], job_id: int) -> dict:
    (record,) = [r for r in records if r["job_id"] == job_id]
    return record


def test_the_document_is_served_under_each_name(walk: Walk) -> None:
    client = walk.clients["alice"]
    paths = ["/openapi", "/openapi.json", "/openapi.yaml", "/openapi/v3"]
    documents = [client.call("GET", path) for path in paths]
    assert [status for status, _ in documents] == [200] * 4
    first = documents[0][1]
    assert all(doc == first for _, doc in documents)
    trees = ("/slurm/v0.0.38/", "/slurmdb/v0.0.38/", "/slurm/v0.0.46/", "/slurmdb/v0.0.46/")
    trees += ("/util/v0.0.46/",)
    assert [p for p in first["paths"] if p not in paths and not p.startswith(trees)] == []


# ------------------------------------------------------------------ jobs as alice and bob


@pytest.mark.parametrize("user", EVERY_WAY)
def test_v0_0_38_job_life_cycle_as_each_user(walk: Walk, user: str) -> None:
    client, bed, owner = walk.clients[user], walk.bed, OWNER.get(user, user)
    marker = walk.marker(user, "v38")
    name = f"{TAG}-{user}-38"
    body = job_38(name, trap_script(marker), hold=True)
    job_id, doc = walk.submit(user, f"{V38}/job/submit", body)
    # Held at submission: 22.05 names it in `errors` with a 200 (reference capture).
    assert [e["error_code"] for e in doc["errors"]] == [2042]
    # The daemon runs as a third user: the job is still the token's user's.
    assert squeue(bed, job_id, "%u|%j|%T|%r") == [f"{owner}|{name}|PENDING|JobHeldUser"]
    (job,) = client.ok("GET", f"{V38}/job/{job_id}")["jobs"]
    assert (job["user_name"], job["job_state"], job["state_reason"]) == (
        owner,
        "PENDING",
        "JobHeldUser",
    )
    client.ok("POST", f"{V38}/job/{job_id}", {"time_limit": 7, "comment": f"{TAG} c38"})
    (job,) = client.ok("GET", f"{V38}/job/{job_id}")["jobs"]
    assert (job["time_limit"], job["comment"]) == (7, f"{TAG} c38")
    assert squeue(bed, job_id, "%l|%k") == [f"7:00|{TAG} c38"]
    client.ok("POST", f"{V38}/job/{job_id}", {"hold": False})  # release
    wait_state(bed, job_id, "RUNNING")
    listed = client.ok("GET", f"{V38}/jobs")["jobs"]
    assert only(listed, job_id)["job_state"] == "RUNNING"
    client.ok("DELETE", f"{V38}/job/{job_id}?signal=SIGUSR1")  # reaches the batch shell
    wait_until(f"SIGUSR1 in {marker}", lambda: marked(marker))
    assert squeue(bed, job_id) == ["RUNNING"]  # a signal is not a cancel
    client.ok("DELETE", f"{V38}/job/{job_id}")
    wait_state(bed, job_id, "CANCELLED")
    (job,) = client.ok("GET", f"{V38}/job/{job_id}")["jobs"]
    assert job["job_state"] == "CANCELLED"


@pytest.mark.parametrize("user", EVERY_WAY)
def test_v0_0_46_job_life_cycle_as_each_user(walk: Walk, user: str) -> None:
    client, bed, owner = walk.clients[user], walk.bed, OWNER.get(user, user)
    name = f"{TAG}-{user}-46"
    later = number(int(time.time()) + 3600)
    job_id, doc = walk.submit(
        user, f"{V46}/job/submit", job_46(name, script("true"), begin_time=later)
    )
    assert (doc["errors"], doc["step_id"]) == ([], "batch")
    assert squeue(bed, job_id, "%u|%j|%T|%r") == [f"{owner}|{name}|PENDING|BeginTime"]
    client.ok("POST", f"{V46}/job/{job_id}", {"hold": True})
    assert squeue(bed, job_id, "%T|%r|%p") == ["PENDING|JobHeldUser|0.00000000000000"]
    changes = {"comment": f"{TAG} c46", "time_limit": number(9)}
    (result,) = client.ok("POST", f"{V46}/job/{job_id}", changes)["results"]
    assert result["job_id"] == job_id
    (job,) = client.ok("GET", f"{V46}/job/{job_id}")["jobs"]
    assert (job["comment"], job["time_limit"], job["hold"]) == (f"{TAG} c46", number(9), True)
    assert job["user_name"] == owner
    # Released and due now: it runs and completes.
    client.ok(
        "POST", f"{V46}/job/{job_id}", {"hold": False, "begin_time": number(int(time.time()))}
    )
    wait_state(bed, job_id, "COMPLETED")
    (job,) = client.ok("GET", f"{V46}/job/{job_id}")["jobs"]
    assert (job["job_state"], job["exit_code"]["return_code"]) == (["COMPLETED"], number(0))
    (job38,) = client.ok("GET", f"{V38}/job/{job_id}")["jobs"]
    assert (job38["job_state"], job38["user_name"]) == ("COMPLETED", owner)
    # The same job as an accounting record (slurmdbd may take a moment to hear of it).
    record = accounting_record(client, f"/slurmdb/v0.0.46/job/{job_id}")
    assert (record["user"], record["name"], record["state"]["current"]) == (
        owner,
        name,
        ["COMPLETED"],
    )
    (record38,) = client.ok("GET", f"/slurmdb/v0.0.38/job/{job_id}")["jobs"]
    assert (record38["user"], record38["state"]["current"]) == (owner, "COMPLETED")
    # A running one: signalled (no flags: the batch shell too, as upstream), then cancelled.
    marker = walk.marker(user, "v46")
    running, _ = walk.submit(user, f"{V46}/job/submit", job_46(f"{name}-sig", trap_script(marker)))
    wait_state(bed, running, "RUNNING")
    listed = client.ok("GET", f"{V46}/jobs")["jobs"]
    assert only(listed, running)["job_state"] == ["RUNNING"]
    assert only(listed, job_id)["job_state"] == ["COMPLETED"]
    (signalled,) = client.ok("DELETE", f"{V46}/job/{running}?signal=SIGUSR1")["status"]
    assert signalled["error"]["code"] == 0
    wait_until(f"SIGUSR1 in {marker}", lambda: marked(marker))
    client.ok("DELETE", f"{V46}/job/{running}")
    wait_state(bed, running, "CANCELLED")


def accounting_record(client: WalkClient | UnixClient, path: str) -> dict:
    found: list[dict] = []

    def recorded() -> bool:
        status, doc = client.call("GET", path)
        found[:] = doc.get("jobs", []) if status == 200 else []
        return len(found) == 1 and found[0]["state"]["current"] != ["PENDING"]

    wait_until(f"an accounting record from {path}", recorded, timeout=30)
    return found[0]


@pytest.mark.parametrize("user", EVERY_WAY)
def test_an_array_as_each_user(walk: Walk, user: str) -> None:
    client, bed = walk.clients[user], walk.bed
    body = job_46(f"{TAG}-{user}-array", script("true"), array="0-3", hold=True)
    job_id, _ = walk.submit(user, f"{V46}/job/submit", body)
    (pending,) = client.ok("GET", f"{V46}/job/{job_id}")["jobs"]
    assert (pending["array_job_id"], pending["array_task_string"]) == (number(job_id), "0-3")
    client.ok("DELETE", f"{V46}/job/{job_id}_3")  # one task goes; the rest stay held
    assert squeue(bed, job_id, "%i|%T|%r") == [f"{job_id}_[0-2]|PENDING|JobHeldUser"]
    client.ok("POST", f"{V46}/job/{job_id}", {"hold": False})
    wait_until(
        f"array {job_id} to complete",
        lambda: (
            sorted(squeue(bed, job_id, "%i|%T")) == [f"{job_id}_{t}|COMPLETED" for t in range(3)]
        ),
    )
    tasks = client.ok("GET", f"{V46}/job/{job_id}")["jobs"]
    assert sorted((t["array_task_id"]["number"], t["job_state"][0]) for t in tasks) == [
        (0, "COMPLETED"),
        (1, "COMPLETED"),
        (2, "COMPLETED"),
    ]
    assert {t["array_job_id"]["number"] for t in tasks} == {job_id}
    assert {t["user_name"] for t in tasks} == {OWNER.get(user, user)}


@pytest.fixture(scope="module")
def held(walk: Walk) -> dict[str, int]:
    """One held job of each user (to be touched by the other)."""
    jobs = {}
    for user in USERS:
        body = job_46(f"{TAG}-{user}-held", script("true"), hold=True)
        jobs[user], _ = walk.submit(user, f"{V46}/job/submit", body)
    return jobs


@pytest.mark.parametrize(("user", "owner"), [("alice", "bob"), ("bob", "alice")])
def test_each_user_is_refused_on_the_others_job(
    walk: Walk, held: dict[str, int], user: str, owner: str
) -> None:
    client, bed, victim = walk.clients[user], walk.bed, held[owner]
    # What Slurm itself answers this user.
    own = bed.run(["scontrol", "update", f"JobId={victim}", "Comment=x"], user=user, check=False)
    assert own.stderr.strip() == f"Invalid user id for job {victim}"
    own = bed.run(["scancel", str(victim)], user=user, check=False)
    assert own.stderr.strip().endswith(": Access/permission denied"), own.stderr
    # The daemon answers the same numbers in both versions, whatever the change
    # (22.05's v0.0.38 says 500 for every error; v0.0.46 uses the 24.11 table).
    attempts = [
        ("POST", f"{V38}/job/{victim}", {"comment": "x"}, 500, INVALID_USER_ID),
        ("POST", f"{V38}/job/{victim}", {"hold": False}, 500, INVALID_USER_ID),
        ("DELETE", f"{V38}/job/{victim}?signal=SIGUSR1", None, 500, ACCESS_DENIED),
        ("DELETE", f"{V38}/job/{victim}", None, 500, ACCESS_DENIED),
        ("POST", f"{V46}/job/{victim}", {"comment": "x"}, 422, INVALID_USER_ID),
        ("POST", f"{V46}/job/{victim}", {"hold": False}, 422, INVALID_USER_ID),
        ("DELETE", f"{V46}/job/{victim}?signal=SIGUSR1", None, 403, ACCESS_DENIED),
        ("DELETE", f"{V46}/job/{victim}", None, 403, ACCESS_DENIED),
    ]
    for method, path, body, status, errno in attempts:
        got, numbers, doc = client.refused(method, path, body)
        assert (got, numbers) == (status, [errno]), (method, path, doc)
    untouched = f"{owner}|PENDING|JobHeldUser|(null)"  # (null): no comment
    assert squeue(bed, victim, "%u|%T|%r|%k") == [untouched]


# ------------------------------------------------------------------ v0.0.46 job control


@pytest.mark.parametrize("user", USERS)
def test_v0_0_46_allocation_resources_and_states(walk: Walk, user: str) -> None:
    # The daemon runs as a third user; REQUEST_RESOURCE_ALLOCATION carries the token,
    # so the allocation is the token user's (salloc would sign as the daemon's uid).
    assert user != walk.daemon_user.pw_name
    client, bed = walk.clients[user], walk.bed
    name = f"{TAG}-{user}-alloc"
    body = {"job": {"name": name, "time_limit": number(2), "current_working_directory": "/tmp"}}
    job_id, _ = walk.submit(user, f"{V46}/job/allocate", body)
    wait_state(bed, job_id, "RUNNING")
    assert squeue(bed, job_id, "%u|%j") == [f"{user}|{name}"]
    (node,) = squeue(bed, job_id, "%N")
    (layout,) = client.ok("GET", f"{V46}/resources/{job_id}")["nodes"]
    assert (layout["node"], layout["sockets_per_node"], layout["cores_per_socket"]) == (node, 1, 2)
    (state,) = client.ok("GET", f"{V46}/jobs/state?job_id={job_id}")["jobs"]
    assert (state["job_id"], state["job_state"]) == (job_id, ["RUNNING"])
    client.ok("DELETE", f"{V46}/job/{job_id}")
    wait_state(bed, job_id, "CANCELLED")


def test_v0_0_46_requeue_and_bulk_cancel(walk: Walk) -> None:
    client, bed = walk.clients["alice"], walk.bed
    name = f"{TAG}-again"
    plain, _ = walk.submit("alice", f"{V46}/job/submit", job_46(name, script("sleep 300")))
    held, _ = walk.submit("alice", f"{V46}/job/submit", job_46(name, script("sleep 300")))
    wait_state(bed, plain, "RUNNING")
    wait_state(bed, held, "RUNNING")
    client.ok("GET", f"{V46}/job/{plain}/requeue")
    # Back in the queue; 22.05 lets a requeued batch job start again only a while later.
    wait_state(bed, plain, "PENDING")
    doc = client.ok("POST", f"{V46}/jobs/requeue", {"jobs": [str(held)], "flags": ["Hold"]})
    assert [[e["error_code"] for e in entries] for entries in doc["status"]] == [[0]]
    wait_until(
        f"job {held} to be requeued and held",
        lambda: squeue(bed, held, "%T|%r") == ["PENDING|job requeued in held state"],
    )
    jobs = client.ok("GET", f"{V46}/jobs")["jobs"]
    assert [(only(jobs, j)["job_state"], only(jobs, j)["restart_cnt"]) for j in (plain, held)] == [
        (["PENDING"], 1),
        (["PENDING"], 1),
    ]
    bobs, _ = walk.submit("bob", f"{V46}/job/submit", job_46(name, script("true"), hold=True))
    doc = client.ok("DELETE", f"{V46}/jobs", {"job_name": name})
    # Only the caller's jobs of that name.
    done = sorted((e["job_id"]["number"], e["error"]["code"]) for e in doc["status"])
    assert done == [(plain, 0), (held, 0)]
    wait_state(bed, plain, "CANCELLED")
    wait_state(bed, held, "CANCELLED")
    assert squeue(bed, bobs, "%u|%T") == ["bob|PENDING"]


# ------------------------------------------------------------------ cluster reads


def test_v0_0_38_cluster_reads(walk: Walk) -> None:
    client, bed, root = walk.clients["alice"], walk.bed, walk.clients["root"]
    (ping,) = client.ok("GET", f"{V38}/ping")["pings"]
    assert (ping["hostname"], ping["ping"], ping["mode"]) == (bed.host, "UP", "primary")
    before = client.ok("GET", f"{V38}/diag")["statistics"]["jobs_submitted"]
    walk.submit("alice", f"{V46}/job/submit", job_46(f"{TAG}-counted", script("true"), hold=True))
    assert client.ok("GET", f"{V38}/diag")["statistics"]["jobs_submitted"] >= before + 1
    licenses = client.ok("GET", f"{V38}/licenses")["licenses"]
    # Newest first, as the C daemon lists them (scontrol prints slurm.conf's order).
    assert [(x["LicenseName"], x["Total"]) for x in licenses] == [("matlab", 2), ("fluent", 30)]
    nodes = client.ok("GET", f"{V38}/nodes")["nodes"]
    assert [n["name"] for n in nodes] == list(bed.nodes)
    (node,) = client.ok("GET", f"{V38}/node/{NODE}")["nodes"]
    assert (node["name"], node["cpus"], node["cores"]) == (NODE, 2, 2)
    partitions = client.ok("GET", f"{V38}/partitions")["partitions"]
    assert {"debug": "node[1-4]", "batch": "node[3-4]"}.items() <= {
        p["name"]: p["nodes"] for p in partitions
    }.items()
    (batch,) = client.ok("GET", f"{V38}/partition/batch")["partitions"]
    assert (batch["total_nodes"], batch["max_time_limit"]) == (2, 1440)
    name = f"{TAG}-r38"
    start = int(time.time()) + FAR_AHEAD
    wanted = {"name": name, "node_list": [SPARE_NODE], "start_time": number(start)}
    wanted |= {"duration": number(10), "users": ["alice"]}
    root.ok("POST", f"{V46}/reservation", wanted)
    try:
        listed = client.ok("GET", f"{V38}/reservations")["reservations"]
        assert [(r["node_list"], r["users"]) for r in listed if r["name"] == name] == [
            (SPARE_NODE, "alice")
        ]
        (shown,) = client.ok("GET", f"{V38}/reservation/{name}")["reservations"]
        assert (shown["start_time"], shown["end_time"], shown["node_count"]) == (
            start,
            start + 600,
            1,
        )
    finally:
        bed.run(["scontrol", "delete", f"ReservationName={name}"], check=False)


def test_v0_0_46_ping_diag_licenses_conf(walk: Walk) -> None:
    client, bed = walk.clients["bob"], walk.bed
    (ping,) = client.ok("GET", f"{V46}/ping")["pings"]
    assert (ping["hostname"], ping["status"], ping["responding"], ping["primary"]) == (
        bed.host,
        "UP",
        True,
        True,
    )
    before = client.ok("GET", f"{V46}/diag")["statistics"]["jobs_submitted"]
    walk.submit("bob", f"{V46}/job/submit", job_46(f"{TAG}-counted", script("true"), hold=True))
    assert client.ok("GET", f"{V46}/diag")["statistics"]["jobs_submitted"] >= before + 1
    licenses = client.ok("GET", f"{V46}/licenses")["licenses"]
    shown = bed.run(["scontrol", "show", "licenses", "-o"]).stdout
    for lic in licenses:
        assert f"LicenseName={lic['LicenseName']} Total={lic['Total']} " in shown
    assert [x["LicenseName"] for x in licenses] == ["matlab", "fluent"]
    conf = client.ok("GET", f"{V46}/conf")["slurm_conf"]
    assert (conf["ClusterName"], conf["MinJobAge"], conf["SlurmUser"]) == ("testbed", 300, "slurm")


def test_v0_0_46_shares(walk: Walk) -> None:
    client = walk.clients["alice"]
    rows = client.ok("GET", f"{V46}/shares?users=alice&accounts=research")["shares"]["shares"]
    assert [(r["parent"], r["name"], r["type"]) for r in rows] == [
        ("root", "research", ["ASSOCIATION"]),
        ("research", "alice", ["USER"]),
    ]


def test_util_hostnames_and_hostlist(walk: Walk) -> None:
    client = walk.clients["bob"]
    doc = client.ok("POST", "/util/v0.0.46/hostnames", {"hostlist": "node[1-3],login7"})
    assert doc["hostnames"] == ["node1", "node2", "node3", "login7"]
    doc = client.ok("POST", "/util/v0.0.46/hostlist", {"hostnames": ["node3", "node1", "node2"]})
    assert doc["hostlist"] == "node[1-3]"


# ------------------------------------------------------------------ operators


@pytest.fixture
def drained(walk: Walk) -> Iterator[str]:
    reason = f"{TAG} drain"
    try:
        yield reason
    finally:
        out = walk.bed.run(["sinfo", "-h", "-n", NODE, "-o", "%E"]).stdout.strip()
        if out == reason:  # only our own drain is undone
            walk.bed.run(["scontrol", "update", f"NodeName={NODE}", "State=RESUME"])


def sinfo(bed: Testbed, node: str) -> tuple[str, str]:
    state, _, reason = (
        bed.run(["sinfo", "-h", "-n", node, "-o", "%T|%E"]).stdout.strip().partition("|")
    )
    return state, reason


def test_v0_0_46_drain_resume_and_dynamic_nodes(walk: Walk, drained: str) -> None:
    root, alice, bed = walk.clients["root"], walk.clients["alice"], walk.bed
    _, numbers, _ = alice.refused("POST", f"{V46}/node/{NODE}", {"state": ["DRAIN"], "reason": "x"})
    assert numbers == [INVALID_USER_ID]
    root.ok("POST", f"{V46}/node/{NODE}", {"state": ["DRAIN"], "reason": drained})
    (node,) = root.ok("GET", f"{V46}/node/{NODE}")["nodes"]
    assert "DRAIN" in node["state"] and (node["reason"], node["reason_set_by_user"]) == (
        drained,
        "root",
    )
    assert sinfo(bed, NODE)[1] == drained
    root.ok("POST", f"{V46}/nodes", {"name": [NODE], "state": ["RESUME"]})
    nodes = {n["name"]: n for n in root.ok("GET", f"{V46}/nodes")["nodes"]}
    assert "DRAIN" not in nodes[NODE]["state"] and set(bed.nodes) <= set(nodes)
    assert sinfo(bed, NODE)[1] == "none"
    # 22.05 creates nodes only when MaxNodeCount leaves room for dynamic ones (the
    # testbed sets none): `scontrol create` then exits 0 having done nothing.
    dynamic = f"h30dyn{os.getpid()}"
    root.unsupported(
        "POST",
        f"{V46}/new/node",
        {"node_conf": f"NodeName={dynamic} CPUs=1 RealMemory=100 State=FUTURE"},
        422,
        2036,
        f"slurmctld did not create node(s) {dynamic}",
    )
    assert dynamic not in bed.run(["scontrol", "show", "nodes", "-o"]).stdout
    # ... and deletes only dynamic nodes: none exists, so any name is unknown to it.
    root.unsupported("DELETE", f"{V46}/node/{dynamic}", None, 422, 2018, "failed to delete nodes")


@pytest.fixture
def partition(walk: Walk) -> Iterator[str]:
    name = f"{TAG}-p"
    try:
        yield name
    finally:
        walk.bed.run(["scontrol", "delete", f"PartitionName={name}"], check=False)


def test_v0_0_46_partition_create_change_delete(walk: Walk, partition: str) -> None:
    root, bed = walk.clients["root"], walk.bed
    wanted = {
        "name": partition,
        "nodes": {"configured": SPARE_NODE},
        "maximums": {"time": number(30)},
    }
    root.ok("POST", f"{V46}/partitions", {"partitions": [wanted]})
    (shown,) = root.ok("GET", f"{V46}/partition/{partition}")["partitions"]
    assert (shown["nodes"]["configured"], shown["maximums"]["time"]) == (SPARE_NODE, number(30))
    changed = {"name": partition, "maximums": {"time": number(60)}}
    root.ok("POST", f"{V46}/partitions", {"partitions": [changed]})
    shown = bed.run(["scontrol", "-o", "show", "partition", partition]).stdout
    assert f"PartitionName={partition} " in shown and " MaxTime=01:00:00 " in shown
    names = [p["name"] for p in root.ok("GET", f"{V46}/partitions")["partitions"]]
    assert {partition, "debug", "batch"} <= set(names)
    root.ok("DELETE", f"{V46}/partition/{partition}")
    names = [p["name"] for p in root.ok("GET", f"{V46}/partitions")["partitions"]]
    assert partition not in names
    assert (
        f"PartitionName={partition} " not in bed.run(["scontrol", "-o", "show", "partition"]).stdout
    )


@pytest.fixture
def reservation(walk: Walk) -> Iterator[str]:
    name = f"{TAG}-r"
    try:
        yield name
    finally:
        walk.bed.run(["scontrol", "delete", f"ReservationName={name}"], check=False)


def test_v0_0_46_reservation_create_update_delete(walk: Walk, reservation: str) -> None:
    root, bed = walk.clients["root"], walk.bed
    start = int(time.time()) + FAR_AHEAD
    wanted = {"name": reservation, "node_list": [SPARE_NODE], "start_time": number(start)}
    wanted |= {"duration": number(5), "users": ["bob"]}
    (made,) = root.ok("POST", f"{V46}/reservation", wanted)["reservations"]
    assert (made["name"], made["users"]) == (reservation, ["bob"])
    (shown,) = root.ok("GET", f"{V46}/reservation/{reservation}")["reservations"]
    assert (shown["node_list"], shown["users"], shown["end_time"]) == (
        SPARE_NODE,
        "bob",
        number(start + 300),
    )
    changed = {"name": reservation, "duration": number(10)}
    root.ok("POST", f"{V46}/reservations", {"reservations": [changed]})
    listed = root.ok("GET", f"{V46}/reservations")["reservations"]
    assert [r["end_time"] for r in listed if r["name"] == reservation] == [number(start + 600)]
    shown = bed.run(["scontrol", "-o", "show", "reservation", reservation]).stdout
    assert " Duration=00:10:00 " in shown
    root.ok("DELETE", f"{V46}/reservation/{reservation}")
    listed = root.ok("GET", f"{V46}/reservations")["reservations"]
    assert reservation not in [r["name"] for r in listed]
    gone = bed.run(["scontrol", "-o", "show", "reservation", reservation], check=False)
    assert f"ReservationName={reservation} " not in gone.stdout


def test_v0_0_46_reconfigure_by_an_operator(walk: Walk) -> None:
    log = walk.bed.layout.log / "slurmctld.log"
    _, numbers, _ = walk.clients["alice"].refused("GET", f"{V46}/reconfigure")
    assert numbers == [INVALID_USER_ID]
    offset = log.stat().st_size
    walk.clients["root"].ok("GET", f"{V46}/reconfigure")

    def reconfigured() -> bool:
        with log.open("rb") as handle:
            handle.seek(offset)
            return b"reconfigure" in handle.read()

    wait_until("slurmctld to log a reconfiguration", reconfigured, timeout=20)


# ------------------------------------------------------------------ rest_auth/local


def test_local_auth_acts_as_the_daemons_own_user(walk: Walk) -> None:
    # The job life cycles and arrays above walk this daemon too (LOCAL).
    socket_path = walk.local_socket
    alice, bob = pwd.getpwnam("alice"), pwd.getpwnam("bob")
    _, document = UnixClient(socket_path, alice, WalkLog({"paths": {}})).call("GET", "/openapi/v3")
    client = UnixClient(socket_path, alice, WalkLog(document))
    (ping,) = client.ok("GET", f"{V38}/ping")["pings"]
    assert ping["ping"] == "UP"
    # No token anywhere: sbatch signs with munge as the daemon's uid, which is alice.
    name = f"{TAG}-local"
    status, doc = client.call("POST", f"{V46}/job/submit", job_46(name, script("true"), hold=True))
    assert status == 200, doc
    walk.jobs.append(job_id := doc["job_id"])
    assert squeue(walk.bed, job_id, "%u|%j|%r") == [f"alice|{name}|JobHeldUser"]
    (job,) = client.ok("GET", f"{V46}/job/{job_id}")["jobs"]
    assert (job["user_name"], job["name"]) == ("alice", name)
    assert doc["meta"]["client"]["user"] == "alice"
    client.ok("DELETE", f"{V46}/job/{job_id}")
    wait_state(walk.bed, job_id, "CANCELLED")
    users = client.ok("GET", "/slurmdb/v0.0.46/associations?user=alice")["associations"]
    assert {(a["account"], a["user"]) for a in users} >= {("research", "alice"), ("ops", "alice")}
    # Any other uid is turned away before anything reaches Slurm.
    status, text = UnixClient(socket_path, bob, WalkLog(document)).call("GET", f"{V38}/ping")
    assert (status, text["text"].startswith("Authentication failure")) == (401, True)


def test_the_walk_helpers_sample_long_listings_and_count_expected_refusals(walk: Walk) -> None:
    mine = [5000]
    client = WalkClient(walk.daemon, "unused", "alice", WalkLog({"paths": {}}), mine)
    listing = {"jobs": [{"job_id": n} for n in range(LONG_LIST + 1)] + [{"job_id": 5000}]}
    assert [r["job_id"] for r in client.sample(listing)["jobs"]] == [*range(SAMPLE), 5000]
    short = {"jobs": [{"job_id": n} for n in range(LONG_LIST)]}
    assert client.sample(short) == short
    log = WalkLog({"paths": {"/a/{x}": {"get": {"responses": {}}}}})
    log.start_test("t")
    assert log.reached("GET", "/a/1").operation_id == "GET /a/{x}"
    assert (log.exercised, log.by_test) == ({"GET /a/{x}"}, {"t": {"GET /a/{x}"}})


def test_every_operation_of_this_share_was_walked(walk: Walk) -> None:
    """Runs last: a new operation outside /slurmdb/ fails here until a test reaches it."""
    mine = {op.operation_id for op in walk.log.operations if operation_share(op.template) == SHARE}
    assert set().union(*TESTED.values()) == mine
    assert walk.log.exercised & mine == mine
    unreached = {test: set(ops) - walk.log.by_test.get(test, set()) for test, ops in TESTED.items()}
    assert {test: ops for test, ops in unreached.items() if ops} == {}
