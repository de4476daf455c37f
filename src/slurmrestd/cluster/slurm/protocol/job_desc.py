"""JobDescription -> the values of a job_desc_msg_t, by Slurm's field names.

Version-neutral: the names are the struct members every protocol layout uses.
Unset fields are left out, so the layout's defaults apply. Each field (or
`extra` key) goes through its converter from job_options.py, as the tables
below say; USE_DEFAULT_* flags are added here. Where one field's values depend
on others (hint, arbitrary layout, task counts from GPU counts, limits) a
job-wide step runs after the per-field converters; the result is proven byte
for byte against the real sbatch (tests/slurm/test_protocol_sbatch_equality.py).
A value sbatch would refuse is EINVAL; a field that cannot be expressed is
refused with NOT_SUPPORTED naming it, never dropped silently.
"""

from __future__ import annotations

import grp
from collections.abc import Callable, Collection, Mapping
from dataclasses import fields
from typing import Any

from slurmrestd.auth.users import USERS
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.protocol.job_options import (
    HINTS,
    Converter,
    InvalidOption,
    UnsupportedOption,
    Values,
    checked,
    choice,
    counted,
    cpu_frequency,
    distribution,
    environment,
    flag,
    gpu_option,
    gpus,
    gres_flags,
    hint_words,
    job_flags,
    mail_type,
    memory,
    memory_binding,
    nice,
    or_infinite,
    profile,
    rlimit_entries,
    signal,
    switch,
    thread_spec,
    to,
    tres_or_gpus,
    tres_text,
    u16,
    u32,
    whole,
)
from slurmrestd.cluster.slurm.protocol.wire import (
    CPU_FREQ_GOVERNORS,
    DEFAULT_CPU_FREQ_GOVERNORS,
    NO_VAL,
    NO_VAL16,
    OPEN_MODES,
    SHARED_MODES,
    SLURM_DIST_ARBITRARY,
    SLURM_DIST_STATE_BASE,
    JobFlag,
)
from slurmrestd.hostlist import expand
from slurmrestd.model.job_desc import JobDescription

SOURCE = "slurm protocol"


# JobDescription fields -> wire fields (user_id/group_id/hold/exclusive: see job_desc_values).
FIELD_CONVERTERS: dict[str, Converter] = {
    "script": to("script"),
    "name": to("name"),
    "account": to("account"),
    "partition": to("partition"),
    "qos": to("qos"),
    "reservation": to("reservation"),
    "comment": to("comment"),
    "admin_comment": to("admin_comment"),
    "wckey": to("wckey"),
    "current_working_directory": to("work_dir"),
    "standard_input": to("std_in"),
    "standard_output": to("std_out"),
    "standard_error": to("std_err"),
    "environment": environment,
    "argv": to("argv", lambda value: [str(item) for item in value]),
    "minimum_nodes": u32("min_nodes"),
    "maximum_nodes": u32("max_nodes"),
    "tasks": counted("num_tasks", NO_VAL, JobFlag.JOB_NTASKS_SET),
    "tasks_per_node": u16("ntasks_per_node"),
    "cpus_per_task": counted("cpus_per_task", NO_VAL16, JobFlag.JOB_CPUS_SET),
    "minimum_cpus": u32("min_cpus"),
    "memory_per_node": memory(per_cpu=False),
    "memory_per_cpu": memory(per_cpu=True),
    "constraints": to("features"),
    "required_nodes": to("req_nodes"),
    "excluded_nodes": to("exc_nodes"),
    "licenses": to("licenses"),
    "tres_per_node": to("tres_per_node", tres_text),
    "time_limit": to("time_limit", or_infinite(NO_VAL)),
    "time_minimum": to("time_min", or_infinite(NO_VAL)),
    "begin_time": to("begin_time", int),
    "deadline": to("deadline", int),
    "array": to("array_inx"),
    "dependency": to("dependency"),
    "priority": to("priority", or_infinite(NO_VAL)),
    "nice": nice,
    "requeue": switch("requeue"),
    "kill_on_node_fail": switch("kill_on_node_fail"),
    "signal": signal,
    "mail_type": mail_type,
    "mail_user": to("mail_user"),
    "open_mode": choice("open_mode", OPEN_MODES),
}

