"""api/versions/derive.py: a version's table or shape as a delta of its neighbour's."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from slurmrestd.api.versions.dbv0_0_38.shape import Codec, Shape, row
from slurmrestd.api.versions.derive import (
    after,
    derive,
    derive_shape,
    getter_of,
    members,
    names_without,
    renderer,
    reshape,
    strings_without,
    values_without,
)
from slurmrestd.api.versions.render import attr, const, render


@dataclass(frozen=True)
class Rec:
    a: int = 1
    b: str = "x"
    c: tuple[str, ...] = ()


BASE = (("a", attr("a")), ("b", attr("b")), ("c", attr("c", list)))
TEXT = Codec(lambda v: v or "")
SHAPE = Shape(
    Rec,
    [row("one/a", "a", Codec(int)), row("one/b", "b", TEXT), row("c", "c", Codec(list))],
)


def test_derive_drops_renames_changes_and_adds_in_place() -> None:
    table = derive(
        BASE,
        drop=("a",),
        rename={"b": "bee"},
        change={"bee": lambda r: r.b.upper()},
        add=[after("", first=const(0)), after("bee", d=const("d"), e=const("e"))],
    )
    assert [key for key, _ in table] == ["first", "bee", "d", "e", "c"]
    assert render(Rec(c=("q",)), table) == {"first": 0, "bee": "X", "d": "d", "e": "e", "c": ["q"]}
    assert renderer(table)(Rec()) == render(Rec(), table)


@pytest.mark.parametrize(
    "delta",
    [
        {"drop": ("zz",)},
        {"rename": {"zz": "y"}},
        {"change": {"zz": const(1)}},
        {"change": {"b": const(1)}, "rename": {"b": "bee"}},  # change names the new key
        {"add": [after("zz", y=const(1))]},
        {"add": [after("a", b=const(1))]},  # would duplicate "b"
    ],
)
def test_derive_refuses_keys_the_base_does_not_explain(delta) -> None:
    with pytest.raises(KeyError):
        derive(BASE, **delta)


def test_derive_shape_drops_subtrees_changes_and_adds_rows() -> None:
    shape = derive_shape(
        SHAPE,
        drop=("one/a",),
        change={"c": Codec(lambda v: len(v)), "one/b": row("one/b", None, Codec(lambda r: r.a))},
        add=[after("one/b", row("one/z", None, Codec(lambda r: "z")))],
    )
    assert shape.render(Rec(a=5, c=("p", "q"))) == {"one": {"b": 5, "z": "z"}, "c": 2}
    assert derive_shape(SHAPE, drop=("one",)).render(Rec()) == {"c": []}
    with pytest.raises(KeyError):
        derive_shape(SHAPE, drop=("two",))
    with pytest.raises(KeyError):
        derive_shape(SHAPE, change={"one": TEXT})  # a group, not a row


def test_list_and_object_helpers() -> None:
    assert strings_without("B").dump(["A", "B", "C"]) == ["A", "C"]
    assert names_without(("A", "B", "C"), "B") == ("A", "C")
    with pytest.raises(KeyError):
        names_without(("A",), "Z")
    assert members("c", ("z", "y", "x"))(Rec(c=("x", "z", "w"))) == ["z", "x"]
    assert values_without(attr("c", list), "y")(Rec(c=("x", "y"))) == ["x"]
    group = (("inner", lambda r: {"p": 1, "q": 2}),)
    get = reshape(getter_of(group, "inner"), drop=("p",), put={"q": const(3), "r": const(4)})
    assert get(Rec()) == {"q": 3, "r": 4}
    with pytest.raises(KeyError):
        getter_of(group, "outer")
