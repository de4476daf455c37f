"""v0.0.43 job records (`v0.0.43_job_info`): v0.0.44 without `step_id` and
`submit_line`, and without the segment, expedite flags and EXPEDITING state."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.derive import derive, members, names_without
from slurmrestd.api.versions.render import FieldTable, render
from slurmrestd.api.versions.v0_0_44 import jobs as newer
from slurmrestd.model.job import Job

JOB_FLAGS = names_without(
    newer.JOB_FLAGS, "SPREAD_SEGMENTS", "CONSOLIDATE_SEGMENTS", "EXPEDITED_REQUEUE"
)
STATE_FLAGS = names_without(newer.STATE_FLAGS, "EXPEDITING")


def _job_state(job: Job) -> list[str]:
    return [job.state.value, *members("state_flags", STATE_FLAGS)(job)]


JOB_INFO_FIELDS: FieldTable = derive(
    newer.JOB_INFO_FIELDS,
    drop=("step_id", "submit_line"),
    change={"flags": members("flags", JOB_FLAGS), "job_state": _job_state},
)


def render_job(job: Job) -> dict[str, Any]:
    """One job in the v0.0.43_job_info shape."""
    return render(job, JOB_INFO_FIELDS)
