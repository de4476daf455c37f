"""Every /slurmdb/ operation of dbv0.0.38 and v0.0.46, over TCP, on the slurm backend.

The counterpart of test_walk_slurm_backend.py for the accounting share: root
(an accounting administrator) adds, reads back, changes, reads back, deletes and
reads back gone accounts, users, associations, QOS, wckeys and clusters, each
named after this run and checked through sacctmgr too; job records come from
jobs alice and bob really ran, and the job filters must select exactly them.
Whatever the walk adds is removed again by sacctmgr at the end, even on failure.
"""

from __future__ import annotations

import pwd
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest

from e2e.embedded_client import Client, operation_share
from slurm.testbed import Testbed
from slurm.walk import (
    TAG,
    WalkClient,
    WalkLog,
    error_numbers,
    job_46,
    number,
    script,
    slurm_daemon,
    wait_state,
    wait_until,
)
from slurm.workload import cancel_and_settle

pytestmark = pytest.mark.slurm

SHARE = "slurmdb"
DB38 = "/slurmdb/v0.0.38"
DB46 = "/slurmdb/v0.0.46"
CLUSTER = "testbed"
NOTHING_FOUND = 9003  # 22.05's "Nothing found with query"
NOT_SUPPORTED = 2036  # "Requested operation not supported on this system"
NOT_IMPLEMENTED = 9300  # what this daemon answers where sacctmgr/22.05 has no way

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
    "test_dbv0_0_38_job_records_and_filters": (
        "slurmdb_v0_0_38_get_job",
        "slurmdb_v0_0_38_get_jobs",
    ),
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
    "test_v0_0_46_job_records_filters_and_changes": (
        "slurmdb_v0046_get_job",
        "slurmdb_v0046_get_jobs",
        "slurmdb_v0046_post_job",
        "slurmdb_v0046_post_jobs",
    ),
}


@dataclass
class Walk:
    bed: Testbed
    log: WalkLog
    clients: dict[str, WalkClient]
    jobs: list[int] = field(default_factory=list)
    # sacctmgr deletions that undo what the walk added ("account", name), run at the end.
    undo: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def root(self) -> WalkClient:
        return self.clients["root"]

    def name(self, kind: str) -> str:
        """A record name of this run (lower case: sacctmgr folds most names)."""
        return f"{TAG}-{kind}"

    def sacctmgr(self, *argv: str) -> list[list[str]]:
        """`sacctmgr -n -P ...` as root, split into rows of fields."""
        out = self.bed.run(["sacctmgr", "-n", "-P", *argv]).stdout
        return [line.split("|") for line in out.splitlines()]

    def removed_later(self, *what: str) -> None:
        self.undo.append(what)


@pytest.fixture(scope="module")
def walk(slurm_testbed: Testbed, daemon_user: pwd.struct_passwd) -> Iterator[Walk]:
    with slurm_daemon(slurm_testbed, daemon_user, "rest_auth/jwt", "127.0.0.1:0") as daemon:
        tokens = {
            user: slurm_testbed.token(user, lifespan=1800) for user in ("alice", "bob", "root")
        }
        document_client = Client(daemon, tokens["root"])
        document_client.headers["X-SLURM-USER-NAME"] = "root"
        status, document = document_client.call("GET", "/openapi/v3")
        assert status == 200
        log = WalkLog(document)
        mine: list[int] = []
        clients = {
            user: WalkClient(daemon, token, user, log, mine) for user, token in tokens.items()
        }
        walk = Walk(slurm_testbed, log, clients, mine)
        try:
            yield walk
        finally:
            cancel_and_settle(slurm_testbed, walk.jobs)
            for what in reversed(walk.undo):
                slurm_testbed.run(["sacctmgr", "-i", "delete", *what], check=False)


@pytest.fixture(autouse=True)
def attributed(request: pytest.FixtureRequest, walk: Walk) -> None:
    """What each test exercises is logged under its name (checked by the last test)."""
    walk.log.start_test(request.node.originalname)


def names(records: list[dict[str, Any]], key: str = "name") -> list[Any]:
    return sorted(record[key] for record in records)


# --------------------------------------------------------------------------- dbv0.0.38


