"""The embedded store marks a user's default wckey on the records it lists, as slurmdbd
does (22.05 shows it as a "DEFAULT" flag), and takes the mark on records it is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from slurmrestd.api.versions.dbv0_0_38 import wckeys as wckeys_38
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import WCKeyFilter
from slurmrestd.cluster.embedded.accounting import SqliteAccounting
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
