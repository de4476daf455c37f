"""v0.0.42 slurmdbd records, from v0.0.43: no DELETED flag on clusters and QOS
(nor PARTITION_QOS); accounting jobs have no requested reservation or segment
size, and their steps no stdio paths or time limit."""

from __future__ import annotations

from slurmrestd.api.versions.dbv0_0_38.shape import listed, nested
from slurmrestd.api.versions.derive import derive_shape, strings_without
from slurmrestd.api.versions.v0_0_43 import slurmdb as newer
from slurmrestd.api.versions.v0_0_45.slurmdb import Bodies

ACCOUNT = newer.ACCOUNT
ACCOUNTING_USAGE = newer.ACCOUNTING_USAGE
ASSOC_SHORT = newer.ASSOC_SHORT
USER = newer.USER
ASSOCIATION = newer.ASSOCIATION
QOS = derive_shape(newer.QOS, change={"flags": strings_without("DELETED", "PARTITION_QOS")})
TRES = newer.TRES
WCKEY = newer.WCKEY
CLUSTER = derive_shape(newer.CLUSTER, change={"flags": strings_without("DELETED")})
STEP = derive_shape(
    newer.STEP,
    drop=(
        "step/stderr",
        "step/stdin",
        "step/stdout",
        "step/stderr_expanded",
        "step/stdin_expanded",
        "step/stdout_expanded",
        "time/limit",
    ),
)
JOB = derive_shape(
    newer.JOB,
    drop=("reservation/requested", "segment_size"),
    change={"steps": listed(nested(STEP))},
)
INSTANCE = newer.INSTANCE
STATS = newer.STATS


def request_bodies(newer_bodies: Bodies) -> Bodies:
    """v0.0.43's bodies (only flag names differ, and flags are not read)."""
    return dict(newer_bodies)
