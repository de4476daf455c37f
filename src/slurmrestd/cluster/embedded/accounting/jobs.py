"""Selecting job records the way sacct does, and the stored changes to them.

Rules (sacct(1), "-S", "-E", "-s"): without a state filter a job matches when
it existed at some moment of the window (submitted before its end, not ended
before its start). With a state filter the job must have been in one of the
states during the window, and an unset window is "now": finished jobs match
by their end time, running ones by their run time, pending ones by their wait.
So `?state=COMPLETED` alone finds nothing, as the 22.05 capture
GET_slurmdb_v0.0.38_jobs__filter_account shows.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
from collections.abc import Iterable

from slurmrestd.cluster.accounting import JobChanges, JobFilter
from slurmrestd.cluster.embedded.accounting import codec
from slurmrestd.hostlist import HostlistError, expand
from slurmrestd.model.accounting_job import AccountingJob

_FOREVER = 2**63
_RUNNING = {"RUNNING", "SUSPENDED", "COMPLETING", "REQUEUED", "RESIZING", "SIGNALING"}
_ACTIVE = _RUNNING | {"PENDING", "CONFIGURING"}
_JOB_ID = re.compile(r"(\d+)(?:_(\d+)|\+(\d+))?(?:\.[\w-]+)?")


def is_active(job: AccountingJob) -> bool:
    """Still pending or running (such jobs pin their association)."""
    return job.state.split(" ", 1)[0] in _ACTIVE


def parse_job_id(text: str) -> tuple[int, int | None, int | None] | None:
    """ "12" -> (12, None, None), "12_3" -> (12, 3, None), "12+1" -> (12, None, 1)."""
    match = _JOB_ID.fullmatch(text.strip())
    if match is None:
        return None
    job, task, offset = match.groups()
    return int(job), None if task is None else int(task), None if offset is None else int(offset)


def id_matches(job: AccountingJob, wanted: tuple[int, int | None, int | None]) -> bool:
    number, task, offset = wanted
    if task is not None:
        return job.array_job_id == number and job.array_task_id == task
    if offset is not None:
        return job.het_job_id == number and job.het_job_offset == offset
    return number in (job.job_id, job.array_job_id, job.het_job_id)


def _window_match(job: AccountingJob, start: int, end: int) -> bool:
    begun = job.submission if job.submission is not None else job.start
    return (begun or 0) <= end and (job.end if job.end else _FOREVER) >= start


def _state_match(job: AccountingJob, states: set[str], start: int, end: int) -> bool:
    state = job.state.split(" ", 1)[0]
    if state not in states:
        return False
    if state == "PENDING":
        waited_from = job.eligible or job.submission or 0
        return waited_from <= end and (job.start or _FOREVER) >= start
    if state in _RUNNING:
        return (job.start or 0) <= end and (job.end or _FOREVER) >= start
    return job.end is not None and start <= job.end <= end


def _nodes(job: AccountingJob) -> set[str]:
    if not job.nodes:
        return set()
    try:
        return set(expand(job.nodes))
    except HostlistError:
        return {job.nodes}


def _return_code(job: AccountingJob) -> int | None:
    raw = job.exit_code
    return os.WEXITSTATUS(raw) if raw is not None and os.WIFEXITED(raw) else None


def matches(job: AccountingJob, query: JobFilter, now: int) -> bool:
    checks = (
        (query.users, job.user),
        (query.groups, job.group),
        (query.accounts, job.account),
        (query.clusters, job.cluster),
        (query.partitions, job.partition),
        (query.qos, job.qos),
        (query.job_names, job.name),
        (query.reasons, job.state_reason),
        (query.reservations, job.reservation_name),
        (query.reservation_ids, job.reservation_id),
        (query.wckeys, job.wckey),
        (query.constraints, job.constraints),
        (query.association_ids, job.association.id if job.association else None),
    )
    if any(wanted and value not in wanted for wanted, value in checks):
        return False
    if query.job_ids:
        ids = [parse_job_id(text) for text in query.job_ids]
        if not any(wanted is not None and id_matches(job, wanted) for wanted in ids):
            return False
    if query.nodes and not _nodes(job) & set(query.nodes):
        return False
    if not query.fits_size(job):
        return False
    if query.exit_code is not None and _return_code(job) != query.exit_code:
        return False
    if query.submit_time is not None and (job.submission or 0) < query.submit_time:
        return False
    if query.states:
        start = query.start_time if query.start_time is not None else now
        end = query.end_time if query.end_time is not None else now
        return _state_match(job, {s.upper() for s in query.states}, start, end)
    if query.start_time is None and query.end_time is None:
        return True
    start = query.start_time if query.start_time is not None else 0
    end = query.end_time if query.end_time is not None else _FOREVER
    return _window_match(job, start, end)


def select(jobs: Iterable[AccountingJob], query: JobFilter, now: int) -> list[AccountingJob]:
    picked = [job for job in jobs if matches(job, query, now)]
    if query.skip_steps:
        picked = [dataclasses.replace(job, steps=()) for job in picked]
    return picked


# Stored changes (sacctmgr modify job): applied over the records the job source gives.


def load_changes(conn: sqlite3.Connection) -> dict[tuple[str, int], JobChanges]:
    rows = conn.execute("SELECT cluster, job_id, record FROM job_changes")
    return {(c, j): codec.loads(JobChanges, r) for c, j, r in rows}


def save_changes(conn: sqlite3.Connection, cluster: str, job_id: int, changes: JobChanges) -> None:
    row = conn.execute(
        "SELECT record FROM job_changes WHERE cluster=? AND job_id=?", (cluster, job_id)
    ).fetchone()
    merged = changes
    if row is not None:
        old = codec.loads(JobChanges, row[0])
        given = {f.name: getattr(changes, f.name) for f in dataclasses.fields(changes)}
        merged = dataclasses.replace(old, **{k: v for k, v in given.items() if v is not None})
    conn.execute(
        "INSERT INTO job_changes (cluster, job_id, record) VALUES (?, ?, ?)"
        " ON CONFLICT (cluster, job_id) DO UPDATE SET record=excluded.record",
        (cluster, job_id, codec.dumps(merged)),
    )


def apply_changes(job: AccountingJob, changes: JobChanges | None) -> AccountingJob:
    if changes is None:
        return job
    # JobChanges names its fields as AccountingJob does.
    given = {f.name: getattr(changes, f.name) for f in dataclasses.fields(changes)}
    return dataclasses.replace(job, **{k: v for k, v in given.items() if v is not None})
