"""WorkloadManager: the embedded workload manager's façade.

It owns the in-memory job table (the working copy; SQLite holds the durable
one), the scheduler thread and the process watcher. Public calls may come
from any thread; one lock guards the table, and every change is written to
the store before the call returns. Slurm's semantics, on a single host:
see the modules it delegates to (admission, updates, lifecycle, scheduler,
eligibility, executor; admin_ops for nodes, partitions and reservations,
which it lays over slurm.conf and honours when it schedules).

Timing: `minute` is the number of real seconds in a "minute" of time limit
(60; tests pass a small value so limits expire quickly). KillWait comes from
slurm.conf (default 30 s) unless `kill_wait` is given.
"""

from __future__ import annotations

import logging
import math
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from slurmrestd.cluster.embedded.engine import admission, reservations, updates
from slurmrestd.cluster.embedded.engine.admin_ops import AdminOperations
from slurmrestd.cluster.embedded.engine.admin_state import effective
from slurmrestd.cluster.embedded.engine.admin_store import AdminStore
from slurmrestd.cluster.embedded.engine.arrays import JobRef, parse_job_ref
from slurmrestd.cluster.embedded.engine.config import EngineConfig, load_config
from slurmrestd.cluster.embedded.engine.eligibility import (
    JobIndex,
    blocked_reason,
    has_delayed_after,
    hold_reason,
)
from slurmrestd.cluster.embedded.engine.executor import Executor
from slurmrestd.cluster.embedded.engine.lifecycle import Event, apply, fresh_run
from slurmrestd.cluster.embedded.engine.records import (
    HoldKind,
    JobRecord,
    JobState,
    Reason,
    Submitter,
)
from slurmrestd.cluster.embedded.engine.scheduler import Holding, Pool, Request, plan
from slurmrestd.cluster.embedded.engine.store import JobStore, StoreError
from slurmrestd.cluster.embedded.engine.supervisor import Supervisor
from slurmrestd.cluster.embedded.engine.views import (
    LicenseUsage,
    NodeUsage,
    holds_resources,
    license_usage,
    node_usage,
)
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.hostlist import expand
from slurmrestd.model.job_desc import JobDescription, SubmitResult
from slurmrestd.slurmconf import SlurmConf

log = logging.getLogger(__name__)

# priority/basic: the first job gets this, each later submission one less.
FIRST_PRIORITY = 0xFFFF0000 - 1
HELD_TEXT = "Job is in held state, pending scheduler release"
NO_UPDATE_TEXT = "Job can not be altered now, try again later"
DISABLED_TEXT = "Requested operation is presently disabled"
# How often a job waiting on "after:<id>+<minutes>" is looked at again.
HOUSEKEEPING_SECONDS = 5.0
# Scheduling passes are spaced by at least this, or twice the last pass's cost.
MIN_PASS_INTERVAL = 0.01
# Longest single sleep of the scheduler (far begin times overflow a wait).
MAX_SLEEP = 3600.0
ERROR_BACKOFF = 1.0


