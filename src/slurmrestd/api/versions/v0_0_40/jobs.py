"""v0.0.40 job records (`v0.0.40_job_info`): v0.0.41 with 23.11's flat
`job_resources` (counts, the node list and a free-form per-node list) and
without the STEPMGR_ENABLED flag or "topo" sharing."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.derive import derive, members, names_without
from slurmrestd.api.versions.render import FieldTable, render
from slurmrestd.api.versions.v0_0_41 import jobs as newer
from slurmrestd.api.versions.v0_0_46.jobs import SHARED
from slurmrestd.model.job import AllocatedNode, Job, JobResources

JOB_FLAGS = names_without(newer.JOB_FLAGS, "STEPMGR_ENABLED")
STATE_FLAGS = newer.STATE_FLAGS
SHARED_NAMES = names_without(SHARED, "topo")


def _node(node: AllocatedNode) -> dict[str, Any]:
    """One allocated node; the schema leaves its items open, so this is our reading."""
    sockets: dict[str, dict[str, dict[str, str]]] = {}
    for core in node.cores:
        cores = sockets.setdefault(str(core.socket), {"cores": {}})["cores"]
        cores[str(core.core)] = "allocated_and_in_use" if core.in_use else "allocated"
    return {
        "nodename": node.name,
        "cpus_used": node.cpus_used,
        "memory_used": node.memory_used,
        "memory_allocated": node.memory_allocated,
        "sockets": sockets,
    }


def render_job_resources(res: JobResources | None) -> dict[str, Any]:
    """job_res of 23.11; an empty object before resources are allocated, as later."""
    if res is None:
        return {}
    return {
        "nodes": res.nodes,
        "allocated_cores": sum(len(node.cores) for node in res.allocated_nodes),
        "allocated_cpus": res.cpus,
        "allocated_hosts": res.host_count,
        "allocated_nodes": [_node(node) for node in res.allocated_nodes],
    }


def _shared(job: Job) -> list[str]:
    return [job.shared] if job.shared in SHARED_NAMES else []


JOB_INFO_FIELDS: FieldTable = derive(
    newer.JOB_INFO_FIELDS,
    change={
        "flags": members("flags", JOB_FLAGS),
        "job_resources": lambda job: render_job_resources(job.job_resources),
        "exclusive": newer.exclusive_of(
            {mode: name for mode, name in newer.EXCLUSIVE_NAMES.items() if mode != "topo"}
        ),
        "shared": _shared,
    },
)


def render_job(job: Job) -> dict[str, Any]:
    """One job in the v0.0.40_job_info shape."""
    return render(job, JOB_INFO_FIELDS)
