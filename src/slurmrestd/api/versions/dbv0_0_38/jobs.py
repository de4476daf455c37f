"""dbv0.0.38 accounting jobs and steps: GET /slurmdb/v0.0.38/jobs, /job/{id}.

`sacct --json` of 22.05 prints the same shape, so the slurm backend parses its
output with parse_job().
"""

from __future__ import annotations

import os
import signal
from typing import Any

from slurmrestd.api.versions.dbv0_0_38.accounts import ASSOC_SHORT
from slurmrestd.api.versions.dbv0_0_38.shape import Codec, FieldError, Shape, listed, nested, row
from slurmrestd.api.versions.dbv0_0_38.tres import TRES_LIST
from slurmrestd.api.versions.dbv0_0_38.values import NUMBER, STRING, STRINGS, TEXT
from slurmrestd.hostlist import HostlistError, expand
from slurmrestd.model.accounting import Tres
from slurmrestd.model.accounting_job import (
    AccountingJob,
    AccountingStep,
    ExitStatus,
    join_exit_code,
    split_exit_code,
)

_EXIT_KEYS = {"status", "return_code", "signal"}


def signal_text(number: int) -> str:
    """strsignal(3) wording, as 22.05 prints it ("User defined signal 1")."""
    return signal.strsignal(number) or f"Unknown signal {number}"


def dump_exit_code(raw: int | None) -> dict[str, Any]:
    # 22.05 reports every normal exit as SUCCESS with return code 0, even a
    # non-zero one (FAILED jobs in GET_slurmdb_v0.0.38_jobs.json show it), and
    # a core dump as SIGNALED; kept so clients see what they saw before.
    parts = split_exit_code(raw)
    if parts.status is ExitStatus.PENDING:
        return {"status": "PENDING", "return_code": None}
    if parts.status in (ExitStatus.SUCCESS, ExitStatus.ERROR):
        return {"status": "SUCCESS", "return_code": 0}
    if parts.signal is not None:
        sig = {"signal_id": parts.signal, "name": signal_text(parts.signal)}
        return {"status": "SIGNALED", "return_code": None, "signal": sig}
    return {"status": "ERROR", "return_code": os.WEXITSTATUS(raw or 0)}


def load_exit_code(value: Any, name: str) -> int | None:
    if not isinstance(value, dict):
        raise FieldError(name, "expected object")
    for key in value:
        if key not in _EXIT_KEYS:
            raise FieldError(f"{name}.{key}", "unknown field")
    try:
        status = ExitStatus(value.get("status"))
    except ValueError:
        raise FieldError(f"{name}.status", "expected an exit status") from None
    code = value.get("return_code")
    if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
        raise FieldError(f"{name}.return_code", "expected integer")
    sig = value.get("signal") or {}
    number = sig.get("signal_id") if isinstance(sig, dict) else None
    if number is not None and not isinstance(number, int):
        raise FieldError(f"{name}.signal.signal_id", "expected integer")
    try:
        return join_exit_code(status, code, number)
    except ValueError:
        raise FieldError(f"{name}.status", "no signal given for a signaled exit") from None


EXIT_CODE = Codec(dump_exit_code, load_exit_code)


def step_node_list(step: AccountingStep) -> list[str]:
    """The step's nodes one by one (22.05 writes them beside the range)."""
    if not step.nodes:
        return []
    try:
        return expand(step.nodes)
    except HostlistError:
        return [step.nodes]


def _dump_step_id(step_id: str) -> int | str:
    # 22.05 writes a numbered step's id as a number, a named one ("batch") as text.
    return int(step_id) if step_id.isdigit() else step_id


