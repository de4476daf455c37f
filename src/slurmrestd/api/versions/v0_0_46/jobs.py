"""v0.0.46 job records (`v0.0.46_job_info`), rendered from a canonical Job.

Numbers are {set, infinite, number} objects, `job_state` is a list (base state,
then flags), exit codes are decoded objects. Lists whose values the schema
enumerates are written in the schema's order and filtered to it, so a flag
this version does not know is left out rather than sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slurmrestd.api.numbers import INFINITE, no_val
from slurmrestd.api.versions.render import (
    FieldTable,
    Getter,
    attr,
    no_val_number,
    render,
    text,
)
from slurmrestd.model.job import (
    AllocatedNode,
    ExitCode,
    ExitStatus,
    Job,
    JobResources,
)

# Enumerations of v0.0.46_job_info, in the schema's order.
JOB_FLAGS = (
    "KILL_INVALID_DEPENDENCY",
    "NO_KILL_INVALID_DEPENDENCY",
    "HAS_STATE_DIRECTORY",
    "TESTING_BACKFILL",
    "GRES_BINDING_ENFORCED",
    "TEST_NOW_ONLY",
    "SEND_JOB_ENVIRONMENT",
    "SPREAD_JOB",
    "PREFER_MINIMUM_NODE_COUNT",
    "JOB_KILL_HURRY",
    "SKIP_TRES_STRING_ACCOUNTING",
    "SIBLING_CLUSTER_UPDATE_ONLY",
    "HETEROGENEOUS_JOB",
    "EXACT_TASK_COUNT_REQUESTED",
    "EXACT_CPU_COUNT_REQUESTED",
    "TESTING_WHOLE_NODE_BACKFILL",
    "TOP_PRIORITY_JOB",
    "ACCRUE_COUNT_CLEARED",
    "GRES_BINDING_DISABLED",
    "JOB_WAS_RUNNING",
    "JOB_ACCRUE_TIME_RESET",
    "CRON_JOB",
    "EXACT_MEMORY_REQUESTED",
    "EXTERNAL_JOB",
    "USING_DEFAULT_ACCOUNT",
    "USING_DEFAULT_PARTITION",
    "USING_DEFAULT_QOS",
    "USING_DEFAULT_WCKEY",
    "DEPENDENT",
    "MAGNETIC",
    "PARTITION_ASSIGNED",
    "BACKFILL_ATTEMPTED",
    "SCHEDULING_ATTEMPTED",
    "STEPMGR_ENABLED",
    "SPREAD_SEGMENTS",
    "CONSOLIDATE_SEGMENTS",
    "EXPEDITED_REQUEUE",
    "JOB_IMPLICIT_MAX_NODES",
    "RESET_SPREAD_SEGMENTS",
    "RESET_CONSOLIDATE_SEGMENTS",
)
STATE_FLAGS = (
    "LAUNCH_FAILED",
    "REQUEUED",
    "REQUEUE_HOLD",
    "SPECIAL_EXIT",
    "RESIZING",
    "CONFIGURING",
    "COMPLETING",
    "STOPPED",
    "RECONFIG_FAIL",
    "POWER_UP_NODE",
    "REVOKED",
    "REQUEUE_FED",
    "RESV_DEL_HOLD",
    "SIGNALING",
    "STAGE_OUT",
    "EXPEDITING",
)
MAIL_TYPES = (
    "BEGIN",
    "END",
    "FAIL",
    "REQUEUE",
    "TIME=100%",
    "TIME=90%",
    "TIME=80%",
    "TIME=50%",
    "STAGE_OUT",
    "ARRAY_TASKS",
    "INVALID_DEPENDENCY",
)
PROFILES = ("NOT_SET", "NONE", "ENERGY", "LUSTRE", "NETWORK", "TASK")
SHARED = ("none", "oversubscribe", "user", "mcs", "topo")


def _ordered(names: Iterable[str], order: tuple[str, ...]) -> list[str]:
    given = set(names)
    return [name for name in order if name in given]


def _no_val_float(value: float | None) -> dict[str, Any]:
    if value is None:
        return {"set": False, "infinite": False, "number": 0.0}
    if value == INFINITE:
        return {"set": False, "infinite": True, "number": 0.0}
    return {"set": True, "infinite": False, "number": float(value)}


def render_exit_code(code: ExitCode) -> dict[str, Any]:
    """process_exit_code_verbose. Upstream tests "signaled" before "core dumped",
    so a core dump reads as SIGNALED here too; a signal death has no return code."""
    status = ExitStatus.SIGNALED if code.status is ExitStatus.CORE_DUMPED else code.status
    return {
        "status": [status.value],
        "return_code": no_val(code.return_code),
        "signal": {"id": no_val(code.signal), "name": code.signal_name},
    }


def _render_node(index: int, node: AllocatedNode) -> dict[str, Any]:
    sockets: dict[int, list[dict[str, Any]]] = {}
    for core in node.cores:
        status = ["ALLOCATED", "IN_USE"] if core.in_use else ["ALLOCATED"]
        sockets.setdefault(core.socket, []).append({"index": core.core, "status": status})
    # 22.05 does not report per-node CPUs; the allocated cores are the best count.
    cpus = len(node.cores) if node.cpus is None else node.cpus
    return {
        "index": index,
        "name": node.name,
        "cpus": {"count": cpus, "used": node.cpus_used},
        "memory": {"used": node.memory_used, "allocated": node.memory_allocated},
        "sockets": [{"index": s, "cores": cores} for s, cores in sockets.items()],
    }


def render_job_resources(res: JobResources | None) -> dict[str, Any]:
    """job_res; before allocation, an empty allocation (valid against the schema)."""
    if res is None:
        res = JobResources()
    return {
        "select_type": list(res.select_type),
        "nodes": {
            "count": res.host_count,
            "select_type": list(res.node_select_type),
            "list": res.nodes,
            "whole": res.whole_nodes,
            "allocation": [_render_node(i, n) for i, n in enumerate(res.allocated_nodes)],
        },
        "cpus": res.cpus,
        "threads_per_core": no_val(res.threads_per_core),
    }


def _int(name: str) -> Getter:
    """A plain integer in this version: unset is 0."""
    return lambda job: getattr(job, name) or 0


def _exit(name: str) -> Getter:
    return lambda job: render_exit_code(getattr(job, name))


def _job_state(job: Job) -> list[str]:
    return [job.state.value, *_ordered(job.state_flags, STATE_FLAGS)]


def _profile(job: Job) -> list[str]:
    return ["NOT_SET"] if job.profile is None else _ordered(job.profile, PROFILES)


def _step_id(job: Job) -> dict[str, Any]:
    return {
        "job_id": no_val(job.job_id),
        "sluid": job.sluid,
        "step_het_component": no_val(None),
        "step_id": "",
    }


# Key order: the schema's property order.
JOB_INFO_FIELDS: FieldTable = (
    ("account", text("account")),
    ("accrue_time", no_val_number("accrue_time")),
    ("admin_comment", text("admin_comment")),
    ("allocating_node", text("allocating_node")),
    ("array_job_id", no_val_number("array_job_id")),
    ("array_max_tasks", no_val_number("array_max_tasks")),
    ("array_task_id", no_val_number("array_task_id")),
    ("array_task_string", text("array_task_string")),
    ("association_id", _int("association_id")),
    ("batch_features", text("batch_features")),
    ("batch_flag", attr("batch_flag", bool)),
    ("batch_host", text("batch_host")),
    ("billable_tres", attr("billable_tres", _no_val_float)),
    ("burst_buffer", text("burst_buffer")),
    ("burst_buffer_state", text("burst_buffer_state")),
    ("cluster", text("cluster")),
    ("cluster_features", text("cluster_features")),
    ("command", text("command")),
    ("comment", text("comment")),
    ("container", text("container")),
    ("container_id", text("container_id")),
    ("contiguous", attr("contiguous", bool)),
    ("core_spec", _int("core_spec")),
    ("cores_per_socket", no_val_number("cores_per_socket")),
    ("cpu_frequency_governor", no_val_number("cpu_frequency_governor")),
    ("cpu_frequency_maximum", no_val_number("cpu_frequency_maximum")),
    ("cpu_frequency_minimum", no_val_number("cpu_frequency_minimum")),
    ("cpus", no_val_number("cpus")),
    ("cpus_per_task", no_val_number("cpus_per_task")),
    ("cpus_per_tres", text("cpus_per_tres")),
    ("cron", text("cron")),
    ("current_working_directory", text("current_working_directory")),
    ("deadline", no_val_number("deadline")),
    ("delay_boot", no_val_number("delay_boot")),
    ("dependency", text("dependency")),
    ("derived_exit_code", _exit("derived_exit_code")),
    ("eligible_time", no_val_number("eligible_time")),
    ("end_time", no_val_number("end_time")),
    ("excluded_nodes", text("excluded_nodes")),
    ("exit_code", _exit("exit_code")),
    ("extra", text("extra")),
    ("failed_node", text("failed_node")),
    ("features", text("features")),
    ("federation_origin", text("federation_origin")),
    ("federation_siblings_active", text("federation_siblings_active")),
    ("federation_siblings_viable", text("federation_siblings_viable")),
    ("flags", lambda job: _ordered(job.flags, JOB_FLAGS)),
    ("gres_detail", lambda job: list(job.gres_detail)),
    ("group_id", _int("group_id")),
    ("group_name", text("group_name")),
    ("het_job_id", no_val_number("het_job_id")),
    ("het_job_id_set", text("het_job_id_set")),
    ("het_job_offset", no_val_number("het_job_offset")),
    ("hold", lambda job: job.hold),
    ("job_id", attr("job_id")),
    ("job_resources", attr("job_resources", render_job_resources)),
    ("job_size_str", lambda job: [s for s in job.job_size_str.split(",") if s]),
    ("job_state", _job_state),
    ("last_sched_evaluation", no_val_number("last_sched_evaluation")),
    ("licenses", text("licenses")),
    ("licenses_allocated", text("licenses_allocated")),
    ("mail_type", lambda job: _ordered(job.mail_type, MAIL_TYPES)),
    ("mail_user", text("mail_user")),
    ("max_cpus", no_val_number("max_cpus")),
    ("max_nodes", no_val_number("max_nodes")),
    ("maximum_switch_wait_time", _int("maximum_switch_wait_time")),
    ("mcs_label", text("mcs_label")),
    ("memory_per_cpu", no_val_number("memory_per_cpu")),
    ("memory_per_node", no_val_number("memory_per_node")),
    ("memory_per_tres", text("memory_per_tres")),
    ("memory_update_delay", _int("memory_update_delay")),
    ("memory_update_margin", _int("memory_update_margin")),
    ("minimum_cpus_per_node", no_val_number("minimum_cpus_per_node")),
    ("minimum_tmp_disk_per_node", no_val_number("minimum_tmp_disk_per_node")),
    ("name", text("name")),
    ("network", text("network")),
    ("nice", _int("nice")),
    ("node_count", no_val_number("node_count")),
    ("nodes", text("nodes")),
    ("partition", text("partition")),
    ("pre_sus_time", no_val_number("pre_sus_time")),
    ("preempt_time", no_val_number("preempt_time")),
    ("preemptable_time", no_val_number("preemptable_time")),
    ("prefer", text("prefer")),
    ("priority", no_val_number("priority")),
    (
        "priority_by_partition",
        lambda job: [{"partition": p, "priority": n} for p, n in job.priority_by_partition],
    ),
    ("profile", _profile),
    ("qos", text("qos")),
    ("reboot", attr("reboot", bool)),
    ("requeue", attr("requeue", bool)),
    ("required_nodes", text("required_nodes")),
    ("required_switches", _int("required_switches")),
    ("resize_time", no_val_number("resize_time")),
    ("restart_cnt", _int("restart_cnt")),
    ("resv_name", text("resv_name")),
    ("runtime", text("runtime")),
    ("scheduled_nodes", text("scheduled_nodes")),
    ("segment_size", _int("segment_size")),
    ("selinux_context", text("selinux_context")),
    ("shared", lambda job: [] if job.shared is None else _ordered((job.shared,), SHARED)),
    ("sockets_per_board", _int("sockets_per_board")),
    ("sockets_per_node", no_val_number("sockets_per_node")),
    ("standard_error", text("standard_error")),
    ("standard_input", text("standard_input")),
    ("standard_output", text("standard_output")),
    ("start_time", no_val_number("start_time")),
    ("state_description", text("state_description")),
    ("state_reason", text("state_reason")),
    ("stderr_expanded", text("stderr_expanded")),
    ("stdin_expanded", text("stdin_expanded")),
    ("stdout_expanded", text("stdout_expanded")),
    ("step_id", _step_id),
    ("submit_line", text("submit_line")),
    ("submit_time", no_val_number("submit_time")),
    ("suspend_time", no_val_number("suspend_time")),
    ("system_comment", text("system_comment")),
    ("tasks", no_val_number("tasks")),
    ("tasks_per_board", no_val_number("tasks_per_board")),
    ("tasks_per_core", no_val_number("tasks_per_core")),
    ("tasks_per_node", no_val_number("tasks_per_node")),
    ("tasks_per_socket", no_val_number("tasks_per_socket")),
    ("tasks_per_tres", no_val_number("tasks_per_tres")),
    ("thread_spec", _int("thread_spec")),
    ("threads_per_core", no_val_number("threads_per_core")),
    ("time_limit", no_val_number("time_limit")),
    ("time_minimum", no_val_number("time_minimum")),
    ("tres_alloc_str", text("tres_alloc_str")),
    ("tres_bind", text("tres_bind")),
    ("tres_freq", text("tres_freq")),
    ("tres_per_job", text("tres_per_job")),
    ("tres_per_node", text("tres_per_node")),
    ("tres_per_socket", text("tres_per_socket")),
    ("tres_per_task", text("tres_per_task")),
    ("tres_req_str", text("tres_req_str")),
    ("user_id", _int("user_id")),
    ("user_name", text("user_name")),
    ("wckey", text("wckey")),
)


def render_job(job: Job) -> dict[str, Any]:
    """One job in the v0.0.46_job_info shape."""
    return render(job, JOB_INFO_FIELDS)
