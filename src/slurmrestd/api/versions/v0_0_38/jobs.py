"""v0.0.38 (Slurm 22.05) job records, both directions.

`render_job` writes a canonical Job the way the real 22.05 daemon does (and
`squeue --json`, which is byte-identical); `parse_job` reads such a record back
(the slurm backend feeds it squeue output). One row table drives both.

22.05 quirks reproduced on purpose, since clients and squeue output carry them:
- unset numbers are null, but some always print a plain integer (times, ids);
- `exit_code` is the raw wait status, `job_state` one word (a state flag
  hides the base state: "COMPLETING");
- `cpus_per_task` is null whenever `cpu_frequency_minimum` is unset, and a set
  minimum frequency is written under the misspelt key `cpu_frequency_minumum`;
- core and thread specialisation come out swapped: a core count is written as
  `thread_spec`, a thread count as `core_spec` with Slurm's thread bit (0x8000).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.render import FieldTable, Getter, attr, number_or_null, render, text
from slurmrestd.model.job import (
    AllocatedCore,
    AllocatedNode,
    ExitCode,
    Job,
    JobResources,
    JobState,
)

CORE_SPEC_THREAD = 0x8000  # Slurm's flag bit: the spec counts threads, not cores
MISSPELT_FREQ_KEY = "cpu_frequency_minumum"  # as 22.05 writes it when set

# Job bit flags: 22.05 name -> canonical (v0.0.46) name, in 22.05's output order.
FLAG_NAMES: tuple[tuple[str, str], ...] = (
    ("KILL_INV_DEP", "KILL_INVALID_DEPENDENCY"),
    ("NO_KILL_INV_DEP", "NO_KILL_INVALID_DEPENDENCY"),
    ("HAS_STATE_DIR", "HAS_STATE_DIRECTORY"),
    ("BACKFILL_TEST", "TESTING_BACKFILL"),
    ("GRES_ENFORCE_BIND", "GRES_BINDING_ENFORCED"),
    ("TEST_NOW_ONLY", "TEST_NOW_ONLY"),
    ("SPREAD_JOB", "SPREAD_JOB"),
    ("USE_MIN_NODES", "PREFER_MINIMUM_NODE_COUNT"),
    ("JOB_KILL_HURRY", "JOB_KILL_HURRY"),
    ("TRES_STR_CALC", "SKIP_TRES_STRING_ACCOUNTING"),
    ("SIB_JOB_FLUSH", "SIBLING_CLUSTER_UPDATE_ONLY"),
    ("HET_JOB_FLAG", "HETEROGENEOUS_JOB"),
    ("JOB_CPUS_SET", "EXACT_CPU_COUNT_REQUESTED"),
    ("TOP_PRIO_TMP", "TOP_PRIORITY_JOB"),
    ("JOB_ACCRUE_OVER", "ACCRUE_COUNT_CLEARED"),
    ("GRES_DISABLE_BIND", "GRES_BINDING_DISABLED"),
    ("JOB_WAS_RUNNING", "JOB_WAS_RUNNING"),
    ("JOB_MEM_SET", "EXACT_MEMORY_REQUESTED"),
    ("JOB_RESIZED", "JOB_RESIZED"),
)
_FLAG_TO_CANON = dict(FLAG_NAMES)

SHOW_FLAGS = (
    "SHOW_ALL",
    "SHOW_DETAIL",
    "SHOW_MIXED",
    "SHOW_LOCAL",
    "SHOW_SIBLING",
    "SHOW_FEDERATION",
    "SHOW_FUTURE",
)
PROFILE_NAMES = (
    ("None", "NONE"),
    ("Energy", "ENERGY"),
    ("Lustre", "LUSTRE"),
    ("Network", "NETWORK"),
    ("Task", "TASK"),
)
_PROFILE_TO_CANON = dict(PROFILE_NAMES)
SHARED_NAMES = {"none": "none", "oversubscribe": "shared", "user": "user", "mcs": "mcs"}
_SHARED_TO_CANON = {v: k for k, v in SHARED_NAMES.items()}

# A state flag hides the base state in 22.05's one-word `job_state`; this is
# the precedence it uses, and the base state we assume when reading it back.
STATE_FLAG_PRECEDENCE: tuple[tuple[str, JobState], ...] = (
    ("COMPLETING", JobState.COMPLETED),
    ("STAGE_OUT", JobState.COMPLETED),
    ("CONFIGURING", JobState.RUNNING),
    ("RESIZING", JobState.RUNNING),
    ("REQUEUED", JobState.PENDING),
    ("REQUEUE_FED", JobState.PENDING),
    ("REQUEUE_HOLD", JobState.PENDING),
    ("SPECIAL_EXIT", JobState.PENDING),
    ("STOPPED", JobState.RUNNING),
    ("REVOKED", JobState.CANCELLED),
    ("RESV_DEL_HOLD", JobState.PENDING),
    ("SIGNALING", JobState.RUNNING),
)
_FLAG_BASE = dict(STATE_FLAG_PRECEDENCE)


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True)
class _Row:
    """One key: how to write it from a Job, and which Job field reading it fills."""

    key: str
    get: Getter
    field: str | None = None  # None: a reader below fills the field(s)
    load: Callable[[Any], Any] = _same


def _text(key: str) -> _Row:
    return _Row(key, text(key), key, lambda v: v or "")


def _plain(key: str) -> _Row:
    """A number 22.05 always prints (0 when unset)."""
    return _Row(key, lambda job: getattr(job, key) or 0, key, lambda v: v or 0)


def _nullable(key: str) -> _Row:
    return _Row(key, number_or_null(key), key)


def _limit(key: str) -> _Row:
    """Minutes; 22.05 prints null for UNLIMITED."""
    return _Row(key, number_or_null(key), key, lambda v: INFINITE if v is None else v)


def _bool(key: str) -> _Row:
    return _Row(key, lambda job: bool(getattr(job, key)), key, bool)


def _exit(key: str) -> _Row:
    return _Row(key, lambda job: getattr(job, key).wait_status, key, ExitCode.from_wait_status)


def _job_state(job: Job) -> str:
    for flag, _base in STATE_FLAG_PRECEDENCE:
        if flag in job.state_flags:
            return flag
    return job.state.value


def _read_job_state(record: dict[str, Any]) -> dict[str, Any]:
    word = record["job_state"]
    if word in _FLAG_BASE:
        return {"state": _FLAG_BASE[word], "state_flags": frozenset({word})}
    return {"state": JobState(word)}


def _core_spec(job: Job) -> int | None:
    return None if job.thread_spec is None else job.thread_spec | CORE_SPEC_THREAD


def _read_specs(record: dict[str, Any]) -> dict[str, Any]:
    core, thread = record.get("core_spec"), record.get("thread_spec")
    return {
        "thread_spec": None if core is None else core & ~CORE_SPEC_THREAD,
        "core_spec": thread,
    }


def _read_min_frequency(record: dict[str, Any]) -> dict[str, Any]:
    key = MISSPELT_FREQ_KEY if MISSPELT_FREQ_KEY in record else "cpu_frequency_minimum"
    return {"cpu_frequency_minimum": record.get(key)}


def _billable_tres(job: Job) -> float | None:
    return None if job.billable_tres is None else float(job.billable_tres)


def _cpus_per_task(job: Job) -> int | None:
    return None if job.cpu_frequency_minimum is None else job.cpus_per_task


def _when_tasks_known(name: str) -> Getter:
    """22.05 prints cpus and tasks only when the task count is known."""

    def read(job: Job) -> Any:
        if job.tasks is None or job.tasks == INFINITE:
            return None
        return getattr(job, name)

    return read


def _memory_per_node(job: Job) -> int | None:
    return None if job.memory_per_cpu is not None else job.memory_per_node


def _nice(job: Job) -> int | None:
    return job.nice or None  # 22.05 prints an unchanged nice (0) as null


def _flags(job: Job) -> list[str]:
    return [old for old, canon in FLAG_NAMES if canon in job.flags]


def _show_flags(job: Job) -> list[str]:
    return [name for name in SHOW_FLAGS if name in job.show_flags]


def _profile(job: Job) -> list[str] | None:
    if job.profile is None:
        return None
    return [old for old, canon in PROFILE_NAMES if canon in job.profile]


def _load_profile(value: list[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(_PROFILE_TO_CANON.get(v, v) for v in value)


def _shared(job: Job) -> str | None:
    return None if job.shared is None else SHARED_NAMES.get(job.shared, job.shared)


def _allocated_count_key(select_type: tuple[str, ...]) -> str | None:
    """22.05 names the CPU count after what the select plugin allocates."""
    if any(t.startswith(("CR_CORE", "CR_SOCKET")) for t in select_type):
        return "allocated_cores"
    if any(t.startswith("CR_CPU") for t in select_type):
        return "allocated_cpus"
    return None


def _render_node(node: AllocatedNode) -> dict[str, Any]:
    sockets: dict[str, dict[str, dict[str, str]]] = {}
    for core in node.cores:
        cores = sockets.setdefault(str(core.socket), {"cores": {}})["cores"]
        cores[str(core.core)] = "allocated_and_in_use" if core.in_use else "allocated"
    return {
        "sockets": sockets,
        "nodename": node.name,
        "cpus_used": node.cpus_used,
        "memory_used": node.memory_used,
        "memory_allocated": node.memory_allocated,
    }


def _job_resources(job: Job) -> dict[str, Any] | None:
    return None if job.job_resources is None else render_job_resources(job.job_resources)


def render_job_resources(res: JobResources) -> dict[str, Any]:
    out: dict[str, Any] = {"nodes": res.nodes}
    count_key = _allocated_count_key(res.select_type)
    if count_key:
        out[count_key] = res.cpus
    out["allocated_hosts"] = res.host_count
    out["allocated_nodes"] = [_render_node(node) for node in res.allocated_nodes]
    return out


def _parse_node(data: dict[str, Any]) -> AllocatedNode:
    cores = tuple(
        AllocatedCore(int(socket), int(core), state == "allocated_and_in_use")
        for socket, body in data.get("sockets", {}).items()
        for core, state in body.get("cores", {}).items()
    )
    return AllocatedNode(
        name=data.get("nodename", ""),
        cores=cores,
        cpus_used=data.get("cpus_used", 0),
        memory_used=data.get("memory_used", 0),
        memory_allocated=data.get("memory_allocated", 0),
    )


def parse_job_resources(data: dict[str, Any]) -> JobResources:
    if "allocated_cores" in data:
        select_type, cpus = ("CR_CORE",), data["allocated_cores"]
    elif "allocated_cpus" in data:
        select_type, cpus = ("CR_CPU",), data["allocated_cpus"]
    else:
        select_type, cpus = (), 0
    return JobResources(
        nodes=data.get("nodes", ""),
        cpus=cpus,
        host_count=data.get("allocated_hosts", 0),
        allocated_nodes=tuple(_parse_node(n) for n in data.get("allocated_nodes", [])),
        select_type=select_type,
    )


def _read_job_resources(record: dict[str, Any]) -> dict[str, Any]:
    data = record.get("job_resources")
    return {"job_resources": None if data is None else parse_job_resources(data)}


# Key order is the real daemon's (responses/GET_slurm_v0.0.38_jobs.json).
_ROWS: tuple[_Row, ...] = (
    _text("account"),
    _plain("accrue_time"),
    _text("admin_comment"),
    _plain("array_job_id"),
    _nullable("array_task_id"),
    _plain("array_max_tasks"),
    _text("array_task_string"),
    _plain("association_id"),
    _text("batch_features"),
    _bool("batch_flag"),
    _text("batch_host"),
    _Row("flags", _flags, "flags", lambda v: frozenset(_FLAG_TO_CANON.get(f, f) for f in v)),
    _text("burst_buffer"),
    _text("burst_buffer_state"),
    _text("cluster"),
    _text("cluster_features"),
    _text("command"),
    _text("comment"),
    _text("container"),
    _Row("contiguous", attr("contiguous"), "contiguous"),
    _Row("core_spec", _core_spec),
    _Row("thread_spec", attr("core_spec")),
    _nullable("cores_per_socket"),
    _Row("billable_tres", _billable_tres, "billable_tres"),
    _Row("cpus_per_task", _cpus_per_task, "cpus_per_task"),
    _Row("cpu_frequency_minimum", attr("cpu_frequency_minimum")),
    _nullable("cpu_frequency_maximum"),
    _nullable("cpu_frequency_governor"),
    _text("cpus_per_tres"),
    _plain("deadline"),
    _nullable("delay_boot"),
    _text("dependency"),
    _exit("derived_exit_code"),
    _plain("eligible_time"),
    _plain("end_time"),
    _text("excluded_nodes"),
    _exit("exit_code"),
    _text("features"),
    _text("federation_origin"),
    _text("federation_siblings_active"),
    _text("federation_siblings_viable"),
    _Row("gres_detail", lambda job: list(job.gres_detail), "gres_detail", tuple),
    _nullable("group_id"),
    _text("group_name"),
    _Row("job_id", attr("job_id"), "job_id"),
    _Row(
        "job_resources", lambda job: job.job_resources and render_job_resources(job.job_resources)
    ),
    _Row("job_state", _job_state),
    _plain("last_sched_evaluation"),
    _text("licenses"),
    _nullable("max_cpus"),
    _nullable("max_nodes"),
    _text("mcs_label"),
    _text("memory_per_tres"),
    _text("name"),
    _text("nodes"),
    _Row("nice", _nice, "nice"),
    _nullable("tasks_per_core"),
    _plain("tasks_per_node"),
    _nullable("tasks_per_socket"),
    _plain("tasks_per_board"),
    _Row("cpus", _when_tasks_known("cpus"), "cpus"),
    _plain("node_count"),
    _Row("tasks", _when_tasks_known("tasks"), "tasks"),
    _plain("het_job_id"),
    _text("het_job_id_set"),
    _plain("het_job_offset"),
    _text("partition"),
    _text("prefer"),
    _Row("memory_per_node", _memory_per_node, "memory_per_node"),
    _nullable("memory_per_cpu"),
    _plain("minimum_cpus_per_node"),
    _plain("minimum_tmp_disk_per_node"),
    _plain("preempt_time"),
    _plain("pre_sus_time"),
    _nullable("priority"),
    _Row("profile", _profile, "profile", _load_profile),
    _text("qos"),
    _bool("reboot"),
    _text("required_nodes"),
    _bool("requeue"),
    _plain("resize_time"),
    _plain("restart_cnt"),
    _text("resv_name"),
    _Row("shared", _shared, "shared", lambda v: None if v is None else _SHARED_TO_CANON.get(v, v)),
    _Row("show_flags", _show_flags, "show_flags", frozenset),
    _plain("sockets_per_board"),
    _nullable("sockets_per_node"),
    _plain("start_time"),
    _text("state_description"),
    _text("state_reason"),
    _text("standard_error"),
    _text("standard_input"),
    _text("standard_output"),
    _plain("submit_time"),
    _plain("suspend_time"),
    _text("system_comment"),
    _limit("time_limit"),
    _limit("time_minimum"),
    _nullable("threads_per_core"),
    _text("tres_bind"),
    _text("tres_freq"),
    _text("tres_per_job"),
    _text("tres_per_node"),
    _text("tres_per_socket"),
    _text("tres_per_task"),
    _text("tres_req_str"),
    _text("tres_alloc_str"),
    _plain("user_id"),
    _text("user_name"),
    _text("wckey"),
    _text("current_working_directory"),
)

JOB_FIELDS: FieldTable = tuple((row.key, row.get) for row in _ROWS)
_LOADED = tuple(row for row in _ROWS if row.field)
# Keys whose Job fields are filled from the whole record, not one value.
_READERS = (_read_job_state, _read_specs, _read_min_frequency, _read_job_resources)


def _freq_key(key: str) -> str:
    return MISSPELT_FREQ_KEY if key == "cpu_frequency_minimum" else key


def render_job(job: Job) -> dict[str, Any]:
    """One job as GET /slurm/v0.0.38/jobs (and squeue --json) writes it."""
    row = render(job, JOB_FIELDS)
    if job.job_resources is None:
        del row["job_resources"]  # absent, not null, before allocation
    if job.cpu_frequency_minimum is not None:
        row = {
            (MISSPELT_FREQ_KEY if k == "cpu_frequency_minimum" else k): v for k, v in row.items()
        }
    return row


def parse_job(record: dict[str, Any]) -> Job:
    """A v0.0.38 job record (or one entry of squeue --json) as a canonical Job.

    Raises:
        KeyError: `job_id` or `job_state` is missing.
        ValueError: `job_state` names no state Slurm knows.
    """
    values: dict[str, Any] = {
        row.field: row.load(record[row.key]) for row in _LOADED if row.key in record
    }
    for read in _READERS:
        values.update(read(record))
    return Job(**values)
