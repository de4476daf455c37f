"""The engine's run-time controller state as canonical records (model/).

Beside convert.py (jobs, configured nodes and partitions): what operators
changed on nodes, and reservations.
"""

from __future__ import annotations

from dataclasses import replace

from slurmrestd.cluster.embedded.engine.admin_state import AdminState
from slurmrestd.cluster.embedded.engine.config import EngineConfig
from slurmrestd.cluster.embedded.engine.reservations import ReservationRecord
from slurmrestd.hostlist import compress
from slurmrestd.model.node import Node, NodeFlag
from slurmrestd.model.reservation import Reservation, ReservationFlag


def node_with_changes(node: Node, state: AdminState, now: float) -> Node:
    """A node with its operator-set reason, texts, weight and reservation."""
    override = state.nodes.get(node.name)
    if override is not None:
        node = replace(
            node,
            reason=override.reason,
            reason_time=override.reason_time,
            reason_set_by=override.reason_user or None,
            comment=override.comment if override.comment is not None else node.comment,
            extra=override.extra if override.extra is not None else node.extra,
            weight=override.weight if override.weight is not None else node.weight,
            active_features=override.active_features
            if override.active_features is not None
            else node.active_features,
        )
    active = [r for r in state.reservations.values() if r.active(now) and node.name in r.nodes]
    if active:
        node = replace(node, reservation=active[0].name, flags=node.flags | {NodeFlag.RESERVED})
    return node


def reservation(record: ReservationRecord, config: EngineConfig) -> Reservation:
    cpus = sum(n.cpus for n in config.nodes if n.name in record.nodes)
    return Reservation(
        name=record.name,
        node_list=compress(list(record.nodes)),
        node_count=len(record.nodes),
        start_time=record.start_time,
        end_time=record.end_time,
        flags=frozenset(ReservationFlag(f) for f in record.flags),
        users=record.users,
        accounts=record.accounts,
        groups=record.groups,
        partition=record.partition,
        features=record.features,
        tres=f"cpu={cpus}",
        max_start_delay=record.max_start_delay,
        purge_completed_time=record.purge_completed_time,
    )
