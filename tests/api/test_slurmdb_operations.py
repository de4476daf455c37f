"""/slurmdb operations through RestApp over an embedded SqliteAccounting store.

Every slurmdb operation of dbv0.0.38 and v0.0.46 answers a valid request;
22.05's answers are reproduced from its captures (errors, statuses, bodies);
v0.0.46 answers follow the v0.0.46 schemas; bad requests name the field.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest

from schema_check import schema_errors
from slurmrestd.api import app as app_module
from slurmrestd.api import plugins
from slurmrestd.api.app import RestApp
from slurmrestd.api.operations import OPERATIONS, operation_key
from slurmrestd.api.operations.slurmdb import SLURMDB_OPERATIONS
from slurmrestd.api.versions.dbv0_0_38 import jobs as jobs_38
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import ClusterFilter
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.cluster.embedded.accounting import SqliteAccounting
from slurmrestd.http.message import Headers, HttpRequest, PeerCredentials, PeerInfo, TransportKind
from slurmrestd.model.accounting import QOS, Account, Association, User, WCKey
from slurmrestd.model.accounting_job import AccountingJob

SPECS = Path(__file__).resolve().parents[2] / "src" / "slurmrestd" / "api" / "specs"
PEER = PeerInfo(TransportKind.UNIX, "test", PeerCredentials(os.getpid(), 0, 0))
ROOT = Identity("root", 0, 0, "test")


class HeaderAuth:
    """Test boundary: the user named in X-SLURM-USER-NAME (root when none)."""

    name = "test/header"

    def authenticate(self, request: HttpRequest, peer: PeerInfo) -> Identity:
        user = request.headers.get("X-SLURM-USER-NAME") or "root"
        return Identity(user, 0 if user == "root" else 1000, 0, self.name)

    def reload(self, context: object) -> None:
        return None


class Jobs:
    def __init__(self) -> None:
        self.records: list[AccountingJob] = []

    def __call__(self) -> list[AccountingJob]:
        return list(self.records)


class AccountingCluster(EmbeddedCluster):
    """The embedded cluster with an accounting store attached (as the integrator will)."""

    accounting: SqliteAccounting | None = None

    def __init__(self) -> None:
        super().__init__()
        self.name = "testbed"


@pytest.fixture(scope="module")
def cluster() -> AccountingCluster:
    return AccountingCluster()


@pytest.fixture(scope="module")
def app(cluster: AccountingCluster) -> RestApp:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(app_module, "OPERATIONS", {**OPERATIONS, **SLURMDB_OPERATIONS})
        return RestApp(
            units=plugins.resolve(None, None), auth_plugins=[HeaderAuth()], cluster=cluster
        )


@pytest.fixture
def jobs() -> Jobs:
    return Jobs()


@pytest.fixture
def store(tmp_path: Path, cluster: AccountingCluster, jobs: Jobs):
    """A fresh store holding the 22.05 testbed's accounts (research, ops; alice, bob)."""
    store = SqliteAccounting(tmp_path / "acct.db", "testbed", frozenset({"root", "slurm"}), jobs)
    store.add_qos(ROOT, [QOS("high", priority=100)])
    store.add_accounts(
        ROOT,
        [Account("research", "research group", "science"), Account("ops", "operations", "it")],
    )
    store.add_users(ROOT, [User("alice"), User("bob")])
    store.add_associations(
        ROOT,
        [
            Association(account="research"),
            Association(account="ops"),
            Association(account="research", user="alice"),
            Association(account="ops", user="alice"),
            Association(account="ops", user="bob"),
        ],
    )
    cluster.accounting = store
    yield store
    cluster.accounting = None
    store.close()


