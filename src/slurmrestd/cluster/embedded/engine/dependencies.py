"""Job dependencies: parse "afterok:12:13,singleton" / "afterany:4?afternotok:5" and
decide whether a pending job's dependency is satisfied, still waiting, or can never be.

`,` joins terms that must all hold, `?` terms of which one suffices; the two
cannot be mixed (as in Slurm). A referenced job that no longer exists counts
as satisfied, like a purged job in Slurm.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from slurmrestd.cluster.embedded.engine.arrays import JobRef, parse_job_ref
from slurmrestd.cluster.embedded.engine.records import JobRecord, JobState


class DepKind(enum.StrEnum):
    AFTER = "after"  # the job started (or ended), plus an optional delay
    AFTERANY = "afterany"  # the job ended, in any state
    AFTEROK = "afterok"  # the job completed with exit 0
    AFTERNOTOK = "afternotok"  # the job ended in a failed state
    AFTERCORR = "aftercorr"  # the same array index of the other array completed
    SINGLETON = "singleton"  # no earlier job of this user and name is active


class DepStatus(enum.Enum):
    SATISFIED = "satisfied"
    WAITING = "waiting"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class DepTerm:
    kind: DepKind
    job: JobRef | None = None  # None only for singleton
    delay_minutes: int = 0  # "after:12+5"


@dataclass(frozen=True, slots=True)
class Dependency:
    terms: tuple[DepTerm, ...]
    any_of: bool = False

    @property
    def job_refs(self) -> tuple[JobRef, ...]:
        return tuple(t.job for t in self.terms if t.job is not None)


_ITEM = re.compile(r"([a-z]+)(?::(.*))?")
_JOB_DELAY = re.compile(r"([0-9_\[\],\-]+?)(?:\+(\d+))?")


def parse_dependency(text: str) -> Dependency:
    """Parse a --dependency value.

    Raises:
        ValueError: unknown type, missing job ids, or ',' mixed with '?'.
    """
    text = text.strip()
    if "," in text and "?" in text:
        raise ValueError("dependency cannot mix ',' and '?'")
    any_of = "?" in text
    terms: list[DepTerm] = []
    for item in text.split("?" if any_of else ","):
        match = _ITEM.fullmatch(item.strip())
        if not match:
            raise ValueError(f"invalid dependency {item!r}")
        try:
            kind = DepKind(match.group(1))
        except ValueError:
            raise ValueError(f"unsupported dependency type {match.group(1)!r}") from None
        args = match.group(2)
        if kind is DepKind.SINGLETON:
            if args:
                raise ValueError("singleton takes no job id")
            terms.append(DepTerm(kind))
            continue
        if not args:
            raise ValueError(f"{kind} needs a job id")
        for arg in args.split(":"):
            job_delay = _JOB_DELAY.fullmatch(arg)
            if not job_delay:
                raise ValueError(f"invalid dependency job {arg!r}")
            ref = parse_job_ref(job_delay.group(1))
            terms.append(DepTerm(kind, ref, int(job_delay.group(2) or 0)))
    if not terms:
        raise ValueError("empty dependency")
    return Dependency(tuple(terms), any_of)


def _ended(job: JobRecord) -> bool:
    return job.state.finished and not job.completing


def _term_status(
    term: DepTerm, job: JobRecord, targets: Sequence[JobRecord], now: float
) -> DepStatus:
    if not targets:
        return DepStatus.SATISFIED
    if term.kind is DepKind.AFTER:
        for target in targets:
            if target.start_time is None:
                if not target.state.finished:
                    return DepStatus.WAITING
            elif now < target.start_time + term.delay_minutes * 60:
                return DepStatus.WAITING
        return DepStatus.SATISFIED
    if term.kind is DepKind.AFTERCORR:
        targets = [t for t in targets if t.array_task_id == job.array_task_id]
        return _term_status(DepTerm(DepKind.AFTEROK, term.job), job, targets, now)
    ended = [t for t in targets if _ended(t)]
    ok = [t for t in ended if t.state is JobState.COMPLETED]
    if term.kind is DepKind.AFTEROK and len(ok) < len(ended):
        return DepStatus.NEVER
    if len(ended) < len(targets):
        return DepStatus.WAITING
    if term.kind is DepKind.AFTERNOTOK and len(ok) == len(ended):
        return DepStatus.NEVER
    return DepStatus.SATISFIED


def evaluate(
    dep: Dependency,
    job: JobRecord,
    targets_of: Callable[[JobRef], Sequence[JobRecord]],
    singleton_free: Callable[[JobRecord], bool],
    now: float,
) -> DepStatus:
    """Where `job`'s dependency stands now.

    `targets_of` gives the jobs a reference names (all tasks for an array id);
    `singleton_free` says whether no other job of the same user and name blocks it.
    """
    statuses = []
    for term in dep.terms:
        if term.kind is DepKind.SINGLETON:
            status = DepStatus.SATISFIED if singleton_free(job) else DepStatus.WAITING
        else:
            assert term.job is not None
            status = _term_status(term, job, targets_of(term.job), now)
        statuses.append(status)
    if dep.any_of:
        if DepStatus.SATISFIED in statuses:
            return DepStatus.SATISFIED
        if all(s is DepStatus.NEVER for s in statuses):
            return DepStatus.NEVER
        return DepStatus.WAITING
    if DepStatus.NEVER in statuses:
        return DepStatus.NEVER
    if all(s is DepStatus.SATISFIED for s in statuses):
        return DepStatus.SATISFIED
    return DepStatus.WAITING
