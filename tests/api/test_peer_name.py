"""The client as 22.05 named it in error texts (api.peer_name)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from slurmrestd.api.peer_name import PeerNames, bracketed, reverse_lookup, split_address


class Resolver:
    """Test boundary: a name service answering from a table, counting the questions."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.asked: list[str] = []

    def __call__(self, host: str) -> str:
        self.asked.append(host)
        return self.names.get(host, host)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def direct(func: Callable[..., Any], *args: Any) -> Any:
    """run_blocking without a pool: the lookup runs where it is called."""
    return func(*args)


def text_of(names: PeerNames, address: str) -> str:
    return asyncio.run(names.client_text(address, direct))


@pytest.mark.parametrize(
    ("address", "parts"),
    [("127.0.0.1:46574", ("127.0.0.1", "46574")), ("[::1]:80", ("::1", "80")),
     ("localhost:1", ("localhost", "1")), ("stdio", None), ("unix:pid=1,uid=2", None),
     ("?", None), ("host:", None), ("host:x1", None), ("host:¹", None)],
)  # fmt: skip
def test_split_address(address, parts):
    assert split_address(address) == parts


@pytest.mark.parametrize(
    ("address", "text"),
    [("localhost:46574", "[localhost]:46574"), ("[::1]:80", "[::1]:80"), ("stdio", "stdio")],
)
def test_bracketed(address, text):
    assert bracketed(address) == text


def test_ip_peers_are_named_by_their_host_name():
    resolver = Resolver({"127.0.0.1": "localhost", "::1": "ip6-localhost"})
    names = PeerNames(resolver)
    assert text_of(names, "127.0.0.1:46574") == "[localhost]:46574"
    assert text_of(names, "[::1]:80") == "[ip6-localhost]:80"


def test_an_address_without_a_name_stays_numeric():
    names = PeerNames(Resolver({}))
    assert text_of(names, "10.1.2.3:5") == "[10.1.2.3]:5"


def test_other_peers_are_not_looked_up():
    resolver = Resolver({"localhost": "elsewhere"})
    names = PeerNames(resolver)
    assert text_of(names, "localhost:46574") == "[localhost]:46574"
    assert text_of(names, "stdio") == "stdio"
    assert resolver.asked == []


def test_a_name_is_looked_up_once_per_ttl_whatever_the_port():
    resolver, clock = Resolver({"10.0.0.1": "a"}), Clock()
    names = PeerNames(resolver, ttl=60, clock=clock)
    assert text_of(names, "10.0.0.1:1") == "[a]:1"
    clock.now += 59
    assert text_of(names, "10.0.0.1:2") == "[a]:2"
    assert resolver.asked == ["10.0.0.1"]
    clock.now += 1
    resolver.names["10.0.0.1"] = "b"
    assert text_of(names, "10.0.0.1:3") == "[b]:3"
    assert resolver.asked == ["10.0.0.1", "10.0.0.1"]


def test_the_cache_keeps_the_most_recently_used_names():
    resolver = Resolver({})
    names = PeerNames(resolver, capacity=2)
    for host in ("10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.3", "10.0.0.1", "10.0.0.2"):
        text_of(names, f"{host}:1")
    # .1 stayed (used again before .3 came), .2 was evicted by .3 and asked again
    assert resolver.asked == ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.2"]


def test_the_lookup_runs_through_run_blocking():
    seen: list[Callable[..., Any]] = []

    async def pool(func: Callable[..., Any], *args: Any) -> Any:
        seen.append(func)
        return func(*args)

    resolver = Resolver({"10.0.0.9": "n"})
    assert asyncio.run(PeerNames(resolver).client_text("10.0.0.9:7", pool)) == "[n]:7"
    assert seen == [resolver]


def test_reverse_lookup_falls_back_to_what_it_was_given():
    # Not an IP literal: getnameinfo refuses it without asking any name service.
    assert reverse_lookup("no-such-host.invalid") == "no-such-host.invalid"
