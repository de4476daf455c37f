"""SqliteAccounting: seeding, CRUD round trips, filters, permissions, persistence."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.dbv0_0_38 import associations as assocs_38
from slurmrestd.api.versions.dbv0_0_38 import jobs as jobs_38
from slurmrestd.api.versions.dbv0_0_38 import qos as qos_38
from slurmrestd.api.versions.dbv0_0_38 import tres as tres_38
from slurmrestd.api.versions.dbv0_0_38 import users as users_38
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import (
    AccountFilter,
    AccountingStore,
    AssocConditions,
    AssocFilter,
    ClusterFilter,
    InstanceFilter,
    JobChanges,
    JobFilter,
    QosFilter,
    UserFilter,
    WCKeyFilter,
)
from slurmrestd.cluster.embedded.accounting import SqliteAccounting
from slurmrestd.cluster.embedded.accounting.associations import INVALID_CLUSTER_NAME
from slurmrestd.cluster.embedded.accounting.database import SCHEMA_VERSION
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import (
    QOS,
    Account,
    AdminLevel,
    Association,
    Cluster,
    Coordinator,
    Tres,
    User,
    WCKey,
)
from slurmrestd.model.accounting_job import AccountingJob

ROOT = Identity("root", 0, 0, "test")
SLURM = Identity("slurm", 64030, 64030, "test")  # an operator by name (SlurmUser)
ALICE = Identity("alice", 1001, 1001, "test")
BOB = Identity("bob", 1002, 1002, "test")
NOW = 2_000_000_000


class Jobs:
    """The workload manager's side: the records the store is fed."""

    def __init__(self) -> None:
        self.records: list[AccountingJob] = []

    def __call__(self) -> list[AccountingJob]:
        return list(self.records)


@pytest.fixture
def jobs() -> Jobs:
    return Jobs()


def open_store(path: Path, jobs: Jobs, **kw) -> SqliteAccounting:
    return SqliteAccounting(
        path, "testbed", frozenset({"root", "slurm"}), jobs, clock=lambda: NOW, **kw
    )


@pytest.fixture
def store(tmp_path: Path, jobs: Jobs):
    s = open_store(tmp_path / "acct.db", jobs)
    yield s
    s.close()


def testbed(store: SqliteAccounting) -> None:
    """The 22.05 testbed's accounts: research and ops, alice in both, bob in ops."""
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


def test_is_an_accounting_store(store):
    assert isinstance(store, AccountingStore)


# Seeding -------------------------------------------------------------------------------


def test_seed_is_a_fresh_slurmdbd_with_one_cluster(store):
    assert [c.name for c in store.clusters(ROOT, ClusterFilter())] == ["testbed"]
    (root,) = store.accounts(ALICE, AccountFilter())
    assert (root.name, root.description, root.organization) == (
        "root",
        "default root account",
        "root",
    )
    (user,) = store.users(ALICE, UserFilter())
    assert user.administrator_level is AdminLevel.ADMINISTRATOR
    assert user.default_account == "root"
    assert [(q.id, q.name) for q in store.qos_list(ALICE, QosFilter())] == [(1, "normal")]
    assert [
        (a.account, a.user, a.is_default, a.qos) for a in store.associations(ALICE, AssocFilter())
    ] == [
        ("root", None, False, ("normal",)),
        ("root", "root", True, ("normal",)),
    ]


def _capture(reference: Path, name: str) -> dict:
    return json.loads((reference / "slurm-22.05" / "responses" / name).read_text())


def test_seed_renders_like_the_real_slurmdbd(store, shared_reference):
    """Records a fresh slurmdbd holds render exactly as the 22.05 captures show them."""
    tres = _capture(shared_reference, "GET_slurmdb_v0.0.38_tres.json")["TRES"]
    assert [tres_38.render_tres(t) for t in store.tres_list(ALICE)] == tres
    normal = _capture(shared_reference, "GET_slurmdb_v0.0.38_qos.json")["QOS"][0]
    assert qos_38.render_qos(store.qos(ALICE, "normal")) == normal
    captured = _capture(shared_reference, "GET_slurmdb_v0.0.38_associations.json")
    roots = [a for a in captured["associations"] if a["account"] == "root"]
    mine = [assocs_38.render_association(a) for a in store.associations(ALICE, AssocFilter())]
    assert mine == roots
    users = _capture(shared_reference, "GET_slurmdb_v0.0.38_users.json")["users"]
    root_user = next(u for u in users if u["name"] == "root")
    assert users_38.render_user(store.user(ALICE, "root")) == root_user


