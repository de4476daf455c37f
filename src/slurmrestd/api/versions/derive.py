"""A version's record shape written as its difference from a neighbour's.

Versions v0.0.40 ... v0.0.45 mostly repeat the next newer version: a few keys
are gone, a few are back, a few are spelled another way. `derive` does that
for a render.FieldTable, `derive_shape` for a shape.Shape (slurmdb records).
Every key a delta names must exist in the base (or must not, for additions),
so a typo fails when the version module is imported, not in a response.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Codec, Row, Shape
from slurmrestd.api.versions.render import FieldTable, Getter, render


@dataclass(frozen=True, slots=True)
class After:
    """New entries placed right after `key` ("" = before everything else)."""

    key: str
    items: tuple[Any, ...]  # (key, getter) pairs for tables, Rows for shapes


def after(key: str, *rows: Row, **fields: Getter) -> After:
    """after("container_id", container_type=getter) or after("time/end", row(...))."""
    return After(key, (*rows, *fields.items()))


def _check(names: Iterable[str], known: set[str], what: str) -> None:
    missing = sorted(set(names) - known)
    if missing:
        raise KeyError(f"{what}: not in the base: {', '.join(missing)}")


def _insert(items: list[Any], additions: Iterable[After], key_of: Any) -> list[Any]:
    for addition in additions:
        keys = [key_of(item) for item in items]
        if addition.key and addition.key not in keys:
            raise KeyError(f"add after {addition.key!r}: not in the base")
        where = keys.index(addition.key) + 1 if addition.key else 0
        items[where:where] = addition.items
    return items


def derive(
    base: FieldTable,
    *,
    drop: Iterable[str] = (),
    rename: Mapping[str, str] | None = None,
    change: Mapping[str, Getter] | None = None,
    add: Iterable[After] = (),
) -> FieldTable:
    """`base` without `drop`, with keys renamed (in place), getters changed
    (named after renaming) and entries added after given keys."""
    rename, change, drop = rename or {}, change or {}, tuple(drop)
    known = {key for key, _ in base}
    _check(drop, known, "drop")
    _check(rename, known, "rename")
    _check(change, {rename.get(k, k) for k in known}, "change")
    items = []
    for key, get in base:
        if key in drop:
            continue
        key = rename.get(key, key)
        items.append((key, change.get(key, get)))
    items = _insert(items, add, lambda item: item[0])
    keys = [key for key, _ in items]
    if len(keys) != len(set(keys)):
        raise KeyError(f"duplicate keys: {sorted(k for k in keys if keys.count(k) > 1)}")
    return tuple(items)


def _path(r: Row) -> str:
    return "/".join(r.path)


def _under(r: Row, prefixes: tuple[str, ...]) -> bool:
    path = _path(r)
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def derive_shape(
    base: Shape[Any],
    *,
    drop: Iterable[str] = (),
    change: Mapping[str, Codec | Row] | None = None,
    add: Iterable[After] = (),
) -> Shape[Any]:
    """`base` without the rows at or under the `drop` paths, with the rows at the
    `change` paths given another codec (or replaced by another row) and rows
    added after given paths."""
    change, drop = change or {}, tuple(drop)
    paths = {_path(r) for r in base.rows}
    prefixes = paths | {"/".join(r.path[:i]) for r in base.rows for i in range(1, len(r.path))}
    _check(drop, prefixes, "drop")
    _check(change, paths, "change")
    rows = [_changed(r, change.get(_path(r))) for r in base.rows if not _under(r, drop)]
    return Shape(base.record_type, _insert(rows, add, _path))


def _changed(r: Row, new: Codec | Row | None) -> Row:
    if new is None:
        return r
    return new if isinstance(new, Row) else dataclasses.replace(r, codec=new)


def strings_without(*names: str) -> Codec:
    """A flag list minus the names a version does not know (render only)."""
    unknown = frozenset(names)
    return Codec(lambda values: [v for v in values or () if v not in unknown])


def names_without(names: tuple[str, ...], *gone: str) -> tuple[str, ...]:
    """An enumeration of a newer version, less the values an older one lacks."""
    missing = set(gone) - set(names)
    if missing:
        raise KeyError(f"not in the enumeration: {sorted(missing)}")
    return tuple(name for name in names if name not in gone)


def members(name: str, order: tuple[str, ...]) -> Getter:
    """The record's name set `name` as a list in `order`, without names `order` lacks."""

    def read(record: Any) -> list[str]:
        given = set(getattr(record, name))
        return [member for member in order if member in given]

    return read


def getter_of(table: FieldTable, key: str) -> Getter:
    """The getter `table` uses for `key` (to build on a neighbour's nested object)."""
    for name, get in table:
        if name == key:
            return get
    raise KeyError(f"{key!r} is not in the table")


def reshape(
    base: Getter, *, drop: Iterable[str] = (), put: Mapping[str, Getter] | None = None
) -> Getter:
    """A nested object of the neighbour without `drop`, with `put` keys set (in
    place when the neighbour has them, else at the end)."""
    gone, put = frozenset(drop), put or {}

    def read(record: Any) -> dict[str, Any]:
        out = {key: value for key, value in base(record).items() if key not in gone}
        for key, get in put.items():
            out[key] = get(record)
        return out

    return read


def values_without(base: Getter, *names: str) -> Getter:
    """A list the neighbour writes, less the values this version cannot name."""
    gone = frozenset(names)
    return lambda record: [value for value in base(record) if value not in gone]


def renderer(table: FieldTable) -> Callable[[Any], dict[str, Any]]:
    """The render function of a version's table."""
    return lambda record: render(record, table)
