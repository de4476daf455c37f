"""Canonical accounting job records (sacct / slurmdbd): a finished or running job
with its steps, as the database keeps them.

Exit codes stay raw wait(2) statuses (None: not finished); split_exit_code()
turns one into (status, return code, signal) for renderers. Times are unix
seconds, durations seconds unless named otherwise, memory MiB.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass

from slurmrestd.model.accounting import AssocShort, Tres


class ExitStatus(enum.StrEnum):
    INVALID = "INVALID"
    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    ERROR = "ERROR"
    SIGNALED = "SIGNALED"
    CORE_DUMPED = "CORE_DUMPED"


@dataclass(frozen=True, slots=True)
class ExitCodeParts:
    status: ExitStatus
    return_code: int | None = None  # set when the process exited
    signal: int | None = None  # set when a signal ended it


def split_exit_code(raw: int | None) -> ExitCodeParts:
    """A wait(2) status -> what ended the process (None means it has not ended)."""
    if raw is None:
        return ExitCodeParts(ExitStatus.PENDING)
    if os.WIFEXITED(raw):
        code = os.WEXITSTATUS(raw)
        return ExitCodeParts(ExitStatus.ERROR if code else ExitStatus.SUCCESS, return_code=code)
    if os.WIFSIGNALED(raw):
        status = ExitStatus.CORE_DUMPED if os.WCOREDUMP(raw) else ExitStatus.SIGNALED
        return ExitCodeParts(status, signal=os.WTERMSIG(raw))
    return ExitCodeParts(ExitStatus.INVALID)


def join_exit_code(status: ExitStatus, return_code: int | None, signal: int | None) -> int | None:
    """The inverse of split_exit_code (for parsing rendered exit codes).

    Raises:
        ValueError: the status cannot be expressed as a wait status.
    """
    if status is ExitStatus.PENDING:
        return None
    if status in (ExitStatus.SUCCESS, ExitStatus.ERROR):
        return ((return_code or 0) & 0xFF) << 8
    if status in (ExitStatus.SIGNALED, ExitStatus.CORE_DUMPED) and signal:
        return (signal & 0x7F) | (0x80 if status is ExitStatus.CORE_DUMPED else 0)
    raise ValueError(f"exit status {status} cannot be stored")


@dataclass(frozen=True, slots=True)
class AccountingStep:
    job_id: int
    step_id: str  # "batch", "extern", "interactive" or a number
    name: str | None = None
    state: str = "PENDING"
    exit_code: int | None = None  # raw wait status
    nodes: str | None = None  # hostlist expression
    node_count: int = 0
    task_count: int = 0
    task_distribution: str | None = None
    het_component: int | None = None
    pid: str | None = None
    kill_request_user: str | None = None
    cpu_frequency_min: int | None = None  # kHz requested
    cpu_frequency_max: int | None = None
    cpu_governor: tuple[str, ...] = ()
    cpu_actual_frequency: int | None = None  # kHz, weighted average of the tasks
    energy_consumed: int | None = None  # joules
    # Time.
    start: int | None = None
    end: int | None = None
    elapsed: int = 0
    suspended: int = 0
    time_limit: int | float | None = None  # minutes
    system_cpu_seconds: int = 0
    system_cpu_microseconds: int = 0
    user_cpu_seconds: int = 0
    user_cpu_microseconds: int = 0
    total_cpu_seconds: int = 0
    total_cpu_microseconds: int = 0
    # TRES.
    tres_allocated: tuple[Tres, ...] = ()
    tres_requested_max: tuple[Tres, ...] = ()
    tres_requested_min: tuple[Tres, ...] = ()
    tres_requested_average: tuple[Tres, ...] = ()
    tres_requested_total: tuple[Tres, ...] = ()
    tres_consumed_max: tuple[Tres, ...] = ()
    tres_consumed_min: tuple[Tres, ...] = ()
    tres_consumed_average: tuple[Tres, ...] = ()
    tres_consumed_total: tuple[Tres, ...] = ()
    # Files and command (newer versions only).
    stdin: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    submit_line: str | None = None


@dataclass(frozen=True, slots=True)
class AccountingJob:
    job_id: int
    name: str | None = None
    user: str | None = None
    group: str | None = None
    account: str | None = None
    cluster: str | None = None
    partition: str | None = None
    qos: str | None = None
    qos_requested: str | None = None
    association: AssocShort | None = None
    state: str = "PENDING"
    state_reason: str | None = None
    exit_code: int | None = None  # raw wait status of the batch script / job
    derived_exit_code: int | None = None  # highest exit code of its steps
    flags: tuple[str, ...] = ()
    priority: int | float | None = None
    nodes: str | None = None
    allocation_nodes: int = 0
    required_cpus: int = 0
    required_memory: int | None = None  # MiB
    required_memory_per_cpu: bool = False  # required_memory counts per CPU, not per node
    constraints: str | None = None
    container: str | None = None
    licenses: str | None = None
    exclusive: str | None = None
    oversubscribe: str | None = None
    extra: str | None = None
    failed_node: str | None = None
    block: str | None = None
    mcs_label: str | None = None
    used_gres: str | None = None
    comment_admin: str | None = None
    comment_job: str | None = None
    comment_system: str | None = None
    kill_request_user: str | None = None
    restart_count: int = 0
    segment_size: int = 0
    # Arrays and heterogeneous jobs.
    array_job_id: int = 0
    array_task_id: int | None = None
    array_task: str | None = None  # task id expression of a not yet split record
    array_max_running_tasks: int = 0
    het_job_id: int = 0
    het_job_offset: int | None = None
    # Reservation.
    reservation_id: int = 0
    reservation_name: str | None = None
    reservation_requested: str | None = None
    # Time.
    submission: int | None = None
    eligible: int | None = None
    start: int | None = None
    end: int | None = None
    elapsed: int = 0
    suspended: int = 0
    time_limit: int | float | None = None  # minutes
    time_planned: int | None = None  # seconds between eligible and start
    system_cpu_seconds: int = 0
    system_cpu_microseconds: int = 0
    user_cpu_seconds: int = 0
    user_cpu_microseconds: int = 0
    total_cpu_seconds: int = 0
    total_cpu_microseconds: int = 0
    # Resources, files and where it ran.
    tres_allocated: tuple[Tres, ...] = ()
    tres_requested: tuple[Tres, ...] = ()
    wckey: str | None = None
    wckey_flags: tuple[str, ...] = ()
    working_directory: str | None = None
    script: str | None = None
    submit_line: str | None = None
    stdin: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    steps: tuple[AccountingStep, ...] = ()
