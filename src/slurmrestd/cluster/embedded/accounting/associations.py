"""The associations table: tree order, filters, add-or-modify and removal.

An association row is keyed by (cluster, account, user, partition); "" stands
for "none" in the key columns and the limits live in `record` (codec JSON).
Listing walks the tree as slurmdbd orders it (lft order): a parent first,
then its children, newest first, which is the order the 22.05 captures show.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections import defaultdict
from collections.abc import Iterable

from slurmrestd.cluster.accounting import AssocFilter
from slurmrestd.cluster.embedded.accounting import codec
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import Association

DELETED = "DELETED"
ROOT_ACCOUNT = "root"
DEFAULT_SHARES = 1  # Fairshare=1 unless set, as sacctmgr gives
Key = tuple[str, str, str, str]  # cluster, account, user, partition
# slurmdbd's answer to an association on a cluster that was never added.
INVALID_CLUSTER_NAME = Errno.INVALID_CLUSTER_NAME

# Fields that identify or describe an association's place, not its limits.
_PLACE_FIELDS = ("account", "cluster", "partition", "user", "id", "parent_account", "lineage")
_NOT_STORED = (*_PLACE_FIELDS, "is_default", "accounting", "usage")
_LIMIT_FIELDS = tuple(f.name for f in dataclasses.fields(Association) if f.name not in _NOT_STORED)


def key_of(assoc: Association, local_cluster: str) -> Key:
    return (
        assoc.cluster or local_cluster,
        assoc.account or "",
        assoc.user or "",
        assoc.partition or "",
    )


def describe(assoc: Association) -> str:
    """How sacctmgr names a removed association ("C = c A = a U = u")."""
    text = f"C = {assoc.cluster} A = {assoc.account}"
    if assoc.user:
        text += f" U = {assoc.user}"
    if assoc.partition:
        text += f" P = {assoc.partition}"
    return text


def _from_row(row: sqlite3.Row | tuple) -> Association:
    id_, cluster, account, user, partition, parent, is_default, deleted, record = row
    base = codec.loads(Association, record)
    return dataclasses.replace(
        base,
        id=id_,
        cluster=cluster,
        account=account,
        user=user or None,
        partition=partition or None,
        parent_account=parent or None,
        is_default=bool(is_default),
        flags=base.flags + ((DELETED,) if deleted else ()),
    )


def load_all(conn: sqlite3.Connection, *, with_deleted: bool = False) -> list[Association]:
    """Every association in tree order, lineage filled in."""
    sql = (
        "SELECT id, cluster, account, user, partition, parent_account, is_default, deleted,"
        " record FROM associations"
    )
    if not with_deleted:
        sql += " WHERE deleted = 0"
    return tree_order([_from_row(r) for r in conn.execute(sql)])


def _parent_key(assoc: Association) -> Key | None:
    cluster = assoc.cluster or ""
    if assoc.user is None and assoc.partition is None:
        if not assoc.parent_account:
            return None
        return (cluster, assoc.parent_account, "", "")
    return (cluster, assoc.account or "", "", "")


def tree_order(assocs: Iterable[Association]) -> list[Association]:
    by_key = {key_of(a, ""): a for a in assocs}
    children: dict[Key, list[Association]] = defaultdict(list)
    tops = []
    for assoc in by_key.values():
        parent = _parent_key(assoc)
        if parent is None or parent not in by_key:
            tops.append(assoc)
        else:
            children[parent].append(assoc)
    out: list[Association] = []

    def walk(assoc: Association, lineage: str | None) -> None:
        if lineage is None:
            here = "/"
        else:
            segment = assoc.account if assoc.user is None else f"0-{assoc.user}"
            if assoc.partition:
                segment = f"{segment}/{assoc.partition}"
            here = f"{lineage}{segment}/"
        out.append(dataclasses.replace(assoc, lineage=here))
        for child in sorted(children[key_of(assoc, "")], key=lambda a: -(a.id or 0)):
            walk(child, here)

    for top in sorted(tops, key=lambda a: (a.cluster or "", a.id or 0)):
        walk(top, None)
    return out


def matches(assoc: Association, query: AssocFilter) -> bool:
    checks = (
        (query.clusters, assoc.cluster),
        (query.accounts, assoc.account),
        (query.users, assoc.user),
        (query.partitions, assoc.partition),
        (query.ids, assoc.id),
        (query.parent_accounts, assoc.parent_account),
        (query.default_qos, assoc.default_qos),
    )
    if any(wanted and value not in wanted for wanted, value in checks):
        return False
    if query.qos and not set(query.qos) & set(assoc.qos):
        return False
    return not (query.only_defaults and not assoc.is_default)


def _stored(assoc: Association) -> str:
    blank = {name: None for name in _PLACE_FIELDS}
    return codec.dumps(dataclasses.replace(assoc, **blank, is_default=False, usage=None))


def _merge(old: Association, new: Association) -> Association:
    """`old` with every limit `new` sets (None and () leave a limit as it was)."""
    changes = {}
    for name in _LIMIT_FIELDS:
        value = getattr(new, name)
        if value is not None and value != ():
            changes[name] = value
    return dataclasses.replace(old, **changes)


def _row_id(conn: sqlite3.Connection, key: Key, *, live: bool = True) -> int | None:
    sql = "SELECT id FROM associations WHERE cluster=? AND account=? AND user=? AND partition=?"
    if live:
        sql += " AND deleted = 0"
    row = conn.execute(sql, key).fetchone()
    return row[0] if row else None


def _require(conn: sqlite3.Connection, assoc: Association, key: Key) -> None:
    """Raises SlurmError when the association's account, user, parent or QOS is unknown."""
    cluster, account, user, partition = key
    source = "slurmdb_associations_add"
    if not conn.execute("SELECT 1 FROM clusters WHERE name=? AND deleted=0", (cluster,)).fetchone():
        raise SlurmError(INVALID_CLUSTER_NAME, f"cluster {cluster!r} has not been added", source)
    if not conn.execute("SELECT 1 FROM accounts WHERE name=? AND deleted=0", (account,)).fetchone():
        raise SlurmError(Errno.INVALID_ACCOUNT, f"account {account!r} does not exist", source)
    if (
        user
        and not conn.execute("SELECT 1 FROM users WHERE name=? AND deleted=0", (user,)).fetchone()
    ):
        raise SlurmError(Errno.USER_ID_MISSING, f"user {user!r} does not exist", source)
    if user or partition:
        if _row_id(conn, (cluster, account, "", "")) is None:
            raise SlurmError(
                Errno.INVALID_ACCOUNT,
                f"account {account!r} has no association on cluster {cluster!r}",
                source,
            )
    elif account != ROOT_ACCOUNT:
        parent = assoc.parent_account or ROOT_ACCOUNT
        if _row_id(conn, (cluster, parent, "", "")) is None:
            raise SlurmError(
                Errno.INVALID_PARENT_ACCOUNT,
                f"parent account {parent!r} has no association on cluster {cluster!r}",
                source,
            )
    for name in (*assoc.qos, *([assoc.default_qos] if assoc.default_qos else [])):
        if not conn.execute("SELECT 1 FROM qos WHERE name=? AND deleted=0", (name,)).fetchone():
            raise SlurmError(Errno.INVALID_QOS, f"QOS {name!r} does not exist", source)