def test_testbed_associations_come_in_slurmdbd_order(store, shared_reference):
    testbed(store)
    captured = _capture(shared_reference, "GET_slurmdb_v0.0.38_associations.json")
    mine = [assocs_38.render_association(a) for a in store.associations(ALICE, AssocFilter())]
    assert mine == captured["associations"]


# Persistence ---------------------------------------------------------------------------


def test_state_survives_a_reopen_and_is_not_seeded_again(tmp_path, jobs):
    path = tmp_path / "acct.db"
    first = open_store(path, jobs)
    first.add_accounts(ROOT, [Account("physics")])
    first.delete_qos(ROOT, "normal")
    first.close()
    again = open_store(path, jobs)
    assert again.account(ALICE, "physics") is not None
    assert again.qos(ALICE, "normal") is None  # not re-seeded
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again.close()


def test_a_newer_schema_is_refused(tmp_path, jobs):
    path = tmp_path / "acct.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SlurmError) as err:
        open_store(path, jobs)
    assert err.value.errno == Errno.DB_CONNECTION


def test_a_renamed_cluster_is_registered(tmp_path, jobs):
    path = tmp_path / "acct.db"
    open_store(path, jobs).close()
    renamed = SqliteAccounting(path, "other", frozenset({"root"}), jobs)
    assert [c.name for c in renamed.clusters(ROOT, ClusterFilter())] == ["other", "testbed"]
    assert renamed.associations(ROOT, AssocFilter(clusters=("other",), users=("root",)))
    renamed.close()


# Permissions ---------------------------------------------------------------------------

WRITES = [
    ("add_accounts", ([Account("x")],), "slurmdb_accounts_add"),
    ("add_users", ([User("x")],), "slurmdb_users_add"),
    ("add_associations", ([Association(account="root", user="root")],), "slurmdb_associations_add"),
    ("add_qos", ([QOS("x")],), "slurmdb_qos_add"),
    ("add_tres", ([Tres("gres", "gpu")],), "slurmdb_tres_add"),
    ("add_wckeys", ([WCKey("x", "root")],), "slurmdb_wckeys_add"),
    ("add_clusters", ([Cluster("x")],), "slurmdb_clusters_add"),
    ("delete_account", ("root",), "slurmdb_accounts_remove"),
    ("delete_user", ("root",), "slurmdb_users_remove"),
    ("delete_qos", ("normal",), "slurmdb_qos_remove"),
    ("delete_cluster", ("testbed",), "slurmdb_clusters_remove"),
    ("wckeys", (WCKeyFilter(),), "slurmdb_wckeys_get"),
    ("diag", (), "slurmdb_get_stats"),
    ("dbd_config", (), "slurmdb_config_get"),
]


@pytest.mark.parametrize(("method", "args", "source"), WRITES, ids=[w[0] for w in WRITES])
def test_plain_users_are_refused(store, method, args, source):
    with pytest.raises(SlurmError) as err:
        getattr(store, method)(ALICE, *args)
    assert (err.value.errno, err.value.source) == (Errno.ACCESS_DENIED, source)


def test_operators_by_name_by_uid_and_by_admin_level(store):
    store.add_accounts(SLURM, [Account("a1")])  # in the operator set
    store.add_accounts(Identity("toor", 0, 0, "test"), [Account("a2")])  # uid 0
    store.add_users(ROOT, [User("carol", administrator_level=AdminLevel.OPERATOR)])
    carol = Identity("carol", 1003, 1003, "test")
    store.add_accounts(carol, [Account("a3")])
    assert {"a1", "a2", "a3"} <= {a.name for a in store.accounts(ALICE, AccountFilter())}
    assert store.diag(carol).rpcs


