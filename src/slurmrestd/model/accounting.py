"""Canonical accounting records (slurmdbd side): accounts, users, associations,
QOS, TRES, wckeys, clusters, slurmdbd statistics and cloud instances.

Version-neutral: every API version renders these and the backends produce them.
Conventions: an unset number is None, "no limit" is api.numbers.INFINITE, an
unset string is None (22.05 writes it as null, newer versions as ""). Limits
keep sacctmgr's names (GrpJobs -> grp_jobs, MaxTRESPerJob -> max_tres_per_job)
because that is how administrators know them; the per-version modules map them
onto each version's nested paths.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class AdminLevel(enum.StrEnum):
    NOT_SET = "Not Set"
    NONE = "None"
    OPERATOR = "Operator"
    ADMINISTRATOR = "Administrator"


@dataclass(frozen=True, slots=True)
class Tres:
    """One trackable resource: a definition (count 0) or an amount."""

    type: str
    name: str | None = None  # e.g. "disk" for type "fs", "gpu" for type "gres"
    id: int | None = None
    count: int | None = None
    # Where a step's highest/lowest usage was seen (only in a step's max/min usage
    # lists; Slurm 22.05 reports both, later versions neither).
    node: str | None = None
    task: int | None = None


@dataclass(frozen=True, slots=True)
class AssocShort:
    """The identifying part of an association (who, where, under which account)."""

    account: str | None = None
    cluster: str | None = None
    partition: str | None = None
    user: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Coordinator:
    name: str
    direct: bool | None = None  # assigned to this account itself, not inherited


@dataclass(frozen=True, slots=True)
class AccountingUsage:
    """One usage row of an association or wckey (allocated TRES-seconds in a period)."""

    id: int | None = None
    start: int | None = None  # unix time the period started
    allocated_seconds: int | None = None
    tres: Tres | None = None
    id_alt: int | None = None


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    description: str | None = None
    organization: str | None = None
    associations: tuple[AssocShort, ...] = ()
    coordinators: tuple[Coordinator, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WCKey:
    name: str
    user: str | None = None
    cluster: str | None = None
    id: int | None = None
    flags: tuple[str, ...] = ()  # stored flags (DELETED)
    accounting: tuple[AccountingUsage, ...] = ()
    is_default: bool = False  # the user's default wckey on this cluster


@dataclass(frozen=True, slots=True)
class User:
    name: str
    administrator_level: AdminLevel = AdminLevel.NONE
    associations: tuple[AssocShort, ...] = ()
    coordinators: tuple[Coordinator, ...] = ()
    default_account: str | None = None
    default_wckey: str | None = None
    default_qos: int | None = None  # QOS id, as slurmdbd stores it for users
    flags: tuple[str, ...] = ()
    old_name: str | None = None
    wckeys: tuple[WCKey, ...] = ()


@dataclass(frozen=True, slots=True)
class AssocUsage:
    """Live fair-share figures of an association (only a controller knows them)."""

    accrue_job_count: int | None = None
    group_used_wallclock: float | None = None
    fairshare_factor: float | None = None
    fairshare_shares: int | None = None
    normalized_priority: float | None = None
    normalized_shares: float | None = None
    effective_normalized_usage: float | None = None
    normalized_usage: float | None = None
    raw_usage: float | None = None
    active_jobs: int | None = None
    job_count: int | None = None
    fairshare_level: float | None = None


@dataclass(frozen=True, slots=True)
class Association:
    account: str | None = None
    cluster: str | None = None
    partition: str | None = None
    user: str | None = None  # None: the account's own association
    id: int | None = None
    parent_account: str | None = None
    lineage: str | None = None
    comment: str | None = None
    is_default: bool = False
    default_qos: str | None = None
    qos: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    priority: int | float | None = None
    shares_raw: int | None = None
    # Limits of the association and its children (Grp*) ...
    grp_jobs: int | float | None = None
    grp_jobs_accrue: int | float | None = None
    grp_submit_jobs: int | float | None = None
    grp_wall: int | float | None = None  # minutes
    grp_tres: tuple[Tres, ...] = ()
    grp_tres_mins: tuple[Tres, ...] = ()
    grp_tres_run_mins: tuple[Tres, ...] = ()
    # ... and of each job or user under it (Max*, Min*).
    max_jobs: int | float | None = None
    max_jobs_accrue: int | float | None = None
    max_submit_jobs: int | float | None = None
    max_wall_per_job: int | float | None = None  # minutes
    max_tres_per_job: tuple[Tres, ...] = ()
    max_tres_per_node: tuple[Tres, ...] = ()
    max_tres_mins_per_job: tuple[Tres, ...] = ()
    max_tres_run_mins: tuple[Tres, ...] = ()
    min_priority_threshold: int | float | None = None
    accounting: tuple[AccountingUsage, ...] = ()
    usage: AssocUsage | None = None

    @property
    def short(self) -> AssocShort:
        return AssocShort(self.account, self.cluster, self.partition, self.user, self.id)


@dataclass(frozen=True, slots=True)
class QOS:
    name: str
    id: int | None = None
    description: str | None = None
    flags: tuple[str, ...] = ()
    priority: int | float | None = None
    usage_factor: float | None = None
    usage_threshold: float | None = None
    limit_factor: float | None = None
    grace_time: int | None = None  # seconds
    preempt_list: tuple[str, ...] = ()  # names of QOS this one may preempt
    preempt_mode: tuple[str, ...] = ()
    preempt_exempt_time: int | float | None = None  # seconds
    # Limits over all jobs of the QOS (Grp*).
    grp_jobs: int | float | None = None
    grp_jobs_accrue: int | float | None = None
    grp_submit_jobs: int | float | None = None
    grp_wall: int | float | None = None  # minutes
    grp_tres: tuple[Tres, ...] = ()
    grp_tres_mins: tuple[Tres, ...] = ()
    grp_tres_run_mins: tuple[Tres, ...] = ()
    # Per account / user / job / node limits (Max*, Min*).
    max_jobs_per_account: int | float | None = None
    max_jobs_per_user: int | float | None = None
    max_jobs_accrue_per_account: int | float | None = None
    max_jobs_accrue_per_user: int | float | None = None
    max_submit_jobs_per_account: int | float | None = None
    max_submit_jobs_per_user: int | float | None = None
    max_wall_per_job: int | float | None = None  # minutes
    max_tres_per_account: tuple[Tres, ...] = ()
    max_tres_per_job: tuple[Tres, ...] = ()
    max_tres_per_node: tuple[Tres, ...] = ()
    max_tres_per_user: tuple[Tres, ...] = ()
    max_tres_mins_per_job: tuple[Tres, ...] = ()
    max_tres_run_mins_per_account: tuple[Tres, ...] = ()
    max_tres_run_mins_per_user: tuple[Tres, ...] = ()
    min_priority_threshold: int | float | None = None
    min_tres_per_job: tuple[Tres, ...] = ()


@dataclass(frozen=True, slots=True)
class Cluster:
    name: str
    controller_host: str | None = None
    controller_port: int | None = None
    flags: tuple[str, ...] = ()
    nodes: str | None = None  # hostlist expression
    select_plugin: str | None = None
    root_association: AssocShort | None = None
    rpc_version: int | None = None
    tres: tuple[Tres, ...] = ()


class RollupPeriod(enum.IntEnum):
    """slurmdbd's usage rollups, in the order slurmdbd keeps them."""

    HOURLY = 0
    DAILY = 1
    MONTHLY = 2


@dataclass(frozen=True, slots=True)
class RollupStat:
    period: RollupPeriod
    count: int = 0  # cycles run
    last_run: int = 0  # unix time
    last_cycle: int = 0  # microseconds
    max_cycle: int = 0
    total_time: int = 0

    @property
    def mean_cycle(self) -> int:
        return self.total_time // self.count if self.count else 0


@dataclass(frozen=True, slots=True)
class RpcStat:
    """RPCs of one type (or from one user) slurmdbd served; times in microseconds."""

    name: str  # RPC type (DBD_GET_JOBS_COND) or user name
    count: int = 0
    time_total: int = 0
    time_average: int = 0


@dataclass(frozen=True, slots=True)
class DbdStats:
    time_start: int
    rollups: tuple[RollupStat, ...] = ()
    rpcs: tuple[RpcStat, ...] = ()
    users: tuple[RpcStat, ...] = ()


@dataclass(frozen=True, slots=True)
class Instance:
    """A cloud node instance slurmdbd tracked."""

    cluster: str | None = None
    node_name: str | None = None
    instance_id: str | None = None
    instance_type: str | None = None
    extra: str | None = None
    time_start: int | None = None
    time_end: int | None = None
