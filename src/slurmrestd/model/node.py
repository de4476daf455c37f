"""Canonical compute-node records, as every API version and backend sees them.

A node has one base state and a set of flags (Slurm packs both in one word).
Numbers use None for "not known" and `api.numbers.INFINITE` for "no limit";
nothing here knows how a version spells them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class NodeState(enum.Enum):
    """The base state; exactly one applies to a node at a time."""

    UNKNOWN = "UNKNOWN"
    DOWN = "DOWN"
    IDLE = "IDLE"
    ALLOCATED = "ALLOCATED"
    ERROR = "ERROR"
    MIXED = "MIXED"
    FUTURE = "FUTURE"


class NodeFlag(enum.Enum):
    """State flags on top of the base state, in Slurm's bit order."""

    EXTERNAL = "EXTERNAL"
    RESERVED = "RESERVED"
    UNDRAIN = "UNDRAIN"
    CLOUD = "CLOUD"
    RESUME = "RESUME"
    DRAIN = "DRAIN"
    COMPLETING = "COMPLETING"
    NOT_RESPONDING = "NOT_RESPONDING"
    POWERED_DOWN = "POWERED_DOWN"
    FAIL = "FAIL"
    POWERING_UP = "POWERING_UP"
    MAINTENANCE = "MAINTENANCE"
    REBOOT_REQUESTED = "REBOOT_REQUESTED"
    REBOOT_CANCELED = "REBOOT_CANCELED"
    POWERING_DOWN = "POWERING_DOWN"
    DYNAMIC_FUTURE = "DYNAMIC_FUTURE"
    REBOOT_ISSUED = "REBOOT_ISSUED"
    PLANNED = "PLANNED"
    INVALID_REG = "INVALID_REG"
    POWER_DOWN = "POWER_DOWN"
    POWER_UP = "POWER_UP"
    POWER_DRAIN = "POWER_DRAIN"
    DYNAMIC_NORM = "DYNAMIC_NORM"
    BLOCKED = "BLOCKED"
    PERFCTRS = "PERFCTRS"  # network performance counters in use (22.05 only)


@dataclass(frozen=True, slots=True)
class NodeEnergy:
    """acct_gather_energy readings; all zero when no energy plugin runs."""

    average_watts: int = 0
    base_consumed_energy: int = 0  # joules
    consumed_energy: int = 0
    current_watts: int | None = None
    previous_consumed_energy: int = 0
    last_collected: int = 0  # unix time


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    state: NodeState = NodeState.IDLE
    flags: frozenset[NodeFlag] = frozenset()
    next_state: NodeState | None = None  # state after a queued reboot; None = none queued
    next_state_flags: frozenset[NodeFlag] = frozenset()
    hostname: str = ""
    address: str = ""
    port: int = 0
    # hardware
    cpus: int = 1
    boards: int = 1
    sockets: int = 1
    cores: int = 1  # per socket
    threads: int = 1  # per core
    real_memory: int = 1  # MiB
    temporary_disk: int = 0  # MiB
    # usage
    alloc_cpus: int = 0
    alloc_memory: int = 0  # MiB
    free_memory: int | None = None  # MiB as the OS reports it; None = not reported
    cpu_load: int | None = None  # load average x 100; None = not reported
    cpu_binding: int = 0
    weight: int = 1
    features: tuple[str, ...] = ()
    active_features: tuple[str, ...] = ()
    gres: str = ""
    gres_drained: str = "N/A"  # slurmctld's own text when nothing is drained
    gres_used: str = ""
    partitions: tuple[str, ...] = ()
    reason: str = ""
    reason_time: int = 0  # unix time the reason was set, 0 = never
    reason_set_by: str | None = None  # user name
    boot_time: int = 0
    slurmd_start_time: int = 0
    last_busy: int = 0
    os: str = ""
    architecture: str = ""
    version: str = ""  # slurmd's release
    tres: str = ""
    tres_used: str | None = None  # None = nothing allocated
    tres_weighted: float = 0.0
    owner: str | None = None  # user the node is restricted to
    mcs_label: str = ""
    comment: str = ""
    extra: str = ""
    burstbuffer_network_address: str = ""
    # fields only newer API versions show
    cluster_name: str = ""
    specialized_cores: int = 0
    specialized_cpus: str = ""
    specialized_memory: int = 0  # MiB
    effective_cpus: int | None = None  # None = same as cpus
    gpu_spec: str = ""
    res_cores_per_gpu: int = 0
    instance_id: str = ""
    instance_type: str = ""
    reservation: str = ""
    resume_after: int | None = None  # unix time
    suspend_time: int | float | None = None  # idle seconds before power save
    topology: str = ""
    tls_cert_last_renewal: int = 0
    cert_token_set: bool = False
    energy: NodeEnergy = field(default_factory=NodeEnergy)

    @property
    def idle_cpus(self) -> int:
        return self.cpus - self.alloc_cpus


@dataclass(frozen=True, slots=True)
class NodeSnapshot:
    nodes: tuple[Node, ...]
    last_update: int  # unix time the controller's node table last changed
