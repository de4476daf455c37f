"""v0.0.42 job records (`v0.0.42_job_info`): v0.0.43 without the segment size,
allocated licenses, expanded stdio paths and the EXTERNAL_JOB flag."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.derive import derive, members, names_without
from slurmrestd.api.versions.render import FieldTable, render
from slurmrestd.api.versions.v0_0_43 import jobs as newer
from slurmrestd.model.job import Job

JOB_FLAGS = names_without(newer.JOB_FLAGS, "EXTERNAL_JOB")
STATE_FLAGS = newer.STATE_FLAGS

JOB_INFO_FIELDS: FieldTable = derive(
    newer.JOB_INFO_FIELDS,
    drop=(
        "licenses_allocated",
        "segment_size",
        "stderr_expanded",
        "stdin_expanded",
        "stdout_expanded",
    ),
    change={"flags": members("flags", JOB_FLAGS)},
)


def render_job(job: Job) -> dict[str, Any]:
    """One job in the v0.0.42_job_info shape."""
    return render(job, JOB_INFO_FIELDS)
