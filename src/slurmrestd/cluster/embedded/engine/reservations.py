"""Advance reservations: validation of create/update requests, access, and what they
mean for scheduling. Pure rules: the caller supplies the time, the nodes, what running
jobs hold and the existing reservations.

Rules (slurmctld's, for the subset this engine honours):
- A reservation holds whole nodes from start_time to end_time. Jobs that name
  it run only there and then; other jobs do not start on its nodes if their time
  limit would reach into the window.
- It needs an end (end_time or duration), nodes (node_list, "ALL" or
  node_count) and someone to serve (users, accounts or groups).
- Two reservations may share nodes at the same time only if one of them has
  OVERLAP or MAINT; nodes busy with running jobs during the window are refused
  unless IGNORE_JOBS or MAINT is given.
- Core, license, burst buffer and TRES reservations and recurring/floating
  flags are not supported: they are refused, never silently dropped.
"""

from __future__ import annotations

import grp
import math
import pwd
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.embedded.engine.config import EngineConfig
from slurmrestd.cluster.embedded.engine.records import JobRecord, Reason, Submitter
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.hostlist import HostlistError, expand
from slurmrestd.model.reservation_request import ReservationRequest

SOURCE = "reservation"
BUSY_TEXT = "Requested nodes are busy"
OVERLAP_TEXT = "Requested reservation overlaps with another reservation"
ACCESS_TEXT = "Access denied to requested reservation"
IN_USE_TEXT = "Reservation is busy: jobs are running in it"
# slurmctld refuses a start further in the past than this (seconds).
MAX_PAST_START = 600
# What an infinite duration becomes (slurmctld uses one year as well).
YEAR_SECONDS = 365 * 24 * 3600
# The last moment a time_t (int64) holds: a window must end by then.
LATEST_TIME = 2**63 - 1

# Flags kept as given; the NO_* forms clear them on update.
KEPT_FLAGS = frozenset(
    {
        "MAINT",
        "IGNORE_JOBS",
        "OVERLAP",
        "SPEC_NODES",
        "ALL_NODES",
        "PART_NODES",
        "STATIC",
        "NO_HOLD_JOBS_AFTER_END",
        "USER_DELETE",
        "PURGE_COMP",
    }
)
CLEARING_FLAGS = {f"NO_{flag}": flag for flag in KEPT_FLAGS if not flag.startswith("NO_")}
CLEARING_FLAGS.update({"NO_USER_DELETE": "USER_DELETE", "NO_PURGE_COMP": "PURGE_COMP"})


@dataclass(frozen=True, slots=True)
class ReservationRecord:
    name: str
    nodes: tuple[str, ...]
    start_time: int
    end_time: int
    users: str = ""
    accounts: str = ""
    groups: str = ""
    partition: str = ""
    flags: frozenset[str] = frozenset()
    comment: str = ""
    features: str = ""
    max_start_delay: int = 0
    purge_completed_time: int | None = None

    def active(self, now: float) -> bool:
        return self.start_time <= now < self.end_time

    def overlaps(self, start: float, end: float) -> bool:
        """Whether the window [start, end) meets this reservation's."""
        return self.start_time < end and start < self.end_time

    @property
    def shares_nodes(self) -> bool:
        """Whether another reservation may hold the same nodes at the same time."""
        return bool(self.flags & {"OVERLAP", "MAINT"})

    @property
    def ignores_jobs(self) -> bool:
        return bool(self.flags & {"IGNORE_JOBS", "MAINT"})


def _error(errno: Errno, description: str = "") -> SlurmError:
    return SlurmError(errno, description, SOURCE)


# ------------------------------------------------------------------ access --


def _names(text: str) -> tuple[set[str], bool]:
    """A comma list as (names, deny): "-a,b" denies a and b."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    deny = bool(items) and items[0].startswith("-")
    return {item.lstrip("-") for item in items}, deny


def _listed(text: str, wanted: Iterable[str]) -> bool | None:
    """True/False if `text` decides for one of `wanted`; None if it names no one."""
    names, deny = _names(text)
    if not names:
        return None
    hit = any(w in names for w in wanted)
    return not hit if deny else hit


def user_groups(user: Submitter) -> set[str]:
    """The user's primary group and the groups that list them as a member."""
    groups = {user.group_name}
    for entry in grp.getgrall():
        if user.user_name in entry.gr_mem:
            groups.add(entry.gr_name)
    return groups


