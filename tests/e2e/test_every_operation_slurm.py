"""Every operation outside /slurmdb/ of v0.0.38 and v0.0.46, over TCP, on the embedded backend.

One daemon (JWT auth, `-s v0.0.38,dbv0.0.38,slurmctld,slurmdbd,util -d v0.0.46`) serves the
module. Its client records which operation of the served document each successful answer
reached and checks every 200 body against that operation's response schema. TESTED says
which operations each test must reach; the last test checks that each test did, and that
TESTED and what was really exercised both equal the document's operations of this share.
test_every_operation_slurmdb.py walks the other share (/slurmdb/).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from e2e import harness
from e2e.embedded_client import (
    REAL_22_05_DEVIATIONS,
    Client,
    OperationLog,
    RecordingClient,
    operation_share,
    script,
    three_version_daemon,
)

SHARE = "slurm"
V38 = "/slurm/v0.0.38"
V46 = "/slurm/v0.0.46"

TESTED: dict[str, tuple[str, ...]] = {
    "test_the_document_is_served_under_each_name": (
        "GET /openapi",
        "GET /openapi.json",
        "GET /openapi.yaml",
        "GET /openapi/v3",
    ),
    "test_v0_0_38_job_life_cycle": (
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
    "test_v0_0_46_job_life_cycle": (
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
    "test_v0_0_46_partition_create_and_delete": (
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
    "test_v0_0_46_shares_follow_the_associations": ("slurm_v0046_get_shares",),
    "test_v0_0_46_reconfigure_reads_slurm_conf_again": ("slurm_v0046_get_reconfigure",),
    "test_util_hostnames_and_hostlist": ("util_v0046_post_hostnames", "util_v0046_post_hostlist"),
}


@dataclass
class Walk:
    daemon: harness.Daemon
    cluster: harness.Cluster
    log: OperationLog
    client: RecordingClient
    user: str

    def job_body(self, name: str, body: str = "sleep 30", **job: Any) -> dict[str, Any]:
        """A v0.0.46 submission running `body` in the daemon's run directory."""
        fields = {
            "name": name,
            "current_working_directory": str(self.cluster.dir),
            "environment": ["PATH=/bin:/usr/bin"],
            "standard_output": "/dev/null",
            **job,
        }
        return {"script": script(body), "job": fields}

    def wait(self, job_id: int, state: str, reason: str | None = None) -> dict[str, Any]:
        """The v0.0.46 job once in `state` (and `reason`), polled with a deadline."""
        deadline = time.monotonic() + 20
        while True:
            job = self.client.ok("GET", f"{V46}/job/{job_id}")["jobs"][0]
            if job["job_state"] == [state] and reason in (None, job["state_reason"]):
                return job
            assert time.monotonic() < deadline, (job_id, job["job_state"], job["state_reason"])
            time.sleep(0.05)  # the job changes in the daemon; poll with a deadline


@pytest.fixture(scope="module")
def walk(daemon_user) -> Iterator[Walk]:
    with three_version_daemon(daemon_user) as (daemon, cluster):
        token = cluster.token(daemon_user.pw_name, lifespan=3600)
        status, document = Client(daemon, token).call("GET", "/openapi/v3")
        assert status == 200
        log = OperationLog(document)
        client = RecordingClient(daemon, token, log, REAL_22_05_DEVIATIONS)
        yield Walk(daemon, cluster, log, client, daemon_user.pw_name)
        client.call("DELETE", f"{V46}/jobs", {"job_state": ["PENDING", "RUNNING"]})


@pytest.fixture(autouse=True)
def attributed(request, walk) -> None:
    """What each test exercises is logged under its name (checked by the last test)."""
    walk.log.start_test(request.node.originalname)


def test_the_document_is_served_under_each_name(walk):
    paths = ["/openapi", "/openapi.json", "/openapi.yaml", "/openapi/v3"]
    documents = [walk.client.call("GET", path) for path in paths]
    assert [status for status, _ in documents] == [200] * 4
    first = documents[0][1]
    assert all(doc == first for _, doc in documents)
    # -s/-d chose exactly the three versions: each tree is served, and nothing else.
    trees = ("/slurm/v0.0.38/", "/slurmdb/v0.0.38/", "/slurm/v0.0.46/", "/slurmdb/v0.0.46/")
    trees += ("/util/v0.0.46/",)
    assert [p for p in first["paths"] if p not in paths and not p.startswith(trees)] == []
    assert all(any(p.startswith(tree) for p in first["paths"]) for tree in trees)


