"""SqliteAccounting: requests the fuzzer found breaking the store (coordinators named
twice, associations on unknown clusters, job changes with TRES, text "INFINITE")."""

from __future__ import annotations

from pathlib import Path

import pytest

from slurmrestd.api.status import GENERATION_2205, GENERATION_2311, status_for
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import JobChanges
from slurmrestd.cluster.embedded.accounting import SqliteAccounting
from slurmrestd.cluster.embedded.accounting.associations import INVALID_CLUSTER_NAME
from slurmrestd.cluster.errors import SlurmError
from slurmrestd.model.accounting import QOS, Account, Association, Coordinator, Tres, User
from slurmrestd.model.accounting_job import AccountingJob

ROOT = Identity("root", 0, 0, "test")
NOW = 2_000_000_000


@pytest.fixture
def records() -> list[AccountingJob]:
    return []


@pytest.fixture
def store(tmp_path: Path, records: list[AccountingJob]):
    s = SqliteAccounting(
        tmp_path / "acct.db",
        "testbed",
        frozenset({"root"}),
        lambda: list(records),
        clock=lambda: NOW,
    )
    yield s
    s.close()


def test_a_coordinator_named_twice_is_stored_once(store):
    store.add_accounts(ROOT, [Account("lab")])
    twice = (Coordinator("lab"), Coordinator("lab"))
    store.add_users(ROOT, [User("carol", coordinators=twice)])
    assert [c.name for c in store.user(ROOT, "carol").coordinators] == ["lab"]


def test_an_association_on_an_unknown_cluster_is_slurms_invalid_cluster_name(store):
    store.add_accounts(ROOT, [Account("lab")])
    with pytest.raises(SlurmError) as err:
        store.add_associations(ROOT, [Association(account="lab", cluster="nosuch")])
    assert err.value.errno == INVALID_CLUSTER_NAME == 7104
    assert "nosuch" in err.value.description
    # a refusal of the request (422) on newer versions; 22.05 answered its errors with 500
    assert status_for(err.value.errno, GENERATION_2311) == 422
    assert status_for(err.value.errno, GENERATION_2205) == 500


def test_job_tres_changes_read_back_as_records(tmp_path, records):
    records.append(AccountingJob(job_id=1, cluster="testbed", user="root"))
    path = tmp_path / "jobs.db"
    first = SqliteAccounting(path, "testbed", frozenset({"root"}), lambda: list(records))
    changes = JobChanges(tres_allocated=(Tres("cpu", count=1),), extra="INFINITE")
    assert first.modify_jobs(ROOT, ["1"], changes) == ["1"]
    first.close()
    again = SqliteAccounting(path, "testbed", frozenset({"root"}), lambda: list(records))
    (job,) = again.job(ROOT, "1")
    again.close()
    assert job.tres_allocated == (Tres("cpu", count=1),)
    assert job.extra == "INFINITE"


def test_text_infinite_of_a_qos_reads_back_as_text(store):
    store.add_qos(ROOT, [QOS("q1", description="INFINITE")])
    assert store.qos(ROOT, "q1").description == "INFINITE"
