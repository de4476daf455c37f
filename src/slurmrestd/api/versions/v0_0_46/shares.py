"""API v0.0.46 fair-share answer (`v0.0.46_shares_resp_msg`)."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.numbers import INFINITE, no_val
from slurmrestd.model.shares import ShareRow, SharesSnapshot


def no_val_float(value: float | None) -> dict[str, Any]:
    """`v0.0.46_float64_no_val_struct` of a canonical number."""
    if value is None:
        return {"set": False, "infinite": False, "number": 0.0}
    if value == INFINITE:
        return {"set": False, "infinite": True, "number": 0.0}
    return {"set": True, "infinite": False, "number": float(value)}


def render_share(row: ShareRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "cluster": row.cluster,
        "name": row.name,
        "parent": row.parent,
        "partition": row.partition,
        "shares_normalized": no_val_float(row.shares_normalized),
        "shares": no_val(row.shares),
        "tres": {"run_seconds": [], "group_minutes": [], "usage": []},
        "effective_usage": no_val_float(row.effective_usage),
        "usage_normalized": no_val_float(row.usage_normalized),
        "usage": row.usage,
        "fairshare": {
            "factor": no_val_float(row.fairshare_factor),
            "level": no_val_float(row.fairshare_level),
        },
        "type": [row.kind.value],
    }


def render_shares(snapshot: SharesSnapshot) -> dict[str, Any]:
    return {
        "shares": [render_share(row) for row in snapshot.rows],
        "total_shares": snapshot.total_shares,
    }
