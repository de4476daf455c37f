"""Values in the `Key=Value` text Slurm 22.05's commands print (`scontrol show ... -o`).

Pure functions over strings. They know Slurm's printing conventions (markers
for "not set" and "no limit", the [days-]hh:mm:ss duration form) and nothing of
any record type; the per-record parsers (partition_text, reservation_text) do.
"""

from __future__ import annotations

import re
import time

from slurmrestd.api.numbers import INFINITE

# A key starts a field only after a space (or at the line start): values such
# as TRES=cpu=8,mem=1G or Flags=PURGE_COMP=00:05:00 hold '=' themselves.
_FIELD_START = re.compile(r"(?:^|(?<= ))([A-Za-z][A-Za-z0-9_/:.]*)=")

# How scontrol prints a field that holds nothing.
UNSET_TEXTS = frozenset({"(null)", "N/A", "n/a", "NONE", "None", ""})
# How it prints "no limit".
UNLIMITED_TEXTS = frozenset({"UNLIMITED", "INFINITE", "Unlimited", "infinite", "unlimited"})

_DURATION = re.compile(r"^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$")


def split_fields(line: str) -> dict[str, str]:
    """`A=1 B=x y C=2` -> {"A": "1", "B": "x y", "C": "2"} (a value runs to the next key)."""
    starts = list(_FIELD_START.finditer(line.strip()))
    text = line.strip()
    fields: dict[str, str] = {}
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        fields[match.group(1)] = text[match.end() : end].strip()
    return fields


def text(value: str | None) -> str:
    """A string field: "" for Slurm's unset markers."""
    if value is None or value in UNSET_TEXTS:
        return ""
    return value


def duration_seconds(value: str) -> int | None:
    """Seconds of a Slurm duration: "1-02:03:04", "02:03:04", "03:04" (min:s), "5" (min)."""
    match = _DURATION.match(value.strip())
    if match is None:
        return None
    days, first, second, third = match.groups()
    if days is not None:
        # days-hours[:minutes[:seconds]]
        hours, minutes, seconds = int(first), int(second or 0), int(third or 0)
        return ((int(days) * 24 + hours) * 60 + minutes) * 60 + seconds
    if third is not None:
        return (int(first) * 60 + int(second)) * 60 + int(third)
    if second is not None:
        return int(first) * 60 + int(second)
    return int(first) * 60


def limit_minutes(value: str | None) -> int | float | None:
    """A time limit in minutes: None when unset, INFINITE when unlimited."""
    if value is None or value in UNSET_TEXTS:
        return None
    if value in UNLIMITED_TEXTS:
        return INFINITE
    seconds = duration_seconds(value)
    return None if seconds is None else seconds // 60


def number(value: str | None, *, unset: int | None = None) -> int | float | None:
    """An integer field: `unset` for Slurm's unset markers, INFINITE when unlimited."""
    if value is None or value in UNSET_TEXTS:
        return unset
    if value in UNLIMITED_TEXTS:
        return INFINITE
    try:
        return int(value)
    except ValueError:
        return unset


def count(value: str | None) -> int:
    """A plain counter; 0 when missing or not a number."""
    result = number(value, unset=0)
    return result if isinstance(result, int) else 0


def yes(value: str | None) -> bool:
    return (value or "").upper() in ("YES", "1", "TRUE")


def timestamp(value: str | None) -> int:
    """Unix seconds of a time field: printed as such under SLURM_TIME_FORMAT=%s, else
    Slurm's local "YYYY-MM-DDTHH:MM:SS"; 0 when unset or unreadable."""
    text_value = text(value)
    if text_value.isdigit():
        return int(text_value)
    try:
        return int(time.mktime(time.strptime(text_value, "%Y-%m-%dT%H:%M:%S")))
    except ValueError:
        return 0
