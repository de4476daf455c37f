"""v0.0.46 wckeys (v0.0.46_wckey) and usage rows (v0.0.46_accounting)."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape, listed, nested, row
from slurmrestd.api.versions.v0_0_46.slurmdb_tres import TRES
from slurmrestd.api.versions.v0_0_46.slurmdb_values import INT, STRING, STRINGS
from slurmrestd.model.accounting import AccountingUsage, Tres, WCKey

ACCOUNTING_USAGE = Shape(
    AccountingUsage,
    [
        row("allocated/seconds", "allocated_seconds", INT),
        row("id", "id", INT),
        row("id_alt", "id_alt", INT),
        row("start", "start", INT),
        row("TRES", "tres", nested(TRES, empty=TRES.render(Tres(type="")))),
    ],
)
ACCOUNTING_LIST = listed(nested(ACCOUNTING_USAGE))

WCKEY = Shape(
    WCKey,
    [
        row("accounting", "accounting", ACCOUNTING_LIST),
        row("cluster", "cluster", STRING),
        row("id", "id", INT),
        row("name", "name", STRING),
        row("user", "user", STRING),
        row("flags", "flags", STRINGS),
    ],
)
WCKEY_LIST = listed(nested(WCKEY))


def render_accounting_usage(usage: AccountingUsage) -> dict[str, Any]:
    return ACCOUNTING_USAGE.render(usage)


def render_wckey(wckey: WCKey) -> dict[str, Any]:
    return WCKEY.render(wckey)