def allows(resv: ReservationRecord, user: Submitter, account: str | None) -> bool:
    """Whether a job of `user` charged to `account` may use the reservation.

    Users and groups admit people; when accounts are listed too, the job's
    account must match as well (scontrol(1): "a job must match both").
    """
    if user.is_operator:
        return True
    person: bool | None = None
    if resv.users:
        person = _listed(resv.users, (user.user_name,))
    if resv.groups:
        in_group = _listed(resv.groups, user_groups(user))
        person = in_group if person is None else bool(person or in_group)
    checks = [] if person is None else [person]
    if resv.accounts:
        checks.append(_listed(resv.accounts, (account,) if account else ()))
    return bool(checks) and all(checks)


def check_job(
    reservations: Mapping[str, ReservationRecord], name: str, user: Submitter, account: str | None
) -> None:
    """Refuse a job naming an unknown reservation or one the user may not use."""
    resv = reservations.get(name)
    if resv is None:
        raise SlurmError(Errno.RESERVATION_INVALID, f"reservation {name!r} not found", SOURCE)
    if not allows(resv, user, account):
        raise SlurmError(Errno.RESERVATION_ACCESS, ACCESS_TEXT, SOURCE)


# -------------------------------------------------------------- scheduling --


def wait_reason(
    job: JobRecord, reservations: Mapping[str, ReservationRecord], now: float
) -> Reason | None:
    """Why a job that names a reservation cannot start now, or None."""
    if not job.reservation:
        return None
    resv = reservations.get(job.reservation)
    if resv is None or resv.end_time <= now:
        return Reason.RESERVATION_DELETED
    if now < resv.start_time:
        return Reason.RESERVATION
    return None


def usable_nodes(
    job: JobRecord,
    nodes: Sequence[str],
    reservations: Mapping[str, ReservationRecord],
    now: float,
    limit_seconds: float,
) -> tuple[str, ...]:
    """The candidate nodes a job may start on now, as reservations allow."""
    if job.reservation:
        resv = reservations.get(job.reservation)
        held = set(resv.nodes) if resv is not None else set()
        return tuple(n for n in nodes if n in held)
    blocked: set[str] = set()
    for resv in reservations.values():
        if resv.overlaps(now, now + limit_seconds):
            blocked.update(resv.nodes)
    return tuple(n for n in nodes if n not in blocked)


def job_deadline(job: JobRecord, reservations: Mapping[str, ReservationRecord]) -> float:
    """When a job running in a reservation must end: the reservation's end."""
    resv = reservations.get(job.reservation) if job.reservation else None
    return float(resv.end_time) if resv is not None else math.inf


def next_boundary(reservations: Iterable[ReservationRecord], now: float) -> float:
    """The next start or end of a reservation after `now` (a scheduling event)."""
    times = [t for r in reservations for t in (r.start_time, r.end_time) if t > now]
    return min(times, default=math.inf)


# ------------------------------------------------------- create and update --


@dataclass(frozen=True, slots=True)
class Busy:
    """Nodes a running job holds, and until when (for the busy check)."""

    nodes: tuple[str, ...]
    until: float
    reservation: str | None


def _time(value: int | float | None) -> float | None:
    if value is None:
        return None
    return math.inf if value == INFINITE else float(value)