def call(
    app: RestApp, method: str, path: str, body: Any = None, user: str = "root"
) -> tuple[int, Any]:
    data = orjson.dumps(body) if body is not None else b""
    path, _, query = path.partition("?")
    headers = [("X-SLURM-USER-NAME", user)]
    if data:
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    request = HttpRequest(method, path, query, "1.1", Headers(headers), data)
    response = asyncio.run(app(request, PEER))
    if not response.body.startswith(b"{"):
        return response.status, response.body.decode()
    doc = orjson.loads(response.body)
    if isinstance(doc, dict):
        doc.pop("meta", None)
    return response.status, doc


# Every operation of both versions ------------------------------------------------------


def spec_operations(version: str) -> list[tuple[str, str, str]]:
    """(method, path template, 200 response schema) of the version's slurmdb operations."""
    spec = json.loads((SPECS / f"{version}.json").read_text())
    out = []
    for path, methods in spec["paths"].items():
        if not path.startswith("/slurmdb/"):
            continue
        for method, op in methods.items():
            if method not in ("get", "post", "delete"):
                continue  # 22.05's document keeps a stray schema among the methods
            content = op["responses"]["200"]["content"]["application/json"]["schema"]
            out.append((method.upper(), path, content["$ref"].rsplit("/", 1)[1]))
    return out


