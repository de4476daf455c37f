"""Read-only views over the job table: node and license usage.

Derived on demand from records and configuration, so they can never drift
from the jobs themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from slurmrestd.cluster.embedded.engine.config import EngineConfig, NodeConfig
from slurmrestd.cluster.embedded.engine.records import JobRecord, JobState


@dataclass(frozen=True, slots=True)
class NodeUsage:
    node: NodeConfig
    partitions: tuple[str, ...]
    alloc_cpus: int
    alloc_memory: int  # MiB
    jobs: tuple[int, ...]
    completing: bool

    @property
    def state(self) -> str:
        """Slurm's base node state name."""
        if not self.node.usable:
            return "DOWN" if self.node.state in ("DOWN", "FAIL") else self.node.state
        if self.alloc_cpus == 0:
            return "COMPLETING" if self.completing else "IDLE"
        return "ALLOCATED" if self.alloc_cpus >= self.node.cpus else "MIXED"


@dataclass(frozen=True, slots=True)
class LicenseUsage:
    name: str
    total: int
    used: int


def holds_resources(job: JobRecord) -> bool:
    """Running jobs, and jobs whose processes are still being killed."""
    return job.state is JobState.RUNNING or job.completing


def node_usage(config: EngineConfig, jobs: Iterable[JobRecord]) -> list[NodeUsage]:
    cpus = {n.name: 0 for n in config.nodes}
    memory = dict.fromkeys(cpus, 0)
    on_node: dict[str, list[int]] = {n: [] for n in cpus}
    completing: set[str] = set()
    for job in jobs:
        if not holds_resources(job):
            continue
        for a in job.allocation:
            cpus[a.node] += a.cpus
            memory[a.node] += a.memory
            on_node[a.node].append(job.job_id)
            if job.completing:
                completing.add(a.node)
    return [
        NodeUsage(
            node,
            tuple(p.name for p in config.partitions if node.name in p.nodes),
            cpus[node.name],
            memory[node.name],
            tuple(on_node[node.name]),
            node.name in completing,
        )
        for node in config.nodes
    ]


def license_usage(config: EngineConfig, jobs: Iterable[JobRecord]) -> list[LicenseUsage]:
    used = {name: 0 for name, _ in config.licenses}
    for job in jobs:
        if holds_resources(job):
            for name, count in job.licenses:
                used[name] = used.get(name, 0) + count
    return [LicenseUsage(name, total, used[name]) for name, total in config.licenses]
