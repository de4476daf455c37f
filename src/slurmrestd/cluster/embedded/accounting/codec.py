"""Canonical records to JSON text and back, for the columns that hold whole records.

Generic over the frozen dataclasses of model/: the field types say how to
rebuild nested records, tuples (also optional ones) and enums. Defaults are
left out so a record stays small and a field added later reads back as its
default. "No limit" (INFINITE) has no JSON form, so it is stored as the string
"INFINITE"; only a field that is not text reads that string back as INFINITE,
so a text field holding "INFINITE" stays text.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from typing import Any, TypeVar

import orjson

from slurmrestd.api.numbers import INFINITE

T = TypeVar("T")
_INFINITE_TEXT = "INFINITE"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if f.default is not dataclasses.MISSING and item == f.default:
                continue
            if f.default_factory is not dataclasses.MISSING and item == f.default_factory():
                continue
            out[f.name] = _plain(item)
        return out
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, float) and value == INFINITE:
        return _INFINITE_TEXT
    return value


def dumps(record: Any) -> str:
    """JSON text of a record (only the fields that differ from their defaults)."""
    return orjson.dumps(_plain(record)).decode()


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _is_text(hint: Any) -> bool:
    """Whether a field holds text only (str, or str | None)."""
    if hint is str:
        return True
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        options = [o for o in typing.get_args(hint) if o is not type(None)]
        return bool(options) and all(o is str for o in options)
    return False


def _option_for(value: Any, options: tuple[Any, ...]) -> Any:
    """The member of a union a stored value was written from (None: keep it as it is)."""
    for option in options:
        if isinstance(value, dict) and dataclasses.is_dataclass(option):
            return option
        if isinstance(value, list) and typing.get_origin(option) is tuple:
            return option
        if isinstance(option, type) and issubclass(option, enum.Enum):
            return option
    return None


def _build(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    if value == _INFINITE_TEXT and not _is_text(hint):
        return INFINITE
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        option = _option_for(value, typing.get_args(hint))
        return value if option is None else _build(value, option)
    if origin is tuple and isinstance(value, list):
        args = typing.get_args(hint)
        item_hint = args[0] if args else Any
        return tuple(_build(v, item_hint) for v in value)
    if dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return load(hint, value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value


def load(cls: type[T], data: dict[str, Any]) -> T:
    """A record of type `cls` from its plain form (unknown keys are dropped)."""
    hints = _hints(cls)
    return cls(**{k: _build(v, hints[k]) for k, v in data.items() if k in hints})


def loads(cls: type[T], text: str) -> T:
    return load(cls, orjson.loads(text))
