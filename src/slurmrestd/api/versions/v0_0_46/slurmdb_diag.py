"""v0.0.46 slurmdbd statistics (v0.0.46_stats_rec, GET /slurmdb/v0.0.46/diag)."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Codec, Shape, listed, nested, row
from slurmrestd.api.versions.v0_0_46.slurmdb_values import INT, STRING
from slurmrestd.model.accounting import DbdStats, RollupPeriod, RollupStat, RpcStat

_PERIOD_KEYS = {
    RollupPeriod.HOURLY: "hourly",
    RollupPeriod.DAILY: "daily",
    RollupPeriod.MONTHLY: "monthly",
}


def _period(stats: tuple[RollupStat, ...], period: RollupPeriod) -> RollupStat:
    return next((s for s in stats if s.period is period), RollupStat(period))


def _rollup_rows() -> list:
    # Every period is required, even one that never ran; counts first, as
    # v0.0.46 lists the required keys.
    rows = []
    for field, attr in (
        ("count", "count"),
        ("last_run", "last_run"),
        ("duration/last", "last_cycle"),
        ("duration/max", "max_cycle"),
        ("duration/time", "total_time"),
    ):
        for period, key in _PERIOD_KEYS.items():
            rows.append(
                row(
                    f"{key}/{field}",
                    None,
                    Codec(lambda s, p=period, a=attr: getattr(_period(s.rollups, p), a)),
                )
            )
    return rows


ROLLUPS = Shape(DbdStats, _rollup_rows())

RPC = Shape(
    RpcStat,
    [
        row("rpc", "name", STRING),
        row("count", "count", INT),
        row("time/average", "time_average", INT),
        row("time/total", "time_total", INT),
    ],
)
USER_RPC = Shape(
    RpcStat,
    [
        row("user", "name", STRING),
        row("count", "count", INT),
        row("time/average", "time_average", INT),
        row("time/total", "time_total", INT),
    ],
)

STATS = Shape(
    DbdStats,
    [
        row("time_start", "time_start", INT),
        row("rollups", None, Codec(ROLLUPS.render)),
        row("RPCs", "rpcs", listed(nested(RPC))),
        row("users", "users", listed(nested(USER_RPC))),
    ],
)


def render_stats(stats: DbdStats) -> dict[str, Any]:
    """The "statistics" object (v0.0.46_stats_rec)."""
    return STATS.render(stats)
