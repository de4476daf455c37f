"""Placement and ordering: which pending jobs start now, on which nodes, and why the others wait.

Pure functions over snapshots, so every rule is a unit test: no clock, no
processes, no locks. The manager builds `Request`s for jobs that are
otherwise eligible (not held, dependencies met, begin time reached ...).

Rules:
- Requests are taken in priority order (the caller sorts: priority desc, then
  submission order).
- A job that fits now starts now, unless a higher-priority job is already
  blocked and this one would delay it (see backfill below).
- The first job that does not fit gets a reservation: the earliest time it
  would fit if running jobs end at their time limits, on the nodes it would
  get then. Its reason is Resources; later blocked jobs get Priority.
- Backfill: a lower-priority job that fits now may start if it ends (by its
  time limit) before the reservation, or if what it takes on the reserved
  nodes leaves the reserved job's share free at the reservation time.
- Array throttles (%N) and license counts are checked before resources.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from slurmrestd.cluster.embedded.engine.config import NodeConfig
from slurmrestd.cluster.embedded.engine.records import NodeAlloc, Reason


@dataclass(frozen=True, slots=True)
class Request:
    """What a pending job needs, as the planner sees it."""

    job_id: int
    nodes: tuple[str, ...]  # candidate nodes in preference order (partition, usable, filtered)
    cpus: int  # total
    cpus_per_task: int = 1
    min_nodes: int = 1
    max_nodes: float = math.inf
    memory_per_node: int = 0  # MiB on each node used; 0 = not requested
    memory_per_cpu: int = 0  # MiB per allocated CPU; 0 = not requested
    exclusive: bool = False
    required: frozenset[str] = frozenset()
    licenses: tuple[tuple[str, int], ...] = ()
    time_limit: float = math.inf  # seconds
    array_job_id: int | None = None
    array_max_tasks: int = 0


@dataclass(frozen=True, slots=True)
class Holding:
    """A running (or completing) job's allocation and when it is expected to end."""

    allocation: tuple[NodeAlloc, ...]
    end: float  # time, math.inf if unlimited


@dataclass(slots=True)
class Pool:
    """Free CPUs and memory per node, and free licenses."""

    cpus: dict[str, int]
    memory: dict[str, int]
    size: dict[str, int]  # configured CPUs per node (for exclusive requests)
    licenses: dict[str, int] = field(default_factory=dict)

    @classmethod
    def empty(cls, nodes: Iterable[NodeConfig], licenses: Iterable[tuple[str, int]] = ()) -> Pool:
        nodes = list(nodes)
        return cls(
            {n.name: n.cpus for n in nodes},
            {n.name: n.real_memory for n in nodes},
            {n.name: n.cpus for n in nodes},
            dict(licenses),
        )

    def copy(self) -> Pool:
        return Pool(dict(self.cpus), dict(self.memory), self.size, dict(self.licenses))

    def take(
        self,
        allocation: Iterable[NodeAlloc],
        licenses: Iterable[tuple[str, int]] = (),
        sign: int = 1,
    ) -> None:
        for a in allocation:
            if a.node in self.cpus:  # not in the pool: a node now down or removed
                self.cpus[a.node] -= sign * a.cpus
                self.memory[a.node] -= sign * a.memory
        for name, count in licenses:
            self.licenses[name] = self.licenses.get(name, 0) - sign * count

    def give(self, allocation: Iterable[NodeAlloc]) -> None:
        self.take(allocation, sign=-1)


def _memory(request: Request, cpus: int) -> int:
    return request.memory_per_node or request.memory_per_cpu * cpus


