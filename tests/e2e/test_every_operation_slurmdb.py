"""Every /slurmdb/ operation of dbv0.0.38 and v0.0.46, over TCP, on the embedded backend.

The counterpart of test_every_operation_slurm.py (same daemon set-up, same recording
client, same per-test TESTED table and final coverage check) for the accounting share:
records are created, read back, changed and removed through HTTP only, and job records
come from jobs that really ran.
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

SHARE = "slurmdb"
DB38 = "/slurmdb/v0.0.38"
DB46 = "/slurmdb/v0.0.46"

TESTED: dict[str, tuple[str, ...]] = {
    "test_dbv0_0_38_accounts_users_and_coordinators": (
        "slurmdb_v0_0_38_update_account",
        "slurmdb_v0_0_38_get_account",
        "slurmdb_v0_0_38_get_accounts",
        "slurmdb_v0_0_38_delete_account",
        "slurmdb_v0_0_38_update_users",
        "slurmdb_v0_0_38_get_user",
        "slurmdb_v0_0_38_get_users",
        "slurmdb_v0_0_38_delete_user",
    ),
    "test_dbv0_0_38_associations": (
        "slurmdb_v0_0_38_update_associations",
        "slurmdb_v0_0_38_get_association",
        "slurmdb_v0_0_38_get_associations",
        "slurmdb_v0_0_38_delete_association",
        "slurmdb_v0_0_38_delete_associations",
    ),
    "test_dbv0_0_38_qos": (
        "slurmdb_v0_0_38_update_qos",
        "slurmdb_v0_0_38_get_single_qos",
        "slurmdb_v0_0_38_get_qos",
        "slurmdb_v0_0_38_delete_qos",
    ),
    "test_dbv0_0_38_tres_wckeys_and_clusters": (
        "slurmdb_v0_0_38_update_tres",
        "slurmdb_v0_0_38_get_tres",
        "slurmdb_v0_0_38_add_wckeys",
        "slurmdb_v0_0_38_get_wckey",
        "slurmdb_v0_0_38_get_wckeys",
        "slurmdb_v0_0_38_delete_wckey",
        "slurmdb_v0_0_38_add_clusters",
        "slurmdb_v0_0_38_get_cluster",
        "slurmdb_v0_0_38_get_clusters",
        "slurmdb_v0_0_38_delete_cluster",
    ),
    "test_dbv0_0_38_config_and_diag": (
        "slurmdb_v0_0_38_get_config",
        "slurmdb_v0_0_38_set_config",
        "slurmdb_v0_0_38_diag",
    ),
    "test_dbv0_0_38_job_records": ("slurmdb_v0_0_38_get_job", "slurmdb_v0_0_38_get_jobs"),
    "test_v0_0_46_accounts": (
        "slurmdb_v0046_post_accounts",
        "slurmdb_v0046_get_account",
        "slurmdb_v0046_get_accounts",
        "slurmdb_v0046_post_accounts_association",
        "slurmdb_v0046_delete_account",
    ),
    "test_v0_0_46_users_and_coordinators": (
        "slurmdb_v0046_post_users",
        "slurmdb_v0046_get_user",
        "slurmdb_v0046_get_users",
        "slurmdb_v0046_post_users_association",
        "slurmdb_v0046_delete_user",
    ),
    "test_v0_0_46_associations": (
        "slurmdb_v0046_post_associations",
        "slurmdb_v0046_get_association",
        "slurmdb_v0046_get_associations",
        "slurmdb_v0046_delete_association",
        "slurmdb_v0046_delete_associations",
    ),
    "test_v0_0_46_qos": (
        "slurmdb_v0046_post_qos",
        "slurmdb_v0046_get_single_qos",
        "slurmdb_v0046_get_qos",
        "slurmdb_v0046_delete_single_qos",
    ),
    "test_v0_0_46_tres_wckeys_and_clusters": (
        "slurmdb_v0046_post_tres",
        "slurmdb_v0046_get_tres",
        "slurmdb_v0046_post_wckeys",
        "slurmdb_v0046_get_wckeys",
        "slurmdb_v0046_get_wckey",
        "slurmdb_v0046_delete_wckey",
        "slurmdb_v0046_post_clusters",
        "slurmdb_v0046_get_cluster",
        "slurmdb_v0046_get_clusters",
        "slurmdb_v0046_delete_cluster",
    ),
    "test_v0_0_46_config_conf_diag_ping_instances": (
        "slurmdb_v0046_get_config",
        "slurmdb_v0046_post_config",
        "slurmdb_v0046_get_conf",
        "slurmdb_v0046_get_diag",
        "slurmdb_v0046_get_ping",
        "slurmdb_v0046_get_instances",
        "slurmdb_v0046_get_instance",
    ),
    "test_v0_0_46_job_records": (
        "slurmdb_v0046_get_job",
        "slurmdb_v0046_get_jobs",
        "slurmdb_v0046_post_job",
        "slurmdb_v0046_post_jobs",
    ),
}


@dataclass
class Walk:
    daemon: harness.Daemon
    cluster: harness.Cluster
    log: OperationLog
    client: RecordingClient
    user: str  # the daemon's own user: an operator, and an accounting administrator
    other: str  # a user known to accounting only (no account on this host is needed)

    def finished_job(self, name: str) -> int:
        """Run `true` as a v0.0.46 batch job; its id once it completed."""
        job = {
            "name": name,
            "current_working_directory": str(self.cluster.dir),
            "environment": ["PATH=/bin:/usr/bin"],
            "standard_output": "/dev/null",
        }
        body = {"script": script("true"), "job": job}
        job_id = self.client.ok("POST", "/slurm/v0.0.46/job/submit", body)["job_id"]
        deadline = time.monotonic() + 20
        while True:
            (state,) = self.client.ok("GET", f"/slurm/v0.0.46/jobs/state?job_id={job_id}")["jobs"]
            if state["job_state"] == ["COMPLETED"]:
                return job_id
            assert time.monotonic() < deadline, state
            time.sleep(0.05)  # the job runs in the daemon; poll with a deadline


@pytest.fixture(scope="module")
def walk(daemon_user) -> Iterator[Walk]:
    with three_version_daemon(daemon_user) as (daemon, cluster):
        token = cluster.token(daemon_user.pw_name, lifespan=3600)
        status, document = Client(daemon, token).call("GET", "/openapi/v3")
        assert status == 200
        log = OperationLog(document)
        client = RecordingClient(daemon, token, log, REAL_22_05_DEVIATIONS)
        yield Walk(daemon, cluster, log, client, daemon_user.pw_name, "carol")


@pytest.fixture(autouse=True)
def attributed(request, walk) -> None:
    """What each test exercises is logged under its name (checked by the last test)."""
    walk.log.start_test(request.node.originalname)


NOTHING_FOUND = 9003  # 22.05's "Nothing found with query"


def error_numbers(doc: dict[str, Any]) -> list[int]:
    return [error["error_number"] for error in doc["errors"]]


def names(records: list[dict[str, Any]], key: str = "name") -> list[Any]:
    return sorted(record[key] for record in records)


# --- dbv0.0.38 --------------------------------------------------------------------


def test_dbv0_0_38_accounts_users_and_coordinators(walk):
    client, other = walk.client, walk.other
    account = {"name": "chem", "description": "chemistry", "organization": "uni"}
    client.ok("POST", f"{DB38}/accounts", {"accounts": [account]})
    (shown,) = client.ok("GET", f"{DB38}/account/chem")["accounts"]
    assert (shown["description"], shown["organization"]) == ("chemistry", "uni")
    client.ok("POST", f"{DB38}/accounts", {"accounts": [{**account, "description": "chem."}]})
    (shown,) = client.ok("GET", f"{DB38}/account/chem")["accounts"]
    assert shown["description"] == "chem."
    assert "chem" in names(client.ok("GET", f"{DB38}/accounts")["accounts"])
    user = {"name": other, "coordinators": [{"name": "chem"}]}
    client.ok("POST", f"{DB38}/users", {"users": [user]})
    (shown,) = client.ok("GET", f"{DB38}/user/{other}")["users"]
    assert [c["name"] for c in shown["coordinators"]] == ["chem"]
    (chem,) = client.ok("GET", f"{DB38}/account/chem")["accounts"]
    assert [c["name"] for c in chem["coordinators"]] == [other]
    assert other in names(client.ok("GET", f"{DB38}/users")["users"])
    client.ok("DELETE", f"{DB38}/user/{other}")
    assert other not in names(client.ok("GET", f"{DB38}/users")["users"])
    (chem,) = client.ok("GET", f"{DB38}/account/chem")["accounts"]
    assert chem["coordinators"] == []  # went with the user
    client.ok("DELETE", f"{DB38}/account/chem")
    assert "chem" not in names(client.ok("GET", f"{DB38}/accounts")["accounts"])
    status, doc = client.call("GET", f"{DB38}/account/chem")
    assert status == 500 and doc["accounts"] == []


def test_dbv0_0_38_associations(walk):
    client, other = walk.client, walk.other
    account = {"name": "bio", "description": "biology", "organization": "uni"}
    client.ok("POST", f"{DB38}/accounts", {"accounts": [account]})
    client.ok("POST", f"{DB38}/users", {"users": [{"name": other}]})
    pair = [{"account": "bio"}, {"account": "bio", "user": other}]
    client.ok("POST", f"{DB38}/associations", {"associations": pair})
    (assoc,) = client.ok("GET", f"{DB38}/association?account=bio&user={other}")["associations"]
    assert (assoc["account"], assoc["user"], assoc["cluster"]) == ("bio", other, "testcluster")
    limited = {"account": "bio", "user": other, "max": {"jobs": {"per": {"count": 4}}}}
    client.ok("POST", f"{DB38}/associations", {"associations": [limited]})
    (assoc,) = client.ok("GET", f"{DB38}/association?account=bio&user={other}")["associations"]
    assert assoc["max"]["jobs"]["per"]["count"] == 4
    listed = client.ok("GET", f"{DB38}/associations?account=bio")["associations"]
    assert sorted(a["user"] or "" for a in listed) == ["", other]
    doc = client.ok("DELETE", f"{DB38}/association?account=bio&user={other}")
    assert len(doc["removed_associations"]) == 1
    listed = client.ok("GET", f"{DB38}/associations?account=bio")["associations"]
    assert [a["user"] or "" for a in listed] == [""]
    doc = client.ok("DELETE", f"{DB38}/associations?account=bio")
    assert len(doc["removed_associations"]) == 1
    status, doc = client.call("GET", f"{DB38}/associations?account=bio")
    assert (status, doc["associations"], error_numbers(doc)) == (500, [], [NOTHING_FOUND])


def test_dbv0_0_38_qos(walk):
    client = walk.client
    client.ok("POST", f"{DB38}/qos", {"QOS": [{"name": "fast38", "priority": 10}]})
    (qos,) = client.ok("GET", f"{DB38}/qos/fast38")["QOS"]
    assert (qos["name"], qos["priority"]) == ("fast38", 10)
    client.ok("POST", f"{DB38}/qos", {"QOS": [{"name": "fast38", "priority": 30}]})
    (qos,) = client.ok("GET", f"{DB38}/qos/fast38")["QOS"]
    assert qos["priority"] == 30
    assert {"normal", "fast38"} <= set(names(client.ok("GET", f"{DB38}/qos")["QOS"]))
    client.ok("DELETE", f"{DB38}/qos/fast38")
    assert "fast38" not in names(client.ok("GET", f"{DB38}/qos")["QOS"])


def test_dbv0_0_38_tres_wckeys_and_clusters(walk):
    client, user = walk.client, walk.user
    # 22.05 adds no TRES: 500 with 2036, whatever the body, and nothing changes.
    body = {"TRES": [{"type": "gres", "name": "gpu38"}]}
    doc = client.refused("POST", f"{DB38}/tres", body, 500)
    assert [e["error_number"] for e in doc["errors"]] == [2036]
    tres = client.ok("GET", f"{DB38}/tres")["TRES"]
    assert ("gres", "gpu38") not in [(t["type"], t["name"]) for t in tres]
    client.ok("POST", f"{DB38}/users", {"users": [{"name": user}]})
    wckey = {"name": "proj38", "user": user, "cluster": "testcluster"}
    client.ok("POST", f"{DB38}/wckeys", {"wckeys": [wckey]})
    (shown,) = client.ok("GET", f"{DB38}/wckey/proj38")["wckeys"]
    assert (shown["name"], shown["user"]) == ("proj38", user)
    assert "proj38" in names(client.ok("GET", f"{DB38}/wckeys")["wckeys"])
    client.ok("DELETE", f"{DB38}/wckey/proj38")
    status, doc = client.call("GET", f"{DB38}/wckeys")
    assert (status, doc["wckeys"], error_numbers(doc)) == (500, [], [NOTHING_FOUND])
    client.ok("POST", f"{DB38}/clusters", {"clusters": [{"name": "other38"}]})
    (shown,) = client.ok("GET", f"{DB38}/cluster/other38")["clusters"]
    assert shown["name"] == "other38"
    listed = names(client.ok("GET", f"{DB38}/clusters")["clusters"])
    assert {"testcluster", "other38"} <= set(listed)
    client.ok("DELETE", f"{DB38}/cluster/other38")
    assert "other38" not in names(client.ok("GET", f"{DB38}/clusters")["clusters"])


def test_dbv0_0_38_config_and_diag(walk):
    client, user = walk.client, walk.user
    client.ok("POST", f"{DB38}/users", {"users": [{"name": user}]})
    wckey = {"name": "cfg38", "user": user, "cluster": "testcluster"}
    client.ok("POST", f"{DB38}/wckeys", {"wckeys": [wckey]})  # so the dump finds every kind
    dump = client.ok("GET", f"{DB38}/config")
    assert "testcluster" in names(dump["clusters"]) and "cfg38" in names(dump["wckeys"])
    body = {k: v for k, v in dump.items() if k not in ("meta", "errors")}
    body["accounts"] = [
        *body["accounts"],
        {"name": "cfg38", "description": "d", "organization": "o"},
    ]
    client.ok("POST", f"{DB38}/config", body)
    (shown,) = client.ok("GET", f"{DB38}/account/cfg38")["accounts"]
    assert shown["description"] == "d"

    def account_reads() -> int:
        rpcs = client.ok("GET", f"{DB38}/diag")["statistics"]["RPCs"]
        return sum(r["count"] for r in rpcs if r["rpc"] == "DBD_GET_ACCOUNTS")

    before = account_reads()
    client.ok("GET", f"{DB38}/accounts")
    assert account_reads() == before + 1


def test_dbv0_0_38_job_records(walk):
    client = walk.client
    job_id = walk.finished_job("acct38")
    (record,) = client.ok("GET", f"{DB38}/job/{job_id}")["jobs"]
    assert (record["name"], record["state"]["current"], record["user"]) == (
        "acct38",
        "COMPLETED",
        walk.user,
    )
    assert [s["step"]["name"] for s in record["steps"]] == ["batch"]
    found = client.ok("GET", f"{DB38}/jobs?job_name=acct38&state=COMPLETED&start_time=0")["jobs"]
    assert [j["job_id"] for j in found] == [job_id]
    status, doc = client.call("GET", f"{DB38}/jobs?job_name=acct38&state=FAILED&start_time=0")
    assert (status, doc["jobs"], error_numbers(doc)) == (200, [], [NOTHING_FOUND])  # as 22.05


def like_22_05(record: dict[str, Any]) -> dict[str, Any]:
    """The values of a plain batch job's record that 22.05's slurmdbd always fills in."""
    (step,) = record["steps"]
    return {
        "required memory": record["required"]["memory"],
        "task distribution": step["task"]["distribution"],
        "requested frequency": step["CPU"]["requested_frequency"],
        "actual frequency": step["statistics"]["CPU"]["actual_frequency"],
        "energy consumed": step["statistics"]["energy"]["consumed"],
    }


def test_dbv0_0_38_batch_record_fills_what_22_05_fills(walk, shared_reference):
    job_id = walk.finished_job("plain")
    (ours,) = walk.client.ok("GET", f"{DB38}/job/{job_id}")["jobs"]
    capture = shared_reference / "slurm-22.05" / "responses" / "GET_slurmdb_v0.0.38_jobs.json"
    (theirs,) = [j for j in json.loads(capture.read_text())["jobs"] if j["job_id"] == 1]
    assert theirs["name"] == "done-ok"  # a plain `true` batch job there too
    assert like_22_05(ours) == like_22_05(theirs)


# --- v0.0.46 ----------------------------------------------------------------------


def test_v0_0_46_accounts(walk):
    client = walk.client
    account = {"name": "phys", "description": "physics", "organization": "uni"}
    client.ok("POST", f"{DB46}/accounts", {"accounts": [account]})
    (shown,) = client.ok("GET", f"{DB46}/account/phys")["accounts"]
    assert (shown["description"], shown["organization"]) == ("physics", "uni")
    assert "phys" in names(client.ok("GET", f"{DB46}/accounts")["accounts"])
    body = {
        "association_condition": {"accounts": ["astro"]},
        "account": {"description": "astronomy", "organization": "uni"},
    }
    assert client.ok("POST", f"{DB46}/accounts_association", body)["added_accounts"] == "astro"
    (astro,) = client.ok("GET", f"{DB46}/account/astro?with_assocs")["accounts"]
    assert astro["description"] == "astronomy"
    assert [(a["account"], a["user"]) for a in astro["associations"]] == [("astro", "")]
    doc = client.ok("DELETE", f"{DB46}/account/phys")
    assert doc["removed_accounts"] == ["phys"]
    assert "phys" not in names(client.ok("GET", f"{DB46}/accounts")["accounts"])


def account_with_association(name: str) -> dict[str, Any]:
    """A v0.0.46 accounts_association body: the account and its association on the cluster.

    (POST /accounts adds no association, and users can only join accounts that have one.)
    """
    account = {"description": f"{name} dept", "organization": "uni"}
    return {"association_condition": {"accounts": [name]}, "account": account}


def test_v0_0_46_users_and_coordinators(walk):
    client, other = walk.client, walk.other
    client.ok("POST", f"{DB46}/accounts_association", account_with_association("geo"))
    user = {"name": other, "coordinators": [{"name": "geo"}], "administrator_level": ["Operator"]}
    client.ok("POST", f"{DB46}/users", {"users": [user]})
    (shown,) = client.ok("GET", f"{DB46}/user/{other}?with_coords")["users"]
    assert [c["name"] for c in shown["coordinators"]] == ["geo"]
    assert shown["administrator_level"] == ["Operator"]
    body = {
        "association_condition": {"users": [other], "accounts": ["geo"]},
        "user": {"defaultaccount": "geo"},
    }
    assert client.ok("POST", f"{DB46}/users_association", body)["added_users"] == other
    listed = client.ok("GET", f"{DB46}/users?with_assocs&default_account=geo")["users"]
    assert [(u["name"], u["default"]["account"]) for u in listed] == [(other, "geo")]
    assert [a["account"] for a in listed[0]["associations"]] == ["geo"]
    client.ok("DELETE", f"{DB46}/user/{other}")
    assert other not in names(client.ok("GET", f"{DB46}/users")["users"])


def test_v0_0_46_associations(walk):
    client, other = walk.client, walk.other
    client.ok("POST", f"{DB46}/accounts_association", account_with_association("math"))
    client.ok("POST", f"{DB46}/users", {"users": [{"name": other}, {"name": walk.user}]})
    assocs = [
        {"account": "math", "user": other, "comment": "first"},
        {"account": "math", "user": walk.user},
    ]
    client.ok("POST", f"{DB46}/associations", {"associations": assocs})
    (assoc,) = client.ok("GET", f"{DB46}/association?account=math&user={other}")["associations"]
    assert (assoc["account"], assoc["user"], assoc["comment"]) == ("math", other, "first")
    changed = {"account": "math", "user": other, "comment": "second"}
    client.ok("POST", f"{DB46}/associations", {"associations": [changed]})
    (assoc,) = client.ok("GET", f"{DB46}/association?account=math&user={other}")["associations"]
    assert assoc["comment"] == "second"
    listed = client.ok("GET", f"{DB46}/associations?account=math")["associations"]
    assert {other, walk.user} <= {a["user"] for a in listed}
    doc = client.ok("DELETE", f"{DB46}/association?account=math&user={other}")
    assert len(doc["removed_associations"]) == 1
    listed = client.ok("GET", f"{DB46}/associations?account=math")["associations"]
    assert other not in {a["user"] for a in listed}
    doc = client.ok("DELETE", f"{DB46}/associations?account=math&user={walk.user}")
    assert len(doc["removed_associations"]) == 1
    listed = client.ok("GET", f"{DB46}/associations?account=math")["associations"]
    assert walk.user not in {a["user"] for a in listed}


def test_v0_0_46_qos(walk):
    client = walk.client
    qos = {"name": "fast46", "priority": {"set": True, "infinite": False, "number": 20}}
    client.ok("POST", f"{DB46}/qos", {"qos": [qos]})
    (shown,) = client.ok("GET", f"{DB46}/qos/fast46")["qos"]
    assert (shown["name"], shown["priority"]["number"]) == ("fast46", 20)
    qos["priority"] = {"set": True, "infinite": False, "number": 40}
    client.ok("POST", f"{DB46}/qos", {"qos": [qos]})
    assert client.ok("GET", f"{DB46}/qos/fast46")["qos"][0]["priority"]["number"] == 40
    assert {"normal", "fast46"} <= set(names(client.ok("GET", f"{DB46}/qos")["qos"]))
    assert client.ok("DELETE", f"{DB46}/qos/fast46")["removed_qos"] == ["fast46"]
    assert "fast46" not in names(client.ok("GET", f"{DB46}/qos")["qos"])


def test_v0_0_46_tres_wckeys_and_clusters(walk):
    client, user = walk.client, walk.user
    client.ok("POST", f"{DB46}/tres", {"TRES": [{"type": "gres", "name": "gpu46"}]})
    tres = client.ok("GET", f"{DB46}/tres")["TRES"]
    assert ("gres", "gpu46") in [(t["type"], t["name"]) for t in tres]
    client.ok("POST", f"{DB46}/users", {"users": [{"name": user}]})
    wckey = {"name": "proj46", "user": user, "cluster": "testcluster"}
    client.ok("POST", f"{DB46}/wckeys", {"wckeys": [wckey]})
    by_name = {w["name"]: w for w in client.ok("GET", f"{DB46}/wckeys")["wckeys"]}
    wckey_id = by_name["proj46"]["id"]
    (shown,) = client.ok("GET", f"{DB46}/wckey/{wckey_id}")["wckeys"]
    assert (shown["name"], shown["user"]) == ("proj46", user)
    doc = client.ok("DELETE", f"{DB46}/wckey/{wckey_id}")
    assert doc["deleted_wckeys"] == [f"C = testcluster W = proj46 U = {user}"]
    assert "proj46" not in names(client.call("GET", f"{DB46}/wckeys")[1]["wckeys"])
    client.ok("POST", f"{DB46}/clusters", {"clusters": [{"name": "other46"}]})
    (shown,) = client.ok("GET", f"{DB46}/cluster/other46")["clusters"]
    assert shown["name"] == "other46"
    assert {"testcluster", "other46"} <= set(
        names(client.ok("GET", f"{DB46}/clusters")["clusters"])
    )
    assert client.ok("DELETE", f"{DB46}/cluster/other46")["deleted_clusters"] == ["other46"]
    assert "other46" not in names(client.ok("GET", f"{DB46}/clusters")["clusters"])


def test_v0_0_46_config_conf_diag_ping_instances(walk):
    client = walk.client
    dump = client.ok("GET", f"{DB46}/config")
    assert "testcluster" in names(dump["clusters"])
    body = {k: v for k, v in dump.items() if k not in ("meta", "errors", "warnings")}
    body["accounts"] = [
        *body["accounts"],
        {"name": "cfg46", "description": "d", "organization": "o"},
    ]
    client.ok("POST", f"{DB46}/config", body)
    assert client.ok("GET", f"{DB46}/account/cfg46")["accounts"][0]["organization"] == "o"
    conf = client.ok("GET", f"{DB46}/conf")["slurmdbd_conf"]
    assert conf["StorageLoc"].startswith(str(walk.cluster.dir))

    def account_reads() -> int:
        rpcs = client.ok("GET", f"{DB46}/diag")["statistics"]["RPCs"]
        return sum(r["count"] for r in rpcs if r["rpc"] == "DBD_GET_ACCOUNTS")

    before = account_reads()
    client.ok("GET", f"{DB46}/accounts")
    assert account_reads() == before + 1
    (ping,) = client.ok("GET", f"{DB46}/ping")["pings"]
    assert (ping["status"], ping["responding"]) == ("UP", True)
    # The embedded backend runs no cloud instances: both lists are empty, with a warning.
    for path in ("instances", "instance?cluster=testcluster"):
        status, doc = client.call("GET", f"{DB46}/{path}")
        assert (status, doc["instances"], doc["errors"]) == (200, [], [])
        assert [w["source"] for w in doc["warnings"]] == ["slurmdb_instances_get"]


def test_v0_0_46_job_records(walk):
    client = walk.client
    job_id = walk.finished_job("acct46")
    (record,) = client.ok("GET", f"{DB46}/job/{job_id}")["jobs"]
    assert (record["name"], record["state"]["current"], record["user"]) == (
        "acct46",
        ["COMPLETED"],
        walk.user,
    )
    found = client.ok("GET", f"{DB46}/jobs?users={walk.user}&job_name=acct46")["jobs"]
    assert [j["job_id"] for j in found] == [job_id]
    # With a state and no start_time only jobs in it "now" match (as sacct): ask from 0.
    found = client.ok("GET", f"{DB46}/jobs?state=COMPLETED&start_time=0&users={walk.user}")
    assert job_id in [j["job_id"] for j in found["jobs"]]
    doc = client.ok("GET", f"{DB46}/jobs?job_name=acct46&state=FAILED&start_time=0")
    assert (doc["jobs"], [w["source"] for w in doc["warnings"]]) == ([], ["slurmdb_jobs_get"])
    doc = client.ok("POST", f"{DB46}/job/{job_id}", {"comment": {"administrator": "checked"}})
    assert doc["results"] == [str(job_id)]
    body = {"job_id_list": [str(job_id)], "job_rec": {"comment": {"job": "mine"}}}
    assert client.ok("POST", f"{DB46}/jobs", body)["results"] == [str(job_id)]
    (record,) = client.ok("GET", f"{DB46}/job/{job_id}")["jobs"]
    assert (record["comment"]["administrator"], record["comment"]["job"]) == ("checked", "mine")


def test_every_operation_of_this_share_was_walked(walk):
    """Runs last: a new /slurmdb/ operation fails here until a test reaches it."""
    mine = {op.operation_id for op in walk.log.operations if operation_share(op.template) == SHARE}
    assert set().union(*TESTED.values()) == mine
    assert walk.log.exercised & mine == mine
    unreached = {test: set(ops) - walk.log.by_test.get(test, set()) for test, ops in TESTED.items()}
    assert {test: ops for test, ops in unreached.items() if ops} == {}