WCKEY_46 = {"name": "p2", "user": "alice", "cluster": "testbed"}
# (method, version-free template) -> (path after /slurmdb/<version>/, body per API number)
VALID: dict[tuple[str, str], tuple[str, dict[int, Any] | None]] = {
    ("GET", "/slurmdb/*/accounts"): ("accounts", None),
    ("POST", "/slurmdb/*/accounts"): (
        "accounts",
        {
            n: {"accounts": [{"name": "lab", "description": "d", "organization": "o"}]}
            for n in (38, 46)
        },
    ),
    ("POST", "/slurmdb/*/accounts_association"): (
        "accounts_association",
        {46: {"association_condition": {"accounts": ["lab"]}, "account": {"description": "d"}}},
    ),
    ("GET", "/slurmdb/*/account/{account_name}"): ("account/research", None),
    ("DELETE", "/slurmdb/*/account/{account_name}"): ("account/ops", None),
    ("GET", "/slurmdb/*/users"): ("users", None),
    ("POST", "/slurmdb/*/users"): ("users", {n: {"users": [{"name": "carol"}]} for n in (38, 46)}),
    ("POST", "/slurmdb/*/users_association"): (
        "users_association",
        {
            46: {
                "association_condition": {"users": ["carol"], "accounts": ["research"]},
                "user": {"defaultaccount": "research"},
            }
        },
    ),
    ("GET", "/slurmdb/*/user/{user_name}"): ("user/alice", None),
    ("DELETE", "/slurmdb/*/user/{user_name}"): ("user/bob", None),
    ("GET", "/slurmdb/*/user/{name}"): ("user/alice", None),
    ("DELETE", "/slurmdb/*/user/{name}"): ("user/bob", None),
    ("GET", "/slurmdb/*/associations"): ("associations", None),
    ("POST", "/slurmdb/*/associations"): (
        "associations",
        {n: {"associations": [{"account": "research", "user": "bob"}]} for n in (38, 46)},
    ),
    ("DELETE", "/slurmdb/*/associations"): ("associations?account=ops&user=alice", None),
    ("GET", "/slurmdb/*/association"): ("association?account=research&user=alice", None),
    ("DELETE", "/slurmdb/*/association"): ("association?account=ops&user=alice", None),
    ("GET", "/slurmdb/*/qos"): ("qos", None),
    ("POST", "/slurmdb/*/qos"): (
        "qos",
        {
            38: {"QOS": [{"name": "low", "priority": 10}]},  # 22.05 reads only "QOS"
            46: {"qos": [{"name": "low", "priority": 10}]},
        },
    ),
    ("GET", "/slurmdb/*/qos/{qos_name}"): ("qos/normal", None),
    ("DELETE", "/slurmdb/*/qos/{qos_name}"): ("qos/high", None),
    ("GET", "/slurmdb/*/qos/{qos}"): ("qos/normal", None),
    ("DELETE", "/slurmdb/*/qos/{qos}"): ("qos/high", None),
    ("GET", "/slurmdb/*/tres"): ("tres", None),
    ("POST", "/slurmdb/*/tres"): (
        "tres",
        {46: {"TRES": [{"type": "gres", "name": "gpu"}]}},  # 22.05 refuses (REFUSED_38)
    ),
    ("GET", "/slurmdb/*/wckeys"): ("wckeys", None),
    ("POST", "/slurmdb/*/wckeys"): ("wckeys", {n: {"wckeys": [WCKEY_46]} for n in (38, 46)}),
    ("GET", "/slurmdb/*/wckey/{wckey}"): ("wckey/p1", None),
    ("DELETE", "/slurmdb/*/wckey/{wckey}"): ("wckey/p1", None),
    ("GET", "/slurmdb/*/wckey/{id}"): ("wckey/1", None),
    ("DELETE", "/slurmdb/*/wckey/{id}"): ("wckey/1", None),
    ("GET", "/slurmdb/*/clusters"): ("clusters", None),
    ("POST", "/slurmdb/*/clusters"): (
        "clusters",
        {n: {"clusters": [{"name": "other"}]} for n in (38, 46)},
    ),
    ("GET", "/slurmdb/*/cluster/{cluster_name}"): ("cluster/testbed", None),
    ("DELETE", "/slurmdb/*/cluster/{cluster_name}"): ("cluster/testbed", None),
    ("GET", "/slurmdb/*/instances"): ("instances", None),
    ("GET", "/slurmdb/*/instance"): ("instance?cluster=testbed", None),
    ("GET", "/slurmdb/*/jobs"): ("jobs?account=research", None),
    ("POST", "/slurmdb/*/jobs"): (
        "jobs",
        {46: {"job_id_list": ["1"], "job_rec": {"comment": {"administrator": "ok"}}}},
    ),
    ("GET", "/slurmdb/*/job/{job_id}"): ("job/1", None),
    ("POST", "/slurmdb/*/job/{job_id}"): ("job/1", {46: {"comment": {"job": "mine"}}}),
    ("GET", "/slurmdb/*/diag"): ("diag", None),
    ("GET", "/slurmdb/*/ping"): ("ping", None),
    ("GET", "/slurmdb/*/config"): ("config", None),
    ("POST", "/slurmdb/*/config"): (
        "config",
        {
            # 22.05 reads the kinds in its order and refuses a body without each list.
            38: {
                "clusters": [],
                "accounts": [{"name": "x", "description": "d", "organization": "o"}],
                "users": [],
                "QOS": [],
                "wckeys": [],
                "associations": [],
            },
            46: {"accounts": [{"name": "x", "description": "d", "organization": "o"}]},
        },
    ),
    ("GET", "/slurmdb/*/conf"): ("conf", None),
}

# What 22.05 refuses whatever the body: (status, error numbers).
REFUSED_38 = {("POST", "/slurmdb/*/tres"): (500, [2036])}  # "Updating TRES is not ... supported"

# The real 22.05 bodies break their own schema here; we serve the types as served
# (GET_slurmdb_v0.0.38_qos.json, GET_slurmdb_v0.0.38_jobs.json): integers, not strings.
KNOWN_38_DEVIATIONS = {
    "QOS/0/id: 1 is not of type 'string', 'null'",
    "QOS/1/id: 2 is not of type 'string', 'null'",
    "jobs/0/allocation_nodes: 0 is not of type 'string', 'null'",
}

OPERATION_CASES = [
    (version, method, path, schema)
    for version in ("dbv0.0.38", "v0.0.46")
    for method, path, schema in spec_operations(version)
]


