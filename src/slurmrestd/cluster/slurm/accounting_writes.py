"""The store's writes of accounts, users and associations (sacctmgr add/modify/delete runs).

The store's rule is "add or modify": what exists is changed with `modify ...
where ... set`, the rest is added, so each call first reads what exists (as
the caller). Where sacctmgr 22.05 does more than the REST call would, it is
undone or refused here:
- `add account` always creates the account's association on the local
  cluster; POST /accounts creates none, so that association is removed again
  (only for an account that did not exist before);
- `add user` needs an account (a user without associations is deleted by
  slurmdbd), so a new user without a default account is refused; with one,
  the user gets an association under it.
QOS, TRES, wckeys, clusters and job records: record_writes.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import (
    AccountFilter,
    AssocConditions,
    AssocFilter,
    UserFilter,
)
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import sacctmgr_limits as limits
from slurmrestd.cluster.slurm import sacctmgr_text as st
from slurmrestd.cluster.slurm.commands import SlurmCommands
from slurmrestd.cluster.slurm.sacctmgr_writes import (
    SacctmgrRunner,
    command,
    joined,
    option,
    where_set,
)
from slurmrestd.model.accounting import Account, AdminLevel, Association, Coordinator, User


class Reads(Protocol):
    """The listings a write needs to tell "add" from "modify" (SlurmAccounting's own)."""

    def accounts(self, identity: Identity, query: AccountFilter) -> list[Account]: ...
    def users(self, identity: Identity, query: UserFilter) -> list[User]: ...
    def associations(self, identity: Identity, query: AssocFilter) -> list[Association]: ...
    def tres_table(self, identity: Identity) -> st.TresTable: ...


def _user_settings(user: User) -> list[str]:
    level = user.administrator_level
    return [
        *option("AdminLevel", None if level is AdminLevel.NOT_SET else level.value),
        *option("DefaultAccount", user.default_account),
        *option("DefaultWCKey", user.default_wckey),
    ]


def _account_settings(account: Account) -> list[str]:
    return [
        *option("Description", account.description),
        *option("Organization", account.organization),
    ]


AssocKey = tuple[str, str | None, str | None, str | None]  # cluster, account, user, partition


def _assoc_key(assoc: Association, local: str) -> AssocKey:
    return (assoc.cluster or local, assoc.account, assoc.user, assoc.partition)


class Writer(SacctmgrRunner):
    def __init__(self, commands: SlurmCommands, cluster_name: str, reads: Reads) -> None:
        super().__init__(commands, cluster_name)
        self._reads = reads

    def _add_coordinators(
        self, identity: Identity, account: str, wanted: Sequence[Coordinator], have: set[str]
    ) -> None:
        missing = [c.name for c in wanted if c.name not in have]
        if missing:
            argv = command("add", "coordinator", f"Accounts={account}", f"Names={joined(missing)}")
            self._run(identity, argv, "slurmdb_accounts_add")

    # ------------------------------------------------------------------ accounts

    def add_accounts(self, identity: Identity, accounts: Sequence[Account]) -> None:
        source = "slurmdb_accounts_add"
        if not accounts:
            return
        known = {a.name: a for a in self._reads.accounts(identity, AccountFilter())}
        for account in accounts:
            name = account.name
            if name in known:
                argv = where_set("account", [f"Names={name}"], _account_settings(account))
                if argv:
                    self._run(identity, argv, source)
            else:
                self._run(
                    identity, command("add", "account", name, *_account_settings(account)), source
                )
                # POST /accounts adds no association (see the module doc).
                argv = command("delete", "account", f"Names={name}", f"Clusters={self._local}")
                self._run(identity, argv, source)
            have = {c.name for c in known[name].coordinators} if name in known else set()
            self._add_coordinators(identity, name, account.coordinators, have)

    def add_accounts_with_assocs(
        self, identity: Identity, accounts: Sequence[Account], conditions: AssocConditions
    ) -> list[str]:
        source = "slurmdb_accounts_add"
        template = conditions.template
        opts = limits.set_options(
            template, limits.ASSOC_COLUMNS, self._reads.tres_table(identity), source
        )
        clusters = conditions.clusters or (self._local,)
        known = {a.name for a in self._reads.accounts(identity, AccountFilter())}
        for account in accounts:
            where = [f"Clusters={joined(clusters)}", *option("Parent", template.parent_account)]
            settings = _account_settings(account)
            argv = command("add", "account", account.name, *where, *settings, *opts)
            self._run(identity, argv, source)
            if account.name in known:  # `add` leaves an existing account's text as it was
                change = where_set("account", [f"Names={account.name}"], settings)
                if change:
                    self._run(identity, change, source)
        return [a.name for a in accounts]

    def delete_account(self, identity: Identity, name: str) -> list[str]:
        argv = command("delete", "account", f"Names={name}")
        return self._deleted(identity, argv, name, "slurmdb_accounts_remove")

    # ------------------------------------------------------------------ users

    def add_users(self, identity: Identity, users: Sequence[User]) -> None:
        source = "slurmdb_users_add"
        if not users:
            return
        names = tuple(u.name for u in users)
        known = {u.name: u for u in self._reads.users(identity, UserFilter(names=names))}
        for user in users:
            settings = _user_settings(user)
            if user.name in known:
                argv = where_set("user", [f"Names={user.name}"], settings)
                if argv:
                    self._run(identity, argv, source)
            elif user.default_account:
                argv = command("add", "user", user.name, f"Accounts={user.default_account}")
                self._run(identity, (*argv, *settings), source)
            else:
                raise SlurmError(
                    Errno.INVALID_ACCOUNT,
                    f"user {user.name!r}: sacctmgr adds a user only with an account"
                    " (give default.account)",
                    source,
                )
            held = {c.name for c in known[user.name].coordinators} if user.name in known else set()
            for coord in user.coordinators:
                if coord.name not in held:
                    self._add_coordinators(identity, coord.name, [Coordinator(user.name)], set())

    def add_users_with_assocs(
        self,
        identity: Identity,
        users: Sequence[User],
        conditions: AssocConditions,
        wckeys: Sequence[str] = (),
    ) -> list[str]:
        source = "slurmdb_users_add"
        table = self._reads.tres_table(identity)
        opts = limits.set_options(conditions.template, limits.ASSOC_COLUMNS, table, source)
        where = [
            f"Clusters={joined(conditions.clusters or (self._local,))}",
            *([f"Accounts={joined(conditions.accounts)}"] if conditions.accounts else []),
            *([f"Partitions={joined(conditions.partitions)}"] if conditions.partitions else []),
            *([f"WCKeys={joined(wckeys)}"] if wckeys else []),
        ]
        for user in users:
            argv = command("add", "user", user.name, *where, *_user_settings(user), *opts)
            self._run(identity, argv, source)
        return [u.name for u in users]

    def delete_user(self, identity: Identity, name: str) -> list[str]:
        argv = command("delete", "user", f"Names={name}")
        return self._deleted(identity, argv, name, "slurmdb_users_remove")

    # ------------------------------------------------------------------ associations

    def add_associations(self, identity: Identity, assocs: Sequence[Association]) -> None:
        if not assocs:
            return
        table = self._reads.tres_table(identity)
        existing = {
            _assoc_key(a, self._local): a for a in self._reads.associations(identity, AssocFilter())
        }
        accounts = {a.name for a in self._reads.accounts(identity, AccountFilter())}
        # Accounts' own associations first (users hang below them); a child whose parent
        # comes later in the list is tried again after the others.
        pending = sorted(assocs, key=lambda a: a.user is not None)
        while pending:
            retry: list[Association] = []
            last: SlurmError | None = None
            for assoc in pending:
                try:
                    self._add_association(identity, assoc, existing, accounts, table)
                except SlurmError as exc:
                    if exc.errno != Errno.INVALID_PARENT_ACCOUNT:
                        raise
                    retry.append(assoc)
                    last = exc
            if last is not None and len(retry) == len(pending):
                raise last
            pending = retry

    def _add_association(
        self,
        identity: Identity,
        assoc: Association,
        existing: dict[AssocKey, Association],
        accounts: set[str],
        table: st.TresTable,
    ) -> None:
        source = "slurmdb_associations_add"
        if assoc.comment:  # sacctmgr 22.05: "Unknown field 'comment'"; never drop it silently
            raise SlurmError(
                Errno.NOT_SUPPORTED, "Slurm 22.05 associations have no comment", source
            )
        cluster, account, user, partition = key = _assoc_key(assoc, self._local)
        opts = limits.set_options(assoc, limits.ASSOC_COLUMNS, table, source)
        if not account:
            raise SlurmError(Errno.INVALID_ACCOUNT, "an association needs an account", source)
        changes: list[tuple[str, ...] | None] = []
        if user is None:
            old = existing.get(key)
            parent = assoc.parent_account
            if old is None:
                if account not in accounts:
                    raise SlurmError(
                        Errno.INVALID_ACCOUNT, f"account {account!r} does not exist", source
                    )
                add = command("add", "account", account, f"Clusters={cluster}")
                changes.append((*add, *option("Parent", parent), *opts))
            else:
                moved = parent if parent and parent != old.parent_account else None
                where = [f"Names={account}", f"Clusters={cluster}"]
                changes.append(where_set("account", where, [*option("Parent", moved), *opts]))
        else:
            place = [f"Accounts={account}", f"Clusters={cluster}", *option("Partitions", partition)]
            if key in existing:
                changes.append(where_set("user", [f"Names={user}", *place], opts))
            else:
                changes.append((*command("add", "user", user, *place), *opts))
            if assoc.is_default:
                default = [f"DefaultAccount={account}"]
                changes.append(where_set("user", [f"Names={user}"], default))
        for argv in changes:
            if argv:
                self._run(identity, argv, source)

    def delete_associations(self, identity: Identity, query: AssocFilter) -> list[str]:
        source = "slurmdb_associations_remove"
        if not any((query.clusters, query.accounts, query.users, query.partitions, query.ids)):
            raise SlurmError(
                Errno.REST_INVALID_QUERY,
                "refusing to remove every association: give an account, user, cluster,"
                " partition or id",
                source,
            )
        removed: list[str] = []
        # Users' associations first: removing an account's takes those below with it.
        for assoc in sorted(self._reads.associations(identity, query), key=lambda a: not a.user):
            where = [f"Clusters={assoc.cluster}", *option("Partitions", assoc.partition)]
            if assoc.user:
                argv = command("delete", "user", f"Names={assoc.user}", f"Accounts={assoc.account}")
            else:
                argv = command("delete", "account", f"Names={assoc.account}")
            removed += self._removed(identity, (*argv, *where), source)
        return removed
