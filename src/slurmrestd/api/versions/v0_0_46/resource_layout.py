"""API v0.0.46 job resource layout (`v0.0.46_node_resource_layout`)."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.numbers import no_val
from slurmrestd.model.job_control import NodeLayout


def render_node_layout(layout: NodeLayout) -> dict[str, Any]:
    return {
        "node": layout.node,
        "sockets_per_node": layout.sockets_per_node,
        "cores_per_socket": layout.cores_per_socket,
        "mem_alloc": layout.mem_alloc,
        "core_bitmap": layout.core_bitmap,
        "channel": no_val(None),
        "gres": [],
    }
