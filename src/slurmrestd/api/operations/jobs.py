"""/slurm/{version}/job* : list, show, submit, update, signal and cancel jobs.

Handlers are version-neutral: the version's module (api/versions/) says how a
record and a request look; the generation decides the 22.05 quirks (job ids
must be plain numbers, submit errors in {error_code, error} objects).
"""

from __future__ import annotations

import signal as signals
from collections.abc import Sequence
from operator import attrgetter
from types import ModuleType
from typing import Any

from slurmrestd.api.call import NotModified, OperationCall
from slurmrestd.api.numbers import no_val
from slurmrestd.api.peer_name import PEER_NAMES
from slurmrestd.api.prerendered import RenderCache
from slurmrestd.api.versions import request as requests
from slurmrestd.api.versions.v0_0_38 import job_desc as job_desc_38
from slurmrestd.api.versions.v0_0_38 import jobs as jobs_38
from slurmrestd.api.versions.v0_0_38 import kill_signal as kill_signal_38
from slurmrestd.api.versions.v0_0_40 import job_desc as job_desc_40
from slurmrestd.api.versions.v0_0_40 import jobs as jobs_40
from slurmrestd.api.versions.v0_0_41 import job_desc as job_desc_41
from slurmrestd.api.versions.v0_0_41 import jobs as jobs_41
from slurmrestd.api.versions.v0_0_42 import job_desc as job_desc_42
from slurmrestd.api.versions.v0_0_42 import jobs as jobs_42
from slurmrestd.api.versions.v0_0_43 import job_desc as job_desc_43
from slurmrestd.api.versions.v0_0_43 import jobs as jobs_43
from slurmrestd.api.versions.v0_0_44 import job_desc as job_desc_44
from slurmrestd.api.versions.v0_0_44 import jobs as jobs_44
from slurmrestd.api.versions.v0_0_45 import job_desc as job_desc_45
from slurmrestd.api.versions.v0_0_45 import jobs as jobs_45
from slurmrestd.api.versions.v0_0_46 import job_desc as job_desc_46
from slurmrestd.api.versions.v0_0_46 import jobs as jobs_46
from slurmrestd.cluster.errors import Errno, SlurmError, error_text
from slurmrestd.model.job import Job, JobSnapshot, leading_job_id
from slurmrestd.model.job_desc import JobDescription, SubmitResult

# Per API number: (record shapes, request parsers). Versions missing here answer 501.
_SHAPES: dict[int, tuple[ModuleType, ModuleType]] = {
    38: (jobs_38, job_desc_38),
    40: (jobs_40, job_desc_40),
    41: (jobs_41, job_desc_41),
    42: (jobs_42, job_desc_42),
    43: (jobs_43, job_desc_43),
    44: (jobs_44, job_desc_44),
    45: (jobs_45, job_desc_45),
    46: (jobs_46, job_desc_46),
}
_LEGACY = 38  # the 22.05 generation


def _shapes(call: OperationCall) -> tuple[ModuleType, ModuleType]:
    shapes = _SHAPES.get(call.api_number)
    if shapes is None:
        raise SlurmError(
            Errno.NOT_IMPLEMENTED, f"jobs are not available in {call.version} yet", call.version
        )
    return shapes


# Per API number: each job's JSON, rendered once while the job is unchanged.
_RENDERED: dict[int, RenderCache[Job]] = {
    number: RenderCache(shapes.render_job, attrgetter("job_id"))
    for number, (shapes, _) in _SHAPES.items()
}


async def _jobs_payload(call: OperationCall, snapshot: JobSnapshot) -> dict[str, Any]:
    _shapes(call)
    rendered = _RENDERED[call.api_number]
    jobs = await call.run_blocking(rendered.array, snapshot.jobs)
    payload: dict[str, Any] = {"jobs": jobs}
    if call.api_number > _LEGACY:
        payload["last_backfill"] = no_val(getattr(snapshot, "last_backfill", None))
        payload["last_update"] = no_val(snapshot.last_update)
    return payload


async def get_jobs(call: OperationCall) -> dict[str, Any]:
    _shapes(call)
    since = call.update_time()
    snapshot = await call.read(call.cluster.jobs, call.identity)
    if since is not None and snapshot.last_update <= since:
        raise NotModified
    return await _jobs_payload(call, snapshot)


async def get_job(call: OperationCall) -> dict[str, Any] | None:
    _shapes(call)
    job_id = str(call.params["job_id"])
    if call.api_number == _LEGACY and not (job_id.isascii() and job_id.isdigit()):
        # 22.05 took only plain numbers here ("26_2" too was refused).
        call.envelope.error(
            Errno.REST_INVALID_JOBS_DESC, f"Unable to find JobId={job_id}", "_handle_job_get"
        )
        return None
    since = call.update_time()
    try:
        snapshot = await call.read(call.cluster.job, call.identity, job_id)
    except SlurmError as exc:
        if exc.errno == Errno.INVALID_JOB_ID:
            call.envelope.error(exc.errno, f"Unable to find JobId={job_id}", "slurm_load_job")
        else:
            call.envelope.add_slurm_error(exc)
        return await _jobs_payload(call, JobSnapshot((), 0))
    if since is not None and snapshot.last_update <= since:
        raise NotModified
    return await _jobs_payload(call, snapshot)


def _reject(call: OperationCall, exc: requests.RequestInvalid) -> None:
    call.envelope.entries(exc.entries, exc.errno)
    for warning in exc.warnings:
        call.envelope.warnings.append(warning)


