"""The short-lived user database cache in front of every authenticated request."""

from __future__ import annotations

import pwd

import pytest

from slurmrestd.auth.users import UserCache


class FakeDatabase:
    def __init__(self) -> None:
        self.calls = 0
        self.uid = 1000

    def __call__(self, name: str) -> pwd.struct_passwd:
        self.calls += 1
        if name == "ghost":
            raise KeyError(name)
        return pwd.struct_passwd((name, "x", self.uid, 100, "", "/home/" + name, "/bin/sh"))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_name_is_looked_up_once_within_the_ttl_and_again_after() -> None:
    db, clock = FakeDatabase(), Clock()
    cache = UserCache(ttl=30, clock=clock, lookup=db)
    assert cache.by_name("alice").pw_uid == 1000
    db.uid = 1001  # the account changes: not seen until the entry ages out
    clock.now += 29
    assert cache.by_name("alice").pw_uid == 1000
    assert db.calls == 1
    clock.now += 2
    assert cache.by_name("alice").pw_uid == 1001
    assert db.calls == 2


def test_unknown_names_are_asked_every_time() -> None:
    db = FakeDatabase()
    cache = UserCache(lookup=db)
    for _ in range(2):
        with pytest.raises(KeyError):
            cache.by_name("ghost")
    assert db.calls == 2


def test_capacity_bounds_the_memory() -> None:
    db = FakeDatabase()
    cache = UserCache(capacity=3, lookup=db)
    for n in range(10):
        cache.by_name(f"user{n}")
    assert len(cache._entries) <= 3
    cache.by_name("user9")
    assert db.calls == 10  # the newest entry survived the clear


def test_the_real_database_answers_through_it() -> None:
    assert UserCache().by_name("root").pw_uid == 0