def test_v0_0_38_job_life_cycle(walk):
    client = walk.client
    body = {
        "script": script("sleep 0"),
        "job": {
            "name": "held38",
            "hold": True,
            "current_working_directory": str(walk.cluster.dir),
            "environment": {"PATH": "/bin:/usr/bin"},
        },
    }
    status, doc = client.call("POST", f"{V38}/job/submit", body)
    assert status == 200 and doc["errors"][0]["error_code"] == 2042, doc  # held
    job_id = doc["job_id"]
    (job,) = client.ok("GET", f"{V38}/job/{job_id}")["jobs"]
    assert (job["name"], job["job_state"], job["state_reason"]) == (
        "held38",
        "PENDING",
        "JobHeldUser",
    )
    assert job["user_name"] == walk.user
    client.ok("POST", f"{V38}/job/{job_id}", {"time_limit": 7, "comment": "c38"})
    (job,) = client.ok("GET", f"{V38}/job/{job_id}")["jobs"]
    assert (job["time_limit"], job["comment"]) == (7, "c38")
    listed = client.ok("GET", f"{V38}/jobs")["jobs"]
    assert [j["name"] for j in listed if j["job_id"] == job_id] == ["held38"]
    client.ok("DELETE", f"{V38}/job/{job_id}")
    (job,) = client.ok("GET", f"{V38}/job/{job_id}")["jobs"]
    assert job["job_state"] == "CANCELLED"


def test_v0_0_38_cluster_reads(walk):
    client = walk.client
    (ping,) = client.ok("GET", f"{V38}/ping")["pings"]
    assert (ping["ping"], ping["mode"]) == ("UP", "primary")
    before = client.ok("GET", f"{V38}/diag")["statistics"]["jobs_submitted"]
    submitted = client.ok("POST", f"{V46}/job/submit", walk.job_body("counted", hold=True))
    after = client.ok("GET", f"{V38}/diag")["statistics"]["jobs_submitted"]
    assert after == before + 1
    client.ok("DELETE", f"{V46}/job/{submitted['job_id']}")
    licenses = client.ok("GET", f"{V38}/licenses")["licenses"]
    assert [(x["LicenseName"], x["Total"]) for x in licenses] == [("fluent", 2)]
    nodes = client.ok("GET", f"{V38}/nodes")["nodes"]
    assert [n["name"] for n in nodes] == ["n1", "n2", "n3"]
    (node,) = client.ok("GET", f"{V38}/node/n2")["nodes"]
    assert (node["name"], node["cpus"], node["real_memory"]) == ("n2", 1, 1000)
    partitions = client.ok("GET", f"{V38}/partitions")["partitions"]
    assert [(p["name"], p["nodes"]) for p in partitions] == [("debug", "n[1-3]")]
    (partition,) = client.ok("GET", f"{V38}/partition/debug")["partitions"]
    assert partition["total_nodes"] == 3
    resv = {"name": "seen38", "users": [walk.user], "node_list": ["n3"], "duration": 10}
    client.ok("POST", f"{V46}/reservation", resv)
    try:
        listed = client.ok("GET", f"{V38}/reservations")["reservations"]
        assert [(r["name"], r["node_list"]) for r in listed] == [("seen38", "n3")]
        (shown,) = client.ok("GET", f"{V38}/reservation/seen38")["reservations"]
        assert (shown["users"], shown["node_count"]) == (walk.user, 1)
        assert shown["end_time"] - shown["start_time"] == 600
    finally:
        client.ok("DELETE", f"{V46}/reservation/seen38")