def test_an_operator_cannot_make_an_administrator(store):
    store.add_users(ROOT, [User("carol", administrator_level=AdminLevel.OPERATOR)])
    carol = Identity("carol", 1003, 1003, "test")
    with pytest.raises(SlurmError) as err:
        store.add_users(carol, [User("dave", administrator_level=AdminLevel.ADMINISTRATOR)])
    assert err.value.errno == Errno.ACCESS_DENIED
    store.add_users(carol, [User("dave", administrator_level=AdminLevel.OPERATOR)])
    assert store.user(ALICE, "dave").administrator_level is AdminLevel.OPERATOR


def test_config_tells_a_plain_user_which_part_was_refused(store):
    dump = store.config(ALICE)
    assert [p.source for p in dump.problems] == ["slurmdb_wckeys_get"]
    assert dump.wckeys == () and dump.accounts and dump.associations and dump.tres
    assert store.config(ROOT).problems == ()


# Accounts and users --------------------------------------------------------------------


def test_account_add_modify_and_coordinators(store):
    store.add_users(ROOT, [User("alice")])
    store.add_accounts(ROOT, [Account("lab")])
    lab = store.account(ALICE, "lab")
    assert (lab.description, lab.organization, lab.associations) == ("lab", "lab", ())
    store.add_accounts(
        ROOT, [Account("lab", organization="uni", coordinators=(Coordinator("alice"),))]
    )
    lab = store.account(ALICE, "lab")
    assert (lab.description, lab.organization) == ("lab", "uni")
    assert lab.coordinators == (Coordinator("alice", True),)
    assert store.user(ALICE, "alice").coordinators == (Coordinator("lab", True),)
    with pytest.raises(SlurmError) as err:
        store.add_accounts(ROOT, [Account("lab", coordinators=(Coordinator("nobody"),))])
    assert err.value.errno == Errno.USER_ID_MISSING


def test_account_filter(store):
    testbed(store)
    found = store.accounts(ALICE, AccountFilter(organizations=("it", "science")))
    assert [a.name for a in found] == ["ops", "research"]
    assert store.accounts(ALICE, AccountFilter(descriptions=("operations",)))[0].name == "ops"


def test_delete_account_removes_its_associations_and_keeps_a_trace(store):
    testbed(store)
    with pytest.raises(SlurmError) as err:  # research is alice's default, she keeps ops
        store.delete_account(ROOT, "research")
    assert err.value.errno == Errno.NO_REMOVE_DEFAULT_ACCOUNT
    store.add_users(ROOT, [User("alice", default_account="ops")])
    assert store.delete_account(ROOT, "research") == ["research"]
    assert store.account(ALICE, "research") is None
    assert not store.associations(ALICE, AssocFilter(accounts=("research",)))
    deleted = store.accounts(ALICE, AccountFilter(names=("research",), with_deleted=True))
    assert deleted[0].flags == ("DELETED",)
    assert store.user(ALICE, "alice").default_account == "ops"
    assert store.delete_account(ROOT, "research") == []


def test_a_users_default_account_cannot_go_while_others_stay(store):
    testbed(store)
    with pytest.raises(SlurmError) as err:
        store.delete_associations(ROOT, AssocFilter(accounts=("research",), users=("alice",)))
    assert err.value.errno == Errno.NO_REMOVE_DEFAULT_ACCOUNT
    removed = store.delete_associations(ROOT, AssocFilter(accounts=("ops",), users=("alice",)))
    assert removed == ["C = testbed A = ops U = alice"]


def test_user_default_account_follows_its_associations(store):
    testbed(store)
    assert store.user(ALICE, "alice").default_account == "research"  # the first one
    store.add_users(
        ROOT, [User("alice", default_account="ops", administrator_level=AdminLevel.NOT_SET)]
    )
    alice = store.user(ALICE, "alice")
    assert alice.default_account == "ops"
    assert [a.account for a in alice.associations] == ["ops", "research"]
    store.add_users(ROOT, [User("carol", default_account="research")])
    assert store.user(ALICE, "carol").default_account is None  # no association: 22.05 too


