"""Tests for slurmrestd.hostlist: expand, compress and their round trip."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slurmrestd.hostlist import MAX_HOSTS, HostlistError, compress, expand

EXPAND_CASES = [
    ("", []),
    ("   ", []),
    ("node1", ["node1"]),
    ("login", ["login"]),
    ("a,b,c", ["a", "b", "c"]),
    (" a , b ", ["a", "b"]),
    ("a b\tc", ["a", "b", "c"]),
    ("a,,b,", ["a", "b"]),
    ("node[1-4,7]", ["node1", "node2", "node3", "node4", "node7"]),
    ("node[3]", ["node3"]),
    ("node[ 1 , 3 ]", ["node1", "node3"]),
    ("node[01-03]", ["node01", "node02", "node03"]),
    ("node[08-10]", ["node08", "node09", "node10"]),
    ("node[8-10]", ["node8", "node9", "node10"]),
    ("node[007]", ["node007"]),
    ("node[098-101]", ["node098", "node099", "node100", "node101"]),
    ("node[01-02,5]", ["node01", "node02", "node5"]),
    ("rack[1-2]-node[1-2]", ["rack1-node1", "rack1-node2", "rack2-node1", "rack2-node2"]),
    ("r[1-2]n[1,3]x", ["r1n1x", "r1n3x", "r2n1x", "r2n3x"]),
    ("n[1-2]a", ["n1a", "n2a"]),
    ("[1-3]", ["1", "2", "3"]),
    ("n[1-2],login,m[3]", ["n1", "n2", "login", "m3"]),
    ("n[1-2],n[2-3]", ["n1", "n2", "n2", "n3"]),  # duplicates kept
    ("n[3,1,2]", ["n3", "n1", "n2"]),  # order kept
    ("a.example.com", ["a.example.com"]),
]


@pytest.mark.parametrize(("expr", "hosts"), EXPAND_CASES)
def test_expand(expr: str, hosts: list[str]) -> None:
    assert expand(expr) == hosts


EXPAND_ERRORS = [
    ("node[1-2", "unclosed '['"),
    ("node1-2]", "unbalanced ']'"),
    ("node[1-[2]]", "nested '['"),
    ("node[]", "empty range"),
    ("node[ ]", "empty range"),
    ("node[1,]", "empty range"),
    ("node[,1]", "empty range"),
    ("node[5-1]", "reversed range '5-1'"),
    ("node[a-c]", "non-numeric range 'a-c'"),
    ("node[1-]", "non-numeric range '1-'"),
    ("node[-3]", "non-numeric range '-3'"),
    ("node[1-2-3]", "non-numeric range '1-2-3'"),
    ("node[1, 3 - 3]", "non-numeric range '3 - 3'"),
    ("node[\u0663]", "non-numeric range"),  # a non-ASCII digit
    ("node[1-65537]", "more than 65536 hosts"),
    ("node[0-99999999999999]", "more than 65536 hosts"),
    ("node[0-99999999999999999999999]", "more than 65536 hosts"),  # past sys.maxsize
    ("a[1-300]b[1-300]", "more than 65536 hosts"),
]


@pytest.mark.parametrize(("expr", "message"), EXPAND_ERRORS)
def test_expand_errors(expr: str, message: str) -> None:
    with pytest.raises(HostlistError, match=re.escape(message)):
        expand(expr)


def test_hostlist_error_is_value_error() -> None:
    assert issubclass(HostlistError, ValueError)


def test_limit_counts_the_whole_expression() -> None:
    assert len(expand(f"n[1-{MAX_HOSTS}]")) == MAX_HOSTS
    with pytest.raises(HostlistError):
        expand(f"n[1-{MAX_HOSTS}],extra")


COMPRESS_CASES = [
    ([], ""),
    (["node5"], "node5"),
    (["login"], "login"),
    (["node1", "node2", "node3", "node5"], "node[1-3,5]"),
    (["node3", "node1", "node2", "node1"], "node[1-3]"),
    (["node1", "node3"], "node[1,3]"),
    (["node9", "node10", "node11"], "node[9-11]"),
    (["n01", "n1"], "n01,n1"),
    (["n01", "n02", "n03"], "n[01-03]"),
    ([f"n{i:02d}" for i in range(1, 11)], "n[01-10]"),
    ([f"n{i:02d}" for i in range(8, 11)], "n[08-10]"),
    (["n01", "n100"], "n[01,100]"),
    (["n001", "n01", "n1", "n"], "n,n001,n01,n1"),
    (["b1", "a2", "a1", "c"], "a[1-2],b1,c"),
    (["rack1-n1", "rack1-n2", "rack2-n1"], "rack1-n[1-2],rack2-n1"),
    (["n1a", "n2a"], "n1a,n2a"),  # digits followed by a suffix are not grouped
    (["1", "2", "3"], "[1-3]"),
    (["n0", "n1"], "n[0-1]"),
    (["n007"], "n007"),
]


@pytest.mark.parametrize(("hosts", "expr"), COMPRESS_CASES)
def test_compress(hosts: list[str], expr: str) -> None:
    assert compress(hosts) == expr


@pytest.mark.parametrize("hosts", [c[0] for c in COMPRESS_CASES])
def test_compress_then_expand_gives_the_unique_hosts(hosts: list[str]) -> None:
    result = expand(compress(hosts))
    assert sorted(result) == sorted(set(hosts))
    assert len(result) == len(set(hosts))


def test_compress_accepts_any_iterable() -> None:
    assert compress(f"n{i}" for i in (3, 1, 2)) == "n[1-3]"


@pytest.mark.parametrize("bad", ["", "a,b", "a b", "n[1]", "x]"])
def test_compress_rejects_names_no_expression_can_hold(bad: str) -> None:
    with pytest.raises(HostlistError, match="invalid host name"):
        compress(["ok1", bad])


# ------------------------------------------------------------- properties --

PREFIXES = ["", "n", "node", "rack1-n", "a.b", "x_"]
plain_names = st.sampled_from(["login", "head", "n", "n1a", "gpu-a", "node"])


@st.composite
def numbered_names(draw: st.DrawFn, widths: st.SearchStrategy[int]) -> str:
    prefix = draw(st.sampled_from(PREFIXES))
    number = draw(st.integers(min_value=0, max_value=1200))
    return prefix + str(number).zfill(draw(widths))


any_host = st.one_of(plain_names, numbered_names(st.integers(min_value=0, max_value=4)))


def _split(name: str) -> tuple[str, int]:
    match = re.fullmatch(r"(.*?)([0-9]+)", name)
    assert match is not None
    return match.group(1), int(match.group(2))


@given(st.lists(numbered_names(st.just(0)), max_size=60))
def test_round_trip_in_slurm_order(hosts: list[str]) -> None:
    # Without padding the order is fully known: by prefix, then numerically.
    assert expand(compress(hosts)) == sorted(set(hosts), key=_split)


@given(st.lists(numbered_names(st.just(3)), max_size=60))
def test_round_trip_padded(hosts: list[str]) -> None:
    assert expand(compress(hosts)) == sorted(set(hosts), key=_split)


@given(st.lists(any_host, max_size=60))
def test_round_trip_mixed(hosts: list[str]) -> None:
    expanded = expand(compress(hosts))
    assert len(expanded) == len(set(expanded))
    assert set(expanded) == set(hosts)
    # The expansion is already in compress order, so compressing again is stable.
    assert compress(expanded) == compress(hosts)
    assert expand(compress(expanded)) == expanded


@given(st.lists(any_host, max_size=40), st.randoms(use_true_random=False))
def test_compress_ignores_input_order(hosts: list[str], rnd: random.Random) -> None:
    shuffled = list(hosts)
    rnd.shuffle(shuffled)
    assert compress(shuffled) == compress(hosts)


@given(st.lists(any_host, max_size=40))
def test_expansion_is_sorted_by_prefix(hosts: list[str]) -> None:
    def prefix(name: str) -> str:
        match = re.fullmatch(r"(.*?)[0-9]+", name)
        return name if match is None else match.group(1)

    prefixes = [prefix(name) for name in expand(compress(hosts))]
    assert prefixes == sorted(prefixes)