def test_dbv0_0_38_accounts_users_and_coordinators(walk: Walk) -> None:
    root = walk.root
    account, user = walk.name("a38"), walk.name("u38")
    walk.removed_later("user", f"name={user}")
    walk.removed_later("account", f"name={account}")
    body = {"name": account, "description": "chemistry", "organization": "uni"}
    root.ok("POST", f"{DB38}/accounts", {"accounts": [body]})
    (shown,) = root.ok("GET", f"{DB38}/account/{account}")["accounts"]
    assert (shown["description"], shown["organization"]) == ("chemistry", "uni")
    root.ok("POST", f"{DB38}/accounts", {"accounts": [{**body, "description": "chem."}]})
    (shown,) = root.ok("GET", f"{DB38}/account/{account}")["accounts"]
    assert shown["description"] == "chem."
    assert walk.sacctmgr("show", "account", account, "format=account,descr,org") == [
        [account, "chem.", "uni"]
    ]
    assert account in names(root.ok("GET", f"{DB38}/accounts")["accounts"])
    # POST /accounts adds no association (as 22.05); a user needs one to join.
    assert walk.sacctmgr("show", "assoc", "where", f"account={account}") == []
    root.ok("POST", f"{DB38}/associations", {"associations": [{"account": account}]})
    root.ok("POST", f"{DB38}/users", {"users": [{"name": user, "default": {"account": account}}]})
    (shown,) = root.ok("GET", f"{DB38}/user/{user}")["users"]
    assert (shown["name"], shown["default"]["account"]) == (user, account)
    coordinator = {"name": user, "coordinators": [{"name": account}]}
    root.ok("POST", f"{DB38}/users", {"users": [coordinator]})
    (shown,) = root.ok("GET", f"{DB38}/user/{user}")["users"]
    assert [c["name"] for c in shown["coordinators"]] == [account]
    (shown,) = root.ok("GET", f"{DB38}/account/{account}")["accounts"]
    assert [c["name"] for c in shown["coordinators"]] == [user]
    assert user in names(root.ok("GET", f"{DB38}/users")["users"])
    assert walk.sacctmgr("show", "user", user, "format=user,defaultaccount") == [[user, account]]
    root.ok("DELETE", f"{DB38}/user/{user}")
    assert user not in names(root.ok("GET", f"{DB38}/users")["users"])
    assert walk.sacctmgr("show", "user", user) == []
    root.ok("DELETE", f"{DB38}/account/{account}")
    assert account not in names(root.ok("GET", f"{DB38}/accounts")["accounts"])
    status, doc = root.call("GET", f"{DB38}/account/{account}")
    assert (status, doc["accounts"]) == (500, [])
    assert walk.sacctmgr("show", "account", account) == []


def test_dbv0_0_38_associations(walk: Walk) -> None:
    root = walk.root
    account, user = walk.name("as38"), walk.name("asu38")
    walk.removed_later("user", f"name={user}")
    walk.removed_later("account", f"name={account}")
    body = {"name": account, "description": "biology", "organization": "uni"}
    root.ok("POST", f"{DB38}/accounts", {"accounts": [body]})
    pair = [{"account": account}, {"account": account, "user": user}]
    root.ok("POST", f"{DB38}/associations", {"associations": pair})
    query = f"account={account}&user={user}"
    (assoc,) = root.ok("GET", f"{DB38}/association?{query}")["associations"]
    assert (assoc["account"], assoc["user"], assoc["cluster"]) == (account, user, CLUSTER)
    changed = {"account": account, "user": user, "shares_raw": 7}
    root.ok("POST", f"{DB38}/associations", {"associations": [changed]})
    (assoc,) = root.ok("GET", f"{DB38}/association?{query}")["associations"]
    assert assoc["shares_raw"] == 7
    fields = "format=cluster,account,user,fairshare"
    assert walk.sacctmgr("show", "assoc", "where", f"account={account}", fields) == [
        [CLUSTER, account, "", "1"],
        [CLUSTER, account, user, "7"],
    ]
    listed = root.ok("GET", f"{DB38}/associations?account={account}")["associations"]
    assert sorted(a["user"] or "" for a in listed) == ["", user]
    doc = root.ok("DELETE", f"{DB38}/association?{query}")
    # Only the association, though sacctmgr also dropped the user it left with none.
    assert doc["removed_associations"] == [f"C = {CLUSTER} A = {account} U = {user}"]
    listed = root.ok("GET", f"{DB38}/associations?account={account}")["associations"]
    assert [a["user"] or "" for a in listed] == [""]
    doc = root.ok("DELETE", f"{DB38}/associations?account={account}")
    assert len(doc["removed_associations"]) == 1
    status, doc = root.call("GET", f"{DB38}/associations?account={account}")
    assert (status, doc["associations"], error_numbers(doc)) == (500, [], [NOTHING_FOUND])
    assert walk.sacctmgr("show", "assoc", "where", f"account={account}") == []