def _legacy_error(call: OperationCall, exc: SlurmError) -> None:
    """22.05's job submit answered Slurm errors as {error_code, error}."""
    call.envelope.entry({"error_code": int(exc.errno), "error": error_text(exc.errno)}, exc.errno)


def _body(call: OperationCall) -> Any:
    """22.05 parsed whatever body came (a list or a string too); newer versions an object."""
    return call.query_as_sent() if call.api_number == _LEGACY else dict(call.query)


async def _submitted(call: OperationCall, descriptions: Sequence[JobDescription]) -> SubmitResult:
    """The backend's submission: on the event loop when the backend offers that
    (`submit_job_on_loop`, returning None where it does not apply), else on the pool."""
    on_loop = getattr(call.cluster, "submit_job_on_loop", None)
    if on_loop is not None:
        result: SubmitResult | None = await on_loop(call.identity, descriptions)
        if result is not None:
            return result
    return await call.run_blocking(call.cluster.submit_job, call.identity, descriptions)


async def post_job_submit(call: OperationCall) -> dict[str, Any] | None:
    _, parser = _shapes(call)
    try:
        parsed = parser.parse_submit(_body(call))
    except requests.RequestInvalid as exc:
        _reject(call, exc)
        return None
    call.envelope.warnings.extend(parsed.warnings)
    try:
        result = await _submitted(call, parsed.descriptions)
    except SlurmError as exc:
        if call.api_number == _LEGACY:
            _legacy_error(call, exc)
        else:
            call.envelope.add_slurm_error(exc)
        return None
    for errno, text in result.notices:
        # Submitted, with a remark (e.g. 2042 held): not an error for the status.
        if call.api_number == _LEGACY:
            call.envelope.entry({"error_code": errno, "error": text}, None)
        else:
            call.envelope.warn(text, "slurm_submit_batch_job")
    step_id = "BATCH" if call.api_number == _LEGACY else result.step_id
    return {
        "job_id": result.job_id,
        "step_id": step_id,
        "job_submit_user_msg": result.user_message,
    }


async def post_job_update(call: OperationCall) -> dict[str, Any] | None:
    if call.api_number == _LEGACY:
        return await _legacy_job_update(call)
    _, parser = _shapes(call)
    job_id = str(call.params["job_id"])
    try:
        parsed = parser.parse_update(dict(call.query))
    except requests.RequestInvalid as exc:
        _reject(call, exc)
        return None
    call.envelope.warnings.extend(parsed.warnings)
    await call.run_blocking(call.cluster.update_job, call.identity, job_id, parsed.description)
    return {
        "results": [
            {
                "job_id": leading_job_id(job_id),
                "step_id": "",
                "error_code": 0,
                "error": error_text(0),
                "why": "",
            }
        ]
    }


async def _legacy_job_update(call: OperationCall) -> dict[str, Any] | None:
    """22.05 named the client (its host name), not the job, in update errors."""
    job_id = str(call.params["job_id"])
    client = await PEER_NAMES.client_text(call.envelope.client.source, call.run_blocking)
    try:
        parsed = job_desc_38.parse_update(_body(call), context=client)
    except requests.RequestInvalid as exc:
        # 22.05 reported a body it could not parse, and still answered 200.
        for entry in exc.entries:
            call.envelope.entry(entry, None)
        return None
    try:
        await call.run_blocking(call.cluster.update_job, call.identity, job_id, parsed.description)
    except SlurmError as exc:
        call.envelope.error(exc.errno, f"job update from {client} failed", "_parse_job_list")
        return None
    return {}


def parse_signal(value: Any) -> int:
    """v0.0.40+: `SIGUSR1`, `USR1` or `10` -> 10 (SIGKILL when not given)."""
    if value in (None, ""):
        return int(signals.SIGKILL)
    text = str(value).strip().upper()
    if text.isascii() and text.isdigit():  # "¹".isdigit() too, but int() refuses it
        number = int(text)
        if 0 < number < signals.NSIG:
            return number
    else:
        name = text if text.startswith("SIG") else "SIG" + text
        try:
            return int(signals.Signals[name])
        except KeyError:
            pass
    raise SlurmError(Errno.REST_INVALID_QUERY, f"signal: unknown signal {value!r}", "signal")


async def delete_job(call: OperationCall) -> dict[str, Any] | None:
    _shapes(call)
    job_id = str(call.params["job_id"])
    read_signal = kill_signal_38.parse_signal if call.api_number == _LEGACY else parse_signal
    signum = read_signal(call.query.get("signal"))
    flags_value = call.query.get("flags")
    flags = frozenset(str(flags_value).upper().split(",")) if flags_value else frozenset()
    try:
        await call.run_blocking(call.cluster.signal_job, call.identity, job_id, signum, flags)
    except SlurmError as exc:
        if call.api_number == _LEGACY:
            if exc.errno == Errno.ALREADY_DONE:
                return {}  # 22.05 answered a finished job with no error
            call.envelope.error(
                exc.errno,
                f"unable to kill JobId={job_id} with signal {signum}: {error_text(exc.errno)}",
                "slurm_kill_job",
            )
            return None
        call.envelope.add_slurm_error(exc)
        return {"status": [_kill_status(job_id, exc.errno, exc.description)]}
    if call.api_number == _LEGACY:
        return {}
    return {"status": [_kill_status(job_id, 0, "")]}


def _kill_status(job_id: str, errno: int, message: str) -> dict[str, Any]:
    return {
        "error": {"string": error_text(errno), "code": int(errno), "message": message},
        "step_id": "",
        "job_id": no_val(leading_job_id(job_id)),
        "federation": {"sibling": ""},
    }