def fit(request: Request, pool: Pool) -> tuple[NodeAlloc, ...] | None:
    """An allocation for `request` from `pool` now, or None."""
    step = max(1, request.cpus_per_task)
    if request.min_nodes > 1 or request.exclusive:
        return _fit_spread(request, pool, step)
    left = request.cpus
    out: list[NodeAlloc] = []
    ordered = sorted(request.nodes, key=lambda n: n not in request.required)
    for node in ordered:
        if len(out) >= request.max_nodes:
            break
        usable = min(pool.cpus.get(node, 0), left)
        usable -= usable % step
        if usable <= 0:
            continue
        if request.memory_per_cpu:
            # Fewer CPUs may fit the memory that is left.
            usable = min(usable, pool.memory.get(node, 0) // request.memory_per_cpu)
            usable -= usable % step
            if usable <= 0:
                continue
        if _memory(request, usable) > pool.memory.get(node, 0):
            continue
        out.append(NodeAlloc(node, usable, _memory(request, usable)))
        left -= usable
        if left <= 0:
            break
    placed = {a.node for a in out}
    if left > 0 or not request.required <= placed:
        return None
    return tuple(out)


def _fit_spread(request: Request, pool: Pool, step: int) -> tuple[NodeAlloc, ...] | None:
    """min_nodes nodes with an even share each (whole nodes when exclusive)."""
    count = request.min_nodes
    share = math.ceil(request.cpus / count)
    share += -share % step
    out: list[NodeAlloc] = []
    ordered = sorted(request.nodes, key=lambda n: n not in request.required)
    for node in ordered:
        free = pool.cpus.get(node, 0)
        if request.exclusive:
            if free != pool.size.get(node) or free < share:
                continue
            cpus = free
        elif free < share:
            continue
        else:
            cpus = share
        memory = _memory(request, cpus)
        if memory > pool.memory.get(node, 0):
            continue
        out.append(NodeAlloc(node, cpus, memory))
        if len(out) == count:
            break
    if len(out) < count or not request.required <= {a.node for a in out}:
        return None
    return tuple(out)


@dataclass(slots=True)
class _Reservation:
    start: float
    need: dict[str, tuple[int, int]]  # node -> (cpus, memory) the reserved job gets
    spare: Pool  # what stays free at `start` beside the reserved job's share


def _reserve(request: Request, pool: Pool, holdings: Sequence[Holding], now: float):
    """When and where `request` could start if running jobs end at their limits."""
    future = pool.copy()
    for holding in sorted(holdings, key=lambda h: h.end):
        if holding.end == math.inf:
            break
        future.give(holding.allocation)
        allocation = fit(request, future)
        if allocation is not None:
            future.take(allocation)
            need = {a.node: (a.cpus, a.memory) for a in allocation}
            return _Reservation(max(now, holding.end), need, future)
    return None  # never fits while these jobs run: it blocks nobody


def _backfill_ok(allocation, time_limit: float, reservation: _Reservation, now: float) -> bool:
    if now + time_limit <= reservation.start:
        return True
    spare = reservation.spare
    for a in allocation:
        if a.node in reservation.need and (
            spare.cpus[a.node] < a.cpus or spare.memory[a.node] < a.memory
        ):
            return False
    spare.take(a for a in allocation if a.node in reservation.need)
    return True


@dataclass(frozen=True, slots=True)
class Decision:
    job_id: int
    allocation: tuple[NodeAlloc, ...] | None  # None: stays pending
    reason: Reason = Reason.NONE


def plan(
    requests: Sequence[Request],
    pool: Pool,
    holdings: Sequence[Holding],
    array_running: dict[int, int],
    now: float,
) -> list[Decision]:
    """Decide, in the given (priority) order, which requests start now.

    `pool` is what is free now (it is updated with the starts); `holdings` are
    the running jobs; `array_running` counts running tasks per array.
    """
    decisions: list[Decision] = []
    reservation: _Reservation | None = None
    blocked = False
    running = dict(array_running)
    holdings = list(holdings)  # plus the jobs this pass starts
    for req in requests:
        throttled = req.array_max_tasks and req.array_job_id is not None
        if throttled and running.get(req.array_job_id, 0) >= req.array_max_tasks:
            decisions.append(Decision(req.job_id, None, Reason.ARRAY_TASK_LIMIT))
            continue
        if any(pool.licenses.get(name, 0) < count for name, count in req.licenses):
            decisions.append(Decision(req.job_id, None, Reason.LICENSES))
            continue
        allocation = fit(req, pool)
        if allocation is not None and (
            reservation is None or _backfill_ok(allocation, req.time_limit, reservation, now)
        ):
            pool.take(allocation, req.licenses)
            holdings.append(Holding(allocation, now + req.time_limit))
            if req.array_job_id is not None:
                running[req.array_job_id] = running.get(req.array_job_id, 0) + 1
            decisions.append(Decision(req.job_id, allocation))
            continue
        if not blocked:
            blocked = True
            reservation = _reserve(req, pool, holdings, now)
            decisions.append(Decision(req.job_id, None, Reason.RESOURCES))
        else:
            decisions.append(Decision(req.job_id, None, Reason.PRIORITY))
    return decisions
