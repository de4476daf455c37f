"""API v0.0.46 per-job results of job control: requeue entries
(`v0.0.46_job_array_response_msg_entry`), bulk kill entries
(`v0.0.46_kill_jobs_resp_job`) and compact job states (entries of
`v0.0.46_openapi_job_info_resp`, which GET /jobs/state answers with)."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.numbers import no_val
from slurmrestd.api.versions.v0_0_46.jobs import STATE_FLAGS
from slurmrestd.cluster.errors import error_text
from slurmrestd.model.job_control import JobOutcome, JobStateEntry


def render_array_entry(outcome: JobOutcome) -> dict[str, Any]:
    return {
        "job_id": outcome.job_id,
        "step_id": outcome.step_id,
        "error_code": outcome.errno,
        "error": error_text(outcome.errno),
        "why": outcome.description,
    }


def render_kill_entry(outcome: JobOutcome) -> dict[str, Any]:
    return {
        "error": {
            "string": error_text(outcome.errno),
            "code": outcome.errno,
            "message": outcome.description,
        },
        "step_id": outcome.step_id,
        "job_id": no_val(outcome.job_id),
        "federation": {"sibling": ""},
    }


def render_job_state(entry: JobStateEntry) -> dict[str, Any]:
    flags = [flag for flag in STATE_FLAGS if flag in entry.flags]
    return {
        "job_id": entry.job_id,
        "job_state": [entry.state.value, *flags],
        "array_job_id": no_val(entry.array_job_id or 0),
        "array_task_id": no_val(entry.array_task_id),
        "het_job_id": no_val(0),
        "het_job_offset": no_val(None),
    }
