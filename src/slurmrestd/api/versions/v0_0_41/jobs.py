"""v0.0.41 job records (`v0.0.41_job_info`): v0.0.42 before 24.11 removed the
23.11 deprecations: `exclusive` and `oversubscribe` (both read from the job's
sharing mode), `show_flags` and `minimum_switches` (later `required_switches`);
no per-partition priorities yet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slurmrestd.api.versions.derive import after, derive
from slurmrestd.api.versions.render import FieldTable, Getter, attr, render
from slurmrestd.api.versions.v0_0_42 import jobs as newer
from slurmrestd.model.job import Job

JOB_FLAGS = newer.JOB_FLAGS
STATE_FLAGS = newer.STATE_FLAGS
SHOW_FLAGS = ("ALL", "DETAIL", "MIXED", "LOCAL", "SIBLING", "FEDERATION", "FUTURE")
# The job's sharing mode as the deprecated `exclusive` list names it.
EXCLUSIVE_NAMES = {"none": "true", "oversubscribe": "false", "user": "user", "mcs": "mcs",
                   "topo": "topo"}  # fmt: skip


def exclusive_of(names: Mapping[str, str]) -> Getter:
    """The deprecated `exclusive` list, read from the job's sharing mode."""
    return lambda job: [names[job.shared]] if job.shared in names else []


def _show_flags(job: Job) -> list[str]:
    given = {flag.removeprefix("SHOW_") for flag in job.show_flags}
    return [flag for flag in SHOW_FLAGS if flag in given]


JOB_INFO_FIELDS: FieldTable = derive(
    newer.JOB_INFO_FIELDS,
    drop=("priority_by_partition", "required_switches"),
    add=[
        after("excluded_nodes", exclusive=exclusive_of(EXCLUSIVE_NAMES)),
        after("minimum_cpus_per_node", minimum_switches=attr("required_switches")),
        after("nodes", oversubscribe=lambda job: job.shared == "oversubscribe"),
        after("shared", show_flags=_show_flags),
    ],
)


def render_job(job: Job) -> dict[str, Any]:
    """One job in the v0.0.41_job_info shape."""
    return render(job, JOB_INFO_FIELDS)
