"""Partitions created, changed and deleted at run time (scontrol create/update/delete
partition). Pure rules: the manager checks who asks, persists and reschedules.

An update keeps every field it does not give. Only the fields the engine
schedules by are applied; the caller reports the others as ignored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.embedded.engine.config import (
    EngineConfig,
    PartitionConfig,
    PartitionState,
)
from slurmrestd.cluster.embedded.engine.records import JobRecord
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.hostlist import HostlistError, expand
from slurmrestd.model.partition_update import PartitionUpdate

SOURCE = "update_partition"
IN_USE_TEXT = "Partition is in use: jobs are queued or running in it"
# A value the partition field cannot hold (a state it never takes, a negative
# limit of an unsigned field) is a conversion failure, as Slurm's parser says.
UNUSABLE_VALUE = Errno.DATA_CONV_FAILED


def _error(errno: Errno, description: str = "") -> SlurmError:
    return SlurmError(errno, description, SOURCE)


def _limit(value: int | float) -> float:
    return math.inf if value == INFINITE else float(value)


def _nodes(spec: str, config: EngineConfig) -> tuple[str, ...]:
    known = [n.name for n in config.nodes]
    if spec.upper() == "ALL":
        return tuple(known)
    try:
        names = expand(spec) if spec else []
    except HostlistError as exc:
        raise _error(Errno.INVALID_NODE_NAME, str(exc)) from None
    unknown = [n for n in names if n not in known]
    if unknown:
        raise _error(Errno.INVALID_NODE_NAME, f"unknown nodes {','.join(unknown)}")
    return tuple(names)


def put(change: PartitionUpdate, config: EngineConfig) -> PartitionConfig:
    """The partition `change` creates, or the existing one it updates.

    Raises:
        SlurmError: 2000 no name, 2018 unknown nodes, 9202 an unusable state or limit.
    """
    if not change.name or "," in change.name:
        raise _error(Errno.INVALID_PARTITION_NAME, "a partition needs a single name")
    part = config.partition(change.name) or PartitionConfig(change.name, ())
    if change.nodes is not None:
        part = replace(part, nodes=_nodes(change.nodes, config))
    if change.state is not None:
        try:
            part = replace(part, state=PartitionState(change.state.value))
        except ValueError:
            raise _error(UNUSABLE_VALUE, f"partition state {change.state.value}") from None
    if change.default is not None:
        part = replace(part, default=change.default)
    limits = {
        "max_time": change.max_time,
        "max_nodes": change.max_nodes,
        "max_cpus_per_node": change.max_cpus_per_node,
    }
    for name, value in limits.items():
        if value is not None:
            if value != INFINITE and value < 0:
                raise _error(UNUSABLE_VALUE, f"{name} cannot be negative")
            part = replace(part, **{name: _limit(value)})
    if change.default_time is not None:
        part = replace(part, default_time=_limit(change.default_time))
    if change.priority_tier is not None:
        part = replace(part, priority_tier=int(change.priority_tier))
    return part


def check_delete(name: str, config: EngineConfig, active: Iterable[JobRecord]) -> None:
    """Refuse to delete an unknown partition or one that jobs still use.

    Raises:
        SlurmError: 2000 unknown, 2075 jobs pending or running in it.
    """
    if config.partition(name) is None:
        raise _error(Errno.INVALID_PARTITION_NAME, f"partition {name!r} not found")
    if any(job.partition == name for job in active):
        raise _error(Errno.PARTITION_IN_USE, IN_USE_TEXT)
