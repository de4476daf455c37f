"""SlurmAccounting: the AccountingStore of a real Slurm 22.05, through its commands.

Every call runs sacct / sacctmgr as the requesting identity (commands.py puts
the user's token in the child's environment), so slurmdbd itself decides who
may see and change what. Job records come from `sacct --json` (sacct_json),
everything else from `sacctmgr -P -n show` text (sacctmgr_text, _limits,
_people, _stats); writes are sacctmgr add/modify/delete runs, built in
accounting_writes and record_writes. Identical concurrent reads share one
run (singleflight); the reads one answer needs run side by side.

Not expressible with 22.05's commands, answered NOT_IMPLEMENTED: new TRES,
cloud instances (22.05 tracks none), and job record fields other than the
comment, derived exit code and wckey.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import (
    AccountFilter,
    AssocConditions,
    AssocFilter,
    ClusterFilter,
    ConfigDump,
    DbdConfig,
    DbdPing,
    InstanceFilter,
    JobChanges,
    JobFilter,
    QosFilter,
    UserFilter,
    WCKeyFilter,
    dump_config,
)
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.memory_only import may_block
from slurmrestd.cluster.slurm import sacct_exit_codes, sacct_json
from slurmrestd.cluster.slurm import sacctmgr_limits as limits
from slurmrestd.cluster.slurm import sacctmgr_people as people
from slurmrestd.cluster.slurm import sacctmgr_stats as stats
from slurmrestd.cluster.slurm import sacctmgr_text as st
from slurmrestd.cluster.slurm.accounting_writes import Writer
from slurmrestd.cluster.slurm.commands import SlurmCommands, error_from_output
from slurmrestd.cluster.slurm.freshness import FreshReads, read_key
from slurmrestd.cluster.slurm.record_writes import RecordWriter
from slurmrestd.cluster.slurm.sacctmgr_writes import sacctmgr_error
from slurmrestd.model.accounting import (
    QOS,
    Account,
    Association,
    Cluster,
    DbdStats,
    Instance,
    Tres,
    User,
    WCKey,
)
from slurmrestd.model.accounting_job import AccountingJob

T = TypeVar("T")

SHOW_TRES = st.show_command("tres", st.TRES_FIELDS, "withdeleted")
SHOW_STATS = ("sacctmgr", "show", "stats")
SHOW_CONFIG = ("sacctmgr", "show", "config")


# TRES definitions change only when an administrator adds one.
TRES_FRESH_S = 60.0


def _keep(wanted: Sequence[object], value: object) -> bool:
    return not wanted or value in wanted


def _ids(text: str) -> frozenset[int]:
    return frozenset(int(v) for v in text.split())


def _together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at once: each is a slurmdbd round trip that mostly waits.

    Never from memory: the calls run in threads of their own, where memory-only
    mode does not reach, so an inline read would wait for them on the event loop.
    """
    may_block()
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