def test_user_admin_level_not_set_keeps_it(store):
    store.add_users(ROOT, [User("carol", administrator_level=AdminLevel.OPERATOR)])
    store.add_users(ROOT, [User("carol", administrator_level=AdminLevel.NOT_SET)])
    assert store.user(ALICE, "carol").administrator_level is AdminLevel.OPERATOR
    store.add_users(ROOT, [User("carol")])
    assert store.user(ALICE, "carol").administrator_level is AdminLevel.NONE


def test_user_filter_and_delete(store):
    testbed(store)
    found = store.users(ALICE, UserFilter(default_accounts=("ops",)))
    assert [u.name for u in found] == ["bob"]
    levels = UserFilter(admin_levels=(AdminLevel.ADMINISTRATOR,))
    assert [u.name for u in store.users(ALICE, levels)] == ["root"]
    assert store.delete_user(ROOT, "bob") == ["bob"]
    assert store.user(ALICE, "bob") is None
    assert not store.associations(ALICE, AssocFilter(users=("bob",)))
    assert store.users(ALICE, UserFilter(names=("bob",), with_deleted=True))[0].flags == (
        "DELETED",
    )
    assert store.delete_user(ROOT, "bob") == []


def test_users_and_accounts_with_conditional_associations(store):
    store.add_accounts_with_assocs(
        ROOT,
        [Account("lab", "a lab", "uni")],
        AssocConditions(template=Association(max_jobs=4, parent_account="root")),
    )
    added = store.add_users_with_assocs(
        ROOT,
        [User("alice", default_account="lab")],
        AssocConditions(accounts=("lab",), partitions=("debug",)),
        ["proj1"],
    )
    assert added == ["alice"]
    (assoc,) = store.associations(ALICE, AssocFilter(users=("alice",)))
    assert (assoc.account, assoc.partition, assoc.is_default) == ("lab", "debug", True)
    assert store.associations(ALICE, AssocFilter(accounts=("lab",), users=()))[0].max_jobs == 4
    assert [w.name for w in store.wckeys(ROOT, WCKeyFilter(users=("alice",)))] == ["proj1"]


# Associations --------------------------------------------------------------------------


def test_association_checks_what_it_names(store):
    testbed(store)
    cases = [
        (Association(account="nosuch"), Errno.INVALID_ACCOUNT),
        (Association(account="ops", user="nosuch"), Errno.USER_ID_MISSING),
        (Association(account="ops", parent_account="nosuch"), Errno.INVALID_PARENT_ACCOUNT),
        (Association(account="ops", user="alice", qos=("nosuch",)), Errno.INVALID_QOS),
        (Association(account="ops", cluster="nosuch"), INVALID_CLUSTER_NAME),
    ]
    for assoc, errno in cases:
        with pytest.raises(SlurmError) as err:
            store.add_associations(ROOT, [assoc])
        assert err.value.errno == errno, assoc


def test_association_limits_merge_and_the_tree_moves(store):
    testbed(store)
    store.add_accounts(ROOT, [Account("team")])
    store.add_associations(ROOT, [Association(account="team", parent_account="ops", max_jobs=3)])
    store.add_associations(ROOT, [Association(account="team", grp_wall=INFINITE)])
    (team,) = store.associations(ALICE, AssocFilter(accounts=("team",)))
    assert (team.max_jobs, team.grp_wall, team.parent_account) == (3, INFINITE, "ops")
    assert team.lineage == "/ops/team/"
    store.add_associations(ROOT, [Association(account="team", parent_account="research")])
    assert (
        store.associations(ALICE, AssocFilter(accounts=("team",)))[0].lineage == "/research/team/"
    )
    with pytest.raises(SlurmError) as err:
        store.add_associations(ROOT, [Association(account="research", parent_account="team")])
    assert err.value.errno == Errno.INVALID_PARENT_ACCOUNT


def test_association_filters(store):
    testbed(store)
    pick = lambda **kw: [(a.account, a.user) for a in store.associations(ALICE, AssocFilter(**kw))]  # noqa: E731
    assert pick(users=("alice",)) == [("ops", "alice"), ("research", "alice")]
    assert pick(only_defaults=True) == [("ops", "bob"), ("research", "alice"), ("root", "root")]
    assert pick(parent_accounts=("root",)) == [("ops", None), ("research", None)]
    assert pick(qos=("high",)) == []
    assert pick(clusters=("nosuch",)) == []


