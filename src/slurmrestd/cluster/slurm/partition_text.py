"""Partitions from `scontrol --all show partition -o` (Slurm 22.05 has no JSON form of it).

One line per partition. The readings below follow what the 22.05 C daemon
serves for the same controller (checked side by side on the testbed): "ALL"
allow lists and "N/A" QoS are empty, DefMemPerNode=UNLIMITED means "not set",
OverTimeLimit=NONE is unset and UNLIMITED is no limit.
"""

from __future__ import annotations

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.slurm import textfields as tf
from slurmrestd.model.partition import (
    OverSubscribe,
    Partition,
    PartitionFlag,
    PartitionState,
    PreemptMode,
)

# Yes/no fields that are partition flags.
_FLAG_FIELDS: tuple[tuple[str, PartitionFlag], ...] = (
    ("Default", PartitionFlag.DEFAULT),
    ("Hidden", PartitionFlag.HIDDEN),
    ("DisableRootJobs", PartitionFlag.NO_ROOT),
    ("RootOnly", PartitionFlag.ROOT_ONLY),
    ("ReqResv", PartitionFlag.REQ_RESV),
    ("LLN", PartitionFlag.LLN),
    ("ExclusiveUser", PartitionFlag.EXCLUSIVE_USER),
    ("PowerDownOnIdle", PartitionFlag.PDOI),
    ("ExclusiveTopo", PartitionFlag.EXCLUSIVE_TOPO),
)
_PREEMPT_WORDS = {
    "OFF": PreemptMode.DISABLED,
    "SUSPEND": PreemptMode.SUSPEND,
    "REQUEUE": PreemptMode.REQUEUE,
    "CANCEL": PreemptMode.CANCEL,
    "GANG": PreemptMode.GANG,
    "PRIORITY": PreemptMode.PRIORITY,
}
_STATES = {state.value: state for state in PartitionState}


def _allow_list(value: str | None) -> str:
    """AllowGroups/AllowAccounts/AllowQos/AllocNodes: "ALL" means no restriction."""
    text = tf.text(value)
    return "" if text == "ALL" else text


def _memory(value: str | None) -> int | float | None:
    """DefMem*/MaxMem*: 0, printed UNLIMITED, means "not set" (the C daemon writes null)."""
    if value is None or value in tf.UNLIMITED_TEXTS:
        return None
    amount = tf.number(value)
    return amount or None


def _over_time(value: str | None) -> int | float | None:
    if value is None or value in tf.UNSET_TEXTS:
        return None
    return tf.number(value)


def _preempt_modes(value: str | None) -> frozenset[PreemptMode]:
    words = [w for w in tf.text(value).upper().split(",") if w]
    modes = {_PREEMPT_WORDS[w] for w in words if w in _PREEMPT_WORDS}
    return frozenset(modes) or frozenset({PreemptMode.DISABLED})


def _oversubscribe(value: str | None) -> tuple[OverSubscribe, int]:
    """ "NO", "EXCLUSIVE", "YES:4", "FORCE:2" -> (mode, jobs per resource)."""
    mode, _, jobs = tf.text(value).upper().partition(":")
    try:
        kind = OverSubscribe(mode)
    except ValueError:
        kind = OverSubscribe.NO
    return kind, int(jobs) if jobs.isdigit() else 1


def _power_seconds(value: str | None) -> int | float | None:
    """SuspendTime/ResumeTimeout/SuspendTimeout: GLOBAL = the cluster's setting."""
    if value is None or value.upper() == "GLOBAL":
        return None
    if value.upper() == "NONE" or value in tf.UNLIMITED_TEXTS:
        return INFINITE
    return tf.number(value)


def parse_partition_line(line: str) -> Partition | None:
    """One `PartitionName=... ` line; None for a line that names no partition."""
    f = tf.split_fields(line)
    name = f.get("PartitionName")
    if not name:
        return None
    oversubscribe, oversubscribe_jobs = _oversubscribe(f.get("OverSubscribe"))
    select = tf.text(f.get("SelectTypeParameters"))
    return Partition(
        name=name,
        nodes=tf.text(f.get("Nodes")),
        state=_STATES.get(f.get("State", "").upper(), PartitionState.UNKNOWN),
        flags=frozenset(flag for key, flag in _FLAG_FIELDS if tf.yes(f.get(key))),
        max_time=tf.limit_minutes(f.get("MaxTime")),
        default_time=tf.limit_minutes(f.get("DefaultTime")),
        min_nodes=tf.count(f.get("MinNodes")),
        max_nodes=tf.number(f.get("MaxNodes")),
        max_cpus_per_node=tf.number(f.get("MaxCPUsPerNode"), unset=INFINITE),
        max_cpus_per_socket=tf.number(f.get("MaxCPUsPerSocket"), unset=INFINITE),
        priority_tier=tf.count(f.get("PriorityTier")),
        priority_job_factor=tf.count(f.get("PriorityJobFactor")),
        oversubscribe=oversubscribe,
        oversubscribe_jobs=oversubscribe_jobs,
        allowed_allocation_nodes=_allow_list(f.get("AllocNodes")),
        allowed_accounts=_allow_list(f.get("AllowAccounts")),
        allowed_groups=_allow_list(f.get("AllowGroups")),
        allowed_qos=_allow_list(f.get("AllowQos")),
        denied_accounts=tf.text(f.get("DenyAccounts")),
        denied_qos=tf.text(f.get("DenyQos")),
        qos=tf.text(f.get("QoS")),
        alternate=tf.text(f.get("Alternate")),
        total_cpus=tf.count(f.get("TotalCPUs")),
        total_nodes=tf.count(f.get("TotalNodes")),
        tres=tf.text(f.get("TRES")),
        billing_weights=tf.text(f.get("TRESBillingWeights")),
        grace_time=tf.count(f.get("GraceTime")),
        def_mem_per_cpu=_memory(f.get("DefMemPerCPU")),
        def_mem_per_node=_memory(f.get("DefMemPerNode")),
        max_mem_per_cpu=_memory(f.get("MaxMemPerCPU")),
        max_mem_per_node=_memory(f.get("MaxMemPerNode")),
        over_time_limit=_over_time(f.get("OverTimeLimit")),
        preempt_mode=_preempt_modes(f.get("PreemptMode")),
        node_sets=tf.text(f.get("NodeSets")),
        job_defaults=tf.text(f.get("JobDefaults")),
        select_type=tuple(s for s in select.split(",") if s),
        suspend_time=_power_seconds(f.get("SuspendTime")),
        resume_timeout=_power_seconds(f.get("ResumeTimeout")),
        suspend_timeout=_power_seconds(f.get("SuspendTimeout")),
    )


def parse_partitions(text: str) -> tuple[Partition, ...]:
    """Every partition of `scontrol show partition -o` output, in the controller's order."""
    parsed = (parse_partition_line(line) for line in text.splitlines())
    return tuple(p for p in parsed if p is not None)
