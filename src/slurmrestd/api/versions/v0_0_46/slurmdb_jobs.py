"""v0.0.46 accounting jobs (v0.0.46_job) with their steps (v0.0.46_step).

The *_expanded file names carry the names as stored: expanding %j-style
patterns needs the job's node and array context, which the record holds only
partly.
"""

from __future__ import annotations

import signal
from typing import Any

from slurmrestd.api.numbers import no_val
from slurmrestd.api.versions.dbv0_0_38.jobs import step_node_list
from slurmrestd.api.versions.dbv0_0_38.shape import Codec, Shape, listed, nested, row
from slurmrestd.api.versions.v0_0_46.slurmdb_accounts import ASSOC_SHORT
from slurmrestd.api.versions.v0_0_46.slurmdb_tres import TRES_LIST
from slurmrestd.api.versions.v0_0_46.slurmdb_values import (
    FLAG,
    INT,
    NO_VAL,
    STRING,
    STRINGS,
)
from slurmrestd.model.accounting import AssocShort
from slurmrestd.model.accounting_job import AccountingJob, AccountingStep, split_exit_code


def signal_name(number: int | None) -> str:
    """Short signal name as newer Slurm writes it ("KILL", "USR1"); "" if none."""
    if number is None:
        return ""
    try:
        return signal.Signals(number).name.removeprefix("SIG")
    except ValueError:
        return str(number)


def dump_exit_code(raw: int | None) -> dict[str, Any]:
    parts = split_exit_code(raw)
    return {
        "status": [parts.status.value],
        "return_code": no_val(parts.return_code),
        "signal": {"id": no_val(parts.signal), "name": signal_name(parts.signal)},
    }


EXIT_CODE = Codec(dump_exit_code)


def _memory(per_cpu: bool) -> Codec:
    """Required memory goes to the per-CPU or the per-node key, the other stays unset."""
    return Codec(
        lambda job: no_val(job.required_memory if job.required_memory_per_cpu == per_cpu else None)
    )


STEP = Shape(
    AccountingStep,
    [
        row("time/elapsed", "elapsed", INT),
        row("time/end", "end", NO_VAL),
        row("exit_code", "exit_code", EXIT_CODE),
        row("nodes/count", "node_count", INT),
        row("nodes/range", "nodes", STRING),
        row("tasks/count", "task_count", INT),
        row("CPU/requested_frequency/min", "cpu_frequency_min", NO_VAL),
        row("CPU/requested_frequency/max", "cpu_frequency_max", NO_VAL),
        row("CPU/governor", "cpu_governor", Codec(lambda v: ",".join(v))),
        row("kill_request_user", "kill_request_user", STRING),
        row("time/start", "start", NO_VAL),
        row("state", "state", FLAG),
        row("statistics/CPU/actual_frequency", "cpu_actual_frequency", INT),
        row("statistics/energy/consumed", "energy_consumed", NO_VAL),
        row("step/id", "step_id", STRING),
        row("step/name", "name", STRING),
        row("step/stderr", "stderr", STRING),
        row("step/stdin", "stdin", STRING),
        row("step/stdout", "stdout", STRING),
        row("step/stderr_expanded", "stderr", STRING),
        row("step/stdin_expanded", "stdin", STRING),
        row("step/stdout_expanded", "stdout", STRING),
        row("submit_line", "submit_line", STRING),
        row("time/suspended", "suspended", INT),
        row("time/system/seconds", "system_cpu_seconds", INT),
        row("time/system/microseconds", "system_cpu_microseconds", INT),
        row("task/distribution", "task_distribution", STRING),
        row("time/limit", "time_limit", NO_VAL),
        row("time/total/seconds", "total_cpu_seconds", INT),
        row("time/total/microseconds", "total_cpu_microseconds", INT),
        row("time/user/seconds", "user_cpu_seconds", INT),
        row("time/user/microseconds", "user_cpu_microseconds", INT),
        row("nodes/list", None, Codec(step_node_list)),
        row("tres/requested/max", "tres_requested_max", TRES_LIST),
        row("tres/requested/min", "tres_requested_min", TRES_LIST),
        row("tres/consumed/max", "tres_consumed_max", TRES_LIST),
        row("tres/consumed/min", "tres_consumed_min", TRES_LIST),
        row("tres/requested/average", "tres_requested_average", TRES_LIST),
        row("tres/requested/total", "tres_requested_total", TRES_LIST),
        row("tres/consumed/average", "tres_consumed_average", TRES_LIST),
        row("tres/consumed/total", "tres_consumed_total", TRES_LIST),
        row("tres/allocated", "tres_allocated", TRES_LIST),
    ],
)

