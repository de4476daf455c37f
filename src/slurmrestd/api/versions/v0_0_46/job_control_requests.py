"""v0.0.46 bodies of job control beyond submit/update -> canonical requests.

POST /job/allocate (`v0.0.46_job_alloc_req`), DELETE /jobs
(`v0.0.46_kill_jobs_msg`) and POST /jobs/requeue
(`v0.0.46_openapi_jobs_requeue_query`).
"""

from __future__ import annotations

import signal as signals
from typing import Any

from slurmrestd.api.schema import FieldProblem
from slurmrestd.api.versions.request import (
    MAX_UID,
    ParsedSubmit,
    RequestInvalid,
    error_entry,
    invalid_from_problems,
    plain_number,
    warning_entry,
)
from slurmrestd.api.versions.v0_0_46.admin_requests import checked, expand_names
from slurmrestd.api.versions.v0_0_46.job_desc import describe
from slurmrestd.cluster.errors import Errno
from slurmrestd.model.job import JobState
from slurmrestd.model.job_control import KillJobsFilter

SOURCE_ALLOCATE = "slurm_v0046_post_job_allocate"
SOURCE_KILL = "slurm_v0046_delete_jobs"
SOURCE_REQUEUE = "slurm_v0046_post_jobs_requeue"
# openapi_jobs_requeue_query flags -> the backend's requeue flags.
REQUEUE_FLAGS = {"Incomplete": "INCOMPLETE", "Hold": "HOLD", "SpecialExit": "SPECIAL_EXIT"}


def parse_allocate(body: Any) -> ParsedSubmit:
    """{"job": job_desc_msg} (or "hetjob": [...]) -> descriptions without a script.

    Raises:
        RequestInvalid: schema problems, or no job description.
    """
    value, warnings = checked("v0.0.46_job_alloc_req", body, SOURCE_ALLOCATE)
    if "job" in value and value.get("hetjob"):
        components = []
    elif "job" in value:
        components = [("job", value["job"])]
    else:
        components = [(f"hetjob/{i}", job) for i, job in enumerate(value.get("hetjob", []))]
    if not components:
        errno = Errno.REST_INVALID_JOBS_DESC
        text = "give one job description in job, or the components in hetjob"
        raise RequestInvalid(errno, [error_entry(errno, text, SOURCE_ALLOCATE)], warnings)
    problems: list[FieldProblem] = []
    descriptions = [describe(job, path, problems) for path, job in components]
    if problems:
        raise invalid_from_problems(problems, [], SOURCE_ALLOCATE)
    for (path, _), desc in zip(components, descriptions, strict=True):
        if desc.script:
            desc.script = None
            warnings.append(
                warning_entry(f"{path}/script: ignored by an allocation", SOURCE_ALLOCATE)
            )
    return ParsedSubmit("", descriptions, warnings)


def signal_number(text: str) -> int | None:
    """ "SIGUSR1", "USR1" or "10" -> 10; None when it names no signal."""
    name = text.strip().upper()
    if name.isdigit():  # "¹" too: plain_number tells the ASCII ones
        number = plain_number(name, signals.NSIG - 1)
        return number if number else None
    try:
        return int(signals.Signals[name if name.startswith("SIG") else "SIG" + name])
    except KeyError:
        return None


_TEXT_CRITERIA = ("account", "job_name", "partition", "qos", "reservation", "user_name", "wckey")


def parse_kill_jobs(body: Any) -> tuple[KillJobsFilter, list[Any]]:
    """kill_jobs_msg -> KillJobsFilter.

    Raises:
        RequestInvalid: schema problems, an unknown signal, a bad user id or hostlist.
    """
    value, warnings = checked("v0.0.46_kill_jobs_msg", body, SOURCE_KILL)
    problems: list[FieldProblem] = []
    fields: dict[str, Any] = {k: value[k] for k in _TEXT_CRITERIA if value.get(k)}
    fields["jobs"] = tuple(value.get("jobs", ()))
    fields["flags"] = frozenset(value.get("flags", ()))
    if value.get("signal"):
        fields["signal"] = signal_number(value["signal"])
        if fields["signal"] is None:
            problems.append(FieldProblem("signal", f"unknown signal {value['signal']!r}"))
    if value.get("user_id"):
        text = value["user_id"].strip()
        uid = plain_number(text, MAX_UID)
        if uid is not None:
            fields["user_id"] = uid
        else:
            problems.append(
                FieldProblem("user_id", f"expected a uid up to {MAX_UID}, got {text!r}")
            )
    states = set()
    for name in value.get("job_state", ()):
        try:
            states.add(JobState(name))
        except ValueError:
            warnings.append(
                warning_entry(f"job_state: {name} is a state flag, not selectable", SOURCE_KILL)
            )
    fields["states"] = frozenset(states)
    try:
        fields["nodes"] = expand_names(value.get("nodes", []))
    except ValueError as exc:
        problems.append(FieldProblem("nodes", str(exc)))
    if problems:
        raise invalid_from_problems(problems, [], SOURCE_KILL)
    return KillJobsFilter(**fields), warnings


def parse_requeue(body: Any) -> tuple[list[str], frozenset[str], list[Any]]:
    """openapi_jobs_requeue_query -> (job ids, requeue flags).

    Raises:
        RequestInvalid: schema problems, or no job.
    """
    value, warnings = checked("v0.0.46_openapi_jobs_requeue_query", body, SOURCE_REQUEUE)
    jobs = [job for job in value.get("jobs", []) if job]
    if not jobs:
        problem = FieldProblem("jobs", "at least one job id is required")
        raise invalid_from_problems([problem], [], SOURCE_REQUEUE)
    flags = frozenset(REQUEUE_FLAGS[f] for f in value.get("flags", ()))
    return jobs, flags, warnings
