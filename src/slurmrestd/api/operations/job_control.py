"""/slurm/{version}/ job control beyond submit/update/signal: allocate, requeue,
bulk signal (DELETE /jobs), compact states and the resources of a running job.

Version-neutral handlers; v0.0.46 is the version with shapes for these so
far, the others answer 501. Per-job failures of bulk requests are reported in
the answer's `status` entries; a failure of the request as a whole goes to
`errors`.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.call import OperationCall
from slurmrestd.api.numbers import no_val
from slurmrestd.api.versions import request as requests
from slurmrestd.api.versions.v0_0_46 import job_control_requests as requests_46
from slurmrestd.api.versions.v0_0_46 import job_results, resource_layout
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.job_control import JobOutcome

SUPPORTED = 46


def require_version(call: OperationCall, what: str) -> None:
    """Refuse versions without shapes for this operation.

    Raises:
        SlurmError: NOT_IMPLEMENTED.
    """
    if call.api_number != SUPPORTED:
        raise SlurmError(
            Errno.NOT_IMPLEMENTED, f"{what} is not available in {call.version} yet", call.version
        )


def reject(call: OperationCall, exc: requests.RequestInvalid) -> None:
    """Report a refused body: its error entries and the warnings gathered so far."""
    call.envelope.entries(exc.entries, exc.errno)
    call.envelope.warnings.extend(exc.warnings)


def _leading_id(job_id: str) -> int:
    head = job_id.split("_", 1)[0].split("+", 1)[0]
    return int(head) if head.isdigit() else 0


async def post_job_allocate(call: OperationCall) -> dict[str, Any] | None:
    require_version(call, "job allocation")
    try:
        parsed = requests_46.parse_allocate(call.query)
    except requests.RequestInvalid as exc:
        reject(call, exc)
        return None
    call.envelope.warnings.extend(parsed.warnings)
    try:
        result = await call.run_blocking(
            call.cluster.allocate_job, call.identity, parsed.descriptions
        )
    except SlurmError as exc:
        call.envelope.add_slurm_error(exc)
        return None
    for _, text in result.notices:
        call.envelope.warn(text, "slurm_allocate_resources")
    return {"job_id": result.job_id, "job_submit_user_msg": result.user_message}


def _flag_given(value: Any) -> bool:
    """A query flag: present (`?Hold`) or set to a true-ish value."""
    return value is None or str(value).strip().lower() not in ("false", "no", "0")


async def _requeue_one(call: OperationCall, job_id: str, flags: frozenset[str]) -> JobOutcome:
    try:
        await call.run_blocking(call.cluster.requeue_job_with_flags, call.identity, job_id, flags)
    except SlurmError as exc:
        return JobOutcome(_leading_id(job_id), exc.errno, exc.description, job_id)
    return JobOutcome(_leading_id(job_id), step_id=job_id)


async def get_job_requeue(call: OperationCall) -> dict[str, Any]:
    require_version(call, "job requeue")
    job_id = str(call.params["job_id"])
    flags = frozenset(
        flag
        for name, flag in requests_46.REQUEUE_FLAGS.items()
        if name in call.query and _flag_given(call.query[name])
    )
    outcome = await _requeue_one(call, job_id, flags)
    if outcome.errno:
        call.envelope.error(outcome.errno, outcome.description, "slurm_requeue")
    return {"status": [job_results.render_array_entry(outcome)]}


async def post_jobs_requeue(call: OperationCall) -> dict[str, Any]:
    require_version(call, "job requeue")
    try:
        jobs, flags, warnings = requests_46.parse_requeue(call.query)
    except requests.RequestInvalid as exc:
        reject(call, exc)
        return {"status": []}
    call.envelope.warnings.extend(warnings)
    status = []
    for job_id in jobs:
        outcome = await _requeue_one(call, job_id, flags)
        status.append([job_results.render_array_entry(outcome)])
    return {"status": status}


async def delete_jobs(call: OperationCall) -> dict[str, Any]:
    require_version(call, "bulk job signalling")
    try:
        selection, warnings = requests_46.parse_kill_jobs(call.query)
    except requests.RequestInvalid as exc:
        reject(call, exc)
        return {"status": []}
    call.envelope.warnings.extend(warnings)
    try:
        outcomes = await call.run_blocking(call.cluster.kill_jobs, call.identity, selection)
    except SlurmError as exc:
        call.envelope.add_slurm_error(exc)
        return {"status": []}
    return {"status": [job_results.render_kill_entry(o) for o in outcomes]}


def _job_ids(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


async def get_jobs_state(call: OperationCall) -> dict[str, Any]:
    require_version(call, "job states")
    ids = _job_ids(call.query.get("job_id"))
    payload: dict[str, Any] = {
        "jobs": [],
        "last_backfill": no_val(None),
        "last_update": no_val(None),
    }
    try:
        entries = await call.run_blocking(call.cluster.job_states, call.identity, ids)
    except SlurmError as exc:
        call.envelope.add_slurm_error(exc)
        return payload
    payload["jobs"] = [job_results.render_job_state(entry) for entry in entries]
    return payload


async def get_resources(call: OperationCall) -> dict[str, Any]:
    require_version(call, "job resources")
    job_id = str(call.params["job_id"])
    try:
        layout = await call.run_blocking(call.cluster.job_resources, call.identity, job_id)
    except SlurmError as exc:
        call.envelope.add_slurm_error(exc)
        return {"nodes": []}
    return {"nodes": [resource_layout.render_node_layout(node) for node in layout]}
