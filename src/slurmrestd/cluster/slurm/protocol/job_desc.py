"""JobDescription -> the values of a job_desc_msg_t, by Slurm's field names.

Version-neutral: the names are the struct members every protocol layout uses.
Unset fields are left out, so the layout's defaults apply. Conversions are
those Slurm's option layer makes (nice offset, per-CPU memory bit, mail type
and --signal bits, USE_DEFAULT_* flags), checked against sbatch and the real
slurmrestd on the testbed. A field that cannot be expressed is refused with
NOT_SUPPORTED naming it, never dropped silently.
"""

from __future__ import annotations

import grp
import re
import signal
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

from slurmrestd.api.numbers import INFINITE as CANONICAL_INFINITE
from slurmrestd.auth.users import USERS
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.protocol.wire import (
    CORE_SPEC_THREAD,
    DEFAULT_WARN_TIME,
    INFINITE,
    MAIL_TYPE_BITS,
    MEM_PER_CPU,
    NICE_OFFSET,
    NO_VAL,
    NO_VAL16,
    OPEN_MODES,
    SHARED_MODES,
    SIGNAL_FLAG_BITS,
    JobFlag,
)
from slurmrestd.model.job_desc import JobDescription

SOURCE = "slurm protocol"
Values = dict[str, Any]
Converter = Callable[[Any], Values]

_SIGNAL = re.compile(r"(?:([RB]+):)?(?:SIG)?([A-Z0-9]+)(?:@(\d+))?")


class _Invalid(ValueError):
    """A value Slurm cannot hold; job_desc_values names the field."""


def _whole(limit: int) -> Callable[[Any], int]:
    """A whole number below `limit` (Slurm's NO_VAL of that width, or a flag bit)."""

    def convert(value: Any) -> int:
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole:
            raise _Invalid(f"expected a whole number, got {value!r}")
        if not 0 <= int(value) < limit:
            raise _Invalid(f"{value} is out of range")
        return int(value)

    return convert


def _or_infinite(limit: int) -> Callable[[Any], int]:
    """Like _whole, with the canonical INFINITE as Slurm's INFINITE."""
    number = _whole(limit)
    return lambda value: INFINITE if value == CANONICAL_INFINITE else number(value)


def _to(wire: str, convert: Callable[[Any], Any] | None = None) -> Converter:
    """Write one wire field, converted or as given."""
    return lambda value: {wire: value if convert is None else convert(value)}


def _u32(wire: str) -> Converter:
    return _to(wire, _whole(NO_VAL))


def _u16(wire: str) -> Converter:
    return _to(wire, _whole(NO_VAL16))


def _switch(wire: str) -> Converter:
    return _to(wire, lambda value: 1 if value else 0)


def _flag(flag: JobFlag, unset: JobFlag | None = None) -> Converter:
    """`flag` for true; for an explicit false, `unset` when Slurm has a bit saying so."""
    if unset is None:
        return lambda value: {"bitflags": int(flag)} if value else {}
    return lambda value: {"bitflags": int(flag if value else unset)}


def _counted(wire: str, limit: int, flag: JobFlag) -> Converter:
    """A count that also tells slurmctld it was asked for (JOB_NTASKS_SET, JOB_CPUS_SET)."""
    number = _whole(limit)
    return lambda value: {wire: number(value), "bitflags": int(flag)}


def _memory(per_cpu: bool) -> Converter:
    number = _whole(MEM_PER_CPU)

    def apply(value: Any) -> Values:
        amount = 0 if value == CANONICAL_INFINITE else number(value)  # 0: all of it
        return {"pn_min_memory": (MEM_PER_CPU | amount) if per_cpu else amount}

    return apply


def _nice(value: Any) -> Values:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= NICE_OFFSET:
        raise _Invalid(f"bad nice value {value!r}")
    return {"nice": NICE_OFFSET + value}


def _signal(value: Any) -> Values:
    """--signal "[R|B|RB:]SIG[@seconds]" -> warn_flags, warn_signal, warn_time."""
    match = _SIGNAL.fullmatch(str(value).strip().upper())
    if match is None:
        raise _Invalid(f"bad signal specification {value!r}")
    prefix, name, seconds = match.groups()
    if name.isdigit():
        number = int(name)
    elif f"SIG{name}" in signal.Signals.__members__:
        number = int(signal.Signals[f"SIG{name}"])
    else:
        raise _Invalid(f"unknown signal {name!r}")
    when = DEFAULT_WARN_TIME if seconds is None else int(seconds)
    if not 0 < number < 65 or when >= NO_VAL16:
        raise _Invalid(f"bad signal specification {value!r}")
    flags = 0
    for letter in prefix or "":
        flags |= SIGNAL_FLAG_BITS[letter]
    return {"warn_flags": flags, "warn_signal": number, "warn_time": when}


