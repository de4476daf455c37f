"""Filename patterns of --output/--error/--input: %j %x %u %A %a %N %% and friends.

Follows sbatch(1) "filename pattern": a number between % and the letter
zero-pads numeric values ("%4a" -> "0007"); a backslash anywhere turns
expansion off (the backslashes are dropped); unknown letters stay as written.
Relative results are taken from the job's working directory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

# What %a gives for a job that is not an array task (Slurm prints NO_VAL-1).
NOT_AN_ARRAY_TASK = 4294967294

_PATTERN = re.compile(r"%(\d*)([%AabJjNnstux])")


@dataclass(frozen=True, slots=True)
class PathContext:
    job_id: int
    user: str
    name: str
    node: str = ""
    array_job_id: int | None = None
    array_task_id: int | None = None


def expand_pattern(pattern: str, ctx: PathContext) -> str:
    """Replace the %-sequences of `pattern` (no cwd applied)."""
    if "\\" in pattern:
        return pattern.replace("\\", "")
    task = ctx.array_task_id if ctx.array_task_id is not None else NOT_AN_ARRAY_TASK
    numbers = {
        "A": ctx.array_job_id if ctx.array_job_id is not None else ctx.job_id,
        "a": task,
        "b": task % 10,
        "j": ctx.job_id,
        "n": 0,
        "t": 0,
    }
    texts = {
        "%": "%",
        "J": f"{ctx.job_id}.batch",
        "N": ctx.node.split(".")[0],
        "s": "batch",
        "u": ctx.user,
        "x": ctx.name,
    }

    def one(match: re.Match[str]) -> str:
        width, letter = match.group(1), match.group(2)
        if letter in numbers:
            return str(numbers[letter]).zfill(int(width) if width else 0)
        return texts[letter]

    return _PATTERN.sub(one, pattern)


def resolve_stream(pattern: str, ctx: PathContext, cwd: str) -> str:
    """The absolute path a stream pattern names for this job."""
    path = expand_pattern(pattern, ctx)
    return path if os.path.isabs(path) else os.path.join(cwd, path)


def default_output(is_array: bool) -> str:
    """sbatch's default stdout name (stderr goes to the same file)."""
    return "slurm-%A_%a.out" if is_array else "slurm-%j.out"
