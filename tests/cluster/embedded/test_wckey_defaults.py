"""The embedded store marks a user's default wckey on the records it lists, as slurmdbd
does (22.05 shows it as a "DEFAULT" flag), and takes the mark on records it is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from slurmrestd.api.versions.dbv0_0_38 import wckeys as wckeys_38
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import WCKeyFilter
from slurmrestd.cluster.embedded.accounting import SqliteAccounting, wckeys
from slurmrestd.cluster.embedded.accounting.database import Database
from slurmrestd.model.accounting import User, WCKey

ROOT = Identity("root", 0, 0, "test")


@pytest.fixture
def store(tmp_path: Path):
    s = SqliteAccounting(
        tmp_path / "acct.db", "testbed", frozenset({"root"}), list, clock=lambda: 0
    )
    s.add_users(ROOT, [User("alice"), User("bob")])
    yield s
    s.close()


def defaults(store: SqliteAccounting) -> dict[str, bool]:
    return {k.name: k.is_default for k in store.wckeys(ROOT, WCKeyFilter())}


def test_a_users_first_wckey_is_listed_as_the_default(store: SqliteAccounting) -> None:
    store.add_wckeys(ROOT, [WCKey("p1", "alice"), WCKey("p2", "alice"), WCKey("q1", "bob")])
    assert defaults(store) == {"p1": True, "p2": False, "q1": True}
    rendered = [wckeys_38.render_wckey(k)["flags"] for k in store.wckeys(ROOT, WCKeyFilter())]
    assert rendered == [["DEFAULT"], [], ["DEFAULT"]]


def test_a_record_marked_default_becomes_the_default(store: SqliteAccounting) -> None:
    store.add_wckeys(ROOT, [WCKey("p1", "alice")])
    store.add_wckeys(ROOT, [WCKey("p2", "alice", is_default=True)])
    assert defaults(store) == {"p1": False, "p2": True}
    assert store.user(ROOT, "alice").default_wckey == "p2"


def test_a_posted_default_flag_reaches_the_store(store: SqliteAccounting) -> None:
    store.add_wckeys(ROOT, [WCKey("p1", "alice")])
    body = {"name": "p2", "user": "alice", "cluster": "testbed", "flags": ["DEFAULT"]}
    store.add_wckeys(ROOT, [wckeys_38.parse_wckey(body)])
    assert defaults(store) == {"p1": False, "p2": True}


def removed_after_a_job(path: Path, name: str, user: str) -> None:
    """Remove `name` as the store does once a job of `user` was charged to it."""
    db = Database(path)
    try:
        with db.write() as conn:
            doomed = wckeys.load(conn, WCKeyFilter(names=(name,)))
            wckeys.remove(conn, doomed, charged={(name, user)})
    finally:
        db.close()


def test_a_wckey_no_job_was_charged_to_goes_for_good(store: SqliteAccounting) -> None:
    # slurmdbd purges it: 22.05 lists it no more, deleted ones included (testbed).
    store.add_wckeys(ROOT, [WCKey("p1", "alice"), WCKey("p2", "alice")])
    assert store.delete_wckeys(ROOT, WCKeyFilter(names=("p1",))) == ["C = testbed W = p1 U = alice"]
    assert [k.name for k in store.wckeys(ROOT, WCKeyFilter(with_deleted=True))] == ["p2"]


def test_a_charged_default_stays_deleted_with_its_mark(
    store: SqliteAccounting, tmp_path: Path
) -> None:
    # slurmdbd marks it deleted and leaves its is_def: 22.05 lists it so.
    store.add_wckeys(ROOT, [WCKey("p1", "alice"), WCKey("p2", "alice")])
    removed_after_a_job(tmp_path / "acct.db", "p1", "alice")
    everything = store.wckeys(ROOT, WCKeyFilter(with_deleted=True))
    assert [wckeys_38.render_wckey(k)["flags"] for k in everything] == [["DELETED", "DEFAULT"], []]
    assert defaults(store) == {"p2": False}  # deleted ones only when asked for
    assert store.user(ROOT, "alice").default_wckey is None
    # A new default takes the mark from the deleted one too.
    store.add_wckeys(ROOT, [WCKey("p2", "alice", is_default=True)])
    marks = {k.name: k.is_default for k in store.wckeys(ROOT, WCKeyFilter(with_deleted=True))}
    assert marks == {"p1": False, "p2": True}