def test_removing_an_account_association_takes_its_subtree(store):
    testbed(store)
    store.add_users(ROOT, [User("alice", default_account="ops")])
    removed = store.delete_associations(ROOT, AssocFilter(accounts=("research",)))
    assert removed == ["C = testbed A = research", "C = testbed A = research U = alice"]
    with pytest.raises(SlurmError) as err:
        store.delete_associations(ROOT, AssocFilter())
    assert err.value.errno == Errno.REST_INVALID_QUERY


def test_jobs_still_running_pin_their_association(store, jobs):
    testbed(store)
    jobs.records.append(AccountingJob(7, user="bob", account="ops", state="RUNNING"))
    with pytest.raises(SlurmError) as err:
        store.delete_user(ROOT, "bob")
    assert err.value.errno == Errno.JOBS_RUNNING_ON_ASSOC
    jobs.records[0] = replace(jobs.records[0], state="COMPLETED")
    assert store.delete_user(ROOT, "bob") == ["bob"]


# QOS, TRES, wckeys, clusters, instances ------------------------------------------------


def test_qos_add_modify_delete(store):
    testbed(store)
    high = store.qos(ALICE, "high")
    assert (high.id, high.priority, high.grace_time, high.usage_factor) == (2, 100, 0, 1.0)
    store.add_qos(ROOT, [QOS("high", max_jobs_per_user=5, preempt_list=("normal",))])
    high = store.qos(ALICE, "high")
    assert (high.priority, high.max_jobs_per_user, high.preempt_list) == (100, 5, ("normal",))
    store.add_associations(ROOT, [Association(account="ops", user="bob", qos=("normal", "high"))])
    assert store.delete_qos(ROOT, "high") == ["high"]
    assert store.associations(ALICE, AssocFilter(users=("bob",)))[0].qos == ("normal",)
    assert store.qos_list(ALICE, QosFilter(with_deleted=True))[-1].flags == ("DELETED",)
    assert store.delete_qos(ROOT, "high") == []
    with pytest.raises(SlurmError) as err:
        store.add_qos(ROOT, [QOS("x", preempt_list=("nosuch",))])
    assert err.value.errno == Errno.INVALID_QOS


def test_qos_filter(store):
    testbed(store)
    assert [q.name for q in store.qos_list(ALICE, QosFilter(ids=(2,)))] == ["high"]
    assert [
        q.name for q in store.qos_list(ALICE, QosFilter(descriptions=("Normal QOS default",)))
    ] == ["normal"]


def test_tres_added_after_the_dynamic_offset(store):
    store.add_tres(ROOT, [Tres("gres", "gpu"), Tres("license", "matlab"), Tres("cpu")])
    added = [(t.id, t.type, t.name) for t in store.tres_list(ALICE) if t.id > 1000]
    assert added == [(1001, "gres", "gpu"), (1002, "license", "matlab")]


def test_wckeys_default_and_removal(store):
    testbed(store)
    store.add_wckeys(ROOT, [WCKey("p1", "alice"), WCKey("p2", "alice")])
    keys = store.wckeys(ROOT, WCKeyFilter(users=("alice",)))
    assert [(k.name, k.cluster) for k in keys] == [("p1", "testbed"), ("p2", "testbed")]
    assert store.user(ALICE, "alice").default_wckey == "p1"
    assert [k.name for k in store.wckeys(ROOT, WCKeyFilter(only_defaults=True))] == ["p1"]
    removed = store.delete_wckeys(ROOT, WCKeyFilter(names=("p1",)))
    assert removed == ["C = testbed W = p1 U = alice"]
    assert [k.name for k in store.wckeys(SLURM, WCKeyFilter())] == ["p2"]
    with pytest.raises(SlurmError):
        store.add_wckeys(ROOT, [WCKey("p3", "nobody")])


