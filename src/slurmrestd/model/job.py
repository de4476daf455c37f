"""Canonical job records, as every API version and backend sees them.

A job has one base state (`JobState`) and a set of state flags (Slurm packs
both in one word). Names follow the newest API (v0.0.46). Numbers use None for
"not set" and `api.numbers.INFINITE` for "no limit"; times are unix seconds
where 0 means "has not happened (yet)", as Slurm keeps them. Memory is MiB,
time limits minutes. Nothing here knows how a version spells a field.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# Slurm's NO_VAL: a wait status that has not been set yet (job still pending).
NO_VAL_STATUS = 0xFFFFFFFE
MAX_JOB_ID = 0xFFFFFFFF  # job ids are uint32 in every version
_CORE_DUMP_BIT = 0x80


class JobState(enum.Enum):
    """The base state; exactly one applies to a job at a time."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUSPENDED = "SUSPENDED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    TIMEOUT = "TIMEOUT"
    NODE_FAIL = "NODE_FAIL"
    PREEMPTED = "PREEMPTED"
    BOOT_FAIL = "BOOT_FAIL"
    DEADLINE = "DEADLINE"
    OUT_OF_MEMORY = "OUT_OF_MEMORY"


class ExitStatus(enum.Enum):
    """How a process ended, decoded from its wait status."""

    PENDING = "PENDING"  # not ended yet (no status recorded)
    SUCCESS = "SUCCESS"  # exited with 0
    ERROR = "ERROR"  # exited with non-zero
    SIGNALED = "SIGNALED"  # killed by a signal
    CORE_DUMPED = "CORE_DUMPED"  # killed by a signal and dumped core
    INVALID = "INVALID"  # a status no wait(2) decoding explains (kept raw)


# Slurm's own short signal names (it prints the number for the others).
SIGNAL_NAMES = {
    1: "HUP",
    2: "INT",
    3: "QUIT",
    6: "ABRT",
    9: "KILL",
    10: "USR1",
    12: "USR2",
    14: "ALRM",
    15: "TERM",
    18: "CONT",
    19: "STOP",
    20: "TSTP",
    21: "TTIN",
    22: "TTOU",
    23: "URG",
    24: "XCPU",
}


@dataclass(frozen=True, slots=True)
class ExitCode:
    """A decoded wait status. `return_code` is set for exits (and raw INVALID
    statuses), `signal` for signal deaths."""

    status: ExitStatus = ExitStatus.PENDING
    return_code: int | None = None
    signal: int | None = None

    @classmethod
    def exited(cls, code: int) -> ExitCode:
        return cls(ExitStatus.SUCCESS if code == 0 else ExitStatus.ERROR, return_code=code)

    @classmethod
    def killed(cls, signal: int, core_dumped: bool = False) -> ExitCode:
        status = ExitStatus.CORE_DUMPED if core_dumped else ExitStatus.SIGNALED
        return cls(status, signal=signal)

    @classmethod
    def from_wait_status(cls, raw: int | None) -> ExitCode:
        """Decode a wait(2) status the way <sys/wait.h> does; None/NO_VAL is PENDING."""
        if raw is None or raw == NO_VAL_STATUS:
            return cls()
        low = raw & 0x7F
        if raw > 0xFFFF:  # wider than a wait status: keep it, undecoded
            return cls(ExitStatus.INVALID, return_code=raw)
        if low == 0:
            return cls.exited((raw >> 8) & 0xFF)
        if low != 0x7F and not raw & 0xFF00:
            return cls.killed(low, core_dumped=bool(raw & _CORE_DUMP_BIT))
        return cls(ExitStatus.INVALID, return_code=raw)  # stopped/continued: not an end

    @property
    def wait_status(self) -> int:
        """The raw wait status (what 22.05 writes); NO_VAL when pending."""
        if self.status is ExitStatus.PENDING:
            return NO_VAL_STATUS
        if self.status in (ExitStatus.SUCCESS, ExitStatus.ERROR):
            return (self.return_code or 0) << 8
        if self.status in (ExitStatus.SIGNALED, ExitStatus.CORE_DUMPED):
            core = _CORE_DUMP_BIT if self.status is ExitStatus.CORE_DUMPED else 0
            return (self.signal or 0) | core
        return self.return_code or 0

    @property
    def signal_name(self) -> str:
        """Slurm's name for the signal ("KILL"), its number for others, "" if none."""
        if self.signal is None:
            return ""
        return SIGNAL_NAMES.get(self.signal, str(self.signal))


