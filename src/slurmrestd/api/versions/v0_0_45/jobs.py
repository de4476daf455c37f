"""v0.0.45 job records (`v0.0.45_job_info`): v0.0.46 with the container runtime
still called `container_type` and without the two RESET_* segment flags."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.derive import after, derive, members, names_without
from slurmrestd.api.versions.render import FieldTable, render, text
from slurmrestd.api.versions.v0_0_46 import jobs as newer
from slurmrestd.model.job import Job

JOB_FLAGS = names_without(newer.JOB_FLAGS, "RESET_SPREAD_SEGMENTS", "RESET_CONSOLIDATE_SEGMENTS")
STATE_FLAGS = newer.STATE_FLAGS

JOB_INFO_FIELDS: FieldTable = derive(
    newer.JOB_INFO_FIELDS,
    drop=("runtime",),
    change={"flags": members("flags", JOB_FLAGS)},
    add=[after("container_id", container_type=text("runtime"))],
)


def render_job(job: Job) -> dict[str, Any]:
    """One job in the v0.0.45_job_info shape."""
    return render(job, JOB_INFO_FIELDS)
