"""What all versions' request parsers share: results, the error, Slurm's value strings.

A parser turns a version's body into canonical records (model/) or raises
RequestInvalid carrying the exact error objects that version writes, the errno
that decides the HTTP status, and the warnings gathered so far. The Slurm value
strings (time limits "1-00:00:00", memory sizes "2G", node counts "2-4", times
"now+1hour") are parsed here once, for any version's bodies or queries.
"""

from __future__ import annotations

import datetime
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from slurmrestd.api import schema
from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.schema import FieldProblem, ProblemKind
from slurmrestd.api.status import status_for
from slurmrestd.cluster.errors import Errno, error_text
from slurmrestd.model.job_desc import JobDescription


class RequestInvalid(Exception):
    """A request body or query this version refuses.

    `entries` are the error objects exactly as this version writes them into
    `errors` (22.05's are not uniform), `errno` decides the HTTP status.
    """

    def __init__(
        self,
        errno: int,
        entries: list[dict[str, Any]],
        warnings: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(_summary(entries) or error_text(errno))
        self.errno = int(errno)
        self.entries = entries
        self.warnings = warnings or []

    def status(self, generation: str) -> int:
        """The HTTP status under an API generation (api.status tables)."""
        return status_for(self.errno, generation)


def _summary(entries: list[dict[str, Any]]) -> str:
    return "; ".join(str(e.get("description") or e.get("error") or "") for e in entries)


@dataclass(frozen=True, slots=True)
class ParsedSubmit:
    """A job submission: the batch script and one description per (het) component."""

    script: str
    descriptions: list[JobDescription]
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ParsedUpdate:
    """A job update: only the fields the client gave are set."""

    description: JobDescription
    warnings: list[dict[str, Any]] = field(default_factory=list)


# --- the uniform error shape (every version but the 22.05 job ones) ----------


def error_entry(errno: int, description: str, source: str) -> dict[str, Any]:
    """{description, error_number, error, source}, as api.envelope writes errors."""
    errno = int(errno)
    return {
        "description": description,
        "error_number": errno,
        "error": error_text(errno),
        "source": source,
    }


def warning_entry(description: str, source: str) -> dict[str, Any]:
    return {"description": description, "source": source}


# Which errno a schema problem reports (newer generation); all map to 4xx.
PROBLEM_ERRNO: dict[ProblemKind, Errno] = {
    ProblemKind.UNKNOWN_FIELD: Errno.DATA_PATH_NOT_FOUND,
    ProblemKind.MISSING_FIELD: Errno.DATA_PATH_NOT_FOUND,
    ProblemKind.WRONG_TYPE: Errno.DATA_CONV_FAILED,
    ProblemKind.INVALID_VALUE: Errno.DATA_CONV_FAILED,
    ProblemKind.CONVERTED: Errno.DATA_CONV_FAILED,
    ProblemKind.EXPECTED_OBJECT: Errno.DATA_EXPECTED_DICT,
}


def warning_entries(problems: Iterable[FieldProblem], source: str) -> list[dict[str, Any]]:
    return [warning_entry(str(p), source) for p in problems]


def invalid_from_problems(
    errors: list[FieldProblem], warnings: Iterable[FieldProblem], source: str
) -> RequestInvalid:
    """RequestInvalid for schema problems; the first problem decides the errno."""
    entries = [error_entry(PROBLEM_ERRNO[p.kind], str(p), source) for p in errors]
    return RequestInvalid(PROBLEM_ERRNO[errors[0].kind], entries, warning_entries(warnings, source))


# --- Slurm value strings ----------------------------------------------------

MAX_UID = 0xFFFFFFFE  # uid_t; 0xFFFFFFFF is (uid_t)-1, "no user"


def checked_as(
    version: str, schema_name: str, body: Any, source: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`body` converted against `version`'s `schema_name`, and its warnings.

    Raises:
        RequestInvalid: an empty body, or schema problems (the first decides the errno).
    """
    if body is None or body == {}:
        errno = Errno.DATA_PARSE_NOTHING
        raise RequestInvalid(errno, [error_entry(errno, "the request body is empty", source)])
    result = schema.check(version, schema_name, body)
    if not result.ok:
        raise invalid_from_problems(result.errors, result.warnings, source)
    return result.value, warning_entries(result.warnings, source)


def plain_number(text: str, maximum: int) -> int | None:
    """The value of `text` if it is ASCII decimal digits only, up to `maximum`; else None.

    str.isdigit() alone is not enough: it takes "¹" and other scripts' digits,
    which int() then refuses.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= maximum else None


_INFINITE_TIME = frozenset({"-1", "infinite", "unlimited"})
_DURATION = re.compile(r"(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?")


def seconds_from_time_string(text: str) -> int | float | None:
    """Seconds of a Slurm duration ("30", "1:30" m:s, "2:00:00", "1-12", "1-0:0:1").

    INFINITE for "-1", "INFINITE", "UNLIMITED"; None when it is not a duration.
    """
    text = text.strip()
    if text.casefold() in _INFINITE_TIME:
        return INFINITE
    match = _DURATION.fullmatch(text)
    if match is None:
        return None
    days_text, first, second, third = match.groups()
    numbers = [int(first)] + [int(x) for x in (second, third) if x is not None]
    if days_text is not None:
        # after "days-" come hours[:minutes[:seconds]]
        hours, minutes, seconds = [*numbers, 0, 0][:3]
        return ((int(days_text) * 24 + hours) * 60 + minutes) * 60 + seconds
    if len(numbers) == 1:
        return numbers[0] * 60
    if len(numbers) == 2:
        return numbers[0] * 60 + numbers[1]
    return (numbers[0] * 60 + numbers[1]) * 60 + numbers[2]


def minutes_from_time_string(text: str) -> int | float | None:
    """A duration in whole minutes, seconds rounded up (as sbatch --time)."""
    seconds = seconds_from_time_string(text)
    if seconds is None or seconds == INFINITE:
        return seconds
    return math.ceil(seconds / 60)


_MEMORY = re.compile(r"(\d+)([KMGTkmgt]?)")
_MEMORY_SCALE = {"k": None, "": 1, "m": 1, "g": 1024, "t": 1024 * 1024}


def megabytes_from_string(text: str) -> int | None:
    """MiB of a Slurm memory size ("100" = MiB, "512K", "2G", "1T"); None if invalid."""
    match = _MEMORY.fullmatch(text.strip())
    if match is None:
        return None
    number, suffix = int(match.group(1)), match.group(2).lower()
    scale = _MEMORY_SCALE[suffix]
    return math.ceil(number / 1024) if scale is None else number * scale


_NODE_COUNT = re.compile(r"(\d+)([kKmM]?)(?:-(\d+)([kKmM]?))?")
_COUNT_SCALE = {"": 1, "k": 1024, "m": 1024 * 1024}


def node_count_range(text: str) -> tuple[int, int] | None:
    """(minimum, maximum) of a node count ("2", "2-4", "1k"); None if invalid."""
    match = _NODE_COUNT.fullmatch(text.strip())
    if match is None:
        return None
    low = int(match.group(1)) * _COUNT_SCALE[match.group(2).lower()]
    high = low
    if match.group(3) is not None:
        high = int(match.group(3)) * _COUNT_SCALE[match.group(4).lower()]
    return (low, high) if low <= high else None


_RELATIVE = re.compile(r"now(?:([+-])(\d+)([a-z]*))?")
_UNIT_SECONDS = {
    "": 1, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip
_DATE_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d))?)?")
_CLOCK = re.compile(r"(\d\d?):(\d\d)(?::(\d\d))?")
_NAMED_HOURS = {"midnight": 0, "noon": 12, "fika": 15, "teatime": 16}


