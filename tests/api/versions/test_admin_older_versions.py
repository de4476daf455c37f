"""The administration operations on v0.0.40 ... v0.0.45, through RestApp on an
EmbeddedCluster (the v0.0.46 admin tests' cluster and fixtures).

Every operation a version declares answers 200 with a body valid against that
version's response schema and has its effect (read back through the same
version where it can be); one bad body per write gives a 400 naming the field
and the version's own source. What differs from v0.0.46 (plain fair-share
numbers, missing flags and keys, deprecated request fields) is tested where
it differs; operations a version does not declare stay 404.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/api: the v0.0.46 helpers

from test_v0_0_46_admin_operations import CONF, ME, PEER, PLAIN, Api, error_numbers

from response_schemas import response_schema
from schema_check import SPECS, schema_errors
from slurmrestd.api.versions.v0_0_40 import admin as admin_40
from slurmrestd.api.versions.v0_0_41 import admin as admin_41
from slurmrestd.api.versions.v0_0_42 import admin as admin_42
from slurmrestd.api.versions.v0_0_43 import admin as admin_43
from slurmrestd.api.versions.v0_0_44 import admin as admin_44
from slurmrestd.api.versions.v0_0_45 import admin as admin_45
from slurmrestd.api.versions.v0_0_45.admin_shapes import V0_0_46
from slurmrestd.auth.base import Identity
from slurmrestd.http.message import Headers, HttpRequest
from slurmrestd.model.accounting import Account, Association, User
from slurmrestd.model.conf import Controller, ControllerConfig
from slurmrestd.model.job import JobState
from slurmrestd.model.job_control import JobStateEntry
from slurmrestd.model.reservation import Reservation, ReservationFlag

ALL = (40, 41, 42, 43, 44, 45)
FROM_41, FROM_43, FROM_44 = ALL[1:], ALL[3:], ALL[4:]
SHAPES = {
    40: admin_40.SHAPES,
    41: admin_41.SHAPES,
    42: admin_42.SHAPES,
    43: admin_43.SHAPES,
    44: admin_44.SHAPES,
    45: admin_45.SHAPES,
}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    api = Api(tmp_path)
    yield api
    api.close()


def call(
    api: Api, version: int, method: str, path: str, body: Any = None, user: str = ME
) -> tuple[int, dict[str, Any]]:
    """(status, whole document) of `method path` on v0.0.<version>; the document,
    meta included, must follow that version's response schema."""
    name = f"v0.0.{version}"
    path, _, query = f"/slurm/{name}{path}".partition("?")
    data = orjson.dumps(body) if body is not None else b""
    headers = [("X-SLURM-USER-NAME", user)]
    if data:
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    request = HttpRequest(method, path, query, "1.1", Headers(headers), data)
    response = asyncio.run(api.app(request, PEER))
    if response.status in (404, 405) and not response.body.startswith(b"{"):
        return response.status, {}  # the router's plain-text answer: no such operation
    doc = orjson.loads(response.body)
    errors = schema_errors(name, response_schema(name, method, path), doc)
    assert errors == [], (method, path, errors, doc)
    return response.status, doc


def ok(api: Api, version: int, method: str, path: str, body: Any = None) -> dict[str, Any]:
    status, doc = call(api, version, method, path, body)
    assert (status, doc["errors"]) == (200, []), doc
    return doc


def refused(api: Api, version: int, method: str, path: str, body: Any, field: str) -> None:
    """A 400 whose one error names `field` and comes from this version's parser."""
    status, doc = call(api, version, method, path, body)
    assert status == 400, doc
    (error,) = doc["errors"]
    assert error["description"].startswith(f"{field}:"), error
    assert error["source"].startswith(f"slurm_v00{version}_"), error


def node(api: Api, version: int, name: str) -> dict[str, Any]:
    return ok(api, version, "GET", f"/node/{name}")["nodes"][0]


def warnings(doc: dict[str, Any]) -> list[str]:
    return [w["description"] for w in doc["warnings"]]


