"""v0.0.38 job bodies (POST /job/submit, /job/{job_id}) -> JobDescription, as 22.05 parsed them.

22.05 did not check these bodies against its schema: each key of a job object
is looked up (lower-cased, aliases allowed) in a table of sbatch options and
handed to that option's own parser; the first failing key ends the parse. The
error objects it wrote are not uniform and clients match on them, so they are
reproduced here as data (captures: reference/slurm-22.05/responses/
POST_slurm_v0.0.38_job_submit__err_*.json). 22.05 wrote no warnings.
"""

from __future__ import annotations

import math
import re
import signal
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions import request
from slurmrestd.api.versions.request import ParsedSubmit, ParsedUpdate, RequestInvalid
from slurmrestd.api.versions.v0_0_38.parse_time import epoch_from_time_spec
from slurmrestd.cluster.errors import Errno, error_text
from slurmrestd.model.job_desc import JobDescription

# Sources and texts of the 22.05 wire (facts of slurmrestd 22.05.8).
SOURCE_UNKNOWN_KEY = "hsearch_r"
SOURCE_DISABLED_KEY = "openapi specification"
SOURCE_OPTION = "slurm_process_option_data"
SOURCE_JOB_LIST = "_parse_job_list"
SOURCE_HET_JOB = "_parse_job_desc"
TEXT_ENVIRONMENT_MISSING = "environment must be set"
TEXT_READ_STRING = "Unable to read string"
TEXT_READ_INTEGER = "Unable to read integer value"

INT_MAX = 2**31 - 1
NO_VAL = 0xFFFFFFFE
NICE_LIMIT = 2**31 - 3  # NICE_OFFSET - 3
CORE_SPEC_THREAD = 0x8000

_JOB_FIELDS = frozenset(f.name for f in fields(JobDescription)) - {"extra"}


# --- the error objects 22.05 writes ----------------------------------------


def code_entry(errno: int) -> dict[str, Any]:
    """The submit handler's own entry: {"error_code", "error"}."""
    return {"error_code": int(errno), "error": error_text(errno)}


def option_entry(text: str, rc: int) -> dict[str, Any]:
    """An option parser's entry: {"error", "error_code"} (that key order)."""
    return {"error": text, "error_code": int(rc)}


def resp_entry(rc: int, source: str, description: str) -> dict[str, Any]:
    """22.05's resp_error(): the errno pair is left out when rc is 0."""
    entry: dict[str, Any] = {"description": description}
    if rc:
        entry["error_number"] = int(rc)
        entry["error"] = error_text(rc)
    entry["source"] = source
    return entry


class _OptionFailed(Exception):
    def __init__(self, rc: int, text: str | None = None, before: tuple[dict, ...] = ()) -> None:
        super().__init__(text or error_text(rc))
        self.rc = int(rc)
        self.entries = [*before, *([option_entry(text, rc)] if text else [])]


class _JobFailed(Exception):
    def __init__(self, entries: list[dict[str, Any]]) -> None:
        super().__init__(entries)
        self.entries = entries


class _ListFailed(_JobFailed):
    """The job entry is missing or of the wrong kind (9002)."""

    def __init__(self, errno: int, entries: list[dict[str, Any]]) -> None:
        super().__init__(entries)
        self.errno = int(errno)


# --- value readers, as 22.05's data conversions behave ----------------------

_INTEGER = re.compile(r"[+-]?\d+")
# 22.05's string -> boolean: these words (any case, nothing around them) and numbers
# equal to zero are false; any other string, "" aside, is true ("sure", " no", "0e0":
# compared with the real daemon, submit and `scontrol show job`).
_FALSE_WORDS = frozenset({"n", "no", "f", "false", "off"})
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)", re.ASCII)
_PLAIN_INTEGER = re.compile(r"[+-]?[0-9]+")  # no spaces around it, unlike _INTEGER


def _text(value: Any, failure: str | None = TEXT_READ_STRING) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:f}"
    raise _OptionFailed(Errno.DATA_CONV_FAILED, failure)


def _integer(value: Any, failure: str | None = TEXT_READ_INTEGER) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    raise _OptionFailed(Errno.DATA_CONV_FAILED, failure)