# `extra` keys the version parsers produce -> wire fields.
EXTRA_CONVERTERS: dict[str, Converter] = {
    "account_gather_frequency": to("acctg_freq"),
    "batch_features": to("batch_features"),
    "burst_buffer": to("burst_buffer"),
    "cluster_constraint": to("cluster_features"),
    "container": to("container"),
    "contiguous": switch("contiguous"),
    "core_specification": u16("core_spec"),
    "cores_per_socket": u16("cores_per_socket"),
    "cpu_binding_hint": checked(hint_words),  # applied by _apply_hint
    "cpu_frequency": cpu_frequency,
    "cpus_per_gpu": tres_or_gpus("cpus_per_tres"),
    "cpus_per_tres": tres_or_gpus("cpus_per_tres"),
    "delay_boot": u32("delay_boot"),
    "distribution": distribution,
    "flags": job_flags,
    "get_user_environment": lambda value: {"environment": ["SLURM_GET_USER_ENV=1"]},
    "gpu_binding": gpu_option("tres_bind"),
    "gpu_frequency": gpu_option("tres_freq"),
    "gpus": gpus("tres_per_job"),
    "gpus_per_node": gpus("tres_per_node"),  # ahead of --gres items: see _merge
    "gpus_per_socket": gpus("tres_per_socket"),
    "gpus_per_task": gpus("tres_per_task"),
    "gres_flags": gres_flags,
    "immediate": switch("immediate"),
    # An explicit false overrides DependencyParameters=kill_invalid_depend (as sbatch's
    # --kill-on-invalid-dep=no).
    "kill_on_invalid_dependency": flag(JobFlag.KILL_INV_DEP, JobFlag.NO_KILL_INV_DEP),
    "mcs_label": to("mcs_label"),
    "memory_binding": memory_binding,
    "memory_per_gpu": tres_or_gpus("mem_per_tres"),
    "memory_per_tres": tres_or_gpus("mem_per_tres"),
    "minimum_cpus_per_node": u16("pn_min_cpus"),
    "network": to("network"),
    "overcommit": switch("overcommit"),
    "prefer": to("prefer"),
    "profile": profile,
    "reboot": switch("reboot"),
    "required_switches": u32("req_switch"),
    "rlimits": checked(rlimit_entries),  # applied by _apply_rlimits
    "shared": choice("shared", SHARED_MODES),
    "sockets_per_node": u16("sockets_per_node"),
    "spread_job": flag(JobFlag.SPREAD_JOB),
    "tasks_per_core": u16("ntasks_per_core"),
    "tasks_per_gpu": u16("ntasks_per_tres"),
    "tasks_per_socket": u16("ntasks_per_socket"),
    "tasks_per_tres": u16("ntasks_per_tres"),
    "ntasks_per_tres": u16("ntasks_per_tres"),
    "temporary_disk_per_node": u32("pn_min_tmp_disk"),
    "thread_specification": thread_spec,
    "threads_per_core": u16("threads_per_core"),
    "tres_bind": gpu_option("tres_bind"),
    "tres_freq": gpu_option("tres_freq"),
    "use_minimum_nodes": flag(JobFlag.USE_MIN_NODES),
    "wait_all_nodes": switch("wait_all_nodes"),
}

_FIELD_NAMES = frozenset(f.name for f in fields(JobDescription)) - {"extra"}
# Handled by job_desc_values itself.
HANDLED_APART = frozenset(
    {"hold", "exclusive", "user_id", "group_id", "umask", "user_name", "group_name"}
)


# Extras whose explicit false Slurm records (a bit of its own), unlike other falses.
_SAID_FALSE = frozenset({"kill_on_invalid_dependency"})


def _empty(value: Any) -> bool:
    """Values that ask for nothing (an echoed default): unset, empty, false or zero."""
    return value is None or value is False or value == 0 or value in ("", [], (), {})


def _merge(into: Values, more: Values) -> None:
    for key, value in more.items():
        if key == "bitflags":
            into[key] = into.get(key, 0) | value
        elif key == "environment":
            _set_environment(into, value)
        elif key == "tres_per_node" and key in into:
            # --gpus-per-node items come ahead of --gres ones (as sbatch orders them)
            into[key] = f"{value},{into[key]}"
        else:
            into[key] = value


def _set_environment(values: Values, entries: list[str]) -> None:
    """Add NAME=value entries; a later entry replaces an earlier one of the same name."""
    names = {entry.partition("=")[0] for entry in entries}
    kept = [
        entry for entry in values.get("environment", ()) if entry.partition("=")[0] not in names
    ]
    values["environment"] = kept + entries


