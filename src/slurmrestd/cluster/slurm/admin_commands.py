"""Operator changes to nodes and partitions as Slurm 22.05 `scontrol` command lines.

Pure functions: argv from canonical requests (model/node_update.py,
model/partition_update.py). Facts used (seen on the testbed):
- `scontrol update NodeName=` takes one State= word per command, so several
  requested states become several commands, applied in the order given;
- `scontrol create NodeName=...` exits 0 and prints nothing even when
  slurmctld adds no node (22.05 logs "node table is full" when MaxNodeCount
  leaves no room), so the caller checks that the nodes exist afterwards;
- `scontrol create PartitionName=` refuses an existing name (2000) and
  `update` an unknown one (2000), so the caller picks one by the table.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.hostlist import HostlistError, compress, expand
from slurmrestd.model.node_update import NodeUpdate
from slurmrestd.model.partition_update import PartitionUpdate

RECONFIGURE = ("scontrol", "reconfigure")

# State word combinations scontrol spells as one word.
_COMBINED_STATES = {
    frozenset({"POWER_DOWN", "POWER_DRAIN"}): "POWER_DOWN_ASAP",
    frozenset({"POWER_DOWN", "POWERED_DOWN"}): "POWER_DOWN_FORCE",
}
# REST state names scontrol spells differently.
_STATE_WORDS = {"NO_RESPOND": "NoResp", "REBOOT_CANCELED": "CANCEL_REBOOT"}
# NodeUpdate.other keys (v0.0.46 update_node_msg) scontrol can set.
_NODE_OTHER = {"address": "NodeAddr", "hostname": "NodeHostname", "gres": "Gres"}
# Who set the reason is always the caller for slurmctld; a client echoing a
# node record back sends it, and it asks for nothing.
_NODE_IGNORED = frozenset({"reason_uid"})


def _number(value: Any) -> str:
    """A count or minutes as scontrol reads it (INFINITE is UNLIMITED)."""
    if value == INFINITE:
        return "UNLIMITED"
    if isinstance(value, Mapping):  # a version's no_val struct left in `other`
        if value.get("infinite"):
            return "UNLIMITED"
        return _number(value.get("number", 0))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    return str(value)


# ------------------------------------------------------------------- nodes --


def node_states(words: tuple[str, ...]) -> list[str]:
    """The State= words to send, one command each (combinations scontrol names as one)."""
    wanted = [word.upper() for word in words]
    combined = _COMBINED_STATES.get(frozenset(wanted))
    if combined is not None:
        return [combined]
    return [_STATE_WORDS.get(word, word) for word in wanted]


def node_update_commands(update: NodeUpdate) -> list[list[str]]:
    """`scontrol update NodeName=...` lines that make `update`, in order.

    Raises:
        SlurmError: INVALID_NODE_NAME without a node, NOT_SUPPORTED for a field
            scontrol cannot set.
    """
    if not update.names:
        raise SlurmError(Errno.INVALID_NODE_NAME, "no node given", "slurm_update_node")
    unknown = sorted(set(update.other) - set(_NODE_OTHER) - _NODE_IGNORED)
    if unknown:
        raise SlurmError(
            Errno.NOT_SUPPORTED,
            f"scontrol cannot update {', '.join(unknown)} of a node",
            "slurm_update_node",
        )
    target = f"NodeName={compress(update.names)}"
    reason = [] if update.reason is None else [f"Reason={update.reason}"]
    fields = list(reason)
    texts = (("Comment", update.comment), ("Extra", update.extra))
    fields += [f"{key}={value}" for key, value in texts if value is not None]
    if update.features is not None:
        fields.append(f"AvailableFeatures={_csv(update.features)}")
    if update.active_features is not None:
        fields.append(f"ActiveFeatures={_csv(update.active_features)}")
    if update.weight is not None:
        fields.append(f"Weight={_number(update.weight)}")
    if update.resume_after is not None:
        fields.append(f"ResumeAfter={_number(update.resume_after)}")
    fields += [
        f"{_NODE_OTHER[key]}={_csv(v)}" for key, v in update.other.items() if key in _NODE_OTHER
    ]
    states = node_states(update.state or ())
    if not states:
        return [["scontrol", "update", target, *fields]] if fields else []
    # The reason goes with every state word: scontrol wants one for DOWN and DRAIN.
    commands = [["scontrol", "update", target, f"State={states[0]}", *fields]]
    commands += [["scontrol", "update", target, f"State={word}", *reason] for word in states[1:]]
    return commands


def node_conf_names(node_conf: str) -> tuple[str, ...]:
    """The node names a `NodeName=...` line creates.

    Raises:
        SlurmError: INVALID_NODE_NAME when the line names none or the list is malformed.
    """
    for token in shlex.split(node_conf):
        key, _, value = token.partition("=")
        if key.lower() == "nodename" and value:
            try:
                return tuple(expand(value))
            except HostlistError as exc:
                raise SlurmError(Errno.INVALID_NODE_NAME, str(exc), "slurm_create_node") from None
    raise SlurmError(
        Errno.INVALID_NODE_NAME, "node_conf names no node (NodeName=)", "slurm_create_node"
    )


def create_node_command(node_conf: str) -> list[str]:
    """`scontrol create NodeName=...` with the line's own fields."""
    return ["scontrol", "create", *shlex.split(node_conf)]