# --- nodes -----------------------------------------------------------------------


@pytest.mark.parametrize("version", ALL)
def test_nodes_drained_and_resumed(api, version):
    ok(api, version, "POST", "/nodes", {"name": ["n[1-2]"], "state": ["DRAIN"], "reason": "m"})
    for name in ("n1", "n2"):
        shown = node(api, version, name)
        assert "DRAIN" in shown["state"] and shown["reason"] == "m"
    ok(api, version, "POST", "/node/n1", {"state": ["RESUME"]})
    assert "DRAIN" not in node(api, version, "n1")["state"]
    assert "DRAIN" in node(api, version, "n2")["state"]
    refused(api, version, "POST", "/node/n1", {"state": ["DRAIN"], "bogus": 1}, "bogus")


@pytest.mark.parametrize("version", ALL)
def test_reason_uid_of_older_versions_is_ignored_with_a_warning(api, version):
    doc = ok(
        api, version, "POST", "/node/n1", {"state": ["DRAIN"], "reason": "x", "reason_uid": "0"}
    )
    assert warnings(doc) == ["reason_uid: ignored; a reason is set by the requesting user"]
    assert node(api, version, "n1")["reason_set_by_user"] == ME
    # v0.0.46 has no such field.
    status, doc = api.call("POST", "/node/n1", {"reason_uid": "0"})
    assert status == 400 and doc["errors"][0]["description"].startswith("reason_uid:")


@pytest.mark.parametrize(("version", "known"), [(42, False), (43, True)])
def test_topology_str_exists_from_v0_0_43(api, version, known):
    status, doc = call(api, version, "POST", "/node/n1", {"topology_str": "x"})
    if known:  # accepted by the schema, then refused by the engine (not a 400)
        assert (status, error_numbers(doc)) == (422, [2036])
    else:
        assert status == 400 and doc["errors"][0]["description"].startswith("topology_str:")


@pytest.mark.parametrize("version", ALL)
def test_dynamic_node_deleted(api, version):
    if version in FROM_44:
        ok(api, version, "POST", "/new/node", {"node_conf": "NodeName=dyn1 CPUs=2 RealMemory=500"})
        shown = node(api, version, "dyn1")
        assert (shown["cpus"], shown["real_memory"]) == (2, 500)
        refused(
            api, version, "POST", "/new/node", {"node_conf": "NodeName=d2", "bogus": 1}, "bogus"
        )
    else:
        api.ok("POST", "/new/node", {"node_conf": "NodeName=dyn1 CPUs=2"})
    ok(api, version, "DELETE", "/node/dyn1")
    names = [n["name"] for n in ok(api, version, "GET", "/nodes")["nodes"]]
    assert names == ["n1", "n2"]


# --- partitions, reservations, reconfigure ----------------------------------------


def test_partition_created_and_deleted_in_v0_0_45(api):
    part = {"name": "extra", "nodes": {"configured": "n2"}, "maximums": {"time": 30}}
    ok(api, 45, "POST", "/partitions", {"partitions": [part]})
    (shown,) = ok(api, 45, "GET", "/partition/extra")["partitions"]
    assert shown["nodes"]["configured"] == "n2" and shown["maximums"]["time"]["number"] == 30
    ok(api, 45, "DELETE", "/partition/extra")
    assert [p["name"] for p in ok(api, 45, "GET", "/partitions")["partitions"]] == ["debug"]
    refused(
        api,
        45,
        "POST",
        "/partitions",
        {"partitions": [{"name": "x", "bogus": 1}]},
        "partitions/0/bogus",
    )


def test_v0_0_45_partition_sent_back_is_no_change(api):
    (debug,) = ok(api, 45, "GET", "/partition/debug")["partitions"]
    assert debug["maximums"]["shares"] == 1 and debug["defaults"]["memory_per_cpu"] == 0
    assert warnings(ok(api, 45, "POST", "/partitions", {"partitions": [debug]})) == []


