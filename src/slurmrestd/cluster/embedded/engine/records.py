"""The engine's records: who submits (Submitter) and what it tracks per job (JobRecord).

Records are frozen: the manager replaces a job's record on every change, so a
reader holding a list from `jobs()` never sees a half-applied update. Times
are UNIX seconds, durations minutes (math.inf = no limit), memory MiB.
"""

from __future__ import annotations

import enum
import os
import signal
from dataclasses import dataclass


class JobState(enum.StrEnum):
    """Base state; names are Slurm's job_state strings."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMEOUT = "TIMEOUT"
    OUT_OF_MEMORY = "OUT_OF_MEMORY"

    @property
    def finished(self) -> bool:
        return self not in (JobState.PENDING, JobState.RUNNING)


class JobFlag(enum.Flag):
    """State flags Slurm shows beside the base state."""

    NONE = 0
    COMPLETING = enum.auto()  # processes still being killed / reaped
    REQUEUED = enum.auto()  # going back to PENDING once the processes are gone


class HoldKind(enum.StrEnum):
    USER = "user"
    ADMIN = "admin"


class Reason(enum.StrEnum):
    """Slurm's state_reason strings the engine sets."""

    NONE = "None"
    RESOURCES = "Resources"
    PRIORITY = "Priority"
    DEPENDENCY = "Dependency"
    DEPENDENCY_NEVER = "DependencyNeverSatisfied"
    HELD_USER = "JobHeldUser"
    HELD_ADMIN = "JobHeldAdmin"
    BEGIN_TIME = "BeginTime"
    PARTITION_DOWN = "PartitionDown"
    PARTITION_INACTIVE = "PartitionInactive"
    PARTITION_TIME_LIMIT = "PartitionTimeLimit"
    PARTITION_NODE_LIMIT = "PartitionNodeLimit"
    LICENSES = "Licenses"
    ARRAY_TASK_LIMIT = "JobArrayTaskLimit"
    NODE_NOT_AVAIL = "ReqNodeNotAvail"
    NON_ZERO_EXIT = "NonZeroExitCode"
    RAISED_SIGNAL = "RaisedSignal"
    TIME_LIMIT = "TimeLimit"
    OUT_OF_MEMORY = "OutOfMemory"
    LAUNCH_FAILURE = "JobLaunchFailure"
    # The engine lost the job's end (its process and status file are both gone).
    SYSTEM_FAILURE = "SystemFailure"
    RESERVATION = "Reservation"  # its reservation has not started yet
    RESERVATION_DELETED = "ReservationDeleted"
    NODE_DOWN = "NodeDown"  # an operator set one of its nodes DOWN


@dataclass(frozen=True, slots=True)
class Submitter:
    """The requesting user, as the backend's caller authenticated them."""

    uid: int
    gid: int
    user_name: str
    group_name: str
    is_operator: bool = False


@dataclass(frozen=True, slots=True)
class NodeAlloc:
    """What a job holds on one node."""

    node: str
    cpus: int
    memory: int  # MiB; 0 when the job did not ask for memory


@dataclass(frozen=True, slots=True)
class JobRecord:
    job_id: int
    name: str
    user_id: int
    group_id: int
    user_name: str
    group_name: str
    partition: str
    submit_time: int
    script: str  # "" for an allocation (see `batch`)
    cwd: str
    environment: dict[str, str]  # treat as read-only
    argv: tuple[str, ...] = ()
    account: str | None = None
    qos: str | None = None
    comment: str | None = None
    admin_comment: str | None = None
    wckey: str | None = None
    reservation: str | None = None
    submit_host: str = ""
    # False: an allocation without a batch script; it holds its resources
    # until cancelled or out of time (POST /job/allocate, salloc --no-shell).
    batch: bool = True
    # Arrays: every task is its own record; the task whose job_id equals
    # array_job_id stands for the array as a whole.
    array_job_id: int | None = None
    array_task_id: int | None = None
    array_spec: str | None = None  # all indexes, e.g. "0-15"
    array_max_tasks: int = 0  # the %N throttle; 0 = none
    # State.
    state: JobState = JobState.PENDING
    flags: JobFlag = JobFlag.NONE
    reason: Reason = Reason.NONE
    held: HoldKind | None = None
    eligible_time: int | None = None
    start_time: int | None = None
    end_time: int | None = None
    last_sched_evaluation: int | None = None
    # Requests.
    begin_time: int | None = None
    deadline: int | None = None
    time_limit: float = 0.0  # minutes, math.inf = unlimited
    time_minimum: float | None = None
    min_nodes: int = 1
    max_nodes: int | None = None
    tasks: int = 1
    tasks_per_node: int | None = None
    cpus_per_task: int = 1
    cpus: int = 1  # total CPUs requested (tasks * cpus_per_task, or minimum_cpus)
    memory_per_node: int | None = None  # MiB, as requested
    memory_per_cpu: int | None = None  # MiB, as requested
    exclusive: bool = False
    constraints: str | None = None
    required_nodes: str | None = None
    excluded_nodes: str | None = None
    licenses: tuple[tuple[str, int], ...] = ()
    tres_per_node: str | None = None
    mail_type: tuple[str, ...] = ()
    mail_user: str | None = None
    # Scheduling.
    base_priority: int = 0
    nice: int = 0
    dependency: str | None = None
    requeue: bool = True
    restart_count: int = 0
    warn_signal: int | None = None  # --signal: number ...
    warn_time: int = 0  # ... sent this many seconds before the time limit
    warn_batch_only: bool = False
    # Allocation (empty while pending).
    allocation: tuple[NodeAlloc, ...] = ()
    # Standard streams: as given (None = default) and with patterns expanded.
    stdin: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    stdin_path: str = "/dev/null"
    stdout_path: str = ""
    stderr_path: str = ""
    open_mode: str = "truncate"
    # Outcome.
    exit_code: int | None = None  # raw wait status (as waitpid gives it)
    # Process: pid of the job's wrapper (also its process group and session)
    # and "<boot id>:<start ticks>" to tell it from a later process with that pid.
    pid: int | None = None
    process_token: str | None = None

    @property
    def completing(self) -> bool:
        return JobFlag.COMPLETING in self.flags

    @property
    def priority(self) -> int:
        """Effective priority: 0 while held (as Slurm shows), else base minus nice."""
        if self.held is not None:
            return 0
        return max(1, self.base_priority - self.nice)

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(a.node for a in self.allocation)

    @property
    def batch_host(self) -> str | None:
        return self.allocation[0].node if self.allocation else None

    @property
    def is_array(self) -> bool:
        return self.array_job_id is not None

    @property
    def exit_status(self) -> int | None:
        """The exit status of a normally ended job (None if it died of a signal)."""
        if self.exit_code is None or not os.WIFEXITED(self.exit_code):
            return None
        return os.WEXITSTATUS(self.exit_code)

    @property
    def term_signal(self) -> int | None:
        """The signal that ended the job, if one did."""
        if self.exit_code is None or not os.WIFSIGNALED(self.exit_code):
            return None
        return os.WTERMSIG(self.exit_code)

    @property
    def term_signal_name(self) -> str | None:
        number = self.term_signal
        if number is None:
            return None
        try:
            return signal.Signals(number).name
        except ValueError:
            return None

    @property
    def memory_on_batch_node(self) -> int | None:
        """MiB the job asked for on its first node, None when it did not ask."""
        if self.memory_per_node is None and self.memory_per_cpu is None:
            return None
        return self.allocation[0].memory if self.allocation else None