def test_clusters_bring_their_root_associations(store):
    store.add_clusters(ROOT, [Cluster("other", controller_host="ctl", controller_port=6817)])
    other = store.clusters(ALICE, ClusterFilter(names=("other",)))[0]
    assert (other.controller_host, other.controller_port) == ("ctl", 6817)
    roots = store.associations(ALICE, AssocFilter(clusters=("other",)))
    assert [(a.account, a.user) for a in roots] == [("root", None), ("root", "root")]
    assert store.delete_cluster(ROOT, "other") == ["other"]
    assert not store.associations(ALICE, AssocFilter(clusters=("other",)))
    assert store.clusters(ALICE, ClusterFilter(names=("other",), with_deleted=True))[0].flags == (
        "DELETED",
    )


def test_instances_start_empty(store):
    assert store.instances(ALICE, InstanceFilter()) == []


# Config dump and load ------------------------------------------------------------------


def test_config_dump_loads_into_an_empty_store(store, tmp_path, jobs):
    testbed(store)
    store.add_wckeys(ROOT, [WCKey("p1", "alice")])
    store.add_users(
        ROOT, [User("alice", default_account="ops", administrator_level=AdminLevel.NOT_SET)]
    )
    dump = store.config(ROOT)
    other = open_store(tmp_path / "other.db", jobs)
    shuffled = replace(dump, associations=tuple(reversed(dump.associations)))
    other.load_config(ROOT, shuffled)
    again = other.config(ROOT)
    assert [a.short for a in again.associations] == [a.short for a in dump.associations]
    assert [(u.name, u.default_account) for u in again.users] == [
        (u.name, u.default_account) for u in dump.users
    ]
    assert [q.name for q in again.qos] == ["normal", "high"]
    assert [w.name for w in again.wckeys] == ["p1"]
    with pytest.raises(SlurmError):
        other.load_config(ALICE, dump)
    other.close()


def test_diag_counts_rpcs_per_call_and_user(store):
    store.accounts(ALICE, AccountFilter())
    store.accounts(BOB, AccountFilter())
    stats = store.diag(ROOT)
    rpcs = {r.name: r.count for r in stats.rpcs}
    users = {u.name: u.count for u in stats.users}
    assert rpcs["DBD_GET_ACCOUNTS"] == 2 and users["alice"] == 1 and users["bob"] == 1
    assert stats.time_start > 0


def test_ping_and_dbd_config(store, tmp_path):
    ping = store.ping(ALICE)
    assert ping.responding and ping.latency_us >= 0
    assert store.dbd_config(ROOT).storage_loc == str(tmp_path / "acct.db")


# Jobs ----------------------------------------------------------------------------------


def job(job_id: int, **kw) -> AccountingJob:
    fields = dict(user="alice", account="research", cluster="testbed", state="COMPLETED")
    fields.update(submission=1000, start=1010, end=1100)
    fields.update(kw)
    return AccountingJob(job_id, **fields)


@pytest.fixture
def history(jobs: Jobs) -> Jobs:
    jobs.records = [
        job(1, name="done-ok", nodes="node[1-2]", required_cpus=4, allocation_nodes=2),
        job(2, name="done-fail", state="FAILED", exit_code=3 << 8, end=2000),
        job(3, name="running", state="RUNNING", end=None, submission=1400, start=1500),
        job(4, user="bob", account="ops", state="PENDING", start=None, end=None, eligible=1200),
        job(10, array_job_id=10, array_task_id=1),
        job(11, array_job_id=10, array_task_id=2),
        job(20, het_job_id=20, het_job_offset=0),
        job(21, het_job_id=20, het_job_offset=1, partition="batch"),
    ]
    return jobs


def ids(records) -> list[int]:
    return [j.job_id for j in records]


