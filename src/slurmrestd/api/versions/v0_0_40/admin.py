"""v0.0.40 administration operations, from v0.0.41: a bulk signal may name
the NO_CRON_JOBS flag, which later versions dropped."""

from __future__ import annotations

from slurmrestd.api.versions.v0_0_40 import job_desc
from slurmrestd.api.versions.v0_0_41 import admin as newer
from slurmrestd.api.versions.v0_0_45.admin_shapes import Body

GONE_KILL_FLAGS = ("NO_CRON_JOBS",)


def kill_jobs(value: Body) -> tuple[Body, list[str]]:
    """Drop the flags v0.0.41 cannot name (no cron jobs are signalled here anyway)."""
    flags = value.get("flags", [])
    gone = [flag for flag in flags if flag in GONE_KILL_FLAGS]
    if not gone:
        return value, []
    kept = [flag for flag in flags if flag not in GONE_KILL_FLAGS]
    return {**value, "flags": kept}, [f"flags: {flag} ignored" for flag in gone]


SHAPES = newer.SHAPES.derive("v0.0.40", job_desc.PARSER, to_newer={"kill_jobs_msg": kill_jobs})
