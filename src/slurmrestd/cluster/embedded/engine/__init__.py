"""The embedded workload manager: real jobs on this host, state in SQLite, no HTTP.

`WorkloadManager` is the façade; the other modules each own one concern
(admission, updates, lifecycle, scheduler, eligibility, executor, watcher,
store, config, sbatch, arrays, dependencies, paths, environment, views).
Operators' run-time changes (admin_ops) keep their rules in node_admin,
partition_admin and reservations, their state in admin_state/admin_store.
"""

from slurmrestd.cluster.embedded.engine.manager import WorkloadManager
from slurmrestd.cluster.embedded.engine.records import (
    HoldKind,
    JobFlag,
    JobRecord,
    JobState,
    NodeAlloc,
    Reason,
    Submitter,
)
from slurmrestd.cluster.embedded.engine.views import LicenseUsage, NodeUsage

__all__ = [
    "HoldKind",
    "JobFlag",
    "JobRecord",
    "JobState",
    "LicenseUsage",
    "NodeAlloc",
    "NodeUsage",
    "Reason",
    "Submitter",
    "WorkloadManager",
]
