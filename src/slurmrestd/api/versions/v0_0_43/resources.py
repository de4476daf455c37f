"""v0.0.43 nodes, partitions, reservations and statistics, from v0.0.44: no
BLOCKED or EXTERNAL node states, and five reservation flags 25.11 added are
not named yet."""

from __future__ import annotations

from slurmrestd.api.versions.derive import derive, getter_of, renderer, values_without
from slurmrestd.api.versions.render import FieldTable
from slurmrestd.api.versions.v0_0_44 import resources as newer

NEW_STATES = ("BLOCKED", "EXTERNAL")
NEW_RESERVATION_FLAGS = (
    "NO_ANY_NODES",
    "FORCE_START",
    "NO_MAGNETIC",
    "REPLACE_DOWN",
    "TRES_PER_NODE",
)

_nodes = newer.NODE_FIELDS
NODE_FIELDS: FieldTable = derive(
    _nodes,
    change={
        key: values_without(getter_of(_nodes, key), *NEW_STATES)
        for key in ("state", "next_state_after_reboot")
    },
)
PARTITION_FIELDS = newer.PARTITION_FIELDS
_resv = newer.RESERVATION_FIELDS
RESERVATION_FIELDS: FieldTable = derive(
    _resv, change={"flags": values_without(getter_of(_resv, "flags"), *NEW_RESERVATION_FLAGS)}
)
STATISTICS_FIELDS = newer.STATISTICS_FIELDS

render_node = renderer(NODE_FIELDS)
render_partition = newer.render_partition
render_reservation = renderer(RESERVATION_FIELDS)
render_diag = newer.render_diag
