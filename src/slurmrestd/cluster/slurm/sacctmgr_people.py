"""Accounts and users from `sacctmgr -P -n show account|user withassoc withcoord`
(and the users' default wckeys, which mark the defaults among the wckeys).

Both listings print one line per association (a record without any prints one
line with the association columns empty, ID 0), so lines are grouped by name.
The association lists keep slurmdbd's tree order (lft), as the REST API does.

Coordinators: sacctmgr names them but does not say whether a coordinator was
set on the account itself or inherited from a parent ("add coordinator" covers
all sub-accounts). Inherited is derived here: a coordinator of an account who
also coordinates one of its ancestors. Direct ones come first, as slurmdbd
lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from slurmrestd.cluster.slurm import sacctmgr_text as st
from slurmrestd.model.accounting import Account, AdminLevel, AssocShort, Coordinator, User

ACCOUNT_FIELDS = (
    "Account",
    "ParentName",
    "Coordinators",
    "Cluster",
    "User",
    "Partition",
    "ID",
    "LFT",
    "Organization",
    "Description",  # free text last (see sacctmgr_text.rows)
)
USER_FIELDS = (
    "User",
    "DefaultAccount",
    "DefaultWCKey",
    "AdminLevel",
    "Coordinators",
    "Cluster",
    "Account",
    "Partition",
    "ID",
    "LFT",
)
# Each user's default wckey, to mark it among `show wckey`'s records (which cannot
# say). slurmdbd keeps one default per user and cluster and sacctmgr prints one per
# user: exact for the usual single cluster.
DEFAULT_WCKEY_FIELDS = ("User", "DefaultWCKey")
SHOW_DEFAULT_WCKEYS = st.show_command("user", DEFAULT_WCKEY_FIELDS)
# `show assoc` columns that give the account tree (for inherited coordinators).
TREE_FIELDS = ("Account", "User", "ParentName")

Parents = Mapping[str, str | None]  # account -> parent account


def _short(row: Mapping[str, str], user: str | None) -> tuple[int, AssocShort] | None:
    """The association a listing line shows, with its lft; None for "no association"."""
    if not row["Cluster"] or st.integer(row["ID"]) in (None, 0):
        return None
    short = AssocShort(
        account=st.text(row["Account"]),
        cluster=row["Cluster"],
        partition=st.text(row["Partition"]),
        user=user,
        id=st.integer(row["ID"]),
    )
    return st.integer(row["LFT"]) or 0, short


def _in_tree_order(found: Iterable[tuple[int, AssocShort]]) -> tuple[AssocShort, ...]:
    return tuple(short for _, short in sorted(found, key=lambda item: (item[1].cluster, item[0])))


def _ancestors(account: str, parents: Parents) -> set[str]:
    seen: set[str] = set()
    current = parents.get(account)
    while current and current not in seen:
        seen.add(current)
        current = parents.get(current)
    return seen


def coordinated(accounts: Sequence[str], parents: Parents) -> tuple[Coordinator, ...]:
    """A user's coordinator entries: the accounts given, direct ones first."""
    held = set(accounts)
    direct = [a for a in accounts if not _ancestors(a, parents) & held]
    inherited = [a for a in accounts if a not in direct]
    return tuple(Coordinator(a, True) for a in direct) + tuple(
        Coordinator(a, False) for a in inherited
    )


def parse_tree(output: str) -> dict[str, str | None]:
    """account -> parent account, from `show assoc format=TREE_FIELDS`."""
    parents: dict[str, str | None] = {}
    for row in st.rows(output, TREE_FIELDS, "slurmdb_associations_get"):
        if not row["User"]:
            parents.setdefault(row["Account"], st.text(row["ParentName"]))
    return parents


def parse_default_wckeys(output: str) -> dict[str, str]:
    """user -> default wckey name, from SHOW_DEFAULT_WCKEYS (users without one left out)."""
    found = st.rows(output, DEFAULT_WCKEY_FIELDS, "slurmdb_users_get")
    return {row["User"]: row["DefaultWCKey"] for row in found if row["DefaultWCKey"]}


def parse_accounts(output: str) -> list[Account]:
    """Accounts from `show account withassoc withcoord format=ACCOUNT_FIELDS`, by name."""
    lines = st.rows(output, ACCOUNT_FIELDS, "slurmdb_accounts_get")
    first: dict[str, Mapping[str, str]] = {}
    assocs: dict[str, list[tuple[int, AssocShort]]] = {}
    parents: dict[str, str | None] = {}
    for row in lines:
        name = row["Account"]
        first.setdefault(name, row)
        found = _short(row, st.text(row["User"]))
        assocs.setdefault(name, [])
        if found is not None:
            assocs[name].append(found)
        if not row["User"] and row["ParentName"]:
            parents.setdefault(name, row["ParentName"])
    # Each user's coordinated accounts, to tell inherited entries from direct ones.
    held: dict[str, list[str]] = {}
    for name, row in first.items():
        for user in st.names(row["Coordinators"]):
            held.setdefault(user, []).append(name)
    accounts = []
    for name, row in first.items():
        coords = []
        for user in st.names(row["Coordinators"]):
            inherited = bool(_ancestors(name, parents) & set(held[user]))
            coords.append(Coordinator(user, not inherited))
        coords.sort(key=lambda c: not c.direct)
        accounts.append(
            Account(
                name=name,
                description=st.text(row["Description"]),
                organization=st.text(row["Organization"]),
                associations=_in_tree_order(assocs[name]),
                coordinators=tuple(coords),
            )
        )
    return sorted(accounts, key=lambda a: a.name)


def admin_level(value: str) -> AdminLevel:
    try:
        return AdminLevel(value)
    except ValueError:
        return AdminLevel.NOT_SET


def needs_tree(users: Iterable[User]) -> bool:
    """Whether telling inherited coordinators apart needs the account tree."""
    return any(len(u.coordinators) > 1 for u in users)


def parse_users(output: str, parents: Parents) -> list[User]:
    """Users from `show user withassoc withcoord format=USER_FIELDS`, by name.

    `parents` (account -> parent) is only needed for users coordinating several accounts.
    """
    first: dict[str, Mapping[str, str]] = {}
    assocs: dict[str, list[tuple[int, AssocShort]]] = {}
    for row in st.rows(output, USER_FIELDS, "slurmdb_users_get"):
        name = row["User"]
        first.setdefault(name, row)
        found = _short(row, name)
        assocs.setdefault(name, [])
        if found is not None:
            assocs[name].append(found)
    users = []
    for name, row in first.items():
        users.append(
            User(
                name=name,
                administrator_level=admin_level(row["AdminLevel"]),
                associations=_in_tree_order(assocs[name]),
                coordinators=coordinated(list(st.names(row["Coordinators"])), parents),
                default_account=st.text(row["DefaultAccount"]),
                default_wckey=st.text(row["DefaultWCKey"]),
            )
        )
    return sorted(users, key=lambda u: u.name)
