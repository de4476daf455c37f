"""Controller administration over HTTP on the embedded backend (a real daemon, JWT auth).

Drain/resume, run-time partitions and reservations honoured by the scheduler,
requeue, bulk signal, allocations, fair share, the configuration dump, who may
administer, and that operators' changes survive a restart. Every answer is
checked against its v0.0.46 response schema.
"""

from __future__ import annotations

import http.client
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from e2e import harness
from response_schemas import response_schema
from schema_check import schema_errors

V = "/slurm/v0.0.46"
NODES = "NodeName=n[1-2] CPUs=1 RealMemory=1000\nPartitionName=debug Nodes=n[1-2] Default=YES\n"
PLAIN_USER = "srtest2"


class Client:
    def __init__(self, daemon: harness.Daemon, token: str) -> None:
        self.port = daemon.tcp_port()
        self.headers = {"X-SLURM-USER-TOKEN": token, "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            data = None if body is None else json.dumps(body).encode()
            status, _, raw = harness.request(
                conn, method, V + path, body=data, headers=self.headers
            )
        finally:
            conn.close()
        doc = json.loads(raw)
        schema = response_schema("v0.0.46", method, V + path.partition("?")[0])
        if not (method == "GET" and re.fullmatch(r"/job/\d+", path)):
            # GET /job/{id} only polls here; its shape is tested with the job operations.
            assert schema_errors("v0.0.46", schema, doc) == [], (method, path, doc)
        return status, doc

    def ok(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        status, doc = self.call(method, path, body)
        assert status == 200 and doc["errors"] == [], doc
        return doc

    def submit(self, rundir, name: str, **job: Any) -> int:
        job = {
            "name": name,
            "current_working_directory": str(rundir),
            "environment": ["PATH=/bin:/usr/bin"],
            "standard_output": "/dev/null",
            **job,
        }
        body = {"script": "#!/bin/sh\nsleep 30\n", "job": job}
        return self.ok("POST", "/job/submit", body)["job_id"]

    def wait(self, job_id: int, state: str, reason: str | None = None) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while True:
            job = self.ok("GET", f"/job/{job_id}")["jobs"][0]
            if job["job_state"] == [state] and reason in (None, job["state_reason"]):
                return job
            assert time.monotonic() < deadline, f"job {job_id}: {job['job_state']}"
            time.sleep(0.1)  # the job runs in the daemon; poll with a deadline


@pytest.fixture
def admin_daemon(rundir, daemon_user) -> Iterator[tuple[list[str], harness.Cluster]]:
    state = rundir / "state"
    cluster = harness.write_cluster(
        rundir, daemon_user, extra=f"StateSaveLocation={state}\nKillWait=1\n{NODES}"
    )
    args = [*harness.privilege_args(daemon_user), "-a", "rest_auth/jwt", "-f", str(cluster.conf)]
    yield [*args, "127.0.0.1:0"], cluster


@pytest.fixture
def operator(admin_daemon, daemon_user) -> Iterator[tuple[Client, harness.Daemon]]:
    args, cluster = admin_daemon
    with harness.daemon_running(args) as daemon:
        client = Client(daemon, cluster.token(daemon_user.pw_name))
        yield client, daemon
        client.call("DELETE", "/jobs", {"job_state": ["PENDING", "RUNNING"]})


def test_drain_resume_and_a_run_time_partition(operator, rundir):
    client, _ = operator
    client.ok("POST", "/nodes", {"name": ["n1", "n2"], "state": ["DRAIN"], "reason": "maint"})
    job_id = client.submit(rundir, "waits")
    client.wait(job_id, "PENDING", "Resources")
    client.ok(
        "POST", "/partitions", {"partitions": [{"name": "extra", "nodes": {"configured": "n2"}}]}
    )
    client.ok("POST", "/node/n2", {"state": ["RESUME"]})
    assert client.wait(job_id, "RUNNING")["nodes"] == "n2"
    nodes = {n["name"]: n for n in client.ok("GET", "/nodes")["nodes"]}
    assert "DRAIN" in nodes["n1"]["state"] and nodes["n1"]["reason"] == "maint"
    client.ok("DELETE", f"/job/{job_id}")
    client.wait(job_id, "CANCELLED")
    in_extra = client.submit(rundir, "extra", partition="extra")
    assert client.wait(in_extra, "RUNNING")["nodes"] == "n2"


def test_reservation_is_honoured(operator, rundir, daemon_user):
    client, _ = operator
    resv = {"name": "mine", "users": [daemon_user.pw_name], "node_list": ["n1"], "duration": 10}
    assert client.ok("POST", "/reservation", resv)["reservations"][0]["name"] == "mine"
    outside = client.submit(rundir, "outside")
    assert client.wait(outside, "RUNNING")["nodes"] == "n2"
    inside = client.submit(rundir, "inside", reservation="mine")
    assert client.wait(inside, "RUNNING")["nodes"] == "n1"
    (shown,) = client.ok("GET", "/reservation/mine")["reservations"]
    assert shown["node_list"] == "n1"


def test_requeue_bulk_signal_allocate_and_state(operator, rundir):
    client, _ = operator
    alloc = client.ok("POST", "/job/allocate", {"job": {"name": "alloc"}})["job_id"]
    node = client.wait(alloc, "RUNNING")["nodes"]
    assert client.ok("GET", f"/resources/{alloc}")["nodes"][0]["node"] == node
    batch = client.submit(rundir, "bulk")
    client.wait(batch, "RUNNING")
    client.ok("GET", f"/job/{batch}/requeue")
    assert client.wait(batch, "RUNNING")["restart_cnt"] == 1
    states = client.ok("GET", f"/jobs/state?job_id={alloc},{batch}")["jobs"]
    assert [s["job_state"] for s in states] == [["RUNNING"], ["RUNNING"]]
    doc = client.ok("DELETE", "/jobs", {"job_name": "bulk"})
    assert [e["error"]["code"] for e in doc["status"]] == [0]
    client.wait(batch, "CANCELLED")
    assert client.ok("GET", f"/job/{alloc}")["jobs"][0]["job_state"] == ["RUNNING"]


def test_shares_conf_and_who_may_administer(operator, admin_daemon, rundir):
    client, daemon = operator
    shares = client.ok("GET", "/shares")["shares"]
    assert shares["shares"][0]["name"] == "root"
    conf = client.ok("GET", "/conf")["slurm_conf"]
    assert (conf["ClusterName"], conf["KillWait"]) == ("testcluster", 1)
    try:
        harness.ensure_user(PLAIN_USER)
    except KeyError:
        pytest.skip(f"user {PLAIN_USER} does not exist and cannot be created")
    _, cluster = admin_daemon
    plain = Client(daemon, cluster.token(PLAIN_USER))
    for method, path, body in [
        ("POST", "/node/n1", {"state": ["DRAIN"], "reason": "x"}),
        ("POST", "/partitions", {"partitions": [{"name": "p"}]}),
        ("DELETE", "/partition/debug", None),
        ("GET", "/reconfigure", None),
    ]:
        status, doc = plain.call(method, path, body)
        assert (status, [e["error_number"] for e in doc["errors"]]) == (422, [2010]), path
    mine = client.submit(rundir, "operators")
    assert plain.ok("DELETE", "/jobs", {"job_name": "operators"})["status"] == []
    assert client.wait(mine, "RUNNING")["name"] == "operators"


def test_operator_changes_survive_a_restart(admin_daemon, daemon_user):
    args, cluster = admin_daemon
    token = cluster.token(daemon_user.pw_name)
    with harness.daemon_running(args) as daemon:
        client = Client(daemon, token)
        client.ok("POST", "/node/n1", {"state": ["DRAIN"], "reason": "kept"})
        client.ok(
            "POST", "/partitions", {"partitions": [{"name": "late", "nodes": {"configured": "n2"}}]}
        )
    with harness.daemon_running(args) as daemon:
        client = Client(daemon, token)
        nodes = {n["name"]: n for n in client.ok("GET", "/nodes")["nodes"]}
        assert nodes["n1"]["reason"] == "kept"
        names = [p["name"] for p in client.ok("GET", "/partitions")["partitions"]]
        assert names == ["debug", "late"]
