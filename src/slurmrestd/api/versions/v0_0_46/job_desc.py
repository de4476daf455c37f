"""v0.0.46 job bodies (POST /job/submit, POST /job/{job_id}) -> JobDescription.

The body is first checked and leniently converted against the version's schema
(api.schema: unknown fields and wrong types are errors naming the field,
conversions are warnings); the converted job_desc_msg is then mapped onto the
canonical record. Fields without a canonical home go to JobDescription.extra.
Errors are the uniform {description, error_number, error, source} objects.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from slurmrestd.api import schema
from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.schema import FieldProblem
from slurmrestd.api.versions import request
from slurmrestd.api.versions.request import (
    ParsedSubmit,
    ParsedUpdate,
    RequestInvalid,
    error_entry,
    invalid_from_problems,
    warning_entries,
)
from slurmrestd.cluster.errors import Errno
from slurmrestd.model.job_desc import JobDescription

VERSION = "v0.0.46"
SUBMIT_SCHEMA = "v0.0.46_job_submit_req"
JOB_SCHEMA = "v0.0.46_job_desc_msg"
SOURCE_SUBMIT = "slurm_v0046_post_job_submit"
SOURCE_UPDATE = "slurm_v0046_post_job"

_JOB_FIELDS = frozenset(f.name for f in fields(JobDescription)) - {"extra"}
_NO_VAL_KEYS = frozenset({"set", "infinite", "number"})

# v0.0.46 mail flags -> the canonical (sbatch --mail-type) names
MAIL_TYPE_NAMES = {
    "TIME=100%": "TIME_LIMIT",
    "TIME=90%": "TIME_LIMIT_90",
    "TIME=80%": "TIME_LIMIT_80",
    "TIME=50%": "TIME_LIMIT_50",
    "INVALID_DEPENDENCY": "INVALID_DEPEND",
}
# job flags with a canonical name the v0.0.38 keys also set
FLAG_NAMES = {
    "KILL_INVALID_DEPENDENCY": "kill_on_invalid_dependency",
    "SPREAD_JOB": "spread_job",
    "PREFER_MINIMUM_NODE_COUNT": "use_minimum_nodes",
}


class _Invalid(Exception):
    """A converted value that still makes no sense (e.g. "PATH" without "=")."""

    def __init__(self, message: str, item: int | None = None) -> None:
        super().__init__(message)
        self.item = item


def no_val_number(value: Any) -> int | float | None:
    """Canonical number of a {set, infinite, number} struct (None = not set)."""
    if value.get("infinite"):
        return INFINITE
    if value.get("set", "number" in value):
        return value.get("number", 0)
    return None


def _is_no_val(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and value.keys() <= _NO_VAL_KEYS


# --- field readers: converted value -> {JobDescription field or extra key: value}

Reader = Callable[[Any], dict[str, Any]]


def _number(name: str) -> Reader:
    return lambda value: {name: no_val_number(value)}


def _csv(name: str) -> Reader:
    return lambda value: {name: ",".join(value)}


def _environment(value: list[str]) -> dict[str, Any]:
    environment = {}
    for index, item in enumerate(value):
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise _Invalid(f'expected NAME=value, got "{item}"', index)
        environment[key] = text
    return {"environment": environment}


def _nodes(value: str) -> dict[str, Any]:
    counts = request.node_count_range(value)
    if counts is None:
        raise _Invalid(f'invalid node count "{value}"; expected N or MIN-MAX')
    return {"minimum_nodes": counts[0], "maximum_nodes": counts[1]}


def _mail_type(value: list[str]) -> dict[str, Any]:
    return {"mail_type": [MAIL_TYPE_NAMES.get(flag, flag) for flag in value]}


def _open_mode(value: list[str]) -> dict[str, Any]:
    return {"open_mode": value[-1].lower()} if value else {}


def _shared(value: list[str]) -> dict[str, Any]:
    if not value:
        return {}
    mode = value[-1]
    if mode == "none":
        return {"exclusive": True}
    return {"exclusive": mode != "oversubscribe", "shared": mode}


def _flags(value: list[str]) -> dict[str, Any]:
    updates: dict[str, Any] = {FLAG_NAMES[f]: True for f in value if f in FLAG_NAMES}
    updates["flags"] = value
    return updates


def _identity(name: str) -> Reader:
    """user_id/group_id: a number is an id, anything else a name."""

    def read(value: str) -> dict[str, Any]:
        text = value.strip()
        if text.isascii() and text.isdigit():  # "¹".isdigit() too, but int() refuses it
            return {f"{name}_id": int(text)}
        return {f"{name}_name": text}

    return read


READERS: dict[str, Reader] = {
    "begin_time": _number("begin_time"),
    "environment": _environment,
    "excluded_nodes": _csv("excluded_nodes"),
    "flags": _flags,
    "group_id": _identity("group"),
    "mail_type": _mail_type,
    "memory_per_cpu": _number("memory_per_cpu"),
    "memory_per_node": _number("memory_per_node"),
    "nodes": _nodes,
    "open_mode": _open_mode,
    "priority": _number("priority"),
    "required_nodes": _csv("required_nodes"),
    "shared": _shared,
    "time_limit": _number("time_limit"),
    "time_minimum": _number("time_minimum"),
    "user_id": _identity("user"),
}


_SIGNAL_NAMES = frozenset(s.name.removeprefix("SIG") for s in signal.Signals)


def _known_signal(spec: str) -> bool:
    """Whether "[R][B]:SIG@SECONDS" names a signal (a name, or a number 1..64)."""
    name = spec.rsplit(":", 1)[-1].split("@", 1)[0].strip().upper().removeprefix("SIG")
    if name.isascii() and name.isdigit():
        return 0 < int(name) < 65
    return name in _SIGNAL_NAMES


def _signal(job: dict[str, Any]) -> dict[str, Any]:
    """kill_warning_{signal,delay,flags} -> the canonical "[R][B]:SIG@SECONDS"."""
    signal = job.pop("kill_warning_signal", None)
    delay = job.pop("kill_warning_delay", None)
    flags = job.get("kill_warning_flags", [])
    if signal is None:
        if delay is not None:
            job["kill_warning_delay"] = delay  # nothing to attach it to: keep as given
        return {}
    prefix = ("R" if "RESERVATION_JOB" in flags else "") + ("B" if "BATCH_JOB" in flags else "")
    seconds = no_val_number(delay) if delay is not None else None
    text = f"{prefix}:{signal}" if prefix else signal
    if seconds is not None and seconds != INFINITE:
        text += f"@{seconds}"
    return {"signal": text}


def describe(job: dict[str, Any], path: str, problems: list[FieldProblem]) -> JobDescription:
    """A converted job_desc_msg as a JobDescription; bad values go to `problems`."""
    job = dict(job)
    desc = JobDescription()
    updates = _signal(job)
    if "signal" in updates and not _known_signal(updates["signal"]):
        where = f"{path}/kill_warning_signal" if path else "kill_warning_signal"
        problems.append(FieldProblem(where, f"unknown signal {updates['signal']!r}"))
    for key, value in job.items():
        reader = READERS.get(key)
        try:
            if reader is not None:
                updates.update(reader(value))
            elif _is_no_val(value):
                updates[key] = no_val_number(value)
            else:
                updates[key] = value
        except _Invalid as exc:
            where = f"{path}/{key}" if path else key
            if exc.item is not None:
                where += f"/{exc.item}"
            problems.append(FieldProblem(where, str(exc)))
    for name, value in updates.items():
        if name in _JOB_FIELDS:
            setattr(desc, name, value)
        elif value is not None:
            desc.extra[name] = value
    return desc


def _empty_body(source: str) -> RequestInvalid:
    errno = Errno.DATA_PARSE_NOTHING
    return RequestInvalid(errno, [error_entry(errno, "the request body is empty", source)])


def parse_submit(body: Any) -> ParsedSubmit:
    """POST /slurm/v0.0.46/job/submit: {"script"?, "job": {...}} or {"script"?, "jobs": [...]}.

    The script may also be given as job.script (of the first component).
    Raises: RequestInvalid (schema problems, 9002 no job, 2009 no script).
    """
    if body is None:
        raise _empty_body(SOURCE_SUBMIT)
    checked = schema.check(VERSION, SUBMIT_SCHEMA, body)
    warnings = warning_entries(checked.warnings, SOURCE_SUBMIT)
    if not checked.ok:
        raise invalid_from_problems(checked.errors, checked.warnings, SOURCE_SUBMIT)
    value = checked.value
    if "job" in value and "jobs" in value:
        raise _no_job("give either job or jobs, not both", warnings)
    if "job" in value:
        components = [("job", value["job"])]
    else:
        components = [(f"jobs/{i}", job) for i, job in enumerate(value.get("jobs", []))]
    if not components:
        raise _no_job("a job description is required in job or jobs", warnings)
    problems: list[FieldProblem] = []
    descriptions = [describe(job, path, problems) for path, job in components]
    if problems:
        raise invalid_from_problems(problems, checked.warnings, SOURCE_SUBMIT)
    script = value.get("script") or descriptions[0].script
    if not script:
        errno = Errno.JOB_SCRIPT_MISSING
        text = "script: a batch script is required (at the top level or as job/script)"
        raise RequestInvalid(errno, [error_entry(errno, text, SOURCE_SUBMIT)], warnings)
    descriptions[0].script = script
    return ParsedSubmit(script, descriptions, warnings)


def _no_job(text: str, warnings: list[dict[str, Any]]) -> RequestInvalid:
    errno = Errno.REST_INVALID_JOBS_DESC
    return RequestInvalid(errno, [error_entry(errno, text, SOURCE_SUBMIT)], warnings)


def parse_update(body: Any, *, context: str = "") -> ParsedUpdate:
    """POST /slurm/v0.0.46/job/{job_id}: a job_desc_msg; only given fields are set.

    `context` is accepted for the same call shape as v0.0.38 (unused here).
    Raises: RequestInvalid for an empty body or schema problems.
    """
    if body is None:
        raise _empty_body(SOURCE_UPDATE)
    checked = schema.check(VERSION, JOB_SCHEMA, body)
    if not checked.ok:
        raise invalid_from_problems(checked.errors, checked.warnings, SOURCE_UPDATE)
    problems: list[FieldProblem] = []
    description = describe(checked.value, "", problems)
    if problems:
        raise invalid_from_problems(problems, checked.warnings, SOURCE_UPDATE)
    return ParsedUpdate(description, warning_entries(checked.warnings, SOURCE_UPDATE))