def test_dbv0_0_38_qos(walk: Walk) -> None:
    root = walk.root
    qos = walk.name("q38")
    walk.removed_later("qos", f"name={qos}")
    root.ok("POST", f"{DB38}/qos", {"QOS": [{"name": qos, "priority": 10}]})
    (shown,) = root.ok("GET", f"{DB38}/qos/{qos}")["QOS"]
    assert (shown["name"], shown["priority"]) == (qos, 10)
    root.ok("POST", f"{DB38}/qos", {"QOS": [{"name": qos, "priority": 30}]})
    (shown,) = root.ok("GET", f"{DB38}/qos/{qos}")["QOS"]
    assert shown["priority"] == 30
    assert walk.sacctmgr("show", "qos", qos, "format=name,priority") == [[qos, "30"]]
    assert {"normal", "high", qos} <= set(names(root.ok("GET", f"{DB38}/qos")["QOS"]))
    root.ok("DELETE", f"{DB38}/qos/{qos}")
    assert qos not in names(root.ok("GET", f"{DB38}/qos")["QOS"])
    assert walk.sacctmgr("show", "qos", qos) == []


def test_dbv0_0_38_tres_wckeys_and_clusters(walk: Walk) -> None:
    root = walk.root
    # TRES come from slurm.conf; sacctmgr has no way to add one.
    body = {"tres": [{"type": "gres", "name": walk.name("gpu")}]}
    root.unsupported("POST", f"{DB38}/tres", body, 500, NOT_SUPPORTED, "Updating TRES is not")
    tres = root.ok("GET", f"{DB38}/tres")["TRES"]
    kinds = {(t["type"], t["name"] or "") for t in tres}  # 22.05 writes null for no name
    assert {("cpu", ""), ("mem", ""), ("node", ""), ("fs", "disk")} <= kinds
    # (22.05 lists its dynamic_offset marker too, as the C daemon does: capture.)
    known = {int(row[2]) for row in walk.sacctmgr("show", "tres", "format=type,name,id")}
    assert {t["id"] for t in tres} == known | {1000}
    wckey, account, user = walk.name("w38"), walk.name("wa38"), walk.name("wu38")
    walk.removed_later("user", f"name={user}")
    walk.removed_later("account", f"name={account}")
    root.ok(
        "POST",
        f"{DB38}/accounts",
        {"accounts": [{"name": account, "description": "d", "organization": "o"}]},
    )
    root.ok("POST", f"{DB38}/associations", {"associations": [{"account": account}]})
    root.ok("POST", f"{DB38}/users", {"users": [{"name": user, "default": {"account": account}}]})
    root.ok(
        "POST", f"{DB38}/wckeys", {"wckeys": [{"name": wckey, "user": user, "cluster": CLUSTER}]}
    )
    (shown,) = root.ok("GET", f"{DB38}/wckey/{wckey}")["wckeys"]
    assert (shown["name"], shown["user"], shown["cluster"]) == (wckey, user, CLUSTER)
    # Nor of a wckey (sacctmgr has no "modify wckey"): adding it again changes nothing.
    root.ok(
        "POST", f"{DB38}/wckeys", {"wckeys": [{"name": wckey, "user": user, "cluster": CLUSTER}]}
    )
    assert root.ok("GET", f"{DB38}/wckey/{wckey}")["wckeys"] == [shown]
    assert wckey in names(root.ok("GET", f"{DB38}/wckeys")["wckeys"])
    assert walk.sacctmgr("show", "wckey", wckey, "format=wckey,user") == [[wckey, user]]
    root.ok("DELETE", f"{DB38}/wckey/{wckey}")
    assert wckey not in names(root.call("GET", f"{DB38}/wckeys")[1]["wckeys"])
    assert walk.sacctmgr("show", "wckey", wckey) == []
    root.ok("DELETE", f"{DB38}/user/{user}")
    root.ok("DELETE", f"{DB38}/account/{account}")
    cluster = walk.name("c38")
    walk.removed_later("cluster", f"name={cluster}")
    root.ok("POST", f"{DB38}/clusters", {"clusters": [{"name": cluster}]})
    (shown,) = root.ok("GET", f"{DB38}/cluster/{cluster}")["clusters"]
    assert shown["name"] == cluster
    # sacctmgr changes no field of a cluster record itself: adding it again changes nothing.
    root.ok("POST", f"{DB38}/clusters", {"clusters": [{"name": cluster}]})
    assert root.ok("GET", f"{DB38}/cluster/{cluster}")["clusters"] == [shown]
    assert {CLUSTER, cluster} <= set(names(root.ok("GET", f"{DB38}/clusters")["clusters"]))
    assert walk.sacctmgr("show", "cluster", cluster, "format=cluster") == [[cluster]]
    root.ok("DELETE", f"{DB38}/cluster/{cluster}")
    assert cluster not in names(root.ok("GET", f"{DB38}/clusters")["clusters"])
    assert walk.sacctmgr("show", "cluster", cluster) == []


