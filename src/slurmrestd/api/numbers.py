"""Numbers as each API generation writes them: plain (v0.0.38) or {set, infinite, number}."""

from __future__ import annotations

from typing import Any

INFINITE = float("inf")  # canonical "no limit"; None is canonical "not set"


def no_val(value: int | float | None) -> dict[str, Any]:
    """The v0.0.39+ `*_no_val(_struct)` object for a canonical number."""
    if value is None:
        return {"set": False, "infinite": False, "number": 0}
    if value == INFINITE:
        return {"set": False, "infinite": True, "number": 0}
    return {"set": True, "infinite": False, "number": int(value)}
