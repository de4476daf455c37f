"""v0.0.46 cloud instances (v0.0.46_instance)."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape, row
from slurmrestd.api.versions.v0_0_46.slurmdb_values import INT, STRING
from slurmrestd.model.accounting import Instance

INSTANCE = Shape(
    Instance,
    [
        row("cluster", "cluster", STRING),
        row("extra", "extra", STRING),
        row("instance_id", "instance_id", STRING),
        row("instance_type", "instance_type", STRING),
        row("node_name", "node_name", STRING),
        row("time/time_end", "time_end", INT),
        row("time/time_start", "time_start", INT),
    ],
)


def render_instance(instance: Instance) -> dict[str, Any]:
    return INSTANCE.render(instance)
