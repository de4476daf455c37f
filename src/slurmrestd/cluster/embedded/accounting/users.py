"""The users table: user records with their associations, coordinators and wckeys.

A user's default account is not a column: it is the account of the user's
default association on the local cluster, as slurmdbd derives it (a user added
with a default account but no association has none, see the 22.05 capture
GET_slurmdb_v0.0.38_user_{user_name}__created).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from slurmrestd.cluster.accounting import UserFilter, WCKeyFilter
from slurmrestd.cluster.embedded.accounting import associations, wckeys
from slurmrestd.cluster.embedded.accounting.accounts import coordinators
from slurmrestd.cluster.embedded.accounting.associations import DELETED
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import AdminLevel, Association, Coordinator, User, WCKey


def load(
    conn: sqlite3.Connection, assocs: list[Association], query: UserFilter, local_cluster: str
) -> list[User]:
    sql = "SELECT name, admin_level, deleted FROM users"
    if not query.with_deleted:
        sql += " WHERE deleted = 0"
    coords: dict[str, list[Coordinator]] = defaultdict(list)
    for account, user in coordinators(conn):
        coords[user].append(Coordinator(account, True))
    default_accounts = {
        a.user: a.account for a in assocs if a.user and a.is_default and a.cluster == local_cluster
    }
    default_wckeys = wckeys.defaults(conn, local_cluster)
    keys: dict[str, list[WCKey]] = defaultdict(list)
    for key in wckeys.load(conn, WCKeyFilter()):
        keys[key.user or ""].append(key)
    out = []
    for name, level, deleted in conn.execute(sql + " ORDER BY name"):
        user = User(
            name=name,
            administrator_level=AdminLevel(level),
            associations=tuple(a.short for a in assocs if a.user == name),
            coordinators=tuple(coords.get(name, ())),
            default_account=default_accounts.get(name),
            default_wckey=default_wckeys.get(name),
            flags=(DELETED,) if deleted else (),
            wckeys=tuple(keys.get(name, ())),
        )
        if _matches(user, query):
            out.append(user)
    return out


def _matches(user: User, query: UserFilter) -> bool:
    checks = (
        (query.names, user.name),
        (query.admin_levels, user.administrator_level),
        (query.default_accounts, user.default_account),
        (query.default_wckeys, user.default_wckey),
    )
    return not any(wanted and value not in wanted for wanted, value in checks)


def admin_level(conn: sqlite3.Connection, name: str) -> AdminLevel:
    row = conn.execute(
        "SELECT admin_level FROM users WHERE name=? AND deleted=0", (name,)
    ).fetchone()
    return AdminLevel(row[0]) if row else AdminLevel.NOT_SET


def upsert(conn: sqlite3.Connection, user: User, local_cluster: str) -> None:
    """Add a user or change it: admin level (NOT_SET keeps it), default account and
    wckey, the accounts it coordinates (none given keeps them) and its wckeys.

    Raises:
        SlurmError: a coordinated account does not exist.
    """
    if not user.name:
        raise SlurmError(Errno.BAD_NAME, "user without a name", "slurmdb_users_add")
    level = user.administrator_level
    row = conn.execute("SELECT admin_level FROM users WHERE name=?", (user.name,)).fetchone()
    if row is None:
        stored = AdminLevel.NONE if level is AdminLevel.NOT_SET else level
        conn.execute(
            "INSERT INTO users (name, admin_level) VALUES (?, ?)", (user.name, stored.value)
        )
    else:
        stored = AdminLevel(row[0]) if level is AdminLevel.NOT_SET else level
        conn.execute(
            "UPDATE users SET admin_level=?, deleted=0 WHERE name=?", (stored.value, user.name)
        )
    if user.default_account:
        # Only an existing association can become the default (22.05 ignores the rest).
        associations.make_default(conn, (local_cluster, user.default_account, user.name, ""))
    for key in user.wckeys:
        wckeys.upsert(conn, WCKey(key.name, user.name, key.cluster), local_cluster, default=False)
    if user.default_wckey:
        wckeys.upsert(conn, WCKey(user.default_wckey, user.name), local_cluster, default=True)
    if user.coordinators:
        # An account named twice is coordinated once (it is a set, as in slurmdbd).
        accounts = list(dict.fromkeys(c.name for c in user.coordinators))
        for account in accounts:
            if not conn.execute(
                "SELECT 1 FROM accounts WHERE name=? AND deleted=0", (account,)
            ).fetchone():
                raise SlurmError(
                    Errno.INVALID_ACCOUNT,
                    f"account {account!r} does not exist",
                    "slurmdb_coord_add",
                )
        conn.execute("DELETE FROM coordinators WHERE user=?", (user.name,))
        conn.executemany(
            "INSERT INTO coordinators (account, user) VALUES (?, ?)",
            [(account, user.name) for account in accounts],
        )


def mark_deleted(conn: sqlite3.Connection, name: str) -> bool:
    """False when there is no such (live) user."""
    cursor = conn.execute("UPDATE users SET deleted=1 WHERE name=? AND deleted=0", (name,))
    if not cursor.rowcount:
        return False
    conn.execute("DELETE FROM coordinators WHERE user=?", (name,))
    conn.execute("UPDATE wckeys SET deleted=1, is_default=0 WHERE user=?", (name,))
    return True