def _boolean(value: Any, failure: str | None = None) -> bool:
    """22.05's boolean reading: only objects and lists fail (null is false)."""
    if value is None:
        return False
    if isinstance(value, (bool, int, float)):
        return bool(value)
    if isinstance(value, str):
        if value.lower() in _FALSE_WORDS:
            return False
        if _DECIMAL.fullmatch(value):
            return float(value) != 0
        return value != ""
    raise _OptionFailed(Errno.DATA_CONV_FAILED, failure)


def _rounded(value: float) -> int:
    """A JSON float as 22.05 made it an integer: halves away from zero."""
    whole = math.floor(abs(value) + 0.5)
    return whole if value >= 0 else -whole


# --- option setters: value -> {JobDescription field or extra key: value} -----

Setter = Callable[[Any], dict[str, Any]]


def _string(name: str, failure: str | None = None, none_is_dev_null: bool = False) -> Setter:
    def read(value: Any) -> dict[str, Any]:
        text = _text(value, failure)
        if none_is_dev_null and text.lower() == "none":
            text = "/dev/null"
        return {name: text}

    return read


def _int(name: str, too_large: str = "Integer too large", too_small: str | None = None) -> Setter:
    """An integer option; `too_small` set means the value must be at least 1."""

    def read(value: Any) -> dict[str, Any]:
        number = _integer(value)
        if number >= INT_MAX:
            raise _OptionFailed(-1, too_large)
        if too_small is not None and number < 1:
            raise _OptionFailed(-1, too_small)
        if too_small is None and number <= -INT_MAX - 1:
            raise _OptionFailed(-1, "Integer too small")
        return {name: number}

    return read


def _flag(name: str, negate: bool = False) -> Setter:
    # 22.05 set these flags whatever the value; we honour an explicit false
    def read(value: Any) -> dict[str, Any]:
        try:
            on = _boolean(value)
        except _OptionFailed:
            on = True
        return {name: on != negate}

    return read


def _boolean_option(name: str, failure: str | None = None) -> Setter:
    return lambda value: {name: _boolean(value, failure)}