def _mail_type(value: Any) -> Values:
    names = value.split(",") if isinstance(value, str) else list(value)
    bits = 0
    for name in (str(n).strip().upper() for n in names):
        if name not in MAIL_TYPE_BITS:
            raise _Invalid(f"unknown mail type {name!r}")
        bits |= MAIL_TYPE_BITS[name]
    return {"mail_type": bits}


def _choice(wire: str, table: Mapping[str, int]) -> Converter:
    def apply(value: Any) -> Values:
        chosen = table.get(str(value).lower())
        if chosen is None:
            raise _Invalid(f"unknown value {value!r}")
        return {wire: chosen}

    return apply


def _tres_text(value: Any) -> str:
    """API TRES "gres/gpu:1,gres/nic" -> the "gres:gpu:1,gres:nic" form Slurm's options store."""
    items = [item.strip() for item in str(value).split(",") if item.strip()]
    return ",".join(
        "gres:" + item.removeprefix("gres/") if item.startswith("gres/") else item for item in items
    )


def _environment(value: Any) -> Values:
    entries = []
    for name, text in dict(value).items():
        if not name or "=" in name or "\0" in name or "\0" in str(text):
            raise _Invalid(f"cannot pass variable {name!r}")
        entries.append(f"{name}={text}")
    return {"environment": entries}


def _thread_spec(value: Any) -> Values:
    return {"core_spec": CORE_SPEC_THREAD | _whole(CORE_SPEC_THREAD)(value)}


# JobDescription fields -> wire fields (user_id/group_id/hold/exclusive: see job_desc_values).
FIELD_CONVERTERS: dict[str, Converter] = {
    "script": _to("script"),
    "name": _to("name"),
    "account": _to("account"),
    "partition": _to("partition"),
    "qos": _to("qos"),
    "reservation": _to("reservation"),
    "comment": _to("comment"),
    "admin_comment": _to("admin_comment"),
    "wckey": _to("wckey"),
    "current_working_directory": _to("work_dir"),
    "standard_input": _to("std_in"),
    "standard_output": _to("std_out"),
    "standard_error": _to("std_err"),
    "environment": _environment,
    "argv": _to("argv", lambda value: [str(item) for item in value]),
    "minimum_nodes": _u32("min_nodes"),
    "maximum_nodes": _u32("max_nodes"),
    "tasks": _counted("num_tasks", NO_VAL, JobFlag.JOB_NTASKS_SET),
    "tasks_per_node": _u16("ntasks_per_node"),
    "cpus_per_task": _counted("cpus_per_task", NO_VAL16, JobFlag.JOB_CPUS_SET),
    "minimum_cpus": _u32("min_cpus"),
    "memory_per_node": _memory(per_cpu=False),
    "memory_per_cpu": _memory(per_cpu=True),
    "constraints": _to("features"),
    "required_nodes": _to("req_nodes"),
    "excluded_nodes": _to("exc_nodes"),
    "licenses": _to("licenses"),
    "tres_per_node": _to("tres_per_node", _tres_text),
    "time_limit": _to("time_limit", _or_infinite(NO_VAL)),
    "time_minimum": _to("time_min", _or_infinite(NO_VAL)),
    "begin_time": _to("begin_time", int),
    "deadline": _to("deadline", int),
    "array": _to("array_inx"),
    "dependency": _to("dependency"),
    "priority": _to("priority", _or_infinite(NO_VAL)),
    "nice": _nice,
    "requeue": _switch("requeue"),
    "kill_on_node_fail": _switch("kill_on_node_fail"),
    "signal": _signal,
    "mail_type": _mail_type,
    "mail_user": _to("mail_user"),
    "open_mode": _choice("open_mode", OPEN_MODES),
}

