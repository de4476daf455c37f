"""v0.0.46 accounts (v0.0.46_account), short associations and coordinators."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape, listed, nested, row
from slurmrestd.api.versions.v0_0_46.slurmdb_values import BOOL, INT, STRING, STRINGS
from slurmrestd.model.accounting import Account, AssocShort, Coordinator

ASSOC_SHORT = Shape(
    AssocShort,
    [
        row("account", "account", STRING),
        row("cluster", "cluster", STRING),
        row("partition", "partition", STRING),
        row("user", "user", STRING),
        row("id", "id", INT),
    ],
)
ASSOC_SHORT_LIST = listed(nested(ASSOC_SHORT))

COORDINATOR = Shape(
    Coordinator,
    [
        row("name", "name", STRING),
        row("direct", "direct", BOOL),
    ],
)
COORDINATOR_LIST = listed(nested(COORDINATOR))

ACCOUNT = Shape(
    Account,
    [
        row("associations", "associations", ASSOC_SHORT_LIST),
        row("coordinators", "coordinators", COORDINATOR_LIST),
        row("description", "description", STRING),
        row("name", "name", STRING),
        row("organization", "organization", STRING),
        row("flags", "flags", STRINGS),
    ],
)


def render_assoc_short(assoc: AssocShort) -> dict[str, Any]:
    return ASSOC_SHORT.render(assoc)


def render_account(account: Account) -> dict[str, Any]:
    return ACCOUNT.render(account)