def _user_id(name: str) -> int:
    try:
        return USERS.by_name(name).pw_uid
    except KeyError:
        raise SlurmError(Errno.USER_ID_MISSING, f"no such user: {name}", SOURCE) from None


def _group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise SlurmError(Errno.GROUP_ID_MISSING, f"no such group: {name}", SOURCE) from None


def as_job_description(job: JobDescription | Mapping[str, Any]) -> JobDescription:
    """A JobDescription from itself or from a mapping of its field names (others go to extra)."""
    if isinstance(job, JobDescription):
        return job
    desc = JobDescription()
    for name, value in job.items():
        if name == "extra":
            desc.extra.update(value)
        elif name in _FIELD_NAMES:
            setattr(desc, name, value)
        else:
            desc.extra[name] = value
    return desc


def job_desc_values(
    job: JobDescription | Mapping[str, Any],
    *,
    user_id: int | None,
    group_id: int | None,
    governors: Collection[str] | None = None,
) -> Values:
    """The wire values of one batch job, for the user the credential names.

    `user_id`/`group_id` are that user's (None: let slurmctld take them from the
    credential); the job's own user_id/group_id (or user_name/group_name) win,
    and slurmctld decides whether the caller may submit for them. `governors`
    are the CPU frequency governors slurm.conf allows (CpuFreqGovernors, lower
    case; None: Slurm's default), which sbatch checks before sending.

    Raises:
        SlurmError: EINVAL for a value Slurm cannot hold; NOT_SUPPORTED for a
            field this client cannot send.
    """
    desc = as_job_description(job)
    values: Values = {}
    for name, value in desc.given().items():
        if name in HANDLED_APART:
            continue
        from_extra = name in desc.extra
        converters = EXTRA_CONVERTERS if from_extra else FIELD_CONVERTERS
        if from_extra and _empty(value) and name not in _SAID_FALSE:
            continue
        if name not in converters:
            raise SlurmError(
                Errno.NOT_SUPPORTED, f"{name} cannot be sent by the protocol client", SOURCE
            )
        try:
            _merge(values, converters[name](value))
        except UnsupportedOption as exc:
            raise SlurmError(Errno.NOT_SUPPORTED, f"{name}: {exc}", SOURCE) from None
        except InvalidOption as exc:
            raise SlurmError(Errno.EINVAL, f"{name}: {exc}", SOURCE) from None
    for adjust in _JOB_WIDE:
        adjust(desc, values)
    _check_governor(values, DEFAULT_CPU_FREQ_GOVERNORS if governors is None else governors)
    _identity(desc, values, user_id, group_id)
    _hold_and_sharing(desc, values)
    umask = desc.extra.get("umask")
    if isinstance(umask, int) and not isinstance(umask, bool):
        values.setdefault("environment", []).append(f"SLURM_UMASK={umask:04o}")
    _merge(values, {"bitflags": int(_default_flags(desc))})
    return values


# -- job-wide steps: options whose wire values depend on other fields -----------


def _given(desc: JobDescription, name: str) -> Any:
    """An extra key's value, or None where it asks for nothing."""
    value = desc.extra.get(name)
    return None if _empty(value) else value


def _apply_hint(desc: JobDescription, values: Values) -> None:
    """--hint: dropped when threads or tasks per core are given; otherwise it replaces
    the socket/core/thread counts (sbatch 22.05, checked against it)."""
    hint = _given(desc, "cpu_binding_hint")
    if hint is None or _given(desc, "threads_per_core") or _given(desc, "tasks_per_core"):
        return
    for name in ("sockets_per_node", "cores_per_socket", "threads_per_core"):
        values.pop(name, None)
    for word in hint_words(hint):
        for name, number in HINTS[word].items():
            if number is None:
                values.pop(name, None)
            else:
                values[name] = number


def _apply_rlimits(desc: JobDescription, values: Values) -> None:
    # With --get-user-env sbatch propagates no limits: slurmd takes the user's own.
    limits = _given(desc, "rlimits")
    if limits is not None and not _given(desc, "get_user_environment"):
        _set_environment(values, rlimit_entries(limits))


