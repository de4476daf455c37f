"""Record shapes: one record's JSON form as rows of (path, attribute, codec), both ways.

A row's path says where a value sits ("limits/max/jobs/per/user"). Rendering
inserts the values in row order, so rows written in the real daemon's order
reproduce its key order: a nested object appears where its first key does, as
upstream builds its bodies. The rows compile into a render.FieldTable, so
rendering is the shared engine; parsing walks the same rows back into the
record's constructor and rejects keys no row knows.

Version-neutral: the codecs (how a value is spelled) come from the version
modules. Used by dbv0.0.38 (both ways) and v0.0.46 (rendering).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slurmrestd.api.versions.render import FieldTable, Getter, render
from slurmrestd.cluster.errors import Errno, SlurmError

T = TypeVar("T")


class FieldError(ValueError):
    """A request value that does not fit its field; becomes a SlurmError at the top."""

    def __init__(self, field: str, problem: str, errno: Errno = Errno.DATA_CONV_FAILED) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.errno = errno

    def to_slurm(self, source: str) -> SlurmError:
        return SlurmError(self.errno, str(self), source)


@dataclass(frozen=True, slots=True)
class Codec:
    """How one value is written (dump) and read back (load; None: not readable)."""

    dump: Callable[[Any], Any]
    load: Callable[[Any, str], Any] | None = None  # (value, field name) -> canonical


@dataclass(frozen=True, slots=True)
class Row:
    path: tuple[str, ...]
    attr: str | None  # None: the key is derived from the record and ignored on parse
    codec: Codec
    whole_record: bool = False  # dump gets the record (the value depends on other fields)


def row(path: str, attr: str | None, codec: Codec, *, whole_record: bool = False) -> Row:
    return Row(tuple(path.split("/")), attr, codec, whole_record or attr is None)


def field_name(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


class Shape(Generic[T]):
    """A record type with the rows that render it and parse it back."""

    __slots__ = ("_keys", "_required", "record_type", "rows", "table")

    def __init__(self, record_type: type[T], rows: Iterable[Row]) -> None:
        self.record_type = record_type
        self.rows = tuple(rows)
        self.table: FieldTable = _compile(self.rows, 0)
        self._keys = _key_tree(self.rows)
        self._required = tuple(
            f.name
            for f in dataclasses.fields(record_type)  # type: ignore[arg-type]
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )

    def render(self, record: T) -> dict[str, Any]:
        return render(record, self.table)

    def parse(self, data: Any, source: str) -> T:
        """A record from its JSON form.

        Raises:
            SlurmError: a key is unknown, a value has the wrong type or a required one is missing.
        """
        try:
            return self.load(data, "")
        except FieldError as exc:
            raise exc.to_slurm(source) from None

    def load(self, data: Any, prefix: str) -> T:
        """Like parse(), for use inside another shape (raises FieldError)."""
        if not isinstance(data, dict):
            raise FieldError(prefix or "body", "expected object", Errno.DATA_EXPECTED_DICT)
        _check_keys(data, self._keys, prefix)
        values: dict[str, Any] = {}
        for r in self.rows:
            if r.attr is None or r.codec.load is None:
                continue
            found, value = _lookup(data, r.path)
            if found:
                values[r.attr] = r.codec.load(value, field_name(prefix, ".".join(r.path)))
        for name in self._required:
            if name not in values:
                path = next((".".join(r.path) for r in self.rows if r.attr == name), name)
                raise FieldError(field_name(prefix, path), "missing", Errno.DATA_PATH_NOT_FOUND)
        return self.record_type(**values)


def _getter(r: Row) -> Getter:
    dump = r.codec.dump
    if r.whole_record or r.attr is None:
        return dump
    name = r.attr
    return lambda record: dump(getattr(record, name))


def _nested(table: FieldTable) -> Getter:
    return lambda record: render(record, table)


def _compile(rows: tuple[Row, ...], depth: int) -> FieldTable:
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(r.path[depth], []).append(r)
    table = []
    for key, members in groups.items():
        leaves = [r for r in members if len(r.path) == depth + 1]
        if leaves and len(members) > 1:
            raise ValueError(f"key {key!r} is both a value and an object")
        if leaves:
            table.append((key, _getter(leaves[0])))
        else:
            table.append((key, _nested(_compile(tuple(members), depth + 1))))
    return tuple(table)


KeyTree = dict[str, "KeyTree | None"]


def _key_tree(rows: tuple[Row, ...]) -> KeyTree:
    tree: KeyTree = {}
    for r in rows:
        node = tree
        for key in r.path[:-1]:
            node = node.setdefault(key, {})  # type: ignore[assignment]
        node[r.path[-1]] = None
    return tree


def _check_keys(data: dict[str, Any], tree: KeyTree, prefix: str) -> None:
    for key, value in data.items():
        name = field_name(prefix, key)
        if key not in tree:
            raise FieldError(name, "unknown field", Errno.DATA_PATH_NOT_FOUND)
        sub = tree[key]
        if sub is None:
            continue
        if not isinstance(value, dict):
            raise FieldError(name, "expected object", Errno.DATA_EXPECTED_DICT)
        _check_keys(value, sub, name)


def _lookup(data: dict[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


def nested(shape: Shape[Any], *, empty: Any = None) -> Codec:
    """A record inside a record; a missing one (None) is written as `empty`."""

    def dump(value: Any) -> Any:
        return empty if value is None else shape.render(value)

    def load(value: Any, name: str) -> Any:
        return None if value is None else shape.load(value, name)

    return Codec(dump, load)


def listed(item: Codec) -> Codec:
    """A JSON array of `item`s; canonical records hold tuples."""
    dump_item = item.dump

    def dump(values: Iterable[Any] | None) -> list[Any]:
        return [dump_item(v) for v in values or ()]

    def load(value: Any, name: str) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise FieldError(name, "expected array", Errno.DATA_EXPECTED_LIST)
        if item.load is None:
            raise FieldError(name, "read-only field")
        return tuple(item.load(v, f"{name}[{i}]") for i, v in enumerate(value))

    return Codec(dump, load)
