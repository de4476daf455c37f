"""SlurmAccounting against the real Slurm 22.05 testbed (sacct / sacctmgr as the caller).

Records created here are named h15-<pid>-... and removed again, whatever happens.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import time
from collections.abc import Iterator

import pytest

from slurm.testbed import Testbed
from slurm.testbed.daemons import wait_for
from slurmrestd.api.versions.dbv0_0_38.jobs import render_job
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import (
    AccountFilter,
    AssocFilter,
    ClusterFilter,
    JobChanges,
    JobFilter,
    QosFilter,
    UserFilter,
    WCKeyFilter,
)
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.accounting import SlurmAccounting
from slurmrestd.cluster.slurm.commands import SlurmCommands
from slurmrestd.model.accounting import QOS, Account, Association, Tres, User, WCKey

pytestmark = pytest.mark.slurm

TAG = f"h15-{os.getpid()}"
H36 = f"h36-{os.getpid()}"  # the default wckey case's records
FINISHED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL"}


def identity(bed: Testbed, user: str) -> Identity:
    entry = pwd.getpwnam(user)
    return Identity(user, entry.pw_uid, entry.pw_gid, "rest_auth/jwt", bed.token(user, 1800))


@pytest.fixture(scope="module")
def store(slurm_testbed: Testbed) -> SlurmAccounting:
    commands = SlurmCommands(str(slurm_testbed.conf), base_env=slurm_testbed.env())
    return SlurmAccounting(commands, slurm_testbed.cluster)


@pytest.fixture(scope="module")
def root(slurm_testbed: Testbed) -> Identity:
    return identity(slurm_testbed, "root")


@pytest.fixture(scope="module")
def alice(slurm_testbed: Testbed) -> Identity:
    return identity(slurm_testbed, "alice")


def test_listings_as_root(store: SlurmAccounting, root: Identity) -> None:
    assert {"normal", "high"} <= {q.name for q in store.qos_list(root, QosFilter())}
    accounts = {a.name: a for a in store.accounts(root, AccountFilter())}
    assert {"root", "research", "ops"} <= set(accounts)
    assert ("research", "alice") in {(s.account, s.user) for s in accounts["research"].associations}
    users = {u.name: u for u in store.users(root, UserFilter())}
    assert users["alice"].default_account == "research"
    assocs = store.associations(root, AssocFilter(users=("alice",)))
    assert {(a.account, a.is_default) for a in assocs} >= {("research", True), ("ops", False)}
    assert {"cpu", "mem", "node"} <= {t.type for t in store.tres_list(root)}
    [cluster] = store.clusters(root, ClusterFilter(names=("testbed",)))
    assert (cluster.nodes, cluster.select_plugin) == ("node[1-4]", "cons_tres")
    assert isinstance(store.wckeys(root, WCKeyFilter()), list)
    assert store.diag(root).time_start > 0
    assert store.ping(root).responding
    assert store.dbd_config(root).storage_loc


def test_a_plain_user_reads_but_may_not_change(store: SlurmAccounting, alice: Identity) -> None:
    assert "ops" in {a.name for a in store.accounts(alice, AccountFilter())}
    with pytest.raises(SlurmError) as err:
        store.add_accounts(alice, [Account(f"{TAG}-nope", "x", "y")])
    assert (err.value.errno, err.value.source) == (Errno.ACCESS_DENIED, "slurmdb_accounts_add")
    for refused, source in (
        (lambda: store.wckeys(alice, WCKeyFilter()), "slurmdb_wckeys_get"),
        (lambda: store.diag(alice), "slurmdb_get_stats"),
    ):
        with pytest.raises(SlurmError) as err:
            refused()
        assert (err.value.errno, err.value.source) == (Errno.ACCESS_DENIED, source)
    assert store.account(alice, f"{TAG}-nope") is None


@contextlib.contextmanager
def removed_afterwards(bed: Testbed, account: str, user: str, qos: str) -> Iterator[None]:
    try:
        yield
    finally:
        for argv in (
            ["sacctmgr", "-i", "delete", "user", user],
            ["sacctmgr", "-i", "delete", "account", account],
            ["sacctmgr", "-i", "delete", "qos", qos],
        ):
            bed.run(argv, check=False)


def test_account_user_association_qos_wckey_round_trip(
    store: SlurmAccounting, root: Identity, slurm_testbed: Testbed
) -> None:
    account, user, qos, wckey = f"{TAG}-a", f"{TAG}-u", f"{TAG}-q", f"{TAG}-w"
    with removed_afterwards(slurm_testbed, account, user, qos):
        store.add_accounts(root, [Account(account, "crud test", "h15")])
        added = store.account(root, account)
        assert added is not None and (added.description, added.associations) == ("crud test", ())

        limits = Association(
            account=account,
            parent_account="research",
            grp_jobs=5,
            grp_tres=(Tres("cpu", count=4), Tres("mem", count=2048)),
            max_wall_per_job=90,
        )
        store.add_associations(root, [limits])
        [assoc] = store.associations(root, AssocFilter(accounts=(account,)))
        assert (assoc.parent_account, assoc.grp_jobs, assoc.max_wall_per_job) == ("research", 5, 90)
        assert [(t.type, t.count) for t in assoc.grp_tres] == [("cpu", 4), ("mem", 2048)]

        store.add_qos(
            root, [QOS(qos, description="h15 qos", grace_time=120, flags=("DENY_LIMIT",))]
        )
        store.add_qos(root, [QOS(qos, priority=42, preempt_exempt_time=300)])  # modifies
        found = store.qos(root, qos)
        assert found is not None
        assert (found.description, found.grace_time, found.priority) == ("h15 qos", 120, 42)
        assert (found.flags, found.preempt_exempt_time) == (("DENY_LIMIT",), 300)

        store.add_users(root, [User(user, default_account=account)])
        mine = Association(account="research", user=user, max_jobs=3, qos=("normal", qos))
        store.add_associations(root, [mine])
        placed = {a.account: a for a in store.associations(root, AssocFilter(users=(user,)))}
        assert placed[account].is_default and not placed["research"].is_default
        assert (placed["research"].max_jobs, set(placed["research"].qos)) == (3, {"normal", qos})

        store.add_wckeys(root, [WCKey(wckey, user, "testbed")])
        assert [w.name for w in store.wckeys(root, WCKeyFilter(users=(user,)))] == [wckey]
        assert store.delete_wckeys(root, WCKeyFilter(names=(wckey,))) == [
            f"C = testbed W = {wckey} U = {user}"
        ]

        removed = store.delete_associations(
            root, AssocFilter(users=(user,), accounts=("research",))
        )
        assert removed == [f"C = testbed A = research U = {user}"]
        assert store.delete_user(root, user) == [user]
        assert store.delete_qos(root, qos) == [qos]
        assert store.delete_account(root, account) == [account]
        assert store.delete_account(root, account) == []
        assert store.account(root, account) is None


def test_a_wckey_marked_default_becomes_the_users_default_wckey(
    store: SlurmAccounting, root: Identity, slurm_testbed: Testbed
) -> None:
    user, first, second = f"{H36}-u", f"{H36}-w1", f"{H36}-w2"
    show_default = ["sacctmgr", "-n", "-P", "show", "user", user, "format=DefaultWCKey"]
    try:
        slurm_testbed.run(["sacctmgr", "-i", "add", "user", f"name={user}", "account=ops"])
        store.add_wckeys(root, [WCKey(first, user, "testbed")])  # a first key is the default
        assert slurm_testbed.run(show_default).stdout.strip() == first
        store.add_wckeys(root, [WCKey(second, user, "testbed", is_default=True)])
        assert slurm_testbed.run(show_default).stdout.strip() == second
        marks = {w.name: w.is_default for w in store.wckeys(root, WCKeyFilter(users=(user,)))}
        assert marks == {first: False, second: True}
    finally:
        slurm_testbed.run(["sacctmgr", "-i", "delete", "user", f"name={user}"], check=False)


def sbatch(bed: Testbed, *options: str) -> int:
    out = bed.run(["sbatch", "--parsable", "--output=/dev/null", *options], user="alice")
    return int(out.stdout.strip().split(";")[0])


@pytest.fixture(scope="module")
def finished_jobs(slurm_testbed: Testbed, store: SlurmAccounting, root: Identity) -> dict[str, int]:
    """Two of alice's jobs, finished and in the accounting records."""
    started = int(time.time()) - 1
    jobs = {
        "ok": sbatch(slurm_testbed, f"--job-name={TAG}-ok", "-A", "ops", "--wrap=true"),
        "fail": sbatch(slurm_testbed, f"--job-name={TAG}-fail", "--wrap=exit 3"),
    }

    # slurmdbd answers a query by name a moment after one by id: wait for both.
    by_id = JobFilter(job_ids=tuple(str(j) for j in jobs.values()))
    by_name = JobFilter(job_names=(f"{TAG}-ok", f"{TAG}-fail"))

    def done() -> bool:
        for query in (by_id, by_name):
            records = store.jobs(root, query)
            if len(records) != 2 or any(r.state not in FINISHED for r in records):
                return False
        return True

    wait_for("the test jobs to finish", done, 90)
    return {**jobs, "since": started}


