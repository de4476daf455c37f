"""API v0.0.46 partition records (`v0.0.46_partition_info`).

Upstream writes the partition as nested groups (nodes/, accounts/, maximums/
...); a group appears where its first member sits in upstream's v0.0.46
partition table, so the groups below keep that order.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.render import FieldTable, Getter, attr, no_val_number, render
from slurmrestd.model.partition import (
    OverSubscribe,
    Partition,
    PartitionFlag,
    PreemptMode,
)

# The flags v0.0.46 names; the exclusive ones go to partition/exclusive instead.
FLAG_ORDER: tuple[PartitionFlag, ...] = (
    PartitionFlag.DEFAULT,
    PartitionFlag.HIDDEN,
    PartitionFlag.NO_ROOT,
    PartitionFlag.ROOT_ONLY,
    PartitionFlag.REQ_RESV,
    PartitionFlag.LLN,
    PartitionFlag.PDOI,
)
# v0.0.46 has no name for GANG.
PREEMPT_ORDER: tuple[PreemptMode, ...] = tuple(
    mode for mode in PreemptMode if mode is not PreemptMode.GANG
)


def oversubscribe_text(part: Partition) -> str:
    """OverSubscribe as sinfo and scontrol show it: NO, EXCLUSIVE, YES:n, FORCE:n."""
    if part.oversubscribe in (OverSubscribe.NO, OverSubscribe.EXCLUSIVE):
        return part.oversubscribe.value
    return f"{part.oversubscribe.value}:{part.oversubscribe_jobs}"


def exclusive_text(part: Partition) -> str:
    """The partition's exclusive-allocation mode: NO, USER, TOPO or USER,TOPO."""
    kinds = [
        kind
        for flag, kind in (
            (PartitionFlag.EXCLUSIVE_USER, "USER"),
            (PartitionFlag.EXCLUSIVE_TOPO, "TOPO"),
        )
        if flag in part.flags
    ]
    return ",".join(kinds) or "NO"


def _group(table: FieldTable) -> Getter:
    return lambda part: render(part, table)


def _members(name: str, order: tuple[Any, ...]) -> Getter:
    get = attr(name)
    return lambda part: [member.value for member in order if member in get(part)]


PARTITION_FIELDS: FieldTable = (
    (
        "nodes",
        _group(
            (
                ("allowed_allocation", attr("allowed_allocation_nodes")),
                ("configured", attr("nodes")),
                ("total", attr("total_nodes")),
            )
        ),
    ),
    (
        "accounts",
        _group((("allowed", attr("allowed_accounts")), ("deny", attr("denied_accounts")))),
    ),
    ("groups", _group((("allowed", attr("allowed_groups")),))),
    (
        "qos",
        _group(
            (
                ("allowed", attr("allowed_qos")),
                ("deny", attr("denied_qos")),
                ("assigned", attr("qos")),
            )
        ),
    ),
    ("alternate", attr("alternate")),
    (
        "tres",
        _group((("billing_weights", attr("billing_weights")), ("configured", attr("tres")))),
    ),
    ("cluster", attr("cluster_name")),
    ("select_type", attr("select_type", list)),
    (
        "cpus",
        _group((("task_binding", attr("cpu_binding", list)), ("total", attr("total_cpus")))),
    ),
    (
        "defaults",
        _group(
            (
                ("partition_memory_per_cpu", no_val_number("def_mem_per_cpu")),
                ("partition_memory_per_node", no_val_number("def_mem_per_node")),
                ("time", no_val_number("default_time")),
                ("job", attr("job_defaults")),
            )
        ),
    ),
    ("flags", _members("flags", FLAG_ORDER)),
    (
        "partition",
        _group(
            (
                ("exclusive", exclusive_text),
                ("oversubscribe", oversubscribe_text),
                ("state", lambda part: [part.state.value]),
            )
        ),
    ),
    ("grace_time", attr("grace_time")),
    (
        "maximums",
        _group(
            (
                ("cpus_per_node", no_val_number("max_cpus_per_node")),
                ("cpus_per_socket", no_val_number("max_cpus_per_socket")),
                ("partition_memory_per_cpu", no_val_number("max_mem_per_cpu")),
                ("partition_memory_per_node", no_val_number("max_mem_per_node")),
                ("nodes", no_val_number("max_nodes")),
                ("time", no_val_number("max_time")),
                ("over_time_limit", no_val_number("over_time_limit")),
            )
        ),
    ),
    ("minimums", _group((("nodes", attr("min_nodes")),))),
    ("name", attr("name")),
    ("node_sets", attr("node_sets")),
    ("preempt_mode", _members("preempt_mode", PREEMPT_ORDER)),
    (
        "priority",
        _group((("job_factor", attr("priority_job_factor")), ("tier", attr("priority_tier")))),
    ),
    (
        "timeouts",
        _group(
            (
                ("resume", no_val_number("resume_timeout")),
                ("suspend", no_val_number("suspend_timeout")),
            )
        ),
    ),
    ("topology", attr("topology")),
    ("suspend_time", no_val_number("suspend_time")),
)


def render_partition(part: Partition) -> dict[str, Any]:
    """One partition in the v0.0.46 shape."""
    return render(part, PARTITION_FIELDS)
