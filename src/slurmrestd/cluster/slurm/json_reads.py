"""Jobs and nodes from `squeue --json` / `sinfo --json` (Slurm 22.05).

Both commands print exactly the v0.0.38 REST body of /jobs and /nodes (the
same plugin writes them), so each record goes through that version's parser.
22.05's `squeue --json` ignores its filters (`--jobs` included) and always
lists every job, so picking one job is done here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import orjson

from slurmrestd.api.versions.v0_0_38.jobs import parse_job
from slurmrestd.api.versions.v0_0_38.nodes import parse_node
from slurmrestd.cluster.errors import Errno, SlurmError, error_text
from slurmrestd.model.job import Job
from slurmrestd.model.node import Node

T = TypeVar("T")


def _body(text: str, source: str) -> dict[str, Any]:
    """The JSON document a command printed; its first error (if any) raised.

    Raises:
        SlurmError: unreadable output, or the command reported an error in it.
    """
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise SlurmError(Errno.REST_FAIL_PARSING, f"{source} printed no JSON", source) from None
    if not isinstance(body, dict):
        raise SlurmError(Errno.REST_FAIL_PARSING, f"{source} printed no JSON object", source)
    for entry in body.get("errors") or ():
        if isinstance(entry, Mapping):
            number = entry.get("error_number", entry.get("errno", Errno.UNSPECIFIED))
            number = number if isinstance(number, int) else Errno.UNSPECIFIED
            text_value = entry.get("description") or entry.get("error") or error_text(number)
            raise SlurmError(number, str(text_value), str(entry.get("source") or source))
    return body


def _records(text: str, key: str, source: str, parse: Callable[[dict[str, Any]], T]) -> list[T]:
    records = _body(text, source).get(key)
    if not isinstance(records, list):
        raise SlurmError(Errno.REST_FAIL_PARSING, f"{source} printed no {key!r} list", source)
    try:
        return [parse(record) for record in records]
    except (KeyError, ValueError, TypeError) as exc:
        text_value = f"{source} printed a {key} record we cannot read: {exc}"
        raise SlurmError(Errno.REST_FAIL_PARSING, text_value, source) from None


def jobs_from_squeue(text: str) -> tuple[Job, ...]:
    """Every job of `squeue --json` output.

    Raises:
        SlurmError: the output is not the expected document.
    """
    return tuple(_records(text, "jobs", "squeue", parse_job))


def nodes_from_sinfo(text: str) -> tuple[Node, ...]:
    """Every node of `sinfo --json` output.

    Raises:
        SlurmError: the output is not the expected document.
    """
    return tuple(_records(text, "nodes", "sinfo", parse_node))


def select_job(jobs: Sequence[Job], job_id: str) -> tuple[Job, ...]:
    """The records GET /job/{job_id} answers, as slurm_load_job gives them.

    "12": job 12, or every task of array 12, or every component of het job 12;
    "12_3": task 3 of array 12; "12+1": component 1 of het job 12.

    Raises:
        SlurmError: 2017 when nothing matches (unknown, or purged after MinJobAge).
    """
    text_id = job_id.strip()
    base, _, task = text_id.partition("_")
    leader, _, offset = base.partition("+")
    if not leader.isdigit() or (task and not task.isdigit()) or (offset and not offset.isdigit()):
        raise SlurmError(Errno.INVALID_JOB_ID, error_text(Errno.INVALID_JOB_ID), "slurm_load_job")
    number = int(leader)
    if task:
        wanted = [
            j
            for j in jobs
            if j.array_job_id == number
            and (j.array_task_id == int(task) or _still_pending(j, int(task)))
        ]
    elif offset:
        wanted = [j for j in jobs if j.het_job_id == number and j.het_job_offset == int(offset)]
    else:
        wanted = [
            j
            for j in jobs
            if j.job_id == number or j.array_job_id == number or j.het_job_id == number
        ]
    if not wanted:
        raise SlurmError(Errno.INVALID_JOB_ID, error_text(Errno.INVALID_JOB_ID), "slurm_load_job")
    return tuple(wanted)


def _still_pending(job: Job, task: int) -> bool:
    """Whether an array's meta record still holds `task` among its unsplit tasks ("0-4%2")."""
    if job.array_task_id is not None or not job.array_task_string:
        return False
    spec = job.array_task_string.split("%", 1)[0]
    for part in spec.split(","):
        first, _, last = part.partition("-")
        step_last, _, step = last.partition(":")
        if not first.isdigit():
            continue
        low, high = int(first), int(step_last) if step_last.isdigit() else int(first)
        stride = int(step) if step.isdigit() and int(step) > 0 else 1
        if low <= task <= high and (task - low) % stride == 0:
            return True
    return False
