"""How v0.0.46 spells single values of slurmdbd records (rendering only).

Newer Slurm writes an unset string as "", a plain unset number as 0, and the
numbers that can be unset or unlimited as {"set", "infinite", "number"}.
Enumerations that are flag sets in Slurm are arrays even with one member.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slurmrestd.api.numbers import INFINITE, no_val
from slurmrestd.api.versions.dbv0_0_38.shape import Codec


def _float_no_val(value: float | None) -> dict[str, Any]:
    if value is None:
        return {"set": False, "infinite": False, "number": 0.0}
    if value == INFINITE:
        return {"set": False, "infinite": True, "number": 0.0}
    return {"set": True, "infinite": False, "number": float(value)}


def _int(value: int | float | None) -> int:
    return 0 if value is None or value == INFINITE else int(value)


def _strings(values: Iterable[str] | None) -> list[str]:
    return list(values or ())


STRING = Codec(lambda v: v or "")
INT = Codec(_int)
BOOL = Codec(bool)
NO_VAL = Codec(no_val)
FLOAT_NO_VAL = Codec(_float_no_val)
STRINGS = Codec(_strings)
# A single enumeration value written as a one-member flag array.
FLAG = Codec(lambda v: [] if v is None else [str(v)])
