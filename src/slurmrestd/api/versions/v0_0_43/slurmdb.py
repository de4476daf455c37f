"""v0.0.43 slurmdbd records, from v0.0.44: a user has no default QOS and an
accounting job no JOB_ALTERED flag."""

from __future__ import annotations

from slurmrestd.api.versions.derive import derive_shape, strings_without
from slurmrestd.api.versions.v0_0_44 import slurmdb as newer
from slurmrestd.api.versions.v0_0_45.slurmdb import Bodies

ACCOUNT = newer.ACCOUNT
ACCOUNTING_USAGE = newer.ACCOUNTING_USAGE
ASSOC_SHORT = newer.ASSOC_SHORT
USER = derive_shape(newer.USER, drop=("default/qos",))
ASSOCIATION = newer.ASSOCIATION
QOS = newer.QOS
TRES = newer.TRES
WCKEY = newer.WCKEY
CLUSTER = newer.CLUSTER
STEP = newer.STEP
JOB = derive_shape(newer.JOB, change={"flags": strings_without("JOB_ALTERED")})
INSTANCE = newer.INSTANCE
STATS = newer.STATS


def request_bodies(newer_bodies: Bodies) -> Bodies:
    """v0.0.44's bodies; a user's default QOS is not a field yet."""
    keys, user = newer_bodies["users"]
    return {**newer_bodies, "users": (keys, derive_shape(user, drop=("default/qos",)))}
