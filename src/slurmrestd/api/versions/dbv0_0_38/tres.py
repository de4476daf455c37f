"""dbv0.0.38 TRES records (GET /slurmdb/v0.0.38/tres and every TRES list)."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape, listed, nested, row
from slurmrestd.api.versions.dbv0_0_38.values import NUMBER, STRING
from slurmrestd.model.accounting import Tres

# Key order as GET_slurmdb_v0.0.38_tres.json.
TRES = Shape(
    Tres,
    [
        row("type", "type", STRING),
        row("name", "name", STRING),
        row("id", "id", NUMBER),
        row("count", "count", NUMBER),
    ],
)
TRES_LIST = listed(nested(TRES))


def render_tres(tres: Tres) -> dict[str, Any]:
    return TRES.render(tres)


def parse_tres(data: Any, source: str = "parse_tres") -> Tres:
    """Raises: SlurmError naming the field that does not fit."""
    return TRES.parse(data, source)
