"""Bulk signalling (DELETE /jobs) over Slurm 22.05: which jobs a KillJobsFilter selects,
the one `scancel` that signals them, and one outcome per job from what it printed.

Pure functions over the job table (`squeue --json` records). The selection
is made here, not by scancel's own filters: those act for the process's uid,
which is the daemon's, not the token's user. Rules (the embedded backend's):
- named jobs are signalled whatever their state unless other criteria narrow
  them; an unknown id is an outcome of its own (2017);
- without ids, only pending, running and suspended jobs unless states are
  given, and only the caller's own jobs unless the caller is an operator.
Facts used (seen on the testbed): `scancel -v` prints "Kill job error on job
id <id>: <text>" per refused job and nothing per signalled one; signalling a
pending job with anything but SIGKILL makes scancel retry for ~95 s
("transitional state"), so such jobs get slurmctld's answer (2020) directly.
"""

from __future__ import annotations

import re
import signal as signals
from collections.abc import Iterable, Sequence
from dataclasses import replace

from slurmrestd.cluster.errors import Errno, SlurmError, error_text
from slurmrestd.cluster.slurm.commands import errno_from_text
from slurmrestd.cluster.slurm.json_reads import select_job
from slurmrestd.hostlist import HostlistError, expand
from slurmrestd.model.job import Job, JobState
from slurmrestd.model.job_control import JobOutcome, KillJobsFilter

SOURCE = "slurm_kill_jobs"
ACTIVE_STATES = frozenset({JobState.PENDING, JobState.RUNNING, JobState.SUSPENDED})
_KILL_ERROR = re.compile(r"Kill job error on job id (?P<id>\S+): (?P<text>.+)$")


def leading_id(text: str) -> int:
    """12 of "12", "12_3" or "12+1"; 0 when there is none."""
    head = re.split(r"[_+]", text.strip(), maxsplit=1)[0]
    return int(head) if head.isascii() and head.isdigit() else 0


def _nodes(job: Job) -> set[str]:
    try:
        return set(expand(job.nodes)) if job.nodes else set()
    except HostlistError:
        return set()


def matches(job: Job, selection: KillJobsFilter) -> bool:
    """Whether the job meets every criterion the filter gives."""
    if selection.states:
        if job.state not in selection.states:
            return False
    elif job.state not in ACTIVE_STATES or "COMPLETING" in job.state_flags:
        return False  # by default only jobs still queued or running, as scancel
    return selection.takes(
        account=job.account,
        job_name=job.name,
        partition=job.partition,
        qos=job.qos,
        reservation=job.resv_name,
        user_id=job.user_id,
        user_name=job.user_name,
        wckey=job.wckey,
        nodes=_nodes(job),
    )


def select_targets(
    jobs: Sequence[Job], selection: KillJobsFilter, user_name: str, operator: bool
) -> tuple[list[Job], list[JobOutcome]]:
    """The jobs to signal, and outcomes already known (unknown ids).

    Raises:
        SlurmError: REST_INVALID_QUERY for a filter that selects nothing at all.
    """
    if not selection.selects_anything:
        errno = Errno.REST_INVALID_QUERY
        raise SlurmError(errno, "no jobs selected: give job ids or a filter", SOURCE)
    if not selection.jobs:
        mine = [j for j in jobs if (operator or j.user_name == user_name) and matches(j, selection)]
        return sorted(mine, key=lambda j: j.job_id), []
    narrowed = replace(selection, jobs=()).selects_anything
    targets: list[Job] = []
    known: list[JobOutcome] = []
    for text in selection.jobs:
        try:
            found = select_job(jobs, text)
        except SlurmError as exc:
            known.append(JobOutcome(leading_id(text), exc.errno, exc.description))
            continue
        targets += [j for j in found if not narrowed or matches(j, selection)]
    return targets, known


def target_id(job: Job) -> str:
    """The scancel id that names exactly this record ("12_3"; "12_[4-6]" for an
    array's still pending tasks; the leader of a heterogeneous job)."""
    if job.het_job_id:
        return str(job.het_job_id)
    if job.array_job_id and job.array_task_id is not None:
        return f"{job.array_job_id}_{job.array_task_id}"
    if job.array_job_id and job.array_task_string:
        return f"{job.array_job_id}_[{job.array_task_string.split('%', 1)[0]}]"
    return str(job.job_id)


def would_retry(job: Job, signal: int) -> bool:
    """Whether scancel would sit retrying this job (a signal other than KILL to a
    pending job, which slurmctld answers with "try again later")."""
    return job.state is JobState.PENDING and signal != signals.SIGKILL


def scancel_command(ids: Iterable[str], signal: int, flags: frozenset[str]) -> list[str]:
    """One scancel for every id; SIGKILL without flags is a plain cancel."""
    argv = ["scancel", "-v"]
    if signal != signals.SIGKILL or flags:
        argv.append(f"--signal={signal}")
    if "BATCH_JOB" in flags:
        argv.append("--batch")
    if flags & {"FULL_JOB", "FULL_STEPS_ONLY"}:
        argv.append("--full")
    return [*argv, *dict.fromkeys(ids)]


def refused(stderr: str) -> dict[str, tuple[int, str]]:
    """Per scancel id, the error it printed."""
    out: dict[str, tuple[int, str]] = {}
    for line in stderr.splitlines():
        match = _KILL_ERROR.search(line)
        if match is not None:
            text = match["text"].strip()
            number = errno_from_text(text)
            out.setdefault(match["id"], (Errno.UNSPECIFIED if number is None else number, text))
    return out


def outcomes(targets: Sequence[Job], stderr: str, gave_up: bool) -> list[JobOutcome]:
    """One outcome per target of a scancel run (stopped early when `gave_up`).

    A job stopped before scancel said anything about it cannot be known to have
    been signalled: it gets "try again later" (2020), as slurmctld answered.
    """
    errors = refused(stderr)
    retry = (int(Errno.TRANSITION_STATE_NO_UPDATE), error_text(Errno.TRANSITION_STATE_NO_UPDATE))
    out = []
    for job in targets:
        found = errors.get(target_id(job))
        if found is None and gave_up:
            found = retry
        if found is None:
            out.append(JobOutcome(job.job_id))
        else:
            out.append(JobOutcome(job.job_id, found[0], found[1]))
    return out


def retry_outcome(job: Job) -> JobOutcome:
    errno = Errno.TRANSITION_STATE_NO_UPDATE
    return JobOutcome(job.job_id, errno, error_text(errno))
