"""v0.0.46 TRES records (v0.0.46_tres) and TRES lists."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape, listed, nested, row
from slurmrestd.api.versions.v0_0_46.slurmdb_values import INT, STRING
from slurmrestd.model.accounting import Tres

TRES = Shape(
    Tres,
    [
        row("type", "type", STRING),
        row("name", "name", STRING),
        row("id", "id", INT),
        row("count", "count", INT),
    ],
)
TRES_LIST = listed(nested(TRES))


def render_tres(tres: Tres) -> dict[str, Any]:
    return TRES.render(tres)
