"""Canonical controller statistics (`GET /slurm/{version}/diag`, `sdiag`).

Only raw counters and sums are stored; every mean or rate a version shows is
derived here, once, with the controller's integer arithmetic (truncating
division, 0 when nothing was counted), so all versions agree.
"""

from __future__ import annotations

from dataclasses import dataclass


def _mean(total: int, count: int) -> int:
    return total // count if count > 0 else 0


@dataclass(frozen=True, slots=True)
class RpcTypeStats:
    """RPCs of one message type received by the controller."""

    type_id: int
    message_type: str  # e.g. "REQUEST_PING"
    count: int
    total_time: int  # microseconds
    queued: int = 0
    dropped: int = 0
    cycle_last: int = 0
    cycle_max: int = 0

    @property
    def average_time(self) -> int:
        return _mean(self.total_time, self.count)


@dataclass(frozen=True, slots=True)
class RpcUserStats:
    """RPCs received from one user."""

    user_id: int
    user: str
    count: int
    total_time: int  # microseconds

    @property
    def average_time(self) -> int:
        return _mean(self.total_time, self.count)


@dataclass(frozen=True, slots=True)
class PendingRpc:
    """RPCs of one type queued for sending to nodes."""

    type_id: int
    message_type: str
    count: int


@dataclass(frozen=True, slots=True)
class PendingRpcHosts:
    """The nodes that queued RPCs of one type are waiting for."""

    type_id: int
    message_type: str
    hosts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScheduleExitCounts:
    """Why main scheduling cycles ended, since the last reset."""

    end_job_queue: int = 0
    default_queue_depth: int = 0
    max_job_start: int = 0
    max_rpc_cnt: int = 0
    max_sched_time: int = 0
    licenses: int = 0


@dataclass(frozen=True, slots=True)
class BackfillExitCounts:
    """Why backfill cycles ended, since the last reset."""

    end_job_queue: int = 0
    bf_max_job_start: int = 0
    bf_max_job_test: int = 0
    bf_max_time: int = 0
    bf_node_space_size: int = 0
    state_changed: int = 0


@dataclass(frozen=True, slots=True)
class ControllerDiag:
    req_time: int  # unix time of this report
    req_time_start: int  # unix time the counters were last reset
    parts_packed: int = 0
    server_thread_count: int = 0
    agent_queue_size: int = 0
    agent_count: int = 0
    agent_thread_count: int = 0
    dbd_agent_queue_size: int = 0
    gettimeofday_latency: int = 0  # microseconds
    # main scheduler; times in microseconds
    schedule_cycle_max: int = 0
    schedule_cycle_last: int = 0
    schedule_cycle_sum: int = 0
    schedule_cycle_counter: int = 0
    schedule_cycle_depth: int = 0  # jobs looked at, summed over cycles
    schedule_queue_length: int = 0
    schedule_exit: ScheduleExitCounts = ScheduleExitCounts()
    # jobs
    jobs_submitted: int = 0
    jobs_started: int = 0
    jobs_completed: int = 0
    jobs_canceled: int = 0
    jobs_failed: int = 0
    jobs_pending: int = 0
    jobs_running: int = 0
    job_states_ts: int = 0  # unix time jobs_pending/jobs_running were counted
    # backfill scheduler
    bf_backfilled_jobs: int = 0
    bf_last_backfilled_jobs: int = 0
    bf_backfilled_het_jobs: int = 0
    bf_cycle_counter: int = 0
    bf_cycle_sum: int = 0
    bf_cycle_last: int = 0
    bf_cycle_max: int = 0
    bf_last_depth: int = 0
    bf_last_depth_try: int = 0
    bf_depth_sum: int = 0
    bf_depth_try_sum: int = 0
    bf_queue_len: int = 0
    bf_queue_len_sum: int = 0
    bf_table_size: int = 0
    bf_table_size_sum: int = 0
    bf_when_last_cycle: int = 0
    bf_active: bool = False
    bf_exit: BackfillExitCounts = BackfillExitCounts()
    # RPCs
    rpcs_by_type: tuple[RpcTypeStats, ...] = ()
    rpcs_by_user: tuple[RpcUserStats, ...] = ()
    pending_rpcs: tuple[PendingRpc, ...] = ()
    pending_rpcs_by_hostlist: tuple[PendingRpcHosts, ...] = ()

    @property
    def schedule_cycle_mean(self) -> int:
        return _mean(self.schedule_cycle_sum, self.schedule_cycle_counter)

    @property
    def schedule_cycle_mean_depth(self) -> int:
        return _mean(self.schedule_cycle_depth, self.schedule_cycle_counter)

    @property
    def schedule_cycle_per_minute(self) -> int:
        # sdiag's rule: only once more than a minute of data is in.
        elapsed = self.req_time - self.req_time_start
        return self.schedule_cycle_counter // (elapsed // 60) if elapsed > 60 else 0

    @property
    def bf_cycle_mean(self) -> int:
        return _mean(self.bf_cycle_sum, self.bf_cycle_counter)

    @property
    def bf_depth_mean(self) -> int:
        return _mean(self.bf_depth_sum, self.bf_cycle_counter)

    @property
    def bf_depth_mean_try(self) -> int:
        return _mean(self.bf_depth_try_sum, self.bf_cycle_counter)

    @property
    def bf_queue_len_mean(self) -> int:
        return _mean(self.bf_queue_len_sum, self.bf_cycle_counter)

    @property
    def bf_table_size_mean(self) -> int:
        return _mean(self.bf_table_size_sum, self.bf_cycle_counter)
