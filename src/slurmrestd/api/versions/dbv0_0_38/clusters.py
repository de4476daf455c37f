"""dbv0.0.38 clusters: GET /clusters, /cluster/{name}, config dump."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.accounts import ASSOC_SHORT
from slurmrestd.api.versions.dbv0_0_38.shape import Shape, nested, row
from slurmrestd.api.versions.dbv0_0_38.tres import TRES_LIST
from slurmrestd.api.versions.dbv0_0_38.values import NUMBER, STRING, STRINGS
from slurmrestd.model.accounting import Cluster

# Key order as GET_slurmdb_v0.0.38_clusters.json ("associations": {"root": null}
# there: 22.05 does not fill in the root association).
CLUSTER = Shape(
    Cluster,
    [
        row("controller/host", "controller_host", STRING),
        row("controller/port", "controller_port", NUMBER),
        row("flags", "flags", STRINGS),
        row("name", "name", STRING),
        row("nodes", "nodes", STRING),
        row("select_plugin", "select_plugin", STRING),
        row("associations/root", "root_association", nested(ASSOC_SHORT)),
        row("rpc_version", "rpc_version", NUMBER),
        row("tres", "tres", TRES_LIST),
    ],
)


def render_cluster(cluster: Cluster) -> dict[str, Any]:
    return CLUSTER.render(cluster)


def parse_cluster(data: Any, source: str = "parse_cluster") -> Cluster:
    """Raises: SlurmError naming the field that does not fit."""
    return CLUSTER.parse(data, source)
