"""A partition to create, or the changes to an existing one (scontrol create/update partition).

None = not given (an update keeps the current value). Times are minutes and
`api.numbers.INFINITE` means no limit, as in model/partition.py. `nodes` is a
hostlist expression or "ALL". Fields without a canonical home stay in `other`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slurmrestd.model.partition import PartitionState


@dataclass(slots=True)
class PartitionUpdate:
    name: str
    nodes: str | None = None
    state: PartitionState | None = None
    default: bool | None = None  # True: flag DEFAULT, False: DEFAULT_CLEAR
    max_time: int | float | None = None
    default_time: int | float | None = None
    max_nodes: int | float | None = None
    max_cpus_per_node: int | float | None = None
    priority_tier: int | None = None
    other: dict[str, Any] = field(default_factory=dict)