def test_every_slurmdb_operation_has_a_handler_and_a_case():
    assert len([c for c in OPERATION_CASES if c[0] == "dbv0.0.38"]) == 32
    assert len([c for c in OPERATION_CASES if c[0] == "v0.0.46"]) == 40
    for _, method, path, _ in OPERATION_CASES:
        key = operation_key(method, path)
        assert key in SLURMDB_OPERATIONS, key
        assert key in VALID, key


@pytest.mark.parametrize(
    ("version", "method", "path", "schema"),
    OPERATION_CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2].split('/', 3)[3]}" for c in OPERATION_CASES],
)
def test_every_operation_answers_a_valid_request(app, store, jobs, version, method, path, schema):
    jobs.records = [AccountingJob(1, user="alice", account="research", state="COMPLETED", end=5)]
    store.add_wckeys(ROOT, [WCKey("p1", "alice")])
    api = 38 if version.startswith("db") else 46
    key = operation_key(method, path)
    where, bodies = VALID[key]
    prefix = path.split("/")[2]  # dbv0.0.38 is served under /slurmdb/v0.0.38/
    if api == 38 and key in REFUSED_38:
        status, doc = call(app, method, f"/slurmdb/{prefix}/{where}", {})
        assert (status, [e["error_number"] for e in doc["errors"]]) == REFUSED_38[key]
        return
    status, doc = call(app, method, f"/slurmdb/{prefix}/{where}", bodies[api] if bodies else None)
    assert status == 200, doc
    assert doc["errors"] == [], doc["errors"]
    problems = schema_errors(version, schema, doc, allow_null=api == 38)
    assert [p for p in problems if p not in KNOWN_38_DEVIATIONS] == []


def test_writes_are_visible_afterwards(app, store):
    body = {"association_condition": {"users": ["carol"], "accounts": ["ops"]}}
    body["user"] = {"adminlevel": ["Operator"], "defaultaccount": "ops"}
    status, doc = call(app, "POST", "/slurmdb/v0.0.46/users_association", body)
    assert (status, doc["added_users"]) == (200, "carol")
    status, doc = call(app, "GET", "/slurmdb/v0.0.46/user/carol?with_assocs")
    (carol,) = doc["users"]
    assert carol["administrator_level"] == ["Operator"]
    assert carol["default"]["account"] == "ops"
    assert [a["account"] for a in carol["associations"]] == ["ops"]


def test_v0_0_46_details_only_on_request(app, store):
    _, plain = call(app, "GET", "/slurmdb/v0.0.46/accounts")
    _, full = call(app, "GET", "/slurmdb/v0.0.46/accounts?WithAssociations&WithCoordinators")
    assert all(a["associations"] == [] for a in plain["accounts"])
    assert any(a["associations"] for a in full["accounts"])
    _, users = call(app, "GET", "/slurmdb/v0.0.46/users?with_assocs=false")
    assert all(u["associations"] == [] for u in users["users"])
    _, users = call(app, "GET", "/slurmdb/v0.0.46/users?with_assocs=true&default_account=ops")
    assert [u["name"] for u in users["users"]] == ["bob"]


def test_v0_0_46_reports_nothing_found_as_a_warning(app, store):
    status, doc = call(app, "GET", "/slurmdb/v0.0.46/account/nosuch")
    assert (status, doc["accounts"], doc["errors"]) == (200, [], [])
    assert doc["warnings"][0]["source"] == "slurmdb_accounts_get"


def test_v0_0_46_refusals_are_403(app, store):
    status, doc = call(app, "GET", "/slurmdb/v0.0.46/diag", user="alice")
    assert status == 403 and doc["errors"][0]["error_number"] == 2002
    status, doc = call(app, "POST", "/slurmdb/v0.0.46/qos", {"qos": [{"name": "x"}]}, user="alice")
    assert status == 403 and doc["errors"][0]["source"] == "slurmdb_qos_add"


