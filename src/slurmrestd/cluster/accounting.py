"""The accounting side of a backend (slurmdbd's job): the AccountingStore interface.

Every call takes the requesting Identity first and fails with SlurmError using
Slurm's error numbers, its `source` naming the slurmdb API call that failed
("slurmdb_accounts_add"), as the real daemon reports it. Filters are plain
frozen records; an empty tuple means "do not filter on this". Records are the
canonical ones of model/accounting*.py. Nothing here knows HTTP or API versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import (
    QOS,
    Account,
    AdminLevel,
    Association,
    Cluster,
    DbdStats,
    Instance,
    Tres,
    User,
    WCKey,
)
from slurmrestd.model.accounting_job import AccountingJob


@dataclass(frozen=True, slots=True)
class AccountFilter:
    names: tuple[str, ...] = ()
    descriptions: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    with_deleted: bool = False


@dataclass(frozen=True, slots=True)
class UserFilter:
    names: tuple[str, ...] = ()
    admin_levels: tuple[AdminLevel, ...] = ()
    default_accounts: tuple[str, ...] = ()
    default_wckeys: tuple[str, ...] = ()
    with_deleted: bool = False


@dataclass(frozen=True, slots=True)
class AssocFilter:
    """sacctmgr's association conditions (also the target of a bulk delete)."""

    clusters: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    partitions: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    parent_accounts: tuple[str, ...] = ()
    qos: tuple[str, ...] = ()
    default_qos: tuple[str, ...] = ()
    only_defaults: bool = False
    with_deleted: bool = False


@dataclass(frozen=True, slots=True)
class QosFilter:
    names: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    descriptions: tuple[str, ...] = ()
    preempt_modes: tuple[str, ...] = ()
    with_deleted: bool = False


@dataclass(frozen=True, slots=True)
class WCKeyFilter:
    names: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    users: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    only_defaults: bool = False
    with_deleted: bool = False


@dataclass(frozen=True, slots=True)
class ClusterFilter:
    names: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    rpc_versions: tuple[int, ...] = ()
    with_deleted: bool = False


@dataclass(frozen=True, slots=True)
class InstanceFilter:
    clusters: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    instance_ids: tuple[str, ...] = ()
    instance_types: tuple[str, ...] = ()
    node_names: tuple[str, ...] = ()
    time_start: int | None = None
    time_end: int | None = None


@dataclass(frozen=True, slots=True)
class JobFilter:
    """sacct's selection. Times are UNIX seconds; None leaves that end of the window open.

    As sacct: without a state filter a job matches when it existed at some
    moment of [start_time, end_time]; with one, when it was in one of the
    states during that window (a window left unset then means "now").
    """

    start_time: int | None = None
    end_time: int | None = None
    submit_time: int | None = None  # submitted at or after
    job_ids: tuple[str, ...] = ()  # "12", "12_3" (array task), "12+1" (het), "12.0" (step)
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    association_ids: tuple[int, ...] = ()
    clusters: tuple[str, ...] = ()
    partitions: tuple[str, ...] = ()
    qos: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    job_names: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()  # ran on any of these nodes
    reasons: tuple[str, ...] = ()
    reservations: tuple[str, ...] = ()
    reservation_ids: tuple[int, ...] = ()
    wckeys: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    cpus_min: int | None = None
    cpus_max: int | None = None
    nodes_min: int | None = None
    nodes_max: int | None = None
    exit_code: int | None = None  # the job's return code
    skip_steps: bool = False

    def fits_size(self, job: AccountingJob) -> bool:
        """Whether the job's CPU and node counts are within the min/max given."""
        bounds = (
            (self.cpus_min, job.required_cpus, 1),
            (self.cpus_max, job.required_cpus, -1),
            (self.nodes_min, job.allocation_nodes, 1),
            (self.nodes_max, job.allocation_nodes, -1),
        )
        return all(limit is None or (value - limit) * sign >= 0 for limit, value, sign in bounds)


@dataclass(frozen=True, slots=True)
class JobChanges:
    """What `sacctmgr modify job` may change in a stored job record (None: unchanged)."""

    comment_admin: str | None = None
    comment_job: str | None = None
    comment_system: str | None = None
    derived_exit_code: int | None = None  # raw wait status
    extra: str | None = None
    wckey: str | None = None
    tres_allocated: tuple[Tres, ...] | None = None


@dataclass(frozen=True, slots=True)
class AssocConditions:
    """`sacctmgr add user/account ... cluster= account= partition=`: the associations to create.

    Every combination of clusters x accounts (x users x partitions) gets an
    association with the limits of `template` (whose own keys are ignored).
    """

    clusters: tuple[str, ...] = ()  # empty: the local cluster
    accounts: tuple[str, ...] = ()
    partitions: tuple[str, ...] = ()
    template: Association = field(default_factory=Association)


@dataclass(frozen=True, slots=True)
class DbdPing:
    hostname: str
    responding: bool
    latency_us: int
    primary: bool = True


@dataclass(frozen=True, slots=True)
class DbdConfig:
    """The slurmdbd.conf facts a client may ask for (GET /slurmdb/.../conf)."""

    dbd_host: str
    storage_loc: str
    track_wckey: bool = False
    default_qos: str | None = None


