"""v0.0.46 clusters (v0.0.46_cluster_rec)."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape, nested, row
from slurmrestd.api.versions.v0_0_46.slurmdb_accounts import ASSOC_SHORT
from slurmrestd.api.versions.v0_0_46.slurmdb_tres import TRES_LIST
from slurmrestd.api.versions.v0_0_46.slurmdb_values import INT, STRING, STRINGS
from slurmrestd.model.accounting import AssocShort, Cluster

CLUSTER = Shape(
    Cluster,
    [
        row("controller/host", "controller_host", STRING),
        row("controller/port", "controller_port", INT),
        row("flags", "flags", STRINGS),
        row("name", "name", STRING),
        row("nodes", "nodes", STRING),
        # assoc_short requires "user"; an unknown root association is all blanks.
        row(
            "associations/root",
            "root_association",
            nested(ASSOC_SHORT, empty=ASSOC_SHORT.render(AssocShort())),
        ),
        row("rpc_version", "rpc_version", INT),
        row("tres", "tres", TRES_LIST),
    ],
)


def render_cluster(cluster: Cluster) -> dict[str, Any]:
    return CLUSTER.render(cluster)