def _refuse_cycle(conn: sqlite3.Connection, cluster: str, account: str, parent: str) -> None:
    """Raises SlurmError when `parent` is `account` itself or lies below it."""
    seen = set()
    current: str | None = parent
    while current and current not in seen:
        if current == account:
            raise SlurmError(
                Errno.INVALID_PARENT_ACCOUNT,
                f"account {account!r} cannot be placed below itself ({parent!r})",
                "slurmdb_accounts_modify",
            )
        seen.add(current)
        row = conn.execute(
            "SELECT parent_account FROM associations WHERE cluster=? AND account=?"
            " AND user='' AND partition='' AND deleted=0",
            (cluster, current),
        ).fetchone()
        current = row[0] if row else None


def _find(conn: sqlite3.Connection, key: Key) -> Association | None:
    row = conn.execute(
        "SELECT id, cluster, account, user, partition, parent_account, is_default, deleted,"
        " record FROM associations WHERE cluster=? AND account=? AND user=? AND partition=?",
        key,
    ).fetchone()
    return _from_row(row) if row else None


def _has_default(conn: sqlite3.Connection, cluster: str, user: str) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM associations WHERE cluster=? AND user=? AND is_default=1 AND deleted=0",
            (cluster, user),
        ).fetchone()
    )


def make_default(conn: sqlite3.Connection, key: Key) -> bool:
    """Make `account` the user's default on a cluster (every partition's association of it).

    False when the user has no association with that account there.
    """
    cluster, account, user, _ = key
    exists = conn.execute(
        "SELECT 1 FROM associations WHERE cluster=? AND account=? AND user=? AND deleted=0",
        (cluster, account, user),
    ).fetchone()
    if not exists:
        return False
    conn.execute(
        "UPDATE associations SET is_default = (account = ?) WHERE cluster=? AND user=?",
        (account, cluster, user),
    )
    return True


