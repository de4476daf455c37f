"""Nodes, partitions, licenses and limits of the embedded cluster, from slurm.conf.

Without a slurm.conf (or one with no NodeName lines) the cluster is this host:
one node with its CPUs and memory, in one default partition `debug`. Every
node of a configured cluster runs its jobs on this host; the names only label
the allocation, as a single-host test cluster would.
"""

from __future__ import annotations

import enum
import math
import os
import socket
from dataclasses import dataclass

from slurmrestd.cluster.embedded.engine.arrays import DEFAULT_MAX_ARRAY_SIZE
from slurmrestd.cluster.embedded.engine.timespec import parse_duration
from slurmrestd.hostlist import HostlistError, expand
from slurmrestd.model.license import parse_licenses
from slurmrestd.slurmconf import Record, SlurmConf

# slurm.conf defaults (slurm.conf(5)).
DEFAULT_KILL_WAIT = 30.0
DEFAULT_MAX_JOB_ID = 67043328
DEFAULT_PARTITION = "debug"
# SchedulerParameters=bf_max_job_test: how many jobs one pass tries to place.
DEFAULT_QUEUE_DEPTH = 500
MAX_QUEUE_DEPTH = 1_000_000
# Node states with which a node takes no new jobs.
_UNUSABLE_NODE_STATES = frozenset({"DOWN", "DRAIN", "FAIL", "FUTURE", "CLOUD", "EXTERNAL"})


class ConfigError(ValueError):
    """slurm.conf content the engine cannot use."""


class PartitionState(enum.StrEnum):
    UP = "UP"
    DOWN = "DOWN"  # takes jobs, starts none
    DRAIN = "DRAIN"  # takes no new jobs, runs queued ones
    INACTIVE = "INACTIVE"  # takes none, starts none


@dataclass(frozen=True, slots=True)
class NodeConfig:
    name: str
    cpus: int
    real_memory: int  # MiB
    state: str = "IDLE"  # as configured; see `usable`
    features: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return self.state not in _UNUSABLE_NODE_STATES


@dataclass(frozen=True, slots=True)
class PartitionConfig:
    name: str
    nodes: tuple[str, ...]
    default: bool = False
    state: PartitionState = PartitionState.UP
    max_time: float = math.inf  # minutes
    default_time: float | None = None  # minutes; None: MaxTime applies
    max_nodes: float = math.inf
    max_cpus_per_node: float = math.inf
    priority_tier: int = 1


@dataclass(frozen=True, slots=True)
class EngineConfig:
    cluster_name: str
    control_host: str
    nodes: tuple[NodeConfig, ...]
    partitions: tuple[PartitionConfig, ...]
    licenses: tuple[tuple[str, int], ...] = ()
    kill_wait: float = DEFAULT_KILL_WAIT  # seconds
    first_job_id: int = 1
    max_job_id: int = DEFAULT_MAX_JOB_ID
    max_array_size: int = DEFAULT_MAX_ARRAY_SIZE
    enforce_part_limits: bool = False
    queue_depth: int = DEFAULT_QUEUE_DEPTH

    def partition(self, name: str) -> PartitionConfig | None:
        return next((p for p in self.partitions if p.name == name), None)

    def node(self, name: str) -> NodeConfig | None:
        return next((n for n in self.nodes if n.name == name), None)

    @property
    def default_partition(self) -> PartitionConfig | None:
        return next((p for p in self.partitions if p.default), None)


def host_memory_mib() -> int:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)
    except (ValueError, OSError):
        return 1