EXIT_SUCCESS = ExitCode(ExitStatus.SUCCESS, return_code=0)


@dataclass(frozen=True, slots=True)
class AllocatedCore:
    socket: int
    core: int
    in_use: bool = False  # a step is running on it (not only allocated)


@dataclass(frozen=True, slots=True)
class AllocatedNode:
    """One node of an allocation, with the cores given to the job."""

    name: str
    cores: tuple[AllocatedCore, ...] = ()  # in the controller's bit order
    cpus: int | None = None  # CPUs allocated here; None = not reported (22.05)
    cpus_used: int = 0
    memory_used: int = 0  # MiB
    memory_allocated: int = 0  # MiB


@dataclass(frozen=True, slots=True)
class JobResources:
    """What the controller allocated to a started job."""

    nodes: str = ""  # hostlist
    cpus: int = 0  # allocated CPUs (cores or threads, per select_type)
    host_count: int = 0
    allocated_nodes: tuple[AllocatedNode, ...] = ()
    # The cluster's SelectTypeParameters, e.g. ("CR_CORE_MEMORY",): says what
    # `cpus` counts; 22.05 names the count after it.
    select_type: tuple[str, ...] = ()
    node_select_type: tuple[str, ...] = ()  # "AVAILABLE", "ONE_ROW", "RESERVED"
    whole_nodes: bool = False
    threads_per_core: int | None = None