def _load_step_id(value: Any, name: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return STRING.load(value, name)  # type: ignore[misc]


STEP_ID = Codec(_dump_step_id, _load_step_id)

# A step's max/min usage: each TRES with the node and task where it was reached.
PEAK_TRES = Shape(
    Tres,
    [
        row("type", "type", STRING),
        row("name", "name", STRING),
        row("id", "id", NUMBER),
        row("count", "count", NUMBER),
        row("task", "task", NUMBER),
        row("node", "node", STRING),
    ],
)
PEAK_TRES_LIST = listed(nested(PEAK_TRES))

# Key order as the "steps" items of GET_slurmdb_v0.0.38_jobs.json.
STEP = Shape(
    AccountingStep,
    [
        row("nodes/list", None, Codec(step_node_list)),
        row("nodes/count", "node_count", NUMBER),
        row("nodes/range", "nodes", STRING),
        row("tres/requested/max", "tres_requested_max", PEAK_TRES_LIST),
        row("tres/requested/min", "tres_requested_min", PEAK_TRES_LIST),
        row("tres/requested/average", "tres_requested_average", TRES_LIST),
        row("tres/requested/total", "tres_requested_total", TRES_LIST),
        row("tres/consumed/max", "tres_consumed_max", PEAK_TRES_LIST),
        row("tres/consumed/min", "tres_consumed_min", PEAK_TRES_LIST),
        row("tres/consumed/average", "tres_consumed_average", TRES_LIST),
        row("tres/consumed/total", "tres_consumed_total", TRES_LIST),
        row("tres/allocated", "tres_allocated", TRES_LIST),
        row("time/elapsed", "elapsed", NUMBER),
        row("time/end", "end", NUMBER),
        row("time/start", "start", NUMBER),
        row("time/suspended", "suspended", NUMBER),
        row("time/system/seconds", "system_cpu_seconds", NUMBER),
        row("time/system/microseconds", "system_cpu_microseconds", NUMBER),
        row("time/total/seconds", "total_cpu_seconds", NUMBER),
        row("time/total/microseconds", "total_cpu_microseconds", NUMBER),
        row("time/user/seconds", "user_cpu_seconds", NUMBER),
        row("time/user/microseconds", "user_cpu_microseconds", NUMBER),
        row("exit_code", "exit_code", EXIT_CODE),
        row("tasks/count", "task_count", NUMBER),
        row("pid", "pid", STRING),
        row("CPU/requested_frequency/min", "cpu_frequency_min", NUMBER),
        row("CPU/requested_frequency/max", "cpu_frequency_max", NUMBER),
        row("CPU/governor", "cpu_governor", STRINGS),
        row("kill_request_user", "kill_request_user", STRING),
        row("state", "state", STRING),
        row("statistics/CPU/actual_frequency", "cpu_actual_frequency", NUMBER),
        row("statistics/energy/consumed", "energy_consumed", NUMBER),
        row("step/job_id", "job_id", NUMBER),
        row("step/het/component", "het_component", NUMBER),
        row("step/id", "step_id", STEP_ID),
        row("step/name", "name", STRING),
        row("task/distribution", "task_distribution", STRING),
    ],
)

# Key order as GET_slurmdb_v0.0.38_jobs.json. "reservation/name" carries the
# reservation id in 22.05 (an integer, 0 in every capture; the schema agrees).
JOB = Shape(
    AccountingJob,
    [
        row("account", "account", STRING),
        row("comment/administrator", "comment_admin", STRING),
        row("comment/job", "comment_job", STRING),
        row("comment/system", "comment_system", STRING),
        row("allocation_nodes", "allocation_nodes", NUMBER),
        row("array/job_id", "array_job_id", NUMBER),
        row("array/limits/max/running/tasks", "array_max_running_tasks", NUMBER),
        row("array/task", "array_task", STRING),
        row("array/task_id", "array_task_id", NUMBER),
        row("association", "association", nested(ASSOC_SHORT)),
        row("cluster", "cluster", STRING),
        row("constraints", "constraints", TEXT),
        row("container", "container", STRING),
        row("derived_exit_code", "derived_exit_code", EXIT_CODE),
        row("time/elapsed", "elapsed", NUMBER),
        row("time/eligible", "eligible", NUMBER),
        row("time/end", "end", NUMBER),
        row("time/start", "start", NUMBER),
        row("time/submission", "submission", NUMBER),
        row("time/suspended", "suspended", NUMBER),
        row("time/system/seconds", "system_cpu_seconds", NUMBER),
        row("time/system/microseconds", "system_cpu_microseconds", NUMBER),
        row("time/limit", "time_limit", NUMBER),
        row("time/total/seconds", "total_cpu_seconds", NUMBER),
        row("time/total/microseconds", "total_cpu_microseconds", NUMBER),
        row("time/user/seconds", "user_cpu_seconds", NUMBER),
        row("time/user/microseconds", "user_cpu_microseconds", NUMBER),
        row("exit_code", "exit_code", EXIT_CODE),
        row("flags", "flags", STRINGS),
        row("group", "group", STRING),
        row("het/job_id", "het_job_id", NUMBER),
        row("het/job_offset", "het_job_offset", NUMBER),
        row("job_id", "job_id", NUMBER),
        row("name", "name", STRING),
        row("mcs/label", "mcs_label", TEXT),
        row("nodes", "nodes", STRING),
        row("partition", "partition", STRING),
        row("priority", "priority", NUMBER),
        row("qos", "qos", STRING),
        row("required/CPUs", "required_cpus", NUMBER),
        row("required/memory", "required_memory", NUMBER),
        row("kill_request_user", "kill_request_user", STRING),
        row("reservation/id", "reservation_id", NUMBER),
        row("reservation/name", None, Codec(lambda job: job.reservation_id)),
        row("state/current", "state", STRING),
        row("state/reason", "state_reason", STRING),
        row("steps", "steps", listed(nested(STEP))),
        row("tres/allocated", "tres_allocated", TRES_LIST),
        row("tres/requested", "tres_requested", TRES_LIST),
        row("user", "user", STRING),
        row("wckey/wckey", "wckey", TEXT),
        row("wckey/flags", "wckey_flags", STRINGS),
        row("working_directory", "working_directory", STRING),
    ],
)


def render_step(step: AccountingStep) -> dict[str, Any]:
    return STEP.render(step)


def parse_step(data: Any, source: str = "parse_step") -> AccountingStep:
    """Raises: SlurmError naming the field that does not fit."""
    return STEP.parse(data, source)


def render_job(job: AccountingJob) -> dict[str, Any]:
    return JOB.render(job)


def parse_job(data: Any, source: str = "parse_job") -> AccountingJob:
    """One job of a /slurmdb/v0.0.38/jobs body or of 22.05's `sacct --json`.

    Raises: SlurmError naming the field that does not fit.
    """
    return JOB.parse(data, source)