def upsert(conn: sqlite3.Connection, assoc: Association, local_cluster: str) -> None:
    """Add an association, or change the limits of the one with the same key.

    Raises:
        SlurmError: its cluster, account, user, parent account or a QOS is unknown.
    """
    key = key_of(assoc, local_cluster)
    cluster, account, user, partition = key
    if not account:
        raise SlurmError(Errno.INVALID_ACCOUNT, "association without account", "")
    _require(conn, assoc, key)
    old = _find(conn, key)
    if old is not None and DELETED not in old.flags:
        merged = _merge(old, assoc)
        merged = dataclasses.replace(merged, flags=tuple(f for f in merged.flags if f != DELETED))
        conn.execute("UPDATE associations SET record=? WHERE id=?", (_stored(merged), old.id))
        if not user and not partition and assoc.parent_account and account != ROOT_ACCOUNT:
            # sacctmgr modify account set parent=: the account moves in the tree.
            _refuse_cycle(conn, cluster, account, assoc.parent_account)
            conn.execute(
                "UPDATE associations SET parent_account=? WHERE id=?",
                (assoc.parent_account, old.id),
            )
    else:
        parent = _find(conn, (cluster, assoc.parent_account or ROOT_ACCOUNT, "", ""))
        if user or partition:
            parent = _find(conn, (cluster, account, "", ""))
        fresh = assoc
        if not fresh.qos and parent is not None:
            fresh = dataclasses.replace(fresh, qos=parent.qos)  # inherited when created
        if fresh.shares_raw is None:
            fresh = dataclasses.replace(fresh, shares_raw=DEFAULT_SHARES)
        fresh = dataclasses.replace(fresh, flags=tuple(f for f in fresh.flags if f != DELETED))
        parent_account = None
        if not user and not partition and account != ROOT_ACCOUNT:
            parent_account = assoc.parent_account or ROOT_ACCOUNT
        if old is not None:
            conn.execute("DELETE FROM associations WHERE id=?", (old.id,))
        conn.execute(
            "INSERT INTO associations (cluster, account, user, partition, parent_account,"
            " record) VALUES (?, ?, ?, ?, ?, ?)",
            (*key, parent_account, _stored(fresh)),
        )
        if user and not _has_default(conn, cluster, user):
            assoc = dataclasses.replace(assoc, is_default=True)
    if user and assoc.is_default:
        make_default(conn, key)


def subtree(doomed: list[Association], everything: list[Association]) -> list[Association]:
    """`doomed` and every association below them, in tree order."""
    keys = {key_of(a, "") for a in doomed}
    grew = True
    while grew:
        grew = False
        for assoc in everything:
            key = key_of(assoc, "")
            if key not in keys and _parent_key(assoc) in keys:
                keys.add(key)
                grew = True
    return [a for a in everything if key_of(a, "") in keys]


def remove(
    conn: sqlite3.Connection, removed: list[Association], everything: list[Association]
) -> list[str]:
    """Mark `removed` (a whole subtree) deleted; their descriptions.

    Raises:
        SlurmError: 7009 when a user would keep associations but lose the default one.
    """
    gone = {key_of(a, "") for a in removed}
    for assoc in removed:
        if not (assoc.user and assoc.is_default):
            continue
        kept = [
            a
            for a in everything
            if a.user == assoc.user and a.cluster == assoc.cluster and key_of(a, "") not in gone
        ]
        if kept and not any(a.is_default for a in kept):
            raise SlurmError(
                Errno.NO_REMOVE_DEFAULT_ACCOUNT,
                f"{describe(assoc)} is the default association of user {assoc.user!r}",
                "slurmdb_associations_remove",
            )
    for assoc in removed:
        conn.execute("UPDATE associations SET deleted=1, is_default=0 WHERE id=?", (assoc.id,))
    return [describe(a) for a in removed]
