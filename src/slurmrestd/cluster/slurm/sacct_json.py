"""Job records from `sacct --json` (Slurm 22.05): the command line and the parse.

22.05's sacct prints exactly the dbv0.0.38 /jobs body (same plugin code; the
testbed shows identical bodies), so each record is read with that version's
parser, as json_reads.py does for squeue.

The 22.05 REST daemon asks slurmdbd in two ways: with no query at all it
sends no conditions (slurmdbd's defaults: every cluster, one record per job,
times truncated), with any query parameter it asks for duplicates (-D), no
truncation and the local cluster unless clusters are named. What sacct does
differently, and how it is evened out here:
- sacct lists only the caller's jobs (-a: everyone's) since midnight (-S:
  given, else the epoch unless states are asked for; then sacct's "now" is
  the REST default too); with states and a start only, sacct ends the window
  at the start, the REST default is now;
- for the unconditioned list (-L: every cluster) sacct still prints every
  record of a requeued job: only the newest is kept (where it was printed),
  and a job cancelled before it became eligible gets its end as start, as
  slurmdbd's truncation gives it (seen on the testbed);
- filters sacct has no option for (reason, reservation, constraints, submit
  time, CPU/node counts) are applied to the parsed records, and so is the
  user filter: 22.05's `sacct --json` ignores -u (it lists every user's jobs
  with -u bob, seen on the testbed, while the text output obeys);
- the JSON reduces every normal exit to SUCCESS/0 (22.05's dumper tests
  WIFEXITED only; the C daemon answers the same): the real codes come from a
  text run of the same selection (sacct_exit_codes), and select() filters on
  them;
- the JSON writes a numbered step's id as a number and says where a step's
  usage peaked ("node"/"task" beside its max/min TRES); both are read here,
  ahead of the dbv0.0.38 parser.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson

from slurmrestd.api.versions.dbv0_0_38.jobs import parse_job
from slurmrestd.cluster.accounting import JobFilter
from slurmrestd.cluster.errors import Errno, SlurmError, error_text
from slurmrestd.model.accounting_job import (
    AccountingJob,
    AccountingStep,
    ExitStatus,
    split_exit_code,
)

SOURCE = "slurmdb_jobs_get"
EPOCH = 0
_JOB_ID = re.compile(r"\d+(?:_\d+|\+\d+)?(?:\.(?:\d+|batch|extern|interactive))?")

LocalTime = Callable[[float], time.struct_time]


def check_job_id(job_id: str) -> str:
    """A job id sacct -j takes ("12", "12_3", "12+1", "12.batch").

    Raises:
        SlurmError: 2017 for anything else (sacct would exit fatally).
    """
    text = job_id.strip()
    if not _JOB_ID.fullmatch(text):
        raise SlurmError(Errno.INVALID_JOB_ID, f"invalid job id {job_id!r}", SOURCE)
    return text


def _when(unix: int, local_time: LocalTime) -> str:
    # sacct reads times in the local zone; the child has the daemon's TZ.
    return time.strftime("%Y-%m-%dT%H:%M:%S", local_time(unix))


def _listed(option: str, values: Iterable[object]) -> list[str]:
    items = [str(v) for v in values]
    return [option, ",".join(items)] if items else []


UNCONDITIONED = JobFilter()  # GET /jobs without any query parameter


def selection(query: JobFilter, local_time: LocalTime = time.localtime) -> list[str]:
    """sacct's options selecting what `query` asks for (output options aside)."""
    args: list[str] = []
    if query.start_time is not None:
        args += ["-S", _when(query.start_time, local_time)]
    elif not query.states:
        args += ["-S", _when(EPOCH, local_time)]
    if query.end_time is not None:
        args += ["-E", _when(query.end_time, local_time)]
    elif query.states and query.start_time is not None:
        args += ["-E", "now"]  # sacct would end the window at its start
    args += _listed("-j", (check_job_id(j) for j in query.job_ids))
    args.append("-a")  # users are picked from the records (see kept)
    if query == UNCONDITIONED:
        return [*args, "-L"]
    args.append("-D")
    args += _listed("-M", query.clusters)
    args += _listed("-g", query.groups)
    args += _listed("-A", query.accounts)
    args += _listed("-x", query.association_ids)
    args += _listed("-r", query.partitions)
    args += _listed("-q", query.qos)
    args += _listed("-s", query.states)
    args += _listed("--name", query.job_names)
    args += _listed("-N", query.nodes)
    args += _listed("-W", query.wckeys)
    return args


def empty_window(query: JobFilter, now: float) -> bool:
    """A window that ends before it starts: nothing to find (sacct would refuse to run)."""
    if query.start_time is None:
        return False
    end = query.end_time if query.end_time is not None else now
    return query.start_time > end


def sacct_command(query: JobFilter, local_time: LocalTime = time.localtime) -> tuple[str, ...]:
    """`sacct --json` with the options for `query`.

    Raises:
        SlurmError: 2017 for a job id sacct would refuse.
    """
    return ("sacct", "--json", *selection(query, local_time))