def test_dbv0_0_38_config_and_diag(walk: Walk) -> None:
    root = walk.root
    status, dump = root.call("GET", f"{DB38}/config")
    # With no wckey anywhere 22.05 adds "Nothing found" to a 200 (reference capture).
    assert status == 200 and error_numbers(dump) == ([] if dump["wckeys"] else [NOTHING_FOUND])
    assert CLUSTER in names(dump["clusters"]) and {"alice", "bob"} <= set(names(dump["users"]))
    assert {"research", "ops"} <= set(names(dump["accounts"]))
    # Loading a whole dump back would rewrite every record of the shared testbed:
    # this one carries a single new account.
    account = walk.name("cfg38")
    walk.removed_later("account", f"name={account}")
    # (22.05 wants every kind named, as the C daemon reads the dump.)
    body: dict[str, Any] = {key: [] for key in ("clusters", "tres", "users", "QOS", "wckeys")}
    body |= {
        "associations": [],
        "accounts": [{"name": account, "description": "d", "organization": "o"}],
    }
    root.ok("POST", f"{DB38}/config", body)
    (shown,) = root.ok("GET", f"{DB38}/account/{account}")["accounts"]
    assert (shown["description"], shown["organization"]) == ("d", "o")
    root.ok("DELETE", f"{DB38}/account/{account}")

    def account_reads() -> int:
        rpcs = root.ok("GET", f"{DB38}/diag")["statistics"]["RPCs"]
        return sum(r["count"] for r in rpcs if r["rpc"] == "DBD_GET_ACCOUNTS")

    before = account_reads()
    root.ok("GET", f"{DB38}/accounts")
    assert account_reads() >= before + 1
    # Statistics are for operators (as slurmdbd answers a plain user).
    status, numbers, _ = walk.clients["alice"].refused("GET", f"{DB38}/diag")
    assert (status, numbers) == (500, [2002])  # Access/permission denied, as 22.05


# ------------------------------------------------------------------ job records


@dataclass
class Finished:
    """Jobs alice and bob ran for the job-record tests, and when."""

    ids: dict[str, int]  # what -> job id
    array: int  # bob's array: tasks 0-2 ran; 3 was cancelled pending (so never recorded)
    tasks: list[int]  # the raw job ids of tasks 0-2
    split: int  # alice's jobs had all ended before, bob's began after
    since: int
    names: str  # every job name, comma separated

    def of(self, *what: str) -> list[int]:
        return sorted(self.ids[w] for w in what)

    def bobs(self) -> list[int]:
        return sorted([self.ids["batch"], *self.tasks])


def sacct(walk: Walk, *argv: str) -> list[list[str]]:
    """`sacct -X -n -P -a ...` as root, split into rows of fields."""
    out = walk.bed.run(["sacct", "-X", "-n", "-P", "-a", *argv]).stdout
    return [line.split("|") for line in out.splitlines()]


@pytest.fixture(scope="module")
def finished(walk: Walk) -> Finished:
    since = int(time.time()) - 5
    alice, bob = walk.clients["alice"], walk.clients["bob"]

    def submit(client: WalkClient, what: str, body: str, **job: Any) -> int:
        doc = client.ok(
            "POST", "/slurm/v0.0.46/job/submit", job_46(f"{TAG}-{what}", script(body), **job)
        )
        walk.jobs.append(doc["job_id"])
        return doc["job_id"]

    ids = {
        "ok": submit(alice, "ok", "true"),
        "fail": submit(alice, "fail", "exit 3"),
        # Cancelled once running: sacct's time windows never find a job that was
        # never eligible (held, then cancelled).
        "cancel": submit(alice, "cancel", "sleep 300"),
    }
    wait_state(walk.bed, ids["cancel"], "RUNNING")
    alice.ok("DELETE", f"/slurm/v0.0.46/job/{ids['cancel']}")
    wait_state(walk.bed, ids["ok"], "COMPLETED")
    wait_state(walk.bed, ids["fail"], "FAILED")
    wait_state(walk.bed, ids["cancel"], "CANCELLED")
    split = int(time.time()) + 1
    wait_until("the next second", lambda: time.time() > split + 1, timeout=5)
    ids["batch"] = submit(bob, "batch", "true", partition="batch")
    array = submit(bob, "array", "true", array="0-3", hold=True)
    bob.ok("DELETE", f"/slurm/v0.0.46/job/{array}_3")
    bob.ok("POST", f"/slurm/v0.0.46/job/{array}", {"hold": False})
    everything = ",".join(f"{TAG}-{w}" for w in ("ok", "fail", "cancel", "batch", "array"))
    # Until slurmdbd heard every job end (it hears a moment after slurmctld).
    start = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(since))
    tasks: dict[int, int] = {}

    def recorded() -> bool:
        rows = sacct(walk, f"--name={everything}", "-S", start, "-o", "jobid,jobidraw,state")
        ended = [(job, int(raw)) for job, raw, state in rows if state not in ("PENDING", "RUNNING")]
        tasks.clear()
        tasks.update(
            {int(job.split("_")[1]): raw for job, raw in ended if job.startswith(f"{array}_")}
        )
        return sorted(raw for _, raw in ended) == sorted(
            [*ids.values(), *tasks.values()]
        ) and sorted(tasks) == [0, 1, 2]

    wait_until("slurmdbd to record every job", recorded, timeout=60)
    return Finished(ids, array, [tasks[t] for t in range(3)], split, since, everything)


