"""Who may do what in the accounting store (slurmdbd's admin levels).

An operator is uid 0, a name in the daemon's operator set (root, SlurmUser,
the daemon's own user) or a user whose stored admin level is Operator or
Administrator. Nobody may grant a level above their own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.embedded.accounting import users
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import AdminLevel

_RANK = {
    AdminLevel.NOT_SET: 0,
    AdminLevel.NONE: 1,
    AdminLevel.OPERATOR: 2,
    AdminLevel.ADMINISTRATOR: 3,
}


class Permissions:
    def __init__(self, operators: frozenset[str]) -> None:
        self.operators = operators

    def level(self, conn: sqlite3.Connection, identity: Identity) -> AdminLevel:
        if identity.uid == 0 or identity.user_name in self.operators:
            return AdminLevel.ADMINISTRATOR
        return users.admin_level(conn, identity.user_name)

    def is_operator(self, conn: sqlite3.Connection, identity: Identity) -> bool:
        return _RANK[self.level(conn, identity)] >= _RANK[AdminLevel.OPERATOR]

    def require_operator(self, conn: sqlite3.Connection, identity: Identity, source: str) -> None:
        """Raises SlurmError 2002 (source: the refused slurmdb call) for anyone else."""
        if not self.is_operator(conn, identity):
            raise SlurmError(Errno.ACCESS_DENIED, "", source)

    def require_grantable(
        self, conn: sqlite3.Connection, identity: Identity, levels: Iterable[AdminLevel]
    ) -> None:
        """Raises SlurmError 2002 when a level above the caller's own would be granted."""
        own = _RANK[self.level(conn, identity)]
        for level in levels:
            if _RANK[level] > own:
                raise SlurmError(
                    Errno.ACCESS_DENIED,
                    f"only an administrator may grant admin level {level.value}",
                    "slurmdb_users_add",
                )