SACCT = [
    (JobFilter(), [1, 2, 3, 4, 10, 11, 20, 21]),
    (JobFilter(users=("bob",)), [4]),
    (JobFilter(accounts=("ops",)), [4]),
    (JobFilter(job_names=("done-ok", "running")), [1, 3]),
    (JobFilter(partitions=("batch",)), [21]),
    (JobFilter(job_ids=("10",)), [10, 11]),
    (JobFilter(job_ids=("10_2",)), [11]),
    (JobFilter(job_ids=("20+1",)), [21]),
    (JobFilter(job_ids=("2.batch", "3")), [2, 3]),
    (JobFilter(nodes=("node2",)), [1]),
    (JobFilter(cpus_min=4), [1]),
    (JobFilter(nodes_max=1), [2, 3, 4, 10, 11, 20, 21]),
    (JobFilter(exit_code=3), [2]),
    # The window: jobs alive at some moment of it.
    (JobFilter(start_time=1150), [2, 3, 4]),
    (JobFilter(end_time=1005), [1, 2, 4, 10, 11, 20, 21]),
    # States: in that state during the window, "now" when no window is given.
    (JobFilter(states=("COMPLETED",)), []),
    (JobFilter(states=("COMPLETED",), start_time=0), [1, 10, 11, 20, 21]),
    (JobFilter(states=("RUNNING", "PENDING")), [3, 4]),
    (JobFilter(states=("FAILED",), start_time=1500, end_time=2500), [2]),
    (JobFilter(states=("PENDING",), start_time=0, end_time=1300), [4]),
    (JobFilter(states=("PENDING",), start_time=0, end_time=1100), []),  # not yet eligible
]


@pytest.mark.parametrize(("query", "expected"), SACCT, ids=[str(i) for i in range(len(SACCT))])
def test_sacct_filters(store, history, query, expected):
    assert ids(store.jobs(ALICE, query)) == expected


def test_skip_steps_and_job_lookup(store, jobs):
    from slurmrestd.model.accounting_job import AccountingStep

    jobs.records = [job(1, steps=(AccountingStep(1, "batch"),))]
    assert store.jobs(ALICE, JobFilter())[0].steps
    assert store.jobs(ALICE, JobFilter(skip_steps=True))[0].steps == ()
    assert ids(store.job(ALICE, "1")) == [1]
    assert store.job(ALICE, "999") == []
    with pytest.raises(SlurmError) as err:
        store.job(ALICE, "abc")
    assert err.value.errno == Errno.INVALID_JOB_ID


def test_jobs_are_open_unless_private(tmp_path, history):
    open_one = open_store(tmp_path / "a.db", history)
    assert 4 in ids(open_one.jobs(ALICE, JobFilter()))
    private = open_store(tmp_path / "b.db", history, private_jobs=True)
    assert ids(private.jobs(BOB, JobFilter())) == [4]
    assert 4 in ids(private.jobs(SLURM, JobFilter()))


def test_modify_jobs_by_owner_or_operator_persists(tmp_path, history):
    store = open_store(tmp_path / "a.db", history)
    changed = store.modify_jobs(ALICE, ["1"], JobChanges(comment_admin="checked"))
    assert changed == ["1"]
    store.modify_jobs(ROOT, ["1"], JobChanges(wckey="p9"))
    with pytest.raises(SlurmError) as err:
        store.modify_jobs(BOB, ["1"], JobChanges(extra="x"))
    assert err.value.errno == Errno.ACCESS_DENIED
    with pytest.raises(SlurmError) as err:
        store.modify_jobs(ROOT, ["999"], JobChanges(extra="x"))
    assert err.value.errno == Errno.INVALID_JOB_ID
    store.close()
    again = open_store(tmp_path / "a.db", history)
    (one,) = again.job(ALICE, "1")
    assert (one.comment_admin, one.wckey) == ("checked", "p9")
    again.close()


def test_capture_job_records_filter_like_slurmdbd(store, jobs, shared_reference):
    """The 22.05 job records, fed back, give what the real slurmdbd answered."""
    body = _capture(shared_reference, "GET_slurmdb_v0.0.38_jobs.json")
    jobs.records = [jobs_38.parse_job(j) for j in body["jobs"]]
    every = [jobs_38.render_job(j) for j in store.jobs(ALICE, JobFilter())]
    assert every == body["jobs"]
    since = JobFilter(start_time=1577836800, job_names=("done-ok",))
    expected = _capture(shared_reference, "GET_slurmdb_v0.0.38_jobs__filter_start_time.json")
    assert [jobs_38.render_job(j) for j in store.jobs(ALICE, since)] == expected["jobs"]
    assert store.jobs(ALICE, JobFilter(accounts=("research",), states=("COMPLETED",))) == []