def record_ids(records: list[dict[str, Any]]) -> list[int]:
    return sorted(r["job_id"] for r in records)


def test_dbv0_0_38_job_records_and_filters(walk: Walk, finished: Finished) -> None:
    root, ids = walk.root, finished.ids
    (record,) = root.ok("GET", f"{DB38}/job/{ids['ok']}")["jobs"]
    assert (record["name"], record["user"], record["state"]["current"]) == (
        f"{TAG}-ok",
        "alice",
        "COMPLETED",
    )
    assert (record["account"], record["partition"]) == ("research", "debug")
    # (Commas go encoded: 22.05 refuses a bare one in a query with a 400.)
    mine = urlencode({"start_time": finished.since, "job_name": finished.names})

    def found(query: str) -> list[int]:
        return record_ids(root.ok("GET", f"{DB38}/jobs?{mine}&{query}")["jobs"])

    tasks = finished.tasks
    assert found("account=research") == finished.of("ok", "fail", "cancel")
    assert found("account=ops") == finished.bobs()
    assert found("state=FAILED") == finished.of("fail")
    assert found("state=CANCELLED") == finished.of("cancel")
    assert found("partition=batch") == finished.of("batch")
    assert found(f"step={finished.array}") == sorted(tasks)
    assert found(f"start_time={finished.split}") == finished.bobs()
    assert found(f"end_time={finished.split}") == finished.of("ok", "fail", "cancel")
    status, doc = root.call("GET", f"{DB38}/jobs?{mine}&state=TIMEOUT")
    assert (status, doc["jobs"], error_numbers(doc)) == (200, [], [NOTHING_FOUND])  # as 22.05
    # The testbed sets no PrivateData: bob reads alice's records as slurmdbd gives them.
    bobs_view = walk.clients["bob"].ok("GET", f"{DB38}/jobs?{mine}&account=research")["jobs"]
    assert record_ids(bobs_view) == finished.of("ok", "fail", "cancel")


def test_v0_0_46_job_records_filters_and_changes(walk: Walk, finished: Finished) -> None:
    root, ids = walk.root, finished.ids
    (record,) = root.ok("GET", f"{DB46}/job/{ids['batch']}")["jobs"]
    assert (record["name"], record["user"], record["state"]["current"]) == (
        f"{TAG}-batch",
        "bob",
        ["COMPLETED"],
    )
    (record,) = root.ok("GET", f"{DB46}/job/{ids['fail']}")["jobs"]
    assert (record["state"]["current"], record["exit_code"]["return_code"]) == (
        ["FAILED"],
        number(3),
    )
    # (Commas go encoded: 22.05 refuses a bare one in a query with a 400.)
    mine = urlencode({"start_time": finished.since, "job_name": finished.names})

    def found(query: str) -> list[int]:
        return record_ids(root.ok("GET", f"{DB46}/jobs?{mine}&{query}")["jobs"])

    tasks = finished.tasks
    assert found("users=alice") == finished.of("ok", "fail", "cancel")
    assert found("users=bob") == finished.bobs()
    assert found("account=ops") == finished.bobs()
    assert found(f"job_name={TAG}-ok") == finished.of("ok")
    assert found("state=COMPLETED") == sorted([ids["ok"], *finished.bobs()])
    assert found("partition=batch") == finished.of("batch")
    assert found(f"step={finished.array}") == sorted(tasks)
    assert found(f"start_time={finished.split}") == finished.bobs()
    assert found(f"end_time={finished.split}") == finished.of("ok", "fail", "cancel")
    array = root.ok("GET", f"{DB46}/job/{finished.array}")["jobs"]
    assert sorted(r["array"]["task_id"]["number"] for r in array) == [0, 1, 2]
    # Changing records: the job comment of one, then of another through /jobs.
    doc = root.ok("POST", f"{DB46}/job/{ids['ok']}", {"comment": {"job": f"{TAG} one"}})
    assert doc["results"] == [str(ids["ok"])]
    body = {"job_id_list": [str(ids["batch"])], "job_rec": {"comment": {"job": f"{TAG} two"}}}
    assert root.ok("POST", f"{DB46}/jobs", body)["results"] == [str(ids["batch"])]
    for what, comment in (("ok", f"{TAG} one"), ("batch", f"{TAG} two")):
        (record,) = root.ok("GET", f"{DB46}/job/{ids[what]}")["jobs"]
        assert record["comment"]["job"] == comment
        out = walk.bed.run(["sacct", "-X", "-n", "-P", "-j", str(ids[what]), "-o", "comment"])
        assert out.stdout.strip() == comment


