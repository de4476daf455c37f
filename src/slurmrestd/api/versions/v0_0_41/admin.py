"""v0.0.41 administration operations, from v0.0.42: fair-share rows write
effective usage and the fair-share factor and level as plain numbers."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.derive import reshape
from slurmrestd.api.versions.v0_0_41 import job_desc
from slurmrestd.api.versions.v0_0_42 import admin as newer
from slurmrestd.api.versions.v0_0_46 import shares as shares_46
from slurmrestd.model.shares import ShareRow, SharesSnapshot


def plain_float(value: float | None) -> float:
    """A plain double: unset is 0; so is infinite, which JSON cannot write."""
    return 0.0 if value is None or value == INFINITE else float(value)


def _fairshare(row: ShareRow) -> dict[str, float]:
    return {"factor": plain_float(row.fairshare_factor), "level": plain_float(row.fairshare_level)}


render_share = reshape(
    shares_46.render_share,
    put={
        "effective_usage": lambda row: plain_float(row.effective_usage),
        "fairshare": _fairshare,
    },
)


def render_shares(snapshot: SharesSnapshot) -> dict[str, Any]:
    return {
        "shares": [render_share(row) for row in snapshot.rows],
        "total_shares": snapshot.total_shares,
    }


SHAPES = newer.SHAPES.derive("v0.0.41", job_desc.PARSER, render_shares=render_shares)
