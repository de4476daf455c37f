"""dbv0.0.38 accounts: GET /accounts, /account/{name}, POST /accounts bodies.

Also the short association and coordinator shapes that accounts and users share.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.requests import parse_list_body
from slurmrestd.api.versions.dbv0_0_38.shape import Shape, listed, nested, row
from slurmrestd.api.versions.dbv0_0_38.values import BOOL_INT, STRING, STRINGS
from slurmrestd.model.accounting import Account, AssocShort, Coordinator

# Key order as the "associations" items of GET_slurmdb_v0.0.38_accounts.json.
ASSOC_SHORT = Shape(
    AssocShort,
    [
        row("account", "account", STRING),
        row("cluster", "cluster", STRING),
        row("partition", "partition", STRING),
        row("user", "user", STRING),
    ],
)

# No capture lists a coordinator; order as 22.05's parser declares it.
COORDINATOR = Shape(
    Coordinator,
    [
        row("name", "name", STRING),
        row("direct", "direct", BOOL_INT),
    ],
)

ACCOUNT = Shape(
    Account,
    [
        row("associations", "associations", listed(nested(ASSOC_SHORT))),
        row("coordinators", "coordinators", listed(nested(COORDINATOR))),
        row("description", "description", STRING),
        row("name", "name", STRING),
        row("organization", "organization", STRING),
        row("flags", "flags", STRINGS),
    ],
)


def render_assoc_short(assoc: AssocShort) -> dict[str, Any]:
    return ASSOC_SHORT.render(assoc)


def parse_assoc_short(data: Any, source: str = "parse_assoc_short") -> AssocShort:
    return ASSOC_SHORT.parse(data, source)


def render_account(account: Account) -> dict[str, Any]:
    return ACCOUNT.render(account)


def parse_account(data: Any, source: str = "parse_account") -> Account:
    """Raises: SlurmError naming the field that does not fit."""
    return ACCOUNT.parse(data, source)


def parse_account_request(body: Any, source: str = "op_handler_accounts") -> tuple[Account, ...]:
    """The accounts of a POST /slurmdb/v0.0.38/accounts body ({"accounts": [...]}).

    Raises: SlurmError naming the field that does not fit.
    """
    return parse_list_body(body, "accounts", ACCOUNT, source)