# --------------------------------------------------------------------------- v0.0.46


def account_with_association(name: str) -> dict[str, Any]:
    """A v0.0.46 accounts_association body: the account and its association on the cluster."""
    account = {"description": f"{name} dept", "organization": "uni"}
    return {
        "association_condition": {"accounts": [name], "clusters": [CLUSTER]},
        "account": account,
    }


def test_v0_0_46_accounts(walk: Walk) -> None:
    root = walk.root
    plain, assoc = walk.name("a46"), walk.name("aa46")
    walk.removed_later("account", f"name={plain},{assoc}")
    body = {"name": plain, "description": "physics", "organization": "uni"}
    root.ok("POST", f"{DB46}/accounts", {"accounts": [body]})
    (shown,) = root.ok("GET", f"{DB46}/account/{plain}")["accounts"]
    assert (shown["description"], shown["organization"]) == ("physics", "uni")
    root.ok("POST", f"{DB46}/accounts", {"accounts": [{**body, "organization": "lab"}]})
    assert walk.sacctmgr("show", "account", plain, "format=account,org") == [[plain, "lab"]]
    assert plain in names(root.ok("GET", f"{DB46}/accounts")["accounts"])
    added = root.ok("POST", f"{DB46}/accounts_association", account_with_association(assoc))
    assert added["added_accounts"] == assoc
    (shown,) = root.ok("GET", f"{DB46}/account/{assoc}?with_assocs")["accounts"]
    assert [(a["account"], a["user"], a["cluster"]) for a in shown["associations"]] == [
        (assoc, "", CLUSTER)
    ]
    for name in (plain, assoc):
        assert root.ok("DELETE", f"{DB46}/account/{name}")["removed_accounts"] == [name]
        assert name not in names(root.ok("GET", f"{DB46}/accounts")["accounts"])
        assert walk.sacctmgr("show", "account", name) == []


def test_v0_0_46_users_and_coordinators(walk: Walk) -> None:
    root = walk.root
    account, user, other = walk.name("ua46"), walk.name("u46"), walk.name("v46")
    walk.removed_later("user", f"name={user},{other}")
    walk.removed_later("account", f"name={account}")
    root.ok("POST", f"{DB46}/accounts_association", account_with_association(account))
    wanted = {"name": user, "default": {"account": account}, "administrator_level": ["Operator"]}
    root.ok("POST", f"{DB46}/users", {"users": [wanted]})
    (shown,) = root.ok("GET", f"{DB46}/user/{user}")["users"]
    assert (shown["default"]["account"], shown["administrator_level"]) == (account, ["Operator"])
    root.ok(
        "POST", f"{DB46}/users", {"users": [{"name": user, "coordinators": [{"name": account}]}]}
    )
    (shown,) = root.ok("GET", f"{DB46}/user/{user}?with_coords")["users"]
    assert [c["name"] for c in shown["coordinators"]] == [account]
    assert walk.sacctmgr("show", "user", user, "format=user,admin,coord", "withcoord") == [
        [user, "Operator", account]
    ]
    body = {
        "association_condition": {"users": [other], "accounts": [account]},
        "user": {"defaultaccount": account},
    }
    assert root.ok("POST", f"{DB46}/users_association", body)["added_users"] == other
    listed = root.ok("GET", f"{DB46}/users?with_assocs&default_account={account}")["users"]
    assert names(listed) == sorted([user, other])
    assert {a["account"] for u in listed for a in u["associations"]} == {account}
    for name in (user, other):
        root.ok("DELETE", f"{DB46}/user/{name}")
        assert name not in names(root.ok("GET", f"{DB46}/users")["users"])
        assert walk.sacctmgr("show", "user", name) == []
    root.ok("DELETE", f"{DB46}/account/{account}")


