"""v0.0.45 slurmdbd records: every record and request body is v0.0.46's.

Each slurmdb module of v0.0.40 ... v0.0.45 exports the same names: the render
shapes (ACCOUNT, USER, ASSOCIATION, QOS, TRES, WCKEY, CLUSTER, JOB, STEP,
INSTANCE, STATS; `.render` renders one record) and `request_bodies(newer)`,
which makes the version's POST body table from its newer neighbour's.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape
from slurmrestd.api.versions.v0_0_46 import slurmdb_accounts as accounts
from slurmrestd.api.versions.v0_0_46 import slurmdb_associations as associations
from slurmrestd.api.versions.v0_0_46 import slurmdb_clusters as clusters
from slurmrestd.api.versions.v0_0_46 import slurmdb_diag as diag
from slurmrestd.api.versions.v0_0_46 import slurmdb_instances as instances
from slurmrestd.api.versions.v0_0_46 import slurmdb_jobs as jobs
from slurmrestd.api.versions.v0_0_46 import slurmdb_qos as qos
from slurmrestd.api.versions.v0_0_46 import slurmdb_tres as tres
from slurmrestd.api.versions.v0_0_46 import slurmdb_users as users
from slurmrestd.api.versions.v0_0_46 import slurmdb_wckeys as wckeys

# kind -> (body keys accepted, record parse shape), as api/operations/slurmdb.py keeps them
Bodies = dict[str, tuple[tuple[str, ...], Shape[Any]]]

ACCOUNT = accounts.ACCOUNT
ACCOUNTING_USAGE = wckeys.ACCOUNTING_USAGE
ASSOC_SHORT = accounts.ASSOC_SHORT
USER = users.USER
ASSOCIATION = associations.ASSOCIATION
QOS = qos.QOS_SHAPE
TRES = tres.TRES
WCKEY = wckeys.WCKEY
CLUSTER = clusters.CLUSTER
STEP = jobs.STEP
JOB = jobs.JOB
INSTANCE = instances.INSTANCE
STATS = diag.STATS


def request_bodies(newer: Bodies) -> Bodies:
    """The same bodies as v0.0.46."""
    return dict(newer)