def test_v0_0_46_job_life_cycle(walk):
    client = walk.client
    done = client.ok("POST", f"{V46}/job/submit", walk.job_body("quick", "true"))["job_id"]
    job = walk.wait(done, "COMPLETED")
    assert job["exit_code"]["return_code"]["number"] == 0 and job["name"] == "quick"
    held = client.ok("POST", f"{V46}/job/submit", walk.job_body("held46", hold=True))["job_id"]
    limit = {"set": True, "infinite": False, "number": 9}
    client.ok("POST", f"{V46}/job/{held}", {"time_limit": limit, "comment": "c46"})
    job = walk.wait(held, "PENDING", "JobHeldUser")
    assert (job["time_limit"], job["comment"]) == (limit, "c46")
    listed = {j["job_id"]: j["name"] for j in client.ok("GET", f"{V46}/jobs")["jobs"]}
    assert (listed[done], listed[held]) == ("quick", "held46")
    client.ok("DELETE", f"{V46}/job/{held}")
    walk.wait(held, "CANCELLED")


def test_v0_0_46_allocation_resources_and_states(walk):
    client = walk.client
    job_id = client.ok("POST", f"{V46}/job/allocate", {"job": {"name": "alloc"}})["job_id"]
    node = walk.wait(job_id, "RUNNING")["nodes"]
    (layout,) = client.ok("GET", f"{V46}/resources/{job_id}")["nodes"]
    assert layout["node"] == node
    states = client.ok("GET", f"{V46}/jobs/state?job_id={job_id}")["jobs"]
    assert [(s["job_id"], s["job_state"]) for s in states] == [(job_id, ["RUNNING"])]
    client.ok("DELETE", f"{V46}/job/{job_id}")
    walk.wait(job_id, "CANCELLED")
    status, doc = client.call("GET", f"{V46}/resources/{job_id}")
    assert (status, doc["nodes"]) == (422, [])  # released with the allocation


def test_v0_0_46_requeue_and_bulk_cancel(walk):
    client = walk.client
    job_id = client.ok("POST", f"{V46}/job/submit", walk.job_body("again"))["job_id"]
    walk.wait(job_id, "RUNNING")
    (entry,) = client.ok("GET", f"{V46}/job/{job_id}/requeue")["status"]
    assert (entry["job_id"], entry["error_code"]) == (job_id, 0)
    assert walk.wait(job_id, "RUNNING")["restart_cnt"] == 1
    doc = client.ok("POST", f"{V46}/jobs/requeue", {"jobs": [str(job_id)], "flags": ["Hold"]})
    assert [[e["error_code"] for e in entries] for entries in doc["status"]] == [[0]]
    assert walk.wait(job_id, "PENDING", "JobHeldAdmin")["restart_cnt"] == 2
    doc = client.ok("DELETE", f"{V46}/jobs", {"job_name": "again"})
    assert [(e["job_id"]["number"], e["error"]["code"]) for e in doc["status"]] == [(job_id, 0)]
    walk.wait(job_id, "CANCELLED")


def test_v0_0_46_drain_resume_and_dynamic_nodes(walk):
    client = walk.client
    client.ok("POST", f"{V46}/node/n3", {"state": ["DRAIN"], "reason": "maint"})
    (node,) = client.ok("GET", f"{V46}/node/n3")["nodes"]
    assert "DRAIN" in node["state"] and (node["reason"], node["reason_set_by_user"]) == (
        "maint",
        walk.user,
    )
    (node38,) = client.ok("GET", f"{V38}/node/n3")["nodes"]
    assert node38["state_flags"] == ["DRAIN"]
    client.ok("POST", f"{V46}/nodes", {"name": ["n3"], "state": ["RESUME"]})
    (node,) = client.ok("GET", f"{V46}/node/n3")["nodes"]
    assert "DRAIN" not in node["state"] and node["reason"] == ""
    client.ok("POST", f"{V46}/new/node", {"node_conf": "NodeName=dyn1 CPUs=2 RealMemory=500"})
    nodes = {n["name"]: n for n in client.ok("GET", f"{V46}/nodes")["nodes"]}
    assert (nodes["dyn1"]["cpus"], nodes["dyn1"]["real_memory"]) == (2, 500)
    client.ok("DELETE", f"{V46}/node/dyn1")
    assert [n["name"] for n in client.ok("GET", f"{V46}/nodes")["nodes"]] == ["n1", "n2", "n3"]


