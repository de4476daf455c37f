"""/slurm/{version}/ job control beyond submit/update/signal: allocate, requeue,
bulk signal (DELETE /jobs), compact states and the resources of a running job.

Version-neutral handlers; each version's bodies and answers come from its
AdminShapes (api/versions/v0_0_4X/admin.py), versions without them answer 501.
Per-job failures of bulk requests are reported in the answer's `status`
entries; a failure of the request as a whole goes to `errors`.
"""

from __future__ import annotations

from typing import Any

from slurmrestd.api.call import OperationCall
from slurmrestd.api.numbers import no_val
from slurmrestd.api.versions import request as requests
from slurmrestd.api.versions.v0_0_40 import admin as admin_40
from slurmrestd.api.versions.v0_0_41 import admin as admin_41
from slurmrestd.api.versions.v0_0_42 import admin as admin_42
from slurmrestd.api.versions.v0_0_43 import admin as admin_43
from slurmrestd.api.versions.v0_0_44 import admin as admin_44
from slurmrestd.api.versions.v0_0_45 import admin as admin_45
from slurmrestd.api.versions.v0_0_45.admin_shapes import V0_0_46, AdminShapes
from slurmrestd.api.versions.v0_0_46 import job_control_requests as requests_46
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.job import leading_job_id
from slurmrestd.model.job_control import JobOutcome

# Per API number; the router answers 404 for an operation a version does not declare.
SHAPES: dict[int, AdminShapes] = {
    40: admin_40.SHAPES,
    41: admin_41.SHAPES,
    42: admin_42.SHAPES,
    43: admin_43.SHAPES,
    44: admin_44.SHAPES,
    45: admin_45.SHAPES,
    46: V0_0_46,
}


def require_version(call: OperationCall, what: str) -> AdminShapes:
    """The version's shapes for these operations.

    Raises:
        SlurmError: NOT_IMPLEMENTED for a version without them.
    """
    shapes = SHAPES.get(call.api_number)
    if shapes is None:
        raise SlurmError(
            Errno.NOT_IMPLEMENTED, f"{what} is not available in {call.version} yet", call.version
        )
    return shapes


def reject(call: OperationCall, exc: requests.RequestInvalid) -> None:
    """Report a refused body: its error entries and the warnings gathered so far."""
    call.envelope.entries(exc.entries, exc.errno)
    call.envelope.warnings.extend(exc.warnings)


async def post_job_allocate(call: OperationCall) -> dict[str, Any] | None:
    shapes = require_version(call, "job allocation")
    try:
        parsed = shapes.parse_allocate(call.query)
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
        return JobOutcome(leading_job_id(job_id), exc.errno, exc.description, job_id)
    return JobOutcome(leading_job_id(job_id), step_id=job_id)


async def get_job_requeue(call: OperationCall) -> dict[str, Any]:
    shapes = require_version(call, "job requeue")
    job_id = str(call.params["job_id"])
    flags = frozenset(
        flag
        for name, flag in requests_46.REQUEUE_FLAGS.items()
        if name in call.query and _flag_given(call.query[name])
    )
    outcome = await _requeue_one(call, job_id, flags)
    if outcome.errno:
        call.envelope.error(outcome.errno, outcome.description, "slurm_requeue")
    return {"status": [shapes.render_array_entry(outcome)]}


async def post_jobs_requeue(call: OperationCall) -> dict[str, Any]:
    shapes = require_version(call, "job requeue")
    try:
        jobs, flags, warnings = shapes.parse_requeue(call.query)
    except requests.RequestInvalid as exc:
        reject(call, exc)
        return {"status": []}
    call.envelope.warnings.extend(warnings)
    status = []
    for job_id in jobs:
        outcome = await _requeue_one(call, job_id, flags)
        status.append([shapes.render_array_entry(outcome)])
    return {"status": status}


async def delete_jobs(call: OperationCall) -> dict[str, Any]:
    shapes = require_version(call, "bulk job signalling")
    try:
        selection, warnings = shapes.parse_kill_jobs(call.query)
    except requests.RequestInvalid as exc:
        reject(call, exc)
        return {"status": []}
    call.envelope.warnings.extend(warnings)
    try:
        outcomes = await call.run_blocking(call.cluster.kill_jobs, call.identity, selection)
    except SlurmError as exc:
        call.envelope.add_slurm_error(exc)
        return {"status": []}
    return {"status": [shapes.render_kill_entry(o) for o in outcomes]}


def _job_ids(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


async def get_jobs_state(call: OperationCall) -> dict[str, Any]:
    shapes = require_version(call, "job states")
    ids = _job_ids(call.query.get("job_id"))
    payload: dict[str, Any] = {
        "jobs": [],
        "last_backfill": no_val(None),
        "last_update": no_val(None),
    }
    try:
        entries = await call.read(call.cluster.job_states, call.identity, ids)
    except SlurmError as exc:
        call.envelope.add_slurm_error(exc)
        return payload
    payload["jobs"] = [shapes.render_job_state(entry) for entry in entries]
    return payload


async def get_resources(call: OperationCall) -> dict[str, Any]:
    shapes = require_version(call, "job resources")
    job_id = str(call.params["job_id"])
    try:
        layout = await call.read(call.cluster.job_resources, call.identity, job_id)
    except SlurmError as exc:
        call.envelope.add_slurm_error(exc)
        return {"nodes": []}
    return {"nodes": [shapes.render_node_layout(node) for node in layout]}
