"""v0.0.44 job records (`v0.0.44_job_info`): v0.0.45 without the memory update
fields and the container runtime, with the (always empty) power flags, and the
select type named by its parts (["CORE", "MEMORY"], not ["CR_CORE_MEMORY"])."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.derive import after, derive, members, names_without
from slurmrestd.api.versions.render import FieldTable, const, render
from slurmrestd.api.versions.v0_0_45 import jobs as newer
from slurmrestd.api.versions.v0_0_46.jobs import render_job_resources
from slurmrestd.model.job import Job

JOB_FLAGS = names_without(newer.JOB_FLAGS, "JOB_IMPLICIT_MAX_NODES")
STATE_FLAGS = newer.STATE_FLAGS

# SelectTypeParameters as the older enumeration spells them: one name per part.
SELECT_TYPE_PARTS: dict[str, tuple[str, ...]] = {
    "CR_CPU": ("CPU",),
    "CR_SOCKET": ("SOCKET",),
    "CR_CORE": ("CORE",),
    "CR_BOARD": ("BOARD",),
    "CR_MEMORY": ("MEMORY",),
    "CR_CPU_MEMORY": ("CPU", "MEMORY"),
    "CR_SOCKET_MEMORY": ("SOCKET", "MEMORY"),
    "CR_CORE_MEMORY": ("CORE", "MEMORY"),
    "CR_ONE_TASK_PER_CORE": ("ONE_TASK_PER_CORE",),
    "CR_PACK_NODES": ("PACK_NODES",),
    "CR_CORE_DEFAULT_DIST_BLOCK": ("CORE_DEFAULT_DIST_BLOCK",),
    "CR_LLN": ("LLN",),
    "LINEAR": ("LINEAR",),
}


def select_type_parts(names: tuple[str, ...] | list[str]) -> list[str]:
    """("CR_CORE_MEMORY",) -> ["CORE", "MEMORY"]; names with no older spelling are left out."""
    parts: list[str] = []
    for name in names:
        parts.extend(p for p in SELECT_TYPE_PARTS.get(name, ()) if p not in parts)
    return parts


def _job_resources(job: Job) -> dict[str, Any]:
    out = render_job_resources(job.job_resources)
    if "select_type" in out:
        out["select_type"] = select_type_parts(out["select_type"])
    return out


JOB_INFO_FIELDS: FieldTable = derive(
    newer.JOB_INFO_FIELDS,
    drop=("container_type", "memory_update_delay", "memory_update_margin"),
    change={"flags": members("flags", JOB_FLAGS), "job_resources": _job_resources},
    add=[after("partition", power=const({"flags": []}))],
)


def render_job(job: Job) -> dict[str, Any]:
    """One job in the v0.0.44_job_info shape."""
    return render(job, JOB_INFO_FIELDS)