def test_v0_0_46_associations(walk: Walk) -> None:
    root = walk.root
    account, user, other = walk.name("as46"), walk.name("asu46"), walk.name("asv46")
    walk.removed_later("user", f"name={user},{other}")
    walk.removed_later("account", f"name={account}")
    root.ok("POST", f"{DB46}/accounts_association", account_with_association(account))
    assocs = [
        {"account": account, "user": user, "priority": number(3)},
        {"account": account, "user": other},
    ]
    root.ok("POST", f"{DB46}/associations", {"associations": assocs})
    query = f"account={account}&user={user}"
    (assoc,) = root.ok("GET", f"{DB46}/association?{query}")["associations"]
    assert (assoc["account"], assoc["user"], assoc["priority"]) == (account, user, number(3))
    changed = {"account": account, "user": user, "shares_raw": 5}
    root.ok("POST", f"{DB46}/associations", {"associations": [changed]})
    (assoc,) = root.ok("GET", f"{DB46}/association?{query}")["associations"]
    assert (assoc["priority"], assoc["shares_raw"]) == (number(3), 5)
    rows = walk.sacctmgr(
        "show", "assoc", "where", f"account={account}", "format=user,fairshare,priority"
    )
    assert sorted(rows) == [["", "1", ""], [user, "5", "3"], [other, "1", ""]]
    # 22.05's associations have no comment: refused, where dropping it would lose it.
    commented = {"account": account, "user": user, "comment": "lost?"}
    status, numbers, _ = root.refused("POST", f"{DB46}/associations", {"associations": [commented]})
    assert (status, numbers) == (422, [NOT_SUPPORTED])
    listed = root.ok("GET", f"{DB46}/associations?account={account}")["associations"]
    assert {a["user"] for a in listed} == {"", user, other}
    doc = root.ok("DELETE", f"{DB46}/association?{query}")
    assert doc["removed_associations"] == [f"C = {CLUSTER} A = {account} U = {user}"]
    doc = root.ok("DELETE", f"{DB46}/associations?account={account}&user={other}")
    assert doc["removed_associations"] == [f"C = {CLUSTER} A = {account} U = {other}"]
    listed = root.ok("GET", f"{DB46}/associations?account={account}")["associations"]
    assert [a["user"] for a in listed] == [""]
    assert walk.sacctmgr("show", "assoc", "where", f"account={account}", "format=user") == [[""]]
    root.ok("DELETE", f"{DB46}/account/{account}")


def test_v0_0_46_qos(walk: Walk) -> None:
    root = walk.root
    qos = walk.name("q46")
    walk.removed_later("qos", f"name={qos}")
    wanted: dict[str, Any] = {"name": qos, "priority": number(20)}
    root.ok("POST", f"{DB46}/qos", {"qos": [wanted]})
    (shown,) = root.ok("GET", f"{DB46}/qos/{qos}")["qos"]
    assert (shown["name"], shown["priority"]) == (qos, number(20))
    root.ok("POST", f"{DB46}/qos", {"qos": [{**wanted, "priority": number(40)}]})
    (shown,) = root.ok("GET", f"{DB46}/qos/{qos}")["qos"]
    assert shown["priority"] == number(40)
    assert walk.sacctmgr("show", "qos", qos, "format=name,priority") == [[qos, "40"]]
    assert {"normal", "high", qos} <= set(names(root.ok("GET", f"{DB46}/qos")["qos"]))
    assert root.ok("DELETE", f"{DB46}/qos/{qos}")["removed_qos"] == [qos]
    assert qos not in names(root.ok("GET", f"{DB46}/qos")["qos"])
    assert walk.sacctmgr("show", "qos", qos) == []