def _wait_all_nodes(value: Any) -> dict[str, Any]:
    # an integer option of 0 or 1 in 22.05, not a boolean: true, "yes" and " 1" fail
    if isinstance(value, float) and math.isfinite(value):
        number = _rounded(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _PLAIN_INTEGER.fullmatch(value):
        number = int(value)
    else:
        raise _OptionFailed(Errno.DATA_CONV_FAILED, TEXT_READ_INTEGER)
    if number < 0:
        raise _OptionFailed(-1, "Wait all nodes too small")
    if number > 1:
        raise _OptionFailed(-1, "Wait all nodes too large")
    return {"wait_all_nodes": number == 1}


def _duration(name: str) -> Setter:
    def read(value: Any) -> dict[str, Any]:
        minutes = request.minutes_from_time_string(_text(value))
        if minutes is None:
            raise _OptionFailed(-1, "Invalid time specification")
        return {name: INFINITE if minutes == 0 else minutes}

    return read


def _moment(name: str, invalid: str, rc: int) -> Setter:
    # 22.05's parse_time(): a bare number is a MMDD[YY] date, never UNIX seconds
    def read(value: Any) -> dict[str, Any]:
        epoch = epoch_from_time_spec(_text(value))
        if not epoch:
            # the option's own entry carries `rc`; the option itself failed with -1
            raise _OptionFailed(-1, before=(option_entry(invalid, rc),))
        return {name: epoch}

    return read


def _megabytes(name: str, unreadable: str, invalid: str) -> Setter:
    def read(value: Any) -> dict[str, Any]:
        size = request.megabytes_from_string(_text(value, unreadable))
        if size is None:
            raise _OptionFailed(-1, invalid)
        return {name: size}

    return read


def _nodes(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        if len(value) != 2:
            raise _OptionFailed(-1, "Invalid node count list size")
        counts = []
        for item in value:
            try:
                counts.append(_integer(item, None))
            except _OptionFailed as exc:
                first = option_entry("Invalid node count", exc.rc)
                raise _OptionFailed(-1, "Invalid node count specification", (first,)) from None
        return {"minimum_nodes": counts[0], "maximum_nodes": counts[1]}
    counts = request.node_count_range(_text(value))
    if counts is None:
        raise _OptionFailed(-1, "Invalid node count string")
    return {"minimum_nodes": counts[0], "maximum_nodes": counts[1]}


def _environment(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _OptionFailed(-1, "environment must be a dictionary")
    try:
        return {"environment": {str(k): _text(v, None) for k, v in value.items()}}
    except _OptionFailed:
        raise _OptionFailed(-1, "failure parsing environment") from None


def _argv(value: Any) -> dict[str, Any]:
    items = value if isinstance(value, list) else [value]
    return {"argv": [_text(item, None) for item in items]}


def _exclusive(value: Any) -> dict[str, Any]:
    mode = _text(value).lower()
    if mode in ("exclusive", "true"):
        return {"exclusive": True}
    if mode == "false":
        return {"exclusive": False}
    if mode == "oversubscribe":
        return {"exclusive": False, "shared": "oversubscribe"}
    if mode in ("user", "mcs"):
        return {"exclusive": True, "shared": mode}
    raise _OptionFailed(-1, "Invalid exclusive specification")


def _open_mode(value: Any) -> dict[str, Any]:
    mode = _text(value)[:1].lower()
    if mode not in ("a", "t"):
        raise _OptionFailed(-1, "Invalid open mode specification")
    return {"open_mode": "append" if mode == "a" else "truncate"}


_SIGNAL_NAMES = frozenset(s.name.removeprefix("SIG") for s in signal.Signals)
_SIGNAL = re.compile(r"(?:([RB]+):)?(?:SIG)?([A-Z0-9]+)(?:@(\d+))?")


def _signal(value: Any) -> dict[str, Any]:
    text = _text(value)
    match = _SIGNAL.fullmatch(text.upper())
    valid = match is not None and (match.group(3) is None or int(match.group(3)) <= 0xFFFF)
    if valid:
        sig = match.group(2)
        valid = (sig.isdigit() and 0 < int(sig) < 65) or sig in _SIGNAL_NAMES
    if not valid:
        raise _OptionFailed(-1, "Invalid SIGNAL specification")
    return {"signal": text}


MAIL_TYPES = frozenset(
    {"NONE", "BEGIN", "END", "FAIL", "REQUEUE", "ALL", "TIME_LIMIT", "TIME_LIMIT_90",
     "TIME_LIMIT_80", "TIME_LIMIT_50", "STAGE_OUT", "ARRAY_TASKS", "INVALID_DEPEND"}
)  # fmt: skip


def _mail_type(value: Any) -> dict[str, Any]:
    types = [t.strip().upper() for t in _text(value).split(",") if t.strip()]
    if any(t not in MAIL_TYPES for t in types):
        raise _OptionFailed(-1, "Invalid mail type specification")
    return {"mail_type": types}


def _priority(value: Any) -> dict[str, Any]:
    try:
        number = _integer(value, None)
    except _OptionFailed:
        if _text(value).lower() == "top":
            return {"priority": INFINITE}
        raise _OptionFailed(-1, "Invalid priority") from None
    if number >= NO_VAL:
        raise _OptionFailed(-1, "Priority too large")
    if number <= 0:
        raise _OptionFailed(-1, "Priority must be >0")
    return {"priority": number}


def _nice(value: Any) -> dict[str, Any]:
    number = 100 if value is None else _integer(value)
    if abs(number) >= NICE_LIMIT:
        raise _OptionFailed(-1, "Nice too large")
    return {"nice": number}


def _no_kill(value: Any) -> dict[str, Any]:
    if value is None or isinstance(value, bool):
        return {"kill_on_node_fail": value is False}
    mode = _text(value).lower()
    if mode not in ("set", "off", "no"):
        raise _OptionFailed(-1, "Invalid no kill specification")
    return {"kill_on_node_fail": mode != "set"}


def _gres(value: Any) -> dict[str, Any]:
    text = _text(value)
    if text.lower() in ("help", "list"):
        raise _OptionFailed(-1, 'GRES "help" not supported')
    if text.lower() == "none":
        return {"tres_per_node": "none"}
    items = [item.strip().removeprefix("gres:").removeprefix("gres/") for item in text.split(",")]
    return {"tres_per_node": ",".join(f"gres/{item}" for item in items if item)}


def _choice(name: str, choices: tuple[str, ...], invalid: str) -> Setter:
    def read(value: Any) -> dict[str, Any]:
        text = _text(value).lower()
        if text not in choices:
            raise _OptionFailed(-1, invalid)
        return {name: text}

    return read


def _thread_spec(value: Any) -> dict[str, Any]:
    number = _integer(value, "Unable to read integer")
    if number >= CORE_SPEC_THREAD:
        raise _OptionFailed(-1, "core_spec is too large")
    if number <= 0:
        raise _OptionFailed(-1, "core_spec must be >0")
    return {"thread_specification": number}


def _core_spec(value: Any) -> dict[str, Any]:
    number = _integer(value, "Unable to read int")
    if number < 0:
        raise _OptionFailed(-1, "Invalid core specification")
    return {"core_specification": number}


def _delay_boot(value: Any) -> dict[str, Any]:
    seconds = request.seconds_from_time_string(_text(value))
    if seconds is None or seconds == INFINITE:
        raise _OptionFailed(-1, "Invalid delay boot specification")
    return {"delay_boot": seconds}


def _umask(value: Any) -> dict[str, Any]:
    text = _text(value).strip()
    if not re.fullmatch(r"[0-7]+", text):
        raise _OptionFailed(-1, "Invalid octal umask")
    if int(text, 8) > 0o7777:
        raise _OptionFailed(-1, "umask too large")
    return {"umask": int(text, 8)}


def _user_environment(value: Any) -> dict[str, Any]:
    if value is None or isinstance(value, bool):
        return {"get_user_environment": value is not False}
    text = _text(value)
    if not re.fullmatch(r"\d+[sSlL]?", text):
        raise _OptionFailed(-1, "Invalid get user environment specification")
    return {"get_user_environment": text}


# 22.05's job keys (jobs.c job_params): key -> setter. Names other than
# JobDescription fields land in JobDescription.extra.
OPTIONS: dict[str, Setter] = {
    "account": _string("account"),
    "account_gather_frequency": _string("account_gather_frequency"),
    "argv": _argv,
    "array": _string("array"),
    "batch_features": _string("batch_features"),
    "begin_time": _moment("begin_time", "Unable to parse time", Errno.INVALID_TIME_VALUE),
    "burst_buffer": _string("burst_buffer"),
    "cluster_constraint": _string("cluster_constraint"),
    "comment": _string("comment"),
    "constraint": _string("constraints"),
    "constraints": _string("constraints"),
    "container": _string("container"),
    "core_specification": _core_spec,
    "cores_per_socket": _int("cores_per_socket"),
    "cpu_binding_hint": _string("cpu_binding_hint"),
    "cpu_frequency": _string("cpu_frequency", TEXT_READ_STRING),
    "cpus_per_gpu": _int("cpus_per_gpu"),
    "cpus_per_task": _int("cpus_per_task", too_small="cpus per task much be greater than 0"),
    "current_working_directory": _string("current_working_directory", TEXT_READ_STRING),
    "cwd": _string("current_working_directory", TEXT_READ_STRING),
    "deadline": _moment("deadline", "Invalid deadline time", -1),
    "delay_boot": _delay_boot,
    "dependency": _string("dependency"),
    "distribution": _string("distribution", TEXT_READ_STRING),
    "environment": _environment,
    "exclude_nodes": _string("excluded_nodes"),
    "exclusive": _exclusive,
    "get_user_environment": _user_environment,
    "gpu_binding": _string("gpu_binding", TEXT_READ_STRING),
    "gpu_frequency": _string("gpu_frequency", TEXT_READ_STRING),
    "gpus": _string("gpus"),
    "gpus_per_node": _string("gpus_per_node"),
    "gpus_per_socket": _string("gpus_per_socket"),
    "gpus_per_task": _string("gpus_per_task"),
    "gres": _gres,
    "gres_flags": _choice(
        "gres_flags", ("disable-binding", "enforce-binding"), "Invalid GRES flags"
    ),
    "hold": _boolean_option("hold"),
    "job_name": _string("name"),
    "kill_on_invalid_dependency": _boolean_option(
        "kill_on_invalid_dependency", "Unable to read boolean"
    ),
    "license": _string("licenses"),
    "licenses": _string("licenses"),
    "mail_type": _mail_type,
    "mail_user": _string("mail_user"),
    "mcs_label": _string("mcs_label"),
    "memory_binding": _string("memory_binding", TEXT_READ_STRING),
    "memory_per_cpu": _megabytes(
        "memory_per_cpu",
        "Invalid --mem-per-cpu specification string",
        "Invalid --mem-per-cpu specification",
    ),
    "memory_per_gpu": _megabytes(
        "memory_per_gpu",
        "Invalid --mem-per-gpu specification string",
        "Invalid --mem-per-gpu specification",
    ),
    "memory_per_node": _megabytes(
        "memory_per_node", TEXT_READ_STRING, "Invalid memory specification"
    ),
    "minimum_cpus_per_node": _int("minimum_cpus_per_node"),
    "minimum_nodes": _flag("use_minimum_nodes"),
    "name": _string("name"),
    "nice": _nice,
    "no_kill": _no_kill,
    "no_requeue": _flag("requeue", negate=True),
    "node_list": _string("required_nodes", TEXT_READ_STRING),
    "nodelist": _string("required_nodes", TEXT_READ_STRING),
    "nodes": _nodes,
    "ntasks": _int("tasks", "ntasks too large", "ntasks too small"),
    "ntasks_per_core": _int("tasks_per_core"),
    "ntasks_per_gpu": _int("tasks_per_gpu"),
    "ntasks_per_node": _int("tasks_per_node"),
    "ntasks_per_socket": _int("tasks_per_socket"),
    "ntasks_per_tres": _int("tasks_per_tres"),
    "open_mode": _open_mode,
    "partition": _string("partition"),
    "prefer": _string("prefer"),
    "priority": _priority,
    "profile": _string("profile", TEXT_READ_STRING),
    "qos": _string("qos"),
    "requeue": _flag("requeue"),
    "reservation": _string("reservation"),
    "signal": _signal,
    "sockets_per_node": _int("sockets_per_node"),
    "spread_job": _flag("spread_job"),
    "standard_error": _string("standard_error", TEXT_READ_STRING, none_is_dev_null=True),
    "standard_input": _string("standard_input", TEXT_READ_STRING, none_is_dev_null=True),
    "standard_output": _string("standard_output", TEXT_READ_STRING, none_is_dev_null=True),
    "tasks": _int("tasks", "ntasks too large", "ntasks too small"),
    "tasks_per_core": _int("tasks_per_core"),
    "tasks_per_node": _int("tasks_per_node"),
    "tasks_per_socket": _int("tasks_per_socket"),
    "temporary_disk_per_node": _megabytes(
        "temporary_disk_per_node",
        "Invalid --tmp specification string",
        "Invalid --tmp specification",
    ),
    "test_only": _flag("test_only"),
    "thread_specification": _thread_spec,
    "threads_per_core": _int("threads_per_core"),
    "time_limit": _duration("time_limit"),
    "time_minimum": _duration("time_minimum"),
    "umask": _umask,
    "wait_all_nodes": _wait_all_nodes,
    "wckey": _string("wckey"),
}

# Keys 22.05 knew but refused through REST ("Disabled key").
DISABLED_KEYS = frozenset(
    {"accelerator_binding", "allocation_node_list", "bell", "burst_buffer_file", "cluster",
     "clusters", "compress", "contiguous", "cpu_binding", "debugger_test", "disable_status",
     "epilog", "excluded_nodes", "export", "export_file", "extra_node_info", "group_id", "help",
     "hetjob_group", "ignore_pbs", "immediate", "job_id", "kill_command", "kill_on_bad_exit",
     "label", "max_threads", "message_timeout", "mpi", "multiple_program", "network",
     "no_allocation", "no_bell", "no_shell", "nodefile", "overcommit", "oversubscribe",
     "parsable", "power_flags", "preserve_environment", "prolog", "propagate", "pty", "quiet",
     "quit_on_interrupt", "reboot", "relative", "required_nodes", "required_switches",
     "reserve_port", "reserve_ports", "slurmd_debug", "task_epilog", "task_prolog", "threads",
     "unbuffered", "unknown", "usage", "user_id", "verbose", "version", "wait",
     "wait_for_switch", "wrap", "x11"}
)  # fmt: skip


# --- parsing ----------------------------------------------------------------


def _parse_job(job: Any, submit: bool) -> JobDescription:
    """One job object; raises _JobFailed with 22.05's entries for it."""
    if not isinstance(job, dict):
        raise _JobFailed([])
    desc = JobDescription()
    for key, value in job.items():
        name = str(key).lower()
        setter = OPTIONS.get(name)
        if setter is None:
            if name in DISABLED_KEYS:
                # hsearch_r() returned 1, which resp_error() reports as errno 1
                raise _JobFailed([resp_entry(1, SOURCE_DISABLED_KEY, f'Disabled key: "{name}"')])
            raise _JobFailed([resp_entry(0, SOURCE_UNKNOWN_KEY, f'Unknown key "{name}"')])
        try:
            updates = setter(value)
        except _OptionFailed as exc:
            # 22.05's option setters all failed with SLURM_ERROR, whatever their own entry
            # said (9202 "Unable to read string" included): measured, not exc.rc.
            processed = resp_entry(-1, SOURCE_OPTION, f'Unable to process key "{name}"')
            raise _JobFailed([*exc.entries, processed]) from None
        for field_name, field_value in updates.items():
            if field_name in _JOB_FIELDS:
                setattr(desc, field_name, field_value)
            else:
                desc.extra[field_name] = field_value
    if submit and not desc.environment:
        raise _JobFailed([option_entry(TEXT_ENVIRONMENT_MISSING, Errno.ENVIRONMENT_MISSING)])
    return desc


def _parse_job_list(jobs: Any, submit: bool) -> list[JobDescription]:
    """A job object or a het job's list; raises _JobFailed/_ListFailed as 22.05 fails."""
    if isinstance(jobs, dict):
        return [_parse_job(jobs, submit)]
    if not isinstance(jobs, list) or not jobs:
        raise _ListFailed(Errno.REST_INVALID_JOBS_DESC, [])
    parsed = []
    for index, component in enumerate(jobs):
        try:
            parsed.append(_parse_job(component, submit))
        except _JobFailed as exc:
            het = resp_entry(
                Errno.REST_FAIL_PARSING,
                SOURCE_HET_JOB,
                f"unexpected failure parsing het job: {index}",
            )
            raise _JobFailed([*exc.entries, het]) from None
    return parsed


def parse_submit(body: Any) -> ParsedSubmit:
    """POST /slurm/v0.0.38/job/submit: {"script", "job": {...}} or {"script", "jobs": [...]}.

    Raises: RequestInvalid with 22.05's entries (2009 no script, 9002 no job,
    9001 a job that does not parse).
    """
    script = body.get("script") if isinstance(body, dict) else None
    if isinstance(script, (dict, list)) or script in (None, ""):
        raise RequestInvalid(Errno.JOB_SCRIPT_MISSING, [code_entry(Errno.JOB_SCRIPT_MISSING)])
    script = _text(script)
    if "job" not in body and "jobs" not in body:
        raise RequestInvalid(
            Errno.REST_INVALID_JOBS_DESC, [code_entry(Errno.REST_INVALID_JOBS_DESC)]
        )
    try:
        descriptions = _parse_job_list(body["job"] if "job" in body else body["jobs"], True)
    except _ListFailed as exc:
        raise RequestInvalid(exc.errno, [*exc.entries, code_entry(exc.errno)]) from None
    except _JobFailed as exc:
        failure = Errno.REST_FAIL_PARSING
        raise RequestInvalid(failure, [*exc.entries, code_entry(failure)]) from None
    descriptions[0].script = script  # 22.05 gives the script to the first component
    return ParsedSubmit(script, descriptions)


def parse_update(body: Any, *, context: str = "") -> ParsedUpdate:
    """POST /slurm/v0.0.38/job/{job_id}: a bare job object; only given fields are set.

    `context` is the client as 22.05 names it in errors (e.g. "[localhost]:46574").
    Raises: RequestInvalid (errno 9001 or 9002; 22.05 itself answered these with 200).
    """
    het = resp_entry(0, SOURCE_JOB_LIST, f"unexpected het job request from {context}")
    if body == []:  # a list is a het job, an empty one too (not 9002 as for a submit)
        raise RequestInvalid(Errno.REST_INVALID_JOBS_DESC, [het])
    try:
        descriptions = _parse_job_list(body, False)
    except _ListFailed as exc:
        failed = resp_entry(exc.errno, SOURCE_JOB_LIST, f"job parsing failed for {context}")
        raise RequestInvalid(exc.errno, [*exc.entries, failed]) from None
    except _JobFailed as exc:
        errno = Errno.REST_FAIL_PARSING
        failed = resp_entry(errno, SOURCE_JOB_LIST, f"job parsing failed for {context}")
        raise RequestInvalid(errno, [*exc.entries, failed]) from None
    if len(descriptions) > 1 or isinstance(body, list):
        raise RequestInvalid(Errno.REST_INVALID_JOBS_DESC, [het])
    # 22.05 parsed "name"/"job_name" here but never changed the job's name (200, no
    # error, name kept: compared with the real daemon, tests/slurm/
    # test_differential_v0_0_38.py), although slurmctld renames on `scontrol update`.
    descriptions[0].name = None
    return ParsedUpdate(descriptions[0])
