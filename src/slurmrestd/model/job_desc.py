"""JobDescription: a job request as a backend receives it (submit, allocate, update).

Version-neutral: every API version's request body is parsed into this. A field
left as None was not given; that matters for updates, which change only what
was given. Times are UNIX seconds, durations minutes, memory MiB (like Slurm).
INFINITE (api.numbers) stands for "no limit" where Slurm allows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(slots=True)
class JobDescription:
    script: str | None = None
    name: str | None = None
    account: str | None = None
    partition: str | None = None
    qos: str | None = None
    reservation: str | None = None
    comment: str | None = None
    admin_comment: str | None = None
    wckey: str | None = None
    # Where and how the batch script runs.
    current_working_directory: str | None = None
    standard_input: str | None = None
    standard_output: str | None = None
    standard_error: str | None = None
    environment: dict[str, str] | None = None
    argv: list[str] | None = None
    # Size of the request.
    minimum_nodes: int | None = None
    maximum_nodes: int | None = None
    tasks: int | None = None
    tasks_per_node: int | None = None
    cpus_per_task: int | None = None
    minimum_cpus: int | None = None
    memory_per_node: int | None = None  # MiB
    memory_per_cpu: int | None = None  # MiB
    exclusive: bool | None = None
    constraints: str | None = None
    required_nodes: str | None = None
    excluded_nodes: str | None = None
    licenses: str | None = None
    tres_per_node: str | None = None  # e.g. "gres/gpu:1"
    # Time.
    time_limit: int | float | None = None  # minutes, or INFINITE
    time_minimum: int | float | None = None
    begin_time: int | None = None
    deadline: int | None = None
    # Scheduling.
    array: str | None = None  # "0-15%4"
    dependency: str | None = None  # "afterok:12,singleton"
    hold: bool | None = None
    priority: int | float | None = None
    nice: int | None = None
    requeue: bool | None = None
    kill_on_node_fail: bool | None = None
    signal: str | None = None  # "B:USR1@60"
    mail_type: list[str] | None = None
    mail_user: str | None = None
    open_mode: str | None = None  # "append" | "truncate"
    # Identity, when an operator submits for someone else.
    user_id: int | None = None
    group_id: int | None = None
    # Fields a backend passes on as given (the slurm backend) or ignores.
    extra: dict[str, Any] = field(default_factory=dict)

    def given(self) -> dict[str, Any]:
        """The fields that were set (not None), for updates and logging."""
        out = {}
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out.update(self.extra)
        return out


# Computed once: fields() per call cost more than the rest of given().
_FIELD_NAMES = tuple(f.name for f in fields(JobDescription) if f.name != "extra")


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """What a submission answers: the new job (the first of an array or het job)."""

    job_id: int
    step_id: str = "batch"
    user_message: str = ""
    # Errors Slurm reports alongside a successful submission (e.g. 2042 held).
    notices: tuple[tuple[int, str], ...] = ()
