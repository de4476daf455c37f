"""API v0.0.46 node records (`v0.0.46_node`).

Key order follows upstream's v0.0.46 node table. The state is one array: the
base state, then the flags in bit order, then the two combined power flags
upstream adds when both of their parts are set. Times and possibly-unset
numbers are no_val structs.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.numbers import no_val
from slurmrestd.api.versions.render import FieldTable, Getter, attr, no_val_number, render
from slurmrestd.model.node import Node, NodeEnergy, NodeFlag, NodeState

# Every flag but 22.05's PERFCTRS, in upstream's order.
FLAG_ORDER: tuple[NodeFlag, ...] = tuple(flag for flag in NodeFlag if flag is not NodeFlag.PERFCTRS)
# Names upstream shows when all the listed flags are set; they follow POWER_DRAIN.
COMBINED_FLAGS: tuple[tuple[str, frozenset[NodeFlag]], ...] = (
    ("POWER_DOWN_ASAP", frozenset({NodeFlag.POWER_DOWN, NodeFlag.POWER_DRAIN})),
    ("POWER_DOWN_FORCE", frozenset({NodeFlag.POWER_DOWN, NodeFlag.POWERED_DOWN})),
)
NO_STATE = "INVALID"


def state_names(state: NodeState | None, flags: frozenset[NodeFlag]) -> list[str]:
    """A node state word as v0.0.46 spells it, e.g. ["IDLE", "DRAIN"]."""
    if state is None:
        return [NO_STATE]
    names = [state.value]
    for flag in FLAG_ORDER:
        if flag in flags:
            names.append(flag.value)
        if flag is NodeFlag.POWER_DRAIN:
            names.extend(name for name, parts in COMBINED_FLAGS if parts <= flags)
    return names


def _energy(energy: NodeEnergy) -> dict[str, Any]:
    return {
        "average_watts": energy.average_watts,
        "base_consumed_energy": energy.base_consumed_energy,
        "consumed_energy": energy.consumed_energy,
        "current_watts": no_val(energy.current_watts),
        "previous_consumed_energy": energy.previous_consumed_energy,
        "last_collected": energy.last_collected,
    }


def _or_empty(name: str) -> Getter:
    get = attr(name)
    return lambda node: get(node) or ""


NODE_FIELDS: FieldTable = (
    ("architecture", attr("architecture")),
    ("burstbuffer_network_address", attr("burstbuffer_network_address")),
    ("boards", attr("boards")),
    ("boot_time", no_val_number("boot_time")),
    ("tls_cert_last_renewal", no_val_number("tls_cert_last_renewal")),
    ("cert_flags", lambda node: ["TOKEN_SET"] if node.cert_token_set else []),
    ("cluster_name", attr("cluster_name")),
    ("cores", attr("cores")),
    ("specialized_cores", attr("specialized_cores")),
    ("cpu_binding", attr("cpu_binding")),
    ("cpu_load", lambda node: node.cpu_load or 0),
    ("free_mem", no_val_number("free_memory")),
    ("cpus", attr("cpus")),
    (
        "effective_cpus",
        lambda node: node.cpus if node.effective_cpus is None else node.effective_cpus,
    ),
    ("specialized_cpus", attr("specialized_cpus")),
    ("energy", attr("energy", _energy)),
    ("extra", attr("extra")),
    ("features", attr("features", list)),
    ("active_features", attr("active_features", list)),
    ("gpu_spec", attr("gpu_spec")),
    ("gres", attr("gres")),
    ("gres_drained", attr("gres_drained")),
    ("gres_used", attr("gres_used")),
    ("instance_id", attr("instance_id")),
    ("instance_type", attr("instance_type")),
    ("last_busy", no_val_number("last_busy")),
    ("mcs_label", attr("mcs_label")),
    ("specialized_memory", attr("specialized_memory")),
    ("name", attr("name")),
    ("next_state_after_reboot", lambda node: state_names(node.next_state, node.next_state_flags)),
    ("address", attr("address")),
    ("hostname", attr("hostname")),
    ("state", lambda node: state_names(node.state, node.flags)),
    ("operating_system", attr("os")),
    ("owner", _or_empty("owner")),
    ("partitions", attr("partitions", list)),
    ("port", attr("port")),
    ("real_memory", attr("real_memory")),
    ("res_cores_per_gpu", attr("res_cores_per_gpu")),
    ("comment", attr("comment")),
    ("reason", attr("reason")),
    ("reason_changed_at", no_val_number("reason_time")),
    ("reason_set_by_user", _or_empty("reason_set_by")),
    ("resume_after", no_val_number("resume_after")),
    ("reservation", attr("reservation")),
    ("suspend_time", no_val_number("suspend_time")),
    ("alloc_memory", attr("alloc_memory")),
    ("alloc_cpus", attr("alloc_cpus")),
    ("alloc_idle_cpus", attr("idle_cpus")),
    ("tres_used", _or_empty("tres_used")),
    ("slurmd_start_time", no_val_number("slurmd_start_time")),
    ("sockets", attr("sockets")),
    ("threads", attr("threads")),
    ("temporary_disk", attr("temporary_disk")),
    ("weight", attr("weight")),
    ("topology", attr("topology")),
    ("tres", attr("tres")),
    ("version", attr("version")),
)


def render_node(node: Node) -> dict[str, Any]:
    """One node in the v0.0.46 shape."""
    return render(node, NODE_FIELDS)
