"""v0.0.44 nodes, partitions, reservations and controller statistics, from v0.0.45.

Nodes keep 25.11's empty power and sensor objects and the weighted TRES, but
have no suspend time and no combined POWER_DOWN_* state names. Partitions
have no flags, preempt modes or partition/{exclusive,oversubscribe}, their
CPU binding is the raw bit mask and their select type is named by its parts.
Reservations still report watts; statistics count packed partitions.
"""

from __future__ import annotations

from slurmrestd.api.versions.derive import (
    after,
    derive,
    getter_of,
    renderer,
    reshape,
    values_without,
)
from slurmrestd.api.versions.render import FieldTable, attr, const, no_val_number
from slurmrestd.api.versions.v0_0_44.jobs import select_type_parts
from slurmrestd.api.versions.v0_0_45 import resources as newer
from slurmrestd.model.partition import Partition

COMBINED_STATES = ("POWER_DOWN_ASAP", "POWER_DOWN_FORCE")
# cpu_bind_type_t bits (slurm.h) of the names newer versions list.
CPU_BIND_BITS = {
    "VERBOSE": 0x1,
    "CPU_BIND_TO_THREADS": 0x2,
    "CPU_BIND_TO_CORES": 0x4,
    "CPU_BIND_TO_SOCKETS": 0x8,
    "CPU_BIND_TO_LDOMS": 0x10,
    "CPU_BIND_NONE": 0x20,
    "CPU_BIND_OFF": 0x80000,
}


def cpu_bind_mask(part: Partition) -> int:
    mask = 0
    for name in part.cpu_binding:
        mask |= CPU_BIND_BITS.get(name, 0)
    return mask


_nodes = newer.NODE_FIELDS
NODE_FIELDS: FieldTable = derive(
    _nodes,
    drop=("suspend_time",),
    change={
        "state": values_without(getter_of(_nodes, "state"), *COMBINED_STATES),
        "next_state_after_reboot": values_without(
            getter_of(_nodes, "next_state_after_reboot"), *COMBINED_STATES
        ),
    },
    add=[
        after("energy", external_sensors=const({})),
        after("port", power=const({})),
        after("tres_used", tres_weighted=attr("tres_weighted", float)),
    ],
)

_parts = newer.PARTITION_FIELDS
PARTITION_FIELDS: FieldTable = derive(
    _parts,
    drop=("flags", "preempt_mode"),
    change={
        "select_type": lambda part: select_type_parts(part.select_type),
        "cpus": reshape(getter_of(_parts, "cpus"), put={"task_binding": cpu_bind_mask}),
        "partition": reshape(getter_of(_parts, "partition"), drop=("exclusive", "oversubscribe")),
    },
)

RESERVATION_FIELDS: FieldTable = derive(
    newer.RESERVATION_FIELDS, add=[after("users", watts=no_val_number("watts"))]
)

STATISTICS_FIELDS: FieldTable = derive(
    newer.STATISTICS_FIELDS, add=[after("server_thread_count", parts_packed=attr("parts_packed"))]
)


render_node = renderer(NODE_FIELDS)
render_partition = renderer(PARTITION_FIELDS)
render_reservation = renderer(RESERVATION_FIELDS)
render_diag = renderer(STATISTICS_FIELDS)
