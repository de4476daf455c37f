"""v0.0.41 slurmdbd records, from v0.0.42: usage rows have no alternate id, a
QOS no total job count or total TRES minutes, and an accounting job no
requested QOS or restart count."""

from __future__ import annotations

from slurmrestd.api.versions.dbv0_0_38.shape import listed, nested
from slurmrestd.api.versions.derive import derive_shape
from slurmrestd.api.versions.v0_0_42 import slurmdb as newer
from slurmrestd.api.versions.v0_0_45.slurmdb import Bodies

QOS_GONE = ("limits/max/jobs/count", "limits/max/tres/minutes/total")

ACCOUNT = newer.ACCOUNT
ACCOUNTING_USAGE = derive_shape(newer.ACCOUNTING_USAGE, drop=("id_alt",))
ASSOC_SHORT = newer.ASSOC_SHORT
WCKEY = derive_shape(newer.WCKEY, change={"accounting": listed(nested(ACCOUNTING_USAGE))})
USER = derive_shape(newer.USER, change={"wckeys": listed(nested(WCKEY))})
ASSOCIATION = derive_shape(
    newer.ASSOCIATION, change={"accounting": listed(nested(ACCOUNTING_USAGE))}
)
QOS = derive_shape(newer.QOS, drop=QOS_GONE)
TRES = newer.TRES
CLUSTER = newer.CLUSTER
STEP = newer.STEP
JOB = derive_shape(newer.JOB, drop=("qosreq", "restart_cnt"))
INSTANCE = newer.INSTANCE
STATS = newer.STATS


def request_bodies(newer_bodies: Bodies) -> Bodies:
    """v0.0.42's bodies, without the two QOS limits this version lacks."""
    keys, qos = newer_bodies["qos"]
    return {**newer_bodies, "qos": (keys, derive_shape(qos, drop=QOS_GONE))}