def test_v0_0_46_tres_wckeys_and_clusters(walk: Walk) -> None:
    root = walk.root
    body = {"TRES": [{"type": "gres", "name": walk.name("gpu")}]}
    root.unsupported("POST", f"{DB46}/tres", body, 501, NOT_IMPLEMENTED, "cannot add TRES")
    tres = root.ok("GET", f"{DB46}/tres")["TRES"]
    assert {("cpu", ""), ("mem", ""), ("node", "")} <= {(t["type"], t["name"]) for t in tres}
    wckey, account, user = walk.name("w46"), walk.name("wa46"), walk.name("wu46")
    walk.removed_later("user", f"name={user}")
    walk.removed_later("account", f"name={account}")
    root.ok("POST", f"{DB46}/accounts_association", account_with_association(account))
    root.ok("POST", f"{DB46}/users", {"users": [{"name": user, "default": {"account": account}}]})
    root.ok(
        "POST", f"{DB46}/wckeys", {"wckeys": [{"name": wckey, "user": user, "cluster": CLUSTER}]}
    )
    by_name = {w["name"]: w for w in root.ok("GET", f"{DB46}/wckeys")["wckeys"]}
    wckey_id = by_name[wckey]["id"]
    (shown,) = root.ok("GET", f"{DB46}/wckey/{wckey_id}")["wckeys"]
    assert (shown["name"], shown["user"], shown["cluster"]) == (wckey, user, CLUSTER)
    assert walk.sacctmgr("show", "wckey", wckey, "format=wckey,user,id") == [
        [wckey, user, str(wckey_id)]
    ]
    doc = root.ok("DELETE", f"{DB46}/wckey/{wckey_id}")
    assert doc["deleted_wckeys"] == [f"C = {CLUSTER} W = {wckey} U = {user}"]
    assert wckey not in names(root.call("GET", f"{DB46}/wckeys")[1]["wckeys"])
    assert walk.sacctmgr("show", "wckey", wckey) == []
    root.ok("DELETE", f"{DB46}/user/{user}")
    root.ok("DELETE", f"{DB46}/account/{account}")
    cluster = walk.name("c46")
    walk.removed_later("cluster", f"name={cluster}")
    root.ok("POST", f"{DB46}/clusters", {"clusters": [{"name": cluster}]})
    (shown,) = root.ok("GET", f"{DB46}/cluster/{cluster}")["clusters"]
    assert (shown["name"], shown["flags"]) == (cluster, [])  # sacctmgr prints "None"
    root.ok("POST", f"{DB46}/clusters", {"clusters": [{"name": cluster}]})  # (as dbv0.0.38)
    assert root.ok("GET", f"{DB46}/cluster/{cluster}")["clusters"] == [shown]
    assert {CLUSTER, cluster} <= set(names(root.ok("GET", f"{DB46}/clusters")["clusters"]))
    assert walk.sacctmgr("show", "cluster", cluster, "format=cluster") == [[cluster]]
    assert root.ok("DELETE", f"{DB46}/cluster/{cluster}")["deleted_clusters"] == [cluster]
    assert cluster not in names(root.ok("GET", f"{DB46}/clusters")["clusters"])
    assert walk.sacctmgr("show", "cluster", cluster) == []


def test_v0_0_46_config_conf_diag_ping_instances(walk: Walk) -> None:
    root = walk.root
    dump = root.ok("GET", f"{DB46}/config")
    assert CLUSTER in names(dump["clusters"]) and {"normal", "high"} <= set(names(dump["qos"]))
    account = walk.name("cfg46")
    walk.removed_later("account", f"name={account}")
    body = {"accounts": [{"name": account, "description": "d", "organization": "o"}]}
    root.ok("POST", f"{DB46}/config", body)
    (shown,) = root.ok("GET", f"{DB46}/account/{account}")["accounts"]
    assert shown["organization"] == "o"
    root.ok("DELETE", f"{DB46}/account/{account}")
    conf = root.ok("GET", f"{DB46}/conf")["slurmdbd_conf"]
    assert (conf["StorageLoc"], conf["DbdHost"]) == (
        "slurm_acct_db",
        "localhost",
    )

    def account_reads() -> int:
        rpcs = root.ok("GET", f"{DB46}/diag")["statistics"]["RPCs"]
        return sum(r["count"] for r in rpcs if r["rpc"] == "DBD_GET_ACCOUNTS")

    before = account_reads()
    root.ok("GET", f"{DB46}/accounts")
    assert account_reads() >= before + 1
    (ping,) = root.ok("GET", f"{DB46}/ping")["pings"]
    assert (ping["hostname"], ping["responding"]) == ("localhost", True)
    # 22.05's slurmdbd keeps no cloud instances (they came with 23.02).
    for path in ("instances", f"instance?cluster={CLUSTER}"):
        root.unsupported("GET", f"{DB46}/{path}", None, 501, NOT_IMPLEMENTED, "no cloud instances")


def test_every_operation_of_this_share_was_walked(walk: Walk) -> None:
    """Runs last: a new /slurmdb/ operation fails here until a test reaches it."""
    mine = {op.operation_id for op in walk.log.operations if operation_share(op.template) == SHARE}
    assert set().union(*TESTED.values()) == mine
    assert walk.log.exercised & mine == mine
    unreached = {test: set(ops) - walk.log.by_test.get(test, set()) for test, ops in TESTED.items()}
    assert {test: ops for test, ops in unreached.items() if ops} == {}