def _window(req: ReservationRequest, base: ReservationRecord | None, now: float) -> tuple[int, int]:
    start = req.start_time if req.start_time is not None else None
    if start is None:
        start = base.start_time if base is not None else int(now)
    elif not math.isfinite(start):
        # "no limit" makes sense for an end, never for a start
        raise _error(Errno.INVALID_TIME_VALUE, "start_time cannot be infinite")
    elif start < now - MAX_PAST_START:
        raise _error(Errno.INVALID_TIME_VALUE, "start_time is in the past")
    start = max(int(start), int(now)) if base is None else int(start)
    end = _time(req.end_time)
    if end is None and req.duration is not None:
        minutes = _time(req.duration)
        end = start + (YEAR_SECONDS if minutes == math.inf else minutes * 60)
    if end is None:
        if base is None:
            raise _error(Errno.INVALID_TIME_VALUE, "an end_time or a duration is required")
        end = base.end_time if req.start_time is None else start + (base.end_time - base.start_time)
    if end == math.inf:
        end = start + YEAR_SECONDS
    if end <= start:
        raise _error(Errno.INVALID_TIME_VALUE, "the reservation would end before it starts")
    if end > LATEST_TIME:
        raise _error(
            Errno.INVALID_TIME_VALUE, "the reservation would end after the last time Slurm can hold"
        )
    return start, int(end)


def _flags(req: ReservationRequest, base: ReservationRecord | None) -> frozenset[str]:
    flags = set(base.flags) if base is not None else set()
    for flag in req.flags or ():
        if flag in KEPT_FLAGS:
            flags.add(flag)
        elif flag in CLEARING_FLAGS:
            flags.discard(CLEARING_FLAGS[flag])
        else:
            raise _error(Errno.NOT_SUPPORTED, f"reservation flag {flag} is not supported here")
    return frozenset(flags)


def _check_unsupported(req: ReservationRequest) -> None:
    for name in ("core_count", "licenses", "tres", "burst_buffer"):
        if getattr(req, name):
            raise _error(Errno.NOT_SUPPORTED, f"{name} reservations are not supported here")


def _check_people(users: str, groups: str) -> None:
    for name in _names(users)[0]:
        try:
            pwd.getpwnam(name)
        except KeyError:
            raise _error(Errno.USER_ID_MISSING, f"unknown user {name!r}") from None
    for name in _names(groups)[0]:
        try:
            grp.getgrnam(name)
        except KeyError:
            raise _error(Errno.GROUP_ID_MISSING, f"unknown group {name!r}") from None


def _partition_nodes(config: EngineConfig, name: str) -> tuple[str, ...]:
    if not name:
        return tuple(n.name for n in config.nodes)
    part = config.partition(name)
    if part is None:
        raise _error(Errno.INVALID_PARTITION_NAME, f"partition {name!r} not found")
    return part.nodes


def _explicit_nodes(config: EngineConfig, spec: str, pool: tuple[str, ...]) -> tuple[str, ...]:
    if spec.upper() == "ALL":
        return pool
    try:
        names = tuple(expand(spec))
    except HostlistError as exc:
        raise _error(Errno.INVALID_NODE_NAME, str(exc)) from None
    unknown = [n for n in names if config.node(n) is None]
    if unknown:
        raise _error(Errno.INVALID_NODE_NAME, f"unknown nodes {','.join(unknown)}")
    return names


@dataclass(frozen=True, slots=True)
class _Plan:
    """The candidate reservation and what it competes with."""

    name: str
    start: int
    end: int
    flags: frozenset[str]
    others: tuple[ReservationRecord, ...]
    busy: tuple[Busy, ...]

    def conflict(self, node: str) -> Errno | None:
        """Why `node` cannot be in the reservation, or None."""
        shares = bool(self.flags & {"OVERLAP", "MAINT"})
        for other in self.others:
            meets = node in other.nodes and other.overlaps(self.start, self.end)
            if meets and not (shares or other.shares_nodes):
                return Errno.RESERVATION_OVERLAP
        if not self.flags & {"IGNORE_JOBS", "MAINT"}:
            for held in self.busy:
                if node in held.nodes and held.until > self.start and held.reservation != self.name:
                    return Errno.NODES_BUSY
        return None


def _pick_nodes(
    config: EngineConfig, plan: _Plan, pool: tuple[str, ...], count: int
) -> tuple[str, ...]:
    """`count` usable nodes of `pool` free of other reservations and jobs."""
    if count < 1:
        raise _error(Errno.INVALID_NODE_COUNT, "node_count must be at least 1")
    free = [n for n in pool if config.node(n).usable and plan.conflict(n) is None]
    if len(free) < count:
        raise _error(Errno.NODES_BUSY, BUSY_TEXT)
    return tuple(free[:count])