def test_v0_0_46_partition_create_and_delete(walk):
    client = walk.client
    extra = {"name": "extra", "nodes": {"configured": "n2"}, "maximums": {"time": 30}}
    client.ok("POST", f"{V46}/partitions", {"partitions": [extra]})
    (shown,) = client.ok("GET", f"{V46}/partition/extra")["partitions"]
    assert shown["nodes"]["configured"] == "n2"
    assert shown["maximums"]["time"] == {"set": True, "infinite": False, "number": 30}
    names = [p["name"] for p in client.ok("GET", f"{V46}/partitions")["partitions"]]
    assert "extra" in names
    client.ok("DELETE", f"{V46}/partition/extra")
    names = [p["name"] for p in client.ok("GET", f"{V46}/partitions")["partitions"]]
    assert "extra" not in names


def test_v0_0_46_reservation_create_update_delete(walk):
    client = walk.client
    resv = {"name": "maint", "users": [walk.user], "node_list": ["n1"], "duration": 10}
    (echo,) = client.ok("POST", f"{V46}/reservation", resv)["reservations"]
    assert (echo["name"], echo["node_list"]) == ("maint", ["n1"])
    (shown,) = client.ok("GET", f"{V46}/reservation/maint")["reservations"]
    assert (shown["node_list"], shown["users"]) == ("n1", walk.user)
    client.ok(
        "POST", f"{V46}/reservations", {"reservations": [{"name": "maint", "node_list": ["n2"]}]}
    )
    listed = client.ok("GET", f"{V46}/reservations")["reservations"]
    assert [(r["name"], r["node_list"]) for r in listed] == [("maint", "n2")]
    client.ok("DELETE", f"{V46}/reservation/maint")
    assert client.ok("GET", f"{V46}/reservations")["reservations"] == []


def test_v0_0_46_ping_diag_licenses_conf(walk):
    client = walk.client
    (ping,) = client.ok("GET", f"{V46}/ping")["pings"]
    assert (ping["status"], ping["responding"], ping["primary"]) == ("UP", True, True)
    before = client.ok("GET", f"{V46}/diag")["statistics"]["jobs_submitted"]
    job_id = client.ok("POST", f"{V46}/job/submit", walk.job_body("counted", hold=True))["job_id"]
    assert client.ok("GET", f"{V46}/diag")["statistics"]["jobs_submitted"] == before + 1
    client.ok("DELETE", f"{V46}/job/{job_id}")
    (fluent,) = client.ok("GET", f"{V46}/licenses")["licenses"]
    assert (fluent["LicenseName"], fluent["Total"], fluent["Free"]) == ("fluent", 2, 2)
    conf = client.ok("GET", f"{V46}/conf")["slurm_conf"]
    assert (conf["ClusterName"], conf["KillWait"]) == ("testcluster", 1)


def test_v0_0_46_shares_follow_the_associations(walk):
    client = walk.client
    lab = {"association_condition": {"accounts": ["lab"]}, "account": {"description": "d"}}
    client.ok("POST", "/slurmdb/v0.0.46/accounts_association", lab)
    member = {"association_condition": {"users": [walk.user], "accounts": ["lab"]}, "user": {}}
    client.ok("POST", "/slurmdb/v0.0.46/users_association", member)
    rows = client.ok("GET", f"{V46}/shares?users={walk.user}&accounts=lab")["shares"]["shares"]
    assert [(r["parent"], r["name"], r["type"]) for r in rows] == [
        ("root", "lab", ["ASSOCIATION"]),
        ("lab", walk.user, ["USER"]),
    ]


def test_v0_0_46_reconfigure_reads_slurm_conf_again(walk):
    client = walk.client
    conf = walk.cluster.conf
    conf.write_text(conf.read_text() + "PartitionName=late Nodes=n1\n")
    client.ok("GET", f"{V46}/reconfigure")
    (late,) = client.ok("GET", f"{V46}/partition/late")["partitions"]
    assert late["nodes"]["configured"] == "n1"


def test_util_hostnames_and_hostlist(walk):
    client = walk.client
    doc = client.ok("POST", "/util/v0.0.46/hostnames", {"hostlist": "n[1-3],m7"})
    assert doc["hostnames"] == ["n1", "n2", "n3", "m7"]
    doc = client.ok("POST", "/util/v0.0.46/hostlist", {"hostnames": ["a3", "a1", "a2", "b01"]})
    assert doc["hostlist"] == "a[1-3],b01"


