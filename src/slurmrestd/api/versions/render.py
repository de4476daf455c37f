"""Declarative rendering: a version's record shape as a table of (key, getter).

A table lists the output keys in the order the real daemon writes them; each
getter reads a canonical record (model/) and returns the value as that version
spells it. Version modules build their tables from these helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from slurmrestd.api.numbers import INFINITE, no_val

Getter = Callable[[Any], Any]
FieldTable = tuple[tuple[str, Getter], ...]


def render(record: Any, table: FieldTable) -> dict[str, Any]:
    """One canonical record in the shape a field table describes."""
    return {key: get(record) for key, get in table}


def render_all(records: Iterable[Any], table: FieldTable) -> list[dict[str, Any]]:
    return [{key: get(record) for key, get in table} for record in records]


def attr(name: str, convert: Callable[[Any], Any] | None = None) -> Getter:
    """The record's attribute `name` (dotted paths allowed), optionally converted."""
    get = attrgetter(name)
    if convert is None:
        return get
    return lambda record: convert(get(record))


def const(value: Any) -> Getter:
    """A value this version always writes the same way (e.g. an unsupported field)."""
    return lambda record: value


def number_or_null(name: str) -> Getter:
    """22.05 style: an unset number is null, a limit of "infinite" too."""
    get = attrgetter(name)

    def read(record: Any) -> Any:
        value = get(record)
        return None if value is None or value == INFINITE else value

    return read


def no_val_number(name: str) -> Getter:
    """v0.0.39+ style: {"set", "infinite", "number"}."""
    get = attrgetter(name)
    return lambda record: no_val(get(record))


def text(name: str) -> Getter:
    """A string field: unset is the empty string, as both generations write it."""
    get = attrgetter(name)
    return lambda record: get(record) or ""
