"""Slurm's textual durations, memory sizes and begin times (as sbatch and slurm.conf write them).

Pure functions; each raises ValueError on text it cannot read, and callers
turn that into the SlurmError their context calls for.
"""

from __future__ import annotations

import math
import re
import time
from datetime import datetime, timedelta

_UNLIMITED = frozenset({"-1", "infinite", "unlimited"})
_DAYS = re.compile(r"(\d+)-(\d+)(?::(\d+))?(?::(\d+))?")
_CLOCK = re.compile(r"(\d+)(?::(\d+))?(?::(\d+))?")
_MEMORY = re.compile(r"(\d+)([KMGT]?)B?", re.IGNORECASE)
_MEMORY_MIB = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024, "": 1}
_NOW_PLUS = re.compile(r"now(?:\+(\d+)(seconds?|minutes?|hours?|days?|weeks?)?)?")
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
_NAMED_HOURS = {"midnight": 0, "noon": 12, "fika": 15, "teatime": 16}


def parse_duration(text: str) -> float:
    """A time limit in minutes (math.inf for UNLIMITED); seconds round up.

    Accepts "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S", UNLIMITED/INFINITE/-1.

    Raises:
        ValueError: any other text.
    """
    value = text.strip().lower()
    if value in _UNLIMITED:
        return math.inf
    days = _DAYS.fullmatch(value)
    if days:
        d, h, m, s = (int(g) if g else 0 for g in days.groups())
        return _minutes(d * 86400 + h * 3600 + m * 60 + s)
    clock = _CLOCK.fullmatch(value)
    if not clock:
        raise ValueError(f"invalid time specification {text!r}")
    parts = [int(g) for g in clock.groups() if g is not None]
    if len(parts) == 1:
        return float(parts[0])
    if len(parts) == 2:
        return _minutes(parts[0] * 60 + parts[1])
    return _minutes(parts[0] * 3600 + parts[1] * 60 + parts[2])


def _minutes(seconds: int) -> float:
    return float(math.ceil(seconds / 60))


def format_duration(minutes: float) -> str:
    """Minutes as Slurm prints a limit: "UNLIMITED", "M:00", "H:MM:00", "D-HH:MM:00"."""
    if minutes == math.inf:
        return "UNLIMITED"
    total = int(minutes)
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}-{hours:02d}:{mins:02d}:00"
    if hours:
        return f"{hours}:{mins:02d}:00"
    return f"{mins}:00"


def parse_memory(text: str) -> int:
    """A memory size in MiB; plain numbers are MiB, K/M/G/T suffixes scale (K rounds up).

    Raises:
        ValueError: not a number with an optional unit.
    """
    match = _MEMORY.fullmatch(text.strip())
    if not match:
        raise ValueError(f"invalid memory specification {text!r}")
    return math.ceil(int(match.group(1)) * _MEMORY_MIB[match.group(2).upper()])


def parse_begin(text: str, now: float) -> int:
    """An absolute UNIX time from an sbatch --begin value, relative to `now`.

    Accepts now[+N[unit]] (seconds by default), HH:MM[:SS] (today, or tomorrow
    if already past), YYYY-MM-DD[THH:MM[:SS]], midnight/noon/fika/teatime,
    today/tomorrow, and a bare number of seconds since the epoch.

    Raises:
        ValueError: any other text.
    """
    value = text.strip().lower()
    plus = _NOW_PLUS.fullmatch(value)
    if plus:
        count = int(plus.group(1) or 0)
        unit = (plus.group(2) or "seconds").rstrip("s")
        return int(now) + count * _UNIT_SECONDS[unit]
    local_now = datetime.fromtimestamp(now)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    if value == "today":
        return int(midnight.timestamp())
    if value == "tomorrow":
        return int((midnight + timedelta(days=1)).timestamp())
    if value in _NAMED_HOURS:
        return _next_time_of_day(local_now, midnight + timedelta(hours=_NAMED_HOURS[value]))
    if value.isdigit() and len(value) > 8:
        return int(value)
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", value)
    if clock:
        h, m, s = (int(g) if g else 0 for g in clock.groups())
        return _next_time_of_day(local_now, midnight.replace(hour=h, minute=m, second=s))
    for fmt in ("%Y-%m-%dt%H:%M:%S", "%Y-%m-%dt%H:%M", "%Y-%m-%d"):
        try:
            return int(time.mktime(datetime.strptime(value, fmt).timetuple()))
        except ValueError:
            continue
    raise ValueError(f"invalid time specification {text!r}")


def _next_time_of_day(now: datetime, candidate: datetime) -> int:
    if candidate <= now:
        candidate += timedelta(days=1)
    return int(candidate.timestamp())