def _arbitrary_layout(desc: JobDescription, values: Values) -> None:
    """Arbitrary distribution lays tasks out on required_nodes: one task per node
    unless tasks are given, and the list travels in the job's environment."""
    if values.get("task_dist", 0) & SLURM_DIST_STATE_BASE != SLURM_DIST_ARBITRARY:
        return
    nodes = values.get("req_nodes")
    if not nodes:
        raise SlurmError(Errno.EINVAL, "distribution: arbitrary needs required_nodes", SOURCE)
    if desc.tasks is None:
        try:
            values["num_tasks"] = len(set(expand(nodes)))
        except ValueError as exc:
            raise SlurmError(Errno.EINVAL, f"required_nodes: {exc}", SOURCE) from None
        _merge(values, {"bitflags": int(JobFlag.JOB_NTASKS_SET)})
    _set_environment(values, [f"SLURM_ARBITRARY_NODELIST={nodes}"])


def _gpu_count(spec: Any) -> int | None:
    """The count of a one-item --gpus* value ("2", "tesla:2"); None if not plain."""
    if spec is None or isinstance(spec, bool) or "," in str(spec):
        return None
    count = str(spec).strip().rpartition(":")[2]
    return int(count) if count.isdigit() else None


def _gpu_task_count(desc: JobDescription, values: Values) -> None:
    """Task counts sbatch derives from GPU counts (gres_job_state_validate): gpus /
    gpus_per_task without tasks; ntasks_per_tres times the job's (or each node's) GPUs.
    Inconsistent requests are left for slurmctld to refuse, as it runs the same check."""
    per_job = _gpu_count(_given(desc, "gpus"))
    per_task = _gpu_count(_given(desc, "gpus_per_task"))
    per_node = _gpu_count(_given(desc, "gpus_per_node"))
    per_gpu = values.get("ntasks_per_tres")
    if per_task and per_job and desc.tasks is None and per_job % per_task == 0:
        values["num_tasks"] = per_job // per_task
    elif per_gpu and per_task is None and per_job is not None:
        values["num_tasks"] = per_gpu * per_job
    elif per_gpu and per_task is None and per_node is not None:
        values["num_tasks"] = per_gpu * per_node * (desc.minimum_nodes or 1)


_JOB_WIDE: tuple[Callable[[JobDescription, Values], None], ...] = (
    _apply_hint,
    _apply_rlimits,
    _arbitrary_layout,
    _gpu_task_count,
)


def _check_governor(values: Values, allowed: Collection[str]) -> None:
    governor = values.get("cpu_freq_gov")
    if governor is None:
        return
    name = next(name for name, bits in CPU_FREQ_GOVERNORS.items() if bits == governor)
    if name not in {item.lower() for item in allowed}:
        text = f"cpu_frequency: governor {name} is not allowed by CpuFreqGovernors"
        raise SlurmError(Errno.EINVAL, text, SOURCE)


def _identity(desc: JobDescription, values: Values, uid: int | None, gid: int | None) -> None:
    user_name, group_name = desc.extra.get("user_name"), desc.extra.get("group_name")
    if desc.user_id is not None:
        uid = desc.user_id
    elif user_name:
        uid = _user_id(str(user_name))
    if desc.group_id is not None:
        gid = desc.group_id
    elif group_name:
        gid = _group_id(str(group_name))
    for wire, number in (("user_id", uid), ("group_id", gid)):
        if number is not None:
            try:
                values[wire] = whole(NO_VAL)(number)
            except InvalidOption as exc:
                raise SlurmError(Errno.EINVAL, f"{wire}: {exc}", SOURCE) from None


def _hold_and_sharing(desc: JobDescription, values: Values) -> None:
    if desc.hold and desc.priority is None:
        values["priority"] = 0  # a held job is one of priority zero
    if desc.exclusive and "shared" not in values:
        values["shared"] = SHARED_MODES["none"]


def _default_flags(desc: JobDescription) -> int:
    """USE_DEFAULT_* for each of account, partition, QOS, wckey the job leaves to Slurm."""
    flags = 0
    for given, bit in (
        (desc.account, JobFlag.USE_DEFAULT_ACCT),
        (desc.partition, JobFlag.USE_DEFAULT_PART),
        (desc.qos, JobFlag.USE_DEFAULT_QOS),
        (desc.wckey, JobFlag.USE_DEFAULT_WCKEY),
    ):
        if not given:
            flags |= bit
    return flags