JOB = Shape(
    AccountingJob,
    [
        row("account", "account", STRING),
        row("comment/administrator", "comment_admin", STRING),
        row("allocation_nodes", "allocation_nodes", INT),
        row("array/job_id", "array_job_id", INT),
        row("array/limits/max/running/tasks", "array_max_running_tasks", INT),
        row("array/task_id", "array_task_id", NO_VAL),
        row("array/task", "array_task", STRING),
        row(
            "association",
            "association",
            nested(ASSOC_SHORT, empty=ASSOC_SHORT.render(AssocShort())),
        ),
        row("block", "block", STRING),
        row("cluster", "cluster", STRING),
        row("constraints", "constraints", STRING),
        row("container", "container", STRING),
        row("derived_exit_code", "derived_exit_code", EXIT_CODE),
        row("comment/job", "comment_job", STRING),
        row("time/elapsed", "elapsed", INT),
        row("time/eligible", "eligible", INT),
        row("time/end", "end", INT),
        row("exclusive", "exclusive", STRING),
        row("exit_code", "exit_code", EXIT_CODE),
        row("extra", "extra", STRING),
        row("failed_node", "failed_node", STRING),
        row("flags", "flags", STRINGS),
        row("group", "group", STRING),
        row("het/job_id", "het_job_id", INT),
        row("het/job_offset", "het_job_offset", NO_VAL),
        row("job_id", "job_id", INT),
        row("name", "name", STRING),
        row("licenses", "licenses", STRING),
        row("mcs/label", "mcs_label", STRING),
        row("nodes", "nodes", STRING),
        row("oversubscribe", "oversubscribe", STRING),
        row("partition", "partition", STRING),
        # A held job is one whose priority is 0.
        row("hold", None, Codec(lambda job: job.priority == 0)),
        row("priority", "priority", NO_VAL),
        row("qos", "qos", STRING),
        row("qosreq", "qos_requested", STRING),
        row("required/CPUs", "required_cpus", INT),
        row("required/memory_per_cpu", None, _memory(per_cpu=True)),
        row("required/memory_per_node", None, _memory(per_cpu=False)),
        row("kill_request_user", "kill_request_user", STRING),
        row("restart_cnt", "restart_count", INT),
        row("reservation/id", "reservation_id", INT),
        row("reservation/name", "reservation_name", STRING),
        row("reservation/requested", "reservation_requested", STRING),
        row("time/planned", "time_planned", NO_VAL),
        row("script", "script", STRING),
        row("segment_size", "segment_size", INT),
        row("stdin_expanded", "stdin", STRING),
        row("stdout_expanded", "stdout", STRING),
        row("stderr_expanded", "stderr", STRING),
        row("stdout", "stdout", STRING),
        row("stderr", "stderr", STRING),
        row("stdin", "stdin", STRING),
        row("time/start", "start", INT),
        row("state/current", "state", FLAG),
        row("state/reason", "state_reason", STRING),
        row("steps", "steps", listed(nested(STEP))),
        row("time/submission", "submission", INT),
        row("submit_line", "submit_line", STRING),
        row("time/suspended", "suspended", INT),
        row("comment/system", "comment_system", STRING),
        row("time/system/seconds", "system_cpu_seconds", INT),
        row("time/system/microseconds", "system_cpu_microseconds", INT),
        row("time/limit", "time_limit", NO_VAL),
        row("time/total/seconds", "total_cpu_seconds", INT),
        row("time/total/microseconds", "total_cpu_microseconds", INT),
        row("tres/allocated", "tres_allocated", TRES_LIST),
        row("tres/requested", "tres_requested", TRES_LIST),
        row("used_gres", "used_gres", STRING),
        row("user", "user", STRING),
        row("time/user/seconds", "user_cpu_seconds", INT),
        row("time/user/microseconds", "user_cpu_microseconds", INT),
        row("wckey/wckey", "wckey", STRING),
        row("wckey/flags", "wckey_flags", STRINGS),
        row("working_directory", "working_directory", STRING),
    ],
)


def render_step(step: AccountingStep) -> dict[str, Any]:
    return STEP.render(step)


def render_job(job: AccountingJob) -> dict[str, Any]:
    return JOB.render(job)