BAD_BODIES = [
    (
        "accounts",
        {"accounts": [{"name": "x", "description": "d", "organization": "o", "bogus": 1}]},
        "accounts[0].bogus",
    ),
    ("users", {"users": [{"name": 5}]}, "users[0].name"),
    (
        "users",
        {"users": [{"name": "x", "administrator_level": ["Boss"]}]},
        "users[0].administrator_level",
    ),
    ("qos", {"qos": [{"name": "x", "priority": {"set": "yes"}}]}, "qos[0].priority.set"),
    ("associations", {"associations": {"account": "x"}}, "associations"),
    ("accounts", {"nothing": []}, "nothing"),
    ("users", {}, "users"),
    ("jobs", {"job_id_list": ["1"], "job_rec": {"wckey": 3}}, "job_rec.wckey"),
    (
        "users_association",
        {"association_condition": {"users": "carol"}},
        "association_condition.users",
    ),
]


@pytest.mark.parametrize(("where", "body", "field"), BAD_BODIES)
def test_v0_0_46_bad_bodies_name_the_field(app, store, where, body, field):
    status, doc = call(app, "POST", f"/slurmdb/v0.0.46/{where}", body)
    assert status == 400, doc
    error = doc["errors"][0]
    assert 9200 <= error["error_number"] < 9300
    assert error["description"].startswith(field), error


@pytest.mark.parametrize(
    "path",
    [
        "/slurmdb/v0.0.38/accounts?bogus=1",
        "/slurmdb/v0.0.38/jobs?start_time=yesterday-ish",
        "/slurmdb/v0.0.46/users?with_assocs=maybe",
        "/slurmdb/v0.0.46/qos?id=abc",
    ],
)
def test_bad_queries_are_refused(app, store, path):
    status, doc = call(app, "GET", path)
    assert status in (400, 422), doc
    assert doc["errors"][0]["error_number"] == 9000


def test_job_records_can_be_modified(app, store, jobs):
    jobs.records = [AccountingJob(1, user="alice", account="research", state="COMPLETED", end=5)]
    body = {
        "comment": {"administrator": "checked"},
        "derived_exit_code": {"status": ["ERROR"], "return_code": 2},
    }
    status, doc = call(app, "POST", "/slurmdb/v0.0.46/job/1", body, user="alice")
    assert (status, doc["results"]) == (200, ["1"])
    _, doc = call(app, "GET", "/slurmdb/v0.0.46/job/1")
    (job,) = doc["jobs"]
    assert job["comment"]["administrator"] == "checked"
    assert job["derived_exit_code"]["return_code"]["number"] == 2
    status, doc = call(app, "POST", "/slurmdb/v0.0.46/job/1", body, user="bob")
    assert status == 403


def test_sacct_filters_over_http(app, store, jobs):
    jobs.records = [
        AccountingJob(1, name="a", user="alice", state="COMPLETED", submission=10, end=20),
        AccountingJob(2, name="b", user="bob", state="RUNNING", submission=30, start=40),
    ]

    def job_ids(path: str) -> list[int]:
        status, doc = call(app, "GET", path)
        assert status == 200, doc
        return [j["job_id"] for j in doc["jobs"]]

    assert job_ids("/slurmdb/v0.0.46/jobs?users=bob") == [2]
    assert job_ids("/slurmdb/v0.0.46/jobs?start_time=25") == [2]
    assert job_ids("/slurmdb/v0.0.46/jobs?state=running&start_time=0") == [2]
    assert job_ids("/slurmdb/v0.0.38/jobs?job_name=a&end_time=15") == [1]
    assert job_ids("/slurmdb/v0.0.38/jobs?step=2") == [2]


def test_missing_accounting(app, cluster, store):
    cluster.accounting = None
    status, doc = call(app, "GET", "/slurmdb/v0.0.46/accounts")
    assert status == 502 and doc["errors"][0]["error_number"] == 7000