def _new_name(req: ReservationRequest, taken: Mapping[str, ReservationRecord]) -> str:
    """slurmctld's default name: the first user (or account) and a number."""
    first = (req.users or req.accounts or req.groups or "resv").split(",")[0].lstrip("-")
    number = 0
    while f"{first}_{number}" in taken:
        number += 1
    return f"{first}_{number}"


def put(
    req: ReservationRequest,
    existing: Mapping[str, ReservationRecord],
    config: EngineConfig,
    busy: Sequence[Busy],
    now: float,
) -> ReservationRecord:
    """The reservation `req` creates, or the existing one it updates.

    Raises:
        SlurmError: 2010/2113 unknown user/group, 2080 nobody to serve, 2054 bad
            times, 2018 bad nodes, 2006 bad node count, 2058 overlap, 2016 busy,
            2000 bad partition, 2036 unsupported kind or flag.
    """
    _check_unsupported(req)
    base = existing.get(req.name) if req.name else None
    flags = set(_flags(req, base))
    start, end = _window(req, base, now)
    users = req.users if req.users is not None else (base.users if base else "")
    accounts = req.accounts if req.accounts is not None else (base.accounts if base else "")
    groups = req.groups if req.groups is not None else (base.groups if base else "")
    if not (users or accounts or groups):
        raise _error(Errno.RESERVATION_EMPTY, "users, accounts or groups are required")
    _check_people(users, groups)
    partition = req.partition if req.partition is not None else (base.partition if base else "")
    pool = _partition_nodes(config, partition)
    name = base.name if base is not None else (req.name or _new_name(req, existing))
    others = tuple(r for r in existing.values() if r.name != name)
    plan = _Plan(name, start, end, flags, others, tuple(busy))
    if req.node_list is not None:
        nodes = _explicit_nodes(config, req.node_list, pool)
        flags -= {"ALL_NODES", "SPEC_NODES"}
        flags |= {"ALL_NODES"} if req.node_list.upper() == "ALL" else {"SPEC_NODES"}
    elif "PART_NODES" in flags and partition:
        nodes = pool
    elif req.node_count is not None:
        nodes = _pick_nodes(config, plan, pool, req.node_count)
    elif base is not None:
        nodes = base.nodes
    else:
        raise _error(Errno.INVALID_NODE_COUNT, "node_list or node_count is required")
    for node in nodes:
        problem = plan.conflict(node)
        if problem is Errno.RESERVATION_OVERLAP:
            raise _error(problem, OVERLAP_TEXT)
        if problem is Errno.NODES_BUSY:
            raise _error(problem, BUSY_TEXT)
    record = ReservationRecord(
        name=name,
        nodes=nodes,
        start_time=start,
        end_time=end,
        users=users,
        accounts=accounts,
        groups=groups,
        partition=partition,
        flags=frozenset(flags),
    )
    return _with_details(record, req, base)


def _with_details(
    record: ReservationRecord, req: ReservationRequest, base: ReservationRecord | None
) -> ReservationRecord:
    def pick(name: str, default: object) -> object:
        value = getattr(req, name)
        if value is not None:
            return value
        return getattr(base, name) if base is not None else default

    return replace(
        record,
        comment=pick("comment", ""),
        features=pick("features", ""),
        max_start_delay=pick("max_start_delay", 0),
        purge_completed_time=pick("purge_completed_time", None),
    )


def may_delete(resv: ReservationRecord, user: Submitter) -> bool:
    """Operators, or a listed user when the reservation has USER_DELETE."""
    if user.is_operator:
        return True
    return "USER_DELETE" in resv.flags and _listed(resv.users, (user.user_name,)) is True


def running_in(
    resv_name: str, jobs: Iterable[JobRecord], holds: Callable[[JobRecord], bool]
) -> list[JobRecord]:
    """Jobs holding resources inside the reservation."""
    return [j for j in jobs if j.reservation == resv_name and holds(j)]
