"""The accounts and coordinators tables: account records with their associations."""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from slurmrestd.cluster.accounting import AccountFilter
from slurmrestd.cluster.embedded.accounting.associations import DELETED
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import Account, Association, Coordinator


def coordinators(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(account, user) pairs, users of live accounts only."""
    return conn.execute(
        "SELECT c.account, c.user FROM coordinators c JOIN users u ON u.name = c.user"
        " WHERE u.deleted = 0 ORDER BY c.account, c.user"
    ).fetchall()


def load(
    conn: sqlite3.Connection, assocs: list[Association], query: AccountFilter
) -> list[Account]:
    sql = "SELECT name, description, organization, deleted FROM accounts"
    if not query.with_deleted:
        sql += " WHERE deleted = 0"
    coords: dict[str, list[Coordinator]] = defaultdict(list)
    for account, user in coordinators(conn):
        coords[account].append(Coordinator(user, True))
    out = []
    for name, description, organization, deleted in conn.execute(sql + " ORDER BY name"):
        if query.names and name not in query.names:
            continue
        if query.descriptions and description not in query.descriptions:
            continue
        if query.organizations and organization not in query.organizations:
            continue
        out.append(
            Account(
                name=name,
                description=description,
                organization=organization,
                associations=tuple(a.short for a in assocs if a.account == name),
                coordinators=tuple(coords.get(name, ())),
                flags=(DELETED,) if deleted else (),
            )
        )
    return out


def exists(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM accounts WHERE name=? AND deleted=0", (name,)).fetchone()
    return row is not None


def upsert(conn: sqlite3.Connection, account: Account) -> None:
    """Add an account or change its description/organization (None keeps them).

    Coordinators given replace the account's coordinators; none given keeps them.

    Raises:
        SlurmError: a coordinator is not a known user.
    """
    if not account.name:
        raise SlurmError(Errno.BAD_NAME, "account without a name", "slurmdb_accounts_add")
    row = conn.execute(
        "SELECT description, organization, deleted FROM accounts WHERE name=?", (account.name,)
    ).fetchone()
    if row is None:
        # sacctmgr fills both from the name when they are not given.
        conn.execute(
            "INSERT INTO accounts (name, description, organization) VALUES (?, ?, ?)",
            (
                account.name,
                account.description or account.name,
                account.organization or account.name,
            ),
        )
    else:
        old_description, old_organization, _ = row
        conn.execute(
            "UPDATE accounts SET description=?, organization=?, deleted=0 WHERE name=?",
            (
                account.description or old_description,
                account.organization or old_organization,
                account.name,
            ),
        )
    if account.coordinators:
        users = list(dict.fromkeys(c.name for c in account.coordinators))  # named twice: once
        for user in users:
            if not conn.execute(
                "SELECT 1 FROM users WHERE name=? AND deleted=0", (user,)
            ).fetchone():
                raise SlurmError(
                    Errno.USER_ID_MISSING,
                    f"coordinator {user!r} is not a user",
                    "slurmdb_coord_add",
                )
        conn.execute("DELETE FROM coordinators WHERE account=?", (account.name,))
        conn.executemany(
            "INSERT INTO coordinators (account, user) VALUES (?, ?)",
            [(account.name, user) for user in users],
        )


def mark_deleted(conn: sqlite3.Connection, name: str) -> None:
    conn.execute("UPDATE accounts SET deleted=1 WHERE name=?", (name,))
    conn.execute("DELETE FROM coordinators WHERE account=?", (name,))