@pytest.mark.parametrize(
    ("maximums", "oversubscribe"),
    [
        ({"shares": 0}, "EXCLUSIVE"),
        ({"shares": 4}, "YES:4"),
        ({"oversubscribe": {"jobs": 2, "flags": ["force"]}}, "FORCE:2"),
        ({"memory_per_cpu": 100}, None),
    ],
)
def test_deprecated_v0_0_45_partition_numbers_go_to_their_v0_0_46_places(
    api, maximums, oversubscribe
):
    doc = ok(
        api, 45, "POST", "/partitions", {"partitions": [{"name": "debug", "maximums": maximums}]}
    )
    # The engine has neither setting: the warning names where v0.0.46 keeps it.
    where = "partition/oversubscribe" if oversubscribe else "maximums/partition_memory_per_cpu"
    assert warnings(doc) == [f"partition debug: {where} is not supported here; ignored"]


@pytest.mark.parametrize(
    ("jobs", "force", "text"),
    [(None, False, None), (0, False, "EXCLUSIVE"), (1, False, "NO"), (3, False, "YES:3"),
     (None, True, "FORCE:1"), (5, True, "FORCE:5")],
)  # fmt: skip
def test_oversubscribe_text(jobs, force, text):
    assert admin_45.oversubscribe_text(jobs, force) == text


@pytest.mark.parametrize("version", FROM_43)
def test_reservations_created_and_deleted(api, version):
    one = {"name": "a", "users": [ME], "node_list": ["n1"], "duration": 10}
    (echo,) = ok(api, version, "POST", "/reservation", one)["reservations"]
    assert (echo["name"], echo["node_list"], echo["users"]) == ("a", ["n1"], [ME])
    many = {"reservations": [{"name": "b", "users": [ME], "node_list": ["n2"], "duration": 10}]}
    ok(api, version, "POST", "/reservations", many)
    shown = ok(api, version, "GET", "/reservations")["reservations"]
    assert [(r["name"], r["node_list"]) for r in shown] == [("a", "n1"), ("b", "n2")]
    refused(api, version, "POST", "/reservation", {**one, "bogus": 1}, "bogus")
    refused(api, version, "POST", "/reservations", {"reservations": [{"x": 1}]}, "reservations/0/x")


def test_reservation_flags_v0_0_43_cannot_name(api):
    body = {"name": "a", "users": [ME], "node_list": ["n1"], "duration": 10}
    refused(api, 43, "POST", "/reservation", {**body, "flags": ["FORCE_START"]}, "flags/0")
    res = Reservation(
        name="r", flags=frozenset({ReservationFlag.FORCE_START, ReservationFlag.MAINT})
    )
    assert admin_43.SHAPES.render_reservation_desc(res)["flags"] == ["MAINT"]
    assert admin_44.SHAPES.render_reservation_desc(res)["flags"] == ["MAINT", "FORCE_START"]


@pytest.mark.parametrize("version", ALL)
def test_reservation_deleted(api, version):
    api.ok("POST", "/reservation", {"name": "r", "users": [ME], "node_list": ["n1"], "duration": 5})
    ok(api, version, "DELETE", "/reservation/r")
    assert ok(api, version, "GET", "/reservations")["reservations"] == []
    status, doc = call(api, version, "DELETE", "/reservation/r")
    assert status != 200 and doc["errors"]


@pytest.mark.parametrize("version", ALL)
def test_reconfigure_reads_slurm_conf_again(api, version):
    api.conf_path.write_text(CONF + "PartitionName=late Nodes=n1\n")
    ok(api, version, "GET", "/reconfigure")
    (late,) = ok(api, version, "GET", "/partition/late")["partitions"]
    assert late["nodes"]["configured"] == "n1"
    status, doc = call(api, version, "GET", "/reconfigure", user=PLAIN)
    assert (status, error_numbers(doc)) == (422, [2010])


