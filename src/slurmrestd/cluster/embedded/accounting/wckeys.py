"""The wckeys table: workload characterization keys per user and cluster."""

from __future__ import annotations

import sqlite3
from collections.abc import Set as AbstractSet

from slurmrestd.cluster.accounting import WCKeyFilter
from slurmrestd.cluster.embedded.accounting.associations import DELETED
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import WCKey


def load(conn: sqlite3.Connection, query: WCKeyFilter) -> list[WCKey]:
    sql = "SELECT id, name, user, cluster, is_default, deleted FROM wckeys"
    if not query.with_deleted:
        sql += " WHERE deleted = 0"
    out = []
    for id_, name, user, cluster, is_default, deleted in conn.execute(sql + " ORDER BY id"):
        checks = (
            (query.names, name),
            (query.ids, id_),
            (query.users, user),
            (query.clusters, cluster),
        )
        if any(wanted and value not in wanted for wanted, value in checks):
            continue
        if query.only_defaults and not is_default:
            continue
        flags = (DELETED,) if deleted else ()
        out.append(WCKey(name, user, cluster, id_, flags, is_default=bool(is_default)))
    return out


def defaults(conn: sqlite3.Connection, cluster: str) -> dict[str, str]:
    """user -> default wckey name on a cluster."""
    rows = conn.execute(
        "SELECT user, name FROM wckeys WHERE cluster=? AND is_default=1 AND deleted=0",
        (cluster,),
    )
    return dict(rows.fetchall())


def upsert(conn: sqlite3.Connection, wckey: WCKey, local_cluster: str, *, default: bool) -> None:
    """Add a wckey (a user's first one on a cluster is the default); revive a removed one.

    `default` or a record marked default (22.05's "DEFAULT" flag) makes it the user's default.

    Raises:
        SlurmError: the user does not exist or the key is incomplete.
    """
    cluster = wckey.cluster or local_cluster
    if not wckey.name or not wckey.user:
        raise SlurmError(
            Errno.INVALID_WCKEY, "a wckey needs a name and a user", "slurmdb_wckeys_add"
        )
    if not conn.execute("SELECT 1 FROM users WHERE name=? AND deleted=0", (wckey.user,)).fetchone():
        raise SlurmError(
            Errno.USER_ID_MISSING, f"user {wckey.user!r} does not exist", "slurmdb_wckeys_add"
        )
    conn.execute(
        "INSERT INTO wckeys (name, user, cluster) VALUES (?, ?, ?)"
        " ON CONFLICT (name, user, cluster) DO UPDATE SET deleted=0",
        (wckey.name, wckey.user, cluster),
    )
    has_default = conn.execute(
        "SELECT 1 FROM wckeys WHERE user=? AND cluster=? AND is_default=1 AND deleted=0",
        (wckey.user, cluster),
    ).fetchone()
    if default or wckey.is_default or not has_default:
        conn.execute(
            "UPDATE wckeys SET is_default = (name = ?) WHERE user=? AND cluster=?",
            (wckey.name, wckey.user, cluster),
        )


def remove(
    conn: sqlite3.Connection,
    doomed: list[WCKey],
    charged: AbstractSet[tuple[str, str | None]] = frozenset(),
) -> list[str]:
    """Remove the keys as slurmdbd does; `charged`: (wckey, user) of the jobs on record.

    slurmdbd purges a key no job was charged to (22.05 then lists nothing, as the
    testbed shows) and only marks the others deleted, which 22.05's GET /wckeys
    lists with "DELETED". A marked default keeps its is_def: ["DELETED", "DEFAULT"].
    (slurmdbd also keeps any key older than a day; this table has no creation time.)
    """
    for wckey in doomed:
        if (wckey.name, wckey.user) in charged:
            conn.execute("UPDATE wckeys SET deleted=1 WHERE id=?", (wckey.id,))
        else:
            conn.execute("DELETE FROM wckeys WHERE id=?", (wckey.id,))
    return [f"C = {w.cluster} W = {w.name} U = {w.user}" for w in doomed]