def load_config(conf: SlurmConf | None, *, hostname: str | None = None) -> EngineConfig:
    """The engine's view of a slurm.conf (or of this host when there is none).

    Raises:
        ConfigError: a value the engine cannot read.
    """
    host = (hostname or socket.gethostname()).split(".")[0]
    nodes = _nodes(conf) if conf is not None else ()
    if not nodes:
        nodes = (NodeConfig(host, os.cpu_count() or 1, host_memory_mib()),)
    partitions = _partitions(conf, nodes) if conf is not None else ()
    if not partitions:
        partitions = (PartitionConfig(DEFAULT_PARTITION, tuple(n.name for n in nodes), True),)
    get = conf.get if conf is not None else (lambda key, default=None: default)
    try:
        licenses = parse_licenses(get("Licenses"))
        kill_wait = float(get("KillWait") or DEFAULT_KILL_WAIT)
        first_job_id = int(get("FirstJobId") or 1)
        max_job_id = int(get("MaxJobId") or DEFAULT_MAX_JOB_ID)
        max_array_size = int(get("MaxArraySize") or DEFAULT_MAX_ARRAY_SIZE)
        queue_depth = _queue_depth(conf)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return EngineConfig(
        cluster_name=get("ClusterName") or "localhost",
        control_host=host,
        nodes=nodes,
        partitions=partitions,
        licenses=licenses,
        kill_wait=kill_wait,
        first_job_id=first_job_id,
        max_job_id=max_job_id,
        max_array_size=max_array_size,
        enforce_part_limits=(get("EnforcePartLimits") or "NO").upper() != "NO",
        queue_depth=queue_depth,
    )


def _queue_depth(conf: SlurmConf | None) -> int:
    """bf_max_job_test of SchedulerParameters, within Slurm's bounds (1 .. 1 000 000).

    Raises:
        ValueError: not a number.
    """
    value = conf.scheduler_parameters.get("bf_max_job_test") if conf is not None else None
    if not value:
        return DEFAULT_QUEUE_DEPTH
    return min(max(int(value), 1), MAX_QUEUE_DEPTH)


def _int(record: Record, key: str, default: int) -> int:
    value = record.get(key)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{record.where}: {key}={value!r} is not a number") from None


def parse_nodes(conf: SlurmConf) -> tuple[NodeConfig, ...]:
    """The nodes of every NodeName line (DownNodes applied).

    Raises:
        ConfigError: a value the engine cannot read.
    """
    return _nodes(conf)


def _nodes(conf: SlurmConf) -> tuple[NodeConfig, ...]:
    down: set[str] = set()
    for record in conf.records("DownNodes"):
        down.update(record.names)
    out = []
    for record in conf.nodes:
        threads = _int(record, "ThreadsPerCore", 1)
        cores = _int(record, "CoresPerSocket", 1)
        sockets = _int(
            record, "Sockets", _int(record, "SocketsPerBoard", 1) * _int(record, "Boards", 1)
        )
        cpus = _int(record, "CPUs", _int(record, "Procs", sockets * cores * threads))
        memory = _int(record, "RealMemory", 1)  # Slurm's default is 1 MiB, too
        state = (record.get("State") or "IDLE").upper()
        features = tuple(
            f for f in (record.get("Features") or record.get("Feature") or "").split(",") if f
        )
        for name in record.names:
            out.append(NodeConfig(name, cpus, memory, "DOWN" if name in down else state, features))
    return tuple(out)


def _limit(record: Record, key: str, parse=float) -> float:
    value = record.get(key)
    if value is None or value.upper() in ("UNLIMITED", "INFINITE"):
        return math.inf
    try:
        return parse(value)
    except ValueError:
        raise ConfigError(f"{record.where}: {key}={value!r} is not valid") from None


def _partitions(conf: SlurmConf, nodes: tuple[NodeConfig, ...]) -> tuple[PartitionConfig, ...]:
    known = [n.name for n in nodes]
    out = []
    for record in conf.partitions:
        spec = record.get("Nodes") or ""
        try:
            members = known if spec.upper() == "ALL" else expand(spec) if spec else []
        except HostlistError as exc:
            raise ConfigError(f"{record.where}: {exc}") from None
        unknown = [m for m in members if m not in known]
        if unknown:
            raise ConfigError(f"{record.where}: unknown nodes {','.join(unknown)}")
        try:
            state = PartitionState((record.get("State") or "UP").upper())
        except ValueError:
            raise ConfigError(f"{record.where}: invalid State") from None
        default_time = record.get("DefaultTime")
        out.append(
            PartitionConfig(
                name=record.name,
                nodes=tuple(members),
                default=(record.get("Default") or "NO").upper() == "YES",
                state=state,
                max_time=_limit(record, "MaxTime", parse_duration),
                default_time=_limit(record, "DefaultTime", parse_duration)
                if default_time
                else None,
                max_nodes=_limit(record, "MaxNodes"),
                max_cpus_per_node=_limit(record, "MaxCPUsPerNode"),
                priority_tier=_int(record, "PriorityTier", 1),
            )
        )
    return tuple(out)
