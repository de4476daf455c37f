"""v0.0.40 slurmdbd records, from v0.0.41.

23.11 writes an association's `id` as its identifying part (account, cluster,
partition, user, id); accounts and associations know only the DELETED flag;
accounting jobs have no stdio paths or planned time; the rollup statistics
are a list with one row per period, labelled as 22.05 and 23.11 label them.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.diag import ROLLUP_TYPE_NAMES
from slurmrestd.api.versions.dbv0_0_38.shape import Codec, Shape, row
from slurmrestd.api.versions.derive import derive_shape, strings_without
from slurmrestd.api.versions.v0_0_41 import slurmdb as newer
from slurmrestd.api.versions.v0_0_45.slurmdb import Bodies
from slurmrestd.api.versions.v0_0_46.slurmdb_values import INT
from slurmrestd.model.accounting import (
    Association,
    AssocShort,
    DbdStats,
    RollupPeriod,
    RollupStat,
)

ACCOUNT_FLAGS_GONE = ("WithAssociations", "WithCoordinators", "NoUsersAreCoords", "UsersAreCoords")
ASSOC_FLAGS_GONE = ("NoUpdate", "Exact", "NoUsersAreCoords", "UsersAreCoords")


def _assoc_id(assoc: Association) -> dict[str, Any]:
    short = AssocShort(assoc.account, assoc.cluster, assoc.partition, assoc.user, id=assoc.id)
    return newer.ASSOC_SHORT.render(short)


ROLLUP = Shape(
    RollupStat,
    [
        row("type", "period", Codec(ROLLUP_TYPE_NAMES.__getitem__)),
        row("last run", "last_run", INT),
        row("max_cycle", "max_cycle", INT),
        row("total_time", "total_time", INT),
        row("total_cycles", "count", INT),
        row("mean_cycles", None, Codec(lambda stat: stat.mean_cycle)),
    ],
)


def _rollups(stats: DbdStats) -> list[dict[str, Any]]:
    """Every period, one that never ran as zeros."""
    ran = {stat.period: stat for stat in stats.rollups}
    return [ROLLUP.render(ran.get(period, RollupStat(period))) for period in RollupPeriod]


ACCOUNT = derive_shape(newer.ACCOUNT, change={"flags": strings_without(*ACCOUNT_FLAGS_GONE)})
ACCOUNTING_USAGE = newer.ACCOUNTING_USAGE
ASSOC_SHORT = newer.ASSOC_SHORT
USER = newer.USER
ASSOCIATION = derive_shape(
    newer.ASSOCIATION,
    change={
        "flags": strings_without(*ASSOC_FLAGS_GONE),
        "id": row("id", None, Codec(_assoc_id)),
    },
)
QOS = newer.QOS
TRES = newer.TRES
WCKEY = newer.WCKEY
CLUSTER = newer.CLUSTER
STEP = newer.STEP
JOB = derive_shape(
    newer.JOB,
    drop=(
        "stderr",
        "stdin",
        "stdout",
        "stderr_expanded",
        "stdin_expanded",
        "stdout_expanded",
        "time/planned",
    ),
)
INSTANCE = newer.INSTANCE
STATS = derive_shape(newer.STATS, change={"rollups": Codec(_rollups)})


def request_bodies(newer_bodies: Bodies) -> Bodies:
    """v0.0.41's bodies: an association's `id` object is accepted and ignored as
    before (ids are never set by a client)."""
    return dict(newer_bodies)