@dataclass(frozen=True, slots=True)
class ConfigDump:
    """Everything slurmdbd holds (GET/POST /config), plus the parts the caller may not read."""

    clusters: tuple[Cluster, ...] = ()
    tres: tuple[Tres, ...] = ()
    accounts: tuple[Account, ...] = ()
    users: tuple[User, ...] = ()
    qos: tuple[QOS, ...] = ()
    wckeys: tuple[WCKey, ...] = ()
    associations: tuple[Association, ...] = ()
    problems: tuple[SlurmError, ...] = ()  # a refused part (e.g. wckeys for a plain user)


@runtime_checkable
class AccountingStore(Protocol):
    """slurmdbd as the REST API sees it.

    Writes, wckeys, diag, the slurmdbd configuration and the config load need an
    operator; anything else is readable by every user (Slurm's PrivateData
    default). Adds are "add or modify": a record that exists is updated.
    """

    # Accounts
    def accounts(self, identity: Identity, query: AccountFilter) -> list[Account]: ...
    def account(self, identity: Identity, name: str) -> Account | None: ...
    def add_accounts(self, identity: Identity, accounts: Sequence[Account]) -> None: ...
    def add_accounts_with_assocs(
        self, identity: Identity, accounts: Sequence[Account], conditions: AssocConditions
    ) -> list[str]:
        """Add accounts and their associations; the names of the accounts added."""
        ...

    def delete_account(self, identity: Identity, name: str) -> list[str]:
        """Remove an account and its associations; the names removed (empty: no such account).

        Raises:
            SlurmError: 7001 when jobs still run under it, 2002 when not allowed.
        """
        ...

    # Users (with their coordinator accounts, default account and admin level)
    def users(self, identity: Identity, query: UserFilter) -> list[User]: ...
    def user(self, identity: Identity, name: str) -> User | None: ...
    def add_users(self, identity: Identity, users: Sequence[User]) -> None: ...
    def add_users_with_assocs(
        self,
        identity: Identity,
        users: Sequence[User],
        conditions: AssocConditions,
        wckeys: Sequence[str] = (),
    ) -> list[str]: ...
    def delete_user(self, identity: Identity, name: str) -> list[str]: ...

    # Associations
    def associations(self, identity: Identity, query: AssocFilter) -> list[Association]: ...
    def add_associations(self, identity: Identity, assocs: Sequence[Association]) -> None: ...
    def delete_associations(self, identity: Identity, query: AssocFilter) -> list[str]: ...

    # QOS
    def qos_list(self, identity: Identity, query: QosFilter) -> list[QOS]: ...
    def qos(self, identity: Identity, name: str) -> QOS | None: ...
    def add_qos(self, identity: Identity, qos: Sequence[QOS]) -> None: ...
    def delete_qos(self, identity: Identity, name: str) -> list[str]: ...

    # TRES
    def tres_list(self, identity: Identity) -> list[Tres]: ...
    def add_tres(self, identity: Identity, tres: Sequence[Tres]) -> None: ...

    # WCKeys
    def wckeys(self, identity: Identity, query: WCKeyFilter) -> list[WCKey]: ...
    def add_wckeys(self, identity: Identity, wckeys: Sequence[WCKey]) -> None: ...
    def delete_wckeys(self, identity: Identity, query: WCKeyFilter) -> list[str]: ...

    # Clusters and cloud instances
    def clusters(self, identity: Identity, query: ClusterFilter) -> list[Cluster]: ...
    def add_clusters(self, identity: Identity, clusters: Sequence[Cluster]) -> None: ...
    def delete_cluster(self, identity: Identity, name: str) -> list[str]: ...
    def instances(self, identity: Identity, query: InstanceFilter) -> list[Instance]: ...

    # Job records
    def jobs(self, identity: Identity, query: JobFilter) -> list[AccountingJob]: ...
    def job(self, identity: Identity, job_id: str) -> list[AccountingJob]:
        """Every record of a job id (several when ids were reused or for a het job)."""
        ...

    def modify_jobs(
        self, identity: Identity, job_ids: Sequence[str], changes: JobChanges
    ) -> list[str]:
        """Change stored job records; the ids changed."""
        ...

    # The daemon itself
    def diag(self, identity: Identity) -> DbdStats: ...
    def ping(self, identity: Identity) -> DbdPing: ...
    def dbd_config(self, identity: Identity) -> DbdConfig: ...
    def config(self, identity: Identity) -> ConfigDump: ...
    def load_config(self, identity: Identity, dump: ConfigDump) -> None: ...
    def close(self) -> None: ...


def dump_config(store: AccountingStore, identity: Identity) -> ConfigDump:
    """Everything `store` holds, as `identity` may read it (GET /slurmdb/config).

    Wckeys are for operators only: for anyone else that part is empty and the
    refusal is named in `problems`, as slurmdbd answers a plain user.
    """
    problems = []
    try:
        keys = tuple(store.wckeys(identity, WCKeyFilter()))
    except SlurmError as exc:
        if exc.errno != Errno.ACCESS_DENIED:
            raise
        keys = ()
        problems.append(exc)
    return ConfigDump(
        clusters=tuple(store.clusters(identity, ClusterFilter())),
        tres=tuple(store.tres_list(identity)),
        accounts=tuple(store.accounts(identity, AccountFilter())),
        users=tuple(store.users(identity, UserFilter())),
        qos=tuple(store.qos_list(identity, QosFilter())),
        wckeys=keys,
        associations=tuple(store.associations(identity, AssocFilter())),
        problems=tuple(problems),
    )
