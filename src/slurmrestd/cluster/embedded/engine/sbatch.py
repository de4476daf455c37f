"""`#SBATCH` directives in a batch script, read into a JobDescription.

As sbatch does, directives are read from the top of the script until the
first line that is neither blank nor a comment; text after " #" on a
directive line is a comment. Fields given through the API win over the
script's (`merge`). Options that mean nothing here (--export, --parsable ...)
are ignored and logged; an option that is unknown or has an unreadable value
raises DirectiveError.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from slurmrestd.cluster.embedded.engine.timespec import parse_begin, parse_duration, parse_memory
from slurmrestd.model.job_desc import JobDescription

log = logging.getLogger(__name__)


class DirectiveError(ValueError):
    def __init__(self, option: str, reason: str) -> None:
        super().__init__(f"#SBATCH {option}: {reason}")
        self.option = option


def _nodes(value: str) -> dict[str, Any]:
    lo, _, hi = value.partition("-")
    out: dict[str, Any] = {"minimum_nodes": int(lo)}
    if hi:
        out["maximum_nodes"] = int(hi)
    return out


def _field(name: str, convert: Callable[[str], Any] = str) -> Callable[[str], dict[str, Any]]:
    return lambda value: {name: convert(value)}


def _const(name: str, value: Any) -> Callable[[str], dict[str, Any]]:
    return lambda _: {name: value}


def _open_mode(value: str) -> str:
    if value not in ("append", "truncate"):
        raise ValueError("expected append or truncate")
    return value


@dataclass(frozen=True, slots=True)
class _Option:
    apply: Callable[[str], dict[str, Any]]
    takes_value: bool = True
    default: str | None = None  # value when an optional argument is omitted


_OPTIONS: dict[str, _Option] = {
    "job-name": _Option(_field("name")),
    "account": _Option(_field("account")),
    "partition": _Option(_field("partition")),
    "qos": _Option(_field("qos")),
    "time": _Option(_field("time_limit", parse_duration)),
    "time-min": _Option(_field("time_minimum", parse_duration)),
    "ntasks": _Option(_field("tasks", int)),
    "ntasks-per-node": _Option(_field("tasks_per_node", int)),
    "cpus-per-task": _Option(_field("cpus_per_task", int)),
    "mincpus": _Option(_field("minimum_cpus", int)),
    "nodes": _Option(_nodes),
    "mem": _Option(_field("memory_per_node", parse_memory)),
    "mem-per-cpu": _Option(_field("memory_per_cpu", parse_memory)),
    "output": _Option(_field("standard_output")),
    "error": _Option(_field("standard_error")),
    "input": _Option(_field("standard_input")),
    "chdir": _Option(_field("current_working_directory")),
    "array": _Option(_field("array")),
    "dependency": _Option(_field("dependency")),
    "hold": _Option(_const("hold", True), takes_value=False),
    "nice": _Option(_field("nice", int), default="100"),
    "priority": _Option(_field("priority", int)),
    "comment": _Option(_field("comment")),
    "licenses": _Option(_field("licenses")),
    "open-mode": _Option(_field("open_mode", _open_mode)),
    "requeue": _Option(_const("requeue", True), takes_value=False),
    "no-requeue": _Option(_const("requeue", False), takes_value=False),
    "exclusive": _Option(_const("exclusive", True), default=""),
    "mail-type": _Option(_field("mail_type", lambda v: v.split(","))),
    "mail-user": _Option(_field("mail_user")),
    "nodelist": _Option(_field("required_nodes")),
    "exclude": _Option(_field("excluded_nodes")),
    "constraint": _Option(_field("constraints")),
    "signal": _Option(_field("signal")),
    "wckey": _Option(_field("wckey")),
    "reservation": _Option(_field("reservation")),
    "gres": _Option(_field("tres_per_node", lambda v: f"gres/{v}")),
}
_SHORT = {
    "J": "job-name",
    "A": "account",
    "p": "partition",
    "q": "qos",
    "t": "time",
    "n": "ntasks",
    "c": "cpus-per-task",
    "N": "nodes",
    "o": "output",
    "e": "error",
    "i": "input",
    "D": "chdir",
    "a": "array",
    "d": "dependency",
    "H": "hold",
    "L": "licenses",
    "w": "nodelist",
    "x": "exclude",
    "C": "constraint",
}
# Options whose value is a point in time, read relative to the submission.
_TIMES = {"begin": "begin_time", "deadline": "deadline"}
# Accepted and ignored: they steer the sbatch client, not the job.
_IGNORED = frozenset(
    {
        "export",
        "parsable",
        "wait",
        "quiet",
        "verbose",
        "get-user-env",
        "kill-on-invalid-dep",
        "propagate",
        "test-only",
        "no-kill",
        "export-file",
        "uid",
        "gid",
    }
)


def directives(script: str) -> Iterator[str]:
    """The arguments of each leading #SBATCH line, in order."""
    for number, line in enumerate(script.splitlines()):
        stripped = line.strip()
        if number == 0 and stripped.startswith("#!"):
            continue
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return
        if stripped.startswith("#SBATCH"):
            rest = stripped[len("#SBATCH") :]
            if rest and not rest[0].isspace():
                continue  # "#SBATCHX" is a comment
            comment = rest.find(" #")
            yield rest if comment < 0 else rest[:comment]


def _tokens(script: str) -> Iterator[str]:
    for args in directives(script):
        try:
            yield from shlex.split(args)
        except ValueError as exc:
            raise DirectiveError(args.strip(), str(exc)) from None


def parse_script_options(script: str, now: float) -> JobDescription:
    """The JobDescription the script's #SBATCH lines ask for (times relative to `now`).

    Raises:
        DirectiveError: an unknown option, a missing or unreadable value.
    """
    found: dict[str, Any] = {}
    tokens = list(_tokens(script))
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        name, value, attached = _split(token)
        if name in _IGNORED:
            log.info("#SBATCH --%s has no effect on the embedded cluster", name)
            continue
        if name in _TIMES:
            option = _Option(lambda v, key=_TIMES[name]: {key: parse_begin(v, now)})
        else:
            option = _OPTIONS.get(name)
        if option is None:
            raise DirectiveError(token, "unrecognized option")
        if not option.takes_value:
            if attached:
                raise DirectiveError(token, "takes no value")
            value = ""
        elif not attached:
            if option.default is not None:
                value = option.default
            elif i < len(tokens):
                value, i = tokens[i], i + 1
            else:
                raise DirectiveError(token, "requires a value")
        try:
            changes = option.apply(value)
        except ValueError as exc:
            raise DirectiveError(token, str(exc)) from None
        found.update(changes)
    return JobDescription(**found)


def _split(token: str) -> tuple[str, str, bool]:
    """(long option name, value, whether the value was attached to the token)."""
    if token.startswith("--"):
        name, sep, value = token[2:].partition("=")
        return name, value, bool(sep)
    if token.startswith("-") and len(token) >= 2:
        long = _SHORT.get(token[1])
        if long is None:
            raise DirectiveError(token, "unrecognized option")
        value = token[2:].removeprefix("=")
        return long, value, bool(value)
    raise DirectiveError(token, "not an option")


def merge(api: JobDescription, script: JobDescription) -> JobDescription:
    """Fields given through the API, completed by the script's directives."""
    values = {}
    for f in fields(JobDescription):
        if f.name == "extra":
            values["extra"] = {**script.extra, **api.extra}
            continue
        given = getattr(api, f.name)
        values[f.name] = given if given is not None else getattr(script, f.name)
    return JobDescription(**values)
