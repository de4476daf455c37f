"""SqliteAccounting: the embedded backend's slurmdbd, an AccountingStore over SQLite.

Policy lives here (who may call what, which RPC is counted, what a removal
must not break); the table modules do the SQL. Job records are not stored:
they come from `job_source` (the workload manager) and only the changes made
with modify_jobs are kept. Every user may read everything but wckeys and
the daemon's own state (Slurm's default PrivateData); `private_jobs=True`
acts like PrivateData=jobs.
"""

from __future__ import annotations

import dataclasses
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

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
from slurmrestd.cluster.embedded.accounting import (
    accounts,
    associations,
    clusters,
    jobs,
    qos,
    tres,
    users,
    wckeys,
)
from slurmrestd.cluster.embedded.accounting.database import Database
from slurmrestd.cluster.embedded.accounting.permissions import Permissions
from slurmrestd.cluster.embedded.accounting.seed import seed
from slurmrestd.cluster.embedded.accounting.stats import RpcCounter
from slurmrestd.cluster.errors import Errno, SlurmError
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

JobSource = Callable[[], Iterable[AccountingJob]]


class SqliteAccounting:
    """The accounting store of one embedded cluster, in its own SQLite file."""

    def __init__(
        self,
        path: Path,
        cluster_name: str,
        operators: frozenset[str],
        job_source: JobSource,
        *,
        private_jobs: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cluster_name = cluster_name
        self._db = Database(path)
        self._permissions = Permissions(operators)
        self._job_source = job_source
        self._private_jobs = private_jobs
        self._clock = clock
        self._stats = RpcCounter()
        self._hostname = socket.gethostname().split(".")[0]
        with self._db.write() as conn:
            if self._db.created:
                seed(conn, cluster_name)
            elif not clusters.load(conn, ClusterFilter(names=(cluster_name,))):
                clusters.upsert(conn, Cluster(cluster_name))  # renamed: register like slurmctld

    # Transactions, each counted as one slurmdbd RPC.

    @contextmanager
    def _reading(self, rpc: str, identity: Identity) -> Iterator[sqlite3.Connection]:
        with self._stats.count(rpc, identity.user_name), self._db.read() as conn:
            yield conn

    @contextmanager
    def _writing(self, rpc: str, identity: Identity, source: str) -> Iterator[sqlite3.Connection]:
        """A write transaction for an operator (SlurmError 2002 for anyone else)."""
        with self._stats.count(rpc, identity.user_name), self._db.write() as conn:
            self._permissions.require_operator(conn, identity, source)
            yield conn

    # Accounts

    def accounts(self, identity: Identity, query: AccountFilter) -> list[Account]:
        with self._reading("DBD_GET_ACCOUNTS", identity) as conn:
            everything = associations.load_all(conn, with_deleted=query.with_deleted)
            return accounts.load(conn, everything, query)

    def account(self, identity: Identity, name: str) -> Account | None:
        found = self.accounts(identity, AccountFilter(names=(name,)))
        return found[0] if found else None

    def add_accounts(self, identity: Identity, records: Sequence[Account]) -> None:
        with self._writing("DBD_ADD_ACCOUNTS", identity, "slurmdb_accounts_add") as conn:
            for account in records:
                accounts.upsert(conn, account)

    def add_accounts_with_assocs(
        self, identity: Identity, records: Sequence[Account], conditions: AssocConditions
    ) -> list[str]:
        with self._writing("DBD_ADD_ACCOUNTS_COND", identity, "slurmdb_accounts_add") as conn:
            for account in records:
                accounts.upsert(conn, account)
                for cluster in conditions.clusters or (self.cluster_name,):
                    assoc = dataclasses.replace(
                        conditions.template, cluster=cluster, account=account.name, user=None
                    )
                    associations.upsert(conn, assoc, self.cluster_name)
        return [a.name for a in records]

    def delete_account(self, identity: Identity, name: str) -> list[str]:
        with self._writing("DBD_REMOVE_ACCOUNTS", identity, "slurmdb_accounts_remove") as conn:
            if not accounts.exists(conn, name):
                return []
            everything = associations.load_all(conn)
            self._remove_assocs(conn, [a for a in everything if a.account == name], everything)
            accounts.mark_deleted(conn, name)
        return [name]

    # Users

    def users(self, identity: Identity, query: UserFilter) -> list[User]:
        with self._reading("DBD_GET_USERS", identity) as conn:
            everything = associations.load_all(conn, with_deleted=query.with_deleted)
            return users.load(conn, everything, query, self.cluster_name)

    def user(self, identity: Identity, name: str) -> User | None:
        found = self.users(identity, UserFilter(names=(name,)))
        return found[0] if found else None

    def add_users(self, identity: Identity, records: Sequence[User]) -> None:
        with self._writing("DBD_ADD_USERS", identity, "slurmdb_users_add") as conn:
            self._add_users(conn, identity, records)

    def _add_users(self, conn: sqlite3.Connection, identity: Identity, records: Sequence[User]):
        levels = [u.administrator_level for u in records]
        self._permissions.require_grantable(conn, identity, levels)
        for user in records:
            users.upsert(conn, user, self.cluster_name)

    def add_users_with_assocs(
        self,
        identity: Identity,
        records: Sequence[User],
        conditions: AssocConditions,
        wckey_names: Sequence[str] = (),
    ) -> list[str]:
        with self._writing("DBD_ADD_USERS_COND", identity, "slurmdb_users_add") as conn:
            self._add_users(
                conn, identity, [dataclasses.replace(u, default_account=None) for u in records]
            )
            clusters_ = conditions.clusters or (self.cluster_name,)
            for user in records:
                for cluster in clusters_:
                    for account in conditions.accounts:
                        for partition in conditions.partitions or (None,):
                            assoc = dataclasses.replace(
                                conditions.template,
                                cluster=cluster,
                                account=account,
                                user=user.name,
                                partition=partition,
                                is_default=account == user.default_account,
                            )
                            associations.upsert(conn, assoc, self.cluster_name)
                    for name in wckey_names:
                        key = WCKey(name, user.name, cluster)
                        wckeys.upsert(conn, key, self.cluster_name, default=False)
        return [u.name for u in records]

    def delete_user(self, identity: Identity, name: str) -> list[str]:
        with self._writing("DBD_REMOVE_USERS", identity, "slurmdb_users_remove") as conn:
            everything = associations.load_all(conn)
            self._remove_assocs(conn, [a for a in everything if a.user == name], everything)
            return [name] if users.mark_deleted(conn, name) else []

    # Associations

    def associations(self, identity: Identity, query: AssocFilter) -> list[Association]:
        with self._reading("DBD_GET_ASSOCS", identity) as conn:
            everything = associations.load_all(conn, with_deleted=query.with_deleted)
        return [a for a in everything if associations.matches(a, query)]

    def add_associations(self, identity: Identity, records: Sequence[Association]) -> None:
        with self._writing("DBD_ADD_ASSOCS", identity, "slurmdb_associations_add") as conn:
            self._add_assocs(conn, records)

    def _add_assocs(self, conn: sqlite3.Connection, records: Sequence[Association]) -> None:
        """Add parents before children whatever the order given (a config dump's is any)."""
        pending = list(records)
        while pending:
            failed: list[Association] = []
            last: SlurmError | None = None
            for assoc in pending:
                try:
                    associations.upsert(conn, assoc, self.cluster_name)
                except SlurmError as exc:
                    if exc.errno not in (Errno.INVALID_ACCOUNT, Errno.INVALID_PARENT_ACCOUNT):
                        raise
                    failed.append(assoc)
                    last = exc
            if len(failed) == len(pending) and last is not None:
                raise last
            pending = failed

    def delete_associations(self, identity: Identity, query: AssocFilter) -> list[str]:
        keys = (query.clusters, query.accounts, query.users, query.partitions, query.ids)
        if not any(keys):
            raise SlurmError(
                Errno.REST_INVALID_QUERY,
                "refusing to remove every association: give an account, user, cluster,"
                " partition or id",
                "slurmdb_associations_remove",
            )
        with self._writing("DBD_REMOVE_ASSOCS", identity, "slurmdb_associations_remove") as conn:
            everything = associations.load_all(conn)
            doomed = [a for a in everything if associations.matches(a, query)]
            return self._remove_assocs(conn, doomed, everything)

    def _remove_assocs(
        self, conn: sqlite3.Connection, doomed: list[Association], everything: list[Association]
    ) -> list[str]:
        """Raises SlurmError 7001 when a pending or running job uses one of them."""
        removed = associations.subtree(doomed, everything)
        active = [j for j in self._job_source() if jobs.is_active(j)]
        for assoc in removed:
            for job in active:
                if (
                    (job.cluster or self.cluster_name) == assoc.cluster
                    and job.account == assoc.account
                    and (assoc.user is None or job.user == assoc.user)
                ):
                    raise SlurmError(
                        Errno.JOBS_RUNNING_ON_ASSOC,
                        f"job {job.job_id} still runs under {associations.describe(assoc)}",
                        "slurmdb_associations_remove",
                    )
        return associations.remove(conn, removed, everything)

    # QOS

    def qos_list(self, identity: Identity, query: QosFilter) -> list[QOS]:
        with self._reading("DBD_GET_QOS", identity) as conn:
            return qos.load(conn, query)

    def qos(self, identity: Identity, name: str) -> QOS | None:
        found = self.qos_list(identity, QosFilter(names=(name,)))
        return found[0] if found else None

    def add_qos(self, identity: Identity, records: Sequence[QOS]) -> None:
        with self._writing("DBD_ADD_QOS", identity, "slurmdb_qos_add") as conn:
            for record in records:
                qos.upsert(conn, record)

    def delete_qos(self, identity: Identity, name: str) -> list[str]:
        with self._writing("DBD_REMOVE_QOS", identity, "slurmdb_qos_remove") as conn:
            return qos.remove(conn, name, associations.load_all(conn))

    # TRES

    def tres_list(self, identity: Identity) -> list[Tres]:
        with self._reading("DBD_GET_TRES", identity) as conn:
            return tres.load(conn)

    def add_tres(self, identity: Identity, records: Sequence[Tres]) -> None:
        with self._writing("DBD_ADD_TRES", identity, "slurmdb_tres_add") as conn:
            for record in records:
                tres.add(conn, record)

    # WCKeys (operators only, as slurmdbd answers GET_slurmdb_v0.0.38_wckeys__err_not_admin)

    def wckeys(self, identity: Identity, query: WCKeyFilter) -> list[WCKey]:
        with self._reading("DBD_GET_WCKEYS", identity) as conn:
            self._permissions.require_operator(conn, identity, "slurmdb_wckeys_get")
            return wckeys.load(conn, query)

    def add_wckeys(self, identity: Identity, records: Sequence[WCKey]) -> None:
        with self._writing("DBD_ADD_WCKEYS", identity, "slurmdb_wckeys_add") as conn:
            for record in records:
                wckeys.upsert(conn, record, self.cluster_name, default=False)

    def delete_wckeys(self, identity: Identity, query: WCKeyFilter) -> list[str]:
        with self._writing("DBD_REMOVE_WCKEYS", identity, "slurmdb_wckeys_remove") as conn:
            # As slurmdbd: a wckey a job was charged to is only marked deleted.
            charged = {(j.wckey, j.user) for j in self._job_source() if j.wckey}
            return wckeys.remove(conn, wckeys.load(conn, query), charged=charged)

    # Clusters and instances

    def clusters(self, identity: Identity, query: ClusterFilter) -> list[Cluster]:
        with self._reading("DBD_GET_CLUSTERS", identity) as conn:
            return clusters.load(conn, query)

    def add_clusters(self, identity: Identity, records: Sequence[Cluster]) -> None:
        with self._writing("DBD_ADD_CLUSTERS", identity, "slurmdb_clusters_add") as conn:
            for record in records:
                clusters.upsert(conn, record)

    def delete_cluster(self, identity: Identity, name: str) -> list[str]:
        with self._writing("DBD_REMOVE_CLUSTERS", identity, "slurmdb_clusters_remove") as conn:
            everything = associations.load_all(conn)
            self._remove_assocs(conn, [a for a in everything if a.cluster == name], everything)
            return [name] if clusters.mark_deleted(conn, name) else []

    def instances(self, identity: Identity, query: InstanceFilter) -> list[Instance]:
        with self._reading("DBD_GET_INSTANCES", identity) as conn:
            return clusters.instances(conn, query)

    # Job records

    def _job_records(self, conn: sqlite3.Connection) -> list[AccountingJob]:
        changes = jobs.load_changes(conn)
        return [
            jobs.apply_changes(job, changes.get((job.cluster or self.cluster_name, job.job_id)))
            for job in self._job_source()
        ]

    def jobs(self, identity: Identity, query: JobFilter) -> list[AccountingJob]:
        with self._reading("DBD_GET_JOBS_COND", identity) as conn:
            records = self._job_records(conn)
            private = self._private_jobs and not self._permissions.is_operator(conn, identity)
        if private:
            records = [j for j in records if j.user == identity.user_name]
        return jobs.select(records, query, int(self._clock()))

    def job(self, identity: Identity, job_id: str) -> list[AccountingJob]:
        if jobs.parse_job_id(job_id) is None:
            raise SlurmError(Errno.INVALID_JOB_ID, f"invalid job id {job_id!r}", "slurmdb_jobs_get")
        return self.jobs(identity, JobFilter(job_ids=(job_id,)))

    def modify_jobs(
        self, identity: Identity, job_ids: Sequence[str], changes: JobChanges
    ) -> list[str]:
        """The owner or an operator may change a job's record (sacctmgr modify job)."""
        with self._stats.count("DBD_MODIFY_JOB", identity.user_name), self._db.write() as conn:
            operator = self._permissions.is_operator(conn, identity)
            records = self._job_records(conn)
            changed = []
            for text in job_ids:
                wanted = jobs.parse_job_id(text)
                found = [j for j in records if wanted is not None and jobs.id_matches(j, wanted)]
                if not found:
                    raise SlurmError(
                        Errno.INVALID_JOB_ID,
                        f"no job {text!r} in the accounting records",
                        "slurmdb_job_modify",
                    )
                for job in found:
                    if not operator and job.user != identity.user_name:
                        raise SlurmError(Errno.ACCESS_DENIED, "", "slurmdb_job_modify")
                    jobs.save_changes(conn, job.cluster or self.cluster_name, job.job_id, changes)
                    changed.append(str(job.job_id))
            return changed

    # The daemon itself

    def diag(self, identity: Identity) -> DbdStats:
        with self._reading("DBD_GET_STATS", identity) as conn:
            self._permissions.require_operator(conn, identity, "slurmdb_get_stats")
        return self._stats.snapshot()

    def ping(self, identity: Identity) -> DbdPing:
        started = time.perf_counter_ns()
        with self._db.read() as conn:
            conn.execute("SELECT 1").fetchone()
        latency = (time.perf_counter_ns() - started) // 1000
        return DbdPing(self._hostname, True, latency)

    def dbd_config(self, identity: Identity) -> DbdConfig:
        with self._reading("DBD_GET_CONFIG", identity) as conn:
            self._permissions.require_operator(conn, identity, "slurmdb_config_get")
        return DbdConfig(self._hostname, str(self._db.path), default_qos=clusters.DEFAULT_QOS)

    def config(self, identity: Identity) -> ConfigDump:
        return dump_config(self, identity)

    def load_config(self, identity: Identity, dump: ConfigDump) -> None:
        """Add or update everything in `dump`, all or nothing."""
        with self._writing("DBD_LOAD_CONFIG", identity, "slurmdb_config_load") as conn:
            for cluster in dump.clusters:
                clusters.upsert(conn, cluster)
            for record in dump.tres:
                tres.add(conn, record)
            for record in dump.qos:
                qos.upsert(conn, record)
            for account in dump.accounts:
                accounts.upsert(conn, dataclasses.replace(account, coordinators=()))
            self._add_users(
                conn, identity, [dataclasses.replace(u, coordinators=()) for u in dump.users]
            )
            self._add_assocs(conn, dump.associations)
            for key in dump.wckeys:
                wckeys.upsert(conn, key, self.cluster_name, default=False)
            # Defaults and coordinators last: they point at associations and accounts.
            for user in dump.users:
                users.upsert(conn, dataclasses.replace(user, wckeys=()), self.cluster_name)
            for account in dump.accounts:
                accounts.upsert(conn, account)

    def close(self) -> None:
        self._db.close()
