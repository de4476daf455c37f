"""Canonical partition records (slurm.conf `PartitionName=` or a real controller's).

Times are minutes, memory MiB. None = not set, `api.numbers.INFINITE` = no limit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from slurmrestd.api.numbers import INFINITE


class PartitionState(enum.Enum):
    UP = "UP"
    DOWN = "DOWN"
    DRAIN = "DRAIN"
    INACTIVE = "INACTIVE"
    UNKNOWN = "UNKNOWN"


class PartitionFlag(enum.Enum):
    DEFAULT = "DEFAULT"
    HIDDEN = "HIDDEN"
    NO_ROOT = "NO_ROOT"  # DisableRootJobs=YES
    ROOT_ONLY = "ROOT_ONLY"
    REQ_RESV = "REQ_RESV"
    LLN = "LLN"  # least loaded nodes
    PDOI = "PDOI"  # power down on idle
    EXCLUSIVE_USER = "EXCLUSIVE_USER"
    EXCLUSIVE_TOPO = "EXCLUSIVE_TOPO"


class PreemptMode(enum.Enum):
    CLUSTER_GLOBAL = "CLUSTER_GLOBAL"  # partition inherits slurm.conf's PreemptMode
    DISABLED = "DISABLED"
    SUSPEND = "SUSPEND"
    REQUEUE = "REQUEUE"
    CANCEL = "CANCEL"
    GANG = "GANG"
    PRIORITY = "PRIORITY"


class OverSubscribe(enum.Enum):
    NO = "NO"
    YES = "YES"
    FORCE = "FORCE"
    EXCLUSIVE = "EXCLUSIVE"


Limit = int | float | None  # a count or minutes; INFINITE or None as the module says


@dataclass(frozen=True, slots=True)
class Partition:
    name: str
    nodes: str = ""  # hostlist expression
    state: PartitionState = PartitionState.UP
    flags: frozenset[PartitionFlag] = frozenset()
    max_time: Limit = INFINITE
    default_time: Limit = None
    min_nodes: int = 0
    max_nodes: Limit = INFINITE
    max_cpus_per_node: Limit = INFINITE
    max_cpus_per_socket: Limit = INFINITE
    priority_tier: int = 1
    priority_job_factor: int = 1
    oversubscribe: OverSubscribe = OverSubscribe.NO
    oversubscribe_jobs: int = 1  # the n of YES:n / FORCE:n
    allowed_allocation_nodes: str = ""  # "" = any node
    allowed_accounts: str = ""  # "" = all
    allowed_groups: str = ""
    allowed_qos: str = ""
    denied_accounts: str = ""
    denied_qos: str = ""
    qos: str = ""  # the partition's own QOS
    alternate: str = ""
    total_cpus: int = 0
    total_nodes: int = 0
    tres: str = ""
    billing_weights: str = ""
    grace_time: int = 0  # seconds
    def_mem_per_cpu: Limit = None
    def_mem_per_node: Limit = None
    max_mem_per_cpu: Limit = None
    max_mem_per_node: Limit = None
    over_time_limit: Limit = None
    preempt_mode: frozenset[PreemptMode] = frozenset({PreemptMode.DISABLED})
    # fields only newer API versions show
    cluster_name: str = ""
    node_sets: str = ""
    topology: str = ""
    job_defaults: str = ""
    select_type: tuple[str, ...] = ()  # e.g. ("CR_CORE_MEMORY",)
    cpu_binding: tuple[str, ...] = ()  # e.g. ("CPU_BIND_TO_CORES",)
    suspend_time: Limit = None  # seconds; None = the cluster's setting
    resume_timeout: Limit = None
    suspend_timeout: Limit = None

    @property
    def is_default(self) -> bool:
        return PartitionFlag.DEFAULT in self.flags


@dataclass(frozen=True, slots=True)
class PartitionSnapshot:
    partitions: tuple[Partition, ...]
    last_update: int  # unix time the controller's partition table last changed