def show_nodes_command(names: tuple[str, ...]) -> list[str]:
    return ["scontrol", "--oneliner", "show", "node", compress(names)]


def missing_nodes(names: tuple[str, ...], shown: str) -> list[str]:
    """The names `scontrol show node` did not list."""
    listed = {
        token.removeprefix("NodeName=")
        for line in shown.splitlines()
        for token in line.split()[:1]
        if token.startswith("NodeName=")
    }
    return [name for name in names if name not in listed]


def nodes_not_created(missing: list[str]) -> SlurmError:
    """What to answer when slurmctld accepted `scontrol create` but added nothing."""
    return SlurmError(
        Errno.NOT_SUPPORTED,
        f"slurmctld did not create node(s) {compress(missing)}: Slurm 22.05 reports no error "
        "when its node table is full (MaxNodeCount must leave room for dynamic nodes)",
        "slurm_create_node",
    )


def delete_node_command(name: str) -> list[str]:
    return ["scontrol", "delete", f"NodeName={name}"]


# -------------------------------------------------------------- partitions --

Field = Callable[[Any], list[str]]


def _key(name: str, render: Callable[[Any], str] = str) -> Field:
    return lambda value: [f"{name}={render(value)}"]


def _flags(value: Any) -> list[str]:
    """Partition flags other than DEFAULT: X sets YES, X_CLEAR sets NO."""
    out = []
    for flag in value:
        name, clear = (flag[: -len("_CLEAR")], True) if flag.endswith("_CLEAR") else (flag, False)
        key = _PARTITION_FLAGS.get(name)
        if key is None:
            raise KeyError(flag)
        out.append(f"{key}={'NO' if clear else 'YES'}")
    return out


_PARTITION_FLAGS = {
    "HIDDEN": "Hidden",
    "NO_ROOT": "DisableRootJobs",
    "ROOT_ONLY": "RootOnly",
    "REQ_RESV": "ReqResv",
    "LLN": "LLN",
    "PDOI": "PowerDownOnIdle",
    "EXCLUSIVE_USER": "ExclusiveUser",
}

# PartitionUpdate.other paths (v0.0.46 partition_info) -> scontrol fields.
PARTITION_OTHER: dict[str, Field] = {
    "accounts/allowed": _key("AllowAccounts"),
    "accounts/deny": _key("DenyAccounts"),
    "alternate": _key("Alternate"),
    "groups/allowed": _key("AllowGroups"),
    "qos/allowed": _key("AllowQos"),
    "qos/deny": _key("DenyQos"),
    "qos/assigned": _key("QoS"),
    "nodes/allowed_allocation": _key("AllocNodes"),
    "minimums/nodes": _key("MinNodes", _number),
    "grace_time": _key("GraceTime", _number),
    "priority/job_factor": _key("PriorityJobFactor", _number),
    "maximums/over_time_limit": _key("OverTimeLimit", _number),
    "maximums/partition_memory_per_cpu": _key("MaxMemPerCPU", _number),
    "maximums/partition_memory_per_node": _key("MaxMemPerNode", _number),
    "defaults/partition_memory_per_cpu": _key("DefMemPerCPU", _number),
    "defaults/partition_memory_per_node": _key("DefMemPerNode", _number),
    "defaults/job": _key("JobDefaults"),
    "partition/oversubscribe": _key("OverSubscribe"),
    "preempt_mode": _key("PreemptMode", _csv),
    "tres/billing_weights": _key("TRESBillingWeights"),
    "suspend_time": _key("SuspendTime", _number),
    "timeouts/resume": _key("ResumeTimeout", _number),
    "timeouts/suspend": _key("SuspendTimeout", _number),
    "flags": _flags,
}


def partition_command(update: PartitionUpdate, exists: bool) -> tuple[list[str] | None, list[str]]:
    """`scontrol create|update PartitionName=...` and notes on fields left out.

    None instead of a command when an existing partition is asked for no change
    (scontrol refuses an update without fields).
    """
    fields: list[str] = []
    if update.nodes is not None:
        fields.append(f"Nodes={update.nodes}")
    if update.state is not None:
        fields.append(f"State={update.state.value}")
    if update.default is not None:
        fields.append(f"Default={'YES' if update.default else 'NO'}")
    numbers = (
        ("MaxTime", update.max_time),
        ("DefaultTime", update.default_time),
        ("MaxNodes", update.max_nodes),
        ("MaxCPUsPerNode", update.max_cpus_per_node),
        ("PriorityTier", update.priority_tier),
    )
    fields += [f"{key}={_number(value)}" for key, value in numbers if value is not None]
    notes = []
    for path, value in update.other.items():
        field = PARTITION_OTHER.get(path)
        try:
            if field is None:
                raise KeyError(path)
            fields += field(value)
        except (KeyError, TypeError):
            notes.append(f"partition {update.name}: {path} cannot be set by scontrol; ignored")
    if exists and not fields:
        return None, notes
    verb = "update" if exists else "create"
    return ["scontrol", verb, f"PartitionName={update.name}", *fields], notes


def delete_partition_command(name: str) -> list[str]:
    return ["scontrol", "delete", f"PartitionName={name}"]
