"""Compiled packing (layout.PackPlan) against the row-by-row reference, byte for byte.

Every table of every protocol version is packed through both paths with all
defaults, with every row set to a value of its kind, with seeded random mixes
of set, None and absent rows, and with a name the table lacks.
"""

from __future__ import annotations

import random
from dataclasses import fields
from typing import Any

import pytest

from slurmrestd.cluster.slurm.protocol import messages_2205, messages_2302
from slurmrestd.cluster.slurm.protocol.layout import (
    Field,
    Kind,
    Layout,
    pack_fields,
    pack_fields_reference,
    plan_for,
)
from slurmrestd.cluster.slurm.protocol.versions import PROTOCOLS, ProtocolVersion


def _is_layout(value: Any) -> bool:
    return isinstance(value, tuple) and bool(value) and all(isinstance(f, Field) for f in value)


def _every_layout() -> dict[str, Layout]:
    """Each message table by module and name, plus what each protocol version points at."""
    found: dict[str, Layout] = {}
    for module in (messages_2205, messages_2302):
        for name, value in vars(module).items():
            if _is_layout(value):
                found[f"{module.__name__.rsplit('.', 1)[1]}.{name}"] = value
    for protocol in PROTOCOLS.values():
        for row in fields(ProtocolVersion):
            value = getattr(protocol, row.name)
            if _is_layout(value):
                found[f"{protocol.release}.{row.name}"] = value
    return found


LAYOUTS = _every_layout()


def _value(kind: Kind, i: int) -> Any:
    """A value of `kind` that differs from any default (and between rows)."""
    return {
        Kind.U8: 0x80 | (i % 0x7F),
        Kind.U16: 0x1000 + i,
        Kind.U32: 0x10000000 + i,
        Kind.U64: 0x1000000000000000 + i,
        Kind.BOOL: True,
        Kind.TIME: 1_700_000_000 + i,
        Kind.STR: f"v{i}-é",
        Kind.STR_ARRAY: [f"a{i}", "", "b=c"],
        Kind.U16_ARRAY: [1, i, 0xFFFF],
        Kind.U32_ARRAY: [i, 0xFFFFFFFF],
        Kind.ADDRESSES: [("127.0.0.1", 16901), ("::1", 6817)],
        Kind.CPU_GROUPS: [(2, 1), (1, 3)],
    }[kind]


def _outcome(pack: Any, layout: Layout, values: dict[str, Any]) -> tuple[str, Any]:
    """Bytes, or the kind of error (rows without a packable default refuse {})."""
    try:
        return "bytes", pack(layout, values)
    except Exception as exc:  # compared between the two paths, never swallowed
        return "error", type(exc)


def _same(layout: Layout, values: dict[str, Any]) -> None:
    assert _outcome(pack_fields, layout, values) == _outcome(
        pack_fields_reference, layout, values
    ), values


def test_every_message_table_of_both_versions_is_covered():
    names = set(LAYOUTS)
    assert {"messages_2205.JOB_DESC", "messages_2302.JOB_DESC", "23.02.license"} <= names
    assert len(names) >= 20


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_all_defaults_pack_identically(name):
    _same(LAYOUTS[name], {})


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_row_set_packs_identically(name):
    layout = LAYOUTS[name]
    values = {field.name: _value(field.kind, i) for i, field in enumerate(layout)}
    assert _outcome(pack_fields, layout, values)[0] == "bytes"
    _same(layout, values)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_random_mixes_of_set_none_and_absent_rows_pack_identically(name):
    layout = LAYOUTS[name]
    rng = random.Random(name)
    for _ in range(40):
        values: dict[str, Any] = {}
        for i, field in enumerate(layout):
            roll = rng.random()
            if roll < 0.3:
                values[field.name] = _value(field.kind, i)
            elif roll < 0.4:
                values[field.name] = None  # as given as absent: the default
        _same(layout, values)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_a_name_the_table_lacks_is_the_same_key_error(name):
    layout = LAYOUTS[name]
    values = {"no_such_row": 1, layout[0].name: _value(layout[0].kind, 0)}
    with pytest.raises(KeyError) as compiled:
        pack_fields(layout, values)
    with pytest.raises(KeyError) as reference:
        pack_fields_reference(layout, values)
    assert (
        str(compiled.value)
        == str(reference.value)
        == "\"fields not in this layout: ['no_such_row']\""
    )


def test_a_bad_value_is_refused_like_the_reference():
    # A wrong type fails the same way in both paths (struct / str errors), never packs.
    layout = messages_2205.JOB_DESC
    for bad in ({"priority": -1}, {"name": 5}, {"argv": [1]}, {"begin_time": "soon"}):
        assert _outcome(pack_fields, layout, bad)[0] == "error"
        _same(layout, bad)


def test_each_table_is_compiled_once_and_kept_per_table_object():
    layout = messages_2205.JOB_DESC
    assert plan_for(layout) is plan_for(layout)
    copy = tuple(list(layout))  # an equal table, another object: its own plan, same bytes
    assert copy is not layout and plan_for(copy) is not plan_for(layout)
    assert pack_fields(copy, {"name": "x"}) == pack_fields(layout, {"name": "x"})


def test_fixed_runs_around_a_string_keep_defaults_and_pack_bools_as_0_or_1():
    layout = (
        Field("a", Kind.U16, 7),
        Field("b", Kind.BOOL, False),
        Field("c", Kind.TIME, 0),
        Field("s", Kind.STR),
        Field("d", Kind.U8, 0xFE),
    )
    empty = bytes.fromhex("0007" "00" "0000000000000000" "00000000" "fe")  # fmt: skip
    assert pack_fields(layout, {}) == empty
    assert pack_fields(layout, {"b": 3, "s": "hi", "c": 1}) == bytes.fromhex(
        "0007" "01" "0000000000000001" "00000003" "686900" "fe"
    )  # fmt: skip
