"""The record-shape engine: path rows -> nested key order, and parsing back."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from slurmrestd.api.versions.dbv0_0_38.shape import Codec, Shape, listed, nested, row
from slurmrestd.api.versions.render import render
from slurmrestd.cluster.errors import Errno, SlurmError

PLAIN = Codec(lambda v: v, lambda v, name: v)


@dataclass(frozen=True)
class Point:
    x: int
    y: int = 0
    z: int = 0


def test_nested_objects_appear_where_their_first_key_does():
    shape = Shape(
        Point,
        [
            row("a/x", "x", PLAIN),
            row("b", "y", PLAIN),
            row("a/deep/z", "z", PLAIN),
            row("sum", None, Codec(lambda p: p.x + p.y + p.z)),
        ],
    )
    out = shape.render(Point(1, 2, 3))
    assert out == {"a": {"x": 1, "deep": {"z": 3}}, "b": 2, "sum": 6}
    assert list(out) == ["a", "b", "sum"]
    assert render(Point(1, 2, 3), shape.table) == out  # a plain render.FieldTable
    # Derived keys are accepted on input and ignored.
    assert shape.parse({"a": {"x": 1}, "b": 2, "sum": 99}, "s") == Point(1, 2, 0)


def test_parse_rejects_unknown_and_malformed_nesting():
    shape = Shape(Point, [row("a/x", "x", PLAIN), row("b", "y", PLAIN)])
    with pytest.raises(SlurmError) as info:
        shape.parse({"a": {"x": 1, "w": 2}}, "src")
    assert (info.value.errno, info.value.description) == (
        Errno.DATA_PATH_NOT_FOUND,
        "a.w: unknown field",
    )
    with pytest.raises(SlurmError, match=r"^a: expected object$"):
        shape.parse({"a": 5}, "src")
    with pytest.raises(SlurmError, match=r"^a\.x: missing$"):
        shape.parse({"b": 1}, "src")


def test_a_key_cannot_be_both_value_and_object():
    with pytest.raises(ValueError, match="both"):
        Shape(Point, [row("a", "x", PLAIN), row("a/b", "y", PLAIN)])


def test_nested_and_listed_codecs():
    inner = Shape(Point, [row("x", "x", PLAIN)])
    codec = listed(nested(inner, empty={}))
    assert codec.dump([Point(1), None]) == [{"x": 1}, {}]
    assert codec.load([{"x": 4}, None], "pts") == (Point(4), None)
    with pytest.raises(ValueError, match=r"pts\[0\]\.q: unknown field"):
        codec.load([{"q": 1}], "pts")