def _body(text: str) -> dict[str, Any]:
    """sacct's document; its errors raised, except "nothing found" (an empty list).

    Raises:
        SlurmError: unreadable output, or an error sacct reported.
    """
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise SlurmError(Errno.REST_FAIL_PARSING, "sacct printed no JSON", SOURCE) from None
    if not isinstance(body, dict) or not isinstance(body.get("jobs", []), list):
        raise SlurmError(Errno.REST_FAIL_PARSING, "sacct printed no jobs list", SOURCE)
    for entry in body.get("errors") or ():
        if not isinstance(entry, Mapping):
            continue
        number = entry.get("error_number", Errno.UNSPECIFIED)
        number = number if isinstance(number, int) else int(Errno.UNSPECIFIED)
        if number == Errno.REST_EMPTY_RESULT:
            continue
        description = str(entry.get("description") or entry.get("error") or error_text(number))
        raise SlurmError(number, description, str(entry.get("source") or SOURCE))
    return body


# Where a step's usage peaked: 22.05 writes "node" and "task" beside each TRES of
# a step's requested/consumed max and min; taken out for the dbv0.0.38 parser
# (whose TRES rows lack them) and put back into the canonical Tres.
PEAK_KEYS = ("node", "task")
PEAK_LISTS = {
    ("requested", "max"): "tres_requested_max",
    ("requested", "min"): "tres_requested_min",
    ("consumed", "max"): "tres_consumed_max",
    ("consumed", "min"): "tres_consumed_min",
}

Peak = tuple[str | None, int | None]  # (node, task)
Peaks = dict[str, list[Peak]]  # step attribute -> one per TRES of the list


def _field(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _peak(tres: Any) -> Peak:
    """The (node, task) of one TRES, removed from its JSON (odd types read as unset)."""
    if not isinstance(tres, dict):
        return None, None
    node, task = tres.pop("node", None), tres.pop("task", None)
    return (
        node if isinstance(node, str) else None,
        task if isinstance(task, int) and not isinstance(task, bool) else None,
    )


def _take_peaks(step: Any) -> Peaks:
    peaks: Peaks = {}
    for (side, extreme), attr in PEAK_LISTS.items():
        items = _field(_field(_field(step, "tres"), side), extreme)
        if isinstance(items, list):
            peaks[attr] = [_peak(tres) for tres in items]
    return peaks


def _step_id_as_text(step: Any) -> None:
    # 22.05 writes a numbered step's id as a number, a named one ("batch") as text.
    ids = _field(step, "step")
    if isinstance(ids, dict) and isinstance(ids.get("id"), int):
        ids["id"] = str(ids["id"])


def _with_peaks(step: AccountingStep, peaks: Peaks) -> AccountingStep:
    changes = {}
    for attr, where in peaks.items():
        entries = getattr(step, attr)
        if any(node is not None or task is not None for node, task in where):
            changes[attr] = tuple(
                dataclasses.replace(tres, node=node, task=task)
                for tres, (node, task) in zip(entries, where, strict=False)
            )
    return dataclasses.replace(step, **changes) if changes else step


def _parsed(record: Any) -> AccountingJob:
    steps = _field(record, "steps")
    steps = steps if isinstance(steps, list) else []
    peaks = [_take_peaks(step) for step in steps]
    for step in steps:
        _step_id_as_text(step)
    job = parse_job(record, SOURCE)
    if not any(peaks):
        return job
    with_peaks = tuple(_with_peaks(s, p) for s, p in zip(job.steps, peaks, strict=False))
    return dataclasses.replace(job, steps=with_peaks)


def jobs_from_sacct(text: str) -> list[AccountingJob]:
    """Every record of `sacct --json` output, in printed order.

    Raises:
        SlurmError: the output is not the expected document.
    """
    return [_parsed(record) for record in _body(text).get("jobs", [])]


def newest_records(jobs: Iterable[AccountingJob]) -> list[AccountingJob]:
    """One record per (cluster, job id): the latest submitted, where it was printed."""
    jobs = list(jobs)
    newest: dict[tuple[str | None, int], int] = {}
    for index, job in enumerate(jobs):
        key = (job.cluster, job.job_id)
        seen = newest.get(key)
        if seen is None or (job.submission or 0) >= (jobs[seen].submission or 0):
            newest[key] = index
    return [jobs[i] for i in sorted(newest.values())]


def kept(job: AccountingJob, query: JobFilter) -> bool:
    """The filters sacct has no (working) option for."""
    checks = (
        (query.users, job.user),
        (query.reasons, job.state_reason),
        (query.reservations, job.reservation_name),
        (query.reservation_ids, job.reservation_id),
        (query.constraints, job.constraints),
    )
    if any(wanted and value not in wanted for wanted, value in checks):
        return False
    if not query.fits_size(job):
        return False
    return query.submit_time is None or (job.submission or 0) >= query.submit_time


def select(
    jobs: Iterable[AccountingJob],
    query: JobFilter,
) -> list[AccountingJob]:
    """What the REST answer holds of sacct's records (merged with_exit_statuses)."""
    if query == UNCONDITIONED:
        return [_truncated(job) for job in newest_records(jobs)]
    picked = [job for job in jobs if kept(job, query)]
    if query.exit_code is not None:
        picked = [job for job in picked if _return_code(job.exit_code) == query.exit_code]
    if query.skip_steps:
        picked = [_without_steps(job) for job in picked]
    return picked


def _return_code(raw: int | None) -> int | None:
    """A normal exit's code; None for a signal or no exit yet."""
    parts = split_exit_code(raw)
    return parts.return_code if parts.status in (ExitStatus.SUCCESS, ExitStatus.ERROR) else None


def _truncated(job: AccountingJob) -> AccountingJob:
    if job.start is None and job.end is not None:
        return dataclasses.replace(job, start=job.end)
    return job


def _without_steps(job: AccountingJob) -> AccountingJob:
    return dataclasses.replace(job, steps=())
