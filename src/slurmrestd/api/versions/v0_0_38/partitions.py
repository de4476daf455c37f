"""API v0.0.38 partition records (Slurm 22.05 `v0.0.38_partition`): render and inverse.

Key order and spellings are the real 22.05 daemon's, quirks included: the key
"min nodes per job" has spaces (its schema says min_nodes_per_job), flag and
preemption names are lower case, a limit of "unlimited" is -1 and an unset
one null (shared/reference/slurm-22.05 captures).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.render import FieldTable, Getter, attr, render
from slurmrestd.model.partition import Partition, PartitionFlag, PartitionState, PreemptMode

FLAG_NAMES: tuple[tuple[PartitionFlag, str], ...] = (
    (PartitionFlag.DEFAULT, "default"),
    (PartitionFlag.HIDDEN, "hidden"),
    (PartitionFlag.NO_ROOT, "no_root"),
    (PartitionFlag.ROOT_ONLY, "root_only"),
    (PartitionFlag.REQ_RESV, "reservation_required"),
    (PartitionFlag.LLN, "least_loaded_nodes"),
    (PartitionFlag.EXCLUSIVE_USER, "exclusive_user"),
)
# Modes 22.05 cannot name (CLUSTER_GLOBAL, PRIORITY) are left out.
PREEMPT_NAMES: tuple[tuple[PreemptMode, str], ...] = (
    (PreemptMode.DISABLED, "disabled"),
    (PreemptMode.SUSPEND, "suspend"),
    (PreemptMode.REQUEUE, "requeue"),
    (PreemptMode.CANCEL, "cancel"),
    (PreemptMode.GANG, "gang_schedule"),
)
UNLIMITED = -1
INFINITE16 = 65535  # over_time_limit is a uint16 printed as is


def _names(table: tuple[tuple[Any, str], ...]) -> Callable[[frozenset[Any]], list[str]]:
    return lambda members: [name for member, name in table if member in members]


def _limit(name: str, infinite: int = UNLIMITED) -> Getter:
    get = attr(name)

    def read(part: Partition) -> int | None:
        value = get(part)
        if value is None:
            return None
        return infinite if value == INFINITE else int(value)

    return read


PARTITION_FIELDS: FieldTable = (
    ("flags", attr("flags", _names(FLAG_NAMES))),
    ("preemption_mode", attr("preempt_mode", _names(PREEMPT_NAMES))),
    ("allowed_allocation_nodes", attr("allowed_allocation_nodes")),
    ("allowed_accounts", attr("allowed_accounts")),
    ("allowed_groups", attr("allowed_groups")),
    ("allowed_qos", attr("allowed_qos")),
    ("alternative", attr("alternate")),
    ("billing_weights", attr("billing_weights")),
    ("default_memory_per_cpu", _limit("def_mem_per_cpu")),
    ("default_memory_per_node", _limit("def_mem_per_node")),
    ("default_time_limit", _limit("default_time")),
    ("denied_accounts", attr("denied_accounts")),
    ("denied_qos", attr("denied_qos")),
    ("preemption_grace_time", attr("grace_time")),
    ("maximum_cpus_per_node", _limit("max_cpus_per_node")),
    ("maximum_memory_per_cpu", _limit("max_mem_per_cpu")),
    ("maximum_memory_per_node", _limit("max_mem_per_node")),
    ("maximum_nodes_per_job", _limit("max_nodes")),
    ("max_time_limit", _limit("max_time")),
    ("min nodes per job", attr("min_nodes")),
    ("name", attr("name")),
    ("nodes", attr("nodes")),
    ("over_time_limit", _limit("over_time_limit", INFINITE16)),
    ("priority_job_factor", attr("priority_job_factor")),
    ("priority_tier", attr("priority_tier")),
    ("qos", attr("qos")),
    ("state", attr("state", lambda state: state.value)),
    ("total_cpus", attr("total_cpus")),
    ("total_nodes", attr("total_nodes")),
    ("tres", attr("tres")),
)


def render_partition(part: Partition) -> dict[str, Any]:
    """One partition as the 22.05 daemon writes it."""
    return render(part, PARTITION_FIELDS)


def _members(table: tuple[tuple[Any, str], ...], names: list[str]) -> frozenset[Any]:
    by_name = {name: member for member, name in table}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise ValueError(f"unknown v0.0.38 name(s) {unknown}")
    return frozenset(by_name[name] for name in names)


def _parse_limit(value: int | None, infinite: int = UNLIMITED) -> int | float | None:
    return INFINITE if value == infinite else value


def parse_partition(body: Mapping[str, Any]) -> Partition:
    """The canonical partition behind one v0.0.38 partition object.

    Raises:
        KeyError: a key of the v0.0.38 shape is missing.
        ValueError: a flag, preemption mode or state name is unknown.
    """
    return Partition(
        name=body["name"],
        nodes=body["nodes"],
        state=PartitionState(body["state"]),
        flags=_members(FLAG_NAMES, body["flags"]),
        preempt_mode=_members(PREEMPT_NAMES, body["preemption_mode"]),
        max_time=_parse_limit(body["max_time_limit"]),
        default_time=_parse_limit(body["default_time_limit"]),
        min_nodes=body["min nodes per job"],
        max_nodes=_parse_limit(body["maximum_nodes_per_job"]),
        max_cpus_per_node=_parse_limit(body["maximum_cpus_per_node"]),
        priority_tier=body["priority_tier"],
        priority_job_factor=body["priority_job_factor"],
        allowed_allocation_nodes=body["allowed_allocation_nodes"],
        allowed_accounts=body["allowed_accounts"],
        allowed_groups=body["allowed_groups"],
        allowed_qos=body["allowed_qos"],
        denied_accounts=body["denied_accounts"],
        denied_qos=body["denied_qos"],
        qos=body["qos"],
        alternate=body["alternative"],
        total_cpus=body["total_cpus"],
        total_nodes=body["total_nodes"],
        tres=body["tres"],
        billing_weights=body["billing_weights"],
        grace_time=body["preemption_grace_time"],
        def_mem_per_cpu=_parse_limit(body["default_memory_per_cpu"]),
        def_mem_per_node=_parse_limit(body["default_memory_per_node"]),
        max_mem_per_cpu=_parse_limit(body["maximum_memory_per_cpu"]),
        max_mem_per_node=_parse_limit(body["maximum_memory_per_node"]),
        over_time_limit=_parse_limit(body["over_time_limit"], INFINITE16),
    )
