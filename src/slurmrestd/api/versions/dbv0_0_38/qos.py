"""dbv0.0.38 QOS: GET /qos, /qos/{name}, config dump."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape, row
from slurmrestd.api.versions.dbv0_0_38.tres import TRES_LIST
from slurmrestd.api.versions.dbv0_0_38.values import FLOAT, NUMBER, STRING, STRINGS
from slurmrestd.model.accounting import QOS

# Key order as GET_slurmdb_v0.0.38_qos.json. 22.05 has no paths for
# GrpSubmitJobs and GrpTRESMins; "id" is an integer although its schema says string.
QOS_SHAPE = Shape(
    QOS,
    [
        row("description", "description", STRING),
        row("flags", "flags", STRINGS),
        row("id", "id", NUMBER),
        row("limits/grace_time", "grace_time", NUMBER),
        row("limits/max/active_jobs/accruing", "grp_jobs_accrue", NUMBER),
        row("limits/max/active_jobs/count", "grp_jobs", NUMBER),
        row("limits/max/tres/total", "grp_tres", TRES_LIST),
        row("limits/max/tres/minutes/per/qos", "grp_tres_run_mins", TRES_LIST),
        row("limits/max/tres/minutes/per/job", "max_tres_mins_per_job", TRES_LIST),
        row("limits/max/tres/minutes/per/account", "max_tres_run_mins_per_account", TRES_LIST),
        row("limits/max/tres/minutes/per/user", "max_tres_run_mins_per_user", TRES_LIST),
        row("limits/max/tres/per/account", "max_tres_per_account", TRES_LIST),
        row("limits/max/tres/per/job", "max_tres_per_job", TRES_LIST),
        row("limits/max/tres/per/node", "max_tres_per_node", TRES_LIST),
        row("limits/max/tres/per/user", "max_tres_per_user", TRES_LIST),
        row("limits/max/wall_clock/per/qos", "grp_wall", NUMBER),
        row("limits/max/wall_clock/per/job", "max_wall_per_job", NUMBER),
        row("limits/max/jobs/active_jobs/per/account", "max_jobs_per_account", NUMBER),
        row("limits/max/jobs/active_jobs/per/user", "max_jobs_per_user", NUMBER),
        row("limits/max/jobs/per/account", "max_submit_jobs_per_account", NUMBER),
        row("limits/max/jobs/per/user", "max_submit_jobs_per_user", NUMBER),
        row("limits/max/accruing/per/account", "max_jobs_accrue_per_account", NUMBER),
        row("limits/max/accruing/per/user", "max_jobs_accrue_per_user", NUMBER),
        row("limits/factor", "limit_factor", FLOAT),
        row("limits/min/priority_threshold", "min_priority_threshold", NUMBER),
        row("limits/min/tres/per/job", "min_tres_per_job", TRES_LIST),
        row("name", "name", STRING),
        row("preempt/list", "preempt_list", STRINGS),
        row("preempt/mode", "preempt_mode", STRINGS),
        row("preempt/exempt_time", "preempt_exempt_time", NUMBER),
        row("priority", "priority", NUMBER),
        row("usage_factor", "usage_factor", FLOAT),
        row("usage_threshold", "usage_threshold", FLOAT),
    ],
)


def render_qos(qos: QOS) -> dict[str, Any]:
    return QOS_SHAPE.render(qos)


def parse_qos(data: Any, source: str = "parse_qos") -> QOS:
    """Raises: SlurmError naming the field that does not fit."""
    return QOS_SHAPE.parse(data, source)