class WorkloadManager(AdminOperations):
    def __init__(
        self,
        conf: SlurmConf | None,
        state_dir: Path,
        *,
        clock: Callable[[], float] = time.time,
        kill_wait: float | None = None,
        minute: float = 60.0,
        hostname: str | None = None,
    ) -> None:
        self._base_config = load_config(conf, hostname=hostname)
        self._clock = clock
        self._hostname = hostname
        self._submit_host = (hostname or socket.gethostname()).split(".")[0]
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._store = JobStore(state_dir / "jobs.db")
        # Nodes, partitions and reservations changed at run time, over slurm.conf.
        self._admin_store = AdminStore(state_dir / "controller.db")
        self._admin = self._admin_store.load()
        self.config = effective(self._base_config, self._admin)
        self._cond = threading.Condition(threading.RLock())
        self._processes = Supervisor(
            Executor(state_dir),
            self._cond,
            kill_wait=self.config.kill_wait if kill_wait is None else kill_wait,
            minute=minute,
            cluster_name=self.config.cluster_name,
            submit_host=self._submit_host,
        )
        self._jobs: dict[int, JobRecord] = {}
        self._arrays: dict[int, list[int]] = {}  # array job id -> task job ids
        self._active: set[int] = set()  # not finished, or still completing
        # Held pending jobs whose reason already says so: nothing but a release (or
        # a new configuration) changes that, so scheduling passes skip them.
        self._settled: set[int] = set()
        self._settled_under: EngineConfig | None = None
        self._unsaved: set[int] = set()  # changes the store has not taken yet
        self._dirty = True
        self._due = math.inf  # when a begin time (or a delayed dependency) comes
        self._not_before = 0.0  # passes are spaced (see MIN_PASS_INTERVAL)
        self._stopping = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self.last_update = int(clock())
        self._load()

    # ------------------------------------------------------------ lifecycle --

    def _load(self) -> None:
        records, counters = self._store.load()
        for job in records:
            self._index(job)
        highest = max(self._jobs, default=0)
        self._next_job_id = max(
            counters.get("next_job_id", 0), highest + 1, self.config.first_job_id
        )
        self._next_priority = counters.get("next_priority", FIRST_PRIORITY)

    def start(self) -> None:
        """Adopt jobs that survived a restart and start scheduling."""
        self._processes.start()
        with self._cond:
            now = self._clock()
            for job_id in sorted(self._active):
                job = self._jobs[job_id]
                if holds_resources(job) and job.pid is not None:
                    until = reservations.job_deadline(job, self._admin.reservations)
                    self._processes.adopt(job, now, until=until)
        self._thread = threading.Thread(target=self._run, name="job-scheduler", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop scheduling and watching; running jobs keep running. Idempotent."""
        with self._cond:
            if self._closed:
                return
            self._closed = self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
        self._processes.close()
        self._store.close()
        self._admin_store.close()

    def __enter__(self) -> WorkloadManager:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- reads --

    def jobs(self) -> list[JobRecord]:
        """Every job, by id. Lock-free: copying dict values is atomic in CPython."""
        return list(self._jobs.values())

    def job(self, job_id: str) -> list[JobRecord]:
        """A job, an array (every task, the array's own id first), or array tasks.

        Raises:
            SlurmError: 2017 for an unknown or malformed id.
        """
        with self._cond:
            return self._resolve(job_id)

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until `predicate()` holds (re-checked after every change) or `timeout` passes."""
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    def reload(self, conf: SlurmConf | None) -> None:
        """Take a re-read slurm.conf (nodes, partitions, licenses, limits).

        Raises:
            ConfigError: the new configuration is unusable; the old one stays.
        """
        base = load_config(conf, hostname=self._hostname)
        with self._cond:
            self._base_config = base
            self.config = effective(base, self._admin)
            self._changed(self._clock())

    def nodes(self) -> list[NodeUsage]:
        return node_usage(self.config, self.jobs())

    def licenses(self) -> list[LicenseUsage]:
        return license_usage(self.config, self.jobs())

    def _resolve(self, text: str) -> list[JobRecord]:
        try:
            ref = parse_job_ref(str(text))
        except ValueError:
            raise SlurmError(Errno.INVALID_JOB_ID, "", "job") from None
        found = JobIndex(self._jobs, self._arrays, ()).targets(ref)
        if not found:
            raise SlurmError(Errno.INVALID_JOB_ID, "", "job")
        return list(found)

    def _exists(self, ref: JobRef) -> bool:
        return bool(JobIndex(self._jobs, self._arrays, ()).targets(ref))

    # --------------------------------------------------------------- submit --

    def submit(self, user: Submitter, desc: JobDescription, *, batch: bool = True) -> SubmitResult:
        """Accept a batch job (or array), or an allocation (batch=False); durable before
        this returns.

        Raises:
            SlurmError: the submission is refused (see admission; 2053/2052 for a
                reservation that does not exist or does not admit the user).
        """
        with self._cond:
            now = self._clock()
            admitted = admission.admit(
                user, desc, self.config, now, self._exists, self._submit_host, batch=batch
            )
            template = admitted.template
            if template.reservation:
                reservations.check_job(
                    self._admin.reservations, template.reservation, user, template.account
                )
            count = len(admitted.array.indexes) if admitted.array else 1
            first = self._take_ids(count)
            guess = self.config.partition(admitted.template.partition).nodes[0]
            records = admission.instantiate(admitted, first, self._next_priority, guess)
            counters = {"next_job_id": first + count, "next_priority": self._next_priority - 1}
            self._save(records, counters)
            self._next_job_id, self._next_priority = first + count, self._next_priority - 1
            for job in records:
                self._index(job)
            self._changed(now)
        notices = ((int(Errno.JOB_HELD), HELD_TEXT),) if records[0].held else ()
        return SubmitResult(first, notices=notices)

    def _take_ids(self, count: int) -> int:
        """The first of `count` consecutive free ids, wrapping at MaxJobId once."""
        first = self._next_job_id
        for _ in range(2):
            while first + count - 1 <= self.config.max_job_id:
                if not any(i in self._jobs for i in range(first, first + count)):
                    return first
                first += 1
            first = self.config.first_job_id
        raise SlurmError(Errno.INTERNAL, "no free job ids", "job_submit")

    # --------------------------------------------------------------- writes --

    def cancel(self, user: Submitter, job_id: str) -> None:
        """Cancel: pending jobs at once, running ones by SIGTERM, then SIGKILL after KillWait.

        Raises:
            SlurmError: 2017 unknown, 2002 not yours, 2021 already finished.
        """
        with self._cond:
            targets = self._owned(user, job_id, Errno.ACCESS_DENIED)
            now = self._clock()
            changed = [
                apply(job, Event.CANCEL, end_time=int(now))
                for job in targets
                if not (
                    job.state.finished or (job.completing and job.state is not JobState.PENDING)
                )
            ]
            if not changed:
                raise SlurmError(Errno.ALREADY_DONE, "", "job_signal")
            self._commit(changed, now)  # durable first: a refused cancel kills nothing
            for job in changed:
                self._processes.kill(job, now)

    def signal(
        self, user: Submitter, job_id: str, signum: int, *, batch_only: bool = False
    ) -> None:
        """Send a signal to running jobs (SIGKILL to the whole job means cancel).

        Raises:
            SlurmError: 2017, 2002, 2021 finished, 2020 not running yet.
        """
        if signum == signal.SIGKILL and not batch_only:
            self.cancel(user, job_id)
            return
        with self._cond:
            targets = self._owned(user, job_id, Errno.ACCESS_DENIED)
            if all(j.state.finished for j in targets):
                raise SlurmError(Errno.ALREADY_DONE, "", "job_signal")
            running = [j for j in targets if j.state is JobState.RUNNING and j.pid is not None]
            if not running:
                raise SlurmError(Errno.TRANSITION_STATE_NO_UPDATE, NO_UPDATE_TEXT, "job_signal")
            for job in running:
                self._processes.send(job, signum, batch_only)

    def hold(self, user: Submitter, job_id: str, admin: bool = False) -> None:
        """Hold pending jobs (admin=True: an administrator hold, operators only)."""
        self._edit(user, job_id, Errno.ACCESS_DENIED, lambda j: updates.hold(j, user, admin))

    def release(self, user: Submitter, job_id: str) -> None:
        """Release held jobs; they queue behind the jobs already waiting."""
        self._edit(
            user,
            job_id,
            Errno.ACCESS_DENIED,
            lambda j: updates.release(j, user, self._next_priority),
        )

    def update(self, user: Submitter, job_id: str, desc: JobDescription) -> None:
        """Change the fields given in `desc` (see updates.UPDATABLE).

        Raises:
            SlurmError: 2017, 2010 not yours (as slurmctld answers), or the
                field's own refusal (see updates.update).
        """
        self._edit(
            user,
            job_id,
            Errno.USER_ID_MISSING,
            lambda j: updates.update(j, user, desc, self.config, self._exists, self._next_priority),
        )

    def requeue(
        self, user: Submitter, job_id: str, *, hold: bool = False, incomplete: bool = False
    ) -> None:
        """Put running or finished jobs back in the queue (running ones are killed first).

        hold=True holds them once queued (scontrol requeuehold); incomplete=True
        leaves finished jobs alone (scontrol requeue Incomplete).

        Raises:
            SlurmError: 2017, 2002, 2024 still pending, 2037 --no-requeue, 2020 completing,
                2084 nothing unfinished to requeue (incomplete).
        """
        with self._cond:
            targets = self._owned(user, job_id, Errno.ACCESS_DENIED)
            if incomplete:
                targets = [j for j in targets if not j.state.finished]
                if not targets:
                    raise SlurmError(Errno.JOB_FINISHED, "", "job_requeue")
            now = self._clock()
            for job in targets:
                if not job.requeue:
                    raise SlurmError(Errno.DISABLED, DISABLED_TEXT, "job_requeue")
                if job.completing:
                    raise SlurmError(
                        Errno.TRANSITION_STATE_NO_UPDATE, NO_UPDATE_TEXT, "job_requeue"
                    )
                if job.state is JobState.PENDING:
                    raise SlurmError(Errno.JOB_PENDING, "", "job_requeue")
            changed = []
            for job in targets:
                count = job.restart_count + 1
                if job.state is JobState.RUNNING:
                    changed.append(apply(job, Event.REQUEUE, restart_count=count))
                else:
                    changed.append(apply(job, Event.REQUEUE, **fresh_run(count)))
            if hold:
                kind = HoldKind.ADMIN if user.is_operator else HoldKind.USER
                changed = [replace(job, held=kind) for job in changed]
            self._commit(changed, now)
            for job in changed:
                self._processes.kill(job, now)  # only those with processes are killed

    def _owned(self, user: Submitter, job_id: str, errno: Errno) -> list[JobRecord]:
        targets = self._resolve(job_id)
        if not user.is_operator and any(j.user_id != user.uid for j in targets):
            raise SlurmError(errno, "", "job")
        return targets

    def _edit(
        self, user: Submitter, job_id: str, errno: Errno, change: Callable[[JobRecord], JobRecord]
    ) -> None:
        """Apply `change` to every target; refuse only if it fails for all of them."""
        with self._cond:
            targets = self._owned(user, job_id, errno)
            changed, first_error, accepted = [], None, 0
            for job in targets:
                try:
                    new = change(job)
                except SlurmError as exc:
                    first_error = first_error or exc
                    continue
                if new is not job:
                    changed.append(new)
                accepted += 1
            if accepted == 0 and first_error is not None:
                raise first_error
            now = self._clock()
            if any(j.held is None and self._jobs[j.job_id].held is not None for j in changed):
                self._next_priority -= 1  # a release used up a priority
            changed = [self._processes.retime(job, self._jobs[job.job_id]) for job in changed]
            self._commit(changed, now, counters={"next_priority": self._next_priority})

    # ---------------------------------------------------------- bookkeeping --

    def _index(self, job: JobRecord) -> None:
        self._jobs[job.job_id] = job
        if job.array_job_id is not None:
            tasks = self._arrays.setdefault(job.array_job_id, [])
            if job.job_id not in tasks:
                tasks.append(job.job_id)
        if job.state.finished and not job.completing:
            self._active.discard(job.job_id)
        else:
            self._active.add(job.job_id)
        if _settled(job):
            self._settled.add(job.job_id)
        else:
            self._settled.discard(job.job_id)

    def _save(self, records: list[JobRecord], counters: dict[str, int] | None = None) -> None:
        try:
            self._store.save(records, counters)
        except StoreError as exc:
            log.error("%s", exc)
            raise SlurmError(Errno.WRITING_TO_FILE, str(exc), "job_state") from None

    def _commit(
        self, records: list[JobRecord], now: float, counters: dict[str, int] | None = None
    ) -> None:
        """Make changes durable, then visible, then wake the scheduler.

        Raises:
            SlurmError: the store failed; nothing changed.
        """
        if not records:
            return
        self._save(records, counters)
        for job in records:
            self._index(job)
        self._changed(now)

    def _record(self, records: list[JobRecord], now: float) -> None:
        """Apply what already happened (a start, an exit), then try to make it durable.

        Unlike `_commit` this cannot refuse: the processes exist whatever the
        store says. Records that fail to save are retried with the next change.
        """
        for job in records:
            self._index(job)
        if records:
            self._changed(now)
        pending = [self._jobs[i] for i in self._unsaved] + list(records)
        if not pending:
            return
        try:
            self._store.save(pending)
        except StoreError as exc:
            log.error("job state not saved, will retry: %s", exc)
            self._unsaved.update(j.job_id for j in pending)
        else:
            self._unsaved.clear()

    def _changed(self, now: float) -> None:
        self.last_update = int(now)
        self._dirty = True
        self._cond.notify_all()

    # ------------------------------------------------------------ scheduler --

    def _run(self) -> None:
        with self._cond:
            while not self._stopping:
                try:
                    wait = self._step()
                except Exception:
                    # Keep scheduling: one bad job must not stop every other one.
                    log.exception("scheduler pass failed")
                    self._dirty, wait = True, ERROR_BACKOFF
                if not self._processes.has_exits and not self._stopping:
                    self._cond.wait(wait)

    def _step(self) -> float:
        """Handle exits, limits and (when due) a scheduling pass; returns how long to sleep."""
        now = self._clock()
        ended = self._processes.finished(self._jobs, now)
        self._record(ended, now)
        for job in ended:
            if not job.completing and job.job_id not in self._unsaved:
                self._processes.cleanup(job)
        self._record(self._processes.enforce(self._jobs, now), now)
        if now >= self._due:
            self._dirty, self._due = True, math.inf
        if self._dirty and now >= self._not_before:
            began = time.monotonic()
            self._due = min(self._due, self._schedule(now))
            cost = time.monotonic() - began
            self._not_before = now + max(MIN_PASS_INTERVAL, 2 * cost)
        wake = min(
            self._due, self._processes.next_timer(), self._not_before if self._dirty else math.inf
        )
        return min(MAX_SLEEP, max(0.0, wake - now))

    def _schedule(self, now: float) -> float:
        """One pass: start what can start, note why the rest waits; returns when to look again."""
        self._dirty = False
        self._purge_reservations(now)
        resvs = self._admin.reservations
        due = reservations.next_boundary(resvs.values(), now)
        if self._settled_under is not self.config:  # a partition may have gone
            self._settled.clear()
            self._settled_under = self.config
        active = [self._jobs[i] for i in sorted(self._active - self._settled)]
        index = JobIndex(self._jobs, self._arrays, (self._jobs[i] for i in self._active))
        eligible: list[JobRecord] = []
        reasons: list[JobRecord] = []
        for job in active:
            if job.state is not JobState.PENDING or job.completing:
                continue
            part = self.config.partition(job.partition)
            if part is None:  # removed from slurm.conf since the job was queued
                reason = Reason.PARTITION_INACTIVE
            else:
                reason = blocked_reason(job, part, index, now)
            if reason is None:
                reason = reservations.wait_reason(job, resvs, now)
            if reason is not None:
                if reason is Reason.BEGIN_TIME:
                    due = min(due, job.begin_time)
                elif reason is Reason.DEPENDENCY and has_delayed_after(job):
                    due = min(due, now + HOUSEKEEPING_SECONDS)
                if reason is not job.reason:
                    reasons.append(replace(job, reason=reason))
                if reason is hold_reason(job):  # the pending job shows its hold from now
                    self._settled.add(job.job_id)
                continue
            if job.eligible_time is None:
                job = replace(job, eligible_time=int(now))
                self._jobs[job.job_id] = job
            eligible.append(job)
        tier = {p.name: p.priority_tier for p in self.config.partitions}
        eligible.sort(key=lambda j: (-tier[j.partition], -j.priority, j.job_id))
        # Only the first queue_depth jobs are tried (bf_max_job_test), so a pass
        # over a deep queue stays short; the rest wait behind them.
        depth = self.config.queue_depth
        tried, beyond = eligible[:depth], eligible[depth:]
        pool, holdings, array_running = self._in_use(active, now)
        requests = [self._request(job, now) for job in tried]
        started, waiting = [], False
        for decision in plan(requests, pool, holdings, array_running, now):
            job = self._jobs[decision.job_id]
            if decision.allocation is not None:
                until = reservations.job_deadline(job, resvs)
                started.append(self._processes.launch(job, decision.allocation, now, until=until))
                continue
            waiting = True
            if decision.reason is not job.reason:
                reasons.append(replace(job, reason=decision.reason))
        if waiting:
            reasons += [
                replace(j, reason=Reason.PRIORITY)
                for j in beyond
                if j.reason is not Reason.PRIORITY
            ]
        # else: every tried job started, which makes another pass look further.
        # Reasons are derived: kept in memory, recomputed after a restart.
        for job in reasons:
            self._jobs[job.job_id] = job
        if reasons:
            self.last_update = int(now)
            self._cond.notify_all()
        self._record(started, now)
        return due

    def _in_use(
        self, active: list[JobRecord], now: float
    ) -> tuple[Pool, list[Holding], dict[int, int]]:
        """What is free now, what running jobs hold (and until when), running tasks per array."""
        pool = Pool.empty((n for n in self.config.nodes if n.usable), self.config.licenses)
        holdings, array_running = [], {}
        for job in active:
            if holds_resources(job):
                pool.take(job.allocation, job.licenses)
                holdings.append(Holding(job.allocation, self._processes.release_time(job, now)))
                if job.array_job_id is not None:
                    array_running[job.array_job_id] = array_running.get(job.array_job_id, 0) + 1
        return pool, holdings, array_running

    def _request(self, job: JobRecord, now: float) -> Request:
        part = self.config.partition(job.partition)
        excluded = set(expand(job.excluded_nodes)) if job.excluded_nodes else set()
        nodes = tuple(n for n in part.nodes if n not in excluded and self.config.node(n).usable)
        limit = self._processes.limit_seconds(job)
        resvs = self._admin.reservations
        nodes = reservations.usable_nodes(job, nodes, resvs, now, limit)
        limit = min(limit, reservations.job_deadline(job, resvs) - now)
        return admission.request_for(job, nodes, limit)


def _settled(job: JobRecord) -> bool:
    """A held pending job already showing its hold: a pass has nothing to do for it."""
    return (
        job.state is JobState.PENDING
        and not job.completing
        and job.held is not None
        and job.reason is hold_reason(job)
    )
