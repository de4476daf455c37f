"""Fair-share rows as sshare shows them: one per association, parents before children.

Usage is in CPU-seconds; normalized values are fractions of the cluster's
total (shares among siblings, usage of the root). None = not computed.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class ShareKind(enum.Enum):
    ASSOCIATION = "ASSOCIATION"  # an account's own association
    USER = "USER"


@dataclass(frozen=True, slots=True)
class ShareRow:
    id: int
    cluster: str
    name: str  # account name, or user name for USER rows
    parent: str  # parent account ("" for root)
    kind: ShareKind
    partition: str = ""
    shares: int | float | None = None  # raw shares; INFINITE for "parent"
    shares_normalized: float | None = None
    usage: int = 0
    usage_normalized: float | None = None
    effective_usage: float | None = None
    fairshare_factor: float | None = None
    fairshare_level: float | None = None


@dataclass(frozen=True, slots=True)
class SharesSnapshot:
    rows: tuple[ShareRow, ...]
    total_shares: int


def filter_rows(
    rows: Sequence[ShareRow], accounts: Sequence[str], users: Sequence[str]
) -> tuple[ShareRow, ...]:
    """Rows of the given accounts and users, with their parent accounts kept for context."""
    if not accounts and not users:
        return tuple(rows)

    def wanted(row: ShareRow) -> bool:
        account = row.parent if row.kind is ShareKind.USER else row.name
        if accounts and account not in accounts:
            return False
        return not users or (row.kind is ShareKind.USER and row.name in users)

    kept = [wanted(row) for row in rows]
    parents = {row.parent for row, keep in zip(rows, kept, strict=True) if keep}
    return tuple(
        row
        for row, keep in zip(rows, kept, strict=True)
        if keep or (row.kind is ShareKind.ASSOCIATION and row.name in parents)
    )