def test_v0_0_45_conf_lacks_the_keys_v0_0_46_added(api):
    conf = ok(api, 45, "GET", "/conf")["slurm_conf"]
    assert (conf["ClusterName"], conf["KillWait"]) == ("admincl", 1)
    schemas = json.loads((SPECS / "v0.0.45.json").read_text())["components"]["schemas"]
    assert set(conf) <= set(schemas["v0.0.45_slurm_conf"]["properties"])
    config = ControllerConfig(
        (("ClusterName", "c"), ("SlurmrestdParameters", "a,b")), (Controller("h", "1"),), 0
    )
    assert V0_0_46.render_conf(config)["SlurmrestdParameters"] == ["a", "b"]
    assert "SlurmrestdParameters" not in admin_45.SHAPES.render_conf(config)
    assert admin_45.SHAPES.render_conf(config)["ClusterName"] == "c"


# --- fair share --------------------------------------------------------------------


@pytest.mark.parametrize("version", ALL)
def test_shares(api, version):
    root = Identity("root", 0, 0, "test")
    store = api.cluster.accounting
    store.add_accounts(root, [Account("lab", "d", "o")])
    store.add_users(root, [User(ME)])
    store.add_associations(root, [Association(account="lab"), Association(account="lab", user=ME)])
    shares = ok(api, version, "GET", f"/shares?users={ME}")["shares"]
    rows = {(r["parent"], r["name"]): r for r in shares["shares"]}
    mine = rows[("lab", ME)]
    assert mine["type"] == ["USER"] and mine["usage"] == 0
    # Nothing used: the level is infinite, which v0.0.40/41 write as a plain 0.
    if version < 42:
        assert mine["fairshare"]["level"] == 0.0 and isinstance(mine["effective_usage"], float)
    else:
        assert mine["fairshare"]["level"]["infinite"] is True


# --- job control -------------------------------------------------------------------


@pytest.mark.parametrize("version", ALL)
def test_bulk_cancel_and_job_states(api, version):
    held = [api.submit("bulk", hold=True), api.submit("bulk", hold=True)]
    other = api.submit("other", hold=True)
    states = ok(api, version, "GET", f"/jobs/state?job_id={held[0]},{other}")["jobs"]
    assert [(s["job_id"], s["job_state"]) for s in states] == [
        (held[0], ["PENDING"]),
        (other, ["PENDING"]),
    ]
    doc = ok(api, version, "DELETE", "/jobs", {"job_name": "bulk"})
    assert {e["job_id"]["number"]: e["error"]["code"] for e in doc["status"]} == dict.fromkeys(
        held, 0
    )
    for job_id in held:
        api.wait(job_id, "CANCELLED")
    assert api.job(other)["job_state"] == ["PENDING"]
    refused(api, version, "DELETE", "/jobs", {"job_name": "other", "bogus": 1}, "bogus")
    status, doc = call(api, version, "GET", "/jobs/state?job_id=999999")
    assert (status, error_numbers(doc)) == (404, [2017])


def test_no_cron_jobs_flag_of_v0_0_40(api):
    job_id = api.submit("bulk", hold=True)
    doc = ok(api, 40, "DELETE", "/jobs", {"job_name": "bulk", "flags": ["NO_CRON_JOBS"]})
    assert warnings(doc) == ["flags: NO_CRON_JOBS ignored"]
    assert doc["warnings"][0]["source"] == "slurm_v0040_delete_jobs"
    api.wait(job_id, "CANCELLED")
    refused(api, 41, "DELETE", "/jobs", {"job_name": "x", "flags": ["NO_CRON_JOBS"]}, "flags/0")


def test_expediting_is_not_a_state_before_v0_0_44():
    entry = JobStateEntry(7, JobState.PENDING, frozenset({"EXPEDITING", "REQUEUED"}))
    assert admin_43.SHAPES.render_job_state(entry)["job_state"] == ["PENDING", "REQUEUED"]
    assert admin_44.SHAPES.render_job_state(entry)["job_state"] == [
        "PENDING",
        "REQUEUED",
        "EXPEDITING",
    ]
    assert admin_40.SHAPES.render_job_state(entry)["job_state"] == ["PENDING", "REQUEUED"]


