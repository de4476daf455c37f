"""Changes users make to their jobs: update, hold, release. Pure rules on one record.

The caller has already checked that the user owns the job or is an operator.
Every function returns the changed record or raises SlurmError; none of them
touches processes or storage.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from slurmrestd.cluster.embedded.engine.admission import (
    MAX_NICE,
    PARTITION_NOT_AVAILABLE,
    check_capacity,
    explicit_priority,
)
from slurmrestd.cluster.embedded.engine.arrays import JobRef
from slurmrestd.cluster.embedded.engine.config import EngineConfig, PartitionState
from slurmrestd.cluster.embedded.engine.dependencies import parse_dependency
from slurmrestd.cluster.embedded.engine.records import HoldKind, JobRecord, JobState, Submitter
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.job_desc import JobDescription

SOURCE = "job_update"

# Fields an update may carry; anything else is refused, never silently dropped.
UPDATABLE = frozenset(
    {
        "time_limit",
        "time_minimum",
        "name",
        "comment",
        "admin_comment",
        "partition",
        "priority",
        "nice",
        "dependency",
        "hold",
        "begin_time",
        "deadline",
        "account",
        "qos",
        "wckey",
        "requeue",
    }
)
# Fields that only a pending job may change.
_PENDING_ONLY = frozenset(
    {"partition", "nice", "dependency", "begin_time", "account", "qos", "time_minimum"}
)


def _error(errno: Errno, description: str = "") -> SlurmError:
    return SlurmError(errno, description, SOURCE)


def _pending(job: JobRecord) -> bool:
    return job.state is JobState.PENDING and not job.completing


def hold(job: JobRecord, user: Submitter, admin: bool = False) -> JobRecord:
    """Hold a pending job (an administrator hold needs an operator).

    Raises:
        SlurmError: not pending (2073), or an administrator hold by a user (2002).
    """
    if not _pending(job):
        raise _error(Errno.JOB_NOT_PENDING)
    if admin and not user.is_operator:
        raise _error(Errno.ACCESS_DENIED)
    if job.held is HoldKind.ADMIN and not admin:
        return job  # a user hold does not weaken an administrator's
    return replace(job, held=HoldKind.ADMIN if admin else HoldKind.USER)


def release(job: JobRecord, user: Submitter, new_priority: int) -> JobRecord:
    """Release a held job; like priority/basic it queues behind the jobs already waiting.

    Raises:
        SlurmError: not pending (2073), or an administrator hold released by a user (2002).
    """
    if not _pending(job):
        raise _error(Errno.JOB_NOT_PENDING)
    if job.held is None:
        return job
    if job.held is HoldKind.ADMIN and not user.is_operator:
        raise _error(Errno.ACCESS_DENIED)
    return replace(job, held=None, base_priority=new_priority)


def update(
    job: JobRecord,
    user: Submitter,
    desc: JobDescription,
    config: EngineConfig,
    job_exists: Callable[[JobRef], bool],
    new_priority: int,
) -> JobRecord:
    """Apply the fields given in `desc`.

    Raises:
        SlurmError: 2084 finished, 2073 not pending, 2002 not allowed for a user,
            2000 unknown partition, 2038 bad dependency, 2051 time limit,
            2036 a field this engine cannot change.
    """
    given = desc.given()
    unknown = sorted(set(given) - UPDATABLE)
    if unknown:
        raise _error(Errno.NOT_SUPPORTED, f"cannot update {', '.join(unknown)}")
    if job.state.finished:
        raise _error(Errno.JOB_FINISHED)
    if not _pending(job) and _PENDING_ONLY & set(given):
        raise _error(Errno.JOB_NOT_PENDING)
    changes: dict[str, object] = {}
    for key in ("name", "comment", "account", "qos", "wckey", "deadline", "begin_time", "requeue"):
        if key in given:
            changes[key] = given[key]
    if "admin_comment" in given:
        if not user.is_operator:
            raise _error(Errno.ACCESS_DENIED)
        changes["admin_comment"] = given["admin_comment"]
    if "time_limit" in given:
        changes["time_limit"] = _new_time_limit(job, user, given["time_limit"], config)
    if "time_minimum" in given:
        changes["time_minimum"] = float(given["time_minimum"])
    if "partition" in given:
        changes["partition"] = _new_partition(job, given["partition"], config)
    if "nice" in given:
        nice = int(given["nice"])
        if abs(nice) > MAX_NICE:
            raise _error(Errno.INVALID_NICE)
        if nice < 0 and not user.is_operator:
            raise _error(Errno.ACCESS_DENIED)
        changes["nice"] = nice
    if "dependency" in given:
        changes["dependency"] = _new_dependency(job, given["dependency"], job_exists)
    if "priority" in given:
        if not user.is_operator:
            raise _error(Errno.ACCESS_DENIED)
        priority = explicit_priority(given["priority"])
        if priority == 0:
            changes["held"] = HoldKind.ADMIN
        else:
            changes["base_priority"] = priority + int(changes.get("nice", job.nice))
            changes["held"] = None if job.held is HoldKind.ADMIN else job.held
    updated = replace(job, **changes)
    if "hold" in given:
        if given["hold"]:
            updated = hold(updated, user, admin=False)
        else:
            updated = release(updated, user, new_priority)
    return updated


def _new_time_limit(job: JobRecord, user: Submitter, value: float, config: EngineConfig) -> float:
    limit = math.inf if value in (0, math.inf) else float(value)
    if limit < 0:
        raise _error(Errno.INVALID_TIME_LIMIT)
    if user.is_operator:
        return limit
    if limit > job.time_limit:
        raise _error(Errno.ACCESS_DENIED)  # only operators may extend a limit
    part = config.partition(job.partition)
    if part is not None and limit > part.max_time and config.enforce_part_limits:
        raise _error(Errno.INVALID_TIME_LIMIT)
    return limit


def _new_partition(job: JobRecord, name: str, config: EngineConfig) -> str:
    part = config.partition(name)
    if part is None:
        raise _error(Errno.INVALID_PARTITION_NAME)
    if part.state in (PartitionState.DRAIN, PartitionState.INACTIVE):
        raise _error(Errno.PARTITION_NOT_AVAIL, PARTITION_NOT_AVAILABLE)
    check_capacity(config, part, job)
    return part.name


def _new_dependency(job: JobRecord, text: str, job_exists: Callable[[JobRef], bool]) -> str | None:
    if not text:
        return None
    try:
        dep = parse_dependency(text)
    except ValueError as exc:
        raise _error(Errno.DEPENDENCY, str(exc)) from None
    for ref in dep.job_refs:
        if ref.job_id in (job.job_id, job.array_job_id) or not job_exists(ref):
            raise _error(Errno.DEPENDENCY)
    return text