def test_sacct_filters(
    store: SlurmAccounting, alice: Identity, finished_jobs: dict[str, int]
) -> None:
    names = (f"{TAG}-ok", f"{TAG}-fail")
    ok, fail = finished_jobs["ok"], finished_jobs["fail"]

    def ids(**filters: object) -> list[int]:
        query = JobFilter(job_names=names, **filters)  # type: ignore[arg-type]
        return sorted(j.job_id for j in store.jobs(alice, query))

    assert ids() == sorted([ok, fail])
    assert ids(accounts=("ops",)) == [ok]
    assert ids(states=("FAILED",), start_time=finished_jobs["since"]) == [fail]
    assert ids(exit_code=3) == [fail]
    assert ids(users=("bob",)) == []
    assert ids(start_time=int(time.time()) + 3600) == []
    [record] = store.job(alice, str(ok))
    assert (record.name, record.account, record.user) == (f"{TAG}-ok", "ops", "alice")


def test_sacct_records_round_trip_field_for_field(
    slurm_testbed: Testbed, store: SlurmAccounting, alice: Identity, finished_jobs: dict[str, int]
) -> None:
    job_ids = f"{finished_jobs['ok']},{finished_jobs['fail']}"
    raw = slurm_testbed.run(["sacct", "--json", "-a", "-j", job_ids], user="alice").stdout
    records = store.jobs(alice, JobFilter(job_ids=tuple(job_ids.split(","))))
    assert [render_job(r) for r in records] == json.loads(raw)["jobs"]


def test_job_comment_changes(
    store: SlurmAccounting, alice: Identity, finished_jobs: dict[str, int]
) -> None:
    job = str(finished_jobs["ok"])
    assert store.modify_jobs(alice, [job], JobChanges(comment_job=f"{TAG} note")) == [job]
    [record] = store.job(alice, job)
    assert record.comment_job == f"{TAG} note"