@dataclass(frozen=True, slots=True)
class Job:
    job_id: int
    name: str = ""
    # Arrays and heterogeneous jobs (0 = not part of one).
    array_job_id: int = 0
    array_task_id: int | None = None  # None for the array's meta record
    array_max_tasks: int = 0  # the %N throttle; 0 = none
    array_task_string: str = ""  # tasks still pending, e.g. "1-3"
    het_job_id: int = 0
    het_job_offset: int = 0
    het_job_id_set: str = ""
    # Who and where.
    user_id: int = 0
    user_name: str = ""
    group_id: int | None = None
    group_name: str = ""
    account: str = ""
    partition: str = ""
    qos: str = ""
    association_id: int = 0
    cluster: str = ""
    wckey: str = ""
    resv_name: str = ""  # reservation
    mcs_label: str = ""
    comment: str = ""
    admin_comment: str = ""
    system_comment: str = ""
    extra: str = ""
    container: str = ""
    container_id: str = ""
    runtime: str = ""  # container runtime (newer releases)
    selinux_context: str = ""
    # State.
    state: JobState = JobState.PENDING
    state_flags: frozenset[str] = frozenset()  # "COMPLETING", "REQUEUED", ... (v0.0.46 names)
    state_reason: str = "None"  # Slurm's reason text, e.g. "JobHeldUser"
    state_description: str = ""
    exit_code: ExitCode = EXIT_SUCCESS  # Slurm starts every job at 0
    derived_exit_code: ExitCode = EXIT_SUCCESS
    flags: frozenset[str] = frozenset()  # job bit flags, v0.0.46 names
    show_flags: frozenset[str] = frozenset({"SHOW_ALL", "SHOW_DETAIL", "SHOW_LOCAL"})
    restart_cnt: int = 0
    requeue: bool = True
    reboot: bool = False
    batch_flag: bool = True
    failed_node: str = ""
    # Times: unix seconds, 0 = not (yet) happened.
    submit_time: int = 0
    eligible_time: int = 0
    accrue_time: int = 0
    start_time: int = 0
    end_time: int = 0  # expected end while running
    suspend_time: int = 0
    pre_sus_time: int = 0  # seconds run before the last suspension
    preempt_time: int = 0
    preemptable_time: int = 0
    resize_time: int = 0
    last_sched_evaluation: int = 0
    deadline: int = 0
    delay_boot: int | None = 0  # seconds
    # Limits: minutes; None = not set, INFINITE = UNLIMITED.
    time_limit: int | float | None = None
    time_minimum: int | float | None = 0
    # Scheduling.
    priority: int | float | None = None  # 0 = held; INFINITE = top
    priority_by_partition: tuple[tuple[str, int], ...] = ()
    nice: int | None = None
    dependency: str = ""
    features: str = ""
    prefer: str = ""
    cluster_features: str = ""
    batch_features: str = ""
    licenses: str = ""
    licenses_allocated: str = ""
    required_nodes: str = ""
    excluded_nodes: str = ""
    scheduled_nodes: str = ""
    required_switches: int = 0
    maximum_switch_wait_time: int = 0  # seconds
    contiguous: bool | None = False
    shared: str | None = None  # "none", "oversubscribe", "user", "mcs", "topo"
    profile: frozenset[str] | None = None  # "NONE", "ENERGY", ...; None = not set
    burst_buffer: str = ""
    burst_buffer_state: str = ""
    federation_origin: str = ""
    federation_siblings_active: str = ""
    federation_siblings_viable: str = ""
    mail_type: frozenset[str] = frozenset()
    mail_user: str = ""
    network: str = ""
    cron: str = ""
    # Size of the request and of the allocation.
    cpus: int | None = None
    node_count: int = 0
    tasks: int | None = None
    max_cpus: int | None = 0
    max_nodes: int | None = 0
    job_size_str: str = ""  # node count ranges as given, e.g. "2-4"
    cpus_per_task: int | None = None
    tasks_per_node: int = 0
    tasks_per_core: int | None = None
    tasks_per_socket: int | None = None
    tasks_per_board: int = 0
    tasks_per_tres: int | None = None
    sockets_per_node: int | None = None
    sockets_per_board: int = 0
    cores_per_socket: int | None = None
    threads_per_core: int | None = None
    core_spec: int | None = None  # cores reserved for the system
    thread_spec: int | None = None  # threads reserved for the system
    minimum_cpus_per_node: int = 0
    minimum_tmp_disk_per_node: int = 0  # MiB
    memory_per_node: int | None = None  # MiB
    memory_per_cpu: int | None = None  # MiB
    memory_update_delay: int = 0
    memory_update_margin: int = 0
    segment_size: int = 0
    cpu_frequency_minimum: int | None = None  # kHz (or Slurm's low/medium/high codes)
    cpu_frequency_maximum: int | None = None
    cpu_frequency_governor: int | None = None  # governor flag bits
    cpus_per_tres: str = ""
    memory_per_tres: str = ""
    tres_bind: str = ""
    tres_freq: str = ""
    tres_per_job: str = ""
    tres_per_node: str = ""
    tres_per_socket: str = ""
    tres_per_task: str = ""
    tres_req_str: str = ""
    tres_alloc_str: str = ""
    billable_tres: float | None = None
    gres_detail: tuple[str, ...] = ()
    # Placement.
    nodes: str = ""  # hostlist of allocated nodes
    batch_host: str = ""
    allocating_node: str = ""  # host the job was submitted from
    job_resources: JobResources | None = None  # None until resources are allocated
    # What runs, and its files.
    command: str = ""
    submit_line: str = ""
    current_working_directory: str = ""
    standard_input: str = ""  # as given, may hold %j-style patterns
    standard_output: str = ""
    standard_error: str = ""
    stdin_expanded: str = ""  # patterns replaced
    stdout_expanded: str = ""
    stderr_expanded: str = ""
    sluid: str = ""  # Slurm's lexically sortable unique id (newest releases)

    @property
    def hold(self) -> bool:
        """Slurm holds a job by giving it priority 0."""
        return self.priority == 0


@dataclass(frozen=True, slots=True)
class JobSnapshot:
    jobs: tuple[Job, ...]
    last_update: int  # unix time the controller's job table last changed


def leading_job_id(text: str) -> int:
    """12 of "12", "12_3" or "12+1"; 0 when that is not a job id.

    ASCII digits only: str.isdigit() also takes "¹" and other scripts' digits,
    which int() then refuses.
    """
    head = text.split("_", 1)[0].split("+", 1)[0]
    if not (head.isascii() and head.isdigit()):
        return 0
    number = int(head)
    return number if number <= MAX_JOB_ID else 0
