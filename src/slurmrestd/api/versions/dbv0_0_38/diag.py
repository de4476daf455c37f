"""dbv0.0.38 slurmdbd statistics: the "statistics" object of GET /diag."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Codec, FieldError, Shape, listed, nested, row
from slurmrestd.api.versions.dbv0_0_38.values import NUMBER, STRING
from slurmrestd.model.accounting import DbdStats, RollupPeriod, RollupStat, RpcStat

# 22.05 labels the hourly, daily and monthly rollups this way (the capture's
# only rollup, the hourly one after one cycle, reads "internal").
ROLLUP_TYPE_NAMES = {
    RollupPeriod.HOURLY: "internal",
    RollupPeriod.DAILY: "user",
    RollupPeriod.MONTHLY: "unknown",
}
_ROLLUP_BY_NAME = {name: period for period, name in ROLLUP_TYPE_NAMES.items()}


def _load_rollup_type(value: Any, name: str) -> RollupPeriod:
    if value not in _ROLLUP_BY_NAME:
        raise FieldError(name, f"expected one of: {', '.join(_ROLLUP_BY_NAME)}")
    return _ROLLUP_BY_NAME[value]


ROLLUP = Shape(
    RollupStat,
    [
        row("type", "period", Codec(ROLLUP_TYPE_NAMES.__getitem__, _load_rollup_type)),
        row("last_run", "last_run", NUMBER),
        row("last_cycle", "last_cycle", NUMBER),
        row("max_cycle", "max_cycle", NUMBER),
        row("total_time", "total_time", NUMBER),
        row("total_cycles", "count", NUMBER),
        row("mean_cycles", None, Codec(lambda stat: stat.mean_cycle)),
    ],
)
_ROLLUP_LIST = listed(nested(ROLLUP))
# A rollup that never ran is left out (nothing to average).
ROLLUPS = Codec(lambda stats: _ROLLUP_LIST.dump([s for s in stats if s.count]), _ROLLUP_LIST.load)

RPC = Shape(
    RpcStat,
    [
        row("rpc", "name", STRING),
        row("count", "count", NUMBER),
        row("time/average", "time_average", NUMBER),
        row("time/total", "time_total", NUMBER),
    ],
)
USER_RPC = Shape(
    RpcStat,
    [
        row("user", "name", STRING),
        row("count", "count", NUMBER),
        row("time/average", "time_average", NUMBER),
        row("time/total", "time_total", NUMBER),
    ],
)

# Key order as the "statistics" object of GET_slurmdb_v0.0.38_diag.json.
STATISTICS = Shape(
    DbdStats,
    [
        row("time_start", "time_start", NUMBER),
        row("rollups", "rollups", ROLLUPS),
        row("RPCs", "rpcs", listed(nested(RPC))),
        row("users", "users", listed(nested(USER_RPC))),
    ],
)


def render_diag(stats: DbdStats) -> dict[str, Any]:
    """The "statistics" object of GET /slurmdb/v0.0.38/diag."""
    return STATISTICS.render(stats)


def parse_diag(data: Any, source: str = "parse_diag") -> DbdStats:
    """Raises: SlurmError naming the field that does not fit."""
    return STATISTICS.parse(data, source)
