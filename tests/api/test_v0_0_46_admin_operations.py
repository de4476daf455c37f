"""The v0.0.46 /slurm operations beyond the basics, through RestApp on an EmbeddedCluster.

Nodes (drain, down, resume, dynamic), partitions and reservations changed at
run time and honoured by the scheduler, requeue, bulk signal, allocations,
job states and resources, fair share, the configuration dump, reconfigure and
who may do what. Every answer is checked against the operation's v0.0.46
response schema. Jobs really run (sleep), on a two-node cluster of one CPU each.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from response_schemas import response_schema
from schema_check import schema_errors
from slurmrestd.api import plugins
from slurmrestd.api.app import RestApp
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.http.message import Headers, HttpRequest, PeerCredentials, PeerInfo, TransportKind
from slurmrestd.model.accounting import Account, Association, User
from slurmrestd.slurmconf import parse_file

PEER = PeerInfo(TransportKind.UNIX, "test", PeerCredentials(os.getpid(), 0, 0))
ME = pwd.getpwuid(os.getuid()).pw_name  # the daemon's own user: an operator
PLAIN = "nobody"  # anyone else (a real account: reservations check their users)
V = "/slurm/v0.0.46"
CONF = """\
ClusterName=admincl
KillWait=1
NodeName=n[1-2] CPUs=1 RealMemory=1000
PartitionName=debug Nodes=n[1-2] Default=YES MaxTime=UNLIMITED
"""
WAIT = 15.0
# GET /job/{id} is not this module's subject (it is polled to wait for states), and its
# answer for a pending job writes job_resources as {}, which its schema does not allow.
NOT_CHECKED = re.compile(rf"{V}/job/\d+")


class HeaderAuth:
    """Test boundary: the user named in X-SLURM-USER-NAME (the daemon's user when none)."""

    name = "test/header"

    def authenticate(self, request: HttpRequest, peer: PeerInfo) -> Identity:
        user = request.headers.get("X-SLURM-USER-NAME") or ME
        uid = os.getuid() if user == ME else 54321
        return Identity(user, uid, os.getgid(), self.name)

    def reload(self, context: object) -> None:
        return None


class Api:
    """RestApp over an EmbeddedCluster whose slurm.conf is a file (for reconfigure)."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.conf_path = tmp_path / "slurm.conf"
        self.conf_path.write_text(CONF)
        self.open()

    def open(self) -> None:
        conf = parse_file(self.conf_path)
        self.cluster = EmbeddedCluster(conf, state_dir=self.dir / "state")
        self.app = RestApp(
            units=plugins.resolve(None, None), auth_plugins=[HeaderAuth()], cluster=self.cluster
        )

    def close(self) -> None:
        # Running jobs outlive a closed engine: cancel them first.
        self.call("DELETE", "/jobs", {"job_state": ["PENDING", "RUNNING"]})
        self.cluster.close()

    def call(self, method: str, path: str, body: Any = None, user: str = ME) -> tuple[int, Any]:
        """(status, document without meta); the document must follow its schema."""
        path = V + path if not path.startswith("/slurm/") else path
        data = orjson.dumps(body) if body is not None else b""
        path, _, query = path.partition("?")
        headers = [("X-SLURM-USER-NAME", user)]
        if data:
            headers += [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
        request = HttpRequest(method, path, query, "1.1", Headers(headers), data)
        response = asyncio.run(self.app(request, PEER))
        doc = orjson.loads(response.body)
        if path.startswith(V) and not (method == "GET" and NOT_CHECKED.fullmatch(path)):
            schema = response_schema("v0.0.46", method, path)
            assert schema_errors("v0.0.46", schema, doc) == [], (method, path, doc)
        doc.pop("meta", None)
        return response.status, doc

    def ok(self, method: str, path: str, body: Any = None, user: str = ME) -> dict[str, Any]:
        status, doc = self.call(method, path, body, user)
        assert status == 200 and doc["errors"] == [], doc
        return doc

    def submit(self, name: str, body: str = "sleep 30", **job: Any) -> int:
        job = {
            "name": name,
            "current_working_directory": str(self.dir),
            "environment": ["PATH=/bin:/usr/bin"],
            "standard_output": "/dev/null",
            **job,
        }
        doc = self.ok("POST", "/job/submit", {"script": f"#!/bin/sh\n{body}\n", "job": job})
        return doc["job_id"]

    def job(self, job_id: int) -> dict[str, Any]:
        return self.ok("GET", f"/job/{job_id}")["jobs"][0]

    def wait(self, job_id: int, state: str, reason: str | None = None) -> dict[str, Any]:
        """Poll (with a deadline) until the job is in `state` (and not completing)."""
        deadline = time.monotonic() + WAIT
        while True:
            job = self.job(job_id)
            states = job["job_state"]
            if states == [state] and (reason is None or job["state_reason"] == reason):
                return job
            assert time.monotonic() < deadline, f"job {job_id}: {states} {job['state_reason']}"
            time.sleep(0.02)

    def node(self, name: str) -> dict[str, Any]:
        return self.ok("GET", f"/node/{name}")["nodes"][0]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    api = Api(tmp_path)
    yield api
    api.close()


def error_numbers(doc: dict[str, Any]) -> list[int]:
    return [e["error_number"] for e in doc["errors"]]


# --- nodes -----------------------------------------------------------------------


def test_drained_nodes_take_no_new_jobs_until_resumed(api):
    api.ok("POST", "/nodes", {"name": ["n[1-2]"], "state": ["DRAIN"], "reason": "maint"})
    for name in ("n1", "n2"):
        node = api.node(name)
        assert "DRAIN" in node["state"]
        assert (node["reason"], node["reason_set_by_user"]) == ("maint", ME)
        assert node["reason_changed_at"]["number"] > 0
    job_id = api.submit("waits")
    api.wait(job_id, "PENDING", "Resources")
    api.ok("POST", "/node/n2", {"state": ["RESUME"]})
    assert api.wait(job_id, "RUNNING")["nodes"] == "n2"
    resumed = api.node("n2")
    assert "DRAIN" not in resumed["state"] and resumed["reason"] == ""
    assert "DRAIN" in api.node("n1")["state"]


def test_drain_keeps_running_jobs_and_down_requeues_or_cancels_them(api):
    first = api.submit("first")
    node = api.wait(first, "RUNNING")["nodes"]
    other = "n2" if node == "n1" else "n1"
    api.ok("POST", f"/node/{node}", {"state": ["DRAIN"], "reason": "draining"})
    assert api.job(first)["job_state"] == ["RUNNING"]
    assert {"ALLOCATED", "DRAIN"} <= set(api.node(node)["state"])
    api.ok("POST", f"/node/{node}", {"state": ["DOWN"], "reason": "broken"})
    assert "DOWN" in api.node(node)["state"]
    again = api.wait(first, "RUNNING")  # requeued, then started on the other node
    assert (again["restart_cnt"], again["nodes"]) == (1, other)
    api.ok("POST", f"/node/{node}", {"state": ["RESUME"]})
    kept = api.submit("no-requeue", requeue=False)
    assert api.wait(kept, "RUNNING")["nodes"] == node
    api.ok("POST", f"/node/{node}", {"state": ["DOWN"], "reason": "broken again"})
    assert api.wait(kept, "CANCELLED")["state_reason"] == "NodeDown"
    assert api.job(first)["job_state"] == ["RUNNING"]  # its node is still up


@pytest.mark.parametrize(
    ("path", "body", "errno", "status"),
    [
        ("/node/n1", {"state": ["RESUME"]}, 2028, 422),  # not down or drained
        ("/node/n1", {"state": ["UNDRAIN"]}, 2028, 422),
        ("/node/n1", {"state": ["POWER_UP"]}, 2028, 422),
        ("/node/nx", {"state": ["DRAIN"]}, 2018, 422),
        ("/node/n1", {"resume_after": 60}, 2036, 422),
        ("/nodes", {"state": ["DRAIN"]}, 2018, 422),  # no node named
        ("/node/n1", {"state": ["DRAIN"], "bogus": 1}, 9200, 400),
    ],
)
def test_node_update_refusals(api, path, body, errno, status):
    code, doc = api.call("POST", path, body)
    assert (code, error_numbers(doc)) == (status, [errno])


def test_dynamic_nodes_are_created_and_deleted(api):
    api.ok("POST", "/new/node", {"node_conf": "NodeName=dyn[1-2] CPUs=2 RealMemory=500"})
    dyn = api.node("dyn1")
    assert (dyn["cpus"], dyn["real_memory"]) == (2, 500)
    for node_conf, errno in [
        ("NodeName=dyn1 CPUs=1", 2018),  # taken
        ("NodeName=dyn3 State=DOWN", 2028),
        ("Include /etc/passwd", 2018),
        ("ClusterName=x", 2018),
    ]:
        status, doc = api.call("POST", "/new/node", {"node_conf": node_conf})
        assert (status, error_numbers(doc)) == (422, [errno]), node_conf
    status, doc = api.call("DELETE", "/node/n1")
    assert (status, error_numbers(doc)) == (422, [2028])  # only dynamic nodes
    api.ok("DELETE", "/node/dyn1")
    names = [n["name"] for n in api.ok("GET", "/nodes")["nodes"]]
    assert names == ["n1", "n2", "dyn2"]


# --- partitions ------------------------------------------------------------------


def test_partition_created_at_run_time_runs_jobs_and_is_deleted(api):
    part = {"name": "extra", "nodes": {"configured": "n2"}, "maximums": {"time": 30}}
    api.ok("POST", "/partitions", {"partitions": [part]})
    (shown,) = api.ok("GET", "/partition/extra")["partitions"]
    assert shown["nodes"]["configured"] == "n2"
    assert shown["maximums"]["time"] == {"set": True, "infinite": False, "number": 30}
    job_id = api.submit("in-extra", partition="extra")
    assert api.wait(job_id, "RUNNING")["nodes"] == "n2"
    status, doc = api.call("DELETE", "/partition/extra")
    assert (status, error_numbers(doc)) == (422, [2075])  # a job runs in it
    api.ok("DELETE", f"/job/{job_id}")
    api.wait(job_id, "CANCELLED")
    api.ok("DELETE", "/partition/extra")
    status, doc = api.call("GET", "/partition/extra")
    assert doc["partitions"] == [] and error_numbers(doc) == [2000]
    status, doc = api.call("DELETE", "/partition/extra")
    assert error_numbers(doc) == [2000]


def test_partition_state_and_default_changes(api):
    api.ok(
        "POST", "/partitions", {"partitions": [{"name": "debug", "partition": {"state": ["DOWN"]}}]}
    )
    job_id = api.submit("waits")
    api.wait(job_id, "PENDING", "PartitionDown")
    api.ok(
        "POST", "/partitions", {"partitions": [{"name": "debug", "partition": {"state": ["UP"]}}]}
    )
    api.wait(job_id, "RUNNING")
    api.ok("POST", "/partitions", {"partitions": [{"name": "other", "flags": ["DEFAULT"]}]})
    parts = {p["name"]: p for p in api.ok("GET", "/partitions")["partitions"]}
    assert "DEFAULT" in parts["other"]["flags"] and "DEFAULT" not in parts["debug"]["flags"]
    # A GET answer sent back is accepted: what only describes a partition is not a change.
    doc = api.ok("POST", "/partitions", {"partitions": [parts["debug"]]})
    assert doc["warnings"] == []
    doc = api.ok("POST", "/partitions", {"partitions": [{"name": "debug", "grace_time": 5}]})
    assert [w["description"] for w in doc["warnings"]] == [
        "partition debug: grace_time is not supported here; ignored"
    ]


def test_run_time_changes_survive_a_restart(api):
    api.ok("POST", "/node/n1", {"state": ["DRAIN"], "reason": "kept"})
    api.ok("POST", "/partitions", {"partitions": [{"name": "late", "nodes": {"configured": "n2"}}]})
    api.ok("POST", "/new/node", {"node_conf": "NodeName=dyn1 CPUs=1"})
    start = int(time.time()) + 3600
    resv = {
        "name": "later",
        "users": [ME],
        "node_list": ["n2"],
        "start_time": start,
        "duration": 60,
    }
    api.ok("POST", "/reservation", resv)
    api.cluster.close()
    api.open()
    node = api.node("n1")
    assert "DRAIN" in node["state"] and node["reason"] == "kept"
    assert api.ok("GET", "/partition/late")["partitions"][0]["nodes"]["configured"] == "n2"
    assert api.node("dyn1")["name"] == "dyn1"
    (kept,) = api.ok("GET", "/reservation/later")["reservations"]
    assert (kept["node_list"], kept["start_time"]["number"]) == ("n2", start)


# --- reservations ----------------------------------------------------------------


def test_reservation_for_the_user_is_honoured(api):
    doc = api.ok(
        "POST", "/reservation", {"name": "mine", "users": [ME], "node_list": ["n1"], "duration": 10}
    )
    (echo,) = doc["reservations"]
    assert (echo["name"], echo["node_list"], echo["users"]) == ("mine", ["n1"], [ME])
    (shown,) = api.ok("GET", "/reservations")["reservations"]
    assert (shown["node_list"], shown["flags"]) == ("n1", ["SPEC_NODES"])
    assert "RESERVED" in api.node("n1")["state"]
    outside = api.submit("outside")
    assert api.wait(outside, "RUNNING")["nodes"] == "n2"
    waiting = api.submit("waiting")
    api.wait(waiting, "PENDING", "Resources")  # n1 is reserved, n2 busy
    inside = api.submit("inside", reservation="mine")
    assert api.wait(inside, "RUNNING")["nodes"] == "n1"
    status, doc = api.call("DELETE", "/reservation/mine")
    assert (status, error_numbers(doc)) == (422, [2055])  # a job runs in it
    api.ok("DELETE", f"/job/{inside}")
    api.wait(inside, "CANCELLED")
    api.ok("DELETE", "/reservation/mine")
    assert api.wait(waiting, "RUNNING")["nodes"] == "n1"
    assert api.ok("GET", "/reservations")["reservations"] == []


def test_future_reservation_keeps_long_jobs_off_its_nodes(api):
    start = int(time.time()) + 3600
    resv = {"name": "soon", "users": [ME], "node_list": ["n1"], "start_time": start}
    api.ok("POST", "/reservation", {**resv, "duration": 60})
    inside = api.submit("inside", reservation="soon")
    api.wait(inside, "PENDING", "Reservation")  # not started yet
    api.ok("POST", "/node/n2", {"state": ["DRAIN"], "reason": "x"})
    long = api.submit("long", time_limit=120)  # would run into the window
    api.wait(long, "PENDING", "Resources")
    short = api.submit("short", time_limit=30)  # ends before it
    assert api.wait(short, "RUNNING")["nodes"] == "n1"


def test_reservation_end_stops_its_jobs_and_removes_it(api):
    end = int(time.time()) + 2
    api.ok(
        "POST",
        "/reservation",
        {"name": "brief", "users": [ME], "node_list": ["n1"], "end_time": end},
    )
    job_id = api.submit("inside", reservation="brief")
    api.wait(job_id, "RUNNING")
    queued = api.submit("queued", reservation="brief")  # its one node is busy
    assert api.wait(job_id, "TIMEOUT")["end_time"]["number"] >= end
    assert api.ok("GET", "/reservations")["reservations"] == []
    api.wait(queued, "PENDING", "ReservationDeleted")


@pytest.mark.parametrize(
    ("body", "errno"),
    [
        ({"name": "r", "node_list": ["n1"], "duration": 10}, 2080),  # nobody to serve
        ({"name": "r", "users": [ME], "node_list": ["n1"]}, 2054),  # no end
        ({"name": "r", "users": [ME], "node_list": ["nx"], "duration": 10}, 2018),
        ({"name": "r", "users": [ME], "duration": 10}, 2006),  # no nodes
        ({"name": "r", "users": [ME], "node_count": 3, "duration": 10}, 2016),
        ({"name": "r", "users": ["no-such-user-x"], "node_list": ["n1"], "duration": 10}, 2010),
        (
            {"name": "r", "users": [ME], "node_list": ["n1"], "duration": 10, "flags": ["DAILY"]},
            2036,
        ),
        ({"name": "r", "users": [ME], "core_count": 1, "node_list": ["n1"], "duration": 10}, 2036),
    ],
)
def test_reservation_refusals(api, body, errno):
    status, doc = api.call("POST", "/reservation", body)
    assert (status, error_numbers(doc)) == (422, [errno])
    assert doc["reservations"] == []


def test_reservation_overlap_access_and_updates(api):
    base = {"users": [ME], "node_list": ["n1"], "duration": 10}
    api.ok("POST", "/reservations", {"reservations": [{"name": "a", **base}]})
    status, doc = api.call("POST", "/reservation", {"name": "b", **base})
    assert (status, error_numbers(doc)) == (422, [2058])
    api.ok("POST", "/reservation", {"name": "b", **base, "flags": ["OVERLAP"]})
    # An update changes only what it gives.
    api.ok("POST", "/reservation", {"name": "a", "node_list": ["n2"]})
    (a,) = api.ok("GET", "/reservation/a")["reservations"]
    assert (a["node_list"], a["users"]) == ("n2", ME)
    status, doc = api.call("POST", "/job/submit", submit_body(api, reservation="a"), user=PLAIN)
    assert (status, error_numbers(doc)) == (422, [2052])  # not a listed user
    status, doc = api.call("POST", "/job/submit", submit_body(api, reservation="zz"))
    assert (status, error_numbers(doc)) == (422, [2053])
    node_count = {"name": "c", "users": [ME], "node_count": 1, "duration": 10, "flags": ["OVERLAP"]}
    (c,) = api.ok("POST", "/reservation", node_count)["reservations"]
    assert c["node_count"]["number"] == 1 and len(c["node_list"]) == 1


def submit_body(api: Api, **job: Any) -> dict[str, Any]:
    return {
        "script": "#!/bin/sh\ntrue\n",
        "job": {"current_working_directory": str(api.dir), "environment": ["A=1"], **job},
    }


# --- permissions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/node/n1", {"state": ["DRAIN"], "reason": "x"}),
        ("POST", "/nodes", {"name": ["n1"], "state": ["DRAIN"]}),
        ("POST", "/new/node", {"node_conf": "NodeName=d1"}),
        ("DELETE", "/node/n1", None),
        ("POST", "/partitions", {"partitions": [{"name": "p"}]}),
        ("DELETE", "/partition/debug", None),
        ("POST", "/reservation", {"name": "r", "users": [ME], "node_list": ["n1"], "duration": 5}),
        ("GET", "/reconfigure", None),
    ],
)
def test_administration_is_for_operators(api, method, path, body):
    status, doc = api.call(method, path, body, user=PLAIN)
    assert (status, error_numbers(doc)) == (422, [2010])
    assert doc["errors"][0]["error"] == "Invalid user id"


def test_a_listed_user_may_delete_a_user_delete_reservation(api):
    api.ok(
        "POST",
        "/reservation",
        {"name": "u", "users": [PLAIN, ME], "node_list": ["n1"], "duration": 5},
    )
    status, doc = api.call("DELETE", "/reservation/u", user=PLAIN)
    assert (status, error_numbers(doc)) == (422, [2010])
    api.ok("POST", "/reservation", {"name": "u", "flags": ["USER_DELETE"]})
    api.ok("DELETE", "/reservation/u", user=PLAIN)


# --- job control -----------------------------------------------------------------


def test_requeue_of_a_running_job_and_requeue_hold(api):
    job_id = api.submit("again")
    api.wait(job_id, "RUNNING")
    doc = api.ok("GET", f"/job/{job_id}/requeue")
    assert doc["status"] == [
        {"job_id": job_id, "step_id": str(job_id), "error_code": 0, "error": "No error", "why": ""}
    ]
    assert api.wait(job_id, "RUNNING")["restart_cnt"] == 1
    doc = api.ok("POST", "/jobs/requeue", {"jobs": [str(job_id)], "flags": ["Hold"]})
    assert [[e["error_code"] for e in entries] for entries in doc["status"]] == [[0]]
    held = api.wait(job_id, "PENDING", "JobHeldAdmin")
    assert held["restart_cnt"] == 2 and held["priority"]["number"] == 0
    status, doc = api.call("GET", f"/job/{job_id}/requeue")
    assert (status, error_numbers(doc), doc["status"][0]["error_code"]) == (422, [2024], 2024)
    status, doc = api.call("GET", "/job/999999/requeue")
    assert (status, doc["status"][0]["error_code"]) == (404, 2017)
    status, doc = api.call("GET", f"/job/{job_id}/requeue?SpecialExit")
    assert error_numbers(doc) == [2036]


def test_requeue_of_another_users_job_is_refused(api):
    job_id = api.submit("mine")
    api.wait(job_id, "RUNNING")
    status, doc = api.call("GET", f"/job/{job_id}/requeue", user=PLAIN)
    assert (status, error_numbers(doc)) == (403, [2002])


def test_bulk_signal_by_name(api):
    bulk = [api.submit("bulk"), api.submit("bulk")]
    keep = api.submit("keep", partition="debug")
    doc = api.ok("DELETE", "/jobs", {"job_name": "bulk"})
    codes = {e["job_id"]["number"]: e["error"]["code"] for e in doc["status"]}
    assert codes == dict.fromkeys(bulk, 0)
    for job_id in bulk:
        api.wait(job_id, "CANCELLED")
    api.wait(keep, "RUNNING")
    doc = api.ok("DELETE", "/jobs", {"jobs": [str(bulk[0])]})  # named: reported, not skipped
    assert [e["error"]["code"] for e in doc["status"]] == [2021]
    # A plain user's filter selects only their own jobs; naming others' is refused per job.
    assert api.ok("DELETE", "/jobs", {"job_name": "keep"}, user=PLAIN)["status"] == []
    doc = api.ok("DELETE", "/jobs", {"jobs": [str(keep), "999999"]}, user=PLAIN)
    assert [(e["job_id"]["number"], e["error"]["code"]) for e in doc["status"]] == [
        (999999, 2017),
        (keep, 2002),
    ]
    assert api.job(keep)["job_state"] == ["RUNNING"]
    status, doc = api.call("DELETE", "/jobs", {"signal": "SIGUSR1"})
    assert (status, error_numbers(doc)) == (422, [9000])  # selects nothing
    status, doc = api.call("DELETE", "/jobs", {"job_name": "keep", "signal": "SIGBOGUS"})
    assert (status, error_numbers(doc)) == (400, [9202])


def test_allocation_holds_resources_until_cancelled(api):
    doc = api.ok("POST", "/job/allocate", {"job": {"name": "alloc", "script": "#!/bin/sh\n"}})
    assert [w["description"] for w in doc["warnings"]] == ["job/script: ignored by an allocation"]
    job_id = doc["job_id"]
    job = api.wait(job_id, "RUNNING")
    (layout,) = api.ok("GET", f"/resources/{job_id}")["nodes"]
    assert layout["node"] == job["nodes"] and layout["core_bitmap"] == "0"
    states = api.ok("GET", f"/jobs/state?job_id={job_id}")["jobs"]
    assert [(s["job_id"], s["job_state"]) for s in states] == [(job_id, ["RUNNING"])]
    api.ok("DELETE", f"/job/{job_id}")
    api.wait(job_id, "CANCELLED")
    status, doc = api.call("GET", f"/resources/{job_id}")
    assert (status, error_numbers(doc), doc["nodes"]) == (422, [2085], [])
    status, doc = api.call("POST", "/job/allocate", {"hetjob": [{"name": "a"}, {"name": "b"}]})
    assert (status, error_numbers(doc)) == (422, [2036])


def test_job_states_of_several_and_unknown_jobs(api):
    first, second = api.submit("one"), api.submit("two", hold=True)
    states = api.ok("GET", f"/jobs/state?job_id={first},{second}")["jobs"]
    assert [s["job_id"] for s in states] == [first, second]
    assert states[1]["job_state"] == ["PENDING"]
    assert {s["job_id"] for s in api.ok("GET", "/jobs/state")["jobs"]} >= {first, second}
    status, doc = api.call("GET", "/jobs/state?job_id=999999")
    assert (status, error_numbers(doc)) == (404, [2017])


# --- fair share, configuration ---------------------------------------------------


def test_shares_follow_the_usage_of_jobs(api):
    root = Identity("root", 0, 0, "test")
    store = api.cluster.accounting
    store.add_accounts(root, [Account("lab", "d", "o")])
    store.add_users(root, [User(ME)])
    store.add_associations(root, [Association(account="lab"), Association(account="lab", user=ME)])
    job_id = api.submit("work", body="sleep 1", account="lab")
    api.wait(job_id, "COMPLETED")
    shares = api.ok("GET", "/shares")["shares"]
    rows = {(r["parent"], r["name"]): r for r in shares["shares"]}
    mine = rows[("lab", ME)]
    assert mine["type"] == ["USER"] and mine["usage"] >= 1
    assert mine["usage_normalized"]["number"] == 1.0  # the only user with usage
    assert rows[("root", "lab")]["usage"] == mine["usage"]
    assert shares["total_shares"] >= 1
    only = api.ok("GET", f"/shares?users={ME}&accounts=lab")["shares"]["shares"]
    assert [(r["name"], r["type"]) for r in only] == [("lab", ["ASSOCIATION"]), (ME, ["USER"])]


def test_conf_dump_and_update_time(api):
    conf = api.ok("GET", "/conf")["slurm_conf"]
    assert (conf["ClusterName"], conf["KillWait"], conf["SchedulerType"]) == (
        "admincl",
        1,
        "sched/backfill",
    )
    assert conf["controllers"][0]["machine"]
    doc = api.ok("GET", f"/conf?update_time={int(time.time()) + 3600}")
    assert "slurm_conf" not in doc and len(doc["warnings"]) == 1


def test_reconfigure_reads_slurm_conf_again(api):
    api.conf_path.write_text(CONF + "PartitionName=late Nodes=n1\n")
    api.ok("GET", "/reconfigure")
    assert api.ok("GET", "/partition/late")["partitions"][0]["nodes"]["configured"] == "n1"
