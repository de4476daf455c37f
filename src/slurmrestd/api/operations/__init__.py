"""Version-neutral operation handlers, keyed by method and version-free path.

A key is the template with its version segment replaced by `*` and no
trailing slash: ("GET", "/slurm/*/ping"). Each handler takes an
OperationCall and returns the payload dict (without meta/errors/warnings).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slurmrestd.api.call import OperationCall
from slurmrestd.api.operations import (
    cluster_admin,
    job_control,
    jobs,
    licenses,
    ping,
    resources,
    util,
)
from slurmrestd.api.operations.slurmdb import SLURMDB_OPERATIONS

OperationHandler = Callable[[OperationCall], Awaitable[dict[str, Any] | None]]

OPERATIONS: dict[tuple[str, str], OperationHandler] = {
    ("GET", "/slurm/*/ping"): ping.get_ping,
    ("GET", "/slurm/*/licenses"): licenses.get_licenses,
    ("GET", "/slurm/*/jobs"): jobs.get_jobs,
    ("GET", "/slurm/*/job/{job_id}"): jobs.get_job,
    ("POST", "/slurm/*/job/submit"): jobs.post_job_submit,
    ("POST", "/slurm/*/job/{job_id}"): jobs.post_job_update,
    ("DELETE", "/slurm/*/job/{job_id}"): jobs.delete_job,
    ("GET", "/slurm/*/nodes"): resources.get_nodes,
    ("GET", "/slurm/*/node/{node_name}"): resources.get_node,
    ("GET", "/slurm/*/partitions"): resources.get_partitions,
    ("GET", "/slurm/*/partition/{partition_name}"): resources.get_partition,
    ("GET", "/slurm/*/reservations"): resources.get_reservations,
    ("GET", "/slurm/*/reservation/{reservation_name}"): resources.get_reservation,
    ("GET", "/slurm/*/diag"): resources.get_diag,
    ("POST", "/slurm/*/job/allocate"): job_control.post_job_allocate,
    ("GET", "/slurm/*/job/{job_id}/requeue"): job_control.get_job_requeue,
    ("POST", "/slurm/*/jobs/requeue"): job_control.post_jobs_requeue,
    ("DELETE", "/slurm/*/jobs"): job_control.delete_jobs,
    ("GET", "/slurm/*/jobs/state"): job_control.get_jobs_state,
    ("GET", "/slurm/*/resources/{job_id}"): job_control.get_resources,
    ("POST", "/slurm/*/node/{node_name}"): cluster_admin.post_node,
    ("POST", "/slurm/*/nodes"): cluster_admin.post_nodes,
    ("DELETE", "/slurm/*/node/{node_name}"): cluster_admin.delete_node,
    ("POST", "/slurm/*/new/node"): cluster_admin.post_new_node,
    ("POST", "/slurm/*/partitions"): cluster_admin.post_partitions,
    ("DELETE", "/slurm/*/partition/{partition_name}"): cluster_admin.delete_partition,
    ("POST", "/slurm/*/reservation"): cluster_admin.post_reservation,
    ("POST", "/slurm/*/reservations"): cluster_admin.post_reservations,
    ("DELETE", "/slurm/*/reservation/{reservation_name}"): cluster_admin.delete_reservation,
    ("GET", "/slurm/*/reconfigure"): cluster_admin.get_reconfigure,
    ("GET", "/slurm/*/conf"): cluster_admin.get_conf,
    ("GET", "/slurm/*/shares"): cluster_admin.get_shares,
    ("POST", "/util/*/hostnames"): util.post_hostnames,
    ("POST", "/util/*/hostlist"): util.post_hostlist,
    **SLURMDB_OPERATIONS,
}


def operation_key(method: str, template: str) -> tuple[str, str]:
    """("GET", "/slurm/v0.0.46/ping/") -> ("GET", "/slurm/*/ping")."""
    segments = [s for s in template.split("/") if s]
    if len(segments) >= 2:
        segments[1] = "*"
    return method.upper(), "/" + "/".join(segments)
