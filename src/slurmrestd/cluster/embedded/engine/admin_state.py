"""The controller's run-time state beside slurm.conf: node overrides, dynamic nodes,
partitions created or changed, and reservations.

slurm.conf stays the base; `effective` lays this state over it, so a reload of
slurm.conf keeps what operators changed (as the store keeps it over restarts).
Values are replaced, never mutated: the manager swaps in a new AdminState.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from slurmrestd.cluster.embedded.engine.config import EngineConfig, NodeConfig, PartitionConfig
from slurmrestd.cluster.embedded.engine.node_admin import NodeOverride, apply_to
from slurmrestd.cluster.embedded.engine.reservations import ReservationRecord


@dataclass(frozen=True, slots=True)
class AdminState:
    nodes: Mapping[str, NodeOverride] = field(default_factory=dict)
    dynamic_nodes: Mapping[str, NodeConfig] = field(default_factory=dict)
    partitions: Mapping[str, PartitionConfig] = field(default_factory=dict)
    removed_partitions: frozenset[str] = frozenset()
    reservations: Mapping[str, ReservationRecord] = field(default_factory=dict)

    def with_node(self, override: NodeOverride) -> AdminState:
        return replace(self, nodes={**self.nodes, override.name: override})

    def with_dynamic_node(self, node: NodeConfig) -> AdminState:
        return replace(self, dynamic_nodes={**self.dynamic_nodes, node.name: node})

    def without_node(self, name: str) -> AdminState:
        nodes = {k: v for k, v in self.nodes.items() if k != name}
        dynamic = {k: v for k, v in self.dynamic_nodes.items() if k != name}
        return replace(self, nodes=nodes, dynamic_nodes=dynamic)

    def with_partition(self, part: PartitionConfig) -> AdminState:
        partitions = dict(self.partitions)
        if part.default:  # one default partition: the newest wins
            partitions = {
                k: replace(v, default=False) if v.default else v for k, v in partitions.items()
            }
        partitions[part.name] = part
        return replace(
            self, partitions=partitions, removed_partitions=self.removed_partitions - {part.name}
        )

    def without_partition(self, name: str) -> AdminState:
        partitions = {k: v for k, v in self.partitions.items() if k != name}
        removed = self.removed_partitions | {name}
        return replace(self, partitions=partitions, removed_partitions=removed)

    def with_reservation(self, resv: ReservationRecord) -> AdminState:
        return replace(self, reservations={**self.reservations, resv.name: resv})

    def without_reservations(self, names: set[str]) -> AdminState:
        kept = {k: v for k, v in self.reservations.items() if k not in names}
        return replace(self, reservations=kept)


def effective(base: EngineConfig, state: AdminState) -> EngineConfig:
    """slurm.conf's configuration with the run-time state laid over it."""
    nodes = list(base.nodes)
    known = {n.name for n in nodes}
    nodes += [n for n in state.dynamic_nodes.values() if n.name not in known]
    nodes = [apply_to(n, state.nodes.get(n.name)) for n in nodes]
    names = {n.name for n in nodes}
    partitions = [
        state.partitions.get(p.name, p)
        for p in base.partitions
        if p.name not in state.removed_partitions
    ]
    present = {p.name for p in partitions}
    partitions += [p for p in state.partitions.values() if p.name not in present]
    chosen = next((p.name for p in state.partitions.values() if p.default), None)
    partitions = [
        replace(
            p,
            nodes=tuple(n for n in p.nodes if n in names),
            default=p.default if chosen is None else p.name == chosen,
        )
        for p in partitions
    ]
    return replace(base, nodes=tuple(nodes), partitions=tuple(partitions))