def test_a_job_without_a_qos_is_in_normal_in_every_view(walk, shared_reference):
    capture = shared_reference / "slurm-22.05" / "responses"
    real = json.loads((capture / "GET_slurm_v0.0.38_job_{job_id}__completed.json").read_text())
    assert real["jobs"][0]["qos"] == "normal"
    client = walk.client
    job_id = client.ok("POST", f"{V46}/job/submit", walk.job_body("noqos", hold=True))["job_id"]
    try:
        views = {
            "slurmdb/v0.0.38": client.ok("GET", f"/slurmdb/v0.0.38/job/{job_id}")["jobs"][0]["qos"],
            "slurm/v0.0.38": client.ok("GET", f"{V38}/job/{job_id}")["jobs"][0]["qos"],
            "slurm/v0.0.46": client.ok("GET", f"{V46}/job/{job_id}")["jobs"][0]["qos"],
        }
    finally:
        client.ok("DELETE", f"{V46}/job/{job_id}")
    assert views == dict.fromkeys(views, "normal")


def test_every_job_so_far_renders_in_both_versions(walk):
    """Held, run, requeued, allocated and cancelled jobs: both listings, valid and alike."""
    client = walk.client
    old = {j["job_id"]: j["job_state"] for j in client.ok("GET", f"{V38}/jobs")["jobs"]}
    new = {j["job_id"]: j["job_state"] for j in client.ok("GET", f"{V46}/jobs")["jobs"]}
    assert {"CANCELLED", "COMPLETED"} <= set(old.values())
    assert {job_id: [state] for job_id, state in old.items()} == new
    states = client.ok("GET", f"{V46}/jobs/state")["jobs"]
    assert {s["job_id"]: s["job_state"] for s in states} == new
    for version in ("v0.0.38", "v0.0.46"):  # and as accounting records
        records = client.ok("GET", f"/slurmdb/{version}/jobs?start_time=0")["jobs"]
        assert sorted(r["job_id"] for r in records) == sorted(new), version


def test_the_log_resolves_paths_as_the_router_does(walk):
    find = walk.log.find
    assert find("POST", f"{V46}/job/submit").operation_id == "slurm_v0046_post_job_submit"
    assert find("POST", f"{V46}/job/12").operation_id == "slurm_v0046_post_job"
    assert find("GET", f"{V46}/diag?x=1").operation_id == "slurm_v0046_get_diag"  # "/diag/"
    assert find("GET", "/slurm/v0.0.99/ping") is None
    assert find("PUT", f"{V38}/ping") is None
    log = OperationLog({"paths": {"/a/{x}": {"get": {"responses": {}}, "servers": []}}})
    assert [op.operation_id for op in log.operations] == ["GET /a/{x}"]
    log.start_test("t")
    log.record("GET", "/a/1", 404)
    log.record("GET", "/a/1/b", 200)
    assert log.exercised == set()  # a failure, and a path of no operation, reach nothing
    log.record("GET", "/a/1", 304)
    assert (log.exercised, log.by_test) == ({"GET /a/{x}"}, {"t": {"GET /a/{x}"}})


def test_the_client_checks_schemas_but_accepts_listed_deviations(walk):
    body = {"meta": {"Slurm": {"version": {"major": 26}}}, "errors": [], "pings": []}
    assert walk.client.schema_problems("v0.0.38_pings", body) == []
    strict = RecordingClient(walk.daemon, "unused", walk.log)
    assert strict.schema_problems("v0.0.38_pings", body) == [
        "meta/Slurm/version/major: 26 is not of type 'string', 'null'"
    ]
    assert walk.client.schema_problems("v0.0.46_openapi_resp", {"errors": "none"}) != []


def test_every_operation_of_this_share_was_walked(walk):
    """Runs last: a new operation outside /slurmdb/ fails here until a test reaches it."""
    mine = {op.operation_id for op in walk.log.operations if operation_share(op.template) == SHARE}
    assert set().union(*TESTED.values()) == mine
    assert walk.log.exercised & mine == mine
    unreached = {test: set(ops) - walk.log.by_test.get(test, set()) for test, ops in TESTED.items()}
    assert {test: ops for test, ops in unreached.items() if ops} == {}
