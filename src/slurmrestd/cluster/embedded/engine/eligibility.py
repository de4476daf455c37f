"""Why a pending job may not start yet, for reasons other than free resources.

Checked in Slurm's order of precedence: hold, partition state, begin time,
dependency, partition limits. Pure: the caller supplies the dependency
lookups and the time.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence

from slurmrestd.cluster.embedded.engine.arrays import JobRef
from slurmrestd.cluster.embedded.engine.config import PartitionConfig, PartitionState
from slurmrestd.cluster.embedded.engine.dependencies import (
    Dependency,
    DepKind,
    DepStatus,
    evaluate,
    parse_dependency,
)
from slurmrestd.cluster.embedded.engine.records import HoldKind, JobRecord, JobState, Reason


@functools.lru_cache(maxsize=4096)
def cached_dependency(text: str) -> Dependency:
    """Parsed dependency (the text was validated when it was set)."""
    return parse_dependency(text)


class JobIndex:
    """What dependency checks need to look up, built once per scheduling pass."""

    def __init__(
        self, jobs: dict[int, JobRecord], arrays: dict[int, list[int]], active: Iterable[JobRecord]
    ) -> None:
        self._jobs = jobs
        self._arrays = arrays
        self._active = active  # read once, on the first singleton check
        self._by_name: dict[tuple[int, str], list[JobRecord]] | None = None

    def targets(self, ref: JobRef) -> Sequence[JobRecord]:
        task_ids = self._arrays.get(ref.job_id)
        if task_ids is None:
            job = self._jobs.get(ref.job_id)
            if job is None:
                return ()
            if ref.task_ids is None or job.array_task_id in ref.task_ids:
                return (job,)
            return ()
        tasks = [self._jobs[i] for i in task_ids]
        if ref.task_ids is None:
            return tasks
        wanted = set(ref.task_ids)
        return [t for t in tasks if t.array_task_id in wanted]

    def singleton_free(self, job: JobRecord) -> bool:
        """No running job, and no earlier pending job, of this user with this name."""
        if self._by_name is None:
            self._by_name = defaultdict(list)
            for other in self._active:
                self._by_name[(other.user_id, other.name)].append(other)
        for other in self._by_name.get((job.user_id, job.name), ()):
            if other.job_id == job.job_id or (other.state.finished and not other.completing):
                continue
            if other.state is JobState.RUNNING or other.completing or other.job_id < job.job_id:
                return False
        return True


def hold_reason(job: JobRecord) -> Reason | None:
    """The reason a held job shows (None: not held)."""
    if job.held is None:
        return None
    return Reason.HELD_ADMIN if job.held is HoldKind.ADMIN else Reason.HELD_USER


def blocked_reason(
    job: JobRecord, part: PartitionConfig, index: JobIndex, now: float
) -> Reason | None:
    """The reason `job` cannot be considered for a start now, or None."""
    if job.held is not None:
        return hold_reason(job)
    if part.state is PartitionState.DOWN:
        return Reason.PARTITION_DOWN
    if part.state is PartitionState.INACTIVE:
        return Reason.PARTITION_INACTIVE
    if job.begin_time is not None and now < job.begin_time:
        return Reason.BEGIN_TIME
    if job.dependency:
        status = evaluate(
            cached_dependency(job.dependency), job, index.targets, index.singleton_free, now
        )
        if status is DepStatus.NEVER:
            return Reason.DEPENDENCY_NEVER
        if status is DepStatus.WAITING:
            return Reason.DEPENDENCY
    if job.time_limit > part.max_time:
        return Reason.PARTITION_TIME_LIMIT
    if job.min_nodes > part.max_nodes:
        return Reason.PARTITION_NODE_LIMIT
    return None


def has_delayed_after(job: JobRecord) -> bool:
    """Whether the job waits on an "after:<id>+<minutes>" term (a time, not an event)."""
    if not job.dependency:
        return False
    return any(
        t.kind is DepKind.AFTER and t.delay_minutes for t in cached_dependency(job.dependency).terms
    )