class SlurmAccounting:
    """slurmdbd of a real cluster, seen through sacct and sacctmgr."""

    def __init__(
        self,
        commands: SlurmCommands,
        cluster_name: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        freshness: float = 0.0,  # the cluster passes its --read-freshness
    ) -> None:
        self.cluster_name = cluster_name
        self._commands = commands
        self._clock = clock
        self._wall_clock = wall_clock
        # Reads reused within the freshness bound; any change through this store drops them.
        self._reads = FreshReads(freshness, clock)
        self._lock = threading.Lock()
        self._tres: tuple[float, st.TresTable] | None = None  # (read at, table)
        self._writer = Writer(commands, cluster_name, self)
        self._records = RecordWriter(commands, cluster_name, self)
        self._writer.after_write = self._records.after_write = self._reads.forget

    # ------------------------------------------------------------------ running

    def _text(self, identity: Identity, argv: tuple[str, ...]) -> str:
        """stdout of a read, run once for identical concurrent calls (see read_key)."""
        return self._reads.read(read_key(identity, argv), lambda: self._output(identity, argv))

    def _read(self, identity: Identity, argv: tuple[str, ...], parse: Callable[[str], T]) -> T:
        return parse(self._text(identity, argv))

    def _output(self, identity: Identity, argv: Sequence[str]) -> str:
        """stdout of a command that must succeed.

        Raises:
            SlurmError: it failed; the source is the slurmdb call it stands for.
        """
        result = self._commands.run(identity, argv)
        if result.returncode == 0:
            return result.stdout
        if argv[0] == "sacctmgr":
            raise sacctmgr_error(result, _source_of(argv))
        error = error_from_output(argv, result.returncode, result.stdout, result.stderr)
        raise SlurmError(error.errno, error.description, _source_of(argv))

    def tres_table(self, identity: Identity) -> st.TresTable:
        """The TRES definitions that name amounts, shared by all callers for TRES_FRESH_S.

        Only a helper to read other records (which each caller's own run
        authorizes); tres_list, the answer about TRES, reads afresh.
        """
        with self._lock:
            if self._tres is not None and self._clock() - self._tres[0] < TRES_FRESH_S:
                return self._tres[1]
        return self._fresh_tres(identity)

    def _fresh_tres(self, identity: Identity) -> st.TresTable:
        table = self._read(identity, SHOW_TRES, st.TresTable.parse)
        with self._lock:
            self._tres = (self._clock(), table)
        return table

    # ------------------------------------------------------------------ accounts

    def accounts(self, identity: Identity, query: AccountFilter) -> list[Account]:
        # Listed whole: inherited coordinators need the accounts above the ones asked for.
        options = ("withassoc", "withcoord", *(("withdeleted",) if query.with_deleted else ()))
        argv = st.show_command("account", people.ACCOUNT_FIELDS, *options)
        found = self._read(identity, argv, people.parse_accounts)
        return [
            a
            for a in found
            if _keep(query.names, a.name)
            and _keep(query.descriptions, a.description)
            and _keep(query.organizations, a.organization)
        ]

    def account(self, identity: Identity, name: str) -> Account | None:
        found = self.accounts(identity, AccountFilter(names=(name,)))
        return found[0] if found else None

    def add_accounts(self, identity: Identity, accounts: Sequence[Account]) -> None:
        self._writer.add_accounts(identity, accounts)

    def add_accounts_with_assocs(
        self, identity: Identity, accounts: Sequence[Account], conditions: AssocConditions
    ) -> list[str]:
        return self._writer.add_accounts_with_assocs(identity, accounts, conditions)

    def delete_account(self, identity: Identity, name: str) -> list[str]:
        return self._writer.delete_account(identity, name)

    # ------------------------------------------------------------------ users

    def users(self, identity: Identity, query: UserFilter) -> list[User]:
        options = ["withassoc", "withcoord"]
        options += st.condition("names", query.names)
        options += ["withdeleted"] if query.with_deleted else []
        argv = st.show_command("user", people.USER_FIELDS, *options)
        text = self._text(identity, argv)
        found = people.parse_users(text, {})
        if people.needs_tree(found):
            tree = st.show_command("assoc", people.TREE_FIELDS)
            found = people.parse_users(text, self._read(identity, tree, people.parse_tree))
        return [
            u
            for u in found
            if _keep(query.admin_levels, u.administrator_level)
            and _keep(query.default_accounts, u.default_account)
            and _keep(query.default_wckeys, u.default_wckey)
        ]

    def user(self, identity: Identity, name: str) -> User | None:
        found = self.users(identity, UserFilter(names=(name,)))
        return found[0] if found else None

    def add_users(self, identity: Identity, users: Sequence[User]) -> None:
        self._writer.add_users(identity, users)

    def add_users_with_assocs(
        self,
        identity: Identity,
        users: Sequence[User],
        conditions: AssocConditions,
        wckeys: Sequence[str] = (),
    ) -> list[str]:
        return self._writer.add_users_with_assocs(identity, users, conditions, wckeys)

    def delete_user(self, identity: Identity, name: str) -> list[str]:
        return self._writer.delete_user(identity, name)

    # ------------------------------------------------------------------ associations

    def associations(self, identity: Identity, query: AssocFilter) -> list[Association]:
        conditions = [
            *st.condition("clusters", query.clusters),
            *st.condition("accounts", query.accounts),
            *st.condition("users", query.users),
            *st.condition("partitions", query.partitions),
            *st.condition("ids", query.ids),
            *st.condition("parent", query.parent_accounts),
            *(["withdeleted"] if query.with_deleted else []),
        ]
        defaults_argv = st.show_command("assoc", ("ID",), "onlydefaults", *conditions)
        argv = st.show_command("assoc", limits.ASSOC_FIELDS, *conditions)
        table, defaults, text = _together(
            lambda: self.tres_table(identity),
            lambda: self._read(identity, defaults_argv, _ids),
            lambda: self._text(identity, argv),
        )
        found = limits.parse_associations(text, table, defaults)
        return [
            a
            for a in found
            if _keep(query.default_qos, a.default_qos)
            and (not query.qos or set(query.qos) & set(a.qos))
            and (not query.only_defaults or a.is_default)
        ]

    def add_associations(self, identity: Identity, assocs: Sequence[Association]) -> None:
        self._writer.add_associations(identity, assocs)

    def delete_associations(self, identity: Identity, query: AssocFilter) -> list[str]:
        return self._writer.delete_associations(identity, query)

    # ------------------------------------------------------------------ QOS

    def qos_list(self, identity: Identity, query: QosFilter) -> list[QOS]:
        conditions = [
            *st.condition("names", query.names),
            *st.condition("ids", query.ids),
            *st.condition("descriptions", query.descriptions),
            *st.condition("preemptmode", query.preempt_modes),
            *(["withdeleted"] if query.with_deleted else []),
        ]
        argv = st.show_command("qos", limits.QOS_FIELDS, *conditions)
        table, text = _together(
            lambda: self.tres_table(identity), lambda: self._text(identity, argv)
        )
        return limits.parse_qos(text, table)

    def qos(self, identity: Identity, name: str) -> QOS | None:
        found = self.qos_list(identity, QosFilter(names=(name,)))
        return found[0] if found else None

    def add_qos(self, identity: Identity, qos: Sequence[QOS]) -> None:
        self._records.add_qos(identity, qos)

    def delete_qos(self, identity: Identity, name: str) -> list[str]:
        return self._records.delete_qos(identity, name)

    # ------------------------------------------------------------------ TRES

    def tres_list(self, identity: Identity) -> list[Tres]:
        return list(self._fresh_tres(identity).definitions)

    def add_tres(self, identity: Identity, tres: Sequence[Tres]) -> None:
        self._records.add_tres(identity, tres)

    # ------------------------------------------------------------------ wckeys

    def wckeys(self, identity: Identity, query: WCKeyFilter) -> list[WCKey]:
        conditions = [
            *st.condition("names", query.names),
            *st.condition("ids", query.ids),
            *st.condition("users", query.users),
            *st.condition("clusters", query.clusters),
        ]
        argv = st.show_command("wckey", st.WCKEY_FIELDS, *conditions)
        reads: list[Callable[[], Any]] = [
            lambda: self._text(identity, argv),
            lambda: self._read(identity, people.SHOW_DEFAULT_WCKEYS, people.parse_default_wckeys),
        ]
        if query.with_deleted:
            # sacctmgr cannot say which records are deleted: the live listing beside
            # this one tells them apart.
            every = st.show_command("wckey", st.WCKEY_FIELDS, *conditions, "withdeleted")
            reads.append(lambda: self._text(identity, every))
        text, defaults, *with_deleted = _together(*reads)
        found = st.parse_wckeys(text, defaults, *with_deleted)
        return [w for w in found if w.is_default] if query.only_defaults else found

    def add_wckeys(self, identity: Identity, wckeys: Sequence[WCKey]) -> None:
        self._records.add_wckeys(identity, wckeys)

    def delete_wckeys(self, identity: Identity, query: WCKeyFilter) -> list[str]:
        return self._records.delete_wckeys(identity, query)

    # ------------------------------------------------------------------ clusters

    def clusters(self, identity: Identity, query: ClusterFilter) -> list[Cluster]:
        conditions = [
            *st.condition("names", query.names),
            *(["withdeleted"] if query.with_deleted else []),
        ]
        argv = st.show_command("cluster", st.CLUSTER_FIELDS, *conditions)
        table, text = _together(
            lambda: self.tres_table(identity), lambda: self._text(identity, argv)
        )
        return [
            c
            for c in st.parse_clusters(text, table)
            if (not query.flags or set(query.flags) & set(c.flags))
            and _keep(query.rpc_versions, c.rpc_version)
        ]

    def add_clusters(self, identity: Identity, clusters: Sequence[Cluster]) -> None:
        self._records.add_clusters(identity, clusters)

    def delete_cluster(self, identity: Identity, name: str) -> list[str]:
        return self._records.delete_cluster(identity, name)

    def instances(self, identity: Identity, query: InstanceFilter) -> list[Instance]:
        raise SlurmError(
            Errno.NOT_IMPLEMENTED, "Slurm 22.05 keeps no cloud instances", "slurmdb_instances_get"
        )

    # ------------------------------------------------------------------ jobs

    def jobs(self, identity: Identity, query: JobFilter) -> list[AccountingJob]:
        if sacct_json.empty_window(query, self._wall_clock()):
            return []
        argv = sacct_json.sacct_command(query)
        codes_argv = sacct_exit_codes.command(query)

        def read() -> tuple[AccountingJob, ...]:
            found, statuses = _together(
                lambda: self._read(identity, argv, sacct_json.jobs_from_sacct),
                lambda: self._read(identity, codes_argv, sacct_exit_codes.parse),
            )
            return tuple(sacct_json.select(sacct_exit_codes.merged(found, statuses), query))

        # The records as answered are what is reused: parsing and merging ~700 jobs
        # costs ~0.3 s, and the same objects let each job's JSON be reused too.
        return list(self._reads.read(read_key(identity, "jobs", query), read))

    def job(self, identity: Identity, job_id: str) -> list[AccountingJob]:
        return self.jobs(identity, JobFilter(job_ids=(sacct_json.check_job_id(job_id),)))

    def modify_jobs(
        self, identity: Identity, job_ids: Sequence[str], changes: JobChanges
    ) -> list[str]:
        return self._records.modify_jobs(identity, job_ids, changes)

    # ------------------------------------------------------------------ slurmdbd itself

    def diag(self, identity: Identity) -> DbdStats:
        return self._read(identity, SHOW_STATS, stats.parse_stats)

    def ping(self, identity: Identity) -> DbdPing:
        """`sacctmgr show config` asks slurmdbd for its configuration: an answer is an UP."""
        started = self._clock()
        result = self._commands.run(identity, SHOW_CONFIG)
        latency_us = int((self._clock() - started) * 1_000_000)
        config = stats.parse_dbd_config(result.stdout)
        if result.returncode != 0 or not config.dbd_host:
            return DbdPing(stats.storage_host(result.stdout), False, 0)
        return DbdPing(config.dbd_host, True, latency_us)

    def dbd_config(self, identity: Identity) -> DbdConfig:
        return self._read(identity, SHOW_CONFIG, stats.parse_dbd_config)

    def config(self, identity: Identity) -> ConfigDump:
        return dump_config(self, identity)

    def load_config(self, identity: Identity, dump: ConfigDump) -> None:
        """Add or update everything in `dump`, in dependency order (not atomic: sacctmgr)."""
        self._records.add_tres(identity, dump.tres)
        self._records.add_clusters(identity, dump.clusters)
        self._records.add_qos(identity, dump.qos)
        self._writer.add_accounts(identity, dump.accounts)
        # Associations create the users they name; then the users' own settings.
        self._writer.add_associations(identity, dump.associations)
        self._writer.add_users(identity, dump.users)
        self._records.add_wckeys(identity, dump.wckeys)

    def close(self) -> None:
        return None


_SOURCES = {
    "account": "slurmdb_accounts_get",
    "user": "slurmdb_users_get",
    "assoc": "slurmdb_associations_get",
    "qos": "slurmdb_qos_get",
    "tres": "slurmdb_tres_get",
    "wckey": "slurmdb_wckeys_get",
    "cluster": "slurmdb_clusters_get",
    "stats": "slurmdb_get_stats",
    "config": "slurmdb_config_get",
}


def _source_of(argv: Sequence[str]) -> str:
    """The slurmdb call a read stands for, as the REST daemon names it in errors."""
    if argv[0] == "sacct":
        return sacct_json.SOURCE
    entity = next((w for w in argv if w in _SOURCES), "")
    return _SOURCES.get(entity, "slurmdbd")