def test_config_round_trip_between_versions(app, store):
    """A v0.0.46 config dump posted back is accepted (records read as written)."""
    status, dump = call(app, "GET", "/slurmdb/v0.0.46/config")
    assert status == 200
    body = {k: v for k, v in dump.items() if k not in ("errors", "warnings")}
    status, doc = call(app, "POST", "/slurmdb/v0.0.46/config", body)
    assert status == 200, doc
    status, dump38 = call(app, "GET", "/slurmdb/v0.0.38/config")
    body = {k: v for k, v in dump38.items() if k != "errors"}
    status, doc = call(app, "POST", "/slurmdb/v0.0.38/config", body)
    assert status == 200, doc


# 22.05 captures ------------------------------------------------------------------------


def capture(reference: Path, name: str) -> tuple[int, Any]:
    base = reference / "slurm-22.05"
    index = {e["file"]: e["status"] for e in json.loads((base / "index.json").read_text())}
    body = json.loads((base / "responses" / name).read_text())
    body.pop("meta")
    return index[f"responses/{name}"], body


CAPTURED = [
    (
        "GET_slurmdb_v0.0.38_account_{account_name}__err_not_found.json",
        "GET",
        "account/nosuch",
        "alice",
        None,
    ),
    (
        "GET_slurmdb_v0.0.38_user_{user_name}__err_not_found.json",
        "GET",
        "user/nosuch",
        "alice",
        None,
    ),
    ("GET_slurmdb_v0.0.38_diag__err_not_admin.json", "GET", "diag", "alice", None),
    ("GET_slurmdb_v0.0.38_wckeys__err_not_admin.json", "GET", "wckeys", "alice", None),
    ("GET_slurmdb_v0.0.38_wckeys__admin.json", "GET", "wckeys", "slurm", None),
    ("GET_slurmdb_v0.0.38_qos_{qos_name}__err_not_found.json", "GET", "qos/nosuch", "alice", None),
    ("GET_slurmdb_v0.0.38_qos_{qos_name}.json", "GET", "qos/high", "alice", None),
    ("GET_slurmdb_v0.0.38_qos.json", "GET", "qos", "alice", None),
    ("GET_slurmdb_v0.0.38_tres.json", "GET", "tres", "alice", None),
    ("GET_slurmdb_v0.0.38_accounts.json", "GET", "accounts", "alice", None),
    ("GET_slurmdb_v0.0.38_account_{account_name}.json", "GET", "account/research", "alice", None),
    ("GET_slurmdb_v0.0.38_users.json", "GET", "users", "alice", None),
    ("GET_slurmdb_v0.0.38_user_{user_name}.json", "GET", "user/alice", "alice", None),
    ("GET_slurmdb_v0.0.38_associations.json", "GET", "associations", "alice", None),
    (
        "GET_slurmdb_v0.0.38_association__filter.json",
        "GET",
        "association?user=alice&account=research&cluster=testbed",
        "alice",
        None,
    ),
    (
        "POST_slurmdb_v0.0.38_accounts__err_not_admin.json",
        "POST",
        "accounts",
        "alice",
        "accounts_add.json",
    ),
]


@pytest.mark.parametrize(("name", "method", "where", "user", "request_file"), CAPTURED)
def test_answers_match_the_22_05_captures(
    app, store, shared_reference, name, method, where, user, request_file
):
    body = None
    if request_file:
        body = json.loads(
            (shared_reference / "slurm-22.05" / "requests" / request_file).read_text()
        )
    expected = capture(shared_reference, name)
    assert call(app, method, f"/slurmdb/v0.0.38/{where}", body, user) == expected


