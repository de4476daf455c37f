"""Supervisor: the processes of running jobs, from launch to the record of how they ended.

It launches jobs (executor), watches their processes (watcher), enforces time
limits and --signal warnings, escalates kills after KillWait, and turns a
process's end into the job's final record. It keeps runtime facts (pids,
deadlines) out of the records. Every method is called with the manager's
lock held; the watcher's thread only queues exits under that lock and
wakes the scheduler thread, which calls `finished`.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
from dataclasses import dataclass, replace

from slurmrestd.cluster.embedded.engine.admission import expand_streams
from slurmrestd.cluster.embedded.engine.environment import job_environment
from slurmrestd.cluster.embedded.engine.executor import Executor, LaunchError, alive
from slurmrestd.cluster.embedded.engine.lifecycle import Event, apply, fresh_run, outcome
from slurmrestd.cluster.embedded.engine.records import (
    JobFlag,
    JobRecord,
    JobState,
    NodeAlloc,
    Reason,
)
from slurmrestd.cluster.embedded.engine.watcher import ProcessWatcher

log = logging.getLogger(__name__)

LAUNCH_FAILED_STATUS = 1 << 8  # recorded as "exit 1", like a failed slurmstepd launch


@dataclass(slots=True)
class _Running:
    """Runtime facts about a job with processes."""

    pid: int
    limit_at: float  # when the time limit expires
    warn_at: float | None  # when --signal is due (None: not asked, or sent)
    kill_at: float | None = None  # when SIGKILL follows a started kill
    engine_killed: bool = False  # we sent SIGKILL
    until: float = math.inf  # the end of the reservation the job runs in


class Supervisor:
    def __init__(
        self,
        executor: Executor,
        cond: threading.Condition,
        *,
        kill_wait: float,
        minute: float,
        cluster_name: str,
        submit_host: str,
    ) -> None:
        self._executor = executor
        self._cond = cond
        self._kill_wait = kill_wait
        self._minute = minute
        self._cluster_name = cluster_name
        self._submit_host = submit_host
        self._running: dict[int, _Running] = {}
        self._by_pid: dict[int, int] = {}
        self._exits: list[tuple[int, int | None]] = []
        self._watcher: ProcessWatcher | None = None

    def start(self) -> None:
        self._watcher = ProcessWatcher(self._on_exit)
        self._watcher.start()

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.close()

    @property
    def has_exits(self) -> bool:
        return bool(self._exits)

    def _on_exit(self, pid: int, status: int | None) -> None:
        with self._cond:
            self._exits.append((pid, status))
            self._cond.notify_all()

    # ------------------------------------------------------------ timing --

    def expected_end(self, job: JobRecord, start: float) -> int | None:
        """When a job started at `start` reaches its time limit (None: unlimited)."""
        if job.time_limit == math.inf:
            return None
        return int(start + job.time_limit * self._minute)

    def limit_seconds(self, job: JobRecord) -> float:
        return job.time_limit * self._minute

    def release_time(self, job: JobRecord, now: float) -> float:
        """When a job holding resources is expected to free them (for backfill)."""
        run = self._running.get(job.job_id)
        return now if job.completing or run is None else run.limit_at

    def next_timer(self) -> float:
        """The earliest time limit, --signal or KillWait expiry of a running job."""
        times = [math.inf]
        for run in self._running.values():
            times.append(run.kill_at if run.kill_at is not None else run.limit_at)
            if run.warn_at is not None:
                times.append(run.warn_at)
        return min(times)

    def retime(self, job: JobRecord, before: JobRecord) -> JobRecord:
        """A running job whose time limit changed: new expiry and expected end."""
        run = self._running.get(job.job_id)
        if run is None or job.start_time is None or job.time_limit == before.time_limit:
            return job
        run.limit_at = min(job.start_time + self.limit_seconds(job), run.until)
        return replace(job, end_time=self.expected_end(job, job.start_time))

    def _track(self, job: JobRecord, started: float, until: float = math.inf) -> _Running:
        # `until`: a reservation's end, which ends the job like its time limit.
        limit_at = min(started + self.limit_seconds(job), until)
        warn_at = limit_at - job.warn_time if job.warn_signal is not None else None
        run = _Running(job.pid, limit_at, warn_at, until=until)
        self._running[job.job_id] = run
        self._by_pid[job.pid] = job.job_id
        return run

    # --------------------------------------------------------- processes --

    def launch(
        self,
        job: JobRecord,
        allocation: tuple[NodeAlloc, ...],
        now: float,
        *,
        until: float = math.inf,
    ) -> JobRecord:
        """Start a job on `allocation`: RUNNING, or FAILED if it could not start.

        `until` ends the job early (the end of the reservation it runs in).
        """
        start = int(now)
        job = replace(
            job,
            allocation=allocation,
            start_time=start,
            reason=Reason.NONE,
            end_time=self.expected_end(job, now),
        )
        job = expand_streams(job, allocation[0].node)
        env = job_environment(job, self._cluster_name, job.submit_host or self._submit_host)
        try:
            launched = self._executor.launch(job, env)
        except (LaunchError, OSError, ValueError, TypeError) as exc:
            # ValueError/TypeError: an environment posix_spawn cannot pass (NUL, non-text).
            log.warning("job %d: launch failed: %s", job.job_id, exc)
            self._executor.cleanup(job.job_id)
            return apply(
                job,
                Event.LAUNCH_FAILED,
                reason=Reason.LAUNCH_FAILURE,
                exit_code=LAUNCH_FAILED_STATUS,
                end_time=start,
                allocation=(),
            )
        job = apply(job, Event.START, pid=launched.pid, process_token=launched.token)
        self._track(job, now, until)
        if self._watcher is not None:
            self._watcher.watch(launched.pid)
        return job

    def adopt(self, job: JobRecord, now: float, *, until: float = math.inf) -> None:
        """Take over a job launched by an earlier manager (its process may be gone)."""
        run = self._track(job, job.start_time if job.start_time is not None else now, until)
        if job.completing:
            run.kill_at = now + self._kill_wait  # finish the kill that was under way
        if alive(job.pid, job.process_token) and self._watcher is not None:
            self._watcher.watch(job.pid)
        else:
            self._exits.append((job.pid, None))  # it ended while no one watched

    def kill(self, job: JobRecord, now: float) -> None:
        """SIGCONT and SIGTERM to the job now, SIGKILL after KillWait."""
        run = self._running.get(job.job_id)
        if run is None or run.kill_at is not None:
            return  # no process, or already being killed
        self._executor.signal_group(run.pid, signal.SIGCONT)
        self._executor.signal_group(run.pid, signal.SIGTERM)
        run.kill_at = now + self._kill_wait

    def send(self, job: JobRecord, signum: int, batch_only: bool) -> None:
        if job.pid is None:
            return
        if batch_only:
            self._executor.signal_script(job.pid, signum)
        else:
            self._executor.signal_group(job.pid, signum)

    def enforce(self, jobs: dict[int, JobRecord], now: float) -> list[JobRecord]:
        """Send due --signal warnings and kills; the records of jobs that timed out."""
        changed = []
        for job_id, run in self._running.items():
            job = jobs[job_id]
            if run.warn_at is not None and now >= run.warn_at and job.warn_signal:
                run.warn_at = None
                self.send(job, job.warn_signal, job.warn_batch_only)
            if job.state is JobState.RUNNING and not job.completing and now >= run.limit_at:
                changed.append(
                    apply(job, Event.TIME_LIMIT, reason=Reason.TIME_LIMIT, end_time=int(now))
                )
                self.kill(job, now)
            elif run.kill_at is not None and now >= run.kill_at and not run.engine_killed:
                run.engine_killed = True
                self._executor.signal_group(run.pid, signal.SIGKILL)
        return changed

    def finished(self, jobs: dict[int, JobRecord], now: float) -> list[JobRecord]:
        """The records of jobs whose processes have ended since the last call."""
        exits, self._exits = self._exits, []
        changed = []
        for pid, wrapper_status in exits:
            job_id = self._by_pid.pop(pid, None)
            if job_id is None:
                continue
            run = self._running.pop(job_id)
            changed.append(self._ended(jobs[job_id], run, wrapper_status, now))
        return changed

    def cleanup(self, job: JobRecord) -> None:
        """Forget the job's files once its end is durably recorded."""
        self._executor.cleanup(job.job_id)

    def _ended(
        self, job: JobRecord, run: _Running, wrapper_status: int | None, now: float
    ) -> JobRecord:
        recorded = self._executor.read_status(job.job_id)
        if recorded is not None:
            status = recorded.status
        elif wrapper_status is not None:
            status = wrapper_status  # the wrapper itself was killed, by us or otherwise
        else:
            status = signal.SIGKILL if run.engine_killed else None
        if job.completing:
            if job.flags & JobFlag.REQUEUED:
                return apply(job, Event.REAPED, **fresh_run(job.restart_count))
            return apply(job, Event.REAPED, exit_code=status)
        if recorded is not None and recorded.launch_error:
            event, reason, status = Event.EXIT_FAILED, Reason.LAUNCH_FAILURE, LAUNCH_FAILED_STATUS
        else:
            event, reason = outcome(
                status,
                memory_limited=job.memory_on_batch_node is not None,
                engine_killed=run.engine_killed,
            )
        return apply(job, event, reason=reason, exit_code=status, end_time=int(now))
