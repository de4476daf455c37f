"""v0.0.45 nodes, partitions, reservations and controller statistics.

Nodes, reservations and statistics are v0.0.46's. A partition still carries
the deprecated per-CPU memory numbers and the OverSubscribe count (`shares`,
`oversubscribe`) that v0.0.46 dropped.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.derive import derive, getter_of, renderer, reshape
from slurmrestd.api.versions.render import FieldTable, Getter
from slurmrestd.api.versions.v0_0_46 import diag as newer_diag
from slurmrestd.api.versions.v0_0_46 import nodes as newer_nodes
from slurmrestd.api.versions.v0_0_46 import partitions as newer_partitions
from slurmrestd.api.versions.v0_0_46 import reservations as newer_reservations
from slurmrestd.model.partition import OverSubscribe, Partition

NODE_FIELDS = newer_nodes.NODE_FIELDS
RESERVATION_FIELDS = newer_reservations.RESERVATION_FIELDS
STATISTICS_FIELDS = newer_diag.STATISTICS_FIELDS

# Slurm's max_share: 0 = exclusive, 1 = no sharing, n = up to n jobs per resource.
_SHARES = {OverSubscribe.EXCLUSIVE: 0, OverSubscribe.NO: 1}


def plain_number(name: str) -> Getter:
    """A deprecated plain integer: unset and unlimited are 0."""

    def read(record: Any) -> int:
        value = getattr(record, name)
        return 0 if value is None or value == INFINITE else int(value)

    return read


def shares(part: Partition) -> int:
    return _SHARES.get(part.oversubscribe, part.oversubscribe_jobs)


def _oversubscribe(part: Partition) -> dict[str, Any]:
    force = ["force"] if part.oversubscribe is OverSubscribe.FORCE else []
    return {"jobs": shares(part), "flags": force}


_base = newer_partitions.PARTITION_FIELDS
PARTITION_FIELDS: FieldTable = derive(
    _base,
    change={
        "defaults": reshape(
            getter_of(_base, "defaults"), put={"memory_per_cpu": plain_number("def_mem_per_cpu")}
        ),
        "maximums": reshape(
            getter_of(_base, "maximums"),
            put={
                "memory_per_cpu": plain_number("max_mem_per_cpu"),
                "oversubscribe": _oversubscribe,
                "shares": shares,
            },
        ),
    },
)

render_node = newer_nodes.render_node
render_partition = renderer(PARTITION_FIELDS)
render_reservation = newer_reservations.render_reservation
render_diag = newer_diag.render_diag