def test_account_and_user_life_cycle_matches_the_captures(app, store, shared_reference):
    requests = shared_reference / "slurm-22.05" / "requests"
    steps = [
        (
            "POST_slurmdb_v0.0.38_accounts__admin.json",
            "POST",
            "accounts",
            "slurm",
            "accounts_add.json",
        ),
        (
            "GET_slurmdb_v0.0.38_account_{account_name}__created.json",
            "GET",
            "account/restacct",
            "alice",
            None,
        ),
        (
            "DELETE_slurmdb_v0.0.38_account_{account_name}.json",
            "DELETE",
            "account/restacct",
            "slurm",
            None,
        ),
        ("POST_slurmdb_v0.0.38_users__admin.json", "POST", "users", "slurm", "users_add.json"),
        ("GET_slurmdb_v0.0.38_user_{user_name}__created.json", "GET", "user/carol", "alice", None),
        ("DELETE_slurmdb_v0.0.38_user_{user_name}.json", "DELETE", "user/carol", "slurm", None),
    ]
    for name, method, where, user, request_file in steps:
        body = json.loads((requests / request_file).read_text()) if request_file else None
        got = call(app, method, f"/slurmdb/v0.0.38/{where}", body, user)
        assert got == capture(shared_reference, name), name


def test_job_answers_match_the_captures(app, store, jobs, shared_reference):
    _, everything = capture(shared_reference, "GET_slurmdb_v0.0.38_jobs.json")
    jobs.records = [jobs_38.parse_job(j) for j in everything["jobs"]]
    cases = [
        ("GET_slurmdb_v0.0.38_jobs.json", "jobs"),
        ("GET_slurmdb_v0.0.38_job_{job_id}.json", "job/22"),
        ("GET_slurmdb_v0.0.38_job_{job_id}__err_not_found.json", "job/999999"),
        ("GET_slurmdb_v0.0.38_jobs__filter_account.json", "jobs?account=research&state=COMPLETED"),
        (
            "GET_slurmdb_v0.0.38_jobs__filter_start_time.json",
            "jobs?start_time=2020-01-01T00%3A00%3A00&job_name=done-ok",
        ),
        ("GET_slurmdb_v0.0.38_jobs__err_nothing_found.json", "jobs?state=COMPLETED%2CFAILED"),
    ]
    for name, where in cases:
        assert call(app, "GET", f"/slurmdb/v0.0.38/{where}", user="alice") == capture(
            shared_reference, name
        ), name


def test_config_answers_match_the_captures(app, store, shared_reference):
    status, doc = call(app, "GET", "/slurmdb/v0.0.38/config", user="alice")
    expected_status, expected = capture(
        shared_reference, "GET_slurmdb_v0.0.38_config__not_admin.json"
    )
    assert (status, doc["errors"]) == (expected_status, expected["errors"])
    assert list(doc) == list(expected)
    status, doc = call(app, "GET", "/slurmdb/v0.0.38/config", user="root")
    expected_status, expected = capture(shared_reference, "GET_slurmdb_v0.0.38_config.json")
    assert (status, doc["errors"]) == (expected_status, expected["errors"])
    for key in ("TRES", "accounts", "users", "QOS", "wckeys", "associations"):
        assert doc[key] == expected[key], key


def test_diag_matches_the_capture_shape(app, store, shared_reference):
    status, doc = call(app, "GET", "/slurmdb/v0.0.38/diag")
    _, expected = capture(shared_reference, "GET_slurmdb_v0.0.38_diag.json")
    assert status == 200
    assert list(doc["statistics"]) == list(expected["statistics"])
    assert list(doc["statistics"]["RPCs"][0]) == list(expected["statistics"]["RPCs"][0])