# `extra` keys the version parsers produce -> wire fields.
EXTRA_CONVERTERS: dict[str, Converter] = {
    "account_gather_frequency": _to("acctg_freq"),
    "batch_features": _to("batch_features"),
    "burst_buffer": _to("burst_buffer"),
    "cluster_constraint": _to("cluster_features"),
    "container": _to("container"),
    "contiguous": _switch("contiguous"),
    "core_specification": _u16("core_spec"),
    "cores_per_socket": _u16("cores_per_socket"),
    "delay_boot": _u32("delay_boot"),
    "immediate": _switch("immediate"),
    # An explicit false overrides DependencyParameters=kill_invalid_depend (as sbatch's
    # --kill-on-invalid-dep=no).
    "kill_on_invalid_dependency": _flag(JobFlag.KILL_INV_DEP, JobFlag.NO_KILL_INV_DEP),
    "mcs_label": _to("mcs_label"),
    "minimum_cpus_per_node": _u16("pn_min_cpus"),
    "network": _to("network"),
    "overcommit": _switch("overcommit"),
    "prefer": _to("prefer"),
    "reboot": _switch("reboot"),
    "required_switches": _u32("req_switch"),
    "shared": _choice("shared", SHARED_MODES),
    "sockets_per_node": _u16("sockets_per_node"),
    "spread_job": _flag(JobFlag.SPREAD_JOB),
    "tasks_per_core": _u16("ntasks_per_core"),
    "tasks_per_socket": _u16("ntasks_per_socket"),
    "tasks_per_tres": _u16("ntasks_per_tres"),
    "ntasks_per_tres": _u16("ntasks_per_tres"),
    "temporary_disk_per_node": _u32("pn_min_tmp_disk"),
    "thread_specification": _thread_spec,
    "threads_per_core": _u16("threads_per_core"),
    "use_minimum_nodes": _flag(JobFlag.USE_MIN_NODES),
    "wait_all_nodes": _switch("wait_all_nodes"),
}

_FIELD_NAMES = frozenset(f.name for f in fields(JobDescription)) - {"extra"}
# Handled by job_desc_values itself.
_APART = frozenset({"hold", "exclusive", "user_id", "group_id", "umask", "user_name", "group_name"})


# Extras whose explicit false Slurm records (a bit of its own), unlike other falses.
_SAID_FALSE = frozenset({"kill_on_invalid_dependency"})


def _empty(value: Any) -> bool:
    """Values that ask for nothing (an echoed default): unset, empty, false or zero."""
    return value is None or value is False or value == 0 or value in ("", [], (), {})


def _merge(into: Values, more: Values) -> None:
    for key, value in more.items():
        into[key] = into.get(key, 0) | value if key == "bitflags" else value


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
    job: JobDescription | Mapping[str, Any], *, user_id: int | None, group_id: int | None
) -> Values:
    """The wire values of one batch job, for the user the credential names.

    `user_id`/`group_id` are that user's (None: let slurmctld take them from the
    credential); the job's own user_id/group_id (or user_name/group_name) win,
    and slurmctld decides whether the caller may submit for them.

    Raises:
        SlurmError: EINVAL for a value Slurm cannot hold; NOT_SUPPORTED for a
            field this client cannot send.
    """
    desc = as_job_description(job)
    values: Values = {}
    for name, value in desc.given().items():
        if name in _APART:
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
        except _Invalid as exc:
            raise SlurmError(Errno.EINVAL, f"{name}: {exc}", SOURCE) from None
    _identity(desc, values, user_id, group_id)
    _hold_and_sharing(desc, values)
    umask = desc.extra.get("umask")
    if isinstance(umask, int) and not isinstance(umask, bool):
        values.setdefault("environment", []).append(f"SLURM_UMASK={umask:04o}")
    _merge(values, {"bitflags": int(_default_flags(desc))})
    return values


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
                values[wire] = _whole(NO_VAL)(number)
            except _Invalid as exc:
                raise SlurmError(Errno.EINVAL, f"{wire}: {exc}", SOURCE) from None


def _hold_and_sharing(desc: JobDescription, values: Values) -> None:
    if desc.hold and desc.priority is None:
        values["priority"] = 0  # a held job is one of priority zero
    if desc.exclusive and "shared" not in values:
        values["shared"] = SHARED_MODES["none"]


def _default_flags(desc: JobDescription) -> int:
    """USE_DEFAULT_* for each of account, partition, QOS, wckey the job leaves to Slurm."""
    flags = 0
    for given, flag in (
        (desc.account, JobFlag.USE_DEFAULT_ACCT),
        (desc.partition, JobFlag.USE_DEFAULT_PART),
        (desc.qos, JobFlag.USE_DEFAULT_QOS),
        (desc.wckey, JobFlag.USE_DEFAULT_WCKEY),
    ):
        if not given:
            flags |= flag
    return flags