@pytest.mark.parametrize("version", FROM_41)
def test_allocation(api, version):
    doc = ok(
        api, version, "POST", "/job/allocate", {"job": {"name": "alloc", "script": "#!/bin/sh\n"}}
    )
    assert warnings(doc) == ["job/script: ignored by an allocation"]
    job_id = doc["job_id"]
    job = api.wait(job_id, "RUNNING")
    if version in FROM_44:
        (layout,) = ok(api, version, "GET", f"/resources/{job_id}")["nodes"]
        assert layout["node"] == job["nodes"]
    api.ok("DELETE", f"/job/{job_id}")
    api.wait(job_id, "CANCELLED")
    refused(api, version, "POST", "/job/allocate", {"job": {"name": "a", "bogus": 1}}, "job/bogus")


@pytest.mark.parametrize(
    ("version", "key", "value"),
    [(41, "exclusive", ["user"]), (44, "power_flags", []), (45, "container_type", "oci")],
)
def test_allocation_takes_the_versions_own_job_keys(api, version, key, value):
    doc = ok(api, version, "POST", "/job/allocate", {"job": {"name": "own", key: value}})
    api.wait(doc["job_id"], "RUNNING")
    api.ok("DELETE", f"/job/{doc['job_id']}")
    status, doc = api.call("POST", "/job/allocate", {"job": {"name": "own", key: value}})
    assert status == 400 and doc["errors"][0]["description"].startswith(f"job/{key}:")


def test_requeue_in_v0_0_45(api):
    job_id = api.submit("again")
    api.wait(job_id, "RUNNING")
    (entry,) = ok(api, 45, "GET", f"/job/{job_id}/requeue")["status"]
    assert (entry["job_id"], entry["error_code"]) == (job_id, 0)
    assert api.wait(job_id, "RUNNING")["restart_cnt"] == 1
    doc = ok(api, 45, "POST", "/jobs/requeue", {"jobs": [str(job_id)], "flags": ["Hold"]})
    assert [[e["error_code"] for e in entries] for entries in doc["status"]] == [[0]]
    assert api.wait(job_id, "PENDING", "JobHeldAdmin")["restart_cnt"] == 2
    refused(api, 45, "POST", "/jobs/requeue", {"jobs": [str(job_id)], "bogus": 1}, "bogus")


def test_semantic_refusals_name_the_versions_source(api):
    status, doc = call(api, 42, "POST", "/nodes", {"state": ["DRAIN"]})  # no node named
    assert (status, error_numbers(doc)) == (422, [2018])
    assert doc["errors"][0]["source"] == "slurm_v0042_post_node"
    status, doc = call(api, 44, "POST", "/node/n1", None)
    assert (status, error_numbers(doc)) == (400, [9212])  # nothing to parse
    assert doc["errors"][0]["source"] == "slurm_v0044_post_node"


# --- what a version does not declare ------------------------------------------------


@pytest.mark.parametrize(
    ("version", "method", "path", "status"),
    [
        (40, "POST", "/new/node", 404),
        (42, "POST", "/reservation", 404),
        (43, "POST", "/new/node", 404),
        (43, "GET", "/resources/1", 404),
        (44, "GET", "/conf", 404),
        (44, "POST", "/jobs/requeue", 404),
        (44, "DELETE", "/partition/debug", 405),  # the path exists, for GET only
    ],
)
def test_undeclared_operations_are_the_routers(api, version, method, path, status):
    assert call(api, version, method, path) == (status, {})
    assert api.ok("GET", "/partitions")["partitions"][0]["name"] == "debug"  # nothing changed


def test_every_version_has_shapes_and_derives_its_sources():
    assert [SHAPES[v].version for v in ALL] == [f"v0.0.{v}" for v in ALL]
    assert SHAPES[41].source_partitions == "slurm_v0041_post_partitions"
