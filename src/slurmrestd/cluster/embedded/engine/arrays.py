"""Job array syntax: index specifications ("0-15%4", "1,3,5", "0-9:2") and job
references ("12", "12_3", "12_[1-3]").

Pure text handling; raises ValueError, which callers map to Slurm's errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RANGE = re.compile(r"(\d+)(?:-(\d+)(?::(\d+))?)?")
_JOB_REF = re.compile(r"(\d+)(?:_(\d+|\[[0-9,:\-]+\]))?")

# slurm.conf MaxArraySize default: indexes run 0 .. MaxArraySize-1.
DEFAULT_MAX_ARRAY_SIZE = 1001
# Bound on indexes named in a job reference ("12_[0-N]"), whatever MaxArraySize is.
_MAX_TASK_REF = 4_000_001


@dataclass(frozen=True, slots=True)
class ArraySpec:
    indexes: tuple[int, ...]  # sorted, unique
    throttle: int = 0  # most tasks running at once; 0 = no limit

    @property
    def text(self) -> str:
        """The indexes in compact form, e.g. "0-15" or "1,3,5"."""
        return format_indexes(self.indexes)

    @property
    def step(self) -> int:
        """The common step when the indexes are evenly spaced, else 1."""
        gaps = {b - a for a, b in zip(self.indexes, self.indexes[1:], strict=False)}
        return gaps.pop() if len(gaps) == 1 else 1


@dataclass(frozen=True, slots=True)
class JobRef:
    """A job id as users write it: a job, an array (all tasks), or array tasks."""

    job_id: int
    task_ids: tuple[int, ...] | None = None  # None: no "_" part


def parse_indexes(text: str, max_size: int = DEFAULT_MAX_ARRAY_SIZE) -> tuple[int, ...]:
    """Indexes of "1-5,7,10-20:2" (no throttle), sorted and unique.

    Raises:
        ValueError: bad syntax, reversed range, zero step, or an index >= max_size.
    """
    found: set[int] = set()
    for item in text.split(","):
        match = _RANGE.fullmatch(item.strip())
        if not match:
            raise ValueError(f"invalid array index {item!r}")
        lo = int(match.group(1))
        hi = int(match.group(2)) if match.group(2) is not None else lo
        step = int(match.group(3)) if match.group(3) is not None else 1
        if hi < lo or step < 1:
            raise ValueError(f"invalid array range {item!r}")
        if hi >= max_size:
            raise ValueError(f"array index {hi} exceeds MaxArraySize={max_size}")
        found.update(range(lo, hi + 1, step))
    return tuple(sorted(found))


def parse_array(text: str, max_size: int = DEFAULT_MAX_ARRAY_SIZE) -> ArraySpec:
    """Parse an sbatch --array value.

    Raises:
        ValueError: invalid indexes or throttle.
    """
    spec, sep, throttle_text = text.strip().partition("%")
    throttle = 0
    if sep:
        if not throttle_text.isdigit():
            raise ValueError(f"invalid array throttle {throttle_text!r}")
        throttle = int(throttle_text)
    return ArraySpec(parse_indexes(spec, max_size), throttle)


def format_indexes(indexes: tuple[int, ...] | list[int]) -> str:
    """Sorted indexes as comma-separated runs: (0, 1, 2, 5) -> "0-2,5"."""
    out: list[str] = []
    values = sorted(indexes)
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        out.append(str(values[i]) if i == j else f"{values[i]}-{values[j]}")
        i = j + 1
    return ",".join(out)


def parse_job_ref(text: str) -> JobRef:
    """Parse "12", "12_3" or "12_[1-3,5]".

    Raises:
        ValueError: anything else.
    """
    match = _JOB_REF.fullmatch(text.strip())
    if not match:
        raise ValueError(f"invalid job id {text!r}")
    job_id = int(match.group(1))
    tasks = match.group(2)
    if tasks is None:
        return JobRef(job_id)
    if tasks.startswith("["):
        return JobRef(job_id, parse_indexes(tasks[1:-1], max_size=_MAX_TASK_REF))
    return JobRef(job_id, (int(tasks),))
