"""API v0.0.38 node records (Slurm 22.05 `v0.0.38_node`): render and its inverse.

Key order, state spelling and "not set" numbers are the real 22.05 daemon's
(shared/reference/slurm-22.05 captures; `GET /nodes` is byte-identical to
`sinfo --json`, which is why the slurm backend needs `parse_node`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slurmrestd.api.versions.render import FieldTable, Getter, attr, render
from slurmrestd.model.node import Node, NodeFlag, NodeState

# 22.05 prints Slurm's unsigned "not set" markers as plain integers.
NO_VAL32 = 4294967294
NO_VAL64_SIGNED = -2  # uint64 NO_VAL through a signed int64

# 22.05 names flags in the order of its own flag table, not in bit order;
# flags it does not know are not shown.
FLAG_ORDER: tuple[NodeFlag, ...] = (
    NodeFlag.CLOUD,
    NodeFlag.COMPLETING,
    NodeFlag.DRAIN,
    NodeFlag.DYNAMIC_FUTURE,
    NodeFlag.DYNAMIC_NORM,
    NodeFlag.INVALID_REG,
    NodeFlag.FAIL,
    NodeFlag.MAINTENANCE,
    NodeFlag.POWER_DOWN,
    NodeFlag.POWER_UP,
    NodeFlag.PERFCTRS,
    NodeFlag.POWERED_DOWN,
    NodeFlag.REBOOT_REQUESTED,
    NodeFlag.REBOOT_ISSUED,
    NodeFlag.RESERVED,
    NodeFlag.RESUME,
    NodeFlag.NOT_RESPONDING,
    NodeFlag.PLANNED,
    NodeFlag.POWERING_UP,
    NodeFlag.POWERING_DOWN,
)
NO_STATE = "invalid"  # what 22.05 writes when no next state is queued


def _state_name(state: NodeState | None) -> str:
    return NO_STATE if state is None else state.value.lower()


def _flag_names(flags: frozenset[NodeFlag]) -> list[str]:
    return [flag.value for flag in FLAG_ORDER if flag in flags]


def _next_state_flags(node: Node) -> list[str]:
    # 22.05 lists flags only beside a valid base state.
    return [] if node.next_state is None else _flag_names(node.next_state_flags)


def _unset_as(name: str, marker: int) -> Getter:
    get = attr(name)
    return lambda node: marker if get(node) is None else get(node)


def _csv(name: str) -> Getter:
    return attr(name, ",".join)


NODE_FIELDS: FieldTable = (
    ("architecture", attr("architecture")),
    ("burstbuffer_network_address", attr("burstbuffer_network_address")),
    ("boards", attr("boards")),
    ("boot_time", attr("boot_time")),
    ("comment", attr("comment")),
    ("cores", attr("cores")),
    ("cpu_binding", attr("cpu_binding")),
    ("cpu_load", _unset_as("cpu_load", NO_VAL32)),
    ("extra", attr("extra")),
    ("free_memory", _unset_as("free_memory", NO_VAL64_SIGNED)),
    ("cpus", attr("cpus")),
    ("last_busy", attr("last_busy")),
    ("features", _csv("features")),
    ("active_features", _csv("active_features")),
    ("gres", attr("gres")),
    ("gres_drained", attr("gres_drained")),
    ("gres_used", attr("gres_used")),
    ("mcs_label", attr("mcs_label")),
    ("name", attr("name")),
    ("next_state_after_reboot", attr("next_state", _state_name)),
    ("address", attr("address")),
    ("hostname", attr("hostname")),
    ("state", attr("state", _state_name)),
    ("state_flags", attr("flags", _flag_names)),
    ("next_state_after_reboot_flags", _next_state_flags),
    ("operating_system", attr("os")),
    ("owner", attr("owner")),
    ("partitions", attr("partitions", list)),
    ("port", attr("port")),
    ("real_memory", attr("real_memory")),
    ("reason", attr("reason")),
    ("reason_changed_at", attr("reason_time")),
    ("reason_set_by_user", attr("reason_set_by")),
    ("slurmd_start_time", attr("slurmd_start_time")),
    ("sockets", attr("sockets")),
    ("threads", attr("threads")),
    ("temporary_disk", attr("temporary_disk")),
    ("weight", attr("weight")),
    ("tres", attr("tres")),
    ("slurmd_version", attr("version")),
    ("alloc_memory", attr("alloc_memory")),
    ("alloc_cpus", attr("alloc_cpus")),
    ("idle_cpus", attr("idle_cpus")),
    ("tres_used", attr("tres_used")),
    ("tres_weighted", attr("tres_weighted", float)),
)


def render_node(node: Node) -> dict[str, Any]:
    """One node as the 22.05 daemon writes it."""
    return render(node, NODE_FIELDS)


def _parse_state(text: str) -> NodeState | None:
    return None if text == NO_STATE else NodeState(text.upper())


def _parse_flags(names: list[str]) -> frozenset[NodeFlag]:
    return frozenset(NodeFlag(name) for name in names)


def _parse_csv(text: str | None) -> tuple[str, ...]:
    return tuple(item for item in (text or "").split(",") if item)


def _unset_from(value: int | None, marker: int) -> int | None:
    return None if value is None or value == marker else value


def parse_node(body: Mapping[str, Any]) -> Node:
    """The canonical node behind one v0.0.38 node object.

    Raises:
        KeyError: a key of the v0.0.38 shape is missing.
        ValueError: a state or flag name is unknown.
    """
    return Node(
        name=body["name"],
        state=_parse_state(body["state"]) or NodeState.UNKNOWN,
        flags=_parse_flags(body["state_flags"]),
        next_state=_parse_state(body["next_state_after_reboot"]),
        next_state_flags=_parse_flags(body["next_state_after_reboot_flags"]),
        hostname=body["hostname"],
        address=body["address"],
        port=body["port"],
        cpus=body["cpus"],
        boards=body["boards"],
        sockets=body["sockets"],
        cores=body["cores"],
        threads=body["threads"],
        real_memory=body["real_memory"],
        temporary_disk=body["temporary_disk"],
        alloc_cpus=body["alloc_cpus"],
        alloc_memory=body["alloc_memory"],
        free_memory=_unset_from(body["free_memory"], NO_VAL64_SIGNED),
        cpu_load=_unset_from(body["cpu_load"], NO_VAL32),
        cpu_binding=body["cpu_binding"],
        weight=body["weight"],
        features=_parse_csv(body["features"]),
        active_features=_parse_csv(body["active_features"]),
        gres=body["gres"],
        gres_drained=body["gres_drained"],
        gres_used=body["gres_used"],
        partitions=tuple(body["partitions"]),
        reason=body["reason"],
        reason_time=body["reason_changed_at"],
        reason_set_by=body["reason_set_by_user"],
        boot_time=body["boot_time"],
        slurmd_start_time=body["slurmd_start_time"],
        last_busy=body["last_busy"],
        os=body["operating_system"],
        architecture=body["architecture"],
        version=body["slurmd_version"],
        tres=body["tres"],
        tres_used=body["tres_used"],
        tres_weighted=float(body["tres_weighted"]),
        owner=body["owner"],
        mcs_label=body["mcs_label"],
        comment=body["comment"],
        extra=body["extra"],
        burstbuffer_network_address=body["burstbuffer_network_address"],
    )
