"""v0.0.40 nodes, partitions, reservations and statistics, from v0.0.41.

Nodes have no GPU specialisation fields, partitions no select type, and two
reservation flags are not named yet. The statistics are 23.11's: no pending
RPC lists, no per-cycle depth or sums, RPC records without queue counters and
with a plain average time.
"""

from __future__ import annotations

from slurmrestd.api.versions.derive import derive, getter_of, renderer, values_without
from slurmrestd.api.versions.render import FieldTable, attr, render_all
from slurmrestd.api.versions.v0_0_41 import resources as newer
from slurmrestd.api.versions.v0_0_46 import diag as diag_46

NODE_FIELDS: FieldTable = derive(newer.NODE_FIELDS, drop=("gpu_spec", "res_cores_per_gpu"))
PARTITION_FIELDS: FieldTable = derive(newer.PARTITION_FIELDS, drop=("select_type",))
_resv = newer.RESERVATION_FIELDS
RESERVATION_FIELDS: FieldTable = derive(
    _resv,
    change={"flags": values_without(getter_of(_resv, "flags"), "USER_DELETE", "NO_USER_DELETE")},
)

RPC_TYPE_FIELDS: FieldTable = derive(
    diag_46.RPC_TYPE_FIELDS,
    drop=("queued", "dropped", "cycle_last", "cycle_max"),
    change={"average_time": attr("average_time")},
)
RPC_USER_FIELDS: FieldTable = derive(
    diag_46.RPC_USER_FIELDS, change={"average_time": attr("average_time")}
)
STATISTICS_FIELDS: FieldTable = derive(
    newer.STATISTICS_FIELDS,
    drop=(
        "schedule_cycle_sum",
        "schedule_cycle_depth",
        "bf_cycle_max",
        "bf_table_size_sum",
        "pending_rpcs",
        "pending_rpcs_by_hostlist",
    ),
    change={
        "rpcs_by_message_type": lambda d: render_all(d.rpcs_by_type, RPC_TYPE_FIELDS),
        "rpcs_by_user": lambda d: render_all(d.rpcs_by_user, RPC_USER_FIELDS),
    },
)

render_node = renderer(NODE_FIELDS)
render_partition = renderer(PARTITION_FIELDS)
render_reservation = renderer(RESERVATION_FIELDS)
render_diag = renderer(STATISTICS_FIELDS)
