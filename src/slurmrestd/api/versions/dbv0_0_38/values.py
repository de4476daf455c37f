"""How Slurm 22.05 (dbv0.0.38) spells single values, both ways.

22.05 writes an unset or unlimited number as null, an unset string as null
(a few fields as "", see TEXT), booleans as 0/1, lists as arrays. Parsing is
strict about types: a wrong type is a FieldError naming the field.
"""

from __future__ import annotations

import enum
from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.dbv0_0_38.shape import Codec, FieldError, listed


def _load_string(value: Any, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise FieldError(name, "expected string")


def _load_text(value: Any, name: str) -> str | None:
    return _load_string(value, name) or None


def _load_int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise FieldError(name, "expected integer")


def _load_float(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise FieldError(name, "expected number")


def _load_bool_int(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    raise FieldError(name, "expected integer")


def _load_strings(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise FieldError(name, "expected array")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise FieldError(f"{name}[{i}]", "expected string")
    return tuple(value)


def _dump_number(value: int | float | None) -> int | None:
    return None if value is None or value == INFINITE else int(value)


def _dump_float(value: float | None) -> float | None:
    return None if value is None or value == INFINITE else float(value)


STRING = Codec(lambda v: v, _load_string)
# Fields 22.05 writes as "" when unset (user default wckey, job constraints...).
TEXT = Codec(lambda v: v or "", _load_text)
NUMBER = Codec(_dump_number, _load_int)
FLOAT = Codec(_dump_float, _load_float)
BOOL_INT = Codec(lambda v: int(bool(v)), _load_bool_int)
STRINGS = Codec(lambda v: list(v or ()), _load_strings)


def choice(enum_type: type[enum.Enum]) -> Codec:
    """A string that must be one of an enum's values."""
    allowed = ", ".join(str(m.value) for m in enum_type)

    def load(value: Any, name: str) -> enum.Enum:
        try:
            return enum_type(value)
        except ValueError:
            raise FieldError(name, f"expected one of: {allowed}") from None

    return Codec(lambda v: v.value, load)


def one_or_none(item: Codec) -> Codec:
    """A single optional value written as an array of zero or one item."""
    as_list = listed(item)

    def load(value: Any, name: str) -> Any:
        items = as_list.load(value, name)  # type: ignore[misc]
        if len(items) > 1:
            raise FieldError(name, "expected at most one item")
        return items[0] if items else None

    return Codec(lambda v: [] if v is None else [item.dump(v)], load)