def test_legacy_bodies_take_22_05_spellings(app, store):
    """22.05 reads QOS under its upper-case key, adds no TRES, and wants a cluster list."""
    status, _ = call(app, "POST", "/slurmdb/v0.0.38/qos", {"QOS": [{"name": "low"}]})
    assert status == 200 and store.qos(ROOT, "low") is not None
    status, doc = call(
        app, "POST", "/slurmdb/v0.0.38/tres", {"TRES": [{"type": "gres", "name": "gpu"}]}
    )
    assert (status, [e["error_number"] for e in doc["errors"]]) == (500, [2036])
    assert not any(t.name == "gpu" for t in store.tres_list(ROOT))
    status, doc = call(app, "POST", "/slurmdb/v0.0.38/clusters", {"clusters": {"name": "other"}})
    assert status == 200
    assert doc["errors"] == [
        {
            "description": "Query parameter must be a list",
            "error_number": 9200,
            "error": "Unable to resolve path",
            "source": "clusters",
        }
    ]
    assert not store.clusters(ROOT, ClusterFilter(names=("other",)))


def test_removing_nothing(app, store):
    status, doc = call(app, "DELETE", "/slurmdb/v0.0.38/qos/nosuch")
    assert status == 500 and doc["errors"][0]["error_number"] == 9003
    assert doc["removed_qos"] == []
    status, doc = call(app, "DELETE", "/slurmdb/v0.0.46/qos/nosuch")
    assert (status, doc["removed_qos"]) == (200, [])
    assert doc["warnings"][0]["source"] == "slurmdb_qos_remove"


def test_account_associations_in_a_body_are_ignored_with_a_warning(app, store):
    account = {"name": "lab", "description": "d", "organization": "o"}
    account["associations"] = [{"account": "lab", "user": "alice"}]
    status, doc = call(app, "POST", "/slurmdb/v0.0.46/accounts", {"accounts": [account]})
    assert status == 200 and doc["warnings"], doc
    assert store.account(ROOT, "lab").associations == ()


def test_v0_0_46_user_without_admin_level_keeps_it(app, store):
    body = {"users": [{"name": "carol", "administrator_level": ["Operator"]}]}
    assert call(app, "POST", "/slurmdb/v0.0.46/users", body)[0] == 200
    assert call(app, "POST", "/slurmdb/v0.0.46/users", {"users": [{"name": "carol"}]})[0] == 200
    assert store.user(ROOT, "carol").administrator_level.value == "Operator"


def test_wckeys_by_name_in_22_05_and_by_id_in_v0_0_46(app, store):
    store.add_wckeys(ROOT, [WCKey("p1", "alice"), WCKey("p2", "alice")])
    _, doc = call(app, "GET", "/slurmdb/v0.0.38/wckey/p2")
    assert [w["name"] for w in doc["wckeys"]] == ["p2"]
    _, doc = call(app, "GET", "/slurmdb/v0.0.46/wckey/2")
    assert [w["name"] for w in doc["wckeys"]] == ["p2"]
    _, doc = call(app, "DELETE", "/slurmdb/v0.0.46/wckey/1")
    assert doc["deleted_wckeys"] == ["C = testbed W = p1 U = alice"]


def test_a_deleted_wckey_a_job_was_charged_to_stays_listed_in_22_05(app, store, jobs):
    # As slurmdbd: charged wckeys are only marked deleted; 22.05 lists them, by name too.
    store.add_wckeys(ROOT, [WCKey("used", "alice"), WCKey("idle", "alice")])
    jobs.records = [AccountingJob(1, user="alice", account="research", wckey="used", end=5)]
    for name in ("used", "idle"):
        assert call(app, "DELETE", f"/slurmdb/v0.0.38/wckey/{name}")[0] == 200
    _, doc = call(app, "GET", "/slurmdb/v0.0.38/wckey/used")
    # alice's first wckey became her default, and a deleted default keeps its mark.
    assert [(w["name"], w["flags"]) for w in doc["wckeys"]] == [("used", ["DELETED", "DEFAULT"])]
    status, doc = call(app, "GET", "/slurmdb/v0.0.38/wckey/idle")
    assert (status, doc["wckeys"]) == (500, [])  # never charged: gone for good
    _, doc = call(app, "GET", "/slurmdb/v0.0.46/wckeys")
    assert doc["wckeys"] == []  # newer versions only with with_deleted
