"""v0.0.44 slurmdbd records, from v0.0.45: clusters still name their select
plugin; accounting jobs have no sluids or exclusive/oversubscribe strings and
their steps report a pid instead of the submit line."""

from __future__ import annotations

from slurmrestd.api.versions.dbv0_0_38 import values as v38
from slurmrestd.api.versions.dbv0_0_38.shape import Codec, listed, nested, row
from slurmrestd.api.versions.derive import after, derive_shape
from slurmrestd.api.versions.v0_0_45 import slurmdb as newer
from slurmrestd.api.versions.v0_0_45.slurmdb import Bodies
from slurmrestd.api.versions.v0_0_46.slurmdb_values import STRING

# A string read back from a body: "" means not given.
STRING_READ = Codec(STRING.dump, lambda value, name: v38.STRING.load(value, name) or None)

ACCOUNT = newer.ACCOUNT
ACCOUNTING_USAGE = newer.ACCOUNTING_USAGE
ASSOC_SHORT = newer.ASSOC_SHORT
USER = newer.USER
ASSOCIATION = newer.ASSOCIATION
QOS = newer.QOS
TRES = newer.TRES
WCKEY = newer.WCKEY
CLUSTER = derive_shape(
    newer.CLUSTER, add=[after("rpc_version", row("select_plugin", "select_plugin", STRING))]
)
STEP = derive_shape(
    newer.STEP, drop=("submit_line",), add=[after("exit_code", row("pid", "pid", STRING))]
)
JOB = derive_shape(
    newer.JOB, drop=("exclusive", "oversubscribe"), change={"steps": listed(nested(STEP))}
)
INSTANCE = newer.INSTANCE
STATS = newer.STATS


def request_bodies(newer_bodies: Bodies) -> Bodies:
    """v0.0.45's bodies; a cluster may carry its select plugin."""
    keys, cluster = newer_bodies["clusters"]
    select_plugin = row("select_plugin", "select_plugin", STRING_READ)
    cluster = derive_shape(cluster, add=[after("rpc_version", select_plugin)])
    return {**newer_bodies, "clusters": (keys, cluster)}