def epoch_from_time_string(text: str, now: float | None = None) -> int | None:
    """UNIX time of a Slurm time ("now+1hour", "2024-05-01T10:00", "16:00", "tomorrow").

    A plain number is taken as UNIX seconds. Local time, like Slurm's commands.
    None when the text is not a time.
    """
    now = time.time() if now is None else now
    text = text.strip().casefold()
    if text.isascii() and text.isdigit():  # "¹".isdigit() too, but int() refuses it
        return int(text)
    relative = _RELATIVE.fullmatch(text)
    if relative is not None:
        sign, count, unit = relative.groups()
        if sign is None:
            return int(now)
        if unit not in _UNIT_SECONDS:
            return None
        offset = int(count) * _UNIT_SECONDS[unit]
        return int(now) + (offset if sign == "+" else -offset)
    today = time.localtime(now)
    if text in ("today", "tomorrow"):
        return _local(today, 1 if text == "tomorrow" else 0, 0, 0, 0)
    if text in _NAMED_HOURS:
        return _next_clock(now, today, _NAMED_HOURS[text], 0, 0)
    clock = _CLOCK.fullmatch(text)
    if clock is not None:
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        return _next_clock(now, today, hour, minute, second)
    dated = _DATE_TIME.fullmatch(text.upper())
    if dated is not None:
        parts = [int(x) if x is not None else 0 for x in dated.groups()]
        try:
            return int(datetime.datetime(*parts).timestamp())  # naive = local time
        except (OverflowError, ValueError, OSError):
            return None
    return None


def _local(day: time.struct_time, add_days: int, hour: int, minute: int, second: int) -> int:
    fields = (day.tm_year, day.tm_mon, day.tm_mday + add_days, hour, minute, second, 0, 0, -1)
    return int(time.mktime(fields))


def _next_clock(now: float, today: time.struct_time, hour: int, minute: int, second: int) -> int:
    """The next moment the wall clock shows hour:minute:second (today or tomorrow)."""
    moment = _local(today, 0, hour, minute, second)
    return moment if moment > now else _local(today, 1, hour, minute, second)
