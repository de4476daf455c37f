"""dbv0.0.38 wckeys: GET /wckeys, /wckey/{id}, config dump.

No capture holds a wckey (the testbed tracks none); key order as 22.05's
parser declares it, types as the dbv0.0.38 schema gives them (TRES of a usage
row is a list there).
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape, listed, nested, row
from slurmrestd.api.versions.dbv0_0_38.tres import TRES
from slurmrestd.api.versions.dbv0_0_38.values import NUMBER, STRING, STRINGS, one_or_none
from slurmrestd.model.accounting import AccountingUsage, WCKey

ACCOUNTING_USAGE = Shape(
    AccountingUsage,
    [
        row("allocated", "allocated_seconds", NUMBER),
        row("id", "id", NUMBER),
        row("start", "start", NUMBER),
        row("TRES", "tres", one_or_none(nested(TRES))),
    ],
)

WCKEY = Shape(
    WCKey,
    [
        row("accounting", "accounting", listed(nested(ACCOUNTING_USAGE))),
        row("cluster", "cluster", STRING),
        row("id", "id", NUMBER),
        row("name", "name", STRING),
        row("user", "user", STRING),
        row("flags", "flags", STRINGS),
    ],
)


def render_wckey(wckey: WCKey) -> dict[str, Any]:
    return WCKEY.render(wckey)


def parse_wckey(data: Any, source: str = "parse_wckey") -> WCKey:
    """Raises: SlurmError naming the field that does not fit."""
    return WCKEY.parse(data, source)
